//! The settings of a `FormFieldRequestItem`: which kind of answer the form field takes.

use serde::Serialize;
use serde_json::Value;

use crate::parse::{Fields, JsNumber, Num, Result, Str, Union};

/// `FormFieldRequestItem.settings`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum FormFieldSettings {
    BooleanFormFieldSettings(BooleanFormFieldSettings),
    DateFormFieldSettings(DateFormFieldSettings),
    DoubleFormFieldSettings(NumberFormFieldSettings),
    IntegerFormFieldSettings(NumberFormFieldSettings),
    RatingFormFieldSettings(RatingFormFieldSettings),
    SelectionFormFieldSettings(SelectionFormFieldSettings),
    StringFormFieldSettings(StringFormFieldSettings),
}

pub(crate) const FORM_FIELD_SETTINGS_UNION: &str = "(BooleanFormFieldSettings|DateFormFieldSettings|DoubleFormFieldSettings|IntegerFormFieldSettings|RatingFormFieldSettings|SelectionFormFieldSettings|StringFormFieldSettings)";

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct BooleanFormFieldSettings {}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DateFormFieldSettings {}

/// `DoubleFormFieldSettings` and `IntegerFormFieldSettings` (whose bounds are integers).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct NumberFormFieldSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<JsNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<JsNumber>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RatingFormFieldSettings {
    /// 5 to 10.
    pub max_rating: JsNumber,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SelectionFormFieldSettings {
    pub options: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_multiple_selection: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StringFormFieldSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_newlines: Option<bool>,
    /// 0 to 4096.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<JsNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<JsNumber>,
}

fn integer(n: &JsNumber) -> Option<String> {
    (!n.is_integer()).then(|| "This value must be an integer.".to_owned())
}

fn opt_integer(f: &Fields, field: &str, rule: Num) -> Result<Option<JsNumber>> {
    let n = f.opt_number(field, rule)?;
    if let Some(n) = &n {
        f.check(field, "Number", n, integer)?;
    }
    Ok(n)
}

const LENGTH: Num = Num {
    min: Some(0.0),
    max: Some(4096.0),
};

impl Union for FormFieldSettings {
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>> {
        use FormFieldSettings as S;
        Some(match type_name {
            "BooleanFormFieldSettings" => Fields::of("BooleanFormFieldSettings", value).map(|_| S::BooleanFormFieldSettings(BooleanFormFieldSettings {})),
            "DateFormFieldSettings" => Fields::of("DateFormFieldSettings", value).map(|_| S::DateFormFieldSettings(DateFormFieldSettings {})),
            "DoubleFormFieldSettings" => Fields::of("DoubleFormFieldSettings", value).and_then(|f| {
                Ok(S::DoubleFormFieldSettings(NumberFormFieldSettings {
                    unit: f.opt_string("unit", Str::ANY)?,
                    min: f.opt_number("min", Num::ANY)?,
                    max: f.opt_number("max", Num::ANY)?,
                }))
            }),
            "IntegerFormFieldSettings" => Fields::of("IntegerFormFieldSettings", value).and_then(|f| {
                Ok(S::IntegerFormFieldSettings(NumberFormFieldSettings {
                    unit: f.opt_string("unit", Str::ANY)?,
                    min: opt_integer(&f, "min", Num::ANY)?,
                    max: opt_integer(&f, "max", Num::ANY)?,
                }))
            }),
            "RatingFormFieldSettings" => Fields::of("RatingFormFieldSettings", value).and_then(|f| {
                let max_rating = f.number("maxRating", Num { min: Some(5.0), max: Some(10.0) })?;
                f.check("maxRating", "Number", &max_rating, integer)?;
                Ok(S::RatingFormFieldSettings(RatingFormFieldSettings { max_rating }))
            }),
            "SelectionFormFieldSettings" => Fields::of("SelectionFormFieldSettings", value).and_then(|f| {
                let options = f.strings("options", f.array("options")?, Str::ANY)?;
                f.check("options", "Array", &options, |options| {
                    options
                        .iter()
                        .any(|o| !(1..=4096).contains(&crate::formats::js_len(o)))
                        .then(|| "An option cannot be shorter than 1 character or longer than 4096 characters.".to_owned())
                })?;
                Ok(S::SelectionFormFieldSettings(SelectionFormFieldSettings {
                    options,
                    allow_multiple_selection: f.opt_boolean("allowMultipleSelection")?,
                }))
            }),
            "StringFormFieldSettings" => Fields::of("StringFormFieldSettings", value).and_then(|f| {
                Ok(S::StringFormFieldSettings(StringFormFieldSettings {
                    allow_newlines: f.opt_boolean("allowNewlines")?,
                    min: opt_integer(&f, "min", LENGTH)?,
                    max: opt_integer(&f, "max", LENGTH)?,
                }))
            }),
            _ => return None,
        })
    }
}
