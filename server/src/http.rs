//! The dropshot side: the API trait implemented on [`Service`], with AWS's
//! order of work (authenticate, throttle, validate, act) and AWS's error
//! shape for every outcome, a panic included.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use chrono::Utc;
use codeartifact_api::{
    AwsBody, AwsError, AwsQuery, AwsResponse, AwsResponseHeaders, CodeArtifactApi,
    CreateDomainBody, CreateDomainQuery, CreateDomainRequest, CreateDomainResult,
    CreateRepositoryBody, CreateRepositoryRequest, CreateRepositoryResult, DeleteDomainResult,
    DeleteRepositoryResult, DescribeDomainResult, DescribeRepositoryResult, DomainQuery,
    GetAuthorizationTokenRequest, GetAuthorizationTokenResult, GetRepositoryEndpointRequest,
    GetRepositoryEndpointResult, ListDomainsRequest, ListDomainsResult,
    ListRepositoriesInDomainRequest, ListRepositoriesInDomainResult, RepositoryQuery, SignedBody,
};
use dropshot::{HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};
use futures::FutureExt;
use slog::{info, o};

use crate::identity::Caller;
use crate::service::{OpResult, Service};
use crate::sigv4::RequestParts;

/// The server's implementation of [`CodeArtifactApi`].
pub enum ServerImpl {}

impl CodeArtifactApi for ServerImpl {
    type Context = Arc<Service>;

    async fn get_authorization_token(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<GetAuthorizationTokenRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<GetAuthorizationTokenResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, body.as_bytes(), |caller| {
            let input = query.validate()?;
            service.get_authorization_token(&rqctx.log, &caller, &input, Utc::now())
        })
        .await
    }

    async fn create_domain(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<CreateDomainQuery>,
        body: AwsBody<CreateDomainBody>,
    ) -> Result<AwsResponse<CreateDomainResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, body.as_bytes(), |caller| {
            let input = CreateDomainRequest::from_parts(query.params(), body.parse()?)?;
            let domain = service.create_domain(&rqctx.log, &caller, input, Utc::now())?;
            Ok(CreateDomainResult { domain })
        })
        .await
    }

    async fn describe_domain(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<DomainQuery>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribeDomainResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, body.as_bytes(), |caller| {
            let domain = service.describe_domain(&rqctx.log, &caller, &query.validate()?)?;
            Ok(DescribeDomainResult { domain })
        })
        .await
    }

    async fn list_domains(
        rqctx: RequestContext<Self::Context>,
        body: AwsBody<ListDomainsRequest>,
    ) -> Result<AwsResponse<ListDomainsResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, body.as_bytes(), |caller| {
            let input = body.parse()?.validate()?;
            service.list_domains(&rqctx.log, &caller, &input)
        })
        .await
    }

    async fn delete_domain(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<DomainQuery>,
        body: SignedBody,
    ) -> Result<AwsResponse<DeleteDomainResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, body.as_bytes(), |caller| {
            let domain = service.delete_domain(&rqctx.log, &caller, &query.validate()?)?;
            Ok(DeleteDomainResult { domain })
        })
        .await
    }

    async fn create_repository(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<RepositoryQuery>,
        body: AwsBody<CreateRepositoryBody>,
    ) -> Result<AwsResponse<CreateRepositoryResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, body.as_bytes(), |caller| {
            let input = CreateRepositoryRequest::from_parts(query.params(), body.parse()?)?;
            let repository = service.create_repository(&rqctx.log, &caller, input, Utc::now())?;
            Ok(CreateRepositoryResult { repository })
        })
        .await
    }

    async fn describe_repository(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<RepositoryQuery>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribeRepositoryResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, body.as_bytes(), |caller| {
            let repository =
                service.describe_repository(&rqctx.log, &caller, &query.validate()?)?;
            Ok(DescribeRepositoryResult { repository })
        })
        .await
    }

    async fn list_repositories_in_domain(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<ListRepositoriesInDomainRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListRepositoriesInDomainResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, body.as_bytes(), |caller| {
            service.list_repositories_in_domain(&rqctx.log, &caller, &query.validate()?)
        })
        .await
    }

    async fn delete_repository(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<RepositoryQuery>,
        body: SignedBody,
    ) -> Result<AwsResponse<DeleteRepositoryResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, body.as_bytes(), |caller| {
            let repository = service.delete_repository(&rqctx.log, &caller, &query.validate()?)?;
            Ok(DeleteRepositoryResult { repository })
        })
        .await
    }

    async fn get_repository_endpoint(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<GetRepositoryEndpointRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<GetRepositoryEndpointResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, body.as_bytes(), |caller| {
            let input = query.validate()?;
            let base = base_url(&rqctx);
            let repository_endpoint =
                service.get_repository_endpoint(&rqctx.log, &caller, &input, &base)?;
            Ok(GetRepositoryEndpointResult { repository_endpoint })
        })
        .await
    }
}

