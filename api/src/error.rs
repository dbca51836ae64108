//! AWS-shaped errors.
//!
//! AWS clients find the error code in the `x-amzn-ErrorType` header and the
//! text in the body's `message`; botocore, the aws CLI and aws-sdk-rust all
//! read them that way. Every error this service sends is an [`AwsError`],
//! answered as an [`ApiError`]: the status AWS sends the code with, the
//! header, and a body `{"__type", "message", "resourceId", "resourceType"}`
//! whose schema (`AwsError`) the spec gives every operation, so a
//! generated client reads errors as typed values. The body repeats the code
//! as `__type`, which botocore and aws-sdk-rust also read, for clients that
//! see only the body.

use dropshot::{ErrorStatusCode, HttpError};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Response header that carries the AWS error code.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-ErrorType";
/// Response header that carries the request id, on success and on error.
pub const REQUEST_ID_HEADER: &str = "x-amzn-RequestId";

/// Every error code this service sends, with the HTTP status AWS sends it with.
///
/// The first group is modelled in CodeArtifact's API; the second is what AWS's
/// front door sends when authentication fails, which clients surface as-is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ErrorCode {
    ValidationException,
    AccessDeniedException,
    ResourceNotFoundException,
    ConflictException,
    ServiceQuotaExceededException,
    ThrottlingException,
    InternalServerException,

    MissingAuthenticationTokenException,
    IncompleteSignatureException,
    InvalidSignatureException,
    UnrecognizedClientException,
    ExpiredTokenException,
    /// A request body that is not the JSON object the operation takes.
    SerializationException,
}

impl ErrorCode {
    /// Every code, the API's own first.
    pub const ALL: [ErrorCode; 13] = [
        Self::ValidationException,
        Self::AccessDeniedException,
        Self::ResourceNotFoundException,
        Self::ConflictException,
        Self::ServiceQuotaExceededException,
        Self::ThrottlingException,
        Self::InternalServerException,
        Self::MissingAuthenticationTokenException,
        Self::IncompleteSignatureException,
        Self::InvalidSignatureException,
        Self::UnrecognizedClientException,
        Self::ExpiredTokenException,
        Self::SerializationException,
    ];

    /// The code a wire name stands for.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == name)
    }

    /// When the code is sent, in a few words (the spec's descriptions).
    pub fn meaning(self) -> &'static str {
        match self {
            Self::ValidationException => "the input fails a constraint",
            Self::SerializationException => "the body is not a JSON object of the input's shape",
            Self::IncompleteSignatureException => {
                "the Authorization header or X-Amz-Date is malformed, or a required header is \
                 not signed"
            }
            Self::ServiceQuotaExceededException => "a quota would be exceeded",
            Self::AccessDeniedException => "the caller is not allowed the action",
            Self::MissingAuthenticationTokenException => "the request is not signed",
            Self::InvalidSignatureException => {
                "the signature does not match, or its scope or date is wrong"
            }
            Self::UnrecognizedClientException => "the access key or session token is unknown",
            Self::ExpiredTokenException => "the session credentials have expired",
            Self::ResourceNotFoundException => "a resource the request names does not exist",
            Self::ConflictException => "the request conflicts with a resource's state",
            Self::ThrottlingException => "the caller is over the rate limit",
            Self::InternalServerException => "the server failed",
        }
    }

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidationException => "ValidationException",
            Self::AccessDeniedException => "AccessDeniedException",
            Self::ResourceNotFoundException => "ResourceNotFoundException",
            Self::ConflictException => "ConflictException",
            Self::ServiceQuotaExceededException => "ServiceQuotaExceededException",
            Self::ThrottlingException => "ThrottlingException",
            Self::InternalServerException => "InternalServerException",
            Self::MissingAuthenticationTokenException => "MissingAuthenticationTokenException",
            Self::IncompleteSignatureException => "IncompleteSignatureException",
            Self::InvalidSignatureException => "InvalidSignatureException",
            Self::UnrecognizedClientException => "UnrecognizedClientException",
            Self::ExpiredTokenException => "ExpiredTokenException",
            Self::SerializationException => "SerializationException",
        }
    }

    /// The HTTP status AWS sends with this code.
    pub fn status(self) -> u16 {
        match self {
            Self::ValidationException
            | Self::IncompleteSignatureException
            | Self::SerializationException => 400,
            Self::ServiceQuotaExceededException => 402,
            Self::AccessDeniedException
            | Self::MissingAuthenticationTokenException
            | Self::InvalidSignatureException
            | Self::UnrecognizedClientException
            | Self::ExpiredTokenException => 403,
            Self::ResourceNotFoundException => 404,
            Self::ConflictException => 409,
            Self::ThrottlingException => 429,
            Self::InternalServerException => 500,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as AWS reports it: a code, a message for the caller, and for
/// throttling the number of seconds after which a retry may succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    pub code: ErrorCode,
    pub message: String,
    pub retry_after_seconds: Option<u64>,
    /// What a ResourceNotFoundException or ConflictException is about.
    pub resource: Option<(ResourceType, String)>,
}

/// The kind of resource an error is about (the model's `ResourceType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceType {
    Domain,
    Repository,
    Package,
    PackageVersion,
    Asset,
}

