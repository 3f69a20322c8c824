//! Tokens: small encrypted JSON objects on the Backbone, shared by reference. Own tokens are
//! created here (also for templates and files, which put a key into the token); peer tokens
//! are loaded by reference, password-protected ones with the password. A stored token is its
//! `TokenDTO` plus the sealed key under `_local`, so the official list queries run on it.

use crate::Transport;
use crate::change::Change;
use crate::error::{Result, TransportError};
use crate::password::{self, PasswordProtection};
use crate::token_content::token_content;
use crate::util::{self, Ownership};
use consumer_api::tokens::{CreateTokenRequest, CreateTokenResponse, Token as BackboneToken};
use reqwest::Method;
use runtime_types::CoreDate;
use runtime_types::password_protection::PasswordLocationIndicator;
use runtime_types::tokens::{
    CreateOwnTokenRequest, INVALID_TOKEN_REFERENCE, LoadPeerTokenRequest, QUERY_KEYS, ReferenceDto,
    TokenDto,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{Filter, Op};
use wire::{Address, AnyId, Cipher, CryptoObject, DeviceId, SecretKey, TokenId};

pub const COLLECTION: &str = "Tokens";

const LOCATION_INDICATOR_KEY: &str = "passwordProtection.passwordLocationIndicator";
const IS_PIN_KEY: &str = "passwordProtection.passwordIsPin";
const PROTECTION_KEY: &str = "passwordProtection";

/// What a new own token holds and who may read it.
pub struct NewToken {
    pub content: Value,
    pub expires_at: CoreDate,
    pub ephemeral: bool,
    pub for_identity: Option<Address>,
    pub password: Option<PasswordProtection>,
}

/// A stored token: the DTO and, apart from it, the sealed key.
#[derive(Serialize, Deserialize)]
struct StoredToken {
    #[serde(flatten)]
    dto: TokenDto,
    #[serde(rename = "_local")]
    local: TokenLocal,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenLocal {
    secret_key: String,
}

/// Parses `forIdentity`.
pub(crate) fn parse_for_identity(value: Option<&str>) -> Result<Option<Address>> {
    value
        .map(|s| {
            Address::parse(s).map_err(|e| TransportError::invalid(format!("forIdentity: {e}")))
        })
        .transpose()
}

/// An ISO 8601 date-time as the runtime's schema accepts it (a zone is optional and means
/// UTC here; a date alone is its midnight), or its message naming `field`.
pub(crate) fn parse_iso_date(text: &str, field: &str) -> Result<CoreDate> {
    use chrono::{NaiveDate, NaiveDateTime};
    let invalid = || TransportError::invalid(format!("{field} must match ISO8601 datetime format"));
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
                .or_else(|| {
                    NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                })
                .map(|t| t.and_utc())
        })
        .ok_or_else(invalid)?;
    CoreDate::parse(&util::format_time(parsed)).ok_or_else(invalid)
}

/// `expiresAt` of a create request: well-formed and in the future, in the runtime's words.
pub(crate) fn future_expiry(text: &str) -> Result<CoreDate> {
    let date = parse_iso_date(text, "expiresAt")?;
    if date.is_past() {
        return Err(TransportError::invalid("'expiresAt' must be in the future"));
    }
    Ok(date)
}

/// The object a loaded token points to: its content must be of `content_type` and name the
/// object in `id_field`; yields the object's id and key.
pub(crate) fn token_target(
    content: &Value,
    content_type: &str,
    id_field: &str,
    what: &str,
) -> Result<(String, SecretKey)> {
    if content.get("@type").and_then(Value::as_str) != Some(content_type) {
        return Err(TransportError::rule(
            "error.runtime.invalidTokenContent",
            format!("the token does not point to {what}"),
        ));
    }
    let id = content
        .get(id_field)
        .and_then(Value::as_str)
        .ok_or_else(|| {
            TransportError::rule(
                "error.runtime.invalidTokenContent",
                format!("{id_field} missing"),
            )
        })?;
    let key = SecretKey::from_json(&content["secretKey"].to_string())?;
    Ok((id.to_owned(), key))
}

fn to_json(dto: &TokenDto) -> Result<Value> {
    serde_json::to_value(dto).map_err(|e| TransportError::Internal(e.to_string()))
}

fn from_doc(doc: Value) -> Result<StoredToken> {
    serde_json::from_value(doc)
        .map_err(|e| TransportError::Internal(format!("stored token is unreadable: {e}")))
}

