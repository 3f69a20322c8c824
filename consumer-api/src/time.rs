//! Timestamps in the Backbone's wire format `yyyy-MM-ddTHH:mm:ss.fffZ`, which also sorts
//! lexicographically in the store.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Self {
        // Millisecond precision, so a value survives a round trip through its string form.
        let now = Utc::now();
        let ms = now.timestamp_millis();
        Timestamp(DateTime::from_timestamp_millis(ms).unwrap_or(now))
    }

    pub fn plus(self, d: Duration) -> Self {
        let delta = chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        Timestamp(
            self.0
                .checked_add_signed(delta)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    }

    pub fn plus_days(self, days: u32) -> Self {
        self.plus(Duration::from_secs(u64::from(days) * 86_400))
    }

    pub fn is_past(self) -> bool {
        self.0 < Utc::now()
    }

    pub fn parse(s: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(s).ok().map(|d| {
            let utc = d.with_timezone(&Utc);
            Timestamp(DateTime::from_timestamp_millis(utc.timestamp_millis()).unwrap_or(utc))
        })
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not an ISO-8601 date-time")))
    }
}

#[cfg(feature = "schema")]
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .into()
    }
}

#[cfg(feature = "schema")]
impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_and_z() {
        let t = Timestamp::parse("2026-11-28T01:13:46.122+00:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-28T01:13:46.122Z");
        assert_eq!(
            Timestamp::parse("2026-11-28T02:13:46.1225+01:00")
                .unwrap()
                .to_string(),
            "2026-11-28T01:13:46.122Z"
        );
        assert!(Timestamp::parse("yesterday").is_none());
    }
}
