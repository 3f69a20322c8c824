//! Requests (`Request`, `RequestItemGroup` and the items), the responses to them and the
//! `ResponseWrapper` that carries a response back by message.

pub mod form_field;
pub mod items;
pub mod response;
pub mod response_wrapper;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::parse::{Class, Fields, Result, Str, Union, not_instance, type_of, with_type};
use items::RequestItem;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// Absent in template requests; the receiver then makes one up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    pub items: Vec<RequestEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RequestItemGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    pub items: Vec<RequestItem>,
}

/// An entry of `Request.items`: a group or a single item.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestEntry {
    Group(RequestItemGroup),
    Item(RequestItem),
}

impl Serialize for RequestEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            RequestEntry::Group(group) => with_type(serializer, "RequestItemGroup", group),
            RequestEntry::Item(item) => item.serialize(serializer),
        }
    }
}

/// `may not be empty`, the check every `items`, `to` and `thirdParty` list has.
pub(crate) fn not_empty<T>(items: &[T]) -> Option<String> {
    items.is_empty().then(|| "may not be empty".to_owned())
}

/// An item of a list typed `Serializable` in the official class: any content parses there,
/// later steps refuse what is not an item. Here only items (and, in a request, groups) parse.
pub(crate) fn parse_item<U: Union>(class: &str, value: &Value, allowed: &str) -> Result<U> {
    crate::parse::parse_union(class, "items[]", value, allowed)
}

impl Class for RequestItemGroup {
    const NAME: &'static str = "RequestItemGroup";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        let title = f.opt_string("title", Str::max(200))?;
        let description = f.opt_string("description", Str::max(500))?;
        let items = f.array("items")?;
        let items = f.items("items", items, "Serializable", |v| {
            parse_item(Self::NAME, v, "RequestItem")
        })?;
        f.check("items", "Array", items.as_slice(), not_empty)?;
        Ok(Self {
            title,
            description,
            metadata: f.opt_object("metadata")?,
            items,
        })
    }
}

fn request_entry(value: &Value) -> Result<RequestEntry> {
    let type_name = type_of(value)?;
    if type_name == Some(RequestItemGroup::NAME) {
        return RequestItemGroup::parse(value).map(RequestEntry::Group);
    }
    match type_name {
        None => Err(not_instance(
            "Request",
            "items[]",
            "(RequestItemGroup|RequestItem)",
        )),
        Some(_) => parse_item::<RequestItem>("Request", value, "(RequestItemGroup|RequestItem)")
            .map(RequestEntry::Item),
    }
}

impl Class for Request {
    const NAME: &'static str = "Request";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        let id = f.opt_core_string("id", "CoreId")?;
        let expires_at = f.opt_date("expiresAt")?;
        let items = f.array("items")?;
        let items = f.items("items", items, "Serializable", request_entry)?;
        f.check("items", "Array", items.as_slice(), not_empty)?;
        Ok(Self {
            id,
            expires_at,
            title: f.opt_string("title", Str::max(200))?,
            description: f.opt_string("description", Str::max(500))?,
            metadata: f.opt_object("metadata")?,
            items,
        })
    }
}

impl Request {
    /// The request as a top-level content, with `@type`.
    pub fn to_json(&self) -> Value {
        crate::to_typed_json(Self::NAME, self)
    }
}
