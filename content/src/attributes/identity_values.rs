//! The 25 identity attribute value types (`AttributeValues.Identity`): 24 editable ones and
//! `SchematizedXML`. Plain string types share [`StringValue`]; the complex ones have their own
//! struct. Their sub-values (`city`, `day`, …) are value classes in the official library,
//! serialised as bare primitives; here they are plain fields judged under the sub-class name.

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

use super::value_kinds::{
    COUNTRY, EMAIL, FILE_REFERENCE, LANGUAGE, PHONE, SEX, StringKind, TEXT, WEB_URL, XML,
};
use crate::error::ContentError;
use crate::formats::XML_SCHEMA_URL;
use crate::parse::{Check, Fields, JsNumber, Result, Str, Union, number_value, string_value};

/// The identity value type names in the official order (it shows in messages).
pub const IDENTITY_VALUE_TYPES: [&str; 25] = [
    "Affiliation",
    "BirthDate",
    "BirthName",
    "BirthPlace",
    "Citizenship",
    "CommunicationLanguage",
    "DeliveryBoxAddress",
    "DisplayName",
    "EMailAddress",
    "FaxNumber",
    "GivenName",
    "HonorificPrefix",
    "HonorificSuffix",
    "IdentityFileReference",
    "JobTitle",
    "Nationality",
    "MiddleName",
    "PhoneNumber",
    "PostOfficeBoxAddress",
    "Pseudonym",
    "Sex",
    "StreetAddress",
    "Surname",
    "Website",
    "SchematizedXML",
];

/// `IdentityAttribute.value`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum IdentityValue {
    Affiliation(Affiliation),
    BirthDate(BirthDate),
    BirthName(StringValue),
    BirthPlace(BirthPlace),
    Citizenship(StringValue),
    CommunicationLanguage(StringValue),
    DeliveryBoxAddress(DeliveryBoxAddress),
    DisplayName(StringValue),
    EMailAddress(StringValue),
    FaxNumber(StringValue),
    GivenName(StringValue),
    HonorificPrefix(StringValue),
    HonorificSuffix(StringValue),
    IdentityFileReference(StringValue),
    JobTitle(StringValue),
    Nationality(StringValue),
    MiddleName(StringValue),
    PhoneNumber(StringValue),
    PostOfficeBoxAddress(PostOfficeBoxAddress),
    Pseudonym(StringValue),
    Sex(StringValue),
    StreetAddress(StreetAddress),
    Surname(StringValue),
    Website(StringValue),
    SchematizedXML(SchematizedXml),
}

/// A value type that is one string (`GivenName`, `EMailAddress`, `Nationality`, …).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct StringValue {
    pub value: String,
}

