//! Relationships and their state machine, with the audit log and the external events each
//! transition causes for the peer.
//!
//! Pending → Active (accept) | Rejected (reject) | Revoked (revoke by the requestor);
//! Active → Terminated; Terminated ⇄ reactivation request, accepted (→ Active), rejected or
//! revoked; Rejected/Revoked/Terminated → DeletionProposed (first decomposition) →
//! ReadyForDeletion (second).

use super::identities::IdentityStatus;
use super::sync::EventType;
use super::{Backbone, Caller, Tx};
use crate::error::{Error, Result};
use crate::model::{Bytes, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::{Filter, FindOptions};
use wire::{Address, RelationshipId, RelationshipTemplateId};

pub const COLLECTION: &str = "relationships";

// The status, the audit log and the transitions are the Consumer API's, shared with the
// transport client; the names here are the ones the rest of the Backbone uses.
pub use consumer_api::relationships::{
    AuditLogEntry, AuditLogReason as Reason, CanCreateRelationshipAnswer,
    CreateRelationshipRequest, Relationship as RelationshipDto, RelationshipStatus as Status,
    Transition,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    pub id: String,
    pub relationship_template_id: Option<String>,
    pub from: Address,
    pub to: Address,
    pub created_at: Timestamp,
    pub status: Status,
    pub audit_log: Vec<AuditLogEntry>,
    pub creation_content: Option<Bytes>,
    pub creation_response_content: Option<Bytes>,
    pub from_has_decomposed: bool,
    pub to_has_decomposed: bool,
}

/// What a transition asks the sync module to do for the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    StatusChanged,
    ReactivationRequested,
    ReactivationCompleted,
}

/// Rejected transitions; mapped to the official codes by [`TransitionError::into_error`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    WrongStatus(&'static [Status]),
    NotAddressedToCaller,
    NotCreatedByCaller,
    NotParticipant,
    AlreadyDecomposed,
    OpenReactivationRequest,
    NoAcceptableReactivation,
    NoRejectableReactivation,
    NoRevocableReactivation,
}

impl TransitionError {
    fn into_error(self) -> Error {
        use TransitionError::*;
        let (code, message) = match self {
            WrongStatus(statuses) => {
                let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
                return Error::rule(
                    "error.platform.validation.relationship.relationshipIsNotInCorrectStatus",
                    format!(
                        "The relationship has to be in status '{}' to perform this action.",
                        names.join(" or ")
                    ),
                );
            }
            NotAddressedToCaller => (
                "error.platform.validation.relationship.cannotAcceptOrRejectRelationshipAddressedToSomeoneElse",
                "You cannot accept or reject a relationship request that is addressed to someone else.",
            ),
            NotCreatedByCaller => (
                "error.platform.validation.relationship.cannotRevokeRelationshipNotCreatedByYourself",
                "You cannot revoke a relationship request that was not created by yourself.",
            ),
            NotParticipant => (
                "error.platform.validation.relationship.requestingIdentityDoesNotBelongToRelationship",
                "Requesting identity does not belong to the relationship.",
            ),
            AlreadyDecomposed => (
                "error.platform.validation.relationship.relationshipAlreadyDecomposed",
                "You already decomposed this Relationship.",
            ),
            OpenReactivationRequest => (
                "error.platform.validation.relationship.cannotRequestReactivationWhenThereIsAnOpenReactivationRequest",
                "You cannot request reactivation when there is an open reactivation request.",
            ),
            NoAcceptableReactivation => (
                "error.platform.validation.relationship.noAcceptableRelationshipReactivationRequestExists",
                "There is no pending reactivation request or you are not allowed to accept it. A reactivation request can only be accepted by the identity that did not request it.",
            ),
            NoRejectableReactivation => (
                "error.platform.validation.relationship.noRejectableReactivationRequestExists",
                "There is no pending reactivation request or you are not allowed to reject it. A reactivation request can only be rejected by the identity that did not request it.",
            ),
            NoRevocableReactivation => (
                "error.platform.validation.relationship.noRevocableReactivationRequestExists",
                "There is no pending reactivation request or you are not allowed to revoke it. A reactivation request can only be revoked by the identity that request it.",
            ),
        };
        Error::rule(code, message)
    }
}

