//! `Response`, `ResponseItemGroup` and the response items: the answer to a request, one item
//! per request item.

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{not_empty, parse_item};
use crate::attributes::{Attribute, IdentityAttribute};
use crate::formats::js_len;
use crate::parse::{Class, Fields, JsNumber, Result, Str, Union, not_instance, type_of, with_type};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub result: ResponseResult,
    pub request_id: String,
    pub items: Vec<ResponseEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum ResponseResult {
    Accepted,
    Rejected,
}

/// A response item's `result`. The official enum member is `Failed`, its value `"Error"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum ResponseItemResult {
    Accepted,
    Rejected,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ResponseItemGroup {
    pub items: Vec<ResponseItem>,
}

/// An entry of `Response.items`: a group or a single item.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseEntry {
    Group(ResponseItemGroup),
    Item(ResponseItem),
}

impl Serialize for ResponseEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            ResponseEntry::Group(group) => with_type(serializer, "ResponseItemGroup", group),
            ResponseEntry::Item(item) => item.serialize(serializer),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum ResponseItem {
    AcceptResponseItem(AcceptResponseItem),
    RejectResponseItem(RejectResponseItem),
    ErrorResponseItem(ErrorResponseItem),
    CreateAttributeAcceptResponseItem(AttributeIdAcceptResponseItem),
    ReadAttributeAcceptResponseItem(ReadAttributeAcceptResponseItem),
    ProposeAttributeAcceptResponseItem(ProposeAttributeAcceptResponseItem),
    DeleteAttributeAcceptResponseItem(DeleteAttributeAcceptResponseItem),
    AttributeAlreadySharedAcceptResponseItem(AttributeIdAcceptResponseItem),
    AttributeSuccessionAcceptResponseItem(AttributeSuccessionAcceptResponseItem),
    FormFieldAcceptResponseItem(FormFieldAcceptResponseItem),
    TransferFileOwnershipAcceptResponseItem(TransferFileOwnershipAcceptResponseItem),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AcceptResponseItem {
    pub result: ResponseItemResult,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RejectResponseItem {
    pub result: ResponseItemResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ErrorResponseItem {
    pub result: ResponseItemResult,
    pub code: String,
    pub message: String,
}

/// `CreateAttributeAcceptResponseItem` and `AttributeAlreadySharedAcceptResponseItem`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttributeIdAcceptResponseItem {
    pub result: ResponseItemResult,
    pub attribute_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReadAttributeAcceptResponseItem {
    pub result: ResponseItemResult,
    pub attribute_id: String,
    pub attribute: Attribute,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub third_party_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProposeAttributeAcceptResponseItem {
    pub result: ResponseItemResult,
    pub attribute_id: String,
    pub attribute: Attribute,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeleteAttributeAcceptResponseItem {
    pub result: ResponseItemResult,
    pub deletion_date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttributeSuccessionAcceptResponseItem {
    pub result: ResponseItemResult,
    pub predecessor_id: String,
    pub successor_id: String,
    pub successor_content: Attribute,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FormFieldAcceptResponseItem {
    pub result: ResponseItemResult,
    pub response: FormFieldResponse,
}

/// The answer to a form field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum FormFieldResponse {
    Text(String),
    Number(JsNumber),
    Boolean(bool),
    Selection(Vec<String>),
}

/// `attribute` is typed `IdentityAttribute` here, not a union: it serialises without `@type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TransferFileOwnershipAcceptResponseItem {
    pub result: ResponseItemResult,
    pub attribute_id: String,
    pub attribute: IdentityAttribute,
}

fn result(f: &Fields) -> Result<ResponseItemResult> {
    let text = f.string("result", Str::ANY)?;
    Ok(match text.as_str() {
        "Accepted" => ResponseItemResult::Accepted,
        "Rejected" => ResponseItemResult::Rejected,
        "Error" => ResponseItemResult::Error,
        _ => return Err(f.error("result", "must be one of: Accepted,Rejected,Error")),
    })
}

const ATTRIBUTE_UNION: &str = "(IdentityAttribute|RelationshipAttribute)";

fn form_field_response(f: &Fields) -> Result<FormFieldResponse> {
    let response = match f.defined("response")? {
        Value::String(s) => FormFieldResponse::Text(s.clone()),
        Value::Bool(b) => FormFieldResponse::Boolean(*b),
        Value::Number(n) => FormFieldResponse::Number(JsNumber(n.as_f64().unwrap_or(f64::NAN))),
        Value::Array(items) => {
            let strings: Option<Vec<String>> = items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect();
            match strings {
                Some(strings) => FormFieldResponse::Selection(strings),
                None => {
                    return Err(crate::ContentError::validation(
                        f.class(),
                        "response",
                        "Object",
                        "If the response is an array, it must be a string array.",
                    ));
                }
            }
        }
        _ => return Err(f.error("response", "Value is not an allowed type.")),
    };
    f.check("response", "Object", &response, |r| match r {
        FormFieldResponse::Text(s) if !(1..=4096).contains(&js_len(s)) => Some(
            "The string response cannot be shorter than 1 character or longer than 4096 characters.".to_owned(),
        ),
        _ => None,
    })?;
    Ok(response)
}

/// Reads the fields of `class` from `value` with `build`.
fn item<T>(
    class: &'static str,
    value: &Value,
    build: impl FnOnce(&Fields) -> Result<T>,
) -> Result<T> {
    build(&Fields::of(class, value)?)
}

fn attribute_id(f: &Fields) -> Result<String> {
    f.core_string("attributeId", "CoreId")
}

fn with_attribute_id(f: &Fields) -> Result<AttributeIdAcceptResponseItem> {
    Ok(AttributeIdAcceptResponseItem {
        attribute_id: attribute_id(f)?,
        result: result(f)?,
    })
}

impl Union for ResponseItem {
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>> {
        use ResponseItem as I;
        Some(match type_name {
            "AcceptResponseItem" => item("AcceptResponseItem", value, |f| {
                Ok(I::AcceptResponseItem(AcceptResponseItem {
                    result: result(f)?,
                }))
            }),
            "RejectResponseItem" => item("RejectResponseItem", value, |f| {
                Ok(I::RejectResponseItem(RejectResponseItem {
                    code: f.opt_string("code", Str::max(200))?,
                    message: f.opt_string("message", Str::max(1000))?,
                    result: result(f)?,
                }))
            }),
            "ErrorResponseItem" => item("ErrorResponseItem", value, |f| {
                Ok(I::ErrorResponseItem(ErrorResponseItem {
                    code: f.string("code", Str::max(200))?,
                    message: f.string("message", Str::max(1000))?,
                    result: result(f)?,
                }))
            }),
            "CreateAttributeAcceptResponseItem" => item(
                "CreateAttributeAcceptResponseItem",
                value,
                with_attribute_id,
            )
            .map(I::CreateAttributeAcceptResponseItem),
            "AttributeAlreadySharedAcceptResponseItem" => item(
                "AttributeAlreadySharedAcceptResponseItem",
                value,
                with_attribute_id,
            )
            .map(I::AttributeAlreadySharedAcceptResponseItem),
            "ReadAttributeAcceptResponseItem" => {
                item("ReadAttributeAcceptResponseItem", value, |f| {
                    Ok(I::ReadAttributeAcceptResponseItem(
                        ReadAttributeAcceptResponseItem {
                            attribute_id: attribute_id(f)?,
                            attribute: f.union("attribute", ATTRIBUTE_UNION)?,
                            third_party_address: f
                                .opt_core_string("thirdPartyAddress", "CoreAddress")?,
                            result: result(f)?,
                        },
                    ))
                })
            }
            "ProposeAttributeAcceptResponseItem" => {
                item("ProposeAttributeAcceptResponseItem", value, |f| {
                    Ok(I::ProposeAttributeAcceptResponseItem(
                        ProposeAttributeAcceptResponseItem {
                            attribute_id: attribute_id(f)?,
                            attribute: f.union("attribute", ATTRIBUTE_UNION)?,
                            result: result(f)?,
                        },
                    ))
                })
            }
            "DeleteAttributeAcceptResponseItem" => {
                item("DeleteAttributeAcceptResponseItem", value, |f| {
                    Ok(I::DeleteAttributeAcceptResponseItem(
                        DeleteAttributeAcceptResponseItem {
                            deletion_date: f.date("deletionDate")?,
                            result: result(f)?,
                        },
                    ))
                })
            }
            "AttributeSuccessionAcceptResponseItem" => {
                item("AttributeSuccessionAcceptResponseItem", value, |f| {
                    Ok(I::AttributeSuccessionAcceptResponseItem(
                        AttributeSuccessionAcceptResponseItem {
                            predecessor_id: f.core_string("predecessorId", "CoreId")?,
                            successor_id: f.core_string("successorId", "CoreId")?,
                            successor_content: f.union("successorContent", ATTRIBUTE_UNION)?,
                            result: result(f)?,
                        },
                    ))
                })
            }
            "FormFieldAcceptResponseItem" => item("FormFieldAcceptResponseItem", value, |f| {
                Ok(I::FormFieldAcceptResponseItem(
                    FormFieldAcceptResponseItem {
                        response: form_field_response(f)?,
                        result: result(f)?,
                    },
                ))
            }),
            "TransferFileOwnershipAcceptResponseItem" => {
                item("TransferFileOwnershipAcceptResponseItem", value, |f| {
                    Ok(I::TransferFileOwnershipAcceptResponseItem(
                        TransferFileOwnershipAcceptResponseItem {
                            attribute_id: attribute_id(f)?,
                            attribute: f.object("attribute")?,
                            result: result(f)?,
                        },
                    ))
                })
            }
            _ => return None,
        })
    }
}

impl Class for ResponseItemGroup {
    const NAME: &'static str = "ResponseItemGroup";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        let items = f.array("items")?;
        let items = f.items("items", items, "Serializable", |v| {
            parse_item(Self::NAME, v, "ResponseItem")
        })?;
        f.check("items", "Array", items.as_slice(), not_empty)?;
        Ok(Self { items })
    }
}

fn response_entry(value: &Value) -> Result<ResponseEntry> {
    match type_of(value)? {
        Some(ResponseItemGroup::NAME) => ResponseItemGroup::parse(value).map(ResponseEntry::Group),
        None => Err(not_instance(
            "Response",
            "items[]",
            "(ResponseItemGroup|ResponseItem)",
        )),
        Some(_) => {
            parse_item::<ResponseItem>("Response", value, "(ResponseItemGroup|ResponseItem)")
                .map(ResponseEntry::Item)
        }
    }
}

impl Class for Response {
    const NAME: &'static str = "Response";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        let result = match f.string("result", Str::ANY)?.as_str() {
            "Accepted" => ResponseResult::Accepted,
            "Rejected" => ResponseResult::Rejected,
            _ => return Err(f.error("result", "must be one of: Accepted,Rejected")),
        };
        let request_id = f.core_string("requestId", "CoreId")?;
        let items = f.array("items")?;
        let items = f.items("items", items, "Serializable", response_entry)?;
        f.check("items", "Array", items.as_slice(), not_empty)?;
        Ok(Self {
            result,
            request_id,
            items,
        })
    }
}

impl Response {
    /// The response as a top-level content, with `@type`.
    pub fn to_json(&self) -> Value {
        crate::to_typed_json(Self::NAME, self)
    }
}
