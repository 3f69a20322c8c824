//! Announcements: notices the Backbone's operator publishes to all identities, fetched in one
//! language and handed on as the official `AnnouncementDTO`s. Nothing is stored locally.

use crate::Transport;
use crate::error::{Result, TransportError};
use consumer_api::announcements::{Announcement, AnnouncementSeverity as Severity};
use runtime_types::announcements::{AnnouncementActionDto, AnnouncementDto, AnnouncementSeverity};

/// The official `AnnouncementDTO` of a Backbone announcement; the Backbone's `iqlQuery` is not
/// part of it.
fn to_dto(a: Announcement) -> AnnouncementDto {
    AnnouncementDto {
        id: a.id.to_string(),
        created_at: a.created_at,
        expires_at: a.expires_at,
        severity: match a.severity {
            Severity::Low => AnnouncementSeverity::Low,
            Severity::Medium => AnnouncementSeverity::Medium,
            Severity::High => AnnouncementSeverity::High,
        },
        title: a.title,
        body: a.body,
        actions: a
            .actions
            .into_iter()
            .map(|action| AnnouncementActionDto {
                display_name: action.display_name,
                link: action.link,
            })
            .collect(),
    }
}

/// The `language` of a request: required and an ISO 639-1 code as the runtime lists them
/// (`LanguageISO639`, the same list the content rules use).
pub fn check_language(language: Option<&str>) -> Result<&str> {
    let language = language.ok_or_else(|| TransportError::invalid("language is required"))?;
    if content::is_language_code(language) {
        Ok(language)
    } else {
        Err(TransportError::invalid(
            "language must be an ISO 639-1 language code in lower case, such as en",
        ))
    }
}

impl Transport {
    /// `GET /Announcements?language=`: the Backbone's current announcements, in `language`.
    pub async fn get_announcements(&self, language: Option<&str>) -> Result<Vec<AnnouncementDto>> {
        let language = check_language(language)?;
        let raw = self.backbone.announcements(language).await?;
        Ok(raw.into_iter().map(to_dto).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn backbone_announcements_become_official_dtos() {
        let raw: Vec<Announcement> = serde_json::from_value(json!([
            {"id": "ANCaaaaaaaaaaaaaaaaa", "createdAt": "2026-01-02T03:04:05.678Z", "expiresAt": null,
             "severity": "High", "title": "Maintenance", "body": "Tonight", "iqlQuery": null,
             "actions": [{"displayName": "Read more", "link": "https://example.org/x"}]},
            {"id": "ANCbbbbbbbbbbbbbbbbb", "createdAt": "2026-01-02T03:04:05.678Z",
             "expiresAt": "2026-02-01T00:00:00.000Z", "severity": "Low", "title": "T", "body": "B",
             "iqlQuery": "#Surname"}
        ]))
        .unwrap();
        let dtos: Vec<_> = raw
            .into_iter()
            .map(|a| serde_json::to_value(to_dto(a)).unwrap())
            .collect();
        assert_eq!(
            dtos,
            vec![
                json!({"id": "ANCaaaaaaaaaaaaaaaaa", "createdAt": "2026-01-02T03:04:05.678Z",
                       "severity": "High", "title": "Maintenance", "body": "Tonight",
                       "actions": [{"displayName": "Read more", "link": "https://example.org/x"}]}),
                json!({"id": "ANCbbbbbbbbbbbbbbbbb", "createdAt": "2026-01-02T03:04:05.678Z",
                       "expiresAt": "2026-02-01T00:00:00.000Z", "severity": "Low", "title": "T",
                       "body": "B", "actions": []}),
            ]
        );
    }

    #[test]
    fn language_must_be_a_known_code() {
        assert_eq!(check_language(Some("en")).unwrap(), "en");
        for bad in [
            None,
            Some(""),
            Some("EN"),
            Some("eng"),
            Some("xx"),
            Some("en&x=1"),
        ] {
            let e = check_language(bad).unwrap_err();
            assert_eq!(e.code(), crate::error::INVALID_PROPERTY, "{bad:?}");
            assert!(matches!(e, crate::TransportError::Invalid { .. }), "{e:?}");
        }
    }
}
