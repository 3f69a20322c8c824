//! What each request item means on both sides, as the runtime's item processors define it:
//! whether the requester may create it (`canCreate`), whether the responder may accept it with
//! given parameters (`canAccept`), what accepting does and answers (`accept`), and what the
//! requester does with the answer (`applyIncomingResponseItem`).
//!
//! The attribute items live in [`attribute_items`]; consent, authentication and form fields
//! need nothing but their own rules and are here.

pub mod attribute_items;
pub mod delete_item;
pub mod transfer_item;

use super::{LocalRequest, application_result, core_result, success};
use crate::{Consumption, Error, Result};
use content::requests::form_field::FormFieldSettings;
use content::requests::items::RequestItem;
use content::requests::response::{
    AcceptResponseItem, FormFieldAcceptResponseItem, FormFieldResponse, RejectResponseItem,
    ResponseItem, ResponseItemResult,
};
use runtime_types::requests::RequestValidationResultDto;
use serde::Deserialize;
use serde_json::Value;
use transport::Change;

pub(crate) const INVALID_REQUEST_ITEM: &str = "error.consumption.requests.invalidRequestItem";
pub(crate) const INVALID_ACCEPT_PARAMETERS: &str =
    "error.consumption.requests.invalidAcceptParameters";
const UNEXPECTED: &str = "error.consumption.requests.unexpectedErrorDuringRequestItemProcessing";
const SERVAL: &str = "error.consumption.requests.servalErrorDuringRequestItemProcessing";

/// The parameters of one decided item (`DecideRequestItemParameters` and the accept
/// parameters of every item kind); each processor reads the fields its item takes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ItemParams {
    pub code: Option<String>,
    pub message: Option<String>,
    /// Read: an attribute to share.
    pub existing_attribute_id: Option<String>,
    /// Read: an attribute to create and share.
    pub new_attribute: Option<Value>,
    /// Propose: an attribute to share instead of the proposed one.
    pub attribute_id: Option<String>,
    /// Propose: the attribute to create (the proposed one, or a changed one).
    pub attribute: Option<Value>,
    /// Read / Propose with an existing attribute: tags to add.
    pub tags: Option<Vec<String>>,
    /// FormField: the answer.
    pub response: Option<Value>,
    /// Delete: when the attribute will be deleted.
    pub deletion_date: Option<String>,
}

impl ItemParams {
    pub(crate) fn read(value: &Value) -> std::result::Result<Self, String> {
        serde_json::from_value(value.clone()).map_err(|e| e.to_string())
    }
}