impl AwsError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), retry_after_seconds: None, resource: None }
    }

    /// This error, about the resource `id` of kind `kind` (the body's
    /// `resourceId` and `resourceType`).
    pub fn about(mut self, kind: ResourceType, id: impl Into<String>) -> Self {
        self.resource = Some((kind, id.into()));
        self
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationException, message)
    }

    pub fn resource_not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ResourceNotFoundException, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ConflictException, message)
    }

    pub fn quota_exceeded(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ServiceQuotaExceededException, message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::AccessDeniedException, message)
    }

    /// An InternalServerException with AWS's own words: what went wrong
    /// belongs in the server's log, not in the answer.
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::InternalServerException,
            "An internal error occurred. Try the request again.",
        )
    }

    pub fn throttling(retry_after_seconds: u64) -> Self {
        Self {
            retry_after_seconds: Some(retry_after_seconds),
            ..Self::new(ErrorCode::ThrottlingException, "Rate exceeded")
        }
    }

    /// The response for this error: status, `x-amzn-ErrorType`,
    /// `x-amzn-RequestId`, `Retry-After` for throttling, and the JSON body.
    pub fn into_api_error(self, request_id: &str) -> ApiError {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-amzn-errortype"),
            HeaderValue::from_static(self.code.as_str()),
        );
        // A request id is a UUID that dropshot made; if it were ever not a
        // valid header value the error would still go out, just without it.
        if let Ok(value) = HeaderValue::from_str(request_id) {
            headers.insert(HeaderName::from_static("x-amzn-requestid"), value);
        }
        if let Some(seconds) = self.retry_after_seconds {
            headers.insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        let (resource_type, resource_id) = self.resource.unzip();
        ApiError {
            status: ErrorStatusCode::from_u16(self.code.status())
                .expect("every ErrorCode maps to a 4xx or 5xx status"),
            headers,
            code: self.code,
            message: self.message,
            resource_id,
            resource_type,
        }
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}

/// An error, as AWS sends it: the code in the `x-amzn-ErrorType` header
/// (and here as `__type`), a message, and for a missing or conflicting
/// resource, which one.
//
// dropshot writes a handler's error type with serde alone and allows no
// headers on it, and its `HttpError` writes a body of its own
// (`{"request_id", "error_code", "message"}`). So operations answer their
// errors as an `Answer::Failure`, which sends this with its headers, and the
// trait names `ApiError` as its error type, which puts this body's schema in
// the spec. The only errors that take dropshot's path are those it raises
// itself before a handler runs; they have this body too (`From<HttpError>`).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "AwsError")]
pub struct ApiError {
    #[serde(skip)]
    status: ErrorStatusCode,
    #[serde(skip)]
    #[schemars(skip)]
    headers: HeaderMap,
    /// The error code, as in `x-amzn-ErrorType` (AWS's own responses may
    /// carry it only there, and some AWS services prefix it with a
    /// namespace, `...#Code`, so a client must not expect a closed set).
    #[serde(rename = "__type")]
    #[schemars(with = "Option<String>")]
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The resource a ResourceNotFoundException or ConflictException is
    /// about: a domain, repository or package name, a version, an asset name.
    #[serde(rename = "resourceId", skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// The kind of that resource.
    #[serde(rename = "resourceType", skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<ResourceType>,
}

