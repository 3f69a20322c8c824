//! `CoreDate`: the dates in content (`expiresAt`, `deletionDate`), read as the official
//! library reads them (luxon's ISO 8601 forms, zone-less times in UTC) and printed as it prints
//! them (UTC, milliseconds, `Z`).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

use crate::error::{ContentError, ErrorKind};

/// Calendar dates (extended or basic), an optional time (hours, minutes, seconds, a fraction
/// after `.` or `,`) and an optional offset (`Z`, `±hh`, `±hh:mm`, `±hhmm`).
static ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|(\d{2})(\d{2}))?(?:T(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$",
    )
    .unwrap_or_else(|e| panic!("bad built-in date pattern: {e}"))
});

fn other(message: &str) -> ContentError {
    ContentError::new(ErrorKind::Other, message)
}

/// The official `CoreDate` keeps a date it cannot read and fails only when printing it.
fn invalid() -> ContentError {
    other("The date is invalid.").on_print()
}

/// Reads a content date and prints it the official way.
pub(crate) fn core_date(value: &Value) -> Result<String, ContentError> {
    let text = match value {
        Value::String(text) => text.as_str(),
        // `{date}` is the official library's own stored form.
        Value::Object(map) => match map.get("date") {
            Some(Value::String(text)) if !text.is_empty() => text.as_str(),
            _ => {
                return Err(other(
                    "The provided object doesn't have an 'toISOString' string method.",
                ));
            }
        },
        Value::Array(_) => {
            return Err(other(
                "The provided object doesn't have an 'toISOString' string method.",
            ));
        }
        Value::Bool(_) => {
            return Err(other(
                "The provided object is invalid and cannot be deserialized.",
            ));
        }
        // The official library reads a number as milliseconds and prints it with `+00:00`
        // instead of `Z`; a date in content JSON is a string, so we refuse it.
        _ => return Err(invalid()),
    };
    let utc = parse_iso(text).ok_or_else(invalid)?;
    Ok(utc.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    let c = ISO.captures(text)?;
    let number =
        |i: usize, default: u32| c.get(i).map_or(Some(default), |m| m.as_str().parse().ok());
    let year: i32 = c.get(1)?.as_str().parse().ok()?;
    let month = number(2, 1)?.max(number(4, 1)?);
    let day = number(3, 1)?.max(number(5, 1)?);
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let time = NaiveTime::from_hms_opt(number(6, 0)?, number(7, 0)?, number(8, 0)?)?;
    // luxon keeps milliseconds and cuts off what is finer.
    let millis = c.get(9).map_or(0, |m| {
        let digits: String = m.as_str().chars().chain("000".chars()).take(3).collect();
        digits.parse::<i64>().unwrap_or(0)
    });
    let local = date.and_time(time) + Duration::milliseconds(millis);
    let offset = match c.get(10).map(|m| m.as_str()) {
        None | Some("Z") => FixedOffset::east_opt(0)?,
        Some(zone) => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            let hours: i32 = digits.get(..2)?.parse().ok()?;
            let minutes: i32 = digits
                .get(2..)
                .filter(|m| !m.is_empty())
                .map_or(Some(0), |m| m.parse().ok())?;
            FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?
        }
    };
    offset
        .from_local_datetime(&local)
        .single()
        .map(|dt| dt.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn printed(text: &str) -> Option<String> {
        core_date(&json!(text)).ok()
    }

    #[test]
    fn iso_forms_print_in_utc_with_milliseconds() {
        assert_eq!(
            printed("2030-01-02").as_deref(),
            Some("2030-01-02T00:00:00.000Z")
        );
        assert_eq!(printed("2030").as_deref(), Some("2030-01-01T00:00:00.000Z"));
        assert_eq!(
            printed("20300102T0304").as_deref(),
            Some("2030-01-02T03:04:00.000Z")
        );
        assert_eq!(
            printed("2030-01-02T03:04:05,1239+0130").as_deref(),
            Some("2030-01-02T01:34:05.123Z")
        );
        assert_eq!(
            printed("2030-01-02T03:04:05.5-05").as_deref(),
            Some("2030-01-02T08:04:05.500Z")
        );
        assert_eq!(printed("2030-02-30"), None);
        assert_eq!(printed("next tuesday"), None);
    }
}
