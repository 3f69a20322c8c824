//! The string formats of the official value types (e-mail, phone, URL, colour, links, codes).
//! Each pattern carries the text the official `RegExp` prints, because serval quotes it in
//! its message (`Value does not match regular expression /.../`).

use regex::Regex;
use std::sync::LazyLock;

use crate::code_lists::{COUNTRIES, LANGUAGES};

/// A format check and the JavaScript regular expression it stands for.
pub(crate) struct Pattern {
    pub display: &'static str,
    regex: &'static LazyLock<Regex>,
    /// Set when the JavaScript expression cannot be written for Rust's engine as it is.
    by_hand: Option<fn(&str) -> bool>,
}

impl Pattern {
    pub fn matches(&self, value: &str) -> bool {
        match self.by_hand {
            Some(check) => check(value),
            None => self.regex.is_match(value),
        }
    }
}

/// `\w` in JavaScript is ASCII only, and `/i` does not fold non-ASCII letters onto ASCII ones:
/// the patterns below spell classes out and switch Unicode off where `/i` is set.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9ÄäÖöÜüß](?:[A-Za-z0-9ÄäÖöÜüß-]{0,61}[A-Za-z0-9ÄäÖöÜüß])?\.)+[A-Za-z0-9ÄäÖöÜüß][A-Za-z0-9ÄäÖöÜüß-]{0,61}[A-Za-z0-9ÄäÖöÜüß]$",
    )
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| regex(r"^[0-9+\-x#*()/\[\] ]{3,100}$"));
/// The URL pattern after its optional scheme and `www.` (see [`url_matches`]).
static URL_HOST_AND_PATH: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^(?:[A-Za-z0-9ÄäÖöÜüß](?:[A-Za-zÄäÖöÜüß0-9-]{0,61}[A-Za-zÄäÖöÜüß0-9])?\.)+(?:[A-Za-z0-9ÄäÖöÜüß](?:[A-Za-zÄäÖöÜüß0-9-]{0,61}[A-Za-zÄäÖöÜüß0-9])?)(?::[0-9]+)?(?:/[A-Za-zÄäÖöÜüß0-9?#@!$&'()*+,;=%-]*)*$",
    )
});
static URL_SCHEME: LazyLock<Regex> = LazyLock::new(|| regex(r"^[A-Za-z]+://"));
static HEX_COLOR: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i-u)^#(?:[0-9A-F]{3}){1,2}$"));
static SCHEMA_URL: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^((([A-Za-z]{3,9}:(?://)?)(?:[-;:&=+$,A-Za-z0-9_]+@)?[A-Za-z0-9.-]+|(?:www\.|[-;:&=+$,A-Za-z0-9_]+@)[A-Za-z0-9.-]+)((?:/[+~%/\\.A-Za-z0-9_\-]*)?\??(?:[-+=&;%@.A-Za-z0-9_]*)#?(?:[.!/\\A-Za-z0-9_]*))?)$",
    )
});
static CONSENT_LINK: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i-u)^((([A-Za-z]{3,9}:(?://)?)(?:[\-;:&=+$,A-Za-z0-9_]+@)?[A-Za-z0-9.\-]+|(?:www\.|[\-;:&=+$,A-Za-z0-9_]+@)[A-Za-z0-9.\-]+)((?:/[+~%/.A-Za-z0-9_\-]*)?\??(?:[\-+=&;%@.A-Za-z0-9_]*)#?(?:[.!/\\A-Za-z0-9_]*))?)$",
    )
});

fn regex(pattern: &str) -> Regex {
    // The patterns are constants of this file; a typo is a bug the first test run shows.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad built-in pattern {pattern}: {e}"))
}

/// The official URL pattern has `((www\.)|(?!www\.))` after the scheme: a leading `www.` is
/// always taken as that prefix, never as a host label (so `www.com` is refused). Rust's engine
/// has no look-ahead, so the prefix is taken off by hand.
fn url_matches(value: &str) -> bool {
    let rest = match URL_SCHEME.find(value) {
        Some(scheme) => &value[scheme.end()..],
        None => value,
    };
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    URL_HOST_AND_PATH.is_match(rest)
}

pub(crate) static EMAIL_ADDRESS: Pattern = Pattern {
    display: r"/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9ÄäÖöÜüß]([A-Za-z0-9ÄäÖöÜüß-]{0,61}[A-Za-z0-9ÄäÖöÜüß])?\.)+[A-Za-z0-9ÄäÖöÜüß][A-Za-z0-9ÄäÖöÜüß-]{0,61}[A-Za-z0-9ÄäÖöÜüß]$/",
    regex: &EMAIL,
    by_hand: None,
};
pub(crate) static PHONE_NUMBER: Pattern = Pattern {
    display: r"/^[\d+\-x#*()/[\] ]{3,100}$/",
    regex: &PHONE,
    by_hand: None,
};
pub(crate) static URL: Pattern = Pattern {
    display: r"/^([A-Za-z]+:\/\/)?((www\.)|(?!www\.))([A-Za-z0-9ÄäÖöÜüß]([A-Za-zÄäÖöÜüß0-9-]{0,61}[A-Za-zÄäÖöÜüß0-9])?\.)+([A-Za-z0-9ÄäÖöÜüß]([A-Za-zÄäÖöÜüß0-9-]{0,61}[A-Za-zÄäÖöÜüß0-9])?)(:[0-9]+)?(\/[A-Za-zÄäÖöÜüß0-9?#@!$&'()*+,;=%-]*)*$/",
    regex: &URL_HOST_AND_PATH,
    by_hand: Some(url_matches),
};
pub(crate) static HEX: Pattern = Pattern {
    display: r"/^#([0-9A-F]{3}){1,2}$/i",
    regex: &HEX_COLOR,
    by_hand: None,
};
/// `schemaURL` of `SchematizedXML` and `ProprietaryXML`.
pub(crate) static XML_SCHEMA_URL: Pattern = Pattern {
    display: r"/^((([A-Za-z]{3,9}:(?:\/\/)?)(?:[-;:&=+$,\w]+@)?[A-Za-z0-9.-]+|(?:www\.|[-;:&=+$,\w]+@)[A-Za-z0-9.-]+)((?:\/[+~%/\\.\w\-_]*)?\??(?:[-+=&;%@.\w_]*)#?(?:[.!/\\\w]*))?)$/",
    regex: &SCHEMA_URL,
    by_hand: None,
};
/// `link` of `Consent` and `ConsentRequestItem`.
pub(crate) static LINK: Pattern = Pattern {
    display: r"/^((([A-Za-z]{3,9}:(?:\/\/)?)(?:[\-;:&=\+\$,\w]+@)?[A-Za-z0-9\.\-]+|(?:www\.|[\-;:&=\+\$,\w]+@)[A-Za-z0-9\.\-]+)((?:\/[\+~%\/\.\w\-_]*)?\??(?:[\-\+=&;%@\.\w_]*)#?(?:[\.\!\/\\\w]*))?)$/i",
    regex: &CONSENT_LINK,
    by_hand: None,
};

/// `must be one of: a,b,c`, as the official enumeration validators word it.
pub(crate) fn one_of(value: &str, allowed: &[&str]) -> Option<String> {
    (!allowed.contains(&value)).then(|| format!("must be one of: {}", allowed.join(",")))
}

pub(crate) fn country(value: &str) -> Option<String> {
    one_of(value, &COUNTRIES)
}

pub(crate) fn language(value: &str) -> Option<String> {
    one_of(value, &LANGUAGES)
}

/// String lengths as JavaScript counts them: UTF-16 code units.
pub(crate) fn js_len(value: &str) -> usize {
    value.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_treat_a_leading_www_as_prefix_only() {
        for ok in [
            "example.org",
            "https://www.example.com/a?b=1",
            "x.de:8080/p",
            "http://www.x.com",
        ] {
            assert!(URL.matches(ok), "{ok}");
        }
        for bad in ["www.com", "no", "http://", "exa mple.org"] {
            assert!(!URL.matches(bad), "{bad}");
        }
    }

    #[test]
    fn every_pattern_compiles() {
        for p in [
            &EMAIL_ADDRESS,
            &PHONE_NUMBER,
            &URL,
            &HEX,
            &XML_SCHEMA_URL,
            &LINK,
        ] {
            p.matches("x");
        }
    }
}
