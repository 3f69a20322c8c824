//! `connector start [--config FILE] [--a:b=value ...]`, `connector healthcheck`,
//! `connector identity status` and `connector modules dead-letters`.

use clap::{Parser, Subcommand};
use connector::config::{ConfigSources, load};
use connector::module_tool::compile;
use connector::module_tool::run::{self, RunOptions};
use connector::module_tool::scaffold::{self, SdkSource};
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
    /// Module tools (`new`, `build`, `run`) and the modules' stored state (`dead-letters`);
    /// `connector module …` works too.
    #[command(alias = "module")]
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
    /// Write a new module crate into `./NAME` (or `--path`), ready for `connector module build`.
    New {
        name: String,
        /// The folder to create; `./NAME` by default.
        #[arg(long)]
        path: Option<std::path::PathBuf>,
        /// `module-sdk` from this folder (default: the SDK this binary was built with, when its
        /// sources are still on this machine).
        #[arg(long, conflicts_with = "sdk_git")]
        sdk: Option<std::path::PathBuf>,
        /// `module-sdk` from this git repository (the Connector's), at `--sdk-tag`.
        #[arg(long)]
        sdk_git: Option<String>,
        #[arg(long, requires = "sdk_git")]
        sdk_tag: Option<String>,
    },
    /// Build the module crate in the current folder (or `--path`) into a component; prints
    /// the `.wasm` file's path.
    Build {
        #[arg(long)]
        path: Option<std::path::PathBuf>,
    },
    /// Run one event (or, without `--event`, one tick) through a module in the real module
    /// host and print what it did as JSON. A dry run unless `--live`.
    Run {
        /// The component, e.g. `target/wasm32-wasip2/release/my_module.wasm`.
        file: std::path::PathBuf,
        /// `{"namespace": "transport.messageReceived", "data": {...}}`.
        #[arg(long)]
        event: Option<std::path::PathBuf>,
        /// The module's config section as JSON (its keys, `grants`, `limits`); without it
        /// the module gets exactly the grants it declares.
        #[arg(long)]
        config: Option<std::path::PathBuf>,
        /// Really send HTTP requests and broker messages (within the grants).
        #[arg(long)]
        live: bool,
        /// Send API calls to this running Connector (with `--api-key`) instead of a stub.
        #[arg(long, requires = "api_key")]
        connector: Option<String>,
        #[arg(long)]
        api_key: Option<String>,
    },
}

fn main() -> ExitCode {
    connector::memory::no_huge_pages();
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
        Command::Modules {
            command:
                ModulesCommand::New {
                    name,
                    path,
                    sdk,
                    sdk_git,
                    sdk_tag,
                },
        } => new_module(name, path, sdk, sdk_git, sdk_tag),
        Command::Modules {
            command: ModulesCommand::Build { path },
        } => build_module(path),
        Command::Modules {
            command:
                ModulesCommand::Run {
                    file,
                    event,
                    config,
                    live,
                    connector,
                    api_key,
                },
        } => runtime.block_on(run_module(RunOptions {
            component: file,
            event,
            config,
            live,
            connector: connector.zip(api_key),
        })),
    }
}

fn new_module(
    name: String,
    path: Option<std::path::PathBuf>,
    sdk: Option<std::path::PathBuf>,
    sdk_git: Option<String>,
    sdk_tag: Option<String>,
) -> ExitCode {
    let sdk = match (sdk, sdk_git) {
        (Some(path), _) => Some(SdkSource::Path(path)),
        (None, Some(url)) => Some(SdkSource::Git { url, tag: sdk_tag }),
        (None, None) => SdkSource::from_build_tree(),
    };
    let Some(sdk) = sdk else {
        eprintln!(
            "where is module-sdk? This binary's sources are not on this machine: pass --sdk PATH \
             or --sdk-git URL [--sdk-tag TAG]"
        );
        return ExitCode::FAILURE;
    };
    let dir = path.unwrap_or_else(|| std::path::PathBuf::from(&name));
    match scaffold::create(&name, &dir, &sdk) {
        Ok(_) => {
            println!(
                "created {}: cd into it, then `connector module build` and \
                 `connector module run <the .wasm it prints> --event event.json`",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn build_module(path: Option<std::path::PathBuf>) -> ExitCode {
    let dir = path.unwrap_or_else(|| std::path::PathBuf::from("."));
    match compile::build(&dir) {
        Ok(component) => {
            println!("{}", component.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_module(options: RunOptions) -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    match run::run(options).await {
        Ok(report) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
            if report.succeeded() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dead_letters(args: Vec<String>, module: Option<String>, replay: bool) -> ExitCode {
    let (_, store) = match open_store(&args).await {
        Ok(opened) => opened,
        Err(code) => return code,
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

/// The configuration and its database, for the commands that work on stored data offline.
async fn open_store(
    args: &[String],
) -> Result<
    (
        connector::config::ConnectorConfig,
        std::sync::Arc<dyn store::Store>,
    ),
    ExitCode,
> {
    let config = config_from(args)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    match connector::database::open(&config.database).await {
        Ok(store) => Ok((config, store)),
        Err(e) => {
            eprintln!("cannot open the database: {e:#}");
            Err(ExitCode::FAILURE)
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
    let (config, store) = match open_store(&args).await {
        Ok(opened) => opened,
        Err(code) => return code,
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