impl StringValue {
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
        }
    }

    pub(crate) fn parse(class: &'static str, value: &Value, kind: StringKind) -> Result<Self> {
        string_value(class, value, kind.rule, kind.check).map(|value| Self { value })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Affiliation {
    pub organization: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct BirthDate {
    pub day: JsNumber,
    pub month: JsNumber,
    pub year: JsNumber,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BirthPlace {
    pub city: String,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StreetAddress {
    pub recipient: String,
    pub street: String,
    pub house_no: String,
    pub zip_code: String,
    pub city: String,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PostOfficeBoxAddress {
    pub recipient: String,
    pub box_id: String,
    pub zip_code: String,
    pub city: String,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryBoxAddress {
    pub recipient: String,
    pub user_id: String,
    pub delivery_box_id: String,
    pub zip_code: String,
    pub city: String,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SchematizedXml {
    pub value: String,
    #[serde(rename = "schemaURL", skip_serializing_if = "Option::is_none")]
    pub schema_url: Option<String>,
}

/// A sub-value that is an `AbstractString` (`City`, `Street`, …).
fn text(fields: &Fields, field: &str, class: &'static str) -> Result<String> {
    fields.sub_string(field, class, TEXT.rule, None)
}

fn opt_text(fields: &Fields, field: &str, class: &'static str) -> Result<Option<String>> {
    fields.opt_sub_string(field, class, TEXT.rule, None)
}

fn country(fields: &Fields, field: &str, class: &'static str) -> Result<String> {
    fields.sub_string(field, class, COUNTRY.rule, COUNTRY.check)
}

impl Affiliation {
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of("Affiliation", value)?;
        Ok(Self {
            role: opt_text(&f, "role", "AffiliationRole")?,
            organization: text(&f, "organization", "AffiliationOrganization")?,
            unit: opt_text(&f, "unit", "AffiliationUnit")?,
        })
    }
}

impl BirthDate {
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of("BirthDate", value)?;
        let date = Self {
            day: f.sub_number("day", "BirthDay", day)?,
            month: f.sub_number("month", "BirthMonth", month)?,
            year: f.sub_number("year", "BirthYear", year)?,
        };
        date.check_calendar()?;
        Ok(date)
    }

    /// The official `postFrom`: a real calendar day, not after today (UTC).
    fn check_calendar(&self) -> Result<()> {
        let whole = |n: JsNumber| n.0 as i64;
        let day = NaiveDate::from_ymd_opt(
            whole(self.year) as i32,
            whole(self.month) as u32,
            whole(self.day) as u32,
        );
        let reason = match day {
            None => "The BirthDate is not a valid date.",
            Some(day) if day > Utc::now().date_naive() => {
                "You cannot enter a BirthDate that is in the future."
            }
            Some(_) => return Ok(()),
        };
        Err(ContentError::new(
            crate::error::ErrorKind::Deserialization,
            format!("BirthDate :: {reason}"),
        ))
    }
}

/// `must be an integer value between min and max` unless `n` is one.
fn between(n: &JsNumber, min: i64, max: i64) -> Option<String> {
    (!n.is_integer() || n.0 < min as f64 || n.0 > max as f64)
        .then(|| format!("must be an integer value between {min} and {max}"))
}

fn day(n: &JsNumber) -> Option<String> {
    between(n, 1, 31)
}

fn month(n: &JsNumber) -> Option<String> {
    between(n, 1, 12)
}

fn year(n: &JsNumber) -> Option<String> {
    between(n, 1, 9999)
}

impl BirthPlace {
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of("BirthPlace", value)?;
        Ok(Self {
            city: text(&f, "city", "BirthCity")?,
            country: country(&f, "country", "BirthCountry")?,
            state: opt_text(&f, "state", "BirthState")?,
        })
    }
}

/// The parts every postal address has, parsed once for the three address types, in
/// serval's order: the class's own fields, then `recipient` of the parent class.
struct Postal {
    zip_code: String,
    city: String,
    country: String,
    phone_number: Option<String>,
    state: Option<String>,
    recipient: String,
}

impl Postal {
    fn parse(f: &Fields, with_phone_number: bool) -> Result<Self> {
        let zip_code = text(f, "zipCode", "ZipCode")?;
        let city = text(f, "city", "City")?;
        let country = country(f, "country", "Country")?;
        let phone_number = match with_phone_number {
            true => f.opt_sub_string("phoneNumber", "PhoneNumber", PHONE.rule, None)?,
            false => None,
        };
        Ok(Self {
            zip_code,
            city,
            country,
            phone_number,
            state: opt_text(f, "state", "State")?,
            recipient: f.string("recipient", Str::max(100))?,
        })
    }
}

impl StreetAddress {
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of("StreetAddress", value)?;
        let street = text(&f, "street", "Street")?;
        let house_no = text(&f, "houseNo", "HouseNumber")?;
        let p = Postal::parse(&f, false)?;
        Ok(Self {
            recipient: p.recipient,
            street,
            house_no,
            zip_code: p.zip_code,
            city: p.city,
            country: p.country,
            state: p.state,
        })
    }
}

impl PostOfficeBoxAddress {
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of("PostOfficeBoxAddress", value)?;
        let box_id = f.string("boxId", Str::max(100))?;
        let p = Postal::parse(&f, false)?;
        Ok(Self {
            recipient: p.recipient,
            box_id,
            zip_code: p.zip_code,
            city: p.city,
            country: p.country,
            state: p.state,
        })
    }
}

impl DeliveryBoxAddress {
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of("DeliveryBoxAddress", value)?;
        let user_id = f.string("userId", Str::max(100))?;
        let delivery_box_id = f.string("deliveryBoxId", Str::max(100))?;
        let p = Postal::parse(&f, true)?;
        Ok(Self {
            recipient: p.recipient,
            user_id,
            delivery_box_id,
            zip_code: p.zip_code,
            city: p.city,
            country: p.country,
            phone_number: p.phone_number,
            state: p.state,
        })
    }
}

impl SchematizedXml {
    fn parse(value: &Value) -> Result<Self> {
        let schema_url = match value {
            Value::Object(_) => Fields::of("SchematizedXML", value)?
                .opt_string("schemaURL", Str::between(3, 1024).matching(&XML_SCHEMA_URL))?,
            _ => None,
        };
        Ok(Self {
            value: string_value("SchematizedXML", value, XML.rule, None)?,
            schema_url,
        })
    }
}

impl Union for IdentityValue {
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>> {
        use IdentityValue as V;
        let s = |class: &'static str, kind: StringKind| StringValue::parse(class, value, kind);
        Some(match type_name {
            "Affiliation" => Affiliation::parse(value).map(V::Affiliation),
            "BirthDate" => BirthDate::parse(value).map(V::BirthDate),
            "BirthName" => s("BirthName", TEXT).map(V::BirthName),
            "BirthPlace" => BirthPlace::parse(value).map(V::BirthPlace),
            "Citizenship" => s("Citizenship", COUNTRY).map(V::Citizenship),
            "CommunicationLanguage" => {
                s("CommunicationLanguage", LANGUAGE).map(V::CommunicationLanguage)
            }
            "DeliveryBoxAddress" => DeliveryBoxAddress::parse(value).map(V::DeliveryBoxAddress),
            "DisplayName" => s("DisplayName", TEXT).map(V::DisplayName),
            "EMailAddress" => s("EMailAddress", EMAIL).map(V::EMailAddress),
            "FaxNumber" => s("FaxNumber", PHONE).map(V::FaxNumber),
            "GivenName" => s("GivenName", TEXT).map(V::GivenName),
            "HonorificPrefix" => s("HonorificPrefix", TEXT).map(V::HonorificPrefix),
            "HonorificSuffix" => s("HonorificSuffix", TEXT).map(V::HonorificSuffix),
            "IdentityFileReference" => {
                s("IdentityFileReference", FILE_REFERENCE).map(V::IdentityFileReference)
            }
            "JobTitle" => s("JobTitle", TEXT).map(V::JobTitle),
            "Nationality" => s("Nationality", COUNTRY).map(V::Nationality),
            "MiddleName" => s("MiddleName", TEXT).map(V::MiddleName),
            "PhoneNumber" => s("PhoneNumber", PHONE).map(V::PhoneNumber),
            "PostOfficeBoxAddress" => {
                PostOfficeBoxAddress::parse(value).map(V::PostOfficeBoxAddress)
            }
            "Pseudonym" => s("Pseudonym", TEXT).map(V::Pseudonym),
            "Sex" => s("Sex", SEX).map(V::Sex),
            "StreetAddress" => StreetAddress::parse(value).map(V::StreetAddress),
            "Surname" => s("Surname", TEXT).map(V::Surname),
            "Website" => s("Website", WEB_URL).map(V::Website),
            "SchematizedXML" => SchematizedXml::parse(value).map(V::SchematizedXML),
            _ => return None,
        })
    }
}

impl IdentityValue {
    /// The `@type` of this value.
    pub fn type_name(&self) -> &'static str {
        use IdentityValue as V;
        match self {
            V::Affiliation(_) => "Affiliation",
            V::BirthDate(_) => "BirthDate",
            V::BirthName(_) => "BirthName",
            V::BirthPlace(_) => "BirthPlace",
            V::Citizenship(_) => "Citizenship",
            V::CommunicationLanguage(_) => "CommunicationLanguage",
            V::DeliveryBoxAddress(_) => "DeliveryBoxAddress",
            V::DisplayName(_) => "DisplayName",
            V::EMailAddress(_) => "EMailAddress",
            V::FaxNumber(_) => "FaxNumber",
            V::GivenName(_) => "GivenName",
            V::HonorificPrefix(_) => "HonorificPrefix",
            V::HonorificSuffix(_) => "HonorificSuffix",
            V::IdentityFileReference(_) => "IdentityFileReference",
            V::JobTitle(_) => "JobTitle",
            V::Nationality(_) => "Nationality",
            V::MiddleName(_) => "MiddleName",
            V::PhoneNumber(_) => "PhoneNumber",
            V::PostOfficeBoxAddress(_) => "PostOfficeBoxAddress",
            V::Pseudonym(_) => "Pseudonym",
            V::Sex(_) => "Sex",
            V::StreetAddress(_) => "StreetAddress",
            V::Surname(_) => "Surname",
            V::Website(_) => "Website",
            V::SchematizedXML(_) => "SchematizedXML",
        }
    }
}

