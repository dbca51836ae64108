//! codeartifact-local: a self-hostable, AWS-wire-compatible CodeArtifact
//! authorization-token service.
//!
//! [`start`] runs the server in process (the binary and the tests both use
//! it). One module per concern: [`sigv4`] verifies signatures, [`identity`]
//! knows principals and authenticates, [`access`] and [`policy`] decide IAM
//! questions, [`tokens`] mints and checks tokens, [`store`] keeps domains and
//! repositories, [`domains`] holds what the configuration says about domains,
//! [`throttle`] applies the rate limit, [`service`] holds the operations,
//! [`http`] binds them to the API trait, [`registry`] serves the repository
//! endpoints package managers use, and [`config`] reads the configuration.

pub mod access;
pub mod config;
pub mod domains;
pub mod http;
pub mod identity;
pub mod policy;
pub mod registry;
pub mod service;
pub mod sigv4;
pub mod store;
pub mod throttle;
pub mod tokens;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use dropshot::{ConfigDropshot, HandlerTaskMode, HttpServer, ServerBuilder};

use crate::config::Config;
use crate::service::Service;
use crate::store::{SqliteStore, Store};
use crate::tokens::TokenIssuer;

/// The default listening address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8787";

/// Where the server keeps what must outlive it: the token key and the
/// database of domains and repositories.
#[derive(Debug, Clone)]
pub enum Storage {
    /// A directory, created if needed.
    Dir(PathBuf),
    /// Nothing is kept: domains, repositories and tokens die with the process.
    Ephemeral,
}

#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub config: Config,
    pub bind: SocketAddr,
    pub storage: Storage,
}

/// A running server.
pub struct RunningServer {
    server: HttpServer<Arc<Service>>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer").field("local_addr", &self.local_addr()).finish()
    }
}

impl RunningServer {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Stops accepting connections and waits for requests in flight.
    pub async fn close(self) -> anyhow::Result<()> {
        self.server.close().await.map_err(|e| anyhow::anyhow!("failed to stop the server: {e}"))
    }

    /// Waits until the server stops on its own.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.server.await.map_err(|e| anyhow::anyhow!("the server stopped: {e}"))
    }
}

/// Starts the server: loads or creates the token key, opens the database,
/// builds the service from the configuration and binds.
pub async fn start(options: ServerOptions, log: slog::Logger) -> anyhow::Result<RunningServer> {
    options.config.check().context("invalid configuration")?;
    let (tokens, store): (_, Arc<dyn Store>) = match &options.storage {
        Storage::Dir(dir) => {
            let issuer = TokenIssuer::load_or_create(dir)?;
            if TokenIssuer::key_file_is_exposed(dir) {
                slog::warn!(log, "the token key file is readable by others; chmod 600 it";
                    "path" => dir.join(tokens::KEY_FILE).display().to_string());
            }
            (issuer, Arc::new(SqliteStore::open(dir)?))
        }
        Storage::Ephemeral => (TokenIssuer::ephemeral()?, Arc::new(SqliteStore::in_memory()?)),
    };
    let service = Arc::new(Service::new(&options.config, tokens, store, chrono::Utc::now())?);
    let api = http_api_description()?;
    let config = ConfigDropshot {
        bind_address: options.bind,
        default_request_body_max_bytes: 1024 * 1024,
        // Handlers do all their work without awaiting once the request is
        // read, so a disconnect cannot cut one short half-way; running them
        // on the connection's task saves a spawn per request.
        default_handler_task_mode: HandlerTaskMode::CancelOnDisconnect,
        // Never log headers: Authorization and X-Amz-Security-Token are among them.
        log_headers: Vec::new(),
        ..Default::default()
    };
    let server = ServerBuilder::new(api, service, log)
        .config(config)
        .start()
        .map_err(|e| anyhow::anyhow!("failed to start the server on {}: {e}", options.bind))?;
    Ok(RunningServer { server })
}

/// The API trait's operations, then the repository endpoints.
fn http_api_description() -> anyhow::Result<dropshot::ApiDescription<Arc<Service>>> {
    let mut api = codeartifact_api::code_artifact_api_mod::api_description::<http::ServerImpl>()
        .map_err(|e| anyhow::anyhow!("failed to describe the API: {e}"))?;
    registry::register(&mut api)
        .map_err(|e| anyhow::anyhow!("failed to add the repository endpoints: {e}"))?;
    Ok(api)
}