/// This server's URL as the caller reached it: the `Host` it sent (which
/// SigV4 signs), or the bound address when that is not a valid authority.
fn base_url(rqctx: &RequestContext<Arc<Service>>) -> String {
    let host = rqctx
        .request
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<http::uri::Authority>().ok())
        .filter(|a| !a.as_str().contains('@'));
    match host {
        Some(authority) => format!("http://{authority}"),
        None => format!("http://{}", rqctx.server.local_addr),
    }
}

/// Runs one operation the AWS way: authenticate the caller, apply the rate
/// limit, then `op` (which validates and acts). Every failure, a panic
/// included, becomes an AWS-shaped error carrying the request id.
async fn run<T: serde::Serialize + schemars::JsonSchema + Send + Sync + 'static>(
    rqctx: &RequestContext<Arc<Service>>,
    body: &[u8],
    op: impl FnOnce(Caller) -> OpResult<T>,
) -> Result<AwsResponse<T>, HttpError> {
    let request_id = rqctx.request_id.clone();
    let result = guarded(&rqctx.log, async {
        let caller = authenticate(rqctx, body)?;
        rqctx.context().throttle.check(&caller.principal.arn)?;
        op(caller)
    })
    .await;
    match result {
        Ok(output) => {
            Ok(HttpResponseHeaders::new(HttpResponseOk(output), AwsResponseHeaders { request_id }))
        }
        Err(e) => {
            // Messages never hold secrets: SigV4 errors do not echo the
            // signature, and no token is ever part of an error.
            info!(rqctx.log, "request failed"; o!("code" => e.code.as_str(), "message" => e.message.clone()));
            Err(e.into_http_error(&request_id))
        }
    }
}

/// The operation's result, or an InternalServerException if it panicked:
/// a panic must never drop the connection or reach the client as HTML. What
/// panicked goes to the log, not to the client.
async fn guarded<T>(
    log: &slog::Logger,
    operation: impl std::future::Future<Output = OpResult<T>>,
) -> OpResult<T> {
    AssertUnwindSafe(operation).catch_unwind().await.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        slog::error!(log, "operation panicked"; "panic" => what);
        Err(AwsError::internal("An internal error occurred. Try the request again."))
    })
}

fn authenticate(rqctx: &RequestContext<Arc<Service>>, body: &[u8]) -> OpResult<Caller> {
    let request = &rqctx.request;
    let parts = RequestParts {
        method: request.method().as_str(),
        path: request.uri().path(),
        query: request.uri().query().unwrap_or(""),
        headers: request.headers(),
        body,
    };
    rqctx.context().identities.authenticate(&parts, Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use codeartifact_api::ErrorCode;

    #[tokio::test]
    async fn a_panic_becomes_an_internal_server_exception() {
        let log = slog::Logger::root(slog::Discard, o!());
        let result: OpResult<()> = guarded(&log, async { panic!("boom") }).await;
        let err = result.unwrap_err();
        assert_eq!(err.code, ErrorCode::InternalServerException);
        assert!(!err.message.contains("boom"), "internals stay in the log: {}", err.message);
        let http = err.into_http_error("r");
        assert_eq!(http.status_code.as_u16(), 500);
        assert_eq!(http.headers.unwrap()["x-amzn-errortype"], "InternalServerException");
    }

    #[tokio::test]
    async fn results_pass_through() {
        let log = slog::Logger::root(slog::Discard, o!());
        assert_eq!(guarded(&log, async { Ok(7) }).await.unwrap(), 7);
        let err = guarded::<()>(&log, async { Err(AwsError::validation("v")) }).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationException);
    }
}
