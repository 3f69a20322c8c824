//! `ValueHints` and `ValueHintsOverride`: the only nested classes whose `toJSON()` is
//! overridden, so they always carry their `@type` and an always-present `propertyHints`.

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{ContentError, ErrorKind};
use crate::parse::{Class, Fields, Num, Result, Str, with_type};

/// The hint fields both classes share.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HintFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edit_help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<crate::JsNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<crate::JsNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<ValueHintsValue>>,
    /// A string, number or boolean.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    /// Hints per property of a complex value; each entry is a `ValueHints`. Serialised by
    /// hand: it is always present, even when empty.
    #[serde(skip)]
    pub property_hints: Vec<(String, ValueHints)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValueHintsValue {
    /// A string, number or boolean.
    pub key: Value,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValueHints(pub HintFields);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValueHintsOverride(pub HintFields);

impl Serialize for ValueHints {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        with_type(serializer, "ValueHints", &Body(&self.0))
    }
}

impl Serialize for ValueHintsOverride {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        with_type(serializer, "ValueHintsOverride", &Body(&self.0))
    }
}

/// `propertyHints` is a JSON object; the fields keep it as ordered pairs.
struct Body<'a>(&'a HintFields);

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut json = serde_json::to_value(self.0).map_err(serde::ser::Error::custom)?;
        let hints: Map<String, Value> = self
            .0
            .property_hints
            .iter()
            .map(|(k, v)| serde_json::to_value(v).map(|v| (k.clone(), v)))
            .collect::<std::result::Result<_, _>>()
            .map_err(serde::ser::Error::custom)?;
        if let Some(map) = json.as_object_mut() {
            map.insert("propertyHints".into(), Value::Object(hints));
        }
        json.serialize(serializer)
    }
}

fn scalar(fields: &Fields, field: &str, value: &Value) -> Result<Value> {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(crate::parse::js_json(value)),
        _ => Err(fields.error(field, "Value is not an allowed type.")),
    }
}

impl HintFields {
    fn parse(class: &'static str, value: &Value) -> Result<Self> {
        // A JavaScript array has a `values` method, which serval then finds is no array.
        if value.is_array() {
            return Err(ContentError::new(
                ErrorKind::Serval,
                "Value is not an Array.",
            ));
        }
        let f = Fields::of(class, value)?;
        let edit_help = f.opt_string("editHelp", Str::max(500))?;
        let min = f.opt_number("min", Num::ANY)?;
        let max = f.opt_number("max", Num::ANY)?;
        let pattern = f.opt_string("pattern", Str::max(1000))?;
        let values = match f.opt_array("values")? {
            Some(items) => {
                Some(f.items("values", items, "ValueHintsValue", ValueHintsValue::parse)?)
            }
            None => None,
        };
        let default_value = match f.get("defaultValue") {
            None => None,
            Some(v) => Some(scalar(&f, "defaultValue", v)?),
        };
        let property_hints = match f.get("propertyHints") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| ValueHints::parse(v).map(|h| (k.clone(), h)))
                .collect::<Result<_>>()?,
            Some(_) => {
                return Err(f.error(
                    "propertyHints",
                    "Value is not an Object and no instance of Object.",
                ));
            }
        };
        Ok(Self {
            edit_help,
            min,
            max,
            pattern,
            values,
            default_value,
            property_hints,
        })
    }
}

impl ValueHintsValue {
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of("ValueHintsValue", value)?;
        let display_name = f.string("displayName", Str::max(100))?;
        let key = scalar(&f, "key", f.defined("key")?)?;
        // The official check compares with 100 but says 200.
        f.check("key", "Object", &key, |k| {
            k.as_str()
                .filter(|k| crate::formats::js_len(k) > 100)
                .map(|_| "The maximum length of a key is 200 characters.".to_owned())
        })?;
        Ok(Self { key, display_name })
    }
}

impl Class for ValueHints {
    const NAME: &'static str = "ValueHints";
    fn parse(value: &Value) -> Result<Self> {
        HintFields::parse(Self::NAME, value).map(Self)
    }
}

impl Class for ValueHintsOverride {
    const NAME: &'static str = "ValueHintsOverride";
    fn parse(value: &Value) -> Result<Self> {
        HintFields::parse(Self::NAME, value).map(Self)
    }
}
