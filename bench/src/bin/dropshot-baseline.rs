//! The framework's share: a dropshot server with one endpoint,
//! `POST /v1/authorization-token`, that answers the same fixed JSON body as
//! the bare hyper baseline and checks nothing. Configured as
//! codeartifact-local configures dropshot (handlers on the connection's task,
//! no headers logged, records below `warn` dropped before they are made).
//! With `--gate`, it listens behind codeartifact-local's connection gate, as
//! the server does, so that the gate's share shows too.
//!
//! `dropshot-baseline --bind ADDR --body-bytes N [--gate]`; prints its
//! address on one line like codeartifact-local does.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use codeartifact_bench::{arg, token_body};
use codeartifact_server::http::gate::{Gate, Limits};
use dropshot::{
    endpoint, ApiDescription, Body, ConfigDropshot, HandlerTaskMode, HttpError, RequestContext,
    ServerBuilder,
};
use http::{Response, StatusCode};

#[endpoint { method = POST, path = "/v1/authorization-token" }]
async fn authorization_token(rqctx: RequestContext<Bytes>) -> Result<Response<Body>, HttpError> {
    let response = Response::builder()
        .status(StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::from(rqctx.context().clone()))?;
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use slog::Drain;
    let bind: SocketAddr = arg("--bind").unwrap_or_else(|| "127.0.0.1:0".into()).parse()?;
    let size: usize = arg("--body-bytes").unwrap_or_else(|| "450".into()).parse()?;
    let gated = std::env::args().any(|a| a == "--gate");

    let log = dropshot::ConfigLogging::StderrTerminal { level: dropshot::ConfigLoggingLevel::Warn }
        .to_logger("dropshot-baseline")?;
    let log =
        slog::Logger::root(slog::LevelFilter::new(log, slog::Level::Warning).fuse(), slog::o!());
    let mut api = ApiDescription::new();
    api.register(authorization_token)?;
    let listener = if gated { Some(tokio::net::TcpListener::bind(bind).await?) } else { None };
    let config = ConfigDropshot {
        bind_address: if gated { SocketAddr::from((Ipv4Addr::LOCALHOST, 0)) } else { bind },
        default_handler_task_mode: HandlerTaskMode::CancelOnDisconnect,
        log_headers: Vec::new(),
        ..Default::default()
    };
    let server = ServerBuilder::new(api, token_body(size), log.clone()).config(config).start()?;
    let (address, _gate) = match listener {
        Some(listener) => {
            let limits = Limits {
                max_connections: 1024,
                idle_timeout: Duration::from_secs(30),
                request_timeout: Duration::from_secs(600),
            };
            let access =
                std::sync::Arc::new(codeartifact_server::http::access::AccessLog::new(false));
            let gate = Gate::open(listener, server.local_addr(), limits, access, log)?;
            (gate.local_addr(), Some(gate))
        }
        None => (server.local_addr(), None),
    };
    println!("dropshot-baseline listening on http://{address}");
    server.await?;
    Ok(())
}