fn as_bytes(base64: &str) -> Result<consumer_api::Bytes> {
    consumer_api::Bytes::decode(base64)
        .ok_or_else(|| TransportError::Internal("an encoding we wrote is not base64".into()))
}

fn reference_dto(reference: &wire::Reference) -> Result<ReferenceDto> {
    Ok(ReferenceDto {
        truncated: reference.truncate(),
        url: reference.to_url(None)?,
    })
}

/// The official list query of `/Tokens/Own` and `/Tokens/Peer`. The password keys are read
/// as the runtime reads them: `passwordLocationIndicator` values are option names or numbers
/// (anything else matches nothing) and `passwordIsPin=!` means "protected by a password".
fn list_filter(query: &[(String, String)], ownership: Ownership) -> Result<Filter> {
    let mut plain = Vec::new();
    let mut indicators = Vec::new();
    let mut extra = Filter::All;
    for (raw_key, value) in query {
        let key = raw_key.strip_suffix("[]").unwrap_or(raw_key.as_str());
        match key {
            LOCATION_INDICATOR_KEY => indicators.push(value.as_str()),
            IS_PIN_KEY => {
                extra =
                    extra.and(match value.as_str() {
                        "true" => Filter::eq(IS_PIN_KEY, true),
                        "!" => Filter::cond(PROTECTION_KEY, Op::Exists, Value::Null)
                            .and(Filter::cond(IS_PIN_KEY, Op::NotExists, Value::Null)),
                        _ => return Err(not_allowed(IS_PIN_KEY)),
                    });
            }
            PROTECTION_KEY if !matches!(value.as_str(), "" | "!") => {
                return Err(not_allowed(PROTECTION_KEY));
            }
            _ => plain.push((raw_key.clone(), value.clone())),
        }
    }
    if !indicators.is_empty() {
        // Stored DTOs show named options by name and other numbers as numbers.
        let wanted: Vec<Value> = indicators
            .into_iter()
            .filter_map(PasswordLocationIndicator::from_query)
            .filter_map(|i| serde_json::to_value(i).ok())
            .collect();
        extra = extra.and(Filter::cond(
            LOCATION_INDICATOR_KEY,
            Op::In,
            Value::Array(wanted),
        ));
    }
    Ok(util::list_filter(&plain, QUERY_KEYS, ownership)?.and(extra))
}

fn not_allowed(key: &str) -> TransportError {
    TransportError::invalid(format!(
        "query/{key} must be equal to one of the allowed values"
    ))
}

impl Transport {
    /// `POST /Tokens/Own`, checked in the runtime's order: the request schema, `expiresAt` in
    /// the future, the PIN, the location indicator, then the content.
    pub async fn create_own_token(&self, request: CreateOwnTokenRequest) -> Result<TokenDto> {
        parse_iso_date(&request.expires_at, "expiresAt")?;
        if let Some(p) = &request.password_protection {
            password::check_request_schema(p)?;
        }
        let expires_at = future_expiry(&request.expires_at)?;
        let password = request
            .password_protection
            .as_ref()
            .map(PasswordProtection::from_request)
            .transpose()?;
        let content = token_content(request.content)?;
        self.create_typed_token(
            content,
            expires_at,
            request.ephemeral.unwrap_or(false),
            request.for_identity,
            password,
        )
        .await
    }

    /// Creates an own token for the content other objects share (templates, files).
    pub(crate) async fn create_token(&self, token: NewToken) -> Result<TokenDto> {
        self.create_typed_token(
            token.content,
            token.expires_at,
            token.ephemeral,
            token.for_identity,
            token.password,
        )
        .await
    }

