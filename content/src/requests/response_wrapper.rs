//! `ResponseWrapper`: the message content that answers a request received by message or
//! template.

use serde::Serialize;
use serde_json::Value;

use super::response::Response;
use crate::parse::{Class, Fields, Result};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResponseWrapper {
    pub request_id: String,
    /// The id of the message or template the request came with.
    pub request_source_reference: String,
    pub request_source_type: RequestSourceType,
    /// Typed `Response`, not a union: serialised without `@type`.
    pub response: Response,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum RequestSourceType {
    Message,
    RelationshipTemplate,
}

impl Class for ResponseWrapper {
    const NAME: &'static str = "ResponseWrapper";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        let request_id = f.core_string("requestId", "CoreId")?;
        let request_source_reference = f.core_string("requestSourceReference", "CoreId")?;
        let request_source_type = match f.defined("requestSourceType")? {
            Value::String(s) if s == "Message" => RequestSourceType::Message,
            Value::String(s) if s == "RelationshipTemplate" => {
                RequestSourceType::RelationshipTemplate
            }
            Value::String(_) => {
                return Err(f.error(
                    "requestSourceType",
                    "Value is not within the list of allowed values.",
                ));
            }
            _ => return Err(f.error("requestSourceType", "Value is not a string")),
        };
        Ok(Self {
            request_id,
            request_source_reference,
            request_source_type,
            response: f.object("response")?,
        })
    }
}
