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

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use dropshot::{ConfigDropshot, HandlerTaskMode, HttpServer, ServerBuilder};

use crate::config::Config;
use crate::service::Service;
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
    let service = setup::service(&options.config, storage, chrono::Utc::now(), &log).await?;
    let api = http::api_description()?;
    let config = ConfigDropshot {
        bind_address: options.bind,
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
    let server = ServerBuilder::new(api, Arc::new(service), log)
        .config(config)
        .start()
        .map_err(|e| anyhow::anyhow!("failed to start the server on {}: {e}", options.bind))?;
    Ok(RunningServer { server })
}
