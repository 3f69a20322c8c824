//! Start-up configuration of the local Backbone. Defaults follow the official Backbone's
//! `appsettings.json` and its test setup (platform client `test`/`test`, DID domain `localhost`).

use std::time::Duration;

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