/// A failed check of an item: a `CoreError` (its text carries code and time) or an
/// `ApplicationError` (its plain message).
pub(crate) enum Refusal {
    Core(&'static str, String),
    Application(&'static str, String),
    /// A thrown error: becomes `unexpectedErrorDuringRequestItemProcessing` with its text.
    Thrown(String),
    /// A parameter shape the parser refuses: `servalErrorDuringRequestItemProcessing`.
    Serval(String),
}

impl Refusal {
    pub(crate) fn item(message: impl Into<String>) -> Self {
        Self::Core(INVALID_REQUEST_ITEM, message.into())
    }

    pub(crate) fn params(message: impl Into<String>) -> Self {
        Self::Application(INVALID_ACCEPT_PARAMETERS, message.into())
    }

    pub(crate) fn mismatch(message: impl Into<String>) -> Self {
        Self::Core(
            "error.consumption.requests.attributeQueryMismatch",
            message.into(),
        )
    }

    /// The refusal thrown: a CoreError keeps its code, its message is its text.
    pub(crate) fn into_error(self) -> Error {
        match self {
            Self::Core(code, reason) => crate::attributes::create::core_error(code, &reason),
            Self::Application(code, message) => Error::rule(code, message),
            Self::Thrown(message) | Self::Serval(message) => super::unknown(message),
        }
    }

    pub(crate) fn into_result(self) -> RequestValidationResultDto {
        match self {
            Self::Core(code, reason) => core_result(code, &reason),
            Self::Application(code, message) => application_result(code, &message),
            Self::Thrown(message) => application_result(UNEXPECTED, &message),
            Self::Serval(message) => application_result(SERVAL, &message),
        }
    }
}

pub(crate) type Check = std::result::Result<(), Refusal>;

/// A store or Backbone failure inside a check: thrown, so reported on the item.
pub(crate) fn thrown(e: Error) -> Refusal {
    Refusal::Thrown(e.to_string())
}

fn as_result(check: Check) -> RequestValidationResultDto {
    match check {
        Ok(()) => success(),
        Err(refusal) => refusal.into_result(),
    }
}

fn form_field_can_create(settings: &FormFieldSettings) -> Option<String> {
    use FormFieldSettings as S;
    let bounds = |min: Option<f64>, max: Option<f64>| match (min, max) {
        // The official check skips bounds that are 0 (falsy).
        (Some(min), Some(max)) if min != 0.0 && max != 0.0 && max < min => {
            Some("The max cannot be smaller than the min.".to_owned())
        }
        _ => None,
    };
    match settings {
        S::StringFormFieldSettings(s) => bounds(s.min.map(|n| n.0), s.max.map(|n| n.0)),
        S::IntegerFormFieldSettings(s) | S::DoubleFormFieldSettings(s) => {
            bounds(s.min.map(|n| n.0), s.max.map(|n| n.0))
        }
        S::SelectionFormFieldSettings(s) => {
            let unique: std::collections::HashSet<&String> = s.options.iter().collect();
            if s.options.is_empty() {
                Some("A selection form field must provide at least one option.".to_owned())
            } else if unique.len() != s.options.len() {
                Some("A selection form field must provide unique options.".to_owned())
            } else {
                None
            }
        }
        S::BooleanFormFieldSettings(_)
        | S::DateFormFieldSettings(_)
        | S::RatingFormFieldSettings(_) => None,
    }
}

/// A number as JavaScript prints it in a message (`5`, not `5.0`).
fn js(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn form_field_can_accept(settings: &FormFieldSettings, response: &Value) -> Option<String> {
    use FormFieldSettings as S;
    let positive = |n: Option<content::JsNumber>| n.map(|n| n.0).filter(|n| *n != 0.0);
    match settings {
        S::StringFormFieldSettings(s) => {
            let Some(text) = response.as_str() else {
                return Some("A string form field must be accepted with a string.".into());
            };
            let length = text.encode_utf16().count() as f64;
            if let Some(max) = positive(s.max).filter(|max| length > *max) {
                return Some(format!(
                    "The length of the response cannot be greater than the max {}.",
                    js(max)
                ));
            }
            if let Some(min) = positive(s.min).filter(|min| length < *min) {
                return Some(format!(
                    "The length of the response cannot be smaller than the min {}.",
                    js(min)
                ));
            }
            None
        }
        S::IntegerFormFieldSettings(s) | S::DoubleFormFieldSettings(s) => {
            let integer = matches!(settings, S::IntegerFormFieldSettings(_));
            let number = response.as_f64();
            let Some(n) = number.filter(|n| !integer || n.fract() == 0.0) else {
                return Some(if integer {
                    "An integer form field must be accepted with an integer.".into()
                } else {
                    "A double form field must be accepted with a double.".into()
                });
            };
            if let Some(max) = positive(s.max).filter(|max| n > *max) {
                return Some(format!(
                    "The response cannot be greater than the max {}.",
                    js(max)
                ));
            }
            if let Some(min) = positive(s.min).filter(|min| n < *min) {
                return Some(format!(
                    "The response cannot be smaller than the min {}.",
                    js(min)
                ));
            }
            None
        }
        S::BooleanFormFieldSettings(_) => (!response.is_boolean())
            .then(|| "A boolean form field must be accepted with a boolean.".into()),
        S::DateFormFieldSettings(_) => {
            let valid = response.as_str().is_some_and(|s| {
                chrono::DateTime::parse_from_rfc3339(s).is_ok()
                    || chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
            });
            (!valid).then(|| {
                "A date form field must be accepted with a valid date string in ISO 8601 format."
                    .into()
            })
        }
        S::RatingFormFieldSettings(s) => {
            let ok = response
                .as_f64()
                .is_some_and(|n| n.fract() == 0.0 && n >= 1.0 && n <= s.max_rating.0);
            (!ok).then(|| {
                format!(
                    "The rating form field must be accepted with an integer between 1 and {}.",
                    js(s.max_rating.0)
                )
            })
        }
        S::SelectionFormFieldSettings(s) => {
            if !s.allow_multiple_selection.unwrap_or(false) {
                let Some(choice) = response.as_str() else {
                    return Some("A selection form field that does not allow multiple selection must be accepted with a string.".into());
                };
                return (!s.options.iter().any(|o| o == choice)).then(|| {
                    format!("The selection form field does not provide the option '{choice}' for selection.")
                });
            }
            let Some(choices) = response
                .as_array()
                .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<&str>>>())
            else {
                return Some("A selection form field that allows multiple selection must be accepted with a string array.".into());
            };
            if choices.is_empty() {
                return Some(
                    "At least one option must be specified to accept a selection form field."
                        .into(),
                );
            }
            let unique: std::collections::HashSet<&&str> = choices.iter().collect();
            if unique.len() != choices.len() {
                return Some(
                    "The options specified for accepting a selection form field must be unique."
                        .into(),
                );
            }
            let unknown: Vec<String> = choices
                .iter()
                .filter(|c| !s.options.iter().any(|o| o == *c))
                .map(|c| format!("'{c}'"))
                .collect();
            (!unknown.is_empty()).then(|| {
                format!(
                    "The selection form field does not provide the following option(s) for selection: {}.",
                    unknown.join(", ")
                )
            })
        }
    }
}

fn form_field_response(value: &Value) -> Option<FormFieldResponse> {
    match value {
        Value::String(s) => Some(FormFieldResponse::Text(s.clone())),
        Value::Number(n) => n.as_f64().map(|n| FormFieldResponse::Number(n.into())),
        Value::Bool(b) => Some(FormFieldResponse::Boolean(*b)),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(FormFieldResponse::Selection),
        _ => None,
    }
}

pub(crate) fn must_be_accepted(item: &RequestItem) -> bool {
    match item {
        RequestItem::CreateAttributeRequestItem(i) => i.item.must_be_accepted,
        RequestItem::ShareAttributeRequestItem(i) => i.item.must_be_accepted,
        RequestItem::ReadAttributeRequestItem(i) => i.item.must_be_accepted,
        RequestItem::ProposeAttributeRequestItem(i) => i.item.must_be_accepted,
        RequestItem::DeleteAttributeRequestItem(i) => i.item.must_be_accepted,
        RequestItem::ConsentRequestItem(i) => i.item.must_be_accepted,
        RequestItem::AuthenticationRequestItem(i) => i.item.must_be_accepted,
        RequestItem::FormFieldRequestItem(i) => i.item.must_be_accepted,
        RequestItem::TransferFileOwnershipRequestItem(i) => i.item.must_be_accepted,
    }
}

impl Consumption {
    /// `canCreateOutgoingRequestItem`: may this identity ask `recipient` (unknown for a
    /// template's request) this item?
    pub(crate) async fn can_create_item(
        &self,
        item: &RequestItem,
        recipient: Option<&str>,
    ) -> RequestValidationResultDto {
        let check = match item {
            RequestItem::ConsentRequestItem(_) | RequestItem::AuthenticationRequestItem(_) => {
                Ok(())
            }
            RequestItem::FormFieldRequestItem(i) => match form_field_can_create(&i.settings) {
                Some(message) => Err(Refusal::item(message)),
                None => Ok(()),
            },
            RequestItem::CreateAttributeRequestItem(i) => {
                self.can_create_create_item(i, recipient).await
            }
            RequestItem::ShareAttributeRequestItem(i) => {
                self.can_create_share_item(i, recipient).await
            }
            RequestItem::ReadAttributeRequestItem(i) => {
                self.can_create_read_item(i, recipient).await
            }
            RequestItem::ProposeAttributeRequestItem(i) => {
                self.can_create_propose_item(i, recipient).await
            }
            RequestItem::DeleteAttributeRequestItem(i) => {
                self.can_create_delete_item(i, recipient).await
            }
            RequestItem::TransferFileOwnershipRequestItem(i) => {
                self.can_create_transfer_item(i).await
            }
        };
        as_result(check)
    }

    /// `canAccept` of one item with its parameters; anything thrown is the item's result.
    pub(crate) async fn can_accept_item(
        &self,
        item: &RequestItem,
        params: &Value,
        request: &LocalRequest,
    ) -> RequestValidationResultDto {
        let parsed = match ItemParams::read(params) {
            Ok(p) => p,
            Err(message) => return Refusal::Serval(message).into_result(),
        };
        let check = match item {
            RequestItem::ConsentRequestItem(_) | RequestItem::AuthenticationRequestItem(_) => {
                Ok(())
            }
            RequestItem::FormFieldRequestItem(i) => {
                match parsed.response.as_ref().and_then(form_field_response) {
                    None => Err(Refusal::Serval(
                        "AcceptFormFieldRequestItemParameters.response :: Value is not defined"
                            .into(),
                    )),
                    Some(_) => match form_field_can_accept(
                        &i.settings,
                        parsed.response.as_ref().unwrap_or(&Value::Null),
                    ) {
                        Some(message) => Err(Refusal::params(message)),
                        None => Ok(()),
                    },
                }
            }
            RequestItem::CreateAttributeRequestItem(i) => {
                self.can_accept_create_item(i, request).await
            }
            RequestItem::ShareAttributeRequestItem(i) => self.can_accept_share_item(i).await,
            RequestItem::ReadAttributeRequestItem(i) => {
                self.can_accept_read_item(i, &parsed, request).await
            }
            RequestItem::ProposeAttributeRequestItem(i) => {
                self.can_accept_propose_item(i, &parsed, request).await
            }
            RequestItem::DeleteAttributeRequestItem(i) => {
                self.can_accept_delete_item(i, &parsed, request).await
            }
            RequestItem::TransferFileOwnershipRequestItem(i) => {
                self.can_accept_transfer_item(i, request).await
            }
        };
        as_result(check)
    }

    /// `accept` of one item: its effects go into `change`; answers the response item.
    pub(crate) async fn accept_item(
        &self,
        item: &RequestItem,
        params: &Value,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        let parsed = ItemParams::read(params).map_err(Error::Internal)?;
        let accepted = ResponseItemResult::Accepted;
        Ok(match item {
            RequestItem::ConsentRequestItem(_) | RequestItem::AuthenticationRequestItem(_) => {
                ResponseItem::AcceptResponseItem(AcceptResponseItem { result: accepted })
            }
            RequestItem::FormFieldRequestItem(_) => {
                let response = parsed
                    .response
                    .as_ref()
                    .and_then(form_field_response)
                    .ok_or_else(|| Error::Internal("form field response missing".into()))?;
                ResponseItem::FormFieldAcceptResponseItem(FormFieldAcceptResponseItem {
                    result: accepted,
                    response,
                })
            }
            RequestItem::CreateAttributeRequestItem(i) => {
                self.accept_create_item(i, request, change).await?
            }
            RequestItem::ShareAttributeRequestItem(i) => {
                self.accept_share_item(i, request, change).await?
            }
            RequestItem::ReadAttributeRequestItem(_) => {
                self.accept_read_item(&parsed, request, change).await?
            }
            RequestItem::ProposeAttributeRequestItem(_) => {
                self.accept_propose_item(&parsed, request, change).await?
            }
            RequestItem::DeleteAttributeRequestItem(i) => {
                self.accept_delete_item(i, &parsed, change).await?
            }
            RequestItem::TransferFileOwnershipRequestItem(i) => {
                self.accept_transfer_item(i, request, change).await?
            }
        })
    }

    /// `applyIncomingResponseItem`: what the requester keeps of the peer's answer to an item.
    pub(crate) async fn apply_response_item(
        &self,
        item: &RequestItem,
        answer: &ResponseItem,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<()> {
        match item {
            RequestItem::CreateAttributeRequestItem(i) => {
                self.apply_create_response(i, answer, request, change)
            }
            RequestItem::ShareAttributeRequestItem(i) => {
                self.apply_share_response(i, answer, request, change).await
            }
            RequestItem::ReadAttributeRequestItem(_)
            | RequestItem::ProposeAttributeRequestItem(_) => {
                self.apply_read_response(answer, request, change).await
            }
            RequestItem::DeleteAttributeRequestItem(i) => {
                self.apply_delete_response(i, answer, request, change).await
            }
            RequestItem::TransferFileOwnershipRequestItem(_) => {
                self.apply_transfer_response(answer, request, change)
            }
            // Nothing to keep of the other answers.
            _ => Ok(()),
        }
    }
}

/// `reject` of an item: `RejectResponseItem` with the caller's code and message.
pub(crate) fn reject_item(params: &Value) -> ResponseItem {
    let parsed = ItemParams::read(params).unwrap_or_default();
    ResponseItem::RejectResponseItem(RejectResponseItem {
        result: ResponseItemResult::Rejected,
        code: parsed.code,
        message: parsed.message,
    })
}
