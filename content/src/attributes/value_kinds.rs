//! The rules of the official abstract value classes (`AbstractString`, `AbstractEMailAddress`,
//! …), shared by the identity and relationship value types built on them.

use crate::formats::{self, EMAIL_ADDRESS, HEX, PHONE_NUMBER, URL};
use crate::parse::{Check, JsNumber, Str};

/// How a string value class judges its `value`.
#[derive(Clone, Copy)]
pub(crate) struct StringKind {
    pub rule: Str,
    pub check: Option<Check<str>>,
}

/// `AbstractString`: at most 100 characters.
pub(crate) const TEXT: StringKind = StringKind {
    rule: Str::max(100),
    check: None,
};
pub(crate) const EMAIL: StringKind = StringKind {
    rule: Str::between(3, 254).matching(&EMAIL_ADDRESS),
    check: None,
};
pub(crate) const PHONE: StringKind = StringKind {
    rule: Str::between(3, 100).matching(&PHONE_NUMBER),
    check: None,
};
pub(crate) const WEB_URL: StringKind = StringKind {
    rule: Str::between(3, 1024).matching(&URL),
    check: None,
};
pub(crate) const HEX_COLOR: StringKind = StringKind {
    rule: Str::between(4, 9).matching(&HEX),
    check: None,
};
/// `AbstractCountry` replaces the length rule with the code list.
pub(crate) const COUNTRY: StringKind = StringKind {
    rule: Str::ANY,
    check: Some(formats::country),
};
pub(crate) const LANGUAGE: StringKind = StringKind {
    rule: Str::between(2, 2),
    check: Some(formats::language),
};
/// A truncated file reference, judged by length only.
pub(crate) const FILE_REFERENCE: StringKind = StringKind {
    rule: Str::between(30, 150),
    check: None,
};
pub(crate) const XML: StringKind = StringKind {
    rule: Str::max(50000),
    check: None,
};
pub(crate) const SEX: StringKind = StringKind {
    rule: Str::ANY,
    check: Some(|v| formats::one_of(v, &["intersex", "female", "male"])),
};

/// `AbstractInteger`.
pub(crate) fn integer(n: &JsNumber) -> Option<String> {
    (!n.is_integer()).then(|| "must be an integer".to_owned())
}

/// `AbstractFloat` and `AbstractBoolean` have no rule beyond their type.
pub(crate) fn any_number(_: &JsNumber) -> Option<String> {
    None
}
