//! Tokens as the runtime shows them (`TokenDTO`) and the bodies and query keys of the
//! `/Tokens` routes (`CreateOwnTokenRequest`, `LoadPeerTokenRequest`, `GetTokensQuery`).

use crate::CoreDate;
use crate::password_protection::{PasswordProtectionDto, PasswordProtectionRequest};
pub use crate::reference::ReferenceDto;
use serde::{Deserialize, Serialize};
use wire::{Address, DeviceId, TokenId};

/// The runtime's one message for every malformed, `null` or empty body of `POST /Tokens/Peer`
/// (its schema's `errorMessage`).
pub const INVALID_TOKEN_REFERENCE: &str = "token reference invalid";

/// The keys `GET /Tokens/Own` and `GET /Tokens/Peer` accept (`GetTokensQuery`).
pub const QUERY_KEYS: &[&str] = &[
    "isOwn",
    "createdAt",
    "createdBy",
    "createdByDevice",
    "expiresAt",
    "forIdentity",
    "passwordProtection",
    "passwordProtection.password",
    "passwordProtection.passwordIsPin",
    "passwordProtection.passwordLocationIndicator",
];

/// The body of the routes that share an object (a template, a file) through a new token. The
/// defaults differ by object (a template's token is ephemeral unless asked otherwise).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CreateTokenForObjectRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_protection: Option<PasswordProtectionRequest>,
}

/// `TokenDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct TokenDto {
    #[cfg_attr(feature = "schema", schema(value_type = String, pattern = "TOK[A-Za-z0-9]{17}"))]
    pub id: TokenId,
    pub is_own: bool,
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    pub created_by: Address,
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    pub created_by_device: DeviceId,
    /// Free-form by definition: whatever JSON the creator put in, a content class as the
    /// official library prints it, anything else as given (the runtime wraps untyped content
    /// in a `JSONWrapper` that serialises back to the value).
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub content: serde_json::Value,
    #[cfg_attr(feature = "schema", schema(value_type = String, format = DateTime))]
    pub created_at: CoreDate,
    #[cfg_attr(feature = "schema", schema(value_type = String, format = DateTime))]
    pub expires_at: CoreDate,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>))]
    pub for_identity: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub password_protection: Option<PasswordProtectionDto>,
    pub reference: ReferenceDto,
    pub is_ephemeral: bool,
}

/// `POST /Tokens/Own`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CreateOwnTokenRequest {
    /// Free-form by definition: any JSON the creator wants to share.
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub content: serde_json::Value,
    /// Kept as text: the runtime answers a malformed one and one in the past with messages of
    /// its own (`expiresAt must match ISO8601 datetime format`, `'expiresAt' must be in the
    /// future`), which the transport gives.
    #[cfg_attr(feature = "schema", schema(format = DateTime))]
    pub expires_at: String,
    /// The Connector's default is `false`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ephemeral: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>))]
    pub for_identity: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub password_protection: Option<PasswordProtectionRequest>,
}

/// `POST /Tokens/Peer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LoadPeerTokenRequest {
    /// A truncated token reference (`VE9L…`) or its URL form.
    pub reference: String,
    /// The Connector's default is `false`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ephemeral: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub password: Option<String>,
}

impl LoadPeerTokenRequest {
    /// Whether `reference` has the form the runtime's schema demands: a truncated token
    /// reference (`VE9L` and at least 84 more characters) or a URL ending in
    /// `/r/TOK…[?app=…]#key`.
    pub fn has_token_reference_form(&self) -> bool {
        let r = self.reference.as_str();
        if let Some(at) = r.find("VE9L")
            && r[at + 4..].chars().count() >= 84
        {
            return true;
        }
        is_token_url(r)
    }
}

fn is_token_url(r: &str) -> bool {
    let Some(rest) = r
        .strip_prefix("https://")
        .or_else(|| r.strip_prefix("http://"))
    else {
        return false;
    };
    let Some((before, key)) = rest.rsplit_once('#') else {
        return false;
    };
    let key_ok = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    // `.*` is greedy in the schema, so the last `/r/TOK` decides.
    let Some(at) = before.rfind("/r/TOK") else {
        return false;
    };
    let tail = &before[at + "/r/TOK".len()..];
    let (id, app) = match tail.split_once("?app=") {
        Some((id, app)) => (id, Some(app)),
        None => (tail, None),
    };
    key_ok
        && !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
        && app.is_none_or(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(reference: &str) -> LoadPeerTokenRequest {
        LoadPeerTokenRequest {
            reference: reference.to_owned(),
            ephemeral: None,
            password: None,
        }
    }

    #[test]
    fn reference_forms_follow_the_runtime_schema() {
        let truncated = format!("VE9L{}", "x".repeat(84));
        assert!(request(&truncated).has_token_reference_form());
        assert!(!request(&truncated[..truncated.len() - 1]).has_token_reference_form());
        assert!(!request("").has_token_reference_form());
        assert!(!request("RklMeHh4").has_token_reference_form());
        assert!(
            request("http://localhost:8090/r/TOKabcdefghijklmnopq#YWJj-_d")
                .has_token_reference_form()
        );
        assert!(
            request("https://b.example/r/TOKabc?app=https://app#key").has_token_reference_form()
        );
        assert!(!request("https://b.example/r/FILabc#key").has_token_reference_form());
        assert!(!request("https://b.example/r/TOKabc").has_token_reference_form());
    }

    #[test]
    fn dto_has_exactly_the_official_fields() {
        let dto = TokenDto {
            id: TokenId::parse("TOKabcdefghijklmnopq").unwrap(),
            is_own: true,
            created_by: Address::parse("did:e:localhost:dids:0123456789abcdef012357").unwrap(),
            created_by_device: DeviceId::parse("DVCabcdefghijklmnopq").unwrap(),
            content: json!({"a": 1}),
            created_at: CoreDate::parse("2026-11-28T01:13:37.487Z").unwrap(),
            expires_at: CoreDate::parse("2026-11-29T01:13:37.487+00:00").unwrap(),
            for_identity: None,
            password_protection: None,
            reference: ReferenceDto {
                truncated: "t".into(),
                url: "u".into(),
            },
            is_ephemeral: false,
        };
        let v = serde_json::to_value(&dto).unwrap();
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "content",
                "createdAt",
                "createdBy",
                "createdByDevice",
                "expiresAt",
                "id",
                "isEphemeral",
                "isOwn",
                "reference"
            ]
        );
        assert_eq!(v["expiresAt"], "2026-11-29T01:13:37.487Z");
        assert_eq!(serde_json::from_value::<TokenDto>(v).unwrap(), dto);
    }
}