impl Relationship {
    /// A new request from `caller` to `to`, with its creation in the audit log.
    fn request(
        caller: &Caller,
        to: Address,
        template_id: Option<String>,
        creation_content: Option<Bytes>,
    ) -> Result<Self> {
        let now = Timestamp::now();
        Ok(Self {
            id: RelationshipId::generate()?.to_string(),
            relationship_template_id: template_id,
            from: caller.address.clone(),
            to,
            created_at: now,
            status: Status::Pending,
            audit_log: vec![AuditLogEntry {
                created_at: now,
                created_by: caller.address.clone(),
                created_by_device: Some(caller.device.clone()),
                reason: Reason::Creation,
                old_status: None,
                new_status: Status::Pending,
            }],
            creation_content,
            creation_response_content: None,
            from_has_decomposed: false,
            to_has_decomposed: false,
        })
    }

    pub fn peer_of(&self, address: &Address) -> &Address {
        if &self.from == address {
            &self.to
        } else {
            &self.from
        }
    }

    pub fn has_participant(&self, address: &Address) -> bool {
        &self.from == address || &self.to == address
    }

    fn last_entry(&self) -> Option<&AuditLogEntry> {
        self.audit_log.last()
    }

    fn ensure_status(&self, allowed: &'static [Status]) -> Result<(), TransitionError> {
        if allowed.contains(&self.status) {
            Ok(())
        } else {
            Err(TransitionError::WrongStatus(allowed))
        }
    }

    fn open_reactivation_by(&self) -> Option<&Address> {
        self.last_entry()
            .filter(|e| e.reason == Reason::ReactivationRequested)
            .map(|e| &e.created_by)
    }

    /// Applies `transition` for `caller`: checks the rules, moves the status and appends to the
    /// audit log. Pure, so the state machine is testable without a store.
    pub fn apply(
        &mut self,
        transition: Transition,
        caller: &Caller,
        response_content: Option<Bytes>,
    ) -> Result<Effect, TransitionError> {
        use Status::*;
        use Transition as T;
        let me = &caller.address;
        if !self.has_participant(me) {
            return Err(TransitionError::NotParticipant);
        }
        // Checks specific to a transition come before the status check where the Backbone
        // answers them first (an open reactivation request, an own decomposition).
        let (new_status, effect) = match transition {
            T::Accept | T::Reject | T::Revoke => {
                self.ensure_status(transition.allowed_from())?;
                // The addressee answers a request; only its creator takes it back.
                if transition == T::Revoke && &self.from != me {
                    return Err(TransitionError::NotCreatedByCaller);
                }
                if transition != T::Revoke && &self.to != me {
                    return Err(TransitionError::NotAddressedToCaller);
                }
                self.creation_response_content = response_content;
                let new_status = match transition {
                    T::Accept => Active,
                    T::Reject => Rejected,
                    _ => Revoked,
                };
                (new_status, Effect::StatusChanged)
            }
            T::Terminate => {
                self.ensure_status(transition.allowed_from())?;
                (Terminated, Effect::StatusChanged)
            }
            T::RequestReactivation => {
                if self.open_reactivation_by().is_some() {
                    return Err(TransitionError::OpenReactivationRequest);
                }
                self.ensure_status(transition.allowed_from())?;
                (Terminated, Effect::ReactivationRequested)
            }
            T::AcceptReactivation | T::RejectReactivation | T::RevokeReactivation => {
                use TransitionError::*;
                let (new_status, error) = match transition {
                    T::AcceptReactivation => (Active, NoAcceptableReactivation),
                    T::RejectReactivation => (Terminated, NoRejectableReactivation),
                    _ => (Terminated, NoRevocableReactivation),
                };
                // The requestor may only revoke; the other side may only accept or reject.
                let requestor_answers = transition == T::RevokeReactivation;
                if self
                    .open_reactivation_by()
                    .is_none_or(|by| (by == me) != requestor_answers)
                {
                    return Err(error);
                }
                (new_status, Effect::ReactivationCompleted)
            }
            T::Decompose => {
                let decomposed = if &self.from == me {
                    self.from_has_decomposed
                } else {
                    self.to_has_decomposed
                };
                if decomposed {
                    return Err(TransitionError::AlreadyDecomposed);
                }
                self.ensure_status(transition.allowed_from())?;
                if &self.from == me {
                    self.from_has_decomposed = true;
                } else {
                    self.to_has_decomposed = true;
                }
                let next = if self.status == DeletionProposed {
                    ReadyForDeletion
                } else {
                    DeletionProposed
                };
                (next, Effect::StatusChanged)
            }
        };
        let reason = transition.reason();
        self.audit_log.push(AuditLogEntry {
            created_at: Timestamp::now(),
            created_by: me.clone(),
            created_by_device: Some(caller.device.clone()),
            reason,
            old_status: Some(self.status),
            new_status,
        });
        self.status = new_status;
        Ok(effect)
    }
}

