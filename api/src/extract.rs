//! Extractors that let a handler authenticate before it validates.
//!
//! dropshot's `Query<T>` answers a malformed query with its own 400 before the
//! handler runs; AWS first checks the signature (an unsigned request with a bad
//! query is a 403) and then reports a ValidationException. [`AwsQuery`]
//! describes itself to the spec exactly as `Query<T>` does but keeps the query
//! raw until the handler makes its input from it ([`crate::FromWire`]),
//! after authentication. [`SignedBody`]
//! hands the handler the body bytes, which SigV4 signs, without adding a
//! request body to the spec; [`AwsBody`] does the same for operations that
//! take a JSON body, which it describes to the spec as `TypedBody<T>` and
//! leaves unparsed.

use std::marker::PhantomData;

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExclusiveExtractor, ExtensionMode, ExtractorMetadata, HttpError,
    Query, RequestContext, ServerContext, SharedExtractor, TypedBody, UntypedBody,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::error::AwsError;
use crate::validation::QueryParams;

/// The query string of a request, described in the spec as `Query<T>` and
/// made into the operation's input by [`crate::FromWire`], after
/// authentication.
#[derive(Debug)]
pub struct AwsQuery<T> {
    params: QueryParams,
    _request: PhantomData<fn() -> T>,
}

impl<T> AwsQuery<T> {
    /// The decoded query, which [`crate::FromWire`] makes the input from.
    pub fn params(&self) -> &QueryParams {
        &self.params
    }
}

#[async_trait]
impl<T> SharedExtractor for AwsQuery<T>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
    ) -> Result<Self, HttpError> {
        let raw = rqctx.request.uri().query().unwrap_or("");
        Ok(Self { params: QueryParams::parse(raw), _request: PhantomData })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <Query<T> as SharedExtractor>::metadata(body_content_type)
    }
}

/// The request body as bytes, for the SigV4 payload hash.
///
/// CodeArtifact's query-only operations carry no body; clients send none, and
/// a body that is sent anyway is signed like any other and otherwise ignored,
/// as AWS does. It adds nothing to the spec.
#[derive(Debug)]
pub struct SignedBody(UntypedBody);

impl SignedBody {
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

#[async_trait]
impl ExclusiveExtractor for SignedBody {
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
        request: http::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        read_body(rqctx, request).await.map(SignedBody)
    }

    fn metadata(_body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        ExtractorMetadata { extension_mode: ExtensionMode::None, parameters: Vec::new() }
    }
}

/// dropshot refuses a body over the server's size limit; say so in AWS's
/// shape, like every other error on these routes.
async fn read_body<Context: ServerContext>(
    rqctx: &RequestContext<Context>,
    request: http::Request<dropshot::Body>,
) -> Result<UntypedBody, HttpError> {
    UntypedBody::from_request(rqctx, request)
        .await
        .map_err(|e| AwsError::validation(e.external_message).into_http_error(&rqctx.request_id))
}

/// A JSON request body, described in the spec as `TypedBody<T>` and parsed
/// (by [`crate::FromWire`], with [`crate::json_body`]) only after
/// authentication. Its bytes are signed like any other body's.
#[derive(Debug)]
pub struct AwsBody<T> {
    body: UntypedBody,
    _request: PhantomData<fn() -> T>,
}

impl<T> AwsBody<T> {
    pub fn as_bytes(&self) -> &[u8] {
        self.body.as_bytes()
    }
}

#[async_trait]
impl<T> ExclusiveExtractor for AwsBody<T>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
        request: http::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        let body = read_body(rqctx, request).await?;
        Ok(Self { body, _request: PhantomData })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody<T> as ExclusiveExtractor>::metadata(body_content_type)
    }
}
