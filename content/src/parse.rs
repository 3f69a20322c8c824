//! Reading content JSON the way the official serval parser does, field by field, so that the
//! first broken rule gives the official message. The types read their fields in serval's
//! order: a class's own fields as it declares them, then those of its parent class. Serialisation is serde's job; this module
//! only judges and extracts. It never panics on input.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{ContentError, ErrorKind};
use crate::formats::{Pattern, js_len};
use crate::registry;

pub(crate) type Result<T> = std::result::Result<T, ContentError>;

/// A custom validator: the official `customValidator` that returns a message or nothing.
pub(crate) type Check<T> = fn(&T) -> Option<String>;

/// The declarative string rules of a serval `@validate`, checked in serval's order.
#[derive(Clone, Copy, Default)]
pub(crate) struct Str {
    pub min: Option<usize>,
    pub max: Option<usize>,
    pub pattern: Option<&'static Pattern>,
}

impl Str {
    pub const ANY: Str = Str {
        min: None,
        max: None,
        pattern: None,
    };

    pub const fn max(max: usize) -> Self {
        Str {
            min: None,
            max: Some(max),
            pattern: None,
        }
    }

    pub const fn between(min: usize, max: usize) -> Self {
        Str {
            min: Some(min),
            max: Some(max),
            pattern: None,
        }
    }

    pub const fn matching(self, pattern: &'static Pattern) -> Self {
        Str {
            pattern: Some(pattern),
            ..self
        }
    }
}

/// The declarative number rules (`min`/`max` thresholds).
#[derive(Clone, Copy, Default)]
pub(crate) struct Num {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Num {
    pub const ANY: Num = Num {
        min: None,
        max: None,
    };
}

/// A JSON number as JavaScript holds it: one `f64`, printed without a fraction when it has
/// none (`1`, not `1.0`), as `JSON.stringify` does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JsNumber(pub f64);

impl JsNumber {
    pub fn is_integer(self) -> bool {
        self.0.is_finite() && self.0.fract() == 0.0
    }
}

impl From<i64> for JsNumber {
    fn from(value: i64) -> Self {
        JsNumber(value as f64)
    }
}

impl From<f64> for JsNumber {
    fn from(value: f64) -> Self {
        JsNumber(value)
    }
}

impl Serialize for JsNumber {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match js_integer(self.0) {
            Some(n) => serializer.serialize_i64(n),
            None => serializer.serialize_f64(self.0),
        }
    }
}

/// `n` when JavaScript prints it as a plain integer (below 1e21) and it fits an `i64`.
fn js_integer(n: f64) -> Option<i64> {
    (n.is_finite() && n.fract() == 0.0 && n.abs() < 9.2e18).then_some(n as i64)
}

/// Free JSON as the official library holds it: every number a JavaScript number, so `1.0`
/// comes back as `1` and integers beyond 2^53 lose what JavaScript loses.
pub(crate) fn js_json(value: &Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) => js_integer(f)
                .map(Value::from)
                .or_else(|| serde_json::Number::from_f64(f).map(Value::Number))
                .unwrap_or(Value::Null),
            None => Value::Null,
        },
        Value::Array(items) => Value::Array(items.iter().map(js_json).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), js_json(v))).collect())
        }
        other => other.clone(),
    }
}

/// A content class: parsed from JSON with or without its `@type`.
pub(crate) trait Class: Sized {
    const NAME: &'static str;
    fn parse(value: &Value) -> Result<Self>;
}

/// A polymorphic field's enum: parses the members it holds, by `@type`.
pub(crate) trait Union: Sized {
    /// `None` when `type_name` is not a member.
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>>;
}

/// The `@type` an object names. Like serval, a falsy `@type` (`""`, `0`, `false`, `null`)
/// names none, and any other non-string is an error.
pub(crate) fn type_of(value: &Value) -> Result<Option<&str>> {
    match value.get("@type") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
        Some(Value::String(t)) => Ok(Some(t.as_str()).filter(|t| !t.is_empty())),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Ok(None),
        Some(_) => Err(ContentError::new(
            ErrorKind::Serval,
            "@type is not a string.",
        )),
    }
}

/// The properties of one content object, named after its class for the messages.
pub(crate) struct Fields<'a> {
    class: &'static str,
    map: &'a Map<String, Value>,
}