impl Relationship {
    /// The metadata form returned by the state-changing routes.
    fn metadata(self) -> RelationshipDto {
        RelationshipDto {
            id: self.id,
            relationship_template_id: self.relationship_template_id,
            from: self.from,
            to: self.to,
            created_at: self.created_at,
            status: self.status,
            audit_log: self.audit_log,
            creation_content: None,
            creation_response_content: None,
        }
    }

    /// The full form returned by `GET`, with both contents (possibly `null`).
    fn full(self) -> RelationshipDto {
        let (content, response) = (
            self.creation_content.clone(),
            self.creation_response_content.clone(),
        );
        RelationshipDto {
            creation_content: Some(content),
            creation_response_content: Some(response),
            ..self.metadata()
        }
    }
}

const ALREADY_EXISTS: &str =
    "error.platform.validation.relationship.relationshipToTargetAlreadyExists";
const PEER_TO_BE_DELETED: &str = "error.platform.validation.relationship.peerIsToBeDeleted";

impl Backbone {
    pub async fn can_create_relationship(
        &self,
        caller: &Caller,
        peer: &Address,
    ) -> Result<CanCreateRelationshipAnswer> {
        let identity = self.identity(peer).await?;
        if identity.status == IdentityStatus::Deleted {
            return Err(Error::NotFound("Identity"));
        }
        let code = if self
            .blocking_relationship_exists(&caller.address, peer)
            .await?
        {
            Some(ALREADY_EXISTS)
        } else if identity.status == IdentityStatus::ToBeDeleted {
            Some(PEER_TO_BE_DELETED)
        } else {
            None
        };
        Ok(CanCreateRelationshipAnswer {
            can_create: code.is_none(),
            code: code.map(str::to_owned),
        })
    }

    pub async fn create_relationship(
        &self,
        caller: &Caller,
        request: CreateRelationshipRequest,
    ) -> Result<RelationshipDto> {
        if RelationshipTemplateId::parse(&request.relationship_template_id).is_err() {
            return Err(Error::invalid_property("relationshipTemplateId"));
        }
        if request
            .creation_content
            .as_ref()
            .is_some_and(|c| c.len() > self.config.max_content_size)
        {
            return Err(Error::invalid_property("creationContent"));
        }
        let _gate = self.gate().await;
        let template = self
            .template_allocated_by(caller, &request.relationship_template_id)
            .await?;
        let peer = template.created_by.clone();
        if peer == caller.address {
            return Err(Error::rule(
                "error.platform.validation.relationship.cannotCreateRelationshipWithYourself",
                "You cannot send a relationship request to yourself.",
            ));
        }
        if self.identity(&peer).await?.status != IdentityStatus::Active {
            return Err(Error::rule(
                PEER_TO_BE_DELETED,
                "Cannot establish relationship with the owner of the template because the owner is in status 'ToBeDeleted'.",
            ));
        }
        if self
            .blocking_relationship_exists(&caller.address, &peer)
            .await?
        {
            return Err(Error::rule(
                ALREADY_EXISTS,
                "A relationship to the owner of the template already exists. If the relationship is terminated, you can reactivate it. Note that a relationship has to be decomposed by both parties before a new one can be created.",
            ));
        }
        let relationship = Relationship::request(
            caller,
            peer.clone(),
            Some(template.id),
            request.creation_content,
        )?;
        let mut tx = Tx::new();
        tx.create(COLLECTION, &relationship)?;
        tx.event(
            &peer,
            EventType::RelationshipStatusChanged,
            json!({ "relationshipId": relationship.id }),
            None,
            false,
        );
        self.commit(tx).await?;
        Ok(relationship.metadata())
    }

