//! The API trait implemented on [`Service`], with AWS's order of work
//! (authenticate, throttle, validate, act) and AWS's error shape for every
//! outcome, a panic included.
//!
//! Every handler reads the same way: make the input from the query and the
//! body ([`FromWire`], which only reports its error once the caller is
//! admitted), then run the service's operation through [`operation`].

use std::panic::AssertUnwindSafe;

use super::access::{Decision, Outcome};
use super::{HandlerContext, Rq};
use crate::iam::sigv4::RequestParts;
use crate::service::{Call, OpResult, Service};
use bytes::Bytes;
use chrono::Utc;
use codeartifact_api::{
    drain, Answer, ApiError, AwsBody, AwsError, AwsQuery, AwsResponse, AwsResponseHeaders,
    CodeArtifactApi, CreateDomainBody, CreateDomainQuery, CreateDomainRequest, CreateDomainResult,
    CreateRepositoryBody, CreateRepositoryQuery, CreateRepositoryRequest, CreateRepositoryResult,
    DeleteDomainResult, DeleteRepositoryResult, DescribeDomainResult, DescribeRepositoryResult,
    DomainRequest, FromWire, GetAuthorizationTokenRequest, GetAuthorizationTokenResult,
    GetRepositoryEndpointRequest, GetRepositoryEndpointResult, ListDomainsRequest,
    ListDomainsResult, ListRepositoriesInDomainRequest, ListRepositoriesInDomainResult,
    RepositoryRequest, SignedBody, UnreadBody,
};
use codeartifact_api::{
    AssetHeaders, AssetResponse, DeletePackageResult, DeletePackageVersionsBody,
    DeletePackageVersionsQuery, DeletePackageVersionsRequest, DeletePackageVersionsResult,
    DescribePackageResult, DescribePackageVersionResult, DisposePackageVersionsBody,
    DisposePackageVersionsQuery, DisposePackageVersionsRequest, DisposePackageVersionsResult,
    GetPackageVersionAssetRequest, GetPackageVersionReadmeResult, ListPackageVersionAssetsRequest,
    ListPackageVersionAssetsResult, ListPackageVersionsRequest, ListPackageVersionsResult,
    ListPackagesRequest, ListPackagesResult, PackageRequest, PackageVersionRequest,
    UpdatePackageVersionsStatusBody, UpdatePackageVersionsStatusQuery,
    UpdatePackageVersionsStatusRequest, UpdatePackageVersionsStatusResult,
};
use codeartifact_api::{
    AssociateExternalConnectionRequest, AssociateExternalConnectionResult,
    DisassociateExternalConnectionRequest, DisassociateExternalConnectionResult,
};
use codeartifact_api::{
    AwsHeaders, CopyPackageVersionsBody, CopyPackageVersionsQuery, CopyPackageVersionsRequest,
    CopyPackageVersionsResult, ListPackageVersionDependenciesRequest,
    ListPackageVersionDependenciesResult, ListRepositoriesRequest, ListRepositoriesResult,
    PublishPackageVersionHeaders, PublishPackageVersionQuery, PublishPackageVersionRequest,
    PublishPackageVersionResult, PutPackageOriginConfigurationBody,
    PutPackageOriginConfigurationQuery, PutPackageOriginConfigurationRequest,
    PutPackageOriginConfigurationResult, UpdateRepositoryBody, UpdateRepositoryQuery,
    UpdateRepositoryRequest, UpdateRepositoryResult, ASSET_SHA256_HEADER,
};
use dropshot::{FreeformBody, HttpResponseHeaders, HttpResponseOk, StreamingBody};
use futures::{FutureExt, StreamExt};

/// The server's implementation of [`CodeArtifactApi`].
pub enum ServerImpl {}

impl CodeArtifactApi for ServerImpl {
    type Context = HandlerContext;

