//! The machine's HTTP limit: a bare hyper server that answers
//! `POST /v1/authorization-token` with a fixed JSON body of a given size and
//! checks nothing. `baseline --bind ADDR --body-bytes N`; prints its address
//! on one line like codeartifact-local does.

use std::convert::Infallible;
use std::net::SocketAddr;

use codeartifact_bench::{arg, token_body};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bind: SocketAddr = arg("--bind").unwrap_or_else(|| "127.0.0.1:0".into()).parse()?;
    let size: usize = arg("--body-bytes").unwrap_or_else(|| "450".into()).parse()?;
    let body = token_body(size);
    let listener = TcpListener::bind(bind).await?;
    println!("baseline listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let body = body.clone();
                async move {
                    let response = if req.method() == hyper::Method::POST
                        && req.uri().path() == "/v1/authorization-token"
                    {
                        Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(body))
                    } else {
                        Response::builder().status(StatusCode::NOT_FOUND).body(Full::default())
                    };
                    Ok::<_, Infallible>(response.expect("a valid response"))
                }
            });
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
