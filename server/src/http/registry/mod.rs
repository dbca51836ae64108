//! The package managers' side of the repository endpoints
//! ([`crate::endpoint`]): adapters that translate npm's, pip's and twine's
//! protocols into service calls and the answers back ([`npm`], [`pypi`]).
//!
//! A request must carry a token for the domain the way its package manager
//! sends it: npm as `Authorization: Bearer <token>`, pip and twine as HTTP
//! Basic with user `aws` and the token as password. Anything else is a 401
//! with `WWW-Authenticate`, before the repository is even looked up.
//!
//! These routes speak the package managers' protocols, not CodeArtifact's
//! API, so they are not part of the API trait or `openapi.json`.

mod npm;
mod pypi;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use codeartifact_api::PackageFormat;
use dropshot::{endpoint, ApiDescription, Body, HttpError, Path, RequestContext, StreamingBody};
use futures::StreamExt as _;
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, Method, Response, StatusCode};
use schemars::JsonSchema;
use serde::Deserialize;
use slog::Logger;

use super::access::{Decision, Outcome};
use super::HandlerContext;
use crate::endpoint::Endpoint;
use crate::service::{Admitted, AssetBytes, EndpointError, Service};

/// The user name pip and twine send with the token as password.
const BASIC_USER: &str = "aws";
const REALM: &str = "codeartifact-local";

/// What dropshot lets an upload's body grow to; the configured
/// `max_asset_size` is enforced below it, by the adapters, as they read.
const MAX_BODY: usize = 1 << 40;

/// Adds the repository endpoints to the server's routes.
pub fn register(api: &mut ApiDescription<HandlerContext>) -> Result<(), String> {
    api.register(repository_get).map_err(|e| e.to_string())?;
    api.register(repository_head).map_err(|e| e.to_string())?;
    api.register(repository_put).map_err(|e| e.to_string())?;
    api.register(repository_post).map_err(|e| e.to_string())?;
    api.register(repository_delete).map_err(|e| e.to_string())?;
    Ok(())
}

/// The path of a request to a repository endpoint, as routed.
#[derive(Debug, Deserialize, JsonSchema)]
struct EndpointPath {
    /// `<domain>-<owner>`.
    domain_owner: String,
    format: String,
    repository: String,
    /// What the package manager asks for, below the repository, by segment.
    rest: Vec<String>,
}

#[endpoint { method = GET, path = "/d/{domain_owner}/{format}/{repository}/{rest:.*}", unpublished = true }]
async fn repository_get(
    rqctx: RequestContext<HandlerContext>,
    path: Path<EndpointPath>,
) -> Result<Response<Body>, HttpError> {
    Ok(answer(&rqctx, path.into_inner(), None).await)
}

/// HEAD, which package managers and proxies use to probe: answered as GET,
/// with the same status and headers, and no body (hyper leaves it out).
#[endpoint { method = HEAD, path = "/d/{domain_owner}/{format}/{repository}/{rest:.*}", unpublished = true }]
async fn repository_head(
    rqctx: RequestContext<HandlerContext>,
    path: Path<EndpointPath>,
) -> Result<Response<Body>, HttpError> {
    Ok(answer(&rqctx, path.into_inner(), None).await)
}

#[endpoint {
    method = PUT,
    path = "/d/{domain_owner}/{format}/{repository}/{rest:.*}",
    unpublished = true,
    request_body_max_bytes = MAX_BODY,
}]
async fn repository_put(
    rqctx: RequestContext<HandlerContext>,
    path: Path<EndpointPath>,
    body: StreamingBody,
) -> Result<Response<Body>, HttpError> {
    Ok(answer(&rqctx, path.into_inner(), Some(body)).await)
}

#[endpoint {
    method = POST,
    path = "/d/{domain_owner}/{format}/{repository}/{rest:.*}",
    unpublished = true,
    request_body_max_bytes = MAX_BODY,
}]
async fn repository_post(
    rqctx: RequestContext<HandlerContext>,
    path: Path<EndpointPath>,
    body: StreamingBody,
) -> Result<Response<Body>, HttpError> {
    Ok(answer(&rqctx, path.into_inner(), Some(body)).await)
}