    pub async fn get_relationship(&self, caller: &Caller, id: &str) -> Result<RelationshipDto> {
        Ok(self.own_relationship(caller, id).await?.full())
    }

    /// Relationships of the caller, all of them or those in `ids`.
    pub async fn list_relationships(
        &self,
        caller: &Caller,
        ids: &[String],
    ) -> Result<Vec<RelationshipDto>> {
        let mine = Filter::Or(vec![
            Filter::eq("from", caller.address.as_str()),
            Filter::eq("to", caller.address.as_str()),
        ]);
        let found: Vec<Relationship> = self.find_listed(COLLECTION, mine, ids).await?;
        Ok(found.into_iter().map(Relationship::full).collect())
    }

    pub async fn transition_relationship(
        &self,
        caller: &Caller,
        id: &str,
        transition: Transition,
        response_content: Option<Bytes>,
    ) -> Result<RelationshipDto> {
        if response_content
            .as_ref()
            .is_some_and(|c| c.len() > self.config.max_content_size)
        {
            return Err(Error::invalid_property("creationResponseContent"));
        }
        let _gate = self.gate().await;
        let mut relationship = self.own_relationship(caller, id).await?;
        let effect = relationship
            .apply(transition, caller, response_content)
            .map_err(TransitionError::into_error)?;
        let mut tx = Tx::new();
        tx.put(COLLECTION, &relationship)?;
        self.relationship_events(&relationship, caller, effect, &mut tx)
            .await?;
        self.commit(tx).await?;
        Ok(relationship.metadata())
    }

    /// The Synchronization module's reaction to a relationship change.
    async fn relationship_events(
        &self,
        r: &Relationship,
        caller: &Caller,
        effect: Effect,
        tx: &mut Tx,
    ) -> Result<()> {
        let event = match effect {
            Effect::ReactivationRequested => Some(EventType::RelationshipReactivationRequested),
            Effect::ReactivationCompleted => Some(EventType::RelationshipReactivationCompleted),
            // In ReadyForDeletion the peer has already decomposed and forgotten it.
            Effect::StatusChanged => (r.status != Status::ReadyForDeletion)
                .then_some(EventType::RelationshipStatusChanged),
        };
        if let Some(event) = event {
            let payload = json!({ "relationshipId": r.id });
            tx.event(r.peer_of(&caller.address), event, payload, None, false);
        }
        match (effect, r.status) {
            (Effect::ReactivationRequested, _) => {}
            (_, Status::Active) => self.release_blocked_messages(&r.id, tx).await?,
            (Effect::StatusChanged, Status::DeletionProposed | Status::ReadyForDeletion) => {
                self.drop_unsynced_events(&caller.address, &r.id, tx)
                    .await?
            }
            (Effect::StatusChanged, Status::Rejected | Status::Revoked) => {
                self.drop_blocked_messages(&r.id, tx).await?
            }
            _ => {}
        }
        Ok(())
    }

    /// A relationship the caller takes part in; others' relationships look missing.
    pub(crate) async fn own_relationship(&self, caller: &Caller, id: &str) -> Result<Relationship> {
        self.get::<Relationship>(COLLECTION, id)
            .await?
            .filter(|r| r.has_participant(&caller.address))
            .ok_or(Error::NotFound("Relationship"))
    }

