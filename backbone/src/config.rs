//! Start-up configuration of the local Backbone. Defaults follow the official Backbone's
//! `appsettings.json` and its test setup (platform client `test`/`test`, DID domain `localhost`).

use consumer_api::tags::TagCollection;
use std::time::Duration;

/// The tag catalogue the real Backbone's development and test setup configures
/// (`appsettings.override.json`, `Modules:Tags:Application`), kept as data.
const TAGS: &str = include_str!("../data/tags.json");

/// [`TAGS`], parsed.
pub fn default_tag_collection() -> TagCollection {
    serde_json::from_str(TAGS).expect("backbone/data/tags.json is a tag collection (tested)")
}

#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The `<domain>` in `did:e:<domain>:dids:…`; clients must derive addresses with the same one.
    pub did_domain: String,
    /// OAuth clients allowed to create identities and log devices in.
    pub clients: Vec<ClientCredentials>,
    /// Lifetime of access tokens issued by `/connect/token`.
    pub access_token_lifetime: Duration,
    /// Lifetime of challenges issued by `POST /Challenges`.
    pub challenge_lifetime: Duration,
    /// Default lifetime of a sync run when the client does not send `duration`.
    pub sync_run_duration: Duration,
    pub default_page_size: u32,
    pub max_page_size: u32,
    pub max_message_recipients: usize,
    /// How many of one sender's messages a recipient may leave unfetched before more are refused.
    pub max_unreceived_messages_per_sender: u64,
    /// Largest accepted file blob, token content or template content.
    pub max_content_size: usize,
    /// Grace period of an identity deletion process when the client does not choose one.
    pub deletion_grace_period_days: u32,
    /// How often expired deletion processes are carried out.
    pub housekeeping_interval: Duration,
    /// The codes `POST /Notifications` accepts: the real Backbone's configured notification
    /// texts. Its development and test setup configures exactly `TestCode`.
    pub notification_codes: Vec<String>,
    /// What `GET /api/v2/Tags` serves.
    pub tag_collection: TagCollection,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            did_domain: "localhost".to_owned(),
            clients: vec![ClientCredentials {
                client_id: "test".to_owned(),
                client_secret: "test".to_owned(),
            }],
            access_token_lifetime: Duration::from_secs(300),
            challenge_lifetime: Duration::from_secs(600),
            sync_run_duration: Duration::from_secs(10),
            default_page_size: 50,
            max_page_size: 200,
            max_message_recipients: 1,
            max_unreceived_messages_per_sender: 20,
            max_content_size: 10 * 1024 * 1024,
            deletion_grace_period_days: 14,
            housekeeping_interval: Duration::from_secs(60),
            notification_codes: vec!["TestCode".to_owned()],
            tag_collection: default_tag_collection(),
        }
    }
}

impl Config {
    pub fn client(&self, id: &str, secret: &str) -> Option<&ClientCredentials> {
        self.clients
            .iter()
            .find(|c| c.client_id == id && c.client_secret == secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules the real Backbone checks its configured tags against at start-up.
    #[test]
    fn the_tag_data_parses_and_has_every_display_name() {
        fn check(tags: &consumer_api::tags::Tags, languages: &[String]) {
            for tag in tags.values() {
                let mut named: Vec<&String> = tag.display_names.keys().collect();
                named.sort();
                let mut wanted: Vec<&String> = languages.iter().collect();
                wanted.sort();
                assert_eq!(named, wanted);
                if let Some(children) = &tag.children {
                    check(children, languages);
                }
            }
        }
        let tags = default_tag_collection();
        assert!(tags.supported_languages.contains(&"en".to_owned()));
        assert!(!tags.tags_for_attribute_value_types.is_empty());
        for by_type in tags.tags_for_attribute_value_types.values() {
            assert!(!by_type.is_empty());
            assert!(!by_type.keys().any(|k| k.eq_ignore_ascii_case("x")));
            check(by_type, &tags.supported_languages);
        }
    }
}
