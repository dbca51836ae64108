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
//! leaves unparsed. [`AwsHeaders`] does for request headers what
//! [`AwsQuery`] does for the query: described as `Header<T>`, read raw.

use std::marker::PhantomData;

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExclusiveExtractor, ExtensionMode, ExtractorMetadata, Header,
    HttpError, Query, RequestContext, ServerContext, SharedExtractor, TypedBody, UntypedBody,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::error::{AwsError, ErrorCode, MISSING_AUTHENTICATION_TOKEN};
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

/// The headers of a request that an operation takes as input, described in
/// the spec as `Header<T>` (one header parameter for each field of `T`) and
/// read by the handler, after authentication.
///
/// dropshot's `Header<T>` would answer a missing or malformed header with
/// its own 400 before the handler runs; AWS authenticates first and then
/// reports a ValidationException naming the model's member.
#[derive(Debug)]
pub struct AwsHeaders<T> {
    headers: http::HeaderMap,
    _request: PhantomData<fn() -> T>,
}

impl<T> AwsHeaders<T> {
    /// The headers as sent (all of them, not only those `T` names).
    pub fn from_map(headers: http::HeaderMap) -> Self {
        Self { headers, _request: PhantomData }
    }

    /// The value of header `name` (any case), or `None` when it was not
    /// sent. A header sent more than once has its values joined with `, `,
    /// as HTTP combines them; bytes that are not UTF-8 become U+FFFD. Either
    /// way the value then fails its member's constraints with a message
    /// that shows it.
    pub fn get(&self, name: &str) -> Option<String> {
        let values: Vec<String> = self
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

#[async_trait]
impl<T> SharedExtractor for AwsHeaders<T>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
    ) -> Result<Self, HttpError> {
        Ok(Self::from_map(rqctx.request.headers().clone()))
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <Header<T> as SharedExtractor>::metadata(body_content_type)
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

/// The body, once what the headers alone decide is decided: a request that
/// carries no signature at all, or declares a body over the route's limit,
/// is refused before a byte of its body is read (the refusal closes the
/// connection, so the rest is never read either). dropshot refuses a body
/// that turns out larger than the limit; that is said in AWS's shape too.
async fn read_body<Context: ServerContext>(
    rqctx: &RequestContext<Context>,
    request: http::Request<dropshot::Body>,
) -> Result<UntypedBody, HttpError> {
    let refused = |e: AwsError| e.into_http_error(&rqctx.request_id);
    if !request.headers().contains_key(http::header::AUTHORIZATION) {
        return Err(refused(AwsError::new(
            ErrorCode::MissingAuthenticationTokenException,
            MISSING_AUTHENTICATION_TOKEN,
        )));
    }
    let limit = rqctx.request_body_max_bytes();
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(refused(AwsError::validation(format!(
            "request body exceeded maximum size of {limit} bytes"
        ))));
    }
    match tokio::time::timeout(BODY_DEADLINE, UntypedBody::from_request(rqctx, request)).await {
        Ok(body) => body.map_err(|e| refused(AwsError::validation(e.external_message))),
        Err(_) => {
            let mut error = refused(AwsError::validation(format!(
                "The request body did not arrive within {} seconds",
                BODY_DEADLINE.as_secs()
            )));
            // The rest of the body may still come: this connection is done.
            let _ = error.add_header(http::header::CONNECTION, "close");
            Err(error)
        }
    }
}

/// How long an operation's body (1 MiB at most; publishing streams, and is
/// not read here) may take to arrive, however it trickles in. A body that
/// stops altogether is cut off sooner, by the server's idle timeout.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_raw_in_any_case() {
        let mut map = http::HeaderMap::new();
        map.insert("x-amz-content-sha256", http::HeaderValue::from_static("ab"));
        map.append("x-repeated", http::HeaderValue::from_static("one"));
        map.append("x-repeated", http::HeaderValue::from_static("two"));
        map.insert("x-binary", http::HeaderValue::from_bytes(b"a\xffb").unwrap());
        let headers = AwsHeaders::<()>::from_map(map);
        assert_eq!(headers.get("X-Amz-Content-SHA256").as_deref(), Some("ab"));
        assert_eq!(headers.get("x-repeated").as_deref(), Some("one, two"));
        assert_eq!(headers.get("x-binary").as_deref(), Some("a\u{fffd}b"));
        assert_eq!(headers.get("x-absent"), None);
    }
}
