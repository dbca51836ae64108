//! codeartifact-local: a self-hostable, AWS-wire-compatible CodeArtifact.
//!
//! [`start`] runs the server in process (the binary and the tests both use
//! it). The modules are layered, and each uses only those below it:
//!
//! - [`http`]: the routes; [`http::api`] implements the API trait and
//!   [`http::registry`] adapts the package managers' protocols;
//! - [`setup`]: turns the configuration into the running service;
//! - [`service`]: the operations, knowing nothing of HTTP;
//! - [`store`] (domains, repositories, packages, and the assets' bytes),
//!   [`iam`] (signatures, principals,
//!   policies, access), [`token_issuer`] (PASETO tokens), [`throttle`];
//! - [`config`] (the file's syntax), [`endpoint`] (repository endpoint
//!   paths), [`region`]; and `codeartifact-api` (the trait and wire types)
//!   at the bottom.

pub mod config;
pub mod endpoint;
pub mod http;
pub mod iam;
pub mod region;
pub mod service;
pub mod setup;
pub mod store;
pub mod throttle;
pub mod token_issuer;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use dropshot::{ConfigDropshot, HandlerTaskMode, HttpServer, ServerBuilder};

use crate::config::Config;
use crate::http::access::AccessLog;
use crate::http::gate::{self, Gate};
use crate::token_issuer::TokenIssuer;

/// The default listening address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8787";

/// Where the server keeps what must outlive it: the token key, the
/// database, and the package assets' bytes.
#[derive(Debug, Clone)]
pub enum Storage {
    /// A directory, created if needed.
    Dir(PathBuf),
    /// Nothing is kept: domains, repositories, packages and tokens die
    /// with the process.
    Ephemeral,
}

#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub config: Config,
    pub bind: SocketAddr,
    pub storage: Storage,
}

/// A running server: the gate clients connect to, and dropshot behind it.
pub struct RunningServer {
    gate: Gate,
    server: HttpServer<http::HandlerContext>,
    shutdown_grace: Duration,
    log: slog::Logger,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer").field("local_addr", &self.local_addr()).finish()
    }
}

impl RunningServer {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.gate.local_addr()
    }

    /// Stops accepting connections and lets the requests in flight finish,
    /// for the configured grace period at most; then closes every
    /// connection still open.
    pub async fn close(self) -> anyhow::Result<()> {
        let RunningServer { gate, server, shutdown_grace, log } = self;
        gate.stop_accepting();
        let closed = server.close();
        tokio::pin!(closed);
        let closed = match tokio::time::timeout(shutdown_grace, &mut closed).await {
            Ok(closed) => closed,
            Err(_) => {
                slog::warn!(log, "requests still in flight after the grace period; closing their connections";
                    "grace_seconds" => shutdown_grace.as_secs());
                gate.close_all();
                // Their handlers are dropped with their connections.
                tokio::time::timeout(Duration::from_secs(5), closed)
                    .await
                    .unwrap_or_else(|_| Err("connections did not close".into()))
            }
        };
        closed.map_err(|e| anyhow::anyhow!("failed to stop the server: {e}"))
    }

    /// Waits until the server stops on its own.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.server.await.map_err(|e| anyhow::anyhow!("the server stopped: {e}"))
    }
}

/// Starts the server: binds, loads or creates the token key, opens the
/// database, builds the service from the configuration, and starts
/// dropshot on a loopback port behind the gate ([`http::gate`]).
pub async fn start(options: ServerOptions, log: slog::Logger) -> anyhow::Result<RunningServer> {
    let access = Arc::new(AccessLog::new(slog::Drain::is_info_enabled(&log)));
    let log = http::logging::logger(log, Arc::clone(&access));
    // Bound first: a port in use is reported before anything is opened.
    let listener = tokio::net::TcpListener::bind(options.bind)
        .await
        .map_err(|e| anyhow::anyhow!("failed to start the server on {}: {e}", options.bind))?;
    let listening = listener.local_addr()?;
    let storage = match &options.storage {
        Storage::Dir(dir) => {
            let storage = setup::Storage::in_dir(dir)?;
            if TokenIssuer::key_file_is_exposed(dir) {
                slog::warn!(log, "the token key file is readable by others; chmod 600 it";
                    "path" => dir.join(token_issuer::KEY_FILE).display().to_string());
            }
            storage
        }
        Storage::Ephemeral => setup::Storage::ephemeral()?,
    };
    let service =
        setup::service(&options.config, storage, Some(listening), chrono::Utc::now(), &log).await?;
    let api = http::api_description()?;
    let config = ConfigDropshot {
        // Only the gate connects here.
        bind_address: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        default_request_body_max_bytes: 1024 * 1024,
        // A disconnect drops its handler, but a write the handler started
        // runs to its end on the blocking pool (see the store), so nothing
        // is left half-done; running handlers on the connection's task
        // saves a spawn per request.
        default_handler_task_mode: HandlerTaskMode::CancelOnDisconnect,
        // Never log headers: Authorization and X-Amz-Security-Token are among them.
        log_headers: Vec::new(),
        ..Default::default()
    };
    let context = http::HandlerContext { service, access: Arc::clone(&access) };
    let server = ServerBuilder::new(api, context, log.clone())
        .config(config)
        .start()
        .map_err(|e| anyhow::anyhow!("failed to start the HTTP server behind the gate: {e}"))?;
    let connections = &options.config.connections;
    let limits = gate::Limits {
        max_connections: affordable_connections(connections.max, &log),
        idle_timeout: Duration::from_secs(connections.idle_timeout_seconds),
        request_timeout: Duration::from_secs(connections.request_timeout_seconds),
    };
    let gate = Gate::open(listener, server.local_addr(), limits, access, log.clone())?;
    let shutdown_grace = Duration::from_secs(connections.shutdown_grace_seconds);
    Ok(RunningServer { gate, server, shutdown_grace, log })
}

/// Descriptors kept for the database, the assets being read and written,
/// the listeners and the log.
const RESERVED_FDS: u64 = 128;

/// `wanted` connections, or as many as the file-descriptor limit allows
/// once raised to its hard limit (as Go's runtime does): beyond it, accept
/// fails and everyone waits.
fn affordable_connections(wanted: usize, log: &slog::Logger) -> usize {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            slog::warn!(log, "could not read the file-descriptor limit"; "error" => %e);
            return wanted;
        }
    };
    let reserved = RESERVED_FDS + gate::WAITING_AT_ONCE as u64;
    let affordable = limit.saturating_sub(reserved) / gate::FDS_PER_CONNECTION;
    let affordable = usize::try_from(affordable).unwrap_or(usize::MAX).max(1);
    if affordable < wanted {
        slog::warn!(log, "fewer connections than configured: the file-descriptor limit allows no more";
            "connections" => affordable, "configured" => wanted, "nofile_limit" => limit);
        return affordable;
    }
    wanted
}
