//! HTTP: the routes the server answers. [`api`] implements the API trait
//! (CodeArtifact's operations, AWS's wire format); [`registry`] serves the
//! repository endpoints in the package managers' own protocols. Both turn
//! requests into service calls and nothing else. [`docs`] serves the API
//! reference (`/openapi.json`, `/docs`), outside the API and unsigned.

pub mod access;
pub mod api;
pub mod docs;
pub mod gate;
pub mod logging;
pub mod registry;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::StreamExt as _;

use crate::service::{AssetBytes, Service};

/// What every handler reaches through its request context.
#[derive(Debug)]
pub struct HandlerContext {
    pub service: Service,
    pub access: Arc<access::AccessLog>,
}

type Rq = dropshot::RequestContext<HandlerContext>;

/// The API trait's operations, then the repository endpoints and the API
/// reference.
pub fn api_description() -> anyhow::Result<dropshot::ApiDescription<HandlerContext>> {
    let mut api = codeartifact_api::code_artifact_api_mod::api_description::<api::ServerImpl>()
        .map_err(|e| anyhow::anyhow!("failed to describe the API: {e}"))?;
    registry::register(&mut api)
        .map_err(|e| anyhow::anyhow!("failed to add the repository endpoints: {e}"))?;
    docs::register(&mut api)
        .map_err(|e| anyhow::anyhow!("failed to add the API reference: {e}"))?;
    Ok(api)
}

/// The host the caller reached this server at: the `Host` header (which
/// SigV4 signs), or the address the server answers on when that is not a
/// valid authority.
fn host(rqctx: &Rq) -> String {
    let host = rqctx
        .request
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<http::uri::Authority>().ok())
        .filter(|a| !a.as_str().contains('@'))
        .map(|a| a.to_string());
    host.unwrap_or_else(|| rqctx.context().service.fallback_host())
}

/// Assets up to this size go out whole, in one write with their headers:
/// streamed, a small body's second write would wait for the client's
/// delayed ACK (about 40 ms a request on a kept-alive connection, as the
/// benchmark found).
const SENT_WHOLE: u64 = 1 << 20;

/// An asset's bytes as a response body: whole when small, else streamed (a
/// task reads ahead a few chunks into a channel; the body drains it), so a
/// 1 GiB wheel never sits in memory.
async fn asset_body(bytes: AssetBytes) -> dropshot::Body {
    let mut chunks = bytes.chunks;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    if bytes.size <= SENT_WHOLE {
        let mut whole = bytes::BytesMut::with_capacity(bytes.size as usize);
        loop {
            match chunks.next().await {
                Some(Ok(chunk)) => whole.extend_from_slice(&chunk),
                None => return dropshot::Body::with_content(whole.freeze()),
                // Failed part-way: the body fails too, as a streamed one would.
                Some(Err(e)) => {
                    let _ = tx.send(Err(e)).await;
                    return dropshot::Body::wrap(ChannelBody { rx });
                }
            }
        }
    }
    tokio::spawn(async move {
        while let Some(chunk) = chunks.next().await {
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    dropshot::Body::wrap(ChannelBody { rx })
}

/// A response body fed by a channel.
struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        self.rx.poll_recv(cx).map(|chunk| chunk.map(|c| c.map(http_body::Frame::data)))
    }
}
