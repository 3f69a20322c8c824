//! Tokens: small encrypted payloads shared by id (and key) out of band, readable anonymously.
//! `forIdentity`, passwords, expiry and the failed-attempt lock decide who may read them.

use super::protection::check_protection;
use super::sync::EventType;
use super::{Backbone, Caller, Tx, to_doc};
use crate::error::{Error, Result};
use crate::model::{Bytes, Timestamp};
use consumer_api::tokens::{
    CreateTokenRequest, CreateTokenResponse, Token as TokenDto, TokenLockedPayload,
    UpdateTokenContentRequest,
};
use serde::{Deserialize, Serialize};
use store::Filter;
use wire::{Address, TokenId};

pub const COLLECTION: &str = "tokens";
const MAX_FAILED_ATTEMPTS: u32 = 100;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenAllocation {
    pub allocated_by: Address,
    pub allocated_by_device: Option<String>,
    pub allocated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    pub id: TokenId,
    pub created_by: Option<Address>,
    pub created_by_device: Option<String>,
    pub for_identity: Option<Address>,
    pub password: Option<Bytes>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub content: Option<Bytes>,
    pub access_failed_count: u32,
    pub allocations: Vec<TokenAllocation>,
}

/// Why a read was refused, before it is mapped to what the client may learn.
#[derive(Debug, PartialEq, Eq)]
enum Access {
    Granted,
    Allocated,
    WrongPassword,
    Locked,
    Hidden,
}

impl Token {
    fn is_locked(&self) -> bool {
        self.access_failed_count >= MAX_FAILED_ATTEMPTS
    }

    fn try_access(&mut self, caller: Option<&Caller>, password: Option<&Bytes>) -> Access {
        let address = caller.map(|c| &c.address);
        if address.is_some() && self.created_by.as_ref() == address {
            return Access::Granted;
        }
        if let Some(a) = address
            && self.allocations.iter().any(|x| &x.allocated_by == a)
        {
            return Access::Granted;
        }
        if self.expires_at.is_past() {
            return Access::Hidden;
        }
        if self.is_locked() {
            return Access::Locked;
        }
        if self
            .for_identity
            .as_ref()
            .is_some_and(|f| Some(f) != address)
        {
            return Access::Hidden;
        }
        if !self.password_matches(password) {
            self.access_failed_count += 1;
            return if self.is_locked() {
                Access::Locked
            } else {
                Access::WrongPassword
            };
        }
        let Some(caller) = caller else {
            return Access::Granted;
        };
        self.allocations.push(TokenAllocation {
            allocated_by: caller.address.clone(),
            allocated_by_device: Some(caller.device.clone()),
            allocated_at: Timestamp::now(),
        });
        Access::Allocated
    }

    fn password_matches(&self, password: Option<&Bytes>) -> bool {
        match &self.password {
            None => true,
            Some(expected) => password.is_some_and(|p| p.ct_eq(expected)),
        }
    }
}

impl Token {
    /// The Consumer API's view; `with_content` is false where the official answer leaves the
    /// content out (after an update).
    fn into_dto(self, with_content: bool) -> TokenDto {
        TokenDto {
            id: self.id,
            created_by: self.created_by,
            created_by_device: self.created_by_device,
            for_identity: self.for_identity,
            created_at: self.created_at,
            expires_at: self.expires_at,
            is_password_protected: self.password.is_some(),
            content: with_content.then_some(self.content),
        }
    }
}

impl Backbone {
    pub async fn create_token(
        &self,
        caller: Option<&Caller>,
        request: CreateTokenRequest,
    ) -> Result<CreateTokenResponse> {
        if request
            .content
            .as_ref()
            .is_some_and(|c| c.is_empty() || c.len() > self.config.max_content_size)
        {
            return Err(Error::invalid_property("content"));
        }
        if request.expires_at.is_past() {
            return Err(Error::invalid_property("expiresAt"));
        }
        let for_identity =
            check_protection(request.password.as_ref(), request.for_identity.as_deref())?;
        let token = Token {
            id: TokenId::generate()?,
            created_by: caller.map(|c| c.address.clone()),
            created_by_device: caller.map(|c| c.device.clone()),
            for_identity,
            password: request.password,
            created_at: Timestamp::now(),
            expires_at: request.expires_at,
            content: request.content,
            access_failed_count: 0,
            allocations: Vec::new(),
        };
        let mut tx = Tx::new();
        tx.create(COLLECTION, &token)?;
        self.commit(tx).await?;
        Ok(CreateTokenResponse {
            id: token.id,
            created_at: token.created_at,
        })
    }

