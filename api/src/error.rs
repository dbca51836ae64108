//! AWS-shaped errors.
//!
//! AWS clients find the error code in the `x-amzn-ErrorType` header and the
//! text in the body's `message`; botocore, the aws CLI and aws-sdk-rust all
//! read them that way. dropshot's `HttpError` can carry response headers and
//! its body `{"request_id", "error_code", "message"}` has the `message` those
//! clients read, so every error this service sends is built here, as an
//! `HttpError`, in one place.

use dropshot::{ErrorStatusCode, HttpError};
use http::header::{HeaderMap, HeaderName, HeaderValue};

/// Response header that carries the AWS error code.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-ErrorType";
/// Response header that carries the request id, on success and on error.
pub const REQUEST_ID_HEADER: &str = "x-amzn-RequestId";

/// Every error code this service sends, with the HTTP status AWS sends it with.
///
/// The first group is modelled in CodeArtifact's API; the second is what AWS's
/// front door sends when authentication fails, which clients surface as-is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

impl AwsError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), retry_after_seconds: None }
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
            code: ErrorCode::ThrottlingException,
            message: "Rate exceeded".to_string(),
            retry_after_seconds: Some(retry_after_seconds),
        }
    }

    /// The response for this error: status, `x-amzn-ErrorType`,
    /// `x-amzn-RequestId`, `Retry-After` for throttling, and a JSON body whose
    /// `message` is this error's message.
    pub fn into_http_error(self, request_id: &str) -> HttpError {
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
        HttpError {
            status_code: ErrorStatusCode::from_u16(self.code.status())
                .expect("every ErrorCode maps to a 4xx or 5xx status"),
            error_code: Some(self.code.as_str().to_string()),
            internal_message: self.message.clone(),
            external_message: self.message,
            headers: Some(Box::new(headers)),
        }
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_carries_an_integer_retry_after() {
        let err = AwsError::throttling(3).into_http_error("req-1");
        let headers = err.headers.expect("headers");
        assert_eq!(headers["retry-after"], "3");
        assert_eq!(headers["x-amzn-errortype"], "ThrottlingException");
        assert_eq!(headers["x-amzn-requestid"], "req-1");
        assert_eq!(err.status_code.as_u16(), 429);
    }

    #[test]
    fn every_code_has_an_error_status() {
        use ErrorCode::*;
        for code in [
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
            SerializationException,
        ] {
            let err = AwsError::new(code, "m").into_http_error("r");
            assert_eq!(err.status_code.as_u16(), code.status());
            assert_eq!(err.error_code.as_deref(), Some(code.as_str()));
            assert!(code.as_str().ends_with("Exception"));
        }
    }
}
