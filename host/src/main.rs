//! `connector start [--config FILE] [--a:b=value ...]`, `connector healthcheck`,
//! `connector identity status` and `connector modules dead-letters`.

use clap::{Parser, Subcommand};
use connector::config::{ConfigSources, load};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "connector", version, about = "The Enmeshed Connector")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the Connector. Takes `--config FILE` and any number of `--a:b=value` overrides.
    Start {
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "ARGS"
        )]
        args: Vec<String>,
    },
    /// The stored identity: `connector identity status [--config FILE]`.
    Identity {
        #[command(subcommand)]
        command: IdentityCommand,
    },
    /// The modules' stored state: `connector modules dead-letters [--module NAME] [--replay]`.
    Modules {
        #[command(subcommand)]
        command: ModulesCommand,
    },
    /// Exit 0 when the Connector's `/health` answers 200 (for Docker's HEALTHCHECK).
    Healthcheck {
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "ARGS"
        )]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum IdentityCommand {
    /// Print the identity this Connector's database holds; exit 1 when there is none.
    Status {
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "ARGS"
        )]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum ModulesCommand {
    /// Print the events modules gave up on as JSON; with `--replay`, queue them for delivery
    /// again (a Connector delivers them when it next starts, or on its next event).
    DeadLetters {
        /// Only this module's (its key in `modules`).
        #[arg(long)]
        module: Option<String>,
        /// Queue them for delivery again instead of printing them.
        #[arg(long)]
        replay: bool,
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "ARGS"
        )]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Start { args } => runtime.block_on(start(args)),
        Command::Healthcheck { args } => runtime.block_on(healthcheck(args)),
        Command::Identity {
            command: IdentityCommand::Status { args },
        } => runtime.block_on(identity_status(args)),
        Command::Modules {
            command:
                ModulesCommand::DeadLetters {
                    module,
                    replay,
                    args,
                },
        } => runtime.block_on(dead_letters(args, module, replay)),
    }
}

async fn dead_letters(args: Vec<String>, module: Option<String>, replay: bool) -> ExitCode {
    let config = match config_from(&args) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = match connector::database::open(&config.database).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open the database: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let printed = if replay {
        module_host::queue_stored_dead_letters(store.clone(), module.as_deref())
            .await
            .map(|queued| serde_json::json!({ "queued": queued }))
    } else {
        module_host::stored_dead_letters(store.clone(), module.as_deref())
            .await
            .map(|letters| serde_json::to_value(letters).unwrap_or_default())
    };
    let _ = store.close().await;
    match printed {
        Ok(value) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot read the dead letters: {e}");
            ExitCode::FAILURE
        }
    }
}

fn config_from(args: &[String]) -> Result<connector::config::ConnectorConfig, ExitCode> {
    ConfigSources::from_process(args)
        .and_then(|s| load(&s))
        .map_err(|e| {
            eprintln!("{e}");
            ExitCode::FAILURE
        })
}

async fn start(args: Vec<String>) -> ExitCode {
    let config = match config_from(&args) {
        Ok(c) => c,
        Err(code) => return code,
    };
    connector::logging::init(&config.logging);
    if config.transport_library.base_url.is_none() {
        eprintln!(
            "invalid configuration: `transportLibrary.baseUrl`: required (the Backbone to talk to)"
        );
        return ExitCode::FAILURE;
    }
    let running = match connector::start(config).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "start-up failed");
            eprintln!("start-up failed: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    match running.run_until(connector::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "shutdown failed");
            ExitCode::FAILURE
        }
    }
}

async fn healthcheck(args: Vec<String>) -> ExitCode {
    let config = match config_from(&args) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = format!(
        "http://127.0.0.1:{}/health",
        config.infrastructure.http_server.port
    );
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
    {
        Ok(c) => c,
        Err(_) => return ExitCode::FAILURE,
    };
    match client.get(&url).send().await {
        Ok(r) if r.status() == reqwest::StatusCode::OK => ExitCode::SUCCESS,
        Ok(r) => {
            eprintln!("{url} answered {}", r.status());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{url}: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn identity_status(args: Vec<String>) -> ExitCode {
    let config = match config_from(&args) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = match connector::database::open(&config.database).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open the database: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let found = transport::account::stored_identity(store.as_ref()).await;
    let _ = store.close().await;
    match found {
        Ok(Some(identity)) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&identity).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("no identity in database `{}`", config.database.db_name);
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("cannot read the identity: {e}");
            ExitCode::FAILURE
        }
    }
}