fn kind_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl<'a> Fields<'a> {
    pub fn of(class: &'static str, value: &'a Value) -> Result<Self> {
        static NO_FIELDS: std::sync::LazyLock<Map<String, Value>> =
            std::sync::LazyLock::new(Map::new);
        match value {
            Value::Object(map) => Ok(Self { class, map }),
            // An array is an object to JavaScript, one without the fields of a content class.
            Value::Array(_) => Ok(Self {
                class,
                map: &NO_FIELDS,
            }),
            _ => Err(ContentError::parsing(
                class,
                "from()",
                format!("Parameter must be an object - is '{}'", kind_of(value)),
            )),
        }
    }

    pub fn class(&self) -> &'static str {
        self.class
    }

    /// A parsing error on a property of this class.
    pub fn error(&self, field: &str, reason: impl std::fmt::Display) -> ContentError {
        ContentError::parsing(self.class, field, reason)
    }

    /// Runs a custom validator; its message carries the property's JavaScript type.
    pub fn check<T: ?Sized>(
        &self,
        field: &str,
        ty: &str,
        value: &T,
        check: fn(&T) -> Option<String>,
    ) -> Result<()> {
        match check(value) {
            Some(reason) => Err(ContentError::validation(self.class, field, ty, reason)),
            None => Ok(()),
        }
    }

    /// The value if present; JSON `null` counts as present here (serval tells them apart).
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field)
    }

    pub fn defined(&self, field: &str) -> Result<&'a Value> {
        match self.map.get(field) {
            None | Some(Value::Null) => Err(self.error(field, "Value is not defined")),
            Some(value) => Ok(value),
        }
    }

    pub fn string(&self, field: &str, rule: Str) -> Result<String> {
        string_rules(self.class, field, self.defined(field)?, rule)
    }

    pub fn opt_string(&self, field: &str, rule: Str) -> Result<Option<String>> {
        self.get(field)
            .map(|v| string_rules(self.class, field, v, rule))
            .transpose()
    }

    pub fn boolean(&self, field: &str) -> Result<bool> {
        boolean(self.class, field, self.defined(field)?)
    }

    pub fn opt_boolean(&self, field: &str) -> Result<Option<bool>> {
        self.get(field)
            .map(|v| boolean(self.class, field, v))
            .transpose()
    }

    pub fn number(&self, field: &str, rule: Num) -> Result<JsNumber> {
        number(self.class, field, self.defined(field)?, rule)
    }

    pub fn opt_number(&self, field: &str, rule: Num) -> Result<Option<JsNumber>> {
        self.get(field)
            .map(|v| number(self.class, field, v, rule))
            .transpose()
    }

    /// An `any` property: kept as given.
    pub fn any(&self, field: &str) -> Result<Value> {
        self.defined(field).map(js_json)
    }

    /// `metadata`-like free objects.
    pub fn opt_object(&self, field: &str) -> Result<Option<Value>> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value @ Value::Object(_)) => Ok(Some(js_json(value))),
            Some(_) => Err(self.error(field, "Value is not an Object and no instance of Object.")),
        }
    }

    /// A date (`CoreDate`), printed back as the runtime prints dates.
    pub fn date(&self, field: &str) -> Result<String> {
        crate::dates::core_date(self.defined(field)?)
    }

    pub fn opt_date(&self, field: &str) -> Result<Option<String>> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => crate::dates::core_date(value).map(Some),
        }
    }

    /// An address or id (`CoreAddress`, `CoreId`): any string; the runtime's schemas check
    /// formats, the content classes do not.
    pub fn core_string(&self, field: &str, core: &str) -> Result<String> {
        core_string(core, self.defined(field)?)
    }

    pub fn opt_core_string(&self, field: &str, core: &str) -> Result<Option<String>> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => core_string(core, value).map(Some),
        }
    }

    /// A typed, non-polymorphic property (`onNewRelationship: Request`).
    pub fn object<C: Class>(&self, field: &str) -> Result<C> {
        parse_class(self.class, field, self.defined(field)?)
    }

    pub fn opt_object_of<C: Class>(&self, field: &str) -> Result<Option<C>> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => parse_class(self.class, field, value).map(Some),
        }
    }

    /// A polymorphic property; `allowed` is the official list, e.g. `(A|B)`.
    pub fn union<U: Union>(&self, field: &str, allowed: &str) -> Result<U> {
        parse_union(self.class, field, self.defined(field)?, allowed)
    }

    /// An array property; `None` when absent. Anything else than an array is serval's own
    /// `Value is not an Array.` without a class or field.
    pub fn opt_array(&self, field: &str) -> Result<Option<&'a Vec<Value>>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(ContentError::new(
                ErrorKind::Serval,
                "Value is not an Array.",
            )),
        }
    }

    pub fn array(&self, field: &str) -> Result<&'a Vec<Value>> {
        self.defined(field)?;
        self.opt_array(field)?
            .ok_or_else(|| self.error(field, "Value is not defined"))
    }

    /// Parses every item; an item's error is wrapped as serval wraps it, naming the item type.
    pub fn items<T>(
        &self,
        field: &str,
        items: &[Value],
        item_type: &str,
        parse: impl Fn(&Value) -> Result<T>,
    ) -> Result<Vec<T>> {
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                parse(item).map_err(|inner| {
                    if inner.on_print {
                        return inner;
                    }
                    self.error(
                        field,
                        format!(
                            "Item with index {index} could not be deserialized to a {item_type} ({})",
                            inner.message
                        ),
                    )
                })
            })
            .collect()
    }

    /// A `string[]` property whose items are checked against `rule`.
    pub fn strings(&self, field: &str, items: &[Value], rule: Str) -> Result<Vec<String>> {
        let item_field = format!("{field}[]");
        self.items(field, items, "String", |v| {
            string_rules(self.class, &item_field, v, rule)
        })
    }

    /// A `CoreAddress[]` property.
    pub fn addresses(&self, field: &str, items: &[Value]) -> Result<Vec<String>> {
        self.items(field, items, "CoreAddress", |v| {
            core_string("CoreAddress", v)
        })
    }

    /// A property typed with a string value class (`city: City`): the plain string or a
    /// `{value}` object, judged under the value class's name.
    pub fn sub_string(
        &self,
        field: &str,
        class: &'static str,
        rule: Str,
        check: Option<Check<str>>,
    ) -> Result<String> {
        self.sub_value(field, class, self.defined(field)?, |class, v| {
            string_value(class, v, rule, check)
        })
    }

    pub fn opt_sub_string(
        &self,
        field: &str,
        class: &'static str,
        rule: Str,
        check: Option<Check<str>>,
    ) -> Result<Option<String>> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => self
                .sub_value(field, class, value, |class, v| {
                    string_value(class, v, rule, check)
                })
                .map(Some),
        }
    }

    /// A property typed with a number value class (`day: BirthDay`).
    pub fn sub_number(
        &self,
        field: &str,
        class: &'static str,
        check: Check<JsNumber>,
    ) -> Result<JsNumber> {
        self.sub_value(field, class, self.defined(field)?, |class, v| {
            number_value(class, v, check)
        })
    }

    /// A value class object may name its class, or a subclass (`BirthCity` for `City`), which
    /// then judges it; any other `@type` does not fit.
    fn sub_value<T>(
        &self,
        field: &str,
        class: &'static str,
        value: &Value,
        read: impl Fn(&'static str, &Value) -> Result<T>,
    ) -> Result<T> {
        match type_of(value)? {
            None => read(class, value),
            Some(t) if t == class => read(class, value),
            Some(t) => match SUBCLASSES
                .iter()
                .find(|(parent, sub)| *parent == class && *sub == t)
            {
                Some((_, sub)) => read(sub, value),
                None => Err(foreign(self.class, field, t, value, class)),
            },
        }
    }
}

