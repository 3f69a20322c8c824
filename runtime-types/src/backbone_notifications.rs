//! backbone_notifications
