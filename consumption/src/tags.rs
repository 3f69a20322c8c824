//! PLACEHOLDER until the tag collection lands: refuses every tag.
use crate::{Consumption, Error, Result};
impl Consumption {
    pub async fn validate_tags(&self, _value_type: &str, tags: &[String]) -> Result<()> {
        if tags.is_empty() {
            Ok(())
        } else {
            Err(Error::rule(
                "error.consumption.attributes.invalidTags",
                "tags are not checked yet",
            ))
        }
    }
}