    async fn create_typed_token(
        &self,
        content: Value,
        expires_at: CoreDate,
        ephemeral: bool,
        for_identity: Option<Address>,
        password: Option<PasswordProtection>,
    ) -> Result<TokenDto> {
        let key = SecretKey::generate()?;
        let cipher = key.encrypt(content.to_string().as_bytes())?;
        let request = CreateTokenRequest {
            content: Some(as_bytes(&cipher.to_base64())?),
            expires_at,
            for_identity: for_identity.as_ref().map(|a| a.as_str().to_owned()),
            password: password
                .as_ref()
                .map(|p| as_bytes(&p.backbone_password()?))
                .transpose()?,
        };
        let created: CreateTokenResponse = self
            .backbone
            .call(Method::POST, "/api/v2/Tokens", &request)
            .await?;
        let reference = wire::Reference {
            id: AnyId::from(created.id.clone()),
            backbone_base_url: Some(self.backbone.base_url().to_owned()),
            key: key.clone(),
            for_identity_truncated: for_identity.as_ref().map(|a| a.truncated().to_owned()),
            password_protection: password.as_ref().map(PasswordProtection::shared),
        };
        let dto = TokenDto {
            id: created.id,
            is_own: true,
            created_by: self.identity.address.clone(),
            created_by_device: DeviceId::parse(&self.identity.device_id)?,
            content,
            created_at: created.created_at,
            expires_at,
            for_identity,
            password_protection: password.as_ref().map(PasswordProtection::to_dto),
            reference: reference_dto(&reference)?,
            is_ephemeral: ephemeral,
        };
        if !ephemeral {
            self.store_token(&dto, &key).await?;
        }
        Ok(dto)
    }

    async fn store_token(&self, dto: &TokenDto, key: &SecretKey) -> Result<()> {
        let stored = StoredToken {
            dto: dto.clone(),
            local: TokenLocal {
                secret_key: self.vault.seal_crypto(key)?,
            },
        };
        let mut change = Change::new();
        change.put(COLLECTION, &stored)?;
        self.commit(change).await
    }

    /// `POST /Tokens/Peer`.
    pub async fn load_peer_token(&self, request: LoadPeerTokenRequest) -> Result<TokenDto> {
        if !request.has_token_reference_form() {
            return Err(TransportError::invalid(INVALID_TOKEN_REFERENCE));
        }
        let reference = util::parse_reference(&request.reference, &[TokenId::PREFIX])?;
        self.load_typed_token(
            &reference,
            request.password.as_deref(),
            request.ephemeral.unwrap_or(false),
        )
        .await
    }

    /// Fetches and decrypts a token by reference (for templates and files, which read the
    /// key it holds); stores it unless `ephemeral`.
    pub(crate) async fn load_token(
        &self,
        reference: &wire::Reference,
        password: Option<&str>,
        ephemeral: bool,
    ) -> Result<Value> {
        let dto = self
            .load_typed_token(reference, password, ephemeral)
            .await?;
        to_json(&dto)
    }

    async fn load_typed_token(
        &self,
        reference: &wire::Reference,
        password: Option<&str>,
        ephemeral: bool,
    ) -> Result<TokenDto> {
        let protection = password::peer_password(reference.password_protection.as_ref(), password)?;
        let id = TokenId::parse(reference.id.as_str())?;
        // A token already here is answered from the store, as the runtime does.
        if let Some(doc) = self.store.get(COLLECTION, id.as_str()).await? {
            let mut dto = from_doc(doc)?.dto;
            dto.is_ephemeral = ephemeral;
            return Ok(dto);
        }
        if let Some(truncated) = &reference.for_identity_truncated
            && !self.identity.address.as_str().ends_with(truncated.as_str())
        {
            return Err(TransportError::rule(
                "error.transport.general.notIntendedForYou",
                format!(
                    "You tried to access personalized content '{id}'. You are either not logged in or the content is not intended for you."
                ),
            ));
        }
        let path = format!(
            "/api/v2/Tokens/{id}{}",
            password::query(protection.as_ref())?
        );
        let token: BackboneToken = self.backbone.get(&path).await?;
        let empty = || {
            TransportError::rule(
                "error.transport.tokens.emptyToken",
                format!(
                    "The content, createdBy and/or createdByDevice of the Token '{id}' are empty."
                ),
            )
        };
        let (Some(Some(content)), Some(created_by), Some(created_by_device)) =
            (token.content, token.created_by, token.created_by_device)
        else {
            return Err(empty());
        };
        let cipher = Cipher::from_base64(&content.encode())?;
        let plaintext = reference.key.decrypt(&cipher).map_err(|_| {
            TransportError::rule(
                "error.transport.tokens.invalidTokenContent",
                format!("The content of Token '{id}' is not of type TokenContent."),
            )
        })?;
        let content = util::peer_json(&plaintext, "token content")?;
        let dto = TokenDto {
            id,
            is_own: created_by == self.identity.address,
            created_by,
            created_by_device: DeviceId::parse(&created_by_device)?,
            content,
            created_at: token.created_at,
            expires_at: token.expires_at,
            for_identity: token.for_identity,
            password_protection: protection.as_ref().map(PasswordProtection::to_dto),
            reference: reference_dto(reference)?,
            is_ephemeral: ephemeral,
        };
        if !ephemeral {
            self.store_token(&dto, &reference.key).await?;
        }
        Ok(dto)
    }