#[endpoint { method = DELETE, path = "/d/{domain_owner}/{format}/{repository}/{rest:.*}", unpublished = true }]
async fn repository_delete(
    rqctx: RequestContext<HandlerContext>,
    path: Path<EndpointPath>,
) -> Result<Response<Body>, HttpError> {
    Ok(answer(&rqctx, path.into_inner(), None).await)
}

/// One request to a repository endpoint, admitted: what its adapter needs.
struct Request<'a> {
    service: &'a Service,
    log: &'a Logger,
    method: &'a Method,
    headers: &'a HeaderMap,
    who: Admitted,
    /// The endpoint's URL, ending with `/`, as the client reached it.
    base: String,
    /// Below the endpoint, by decoded segment.
    segments: Vec<&'a str>,
    /// Whether the path ended with `/`, which the router's segments do not
    /// show (PEP 503's URLs end with one).
    trailing_slash: bool,
    body: Option<StreamingBody>,
    now: i64,
}

async fn answer(
    rqctx: &RequestContext<HandlerContext>,
    path: EndpointPath,
    body: Option<StreamingBody>,
) -> Response<Body> {
    let Some(endpoint) = Endpoint::parse(&path.domain_owner, &path.format, &path.repository) else {
        return text(StatusCode::NOT_FOUND, "Not found");
    };
    let access = &rqctx.context().access;
    let (principal, answer) = match admit_and_serve(rqctx, &path, &endpoint, body).await {
        Ok((principal, answer)) => (Some(principal), answer),
        Err(refusal) => (None, Err(refusal)),
    };
    let refusal = match answer {
        Ok(response) => {
            let decision = Some(Decision::Allowed);
            access.record(&rqctx.request_id, Outcome { principal, decision, ..Outcome::default() });
            return response;
        }
        Err(refusal) => refusal,
    };
    let decision = match &refusal {
        Refusal::Service(EndpointError::Unauthorized(_)) => Some(Decision::Unauthenticated),
        Refusal::Service(EndpointError::Forbidden(_)) => Some(Decision::Denied),
        _ => None,
    };
    let message = Some(status(&refusal).1.to_string());
    access.record(&rqctx.request_id, Outcome { principal, decision, message, error: None });
    failure(endpoint.format, &refusal)
}

/// Admits the request's token to the endpoint's repository, then has the
/// format's adapter answer; with the admitted principal's ARN.
async fn admit_and_serve(
    rqctx: &RequestContext<HandlerContext>,
    path: &EndpointPath,
    endpoint: &Endpoint<'_>,
    body: Option<StreamingBody>,
) -> Result<(String, Answer), Refusal> {
    let service = &rqctx.context().service;
    let request = &rqctx.request;
    let token = presented_token(request.headers());
    let who = service.admit_to_repository(&rqctx.log, token.as_deref(), endpoint).await?;
    let principal = who.principal_arn().to_string();
    let base = format!("{}{}", service.base_url(&super::host(rqctx)), endpoint.path());
    let segments = path.rest.iter().map(String::as_str).collect();
    let request = Request {
        service,
        log: &rqctx.log,
        method: if request.method() == Method::HEAD { &Method::GET } else { request.method() },
        headers: request.headers(),
        who,
        base,
        segments,
        trailing_slash: request.uri().path().ends_with('/'),
        body,
        now: chrono::Utc::now().timestamp(),
    };
    let answer = match endpoint.format {
        PackageFormat::Npm => npm::serve(request).await,
        PackageFormat::Pypi => pypi::serve(request).await,
        _ => Err(Refusal::Service(EndpointError::NotFound(format!(
            "This server does not serve {} packages at repository endpoints yet",
            endpoint.format
        )))),
    };
    Ok((principal, answer))
}

