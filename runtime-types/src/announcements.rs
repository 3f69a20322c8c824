//! announcements