/// The value classes that extend another one.
const SUBCLASSES: [(&str, &str); 3] = [
    ("City", "BirthCity"),
    ("State", "BirthState"),
    ("Country", "BirthCountry"),
];

fn string_rules(class: &str, field: &str, value: &Value, rule: Str) -> Result<String> {
    let Value::String(s) = value else {
        return Err(ContentError::parsing(class, field, "Value is not a string"));
    };
    let len = js_len(s);
    if let Some(min) = rule.min.filter(|&min| len < min) {
        return Err(ContentError::parsing(
            class,
            field,
            format!("Value is shorter than {min} characters"),
        ));
    }
    if let Some(max) = rule.max.filter(|&max| len > max) {
        return Err(ContentError::parsing(
            class,
            field,
            format!("Value is longer than {max} characters"),
        ));
    }
    if let Some(pattern) = rule.pattern.filter(|p| !p.matches(s)) {
        return Err(ContentError::parsing(
            class,
            field,
            format!(
                "Value does not match regular expression {}",
                pattern.display
            ),
        ));
    }
    Ok(s.clone())
}

fn boolean(class: &str, field: &str, value: &Value) -> Result<bool> {
    value
        .as_bool()
        .ok_or_else(|| ContentError::parsing(class, field, "Value is not a boolean"))
}

