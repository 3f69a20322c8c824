//! What a message carries: `Mail`, `ArbitraryMessageContent`, and (from other modules)
//! `Request`, `ResponseWrapper` and `Notification`.

use serde::Serialize;
use serde_json::Value;

use crate::parse::{Class, Fields, Result, Str};
use crate::requests::not_empty;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Mail {
    pub to: Vec<String>,
    /// Always serialised; empty when the input had none.
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// Any JSON, for applications that define their own message content.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ArbitraryMessageContent {
    pub value: Value,
}

impl Class for Mail {
    const NAME: &'static str = "Mail";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        let to = f.addresses("to", f.array("to")?)?;
        f.check("to", "Array", to.as_slice(), not_empty)?;
        // The official `preFrom` turns a missing or null `cc` into `[]` and takes an old
        // `content` for a missing `body`.
        let cc = match f.get("cc") {
            None | Some(Value::Null) => Vec::new(),
            Some(_) => f.addresses("cc", f.array("cc")?)?,
        };
        let body = match (f.get("body"), f.get("content")) {
            (None | Some(Value::Null), Some(content)) => {
                Fields::of(Self::NAME, &serde_json::json!({ "body": content }))
                    .and_then(|old| old.string("body", Str::max(50000)))?
            }
            _ => f.string("body", Str::max(50000))?,
        };
        Ok(Self {
            to,
            cc,
            subject: f.string("subject", Str::max(300))?,
            body,
        })
    }
}

impl Class for ArbitraryMessageContent {
    const NAME: &'static str = "ArbitraryMessageContent";
    fn parse(value: &Value) -> Result<Self> {
        Ok(Self {
            value: Fields::of(Self::NAME, value)?.any("value")?,
        })
    }
}
