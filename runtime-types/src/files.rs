//! Files as the runtime shows them (`FileDTO`) and the request bodies of the `/Files` routes
//! (`UploadOwnFileRequest`'s form fields, `LoadPeerFileRequest`), as in `@nmshd/runtime-types`
//! 7.0.0 and the runtime's use cases.

use crate::CoreDate;
pub use crate::reference::ReferenceDto;
use serde::{Deserialize, Serialize};

/// `FileDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FileDto {
    pub id: String,
    pub is_own: bool,
    pub filename: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    pub filesize: u64,
    pub created_at: CoreDate,
    pub created_by: String,
    pub created_by_device: String,
    pub expires_at: CoreDate,
    pub mimetype: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub reference: ReferenceDto,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_token: Option<String>,
    /// Only ever `true`: the runtime leaves the field out while the ownership is not locked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_is_locked: Option<bool>,
}

/// The text fields of `POST /Files/Own` (`multipart/form-data`); the file itself is the
/// `file` part. Describes the form in the API document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct UploadOwnFileForm {
    /// The file's bytes; its name and type become `filename` and `mimetype`.
    #[cfg_attr(feature = "schema", schema(value_type = String, format = Binary))]
    pub file: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(format = DateTime))]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// `POST /Files/Own` as the REST layer received it: the `file` part with its name and type, and
/// the text fields. A part or field the request lacked is `None`, so the use case's checks can
/// name the first missing property as the runtime does.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct UploadOwnFileParts {
    pub content: Option<Vec<u8>>,
    pub filename: Option<String>,
    pub mimetype: Option<String>,
    pub expires_at: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// `POST /Files/Peer`: a file or token reference (truncated or URL), with the token's password
/// when it is protected. The reference stays text here: the runtime checks it with its own
/// message (`token / file reference invalid`), which transport gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LoadPeerFileRequest {
    /// Anything but a string (missing, `null`, a number) reads as no reference at all, which
    /// the runtime refuses with the same message as a malformed one.
    #[serde(default, deserialize_with = "text_or_none")]
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// The body of `POST /Files/{id}/Token`.
pub type CreateTokenForFileRequest = crate::tokens::CreateTokenForObjectRequest;

fn text_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}
