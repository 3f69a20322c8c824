//! `{truncated, url}`: how a shareable object (template, token, file) is referenced in its
//! DTO, one type for all of them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ReferenceDto {
    pub truncated: String,
    pub url: String,
}