    /// All relationships between two identities, youngest first.
    pub(crate) async fn relationships_between(
        &self,
        a: &Address,
        b: &Address,
    ) -> Result<Vec<Relationship>> {
        // Two conjunctions rather than one disjunction: the store only uses its `from` index for
        // top-level conditions, and this runs for every message sent.
        let newest_first = FindOptions::sorted_by("createdAt", true);
        let one_way = Filter::eq("from", a.as_str()).and(Filter::eq("to", b.as_str()));
        let other_way = Filter::eq("from", b.as_str()).and(Filter::eq("to", a.as_str()));
        let mut found: Vec<Relationship> = self.find(COLLECTION, &one_way, &newest_first).await?;
        found.extend(
            self.find::<Relationship>(COLLECTION, &other_way, &newest_first)
                .await?,
        );
        found.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        Ok(found)
    }

    async fn blocking_relationship_exists(&self, a: &Address, b: &Address) -> Result<bool> {
        Ok(self
            .relationships_between(a, b)
            .await?
            .iter()
            .any(|r| r.status.blocks_new_relationship()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(n: u8) -> Caller {
        Caller {
            address: Address::derive(&wire::SignaturePublicKey::from_bytes([n; 32]), "localhost")
                .unwrap(),
            device: format!("DVC{n:017}"),
        }
    }

    fn pending(from: &Caller, to: &Caller) -> Relationship {
        Relationship::request(from, to.address.clone(), None, None).unwrap()
    }

    #[test]
    fn only_the_addressee_accepts_and_only_the_requestor_revokes() {
        let (a, b, c) = (caller(1), caller(2), caller(3));
        let mut r = pending(&a, &b);
        assert_eq!(
            r.apply(Transition::Accept, &a, None),
            Err(TransitionError::NotAddressedToCaller)
        );
        assert_eq!(
            r.apply(Transition::Revoke, &b, None),
            Err(TransitionError::NotCreatedByCaller)
        );
        assert_eq!(
            r.apply(Transition::Accept, &c, None),
            Err(TransitionError::NotParticipant)
        );
        assert_eq!(
            r.apply(Transition::Accept, &b, None),
            Ok(Effect::StatusChanged)
        );
        assert_eq!(r.status, Status::Active);
        assert_eq!(
            r.audit_log.last().map(|e| e.reason),
            Some(Reason::AcceptanceOfCreation)
        );
        assert_eq!(
            r.apply(Transition::Reject, &b, None),
            Err(TransitionError::WrongStatus(&[Status::Pending]))
        );
    }

    #[test]
    fn reactivation_needs_the_other_side() {
        let (a, b) = (caller(1), caller(2));
        let mut r = pending(&a, &b);
        r.apply(Transition::Accept, &b, None).unwrap();
        assert!(r.apply(Transition::RequestReactivation, &a, None).is_err());
        r.apply(Transition::Terminate, &a, None).unwrap();
        assert_eq!(
            r.apply(Transition::RequestReactivation, &a, None),
            Ok(Effect::ReactivationRequested)
        );
        assert_eq!(
            r.apply(Transition::RequestReactivation, &b, None),
            Err(TransitionError::OpenReactivationRequest)
        );
        assert_eq!(
            r.apply(Transition::AcceptReactivation, &a, None),
            Err(TransitionError::NoAcceptableReactivation)
        );
        assert_eq!(
            r.apply(Transition::RevokeReactivation, &b, None),
            Err(TransitionError::NoRevocableReactivation)
        );
        assert_eq!(
            r.apply(Transition::AcceptReactivation, &b, None),
            Ok(Effect::ReactivationCompleted)
        );
        assert_eq!(r.status, Status::Active);
    }

    #[test]
    fn decomposition_takes_both_sides() {
        let (a, b) = (caller(1), caller(2));
        let mut r = pending(&a, &b);
        assert!(matches!(
            r.apply(Transition::Decompose, &a, None),
            Err(TransitionError::WrongStatus(_))
        ));
        r.apply(Transition::Reject, &b, None).unwrap();
        r.apply(Transition::Decompose, &a, None).unwrap();
        assert_eq!(r.status, Status::DeletionProposed);
        assert_eq!(
            r.apply(Transition::Decompose, &a, None),
            Err(TransitionError::AlreadyDecomposed)
        );
        r.apply(Transition::Decompose, &b, None).unwrap();
        assert_eq!(r.status, Status::ReadyForDeletion);
    }
}