fn number(class: &str, field: &str, value: &Value, rule: Num) -> Result<JsNumber> {
    let Some(n) = value.as_f64() else {
        return Err(ContentError::parsing(
            class,
            field,
            "Value is not a number.",
        ));
    };
    if let Some(min) = rule.min.filter(|&min| n < min) {
        return Err(ContentError::parsing(
            class,
            field,
            format!("Value is below threshold of {}", JsNumber(min).display()),
        ));
    }
    if let Some(max) = rule.max.filter(|&max| n > max) {
        return Err(ContentError::parsing(
            class,
            field,
            format!("Value is above threshold of {}", JsNumber(max).display()),
        ));
    }
    Ok(JsNumber(n))
}

impl JsNumber {
    /// The number as JavaScript prints it in text.
    pub(crate) fn display(self) -> String {
        serde_json::to_string(&self).unwrap_or_default()
    }
}

/// A string value class (`GivenName`, `City`, …): its `preFrom` takes a bare primitive as
/// `{value}`.
pub(crate) fn string_value(
    class: &'static str,
    value: &Value,
    rule: Str,
    check: Option<Check<str>>,
) -> Result<String> {
    let s = match value {
        Value::Object(_) => Fields::of(class, value)?.string("value", rule)?,
        // An array is an object to JavaScript: it has no `value`.
        Value::Array(_) => {
            return Err(ContentError::parsing(
                class,
                "value",
                "Value is not defined",
            ));
        }
        other => string_rules(class, "value", other, rule)?,
    };
    if let Some(reason) = check.and_then(|check| check(&s)) {
        return Err(ContentError::validation(class, "value", "String", reason));
    }
    Ok(s)
}

/// A number value class (`BirthDay`, …), with the same shorthand.
pub(crate) fn number_value(
    class: &'static str,
    value: &Value,
    check: Check<JsNumber>,
) -> Result<JsNumber> {
    let n = match value {
        Value::Object(_) => Fields::of(class, value)?.number("value", Num::ANY)?,
        Value::Array(_) => {
            return Err(ContentError::parsing(
                class,
                "value",
                "Value is not defined",
            ));
        }
        other => number(class, "value", other, Num::ANY)?,
    };
    match check(&n) {
        Some(reason) => Err(ContentError::validation(class, "value", "Number", reason)),
        None => Ok(n),
    }
}

/// `CoreAddress.from()` / `CoreId.from()`: a string, or an object holding it.
fn core_string(core: &str, value: &Value) -> Result<String> {
    let inner = if core == "CoreId" { "id" } else { "address" };
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Object(map) => match map.get(inner) {
            Some(Value::String(s)) => Ok(s.clone()),
            None | Some(Value::Null) => {
                Err(ContentError::parsing(core, inner, "Value is not defined"))
            }
            Some(_) => Err(ContentError::parsing(core, inner, "Value is not a string")),
        },
        Value::Array(_) => Err(ContentError::parsing(core, inner, "Value is not defined")),
        other => Err(ContentError::parsing(
            core,
            "from()",
            format!("Parameter must be an object - is '{}'", kind_of(other)),
        )),
    }
}

pub(crate) fn not_instance(class: &str, field: &str, allowed: &str) -> ContentError {
    ContentError::parsing(
        class,
        field,
        format!("Parsed object is not an instance of any allowed types {allowed}."),
    )
}

/// serval parses an object with an `@type` as that type first and only then asks whether it
/// fits the field: errors of the foreign type surface before the "not an instance" one.
fn foreign(
    class: &str,
    field: &str,
    type_name: &str,
    value: &Value,
    allowed: &str,
) -> ContentError {
    match registry::parse_any(type_name, value) {
        Err(e) => e,
        Ok(()) => not_instance(class, field, allowed),
    }
}

pub(crate) fn parse_class<C: Class>(class: &str, field: &str, value: &Value) -> Result<C> {
    match type_of(value)? {
        Some(t) if t != C::NAME => Err(foreign(class, field, t, value, C::NAME)),
        _ => C::parse(value),
    }
}

pub(crate) fn parse_union<U: Union>(
    class: &str,
    field: &str,
    value: &Value,
    allowed: &str,
) -> Result<U> {
    match type_of(value)? {
        Some(t) => match U::parse_member(t, value) {
            Some(result) => result,
            None => Err(foreign(class, field, t, value, allowed)),
        },
        None => Err(not_instance(class, field, allowed)),
    }
}

/// Serialises `body` with `"@type": type_name` in front, as `toJSON()` does at the top level
/// and where a class overrides `toJSON()`.
pub(crate) fn with_type<S: serde::Serializer, T: Serialize>(
    serializer: S,
    type_name: &str,
    body: &T,
) -> std::result::Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Typed<'a, T> {
        #[serde(rename = "@type")]
        type_name: &'a str,
        #[serde(flatten)]
        body: &'a T,
    }
    Typed { type_name, body }.serialize(serializer)
}