    async fn get_authorization_token(
        rqctx: Rq,
        query: AwsQuery<GetAuthorizationTokenRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<GetAuthorizationTokenResult>, ApiError> {
        let input = |body: &[u8]| GetAuthorizationTokenRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.get_authorization_token(call, input?).await
        })
        .await
    }

    async fn create_domain(
        rqctx: Rq,
        query: AwsQuery<CreateDomainQuery>,
        body: AwsBody<CreateDomainBody>,
    ) -> Result<AwsResponse<CreateDomainResult>, ApiError> {
        let input = |body: &[u8]| CreateDomainRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| s.create_domain(call, input?).await)
            .await
    }

    async fn describe_domain(
        rqctx: Rq,
        query: AwsQuery<DomainRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribeDomainResult>, ApiError> {
        let input = |body: &[u8]| DomainRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| s.describe_domain(call, input?).await)
            .await
    }

    async fn list_domains(
        rqctx: Rq,
        body: AwsBody<ListDomainsRequest>,
    ) -> Result<AwsResponse<ListDomainsResult>, ApiError> {
        let input = |body: &[u8]| ListDomainsRequest::from_wire(&Default::default(), body);
        operation(&rqctx, body, input, async |s, call, input| s.list_domains(call, input?).await)
            .await
    }

    async fn delete_domain(
        rqctx: Rq,
        query: AwsQuery<DomainRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DeleteDomainResult>, ApiError> {
        let input = |body: &[u8]| DomainRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| s.delete_domain(call, input?).await)
            .await
    }

    async fn create_repository(
        rqctx: Rq,
        query: AwsQuery<CreateRepositoryQuery>,
        body: AwsBody<CreateRepositoryBody>,
    ) -> Result<AwsResponse<CreateRepositoryResult>, ApiError> {
        let input = |body: &[u8]| CreateRepositoryRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.create_repository(call, input?).await
        })
        .await
    }

    async fn describe_repository(
        rqctx: Rq,
        query: AwsQuery<RepositoryRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribeRepositoryResult>, ApiError> {
        let input = |body: &[u8]| RepositoryRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.describe_repository(call, input?).await
        })
        .await
    }

    async fn list_repositories_in_domain(
        rqctx: Rq,
        query: AwsQuery<ListRepositoriesInDomainRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListRepositoriesInDomainResult>, ApiError> {
        let input = |body: &[u8]| ListRepositoriesInDomainRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.list_repositories_in_domain(call, input?).await
        })
        .await
    }

    async fn delete_repository(
        rqctx: Rq,
        query: AwsQuery<RepositoryRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DeleteRepositoryResult>, ApiError> {
        let input = |body: &[u8]| RepositoryRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.delete_repository(call, input?).await
        })
        .await
    }

    async fn get_repository_endpoint(
        rqctx: Rq,
        query: AwsQuery<GetRepositoryEndpointRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<GetRepositoryEndpointResult>, ApiError> {
        let input = |body: &[u8]| GetRepositoryEndpointRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.get_repository_endpoint(call, input?).await
        })
        .await
    }

    async fn list_packages(
        rqctx: Rq,
        query: AwsQuery<ListPackagesRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListPackagesResult>, ApiError> {
        let input = |body: &[u8]| ListPackagesRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| s.list_packages(call, input?).await)
            .await
    }

    async fn describe_package(
        rqctx: Rq,
        query: AwsQuery<PackageRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribePackageResult>, ApiError> {
        let input = |body: &[u8]| PackageRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.describe_package(call, input?).await
        })
        .await
    }

    async fn delete_package(
        rqctx: Rq,
        query: AwsQuery<PackageRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DeletePackageResult>, ApiError> {
        let input = |body: &[u8]| PackageRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| s.delete_package(call, input?).await)
            .await
    }

    async fn list_package_versions(
        rqctx: Rq,
        query: AwsQuery<ListPackageVersionsRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListPackageVersionsResult>, ApiError> {
        let input = |body: &[u8]| ListPackageVersionsRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.list_package_versions(call, input?).await
        })
        .await
    }

    async fn describe_package_version(
        rqctx: Rq,
        query: AwsQuery<PackageVersionRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribePackageVersionResult>, ApiError> {
        let input = |body: &[u8]| PackageVersionRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.describe_package_version(call, input?).await
        })
        .await
    }

    async fn list_package_version_assets(
        rqctx: Rq,
        query: AwsQuery<ListPackageVersionAssetsRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListPackageVersionAssetsResult>, ApiError> {
        let input = |body: &[u8]| ListPackageVersionAssetsRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.list_package_version_assets(call, input?).await
        })
        .await
    }

    async fn get_package_version_asset(
        rqctx: Rq,
        query: AwsQuery<GetPackageVersionAssetRequest>,
        body: SignedBody,
    ) -> Result<AssetResponse, ApiError> {
        Ok(Answer::from(
            async {
                let body = read(&rqctx, body.into()).await?;
                let input = GetPackageVersionAssetRequest::from_wire(query.params(), &body);
                let asset = admitted(&rqctx, Signed::Body(&body), async |s, call| {
                    s.get_package_version_asset(call, input?).await
                })
                .await?;
                let headers = AssetHeaders {
                    request_id: rqctx.request_id.clone(),
                    asset_name: asset.name,
                    package_version: asset.version,
                    package_version_revision: asset.revision,
                };
                let body = FreeformBody(super::asset_body(asset.bytes).await);
                Ok(HttpResponseHeaders::new(HttpResponseOk(body), headers))
            }
            .await,
        ))
    }

    async fn get_package_version_readme(
        rqctx: Rq,
        query: AwsQuery<PackageVersionRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<GetPackageVersionReadmeResult>, ApiError> {
        let input = |body: &[u8]| PackageVersionRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.get_package_version_readme(call, input?).await
        })
        .await
    }

    async fn update_package_versions_status(
        rqctx: Rq,
        query: AwsQuery<UpdatePackageVersionsStatusQuery>,
        body: AwsBody<UpdatePackageVersionsStatusBody>,
    ) -> Result<AwsResponse<UpdatePackageVersionsStatusResult>, ApiError> {
        let input =
            |body: &[u8]| UpdatePackageVersionsStatusRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.update_package_versions_status(call, input?).await
        })
        .await
    }

    async fn delete_package_versions(
        rqctx: Rq,
        query: AwsQuery<DeletePackageVersionsQuery>,
        body: AwsBody<DeletePackageVersionsBody>,
    ) -> Result<AwsResponse<DeletePackageVersionsResult>, ApiError> {
        let input = |body: &[u8]| DeletePackageVersionsRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.delete_package_versions(call, input?).await
        })
        .await
    }

    async fn dispose_package_versions(
        rqctx: Rq,
        query: AwsQuery<DisposePackageVersionsQuery>,
        body: AwsBody<DisposePackageVersionsBody>,
    ) -> Result<AwsResponse<DisposePackageVersionsResult>, ApiError> {
        let input = |body: &[u8]| DisposePackageVersionsRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.dispose_package_versions(call, input?).await
        })
        .await
    }

    async fn update_repository(
        rqctx: Rq,
        query: AwsQuery<UpdateRepositoryQuery>,
        body: AwsBody<UpdateRepositoryBody>,
    ) -> Result<AwsResponse<UpdateRepositoryResult>, ApiError> {
        let input = |body: &[u8]| UpdateRepositoryRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.update_repository(call, input?).await
        })
        .await
    }

    async fn associate_external_connection(
        rqctx: Rq,
        query: AwsQuery<AssociateExternalConnectionRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<AssociateExternalConnectionResult>, ApiError> {
        let input =
            |body: &[u8]| AssociateExternalConnectionRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.associate_external_connection(call, input?).await
        })
        .await
    }

    async fn disassociate_external_connection(
        rqctx: Rq,
        query: AwsQuery<DisassociateExternalConnectionRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DisassociateExternalConnectionResult>, ApiError> {
        let input =
            |body: &[u8]| DisassociateExternalConnectionRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.disassociate_external_connection(call, input?).await
        })
        .await
    }

    async fn list_repositories(
        rqctx: Rq,
        query: AwsQuery<ListRepositoriesRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListRepositoriesResult>, ApiError> {
        let input = |body: &[u8]| ListRepositoriesRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.list_repositories(call, input?).await
        })
        .await
    }

    async fn put_package_origin_configuration(
        rqctx: Rq,
        query: AwsQuery<PutPackageOriginConfigurationQuery>,
        body: AwsBody<PutPackageOriginConfigurationBody>,
    ) -> Result<AwsResponse<PutPackageOriginConfigurationResult>, ApiError> {
        let input =
            |body: &[u8]| PutPackageOriginConfigurationRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.put_package_origin_configuration(call, input?).await
        })
        .await
    }

    async fn list_package_version_dependencies(
        rqctx: Rq,
        query: AwsQuery<ListPackageVersionDependenciesRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListPackageVersionDependenciesResult>, ApiError> {
        let input =
            |body: &[u8]| ListPackageVersionDependenciesRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.list_package_version_dependencies(call, input?).await
        })
        .await
    }

    /// The asset is the body, streamed into storage: the signature covers
    /// the SHA-256 the request declares (as the signing clients compute
    /// it), and the service checks the bytes against it.
    async fn publish_package_version(
        rqctx: Rq,
        query: AwsQuery<PublishPackageVersionQuery>,
        headers: AwsHeaders<PublishPackageVersionHeaders>,
        body: StreamingBody,
    ) -> Result<AwsResponse<PublishPackageVersionResult>, ApiError> {
        let declared = headers.get(ASSET_SHA256_HEADER);
        let input = PublishPackageVersionRequest::from_wire(query.params(), declared.as_deref());
        let (signed, body) = match declared {
            Some(hash) => (hash, Some(body)),
            // Without the header, a client signs the body's own hash
            // (botocore does): hash it, keeping nothing, so that the
            // signature is checked before the missing header is reported,
            // as AWS does, instead of failing as a bad signature.
            None => match hash_of(&rqctx, body).await {
                Ok(hash) => (hash, None),
                Err(e) => return Ok(Answer::Failure(closing(e))),
            },
        };
        let output = admitted(&rqctx, Signed::Declared(&signed), async |s, call| {
            let input = input?;
            let body = body.expect("the asset is kept whenever its hash is declared");
            let stream = body.into_stream().map(|chunk| chunk.map_err(|e| e.external_message));
            s.publish_package_version(call, input, stream).await
        })
        .await
        // Refused, perhaps before the asset was read: the rest of it is
        // still on the connection, which cannot serve another request. Say
        // so, rather than leave the client to find a dead socket.
        .map_err(closing);
        let request_id = rqctx.request_id.clone();
        Ok(Answer::from(output.map(|output| {
            HttpResponseHeaders::new(HttpResponseOk(output), AwsResponseHeaders { request_id })
        })))
    }

    async fn copy_package_versions(
        rqctx: Rq,
        query: AwsQuery<CopyPackageVersionsQuery>,
        body: AwsBody<CopyPackageVersionsBody>,
    ) -> Result<AwsResponse<CopyPackageVersionsResult>, ApiError> {
        let input = |body: &[u8]| CopyPackageVersionsRequest::from_wire(query.params(), body);
        operation(&rqctx, body, input, async |s, call, input| {
            s.copy_package_versions(call, input?).await
        })
        .await
    }
}