/// The value classes of the complex values' parts (`City`, `BirthDay`, …). They are known
/// types, though never a member of a union: an object naming one parses, then fits nowhere.
pub(crate) fn parse_part(type_name: &str, value: &Value) -> Option<Result<()>> {
    const TEXT_PARTS: [&str; 10] = [
        "Street",
        "HouseNumber",
        "ZipCode",
        "City",
        "State",
        "BirthCity",
        "BirthState",
        "AffiliationOrganization",
        "AffiliationRole",
        "AffiliationUnit",
    ];
    const COUNTRY_PARTS: [&str; 2] = ["Country", "BirthCountry"];
    if let Some(class) = TEXT_PARTS.iter().find(|c| **c == type_name) {
        return Some(string_value(class, value, TEXT.rule, None).map(drop));
    }
    if let Some(class) = COUNTRY_PARTS.iter().find(|c| **c == type_name) {
        return Some(string_value(class, value, COUNTRY.rule, COUNTRY.check).map(drop));
    }
    let (class, check): (&'static str, Check<JsNumber>) = match type_name {
        "BirthDay" => ("BirthDay", day),
        "BirthMonth" => ("BirthMonth", month),
        "BirthYear" => ("BirthYear", year),
        _ => return None,
    };
    Some(number_value(class, value, check).map(drop))
}