/// Why an adapter did not answer: the service refused, or the protocol
/// itself does (a method the path does not take, a representation the
/// client does not accept).
#[derive(Debug)]
enum Refusal {
    Service(EndpointError),
    /// The methods the path takes, for `Allow`.
    MethodNotAllowed(&'static str),
    NotAcceptable(&'static str),
}

impl From<EndpointError> for Refusal {
    fn from(e: EndpointError) -> Self {
        Refusal::Service(e)
    }
}

type Answer = Result<Response<Body>, Refusal>;

/// The status of each refusal, as the package managers understand it.
fn status(refusal: &Refusal) -> (StatusCode, &str) {
    let status = match refusal {
        Refusal::Service(e) => match e {
            EndpointError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            EndpointError::Forbidden(_) => StatusCode::FORBIDDEN,
            EndpointError::NotFound(_) => StatusCode::NOT_FOUND,
            EndpointError::Conflict(_) => StatusCode::CONFLICT,
            EndpointError::BadRequest(_) => StatusCode::BAD_REQUEST,
            EndpointError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            // A 5xx, which twine retries five times at once: only for what
            // really failed here.
            EndpointError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        },
        Refusal::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
        Refusal::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
    };
    let message = match refusal {
        Refusal::Service(e) => e.message(),
        Refusal::MethodNotAllowed(_) => "This method is not allowed here",
        Refusal::NotAcceptable(acceptable) => acceptable,
    };
    (status, message)
}

/// An error in the shape each package manager prints: npm shows the
/// `error` member of a JSON body; pip and twine show the status line (and
/// twine, with `--verbose`, the body as text).
fn failure(format: PackageFormat, refusal: &Refusal) -> Response<Body> {
    let (status, message) = status(refusal);
    let mut response = match format {
        PackageFormat::Npm => json(status, serde_json::json!({ "error": message }).to_string()),
        _ => text(status, message),
    };
    let headers = response.headers_mut();
    match refusal {
        Refusal::Service(EndpointError::Unauthorized(_)) => {
            for challenge in
                [format!("Bearer realm=\"{REALM}\""), format!("Basic realm=\"{REALM}\"")]
            {
                headers.append(WWW_AUTHENTICATE, HeaderValue::from_str(&challenge).expect("ASCII"));
            }
        }
        Refusal::MethodNotAllowed(allow) => {
            headers.insert(http::header::ALLOW, HeaderValue::from_static(allow));
        }
        _ => {}
    }
    response
}

/// The token in `Authorization`: `Bearer <token>`, or `Basic` with user
/// `aws` and the token as password.
fn presented_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.trim().split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(credentials.to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(STANDARD.decode(credentials).ok()?).ok()?;
        let (user, password) = decoded.split_once(':')?;
        return (user == BASIC_USER).then(|| password.to_string());
    }
    None
}

/// The whole body, refused past `limit` bytes (a 413, whatever dropshot
/// would have allowed).
async fn collect(body: Option<StreamingBody>, limit: u64) -> Result<Bytes, EndpointError> {
    let Some(body) = body else { return Ok(Bytes::new()) };
    let mut out = bytes::BytesMut::new();
    let mut stream = std::pin::pin!(body.into_stream());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| EndpointError::BadRequest(e.external_message))?;
        if out.len() as u64 + chunk.len() as u64 > limit {
            return Err(EndpointError::TooLarge(format!(
                "The request body is larger than {limit} bytes"
            )));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

fn header(headers: &HeaderMap, name: http::header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn json(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    respond(status, "application/json", body)
}

fn text(status: StatusCode, body: &str) -> Response<Body> {
    respond(status, "text/plain; charset=utf-8", format!("{body}\n"))
}

fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(Body::with_content(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// An asset's bytes, streamed from storage: a 1 GiB wheel never sits in
/// memory.
async fn download(bytes: AssetBytes, content_type: &'static str) -> Response<Body> {
    let size = bytes.size;
    let mut response = Response::new(super::asset_body(bytes).await);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(size));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_read_as_each_package_manager_sends_them() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            presented_token(&headers)
        };
        assert_eq!(with("Bearer abc.def").as_deref(), Some("abc.def"));
        assert_eq!(with("bearer  abc ").as_deref(), Some("abc"));
        let basic = |user_pass: &str| format!("Basic {}", STANDARD.encode(user_pass));
        assert_eq!(with(&basic("aws:tok-en")).as_deref(), Some("tok-en"));
        assert_eq!(with(&basic("admin:tok-en")), None);
        assert_eq!(with("Basic !!!"), None);
        assert_eq!(with("Digest abc"), None);
        assert_eq!(presented_token(&HeaderMap::new()), None);
    }
}