/// Runs one operation the AWS way: reads the body once the headers pass
/// ([`read`]), makes the input from it, then runs `op` once the caller is
/// admitted ([`admitted`]), and answers its result as JSON with the request
/// id, or its error as AWS does ([`Answer`]).
async fn operation<I, T>(
    rqctx: &Rq,
    body: impl Into<UnreadBody>,
    input: impl FnOnce(&[u8]) -> Result<I, AwsError>,
    op: impl AsyncFnOnce(&Service, &Call, Result<I, AwsError>) -> OpResult<T>,
) -> Result<AwsResponse<T>, ApiError>
where
    T: serde::Serialize + schemars::JsonSchema + Send + Sync + 'static,
{
    Ok(Answer::from(
        async {
            let body = read(rqctx, body.into()).await?;
            let input = input(&body);
            let output =
                admitted(rqctx, Signed::Body(&body), async |s, call| op(s, call, input).await)
                    .await?;
            let request_id = rqctx.request_id.clone();
            Ok(HttpResponseHeaders::new(HttpResponseOk(output), AwsResponseHeaders { request_id }))
        }
        .await,
    ))
}

/// The request's body, read only once what the headers alone decide is
/// decided (the signature's form, scope and date, and its access key: see
/// [`Service::screen`]), so that a request refused from its headers is
/// refused before a byte of its body is read; within the configured
/// deadline, however it trickles in. A body not read to its end leaves the
/// connection unusable, so those refusals close it.
async fn read(rqctx: &Rq, body: UnreadBody) -> Result<Bytes, ApiError> {
    let service = &rqctx.context().service;
    if !body.is_empty() {
        let headers_only = Signed::Body(&[]).parts(&rqctx.request);
        let screened = service.screen(&headers_only, Utc::now());
        screened.map_err(|e| closing(failure(rqctx, e)))?;
    }
    body.read(service.body_deadline()).await.map_err(|e| closing(failure(rqctx, e)))
}

