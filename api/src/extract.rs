//! Extractors that let a handler authenticate before it validates.
//!
//! dropshot's `Query<T>` answers a malformed query with its own 400 before the
//! handler runs; AWS first checks the signature (an unsigned request with a bad
//! query is a 403) and then reports a ValidationException. [`AwsQuery`]
//! describes itself to the spec exactly as `Query<T>` does but keeps the query
//! raw until the handler makes its input from it ([`crate::FromWire`]),
//! after authentication. [`SignedBody`]
//! hands the handler the body, which SigV4 signs, unread ([`UnreadBody`]),
//! without adding a request body to the spec; [`AwsBody`] does the same for
//! operations that take a JSON body, which it describes to the spec as
//! `TypedBody<T>`. [`AwsHeaders`] does for request headers what
//! [`AwsQuery`] does for the query: described as `Header<T>`, read raw.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExclusiveExtractor, ExtensionMode, ExtractorMetadata, Header,
    HttpError, Query, RequestContext, ServerContext, SharedExtractor, StreamingBody, TypedBody,
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

/// The request body, unread, for the SigV4 payload hash.
///
/// CodeArtifact's query-only operations carry no body; clients send none, and
/// a body that is sent anyway is signed like any other and otherwise ignored,
/// as AWS does. It adds nothing to the spec.
#[derive(Debug)]
pub struct SignedBody(UnreadBody);

impl From<SignedBody> for UnreadBody {
    fn from(body: SignedBody) -> Self {
        body.0
    }
}

#[async_trait]
impl ExclusiveExtractor for SignedBody {
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
        request: http::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        UnreadBody::from_request(rqctx, request).await.map(SignedBody)
    }

    fn metadata(_body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        ExtractorMetadata { extension_mode: ExtensionMode::None, parameters: Vec::new() }
    }
}

/// A JSON request body, described in the spec as `TypedBody<T>` and parsed
/// (by [`crate::FromWire`], with [`crate::json_body`]) only after
/// authentication. Its bytes are signed like any other body's.
#[derive(Debug)]
pub struct AwsBody<T> {
    body: UnreadBody,
    _request: PhantomData<fn() -> T>,
}

impl<T> From<AwsBody<T>> for UnreadBody {
    fn from(body: AwsBody<T>) -> Self {
        body.body
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
        let body = UnreadBody::from_request(rqctx, request).await?;
        Ok(Self { body, _request: PhantomData })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody<T> as ExclusiveExtractor>::metadata(body_content_type)
    }
}

/// A request body not read yet. The handler reads it ([`UnreadBody::read`])
/// once what the headers alone decide is decided (the signature's form and
/// scope, the access key), so that a request refused from its headers is
/// refused before a byte of its body is read.
#[derive(Debug)]
pub struct UnreadBody {
    body: StreamingBody,
    /// The operation's limit, in bytes.
    limit: usize,
    /// What `Content-Length` says, if anything.
    declared: Option<u64>,
    /// Whether the request says it has no body (`Content-Length: 0`, or
    /// neither a length nor chunks).
    empty: bool,
}

impl UnreadBody {
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
        request: http::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        let declared = request
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let chunked = request.headers().contains_key(http::header::TRANSFER_ENCODING);
        let empty = declared.map_or(!chunked, |length| length == 0);
        let limit = rqctx.request_body_max_bytes();
        let body = StreamingBody::from_request(rqctx, request).await?;
        Ok(Self { body, limit, declared, empty })
    }

    /// Whether the request says it carries no body.
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// The whole body: refused at once if `Content-Length` is over the
    /// operation's limit, and refused if it grows past the limit or takes
    /// longer than `deadline` to arrive, however it trickles in.
    pub async fn read(self, deadline: Duration) -> Result<Bytes, AwsError> {
        let too_large = || {
            AwsError::validation(format!(
                "request body exceeded maximum size of {} bytes",
                self.limit
            ))
        };
        if self.declared.is_some_and(|length| length > self.limit as u64) {
            return Err(too_large());
        }
        let mut whole = BytesMut::new();
        drain(self.body, deadline, |chunk| whole.extend_from_slice(&chunk)).await?;
        Ok(whole.freeze())
    }
}

/// Reads `body` to its end, handing each chunk to `each`: a body that fails
/// part-way or takes longer than `deadline` to arrive, however it trickles
/// in, is a ValidationException.
pub async fn drain(
    body: StreamingBody,
    deadline: Duration,
    mut each: impl FnMut(Bytes),
) -> Result<(), AwsError> {
    let read = async {
        let mut stream = std::pin::pin!(body.into_stream());
        while let Some(chunk) = stream.next().await {
            each(chunk.map_err(|e| AwsError::validation(e.external_message))?);
        }
        Ok(())
    };
    tokio::time::timeout(deadline, read).await.unwrap_or_else(|_| {
        Err(AwsError::validation(format!(
            "The request body did not arrive within {} seconds",
            deadline.as_secs()
        )))
    })
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
