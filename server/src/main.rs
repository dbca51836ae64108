//! The `codeartifact-local` command: `serve` runs the server;
//! `get-authorization-token` calls one through the generated client, like
//! `aws codeartifact get-authorization-token`; `conformance` runs the
//! contract checks against any endpoint.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use codeartifact_server::config::{development, Config};
use codeartifact_server::setup;
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
    /// Check any CodeArtifact endpoint (this server, LocalStack, AWS)
    /// against the contract, with credentials and region from AWS's
    /// standard chain; exits non-zero on any failure.
    Conformance {
        /// The endpoint [env: AWS_ENDPOINT_URL_CODEARTIFACT, AWS_ENDPOINT_URL;
        /// default: AWS's, https://codeartifact.REGION.amazonaws.com].
        #[arg(long)]
        endpoint_url: Option<String>,
        /// The region to sign for [default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1].
        #[arg(long)]
        region: Option<String>,
        /// Create a domain, repositories and a package named with the
        /// prefix, and delete them afterwards (also on failure and Ctrl-C).
        /// Without it, only reads, and refused writes that name nothing.
        #[arg(long)]
        allow_writes: bool,
        /// What the names of the run's resources start with
        /// [default: conformance- and a random suffix].
        #[arg(long)]
        prefix: Option<String>,
        /// Also write the results as JUnit XML to this file.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Only this operation (repeatable), e.g. ListDomains.
        #[arg(long = "operation")]
        operations: Vec<String>,
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
            Command::CheckConfig { file } => check_config(&file).await,
            Command::GetAuthorizationToken {
                domain,
                domain_owner,
                duration_seconds,
                endpoint_url,
            } => {
                get_authorization_token(domain, domain_owner, duration_seconds, endpoint_url).await
            }
            Command::Conformance {
                endpoint_url,
                region,
                allow_writes,
                prefix,
                junit,
                operations,
            } => conformance(endpoint_url, region, allow_writes, prefix, junit, operations).await,
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

/// The server's logger: lines on standard error, formatted and written on
/// a logging thread (slog-async, as dropshot's own), with records below
/// `level` dropped where they are made: dropshot's logger filters only on
/// its logging thread, after every record has been copied there, which
/// costs each request dearly. On a terminal, dropshot's colored lines;
/// otherwise (a file, a pipe, a service manager) each line is written
/// whole, in one write: unbuffered, it took dozens.
fn logger(level: &ConfigLoggingLevel) -> anyhow::Result<slog::Logger> {
    use slog::Drain;
    use std::io::IsTerminal as _;
    let log = if std::io::stderr().is_terminal() {
        ConfigLogging::StderrTerminal { level: level.clone() }
            .to_logger("codeartifact-local")
            .context("failed to set up logging")?
    } else {
        let lines = std::io::BufWriter::with_capacity(LINE_BUFFER, std::io::stderr());
        let format = slog_term::FullFormat::new(slog_term::PlainDecorator::new(lines));
        // An access line is not dropped when the logging thread falls
        // behind: the request waits for room instead. A failed write (a
        // closed pipe) is ignored rather than taking the thread down.
        let written = slog_async::Async::new(format.build().ignore_res())
            .chan_size(1024)
            .overflow_strategy(slog_async::OverflowStrategy::Block)
            .build();
        slog::Logger::root(written.fuse(), slog::o!())
    };
    Ok(slog::Logger::root(slog::LevelFilter::new(log, level.into()).fuse(), slog::o!()))
}

/// Room for a log line, which is flushed when it ends.
const LINE_BUFFER: usize = 16 * 1024;

async fn serve(
    bind: SocketAddr,
    config_path: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    ephemeral: bool,
) -> anyhow::Result<ExitCode> {
    let config = match &config_path {
        Some(path) => Config::load(path)?,
        None => development::config(chrono::Utc::now()),
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
    for (arn, expiration) in setup::expired_sessions(&config, chrono::Utc::now()) {
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
    // A second signal means now: nothing is lost that a kill would not lose
    // (every write is a transaction). The status is the shell's for death by
    // that signal (128 + its number).
    let second = tokio::select! {
        closed = server.close() => {
            closed?;
            return Ok(ExitCode::SUCCESS);
        }
        _ = sigterm.recv() => 128 + 15,
        _ = sigint.recv() => 128 + 2,
    };
    slog::warn!(log, "second signal: exiting now, abandoning the requests in flight");
    Ok(ExitCode::from(second))
}

/// What `serve` prints when it runs the development setup: the domain and
/// the credentials to sign with, read from the configuration itself.
fn development_banner(config: &Config) -> String {
    use codeartifact_server::iam::arn;
    let mut out = String::from(
        "codeartifact-local: no --config given: running the DEVELOPMENT SETUP. Not for production.",
    );
    for d in &config.domains {
        let repositories = d.repositories.join(", ");
        out += &format!(
            "\n  domain:   {} (owner {}), with repository {repositories}",
            d.name, d.owner
        );
    }
    let indent = "\n            ";
    for account in &config.accounts {
        for user in &account.users {
            out += &format!("\n  IAM user: {}", arn::user(&account.id, &user.name));
            for key in &user.access_keys {
                out += &format!("{indent}AWS_ACCESS_KEY_ID={}", key.access_key_id);
                out += &format!("{indent}AWS_SECRET_ACCESS_KEY={}", key.secret_access_key);
            }
        }
        for role in &account.roles {
            for s in &role.sessions {
                let session = arn::session(&account.id, &role.name, &s.name);
                out +=
                    &format!("\n  role session: {session}, expires {}", s.expiration.to_rfc3339());
                out += &format!("{indent}AWS_ACCESS_KEY_ID={}", s.access_key_id);
                out += &format!("{indent}AWS_SECRET_ACCESS_KEY={}", s.secret_access_key);
                out += &format!("{indent}AWS_SESSION_TOKEN={}", s.session_token);
            }
        }
    }
    out + "\n  Both may get tokens; with --duration-seconds 0 the session's token expires with\n  \
           the session. (AWS's documented example keys: anyone can sign with them.)"
}

/// Prints what a configuration defines and what each principal may do.
async fn check_config(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let config = Config::load(path)?;
    let now = chrono::Utc::now();
    let quiet = slog::Logger::root(slog::Discard, slog::o!());
    let service = setup::service(&config, setup::Storage::ephemeral()?, None, now, &quiet).await?;
    // ARNs need a region; an unpinned server takes any, so show one.
    let region =
        config.region.clone().unwrap_or_else(|| codeartifact_server::region::EXAMPLE.into());

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
    let report = service.access_report(&region);
    println!("\ndomains:");
    for domain in &report.domains {
        let policy = domain.policy.as_ref().map(|p| format!(", domain policy '{p}'"));
        println!("  {} (owner {}{})", domain.name, domain.owner, policy.unwrap_or_default());
        let configured =
            config.domains.iter().find(|d| d.owner == domain.owner && d.name == domain.name);
        if let Some(d) = configured.filter(|d| !d.repositories.is_empty()) {
            println!("    repositories: {}", d.repositories.join(", "));
        }
    }
    println!("\nprincipals:");
    for principal in &report.principals {
        println!("  {} ({})", principal.arn, principal.kind);
        println!("    keys: {}", principal.access_key_ids.join(", "));
        if let Some(expiration) = principal.expiration {
            let state = if expiration <= now { " (EXPIRED)" } else { "" };
            println!("    expires: {}{state}", expiration.to_rfc3339());
        }
        if let Some(policies) = &principal.policies {
            let policies = if policies.is_empty() { "none".into() } else { policies.join(", ") };
            println!("    policies: {policies}");
        }
        for (domain, verdict) in report.domains.iter().zip(&principal.tokens) {
            let verdict = match verdict {
                Ok(()) => "allowed".to_string(),
                Err(reason) => format!("denied: {reason}"),
            };
            println!("    GetAuthorizationToken on {} ({}): {verdict}", domain.name, domain.owner);
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

/// Runs the contract checks and prints their table; Ctrl-C stops the run,
/// cleans up, and exits 130.
async fn conformance(
    endpoint_url: Option<String>,
    region: Option<String>,
    allow_writes: bool,
    prefix: Option<String>,
    junit: Option<PathBuf>,
    operations: Vec<String>,
) -> anyhow::Result<ExitCode> {
    use codeartifact_conformance::{default_prefix, run_until, Credentials, Options, Suite};

    let credentials = Credentials::load(region.as_deref()).await.map_err(anyhow::Error::msg)?;
    let endpoint_url = endpoint_url
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_CODEARTIFACT").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .unwrap_or_else(|| codeartifact_client::aws_endpoint(credentials.region()));
    let prefix = prefix.unwrap_or_else(default_prefix);
    eprintln!(
        "conformance: {endpoint_url}, region {}, {}",
        credentials.region(),
        if allow_writes { format!("writes allowed (prefix {prefix})") } else { "read-only".into() }
    );
    let options = Options { endpoint_url, allow_writes, prefix, operations };
    let suite = std::sync::Arc::new(Suite::new(options, credentials).map_err(anyhow::Error::msg)?);
    // Ctrl-C, or SIGTERM as a CI system cancels a job, as for `serve`.
    use tokio::signal::unix::{signal, SignalKind};
    let mut sigterm = signal(SignalKind::terminate()).context("failed to listen for SIGTERM")?;
    let mut sigint = signal(SignalKind::interrupt()).context("failed to listen for SIGINT")?;
    let interrupt = async move {
        tokio::select! {
            _ = sigterm.recv() => {}
            _ = sigint.recv() => {}
        }
        eprintln!("conformance: interrupted; cleaning up");
    };
    let (report, left, interrupted) = run_until(suite, interrupt).await;
    print!("{}", report.table());
    if let Some(path) = junit {
        let xml = report.junit().map_err(anyhow::Error::msg)?;
        std::fs::write(&path, xml)
            .with_context(|| format!("failed to write {}", path.display()))?;
    }
    for what in &left {
        eprintln!("conformance: could not delete {what}");
    }
    Ok(if interrupted {
        ExitCode::from(130)
    } else if report.failures().next().is_some() || !left.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn get_authorization_token(
    domain: String,
    domain_owner: Option<String>,
    duration_seconds: Option<u64>,
    endpoint_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    use codeartifact_client::{AwsErrorExt, Client};

    // AWS's standard chain, as the aws CLI reads it (AWS_PROFILE and
    // ~/.aws included); a local server unless an endpoint is configured.
    let mut builder = Client::builder().default_endpoint_url(format!("http://{DEFAULT_BIND}"));
    if let Some(url) = endpoint_url {
        builder = builder.endpoint_url(url);
    }
    let client = builder.load().await;
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
        Err(e) => match e.aws_error() {
            Some(error) => {
                // Like the aws CLI: the code, the operation, and the message.
                eprintln!(
                    "\nAn error occurred ({}) when calling the GetAuthorizationToken operation: {}",
                    error.code, error.message
                );
                Ok(ExitCode::from(254))
            }
            None => {
                use progenitor_client::ClientInfo;
                Err(anyhow::anyhow!("failed to call {}: {e}", client.baseurl()))
            }
        },
    }
}
