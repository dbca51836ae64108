//! The `codeartifact-local` command: `serve` runs the server;
//! `get-authorization-token` calls one through the generated client, like
//! `aws codeartifact get-authorization-token`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use codeartifact_server::config::{development, Config};
use codeartifact_server::{ServerOptions, Storage, DEFAULT_BIND};
use dropshot::{ConfigLogging, ConfigLoggingLevel};

#[derive(Parser, Debug)]
#[command(name = "codeartifact-local", version, about = "A local, AWS-compatible CodeArtifact")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on; port 0 picks a free port. The bound address
        /// is printed on one line of standard output.
        #[arg(long, default_value = DEFAULT_BIND)]
        bind: SocketAddr,
        /// TOML configuration file. Without one, a development setup starts
        /// (domain `demo`, account 111122223333, AWS's example keys).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where the token key and the database of domains and repositories
        /// are kept [default: the user's data directory, e.g.
        /// ~/.local/share/codeartifact-local].
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Keep nothing on disk: domains, repositories and tokens live in
        /// memory and die with the process (for tests).
        #[arg(long, conflicts_with = "data_dir")]
        ephemeral: bool,
    },
    /// Load and check a configuration file, then print each principal and
    /// what it may do; exits non-zero on any error.
    CheckConfig {
        /// The TOML configuration file.
        file: PathBuf,
    },
    /// Get a token from a server, with credentials from the standard AWS
    /// environment variables; prints the JSON that the aws CLI prints.
    GetAuthorizationToken {
        #[arg(long)]
        domain: String,
        #[arg(long)]
        domain_owner: Option<String>,
        #[arg(long)]
        duration_seconds: Option<u64>,
        /// The server [env: AWS_ENDPOINT_URL_CODEARTIFACT, AWS_ENDPOINT_URL;
        /// default: http://127.0.0.1:8787].
        #[arg(long)]
        endpoint_url: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("codeartifact-local: failed to start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { bind, config, data_dir, ephemeral } => {
                serve(bind, config, data_dir, ephemeral).await
            }
            Command::CheckConfig { file } => check_config(&file),
            Command::GetAuthorizationToken {
                domain,
                domain_owner,
                duration_seconds,
                endpoint_url,
            } => {
                get_authorization_token(domain, domain_owner, duration_seconds, endpoint_url).await
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("codeartifact-local: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// dropshot's terminal logger, with records below `level` dropped where
/// they are made: dropshot filters only on its logging thread, after every
/// record has been copied there, which costs each request dearly.
fn logger(level: &ConfigLoggingLevel) -> anyhow::Result<slog::Logger> {
    use slog::Drain;
    let log = ConfigLogging::StderrTerminal { level: level.clone() }
        .to_logger("codeartifact-local")
        .context("failed to set up logging")?;
    Ok(slog::Logger::root(slog::LevelFilter::new(log, level.into()).fuse(), slog::o!()))
}

async fn serve(
    bind: SocketAddr,
    config_path: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    ephemeral: bool,
) -> anyhow::Result<ExitCode> {
    let config = match &config_path {
        Some(path) => Config::load(path)?,
        None => Config::development(chrono::Utc::now()),
    };
    let storage = match data_dir {
        _ if ephemeral => Storage::Ephemeral,
        Some(dir) => Storage::Dir(dir),
        None => Storage::Dir(
            dirs::data_dir()
                .context("no user data directory is known here; pass --data-dir")?
                .join("codeartifact-local"),
        ),
    };
    let log = logger(&config.log_level)?;

    if config_path.is_none() {
        eprintln!("{}", development_banner(&config));
    }
    for (arn, expiration) in config.expired_sessions(chrono::Utc::now()) {
        slog::warn!(log, "configured session has already expired";
            "session" => arn, "expiration" => expiration.to_rfc3339());
    }

    // Listen for signals before announcing the address: a script that stops
    // the server as soon as it has started must get a clean shutdown.
    use tokio::signal::unix::{signal, SignalKind};
    let mut sigterm = signal(SignalKind::terminate()).context("failed to listen for SIGTERM")?;
    let mut sigint = signal(SignalKind::interrupt()).context("failed to listen for SIGINT")?;
    let where_kept = match &storage {
        Storage::Dir(dir) => dir.display().to_string(),
        Storage::Ephemeral => "(none: --ephemeral, nothing is kept)".to_string(),
    };
    let options = ServerOptions { config, bind, storage };
    let server = codeartifact_server::start(options, log.clone()).await?;
    slog::info!(log, "data directory"; "path" => where_kept);
    // The one line scripts wait for: with --bind 127.0.0.1:0 it tells the port.
    println!("codeartifact-local listening on http://{}", server.local_addr());

    tokio::select! {
        _ = sigterm.recv() => {}
        _ = sigint.recv() => {}
    }
    slog::info!(log, "shutting down");
    server.close().await?;
    Ok(ExitCode::SUCCESS)
}

fn development_banner(config: &Config) -> String {
    use development::*;
    let expiration = config.accounts[0].roles[0].sessions[0].expiration.to_rfc3339();
    format!(
        "codeartifact-local: no --config given: running the DEVELOPMENT SETUP. Not for production.\n\
         \x20 domain:   {DOMAIN} (owner {ACCOUNT}), with repository {REPOSITORY}\n\
         \x20 IAM user: arn:aws:iam::{ACCOUNT}:user/{USER}\n\
         \x20           AWS_ACCESS_KEY_ID={ACCESS_KEY_ID}\n\
         \x20           AWS_SECRET_ACCESS_KEY={SECRET_ACCESS_KEY}\n\
         \x20 role session: arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/{SESSION}, expires {expiration}\n\
         \x20           AWS_ACCESS_KEY_ID={SESSION_ACCESS_KEY_ID}\n\
         \x20           AWS_SECRET_ACCESS_KEY={SESSION_SECRET_ACCESS_KEY}\n\
         \x20           AWS_SESSION_TOKEN={SESSION_TOKEN}\n\
         \x20 Both may get tokens for {DOMAIN}; with --duration-seconds 0 the session's token\n\
         \x20 expires with the session. (AWS's documented example keys: anyone can sign with them.)"
    )
}

/// Prints what a configuration defines and what each principal may do.
fn check_config(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    use codeartifact_server::access::Outcome;
    use codeartifact_server::identity::PrincipalKind;
    use codeartifact_server::service::Service;
    use codeartifact_server::store::SqliteStore;
    use codeartifact_server::tokens::TokenIssuer;

    let config = Config::load(path)?;
    let now = chrono::Utc::now();
    let store = std::sync::Arc::new(SqliteStore::in_memory()?);
    let service = Service::new(&config, TokenIssuer::ephemeral()?, store, now)?;
    // ARNs need a region; an unpinned server takes any, so show one.
    let region = config.region.clone().unwrap_or_else(|| "us-east-1".to_string());

    println!("{}: valid", path.display());
    match &config.region {
        Some(r) => println!("region: {r} only"),
        None => println!("region: any (ARNs below use {region})"),
    }
    match &config.rate_limit {
        Some(r) => println!(
            "rate limit: {} requests/s per principal, burst {}",
            r.requests_per_second,
            r.burst.unwrap_or(r.requests_per_second)
        ),
        None => println!("rate limit: none"),
    }
    let domains = service.domains.all();
    println!("\ndomains:");
    for (owner, name, domain) in &domains {
        let policy = domain.policy.as_ref().map(|p| format!(", domain policy '{}'", p.name));
        println!("  {name} (owner {owner}{})", policy.unwrap_or_default());
        let configured = config.domains.iter().find(|d| d.owner == *owner && d.name == *name);
        if let Some(d) = configured.filter(|d| !d.repositories.is_empty()) {
            println!("    repositories: {}", d.repositories.join(", "));
        }
    }
    println!("\nprincipals:");
    for keys in service.identities.principals() {
        let principal = keys.principal;
        let kind = match &principal.kind {
            PrincipalKind::User => "IAM user".to_string(),
            PrincipalKind::AssumedRole { role } => format!("session of role {role}"),
            PrincipalKind::Root => "root user".to_string(),
        };
        let policies: Vec<&str> = principal.policies.iter().map(|p| p.name.as_str()).collect();
        println!("  {} ({kind})", principal.arn);
        println!("    keys: {}", keys.access_key_ids.join(", "));
        if let Some(expiration) = keys.expiration {
            let state = if expiration <= now { " (EXPIRED)" } else { "" };
            println!("    expires: {}{state}", expiration.to_rfc3339());
        }
        if principal.kind != PrincipalKind::Root {
            println!(
                "    policies: {}",
                if policies.is_empty() { "none".into() } else { policies.join(", ") }
            );
        }
        for (owner, name, _) in &domains {
            let decided = service.token_access(principal, &region, owner, name);
            let verdict = match decided.last().map(|d| &d.outcome) {
                Some(Outcome::Allowed { .. }) => "allowed".to_string(),
                Some(Outcome::Denied { error, .. }) => format!("denied: {}", error.message),
                None => "denied".to_string(),
            };
            println!("    GetAuthorizationToken on {name} ({owner}): {verdict}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// JSON as the aws CLI prints it: four-space indents.
fn aws_cli_json(value: &serde_json::Value) -> anyhow::Result<String> {
    use serde::Serialize;
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, formatter))?;
    Ok(String::from_utf8(out)?)
}

async fn get_authorization_token(
    domain: String,
    domain_owner: Option<String>,
    duration_seconds: Option<u64>,
    endpoint_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    use codeartifact_client::{Client, Signer};

    let endpoint = endpoint_url
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_CODEARTIFACT").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .unwrap_or_else(|| format!("http://{DEFAULT_BIND}"));
    let signer = Signer::from_env()?;
    let client = Client::new(&endpoint, signer);
    let mut call = client.get_authorization_token().domain(domain);
    if let Some(owner) = domain_owner {
        call = call.domain_owner(owner);
    }
    if let Some(seconds) = duration_seconds {
        call = call.duration(seconds);
    }
    match call.send().await {
        Ok(response) => {
            let result = response.into_inner();
            let out = serde_json::json!({
                "authorizationToken": result.authorization_token,
                "expiration": result.expiration,
            });
            println!("{}", aws_cli_json(&out)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(progenitor_client::Error::ErrorResponse(response)) => {
            // Like the aws CLI: the code, the operation, and the message.
            let code = response
                .headers()
                .get("x-amzn-errortype")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .or_else(|| response.error_code.clone())
                .unwrap_or_else(|| response.status().to_string());
            eprintln!(
                "\nAn error occurred ({code}) when calling the GetAuthorizationToken operation: {}",
                response.message
            );
            Ok(ExitCode::from(254))
        }
        Err(e) => Err(anyhow::anyhow!("failed to call {endpoint}: {e}")),
    }
}
