//! relationship_templates
