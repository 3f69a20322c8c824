//! Requests with peers: the outgoing ones this identity asks (`isOwn: true`) and the incoming
//! ones it answers, in one collection `Requests` as the runtime keeps them.
//!
//! - [`outgoing`]: `canCreate`, creating, sending (Draft → Open) and completing with the
//!   peer's response (Open → Completed), also in one go from a template's response.
//! - [`incoming`]: receiving (Open → DecisionRequired → ManualDecisionRequired), `canAccept` /
//!   `canReject`, deciding (→ Decided) and answering (→ Completed).
//! - [`items`]: what each request item means on both sides.
//! - [`decider`]: the rules that decide incoming requests without a person.
//! - [`reactions`]: what happens when transport sends or receives a request, a response or a
//!   relationship: written in the same batch as the transport change.
//!
//! Expiry is lazy, as in the runtime: reading a request whose `expiresAt` has passed moves it
//! to Expired (with its event) unless it is Completed.

pub mod decider;
pub mod incoming;
pub mod items;
pub mod outgoing;
pub mod reactions;

use crate::{Consumption, Error, Result};
use runtime_types::CoreDate;
use runtime_types::events;
use runtime_types::requests::{
    LocalRequestDto, LocalRequestStatus, RequestStatusChanged, RequestValidationResultDto,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{Filter, FindOptions};
use transport::{Change, PeerData};

pub const COLLECTION: &str = "Requests";

/// What every handle of the layer shares about requests: the decider's rules, and the lock
/// that lets one task at a time answer decided requests (so none is answered twice).
#[derive(Default)]
pub(crate) struct Shared {
    pub decider: decider::Decider,
    pub answering: tokio::sync::Mutex<()>,
}

/// Requests with a peer, by `peer`: decomposing the relationship deletes them.
pub const PEER_DATA: PeerData = PeerData {
    collection: COLLECTION,
    field: "peer",
};

/// The keys the request lists filter by; others are ignored, as the runtime ignores them.
pub const QUERY_KEYS: &[&str] = &[
    "id",
    "peer",
    "createdAt",
    "status",
    "wasAutomaticallyDecided",
    "content.expiresAt",
    "content.items.@type",
    "content.items.items.@type",
    "source.type",
    "source.reference",
    "response.createdAt",
    "response.source.type",
    "response.source.reference",
    "response.content.result",
    "response.content.items.@type",
    "response.content.items.items.@type",
];

/// One entry of a request's status history (kept, not shown in the DTO).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusLogEntry {
    created_at: CoreDate,
    old_status: LocalRequestStatus,
    new_status: LocalRequestStatus,
}

/// A request as stored: its DTO and its status history.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LocalRequest {
    #[serde(flatten)]
    pub dto: LocalRequestDto,
    #[serde(default)]
    status_log: Vec<StatusLogEntry>,
}

impl LocalRequest {
    pub(crate) fn new(dto: LocalRequestDto) -> Self {
        Self {
            dto,
            status_log: Vec::new(),
        }
    }

    /// Moves to `status`, recording the step, and queues the status event in `change`.
    pub(crate) fn change_status(
        &mut self,
        status: LocalRequestStatus,
        change: &mut Change,
    ) -> Result<()> {
        let old = self.dto.status;
        if old == status {
            return Err(Error::Internal(
                "cannot change status to the same status".into(),
            ));
        }
        self.status_log.push(StatusLogEntry {
            created_at: CoreDate::now(),
            old_status: old,
            new_status: status,
        });
        self.dto.status = status;
        let name = if self.dto.is_own {
            events::OUTGOING_REQUEST_STATUS_CHANGED
        } else {
            events::INCOMING_REQUEST_STATUS_CHANGED
        };
        change.event(
            name,
            &RequestStatusChanged {
                request: self.dto.clone(),
                old_status: old,
                new_status: status,
            },
        )
    }

    /// Queues the stored form of the request in `change`.
    pub(crate) fn save(&self, change: &mut Change) -> Result<()> {
        change.put(COLLECTION, self)
    }

    /// Whether `expiresAt` has passed.
    pub(crate) fn is_expired(&self) -> bool {
        self.dto
            .content
            .expires_at
            .as_deref()
            .and_then(CoreDate::parse)
            .is_some_and(|at| at < CoreDate::now())
    }
}

/// `json` with `@type` set to `type_name` where it is left out: route bodies and single-class
/// content fields (a template's Request, a creation content's Response) may omit it.
pub(crate) fn with_type(json: &Value, type_name: &str) -> Value {
    let mut json = json.clone();
    if let Some(map) = json.as_object_mut() {
        map.entry("@type")
            .or_insert_with(|| Value::String(type_name.into()));
    }
    json
}

/// A runtime error thrown as a plain `Error` (wrong status, "Cannot accept…"): the use case's
/// catch-all gives it `error.runtime.unknown` and its prefix.
pub(crate) fn unknown(message: impl std::fmt::Display) -> Error {
    Error::rule(
        "error.runtime.unknown",
        format!("An error was thrown in a UseCase: {message}"),
    )
}