impl ApiError {
    pub fn status(&self) -> ErrorStatusCode {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Adds a header to the response (`Connection: close` when the rest
    /// of the request cannot be read).
    pub fn insert_header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.insert(name, value);
    }

    /// The response: status, headers and body.
    fn into_response(self) -> Result<http::Response<dropshot::Body>, HttpError> {
        let body =
            serde_json::to_vec(&self).map_err(|e| HttpError::for_internal_error(e.to_string()))?;
        let mut response = http::Response::new(dropshot::Body::from(body));
        *response.status_mut() = self.status.as_status();
        *response.headers_mut() = self.headers;
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(response)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// An error dropshot raised itself before the handler ran: the same status
/// and message, in AWS's shape. One that carries an AWS code in
/// `error_code` keeps it; any other is a ValidationException when a 4xx
/// and an InternalServerException otherwise.
impl From<HttpError> for ApiError {
    fn from(e: HttpError) -> Self {
        let code = e.error_code.as_deref().and_then(ErrorCode::from_wire).unwrap_or(
            if e.status_code.is_client_error() {
                ErrorCode::ValidationException
            } else {
                ErrorCode::InternalServerException
            },
        );
        let mut headers = e.headers.map(|h| *h).unwrap_or_default();
        headers
            .entry(HeaderName::from_static("x-amzn-errortype"))
            .or_insert(HeaderValue::from_static(code.as_str()));
        ApiError {
            status: e.status_code,
            headers,
            code,
            message: e.external_message,
            resource_id: None,
            resource_type: None,
        }
    }
}

impl dropshot::HttpResponseError for ApiError {
    fn status_code(&self) -> ErrorStatusCode {
        self.status
    }
}

/// What an operation answers: its response `R`, or an error with AWS's
/// headers (see [`ApiError`]).
#[derive(Debug)]
pub enum Answer<R> {
    Success(R),
    Failure(ApiError),
}

/// The response, or the error answered with AWS's headers (dropshot would
/// send an `Err` with its body alone).
impl<R> From<Result<R, ApiError>> for Answer<R> {
    fn from(result: Result<R, ApiError>) -> Self {
        match result {
            Ok(response) => Answer::Success(response),
            Err(error) => Answer::Failure(error),
        }
    }
}

impl<R: dropshot::HttpResponse> dropshot::HttpResponse for Answer<R> {
    fn to_result(self) -> Result<http::Response<dropshot::Body>, HttpError> {
        match self {
            Answer::Success(response) => response.to_result(),
            Answer::Failure(error) => error.into_response(),
        }
    }

    fn response_metadata() -> dropshot::ApiEndpointResponse {
        R::response_metadata()
    }

    fn status_code(&self) -> http::StatusCode {
        match self {
            Answer::Success(response) => response.status_code(),
            Answer::Failure(error) => error.status.as_status(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_carries_an_integer_retry_after() {
        let err = AwsError::throttling(3).into_api_error("req-1");
        let headers = err.headers();
        assert_eq!(headers["retry-after"], "3");
        assert_eq!(headers["x-amzn-errortype"], "ThrottlingException");
        assert_eq!(headers["x-amzn-requestid"], "req-1");
        assert_eq!(err.status().as_u16(), 429);
    }

    #[test]
    fn every_code_has_an_error_status() {
        for code in ErrorCode::ALL {
            let err = AwsError::new(code, "m").into_api_error("r");
            assert_eq!(err.status().as_u16(), code.status());
            assert_eq!(err.code, code);
            assert_eq!(err.headers()["x-amzn-errortype"], code.as_str());
            assert_eq!(ErrorCode::from_wire(code.as_str()), Some(code));
            assert!(code.as_str().ends_with("Exception"));
        }
        assert_eq!(ErrorCode::from_wire("ValidationExceptions"), None);
    }

    #[test]
    fn the_body_names_the_resource_and_repeats_the_code() {
        let err = AwsError::resource_not_found("Domain 'x' does not exist.")
            .about(ResourceType::Domain, "x")
            .into_api_error("r");
        let body = serde_json::to_value(&err).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "__type": "ResourceNotFoundException",
                "message": "Domain 'x' does not exist.",
                "resourceId": "x",
                "resourceType": "domain",
            })
        );
        let bare = serde_json::to_value(AwsError::validation("v").into_api_error("r"));
        assert_eq!(
            bare.unwrap(),
            serde_json::json!({"__type": "ValidationException", "message": "v"})
        );
    }

    #[test]
    fn dropshots_own_errors_keep_their_status_in_aws_shape() {
        let err = ApiError::from(HttpError::for_bad_request(None, "bad".to_string()));
        assert_eq!(err.status().as_u16(), 400);
        assert_eq!(err.code, ErrorCode::ValidationException);
        assert_eq!(err.headers()["x-amzn-errortype"], "ValidationException");
        let err = ApiError::from(HttpError::for_internal_error("boom".to_string()));
        assert_eq!(err.code, ErrorCode::InternalServerException);
        assert!(!err.message.contains("boom"), "internal messages stay internal");
    }
}