fn closing(mut error: ApiError) -> ApiError {
    error.insert_header(http::header::CONNECTION, http::HeaderValue::from_static("close"));
    error
}

/// Notes why a request failed for its access line, and answers it in
/// AWS's shape.
fn failure(rqctx: &Rq, e: AwsError) -> ApiError {
    // Messages never hold secrets: SigV4 errors do not echo the
    // signature, and no token is ever part of an error.
    let outcome = Outcome {
        principal: None,
        decision: Decision::of_error(e.code),
        error: Some(e.code.as_str()),
        message: Some(e.message.clone()),
    };
    rqctx.context().access.record(&rqctx.request_id, outcome);
    e.into_api_error(&rqctx.request_id)
}

/// The SHA-256 of a streamed body, in hex, read to its end and not kept.
async fn hash_of(rqctx: &Rq, body: StreamingBody) -> Result<String, ApiError> {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let deadline = rqctx.context().service.body_deadline();
    drain(body, deadline, |chunk| hasher.update(chunk)).await.map_err(|e| failure(rqctx, e))?;
    Ok(hex::encode(hasher.finalize()))
}

/// What the signature covers: the body read whole, or the SHA-256 a
/// streamed body declares.
enum Signed<'a> {
    Body(&'a [u8]),
    Declared(&'a str),
}

impl<'a> Signed<'a> {
    /// The request as SigV4 reads it, with what this covers as its payload.
    fn parts(self, request: &'a dropshot::RequestInfo) -> RequestParts<'a> {
        let (body, payload_hash) = match self {
            Signed::Body(body) => (body, None),
            Signed::Declared(hash) => (&[][..], Some(hash)),
        };
        RequestParts {
            method: request.method().as_str(),
            path: request.uri().path(),
            query: request.uri().query().unwrap_or(""),
            headers: request.headers(),
            body,
            payload_hash,
        }
    }
}

/// Admits the caller (signature, then rate limit), then runs `op` (which
/// validates and acts). Every failure, a panic included, becomes an
/// AWS-shaped error carrying the request id.
async fn admitted<T>(
    rqctx: &Rq,
    signed: Signed<'_>,
    op: impl AsyncFnOnce(&Service, &Call) -> OpResult<T>,
) -> Result<T, ApiError> {
    let context = rqctx.context();
    let mut principal = None;
    let result = guarded(&rqctx.log, async {
        let now = Utc::now();
        let caller = context.service.admit(&signed.parts(&rqctx.request), now)?;
        principal = Some(caller.principal.arn.clone());
        let call = Call { log: rqctx.log.clone(), caller, now, host: super::host(rqctx) };
        op(&context.service, &call).await
    })
    .await;
    let decision = result.is_ok().then_some(Decision::Allowed);
    context.access.record(&rqctx.request_id, Outcome { principal, decision, ..Outcome::default() });
    result.map_err(|e| failure(rqctx, e))
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
        Err(AwsError::internal())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use codeartifact_api::ErrorCode;
    use slog::o;

    #[tokio::test]
    async fn a_panic_becomes_an_internal_server_exception() {
        let log = slog::Logger::root(slog::Discard, o!());
        let result: OpResult<()> = guarded(&log, async { panic!("boom") }).await;
        let err = result.unwrap_err();
        assert_eq!(err.code, ErrorCode::InternalServerException);
        assert!(!err.message.contains("boom"), "internals stay in the log: {}", err.message);
        let answer = err.into_api_error("r");
        assert_eq!(answer.status().as_u16(), 500);
        assert_eq!(answer.headers()["x-amzn-errortype"], "InternalServerException");
    }

    #[tokio::test]
    async fn results_pass_through() {
        let log = slog::Logger::root(slog::Discard, o!());
        assert_eq!(guarded(&log, async { Ok(7) }).await.unwrap(), 7);
        let err = guarded::<()>(&log, async { Err(AwsError::validation("v")) }).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationException);
    }
}