/// A consumption `CoreError` as a validation result, with the CoreError's text.
pub(crate) fn core_result(code: &'static str, reason: &str) -> RequestValidationResultDto {
    let message = crate::attributes::create::core_text(code, reason);
    RequestValidationResultDto::error(code, message, Vec::new())
}

/// An `ApplicationError` as a validation result: its plain message.
pub(crate) fn application_result(code: &str, message: &str) -> RequestValidationResultDto {
    RequestValidationResultDto::error(code, message, Vec::new())
}

pub(crate) fn success() -> RequestValidationResultDto {
    RequestValidationResultDto::success(Vec::new())
}

/// The top-level result over item results: `inheritedFromItem` if any child failed.
pub(crate) fn inherited(items: Vec<RequestValidationResultDto>) -> RequestValidationResultDto {
    if items.iter().all(|i| i.is_success) {
        RequestValidationResultDto::success(items)
    } else {
        RequestValidationResultDto::error(
            "error.consumption.requests.validation.inheritedFromItem",
            "Some child items have errors.",
            items,
        )
    }
}

fn from_doc(doc: Value) -> Result<LocalRequest> {
    serde_json::from_value(doc).map_err(|e| Error::Internal(format!("stored request: {e}")))
}

impl Consumption {
    /// The stored request `id` of the direction `is_own`, brought up to date with its expiry.
    pub(crate) async fn request(&self, id: &str, is_own: bool) -> Result<Option<LocalRequest>> {
        let Some(doc) = self.transport.store().get(COLLECTION, id).await? else {
            return Ok(None);
        };
        let mut request = from_doc(doc)?;
        if request.dto.is_own != is_own {
            return Ok(None);
        }
        self.update_expiry(std::slice::from_mut(&mut request))
            .await?;
        Ok(Some(request))
    }

    /// Requests of one direction matching the runtime's list filters, in storage order.
    async fn requests(
        &self,
        pairs: &[(String, String)],
        is_own: bool,
    ) -> Result<Vec<LocalRequest>> {
        // The runtime's translator maps `response.source.reference` to the key `true`, so that
        // filter never matches anything; the same holds here.
        let renamed: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| {
                let key = k.strip_suffix("[]").unwrap_or(k);
                if key == "response.source.reference" {
                    ("true".to_owned(), v.clone())
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect();
        let mut allowed: Vec<&str> = QUERY_KEYS.to_vec();
        allowed.push("true");
        if is_own {
            allowed.retain(|k| *k != "wasAutomaticallyDecided");
        }
        let query = crate::attributes::listing::list_query(&renamed, &allowed, false)?;
        let filter = query.filter.and(Filter::eq("isOwn", is_own));
        let docs = self
            .transport
            .store()
            .find(COLLECTION, &filter, &FindOptions::default())
            .await?;
        let mut requests = docs.into_iter().map(from_doc).collect::<Result<Vec<_>>>()?;
        self.update_expiry(&mut requests).await?;
        Ok(requests)
    }

    /// Moves expired requests to Expired, with their events, in one batch.
    async fn update_expiry(&self, requests: &mut [LocalRequest]) -> Result<()> {
        let mut change = Change::new();
        let mut changed = false;
        for request in requests.iter_mut() {
            let done = matches!(
                request.dto.status,
                LocalRequestStatus::Completed | LocalRequestStatus::Expired
            );
            if !done && request.is_expired() {
                request.change_status(LocalRequestStatus::Expired, &mut change)?;
                request.save(&mut change)?;
                changed = true;
            }
        }
        if changed {
            self.transport.commit(change).await?;
        }
        Ok(())
    }

    /// `GET /Requests/Incoming/{id}`.
    pub async fn incoming_request(&self, id: &str) -> Result<LocalRequestDto> {
        self.request(id, false)
            .await?
            .map(|r| r.dto)
            .ok_or(Error::NotFound("LocalRequest"))
    }

    /// `GET /Requests/Outgoing/{id}`.
    pub async fn outgoing_request(&self, id: &str) -> Result<LocalRequestDto> {
        self.request(id, true)
            .await?
            .map(|r| r.dto)
            .ok_or(Error::NotFound("LocalRequest"))
    }

    /// `GET /Requests/Incoming`.
    pub async fn incoming_requests(
        &self,
        pairs: &[(String, String)],
    ) -> Result<Vec<LocalRequestDto>> {
        Ok(self
            .requests(pairs, false)
            .await?
            .into_iter()
            .map(|r| r.dto)
            .collect())
    }

    /// `GET /Requests/Outgoing`.
    pub async fn outgoing_requests(
        &self,
        pairs: &[(String, String)],
    ) -> Result<Vec<LocalRequestDto>> {
        Ok(self
            .requests(pairs, true)
            .await?
            .into_iter()
            .map(|r| r.dto)
            .collect())
    }
}
