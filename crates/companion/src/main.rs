//! `latchkey`: the companion's command line.

use std::path::PathBuf;
use std::process::ExitCode;

mod sign_cli;

// glibc malloc was ≈ 13 % of /sign's samples under wrk (many small strings, allocated and
// freed across tokio's worker threads); mimalloc's thread-local free lists made /sign
// ≈ 30 % faster pinned to one core (docs/notes/companion-performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Args, Parser, Subcommand};
use latchkey_companion::config::{Config, Problem};
use latchkey_companion::secrets::{process_env, Secrets};
use latchkey_companion::{app, AppState};
use tracing_subscriber::EnvFilter;

/// Latchkey's companion: serves the app, runs OAuth 1.0a and signs requests.
#[derive(Debug, Parser)]
#[command(name = "latchkey", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the app, /latchkey.json and the OAuth 1.0a routes.
    Serve(ConfigArg),
    /// Check or export the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Write a first latchkey.toml and latchkey.json for a site and one provider preset, and
    /// say what to register at the provider, which secret goes where and what to run next.
    Init(InitArgs),
    /// Sign one OAuth 1.0a request and print its Authorization header.
    Sign(Box<sign_cli::SignArgs>),
    /// For a static host: write the app's Content-Security-Policy into DIR/index.html as a
    /// <meta>, for the providers of DIR/latchkey.json and the page's inline scripts.
    CspMeta {
        /// The built app, holding index.html and latchkey.json.
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Check the configuration and its secrets; prints one line per problem.
    Check(ConfigArg),
    /// Print the public projection (/latchkey.json) for a static host.
    Export(ConfigArg),
    /// Print a new random cookie key (base64 of 32 bytes) for LATCHKEY_COOKIE_KEY.
    NewKey,
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The provider preset: github, google, entra, gitlab, discord, x, x-oauth1, spotify,
    /// twitch, tumblr or flickr (docs/providers.md).
    #[arg(long)]
    preset: String,
    /// The site's URL, the page the provider returns to (`https://me.github.io/blog/`).
    #[arg(long)]
    site: String,
    /// The companion's origin when it runs apart from the site (`https://auth.example.org`);
    /// without it the companion serves the site on the site's own origin.
    #[arg(long)]
    companion: Option<String>,
    /// The client id (or OAuth 1.0a consumer key), if the provider has issued one already.
    #[arg(long)]
    client_id: Option<String>,
    /// `[server] static_dir`: the files the companion serves.
    #[arg(long, default_value = "site")]
    static_dir: String,
    /// The folder to write latchkey.toml and latchkey.json into.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Replace latchkey.toml and latchkey.json if they exist.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct ConfigArg {
    /// The configuration file.
    #[arg(long, short, env = "LATCHKEY_CONFIG", default_value = "latchkey.toml")]
    config: PathBuf,
}

fn print_problems(path: &std::path::Path, problems: &[Problem]) {
    for p in problems {
        match p.pos {
            Some(_) => eprintln!("{}:{p}", path.display()),
            None => eprintln!("{}: {p}", path.display()),
        }
    }
}

fn load(path: &std::path::Path) -> Result<(Config, Secrets), ExitCode> {
    let config = Config::read(path).map_err(|p| {
        print_problems(path, &p);
        ExitCode::FAILURE
    })?;
    let secrets = Secrets::load(&config, &process_env).map_err(|p| {
        print_problems(path, &p);
        ExitCode::FAILURE
    })?;
    Ok((config, secrets))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(a) => serve(&a.config),
        Command::Init(args) => init(&args),
        Command::Sign(args) => match sign_cli::run(*args) {
            Ok(out) => {
                println!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("latchkey sign: {e}");
                ExitCode::FAILURE
            }
        },
        Command::CspMeta { dir } => match latchkey_companion::csp::meta::write_meta(&dir) {
            Ok(policy) => {
                println!("{policy}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("latchkey csp-meta: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Config(ConfigCommand::Check(a)) => match load(&a.config) {
            Ok((config, _)) => {
                let list: Vec<String> = config.providers.iter().map(|p| p.id.clone()).collect();
                println!(
                    "{}: ok ({} providers: {})",
                    a.config.display(),
                    list.len(),
                    list.join(", ")
                );
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        Command::Config(ConfigCommand::Export(a)) => match Config::read(&a.config) {
            Ok(config) => match config.export_json() {
                Ok(json) => {
                    println!("{json}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cannot serialise: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(p) => {
                print_problems(&a.config, &p);
                ExitCode::FAILURE
            }
        },
        Command::Config(ConfigCommand::NewKey) => {
            use base64::Engine;
            use rand::RngCore;
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            println!("{}", base64::engine::general_purpose::STANDARD.encode(key));
            ExitCode::SUCCESS
        }
    }
}

fn init(args: &InitArgs) -> ExitCode {
    use latchkey_companion::init::{Init, InitRequest, Overwrite};
    let request = InitRequest {
        preset: &args.preset,
        site: &args.site,
        companion: args.companion.as_deref(),
        client_id: args.client_id.as_deref(),
        static_dir: &args.static_dir,
    };
    let init = match Init::new(&request) {
        Ok(init) => init,
        Err(e) => {
            eprintln!("latchkey init: {e}");
            return ExitCode::FAILURE;
        }
    };
    let overwrite = if args.force {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    match init.write(&args.out, overwrite) {
        Ok((toml, json)) => {
            print!("{}", init.guide(&toml, &json));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("latchkey init: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(path: &std::path::Path) -> ExitCode {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        // Colour codes only for a person at a terminal: a log file or journald gets plain
        // text, and the per-request span's fields are formatted without escape sequences.
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let (config, secrets) = match load(path) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config, secrets)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config, secrets: Secrets) -> Result<(), String> {
    let listen = config.server.listen;
    if !config.server.static_dir.join("index.html").is_file() {
        tracing::warn!(static_dir = %config.server.static_dir.display(), "no index.html in static_dir: is the app built?");
    }
    // What to register at each provider, and which ones need this companion, in words: the
    // first thing a person deploying looks for in the log.
    for line in latchkey_companion::startup::summary(&config) {
        tracing::info!("{line}");
    }
    let public_url = config.server.public_url.clone();
    let providers = config.providers.len();
    let upstream_timeout = config.server.upstream_timeout;
    let state = AppState::with_timeouts(
        config,
        secrets,
        std::sync::Arc::new(latchkey_companion::state::SystemClock),
        std::sync::Arc::new(latchkey_companion::state::OsRandom),
        latchkey_companion::state::CONNECT_TIMEOUT,
        upstream_timeout,
    )?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    tracing::info!(%listen, %public_url, providers, "latchkey companion listening");
    // The peer address keys the token routes' rate limit (crate::rate_limit).
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for ctrl-c: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing open requests");
}
