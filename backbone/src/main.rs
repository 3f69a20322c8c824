//! `backbone start`: a local Enmeshed Backbone for development, tests and demos.

use anyhow::Context;
use backbone::{ClientCredentials, Config};
use clap::{Parser, Subcommand};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use store::Store;
use store::sqlite::SqliteStore;

#[derive(Parser)]
#[command(
    name = "backbone",
    version,
    about = "A local Enmeshed Backbone (Consumer API) for development and tests"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Consumer API.
    Start(StartArgs),
}

#[derive(clap::Args)]
struct StartArgs {
    /// Port to listen on; 8090 is where the official test Backbone listens.
    #[arg(long, default_value_t = 8090, env = "BACKBONE_PORT")]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), env = "BACKBONE_HOST")]
    host: IpAddr,
    /// SQLite database file; without it everything lives in memory and is lost on exit.
    #[arg(long, env = "BACKBONE_DB")]
    db: Option<PathBuf>,
    /// Domain in the identity addresses (`did:e:<domain>:dids:…`); clients must use the same.
    #[arg(long, default_value = "localhost", env = "BACKBONE_DID_DOMAIN")]
    did_domain: String,
    /// Platform client as `id:secret`; repeat for several. Defaults to `test:test`.
    #[arg(long = "client", value_name = "ID:SECRET")]
    clients: Vec<String>,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 300)]
    token_lifetime: u64,
    /// How many messages one sender may have waiting, unreceived, for one recipient (the real
    /// Backbone's `MaxNumberOfUnreceivedMessagesFromOneSender`, 20 by default); raise it for
    /// throughput benchmarks.
    #[arg(long, default_value_t = 20, env = "BACKBONE_MAX_UNRECEIVED_MESSAGES")]
    max_unreceived_messages: u64,
    /// A code `POST /Notifications` accepts; repeat for several. Defaults to `TestCode`, as
    /// the official Backbone's development setup.
    #[arg(long = "notification-code", value_name = "CODE")]
    notification_codes: Vec<String>,
}

/// The Backbone's configuration from the command line.
fn config_of(args: &StartArgs) -> anyhow::Result<Config> {
    let mut config = Config {
        did_domain: args.did_domain.clone(),
        ..Config::default()
    };
    config.access_token_lifetime = std::time::Duration::from_secs(args.token_lifetime);
    config.max_unreceived_messages_per_sender = args.max_unreceived_messages;
    if !args.notification_codes.is_empty() {
        config.notification_codes = args.notification_codes.clone();
    }
    if !args.clients.is_empty() {
        config.clients = args
            .clients
            .iter()
            .map(|c| {
                let (id, secret) = c
                    .split_once(':')
                    .with_context(|| format!("--client `{c}` is not ID:SECRET"))?;
                Ok(ClientCredentials {
                    client_id: id.to_owned(),
                    client_secret: secret.to_owned(),
                })
            })
            .collect::<anyhow::Result<_>>()?;
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,backbone=info".into()),
        )
        .init();
    let Command::Start(args) = Cli::parse().command;
    let config = config_of(&args)?;
    let store: Arc<dyn Store> = match &args.db {
        Some(path) => Arc::new(
            SqliteStore::open(path)
                .await
                .with_context(|| format!("opening {}", path.display()))?,
        ),
        None => Arc::new(
            SqliteStore::open_in_memory()
                .await
                .context("opening the in-memory database")?,
        ),
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .with_context(|| format!("binding {}:{}", args.host, args.port))?;
    let handle = backbone::serve(config, store, listener).await?;
    tracing::info!(url = %handle.base_url(), database = ?args.db, "backbone listening");
    tokio::select! {
        result = handle.wait() => result.context("server failed")?,
        _ = tokio::signal::ctrl_c() => tracing::info!("shutting down"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Config {
        let cli = Cli::try_parse_from(["backbone", "start"].iter().chain(args)).unwrap();
        let Command::Start(args) = cli.command;
        config_of(&args).unwrap()
    }

    #[test]
    fn the_unreceived_message_limit_is_the_real_backbones_unless_raised() {
        assert_eq!(parsed(&[]).max_unreceived_messages_per_sender, 20);
        assert_eq!(
            parsed(&["--max-unreceived-messages", "10000"]).max_unreceived_messages_per_sender,
            10_000
        );
    }

    #[test]
    fn clients_must_be_id_and_secret() {
        let cli = Cli::try_parse_from(["backbone", "start", "--client", "nosecret"]).unwrap();
        let Command::Start(args) = cli.command;
        assert!(config_of(&args).is_err());
        let config = parsed(&["--client", "a:b"]);
        assert_eq!(config.clients[0].client_id, "a");
        assert_eq!(config.clients[0].client_secret, "b");
    }
}
