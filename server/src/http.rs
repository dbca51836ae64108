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
        let (rqctx, query, body) = (&rqctx, &query, &body);
        let service = rqctx.context();
        run(rqctx, body.as_bytes(), |caller| async move {
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
        let (rqctx, query, body) = (&rqctx, &query, &body);
        run(rqctx, body.as_bytes(), |caller| async move {
            let input = CreateDomainRequest::from_parts(query.params(), body.parse()?)?;
            let domain = blocking(rqctx, move |service, log| {
                service.create_domain(log, &caller, input, Utc::now())
            })
            .await?;
            Ok(CreateDomainResult { domain })
        })
        .await
    }

    async fn describe_domain(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<DomainQuery>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribeDomainResult>, HttpError> {
        let (rqctx, query, body) = (&rqctx, &query, &body);
        let service = rqctx.context();
        run(rqctx, body.as_bytes(), |caller| async move {
            let domain = service.describe_domain(&rqctx.log, &caller, &query.validate()?)?;
            Ok(DescribeDomainResult { domain })
        })
        .await
    }

    async fn list_domains(
        rqctx: RequestContext<Self::Context>,
        body: AwsBody<ListDomainsRequest>,
    ) -> Result<AwsResponse<ListDomainsResult>, HttpError> {
        let (rqctx, body) = (&rqctx, &body);
        let service = rqctx.context();
        run(rqctx, body.as_bytes(), |caller| async move {
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
        let (rqctx, query, body) = (&rqctx, &query, &body);
        run(rqctx, body.as_bytes(), |caller| async move {
            let input = query.validate()?;
            let domain =
                blocking(rqctx, move |service, log| service.delete_domain(log, &caller, &input))
                    .await?;
            Ok(DeleteDomainResult { domain })
        })
        .await
    }

    async fn create_repository(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<RepositoryQuery>,
        body: AwsBody<CreateRepositoryBody>,
    ) -> Result<AwsResponse<CreateRepositoryResult>, HttpError> {
        let (rqctx, query, body) = (&rqctx, &query, &body);
        run(rqctx, body.as_bytes(), |caller| async move {
            let input = CreateRepositoryRequest::from_parts(query.params(), body.parse()?)?;
            let repository = blocking(rqctx, move |service, log| {
                service.create_repository(log, &caller, input, Utc::now())
            })
            .await?;
            Ok(CreateRepositoryResult { repository })
        })
        .await
    }

    async fn describe_repository(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<RepositoryQuery>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribeRepositoryResult>, HttpError> {
        let (rqctx, query, body) = (&rqctx, &query, &body);
        let service = rqctx.context();
        run(rqctx, body.as_bytes(), |caller| async move {
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
        let (rqctx, query, body) = (&rqctx, &query, &body);
        let service = rqctx.context();
        run(rqctx, body.as_bytes(), |caller| async move {
            service.list_repositories_in_domain(&rqctx.log, &caller, &query.validate()?)
        })
        .await
    }

    async fn delete_repository(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<RepositoryQuery>,
        body: SignedBody,
    ) -> Result<AwsResponse<DeleteRepositoryResult>, HttpError> {
        let (rqctx, query, body) = (&rqctx, &query, &body);
        run(rqctx, body.as_bytes(), |caller| async move {
            let input = query.validate()?;
            let repository = blocking(rqctx, move |service, log| {
                service.delete_repository(log, &caller, &input)
            })
            .await?;
            Ok(DeleteRepositoryResult { repository })
        })
        .await
    }

    async fn get_repository_endpoint(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<GetRepositoryEndpointRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<GetRepositoryEndpointResult>, HttpError> {
        let (rqctx, query, body) = (&rqctx, &query, &body);
        let service = rqctx.context();
        run(rqctx, body.as_bytes(), |caller| async move {
            let input = query.validate()?;
            let base = base_url(rqctx);
            let repository_endpoint =
                service.get_repository_endpoint(&rqctx.log, &caller, &input, &base)?;
            Ok(GetRepositoryEndpointResult { repository_endpoint })
        })
        .await
    }
}

/// This server's URL as the caller reached it: see [`Service::base_url`].
/// The `Host` header, or the bound address when that is not a valid
/// authority.
fn base_url(rqctx: &RequestContext<Arc<Service>>) -> String {
    let host = rqctx
        .request
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<http::uri::Authority>().ok())
        .filter(|a| !a.as_str().contains('@'))
        .map(|a| a.to_string());
    let host = host.unwrap_or_else(|| rqctx.server.local_addr.to_string());
    rqctx.context().base_url(&host)
}

/// Runs one operation the AWS way: authenticate the caller, apply the rate
/// limit, then `op` (which validates and acts). Every failure, a panic
/// included, becomes an AWS-shaped error carrying the request id. `op`'s
/// future borrows the request's parts, which is why each handler rebinds
/// them as references first.
async fn run<T, Op>(
    rqctx: &RequestContext<Arc<Service>>,
    body: &[u8],
    op: impl FnOnce(Caller) -> Op,
) -> Result<AwsResponse<T>, HttpError>
where
    T: serde::Serialize + schemars::JsonSchema + Send + Sync + 'static,
    Op: std::future::Future<Output = OpResult<T>>,
{
    let request_id = rqctx.request_id.clone();
    let result = guarded(&rqctx.log, async {
        let caller = authenticate(rqctx, body)?;
        rqctx.context().throttle.check(&caller.principal.arn)?;
        op(caller).await
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
    AssertUnwindSafe(operation).catch_unwind().await.unwrap_or_else(|panic| panicked(log, panic))
}

/// Runs work that writes on tokio's blocking pool: a commit waits for the
/// disk, and the connection's task must not wait with it, nor the other
/// requests on its worker thread.
async fn blocking<T: Send + 'static>(
    rqctx: &RequestContext<Arc<Service>>,
    work: impl FnOnce(&Service, &slog::Logger) -> OpResult<T> + Send + 'static,
) -> OpResult<T> {
    on_blocking_pool(Arc::clone(rqctx.context()), &rqctx.log, work).await
}

async fn on_blocking_pool<C: Send + Sync + 'static, T: Send + 'static>(
    context: Arc<C>,
    log: &slog::Logger,
    work: impl FnOnce(&C, &slog::Logger) -> OpResult<T> + Send + 'static,
) -> OpResult<T> {
    let work_log = log.clone();
    match tokio::task::spawn_blocking(move || work(&context, &work_log)).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => panicked(log, e.into_panic()),
        Err(e) => {
            slog::error!(log, "operation cancelled"; "error" => e.to_string());
            Err(AwsError::internal(INTERNAL))
        }
    }
}

/// What panicked goes to the log; the client gets an InternalServerException.
fn panicked<T>(log: &slog::Logger, panic: Box<dyn std::any::Any + Send>) -> OpResult<T> {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    slog::error!(log, "operation panicked"; "panic" => what);
    Err(AwsError::internal(INTERNAL))
}

const INTERNAL: &str = "An internal error occurred. Try the request again.";

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

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn work_on_the_blocking_pool_answers_or_becomes_an_internal_server_exception() {
        let log = slog::Logger::root(slog::Discard, o!());
        let context = Arc::new(41);
        let answer = on_blocking_pool(Arc::clone(&context), &log, |n, _| Ok(n + 1)).await;
        assert_eq!(answer.unwrap(), 42);
        let result: OpResult<()> = on_blocking_pool(context, &log, |_, _| panic!("boom")).await;
        let err = result.unwrap_err();
        assert_eq!(err.code, ErrorCode::InternalServerException);
        assert!(!err.message.contains("boom"));
    }

    #[tokio::test]
    async fn results_pass_through() {
        let log = slog::Logger::root(slog::Discard, o!());
        assert_eq!(guarded(&log, async { Ok(7) }).await.unwrap(), 7);
        let err = guarded::<()>(&log, async { Err(AwsError::validation("v")) }).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationException);
    }
}