    pub async fn get_token(
        &self,
        caller: Option<&Caller>,
        id: &str,
        password: Option<&Bytes>,
    ) -> Result<TokenDto> {
        let _gate = self.gate().await;
        let mut token: Token = self
            .get(COLLECTION, id)
            .await?
            .ok_or(Error::NotFound("Token"))?;
        let was_locked = token.is_locked();
        let access = token.try_access(caller, password);
        let mut tx = Tx::new();
        if access != Access::Granted && access != Access::Hidden {
            tx.put(COLLECTION, &token)?;
        }
        if !was_locked
            && token.is_locked()
            && let Some(owner) = &token.created_by
        {
            let payload = TokenLockedPayload {
                token_id: token.id.clone(),
            };
            tx.event(
                owner,
                EventType::TokenLocked,
                to_doc(&payload)?,
                None,
                false,
            );
        }
        self.commit(tx).await?;
        match access {
            Access::Granted | Access::Allocated => Ok(token.into_dto(true)),
            Access::WrongPassword | Access::Hidden => Err(Error::NotFound("Token")),
            Access::Locked => Err(Error::rule(
                "error.platform.token.tooManyFailedPasswordAttempts",
                "Too many wrong password attempts, the token is locked.",
            )),
        }
    }

    /// Fills in an empty token (created anonymously, e.g. for device onboarding).
    pub async fn update_token_content(
        &self,
        caller: &Caller,
        id: &str,
        request: UpdateTokenContentRequest,
    ) -> Result<TokenDto> {
        if request.new_content.is_empty()
            || request.new_content.len() > self.config.max_content_size
        {
            return Err(Error::invalid_property("newContent"));
        }
        let _gate = self.gate().await;
        let mut token: Token = self
            .get(COLLECTION, id)
            .await?
            .ok_or(Error::NotFound("Token"))?;
        let hidden = token.expires_at.is_past()
            || token.for_identity.as_ref().is_some_and(|f| {
                f != &caller.address && token.created_by.as_ref() != Some(&caller.address)
            });
        if hidden {
            return Err(Error::NotFound("Token"));
        }
        if token.is_locked() {
            return Err(Error::rule(
                "error.platform.token.tooManyFailedPasswordAttempts",
                "Too many wrong password attempts, the token is locked.",
            ));
        }
        let mut tx = Tx::new();
        if !token.password_matches(request.password.as_ref()) {
            token.access_failed_count += 1;
            tx.put(COLLECTION, &token)?;
            self.commit(tx).await?;
            return Err(Error::NotFound("Token"));
        }
        if token.content.is_some() {
            return Err(Error::rule(
                "error.platform.token.contentUpdateNotPossibleBecauseContentAlreadyExists",
                "The token already has content. You can only update the content of a token if it has no content yet.",
            ));
        }
        token.created_by = Some(caller.address.clone());
        token.created_by_device = Some(caller.device.clone());
        token.content = Some(request.new_content);
        tx.put(COLLECTION, &token)?;
        self.commit(tx).await?;
        Ok(token.into_dto(false))
    }

    pub async fn delete_token(&self, caller: &Caller, id: &str) -> Result<()> {
        let _gate = self.gate().await;
        let token: Token = self
            .get(COLLECTION, id)
            .await?
            .ok_or(Error::NotFound("Token"))?;
        if token.created_by.as_ref() != Some(&caller.address) {
            return Err(Error::Forbidden);
        }
        let mut tx = Tx::new();
        tx.delete(COLLECTION, token.id.as_str());
        self.commit(tx).await
    }

    /// Tokens the caller created, all of them or those in `ids`.
    pub async fn list_tokens(&self, caller: &Caller, ids: &[String]) -> Result<Vec<TokenDto>> {
        let found: Vec<Token> = self
            .find_listed(
                COLLECTION,
                Filter::eq("createdBy", caller.address.as_str()),
                ids,
            )
            .await?;
        Ok(found.into_iter().map(|t| t.into_dto(true)).collect())
    }
}
