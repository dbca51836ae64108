//! The package managers' side of the repository endpoints
//! ([`crate::endpoint`]): an adapter that translates npm's, pip's and
//! twine's protocols into service calls and the answers back.
//!
//! A request must carry a token for the domain the way its package manager
//! sends it: npm as `Authorization: Bearer <token>`, pip and twine as HTTP
//! Basic with user `aws` and the token as password. Anything else is a 401
//! with `WWW-Authenticate`, before the repository is even looked up. Past
//! that, the server answers as an empty registry: no package exists yet,
//! since it stores none.
//!
//! These routes speak the package managers' protocols, not CodeArtifact's
//! API, so they are not part of the API trait or `openapi.json`.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use codeartifact_api::PackageFormat;
use dropshot::{endpoint, ApiDescription, Body, HttpError, Path, RequestContext};
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, Method, Response, StatusCode};
use schemars::JsonSchema;
use serde::Deserialize;
use slog::Logger;

use crate::endpoint::Endpoint;
use crate::service::{Refused, Service};

/// The user name pip and twine send with the token as password.
const BASIC_USER: &str = "aws";
const REALM: &str = "codeartifact-local";

/// Adds the repository endpoints to the server's routes.
pub fn register(api: &mut ApiDescription<Arc<Service>>) -> Result<(), String> {
    api.register(repository_get).map_err(|e| e.to_string())?;
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
    rqctx: RequestContext<Arc<Service>>,
    path: Path<EndpointPath>,
) -> Result<Response<Body>, HttpError> {
    Ok(answer(&rqctx, path.into_inner()).await)
}

#[endpoint { method = PUT, path = "/d/{domain_owner}/{format}/{repository}/{rest:.*}", unpublished = true }]
async fn repository_put(
    rqctx: RequestContext<Arc<Service>>,
    path: Path<EndpointPath>,
) -> Result<Response<Body>, HttpError> {
    Ok(answer(&rqctx, path.into_inner()).await)
}

#[endpoint { method = POST, path = "/d/{domain_owner}/{format}/{repository}/{rest:.*}", unpublished = true }]
async fn repository_post(
    rqctx: RequestContext<Arc<Service>>,
    path: Path<EndpointPath>,
) -> Result<Response<Body>, HttpError> {
    Ok(answer(&rqctx, path.into_inner()).await)
}

#[endpoint { method = DELETE, path = "/d/{domain_owner}/{format}/{repository}/{rest:.*}", unpublished = true }]
async fn repository_delete(
    rqctx: RequestContext<Arc<Service>>,
    path: Path<EndpointPath>,
) -> Result<Response<Body>, HttpError> {
    Ok(answer(&rqctx, path.into_inner()).await)
}

async fn answer(rqctx: &RequestContext<Arc<Service>>, path: EndpointPath) -> Response<Body> {
    let request = &rqctx.request;
    serve(rqctx.context(), &rqctx.log, request.method(), request.headers(), &path).await
}

/// The whole decision for one request to a repository endpoint.
async fn serve(
    service: &Service,
    log: &Logger,
    method: &Method,
    headers: &HeaderMap,
    path: &EndpointPath,
) -> Response<Body> {
    let Some(endpoint) = Endpoint::parse(&path.domain_owner, &path.format, &path.repository) else {
        return not_found();
    };
    let token = presented_token(headers);
    match service.admit_to_repository(log, token.as_deref(), &endpoint).await {
        Ok(_) => {}
        Err(Refused::Unauthorized(message)) => return unauthorized(&message),
        Err(Refused::NotFound) => return not_found(),
        Err(Refused::Internal) => {
            return respond(StatusCode::INTERNAL_SERVER_ERROR, json_error("internal error"))
        }
    }
    let rest = path.rest.join("/");
    match (endpoint.format, method, rest.as_str()) {
        // npm's health check, and where `npm ping` looks.
        (PackageFormat::Npm, &Method::GET, "" | "-/ping") => json(StatusCode::OK, "{}".into()),
        (PackageFormat::Npm, &Method::GET, "-/whoami") => {
            json(StatusCode::OK, format!(r#"{{"username":"{BASIC_USER}"}}"#))
        }
        // PEP 503: the index of every project, of which there are none.
        (PackageFormat::Pypi, &Method::GET, "simple" | "simple/") => {
            let mut response = respond(StatusCode::OK, EMPTY_SIMPLE_INDEX.to_string());
            set_content_type(&mut response, "text/html; charset=utf-8");
            response
        }
        (_, &Method::GET, _) => not_found(),
        // A 4xx, not 501: twine retries every 5xx at once, five times.
        _ => {
            let mut response = json(
                StatusCode::METHOD_NOT_ALLOWED,
                json_error("Publishing is not supported: this server stores no packages yet"),
            );
            response.headers_mut().insert(http::header::ALLOW, HeaderValue::from_static("GET"));
            response
        }
    }
}

const EMPTY_SIMPLE_INDEX: &str = "<!DOCTYPE html>\n<html>\n  <head>\n    \
    <meta name=\"pypi:repository-version\" content=\"1.0\">\n    \
    <title>Simple index</title>\n  </head>\n  <body>\n  </body>\n</html>\n";

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

fn unauthorized(message: &str) -> Response<Body> {
    let mut response = json(StatusCode::UNAUTHORIZED, json_error(message));
    let headers = response.headers_mut();
    for challenge in [format!("Bearer realm=\"{REALM}\""), format!("Basic realm=\"{REALM}\"")] {
        headers.append(WWW_AUTHENTICATE, HeaderValue::from_str(&challenge).expect("ASCII"));
    }
    response
}

fn not_found() -> Response<Body> {
    json(StatusCode::NOT_FOUND, json_error("Not found"))
}

fn json_error(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}

fn json(status: StatusCode, body: String) -> Response<Body> {
    let mut response = respond(status, body);
    set_content_type(&mut response, "application/json");
    response
}

fn respond(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
}

fn set_content_type(response: &mut Response<Body>, value: &'static str) {
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(value));
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
