//! The 14 relationship attribute value types (`AttributeValues.Relationship`): the
//! `Proprietary*` family (a title, an optional description and hints override, and a value
//! with the rules of the matching abstract class) and `Consent`.

use serde::Serialize;
use serde_json::Value;

use super::hints::ValueHintsOverride;
use super::value_kinds::{
    self, COUNTRY, EMAIL, FILE_REFERENCE, HEX_COLOR, LANGUAGE, PHONE, StringKind, TEXT, WEB_URL,
    XML,
};
use crate::formats::{LINK, XML_SCHEMA_URL};
use crate::parse::{Check, Fields, JsNumber, Result, Str, Union, number_value, string_value};

/// The relationship value type names in the official order.
pub const RELATIONSHIP_VALUE_TYPES: [&str; 14] = [
    "ProprietaryBoolean",
    "ProprietaryCountry",
    "ProprietaryEMailAddress",
    "ProprietaryFileReference",
    "ProprietaryFloat",
    "ProprietaryHEXColor",
    "ProprietaryInteger",
    "ProprietaryLanguage",
    "ProprietaryPhoneNumber",
    "ProprietaryString",
    "ProprietaryURL",
    "ProprietaryJSON",
    "ProprietaryXML",
    "Consent",
];

/// `RelationshipAttribute.value`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum RelationshipValue {
    ProprietaryBoolean(Proprietary<bool>),
    ProprietaryCountry(Proprietary<String>),
    ProprietaryEMailAddress(Proprietary<String>),
    ProprietaryFileReference(Proprietary<String>),
    ProprietaryFloat(Proprietary<JsNumber>),
    ProprietaryHEXColor(Proprietary<String>),
    ProprietaryInteger(Proprietary<JsNumber>),
    ProprietaryLanguage(Proprietary<String>),
    ProprietaryPhoneNumber(Proprietary<String>),
    ProprietaryString(Proprietary<String>),
    ProprietaryURL(Proprietary<String>),
    ProprietaryJSON(ProprietaryJson),
    ProprietaryXML(ProprietaryXml),
    Consent(Consent),
}

/// A `Proprietary*` value: `T` is `String`, `bool` or a number.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Proprietary<T> {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_hints_override: Option<ValueHintsOverride>,
    pub value: T,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ProprietaryJson {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Any JSON.
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProprietaryXml {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "schemaURL", skip_serializing_if = "Option::is_none")]
    pub schema_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_hints_override: Option<ValueHintsOverride>,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    pub consent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_display_text: Option<String>,
}

const TITLE: Str = Str::max(100);
const DESCRIPTION: Str = Str::max(1000);

impl<T> Proprietary<T> {
    fn parse(
        class: &'static str,
        value: &Value,
        read: impl Fn(&Value) -> Result<T>,
    ) -> Result<Self> {
        let f = Fields::of(class, value)?;
        Ok(Self {
            title: f.string("title", TITLE)?,
            description: f.opt_string("description", DESCRIPTION)?,
            value_hints_override: f.opt_object_of("valueHintsOverride")?,
            value: read(value)?,
        })
    }
}

fn text(class: &'static str, value: &Value, kind: StringKind) -> Result<Proprietary<String>> {
    Proprietary::parse(class, value, |v| {
        string_value(class, v, kind.rule, kind.check)
    })
}

fn number(
    class: &'static str,
    value: &Value,
    check: Check<JsNumber>,
) -> Result<Proprietary<JsNumber>> {
    Proprietary::parse(class, value, |v| number_value(class, v, check))
}

impl ProprietaryJson {
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of("ProprietaryJSON", value)?;
        let json = f.any("value")?;
        f.check("value", "Object", &json, |v| {
            (crate::formats::js_len(&v.to_string()) > 4096)
                .then(|| "stringified value must not be longer than 4096 characters".to_owned())
        })?;
        Ok(Self {
            title: f.string("title", TITLE)?,
            description: f.opt_string("description", DESCRIPTION)?,
            value: json,
        })
    }
}

impl ProprietaryXml {
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of("ProprietaryXML", value)?;
        Ok(Self {
            title: f.string("title", TITLE)?,
            description: f.opt_string("description", DESCRIPTION)?,
            schema_url: f
                .opt_string("schemaURL", Str::between(3, 1024).matching(&XML_SCHEMA_URL))?,
            value_hints_override: f.opt_object_of("valueHintsOverride")?,
            value: string_value("ProprietaryXML", value, XML.rule, None)?,
        })
    }
}