    /// `GET /Tokens/{id}`.
    pub async fn get_token(&self, id: &TokenId) -> Result<TokenDto> {
        let doc = self.get_doc(COLLECTION, id.as_str(), "Token").await?;
        Ok(from_doc(doc)?.dto)
    }

    /// `GET /Tokens/Own` and `GET /Tokens/Peer` with the official query.
    pub async fn list_tokens(
        &self,
        query: &[(String, String)],
        ownership: Ownership,
    ) -> Result<Vec<TokenDto>> {
        let filter = list_filter(query, ownership)?;
        let docs = self
            .store
            .find(COLLECTION, &filter, &store::FindOptions::default())
            .await?;
        docs.into_iter()
            .map(|doc| from_doc(doc).map(|s| s.dto))
            .collect()
    }

    /// `DELETE /Tokens/{id}`: on the Backbone too when it is our own.
    pub async fn delete_token(&self, id: &TokenId) -> Result<()> {
        self.delete_doc(
            COLLECTION,
            id.as_str(),
            "Token",
            &format!("/api/v2/Tokens/{id}"),
        )
        .await
    }

    /// The key of a stored token (for tests and re-sharing).
    pub async fn token_key(&self, id: &str) -> Result<SecretKey> {
        let doc = self.get_doc(COLLECTION, id, "Token").await?;
        let stored = from_doc(doc)?;
        self.vault.open_crypto(&stored.local.secret_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expiry_messages_are_the_runtimes() {
        let e = future_expiry("yesterday").unwrap_err();
        assert_eq!(
            e.to_string(),
            "expiresAt must match ISO8601 datetime format"
        );
        let e = future_expiry("2000-01-01T00:00:00Z").unwrap_err();
        assert_eq!(e.to_string(), "'expiresAt' must be in the future");
        assert!(future_expiry("2999-01-01").is_ok());
        assert_eq!(
            parse_iso_date("2999-01-01T10:00", "expiresAt")
                .unwrap()
                .to_string(),
            "2999-01-01T10:00:00.000Z"
        );
    }

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn password_queries_match_as_the_runtime_matches() {
        let email = json!({"isOwn": true, "passwordProtection": {"password": "p", "passwordLocationIndicator": "Email"}});
        let fifty = json!({"isOwn": true, "passwordProtection": {"password": "p", "passwordIsPin": true, "passwordLocationIndicator": 50}});
        let open = json!({"isOwn": true});
        let hits = |q: &[(&str, &str)]| {
            let f = list_filter(&pairs(q), Ownership::Own).unwrap();
            [&email, &fifty, &open].map(|d| f.matches(d))
        };
        assert_eq!(
            hits(&[(LOCATION_INDICATOR_KEY, "Email")]),
            [true, false, false]
        );
        assert_eq!(hits(&[(LOCATION_INDICATOR_KEY, "4")]), [true, false, false]);
        assert_eq!(
            hits(&[(LOCATION_INDICATOR_KEY, "50")]),
            [false, true, false]
        );
        assert_eq!(
            hits(&[(LOCATION_INDICATOR_KEY, "Self")]),
            [false, false, false]
        );
        assert_eq!(
            hits(&[(LOCATION_INDICATOR_KEY, "bogus")]),
            [false, false, false]
        );
        assert_eq!(
            hits(&[
                (LOCATION_INDICATOR_KEY, "Email"),
                (LOCATION_INDICATOR_KEY, "50")
            ]),
            [true, true, false]
        );
        assert_eq!(hits(&[(IS_PIN_KEY, "true")]), [false, true, false]);
        assert_eq!(hits(&[(IS_PIN_KEY, "!")]), [true, false, false]);
        assert_eq!(hits(&[(PROTECTION_KEY, "")]), [true, true, false]);
        assert_eq!(hits(&[(PROTECTION_KEY, "!")]), [false, false, true]);
        assert!(list_filter(&pairs(&[(IS_PIN_KEY, "yes")]), Ownership::Own).is_err());
        assert!(list_filter(&pairs(&[("unknown", "1")]), Ownership::Own).is_err());
    }
}