/// The consent text and link rules, shared with `ConsentRequestItem`.
pub(crate) struct ConsentFields {
    pub consent: String,
    pub link: Option<String>,
    pub link_display_text: Option<String>,
}

impl ConsentFields {
    pub(crate) fn parse(f: &Fields) -> Result<Self> {
        let consent = f.string("consent", Str::max(10000))?;
        let link = f.opt_string("link", Str::between(3, 1024).matching(&LINK))?;
        let link_display_text = f.opt_string("linkDisplayText", Str::between(3, 30))?;
        if link_display_text.is_some() && link.is_none() {
            return Err(f.error(
                "linkDisplayText",
                "A linkDisplayText can only be defined if a link is defined too.",
            ));
        }
        Ok(Self {
            consent,
            link,
            link_display_text,
        })
    }
}

impl Consent {
    fn parse(value: &Value) -> Result<Self> {
        let c = ConsentFields::parse(&Fields::of("Consent", value)?)?;
        Ok(Self {
            consent: c.consent,
            link: c.link,
            link_display_text: c.link_display_text,
        })
    }
}

impl Union for RelationshipValue {
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>> {
        use RelationshipValue as V;
        Some(match type_name {
            "ProprietaryBoolean" => Proprietary::parse("ProprietaryBoolean", value, |v| {
                let f = Fields::of("ProprietaryBoolean", v)?;
                f.boolean("value")
            })
            .map(V::ProprietaryBoolean),
            "ProprietaryCountry" => {
                text("ProprietaryCountry", value, COUNTRY).map(V::ProprietaryCountry)
            }
            "ProprietaryEMailAddress" => {
                text("ProprietaryEMailAddress", value, EMAIL).map(V::ProprietaryEMailAddress)
            }
            "ProprietaryFileReference" => text("ProprietaryFileReference", value, FILE_REFERENCE)
                .map(V::ProprietaryFileReference),
            "ProprietaryFloat" => {
                number("ProprietaryFloat", value, value_kinds::any_number).map(V::ProprietaryFloat)
            }
            "ProprietaryHEXColor" => {
                text("ProprietaryHEXColor", value, HEX_COLOR).map(V::ProprietaryHEXColor)
            }
            "ProprietaryInteger" => {
                number("ProprietaryInteger", value, value_kinds::integer).map(V::ProprietaryInteger)
            }
            "ProprietaryLanguage" => {
                text("ProprietaryLanguage", value, LANGUAGE).map(V::ProprietaryLanguage)
            }
            "ProprietaryPhoneNumber" => {
                text("ProprietaryPhoneNumber", value, PHONE).map(V::ProprietaryPhoneNumber)
            }
            "ProprietaryString" => text("ProprietaryString", value, TEXT).map(V::ProprietaryString),
            "ProprietaryURL" => text("ProprietaryURL", value, WEB_URL).map(V::ProprietaryURL),
            "ProprietaryJSON" => ProprietaryJson::parse(value).map(V::ProprietaryJSON),
            "ProprietaryXML" => ProprietaryXml::parse(value).map(V::ProprietaryXML),
            "Consent" => Consent::parse(value).map(V::Consent),
            _ => return None,
        })
    }
}

impl RelationshipValue {
    /// The `@type` of this value.
    pub fn type_name(&self) -> &'static str {
        use RelationshipValue as V;
        match self {
            V::ProprietaryBoolean(_) => "ProprietaryBoolean",
            V::ProprietaryCountry(_) => "ProprietaryCountry",
            V::ProprietaryEMailAddress(_) => "ProprietaryEMailAddress",
            V::ProprietaryFileReference(_) => "ProprietaryFileReference",
            V::ProprietaryFloat(_) => "ProprietaryFloat",
            V::ProprietaryHEXColor(_) => "ProprietaryHEXColor",
            V::ProprietaryInteger(_) => "ProprietaryInteger",
            V::ProprietaryLanguage(_) => "ProprietaryLanguage",
            V::ProprietaryPhoneNumber(_) => "ProprietaryPhoneNumber",
            V::ProprietaryString(_) => "ProprietaryString",
            V::ProprietaryURL(_) => "ProprietaryURL",
            V::ProprietaryJSON(_) => "ProprietaryJSON",
            V::ProprietaryXML(_) => "ProprietaryXML",
            V::Consent(_) => "Consent",
        }
    }
}
