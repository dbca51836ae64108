//! AWS's error code and message of a failed call, typed, so that a caller
//! matches on `ValidationException` rather than parsing strings.
//!
//! It reads the error the way AWS's rest-json clients do: the code from the
//! `x-amzn-ErrorType` header, else from the body's `__type`, each stripped of the namespace (`...#Code`) and of the suffix
//! (`Code:http://...`) AWS may add; the message from the body's `message`
//! (or `Message`). It works on the body through its JSON form, so it is the
//! same for whatever type the spec names for an operation's errors.

use std::fmt;

use serde::Serialize;

/// An AWS error code of CodeArtifact's API, as codeartifact-local sends
/// them; any other is kept in [`ErrorCode::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The IAM decision is a deny.
    AccessDeniedException,
    /// No `Authorization` header.
    MissingAuthenticationTokenException,
    /// A malformed `Authorization`, or a header that must be signed is not.
    IncompleteSignatureException,
    /// An unknown access key, or a session key without its token.
    UnrecognizedClientException,
    /// The signature does not match, or its scope or date is wrong.
    InvalidSignatureException,
    /// The session credential has expired.
    ExpiredTokenException,
    /// Over the rate limit.
    ThrottlingException,
    /// Bad input.
    ValidationException,
    /// A body that is not a JSON object of the operation's shape.
    SerializationException,
    /// The domain, repository, package or version does not exist.
    ResourceNotFoundException,
    /// The resource exists already, or is in use.
    ConflictException,
    /// Over a quota.
    ServiceQuotaExceededException,
    /// Anything unexpected on the server's side.
    InternalServerException,
    /// A code this list does not name.
    Other(String),
}

impl ErrorCode {
    /// Reads a code as AWS sends it, with or without a namespace or suffix.
    pub fn parse(raw: &str) -> ErrorCode {
        let code = raw.rsplit('#').next().unwrap_or(raw);
        let code = code.split(':').next().unwrap_or(code).trim();
        match code {
            "AccessDeniedException" => Self::AccessDeniedException,
            "MissingAuthenticationTokenException" => Self::MissingAuthenticationTokenException,
            "IncompleteSignatureException" => Self::IncompleteSignatureException,
            "UnrecognizedClientException" => Self::UnrecognizedClientException,
            "InvalidSignatureException" => Self::InvalidSignatureException,
            "ExpiredTokenException" => Self::ExpiredTokenException,
            "ThrottlingException" => Self::ThrottlingException,
            "ValidationException" => Self::ValidationException,
            "SerializationException" => Self::SerializationException,
            "ResourceNotFoundException" => Self::ResourceNotFoundException,
            "ConflictException" => Self::ConflictException,
            "ServiceQuotaExceededException" => Self::ServiceQuotaExceededException,
            "InternalServerException" => Self::InternalServerException,
            other => Self::Other(other.to_string()),
        }
    }

    /// The code as AWS writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::AccessDeniedException => "AccessDeniedException",
            Self::MissingAuthenticationTokenException => "MissingAuthenticationTokenException",
            Self::IncompleteSignatureException => "IncompleteSignatureException",
            Self::UnrecognizedClientException => "UnrecognizedClientException",
            Self::InvalidSignatureException => "InvalidSignatureException",
            Self::ExpiredTokenException => "ExpiredTokenException",
            Self::ThrottlingException => "ThrottlingException",
            Self::ValidationException => "ValidationException",
            Self::SerializationException => "SerializationException",
            Self::ResourceNotFoundException => "ResourceNotFoundException",
            Self::ConflictException => "ConflictException",
            Self::ServiceQuotaExceededException => "ServiceQuotaExceededException",
            Self::InternalServerException => "InternalServerException",
            Self::Other(code) => code,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What AWS said went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsErrorInfo {
    /// The error code.
    pub code: ErrorCode,
    /// The message, for people; empty when the response carried none.
    pub message: String,
    /// The HTTP status.
    pub status: u16,
    /// `x-amzn-RequestId`, which the server's log line also names.
    pub request_id: Option<String>,
}

/// The AWS error of a failed call, on `progenitor_client::Error`.
///
/// ```no_run
/// # async fn example(client: codeartifact_client::Client) {
/// use codeartifact_client::{AwsErrorExt, ErrorCode};
/// match client.describe_domain().domain("no-such-domain").send().await {
///     Ok(domain) => println!("{:?}", domain.into_inner()),
///     Err(e) => match e.aws_error() {
///         Some(err) if err.code == ErrorCode::ResourceNotFoundException => {
///             println!("no such domain: {}", err.message)
///         }
///         Some(err) => println!("{}: {}", err.code, err.message),
///         None => println!("no answer from AWS: {e}"),
///     },
/// }
/// # }
/// ```
pub trait AwsErrorExt {
    /// The code and message of an error response; `None` when the call
    /// failed before an answer (a connection error, a request the client
    /// refused to send, credentials that could not be loaded) or the answer
    /// named no error code.
    fn aws_error(&self) -> Option<AwsErrorInfo>;
}

impl<E: Serialize> AwsErrorExt for progenitor_client::Error<E> {
    fn aws_error(&self) -> Option<AwsErrorInfo> {
        match self {
            progenitor_client::Error::ErrorResponse(response) => {
                let body = serde_json::to_value(response.as_ref()).ok();
                let field = |names: &[&str]| {
                    let body = body.as_ref()?;
                    names.iter().find_map(|n| body.get(*n)?.as_str().map(str::to_string))
                };
                let raw_code = header(response.headers(), "x-amzn-errortype")
                    .or_else(|| field(&["__type"]))
                    // The body codeartifact-local sent before `__type`.
                    .or_else(|| field(&["error_code", "code"]))?;
                Some(AwsErrorInfo {
                    code: ErrorCode::parse(&raw_code),
                    message: field(&["message", "Message"]).unwrap_or_default(),
                    status: response.status().as_u16(),
                    request_id: header(response.headers(), "x-amzn-requestid"),
                })
            }
            // A status the spec does not list: its body is still unread (it
            // would take an await), but the header names the code.
            progenitor_client::Error::UnexpectedResponse(response) => {
                let raw_code = header(response.headers(), "x-amzn-errortype")?;
                Some(AwsErrorInfo {
                    code: ErrorCode::parse(&raw_code),
                    message: String::new(),
                    status: response.status().as_u16(),
                    request_id: header(response.headers(), "x-amzn-requestid"),
                })
            }
            _ => None,
        }
    }
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_with_or_without_namespace_and_suffix() {
        let cases = [
            ("ValidationException", ErrorCode::ValidationException),
            ("com.amazonaws.codeartifact#ConflictException", ErrorCode::ConflictException),
            (
                "ResourceNotFoundException:http://internal.amazon.com/coral/",
                ErrorCode::ResourceNotFoundException,
            ),
            ("SomethingNew", ErrorCode::Other("SomethingNew".into())),
        ];
        for (raw, code) in cases {
            assert_eq!(ErrorCode::parse(raw), code, "{raw}");
        }
        assert_eq!(ErrorCode::ThrottlingException.to_string(), "ThrottlingException");
    }

    #[derive(Serialize)]
    struct Body {
        #[serde(rename = "__type", skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        message: String,
    }

    fn response(kind: Option<&str>, header: Option<&str>) -> progenitor_client::Error<Body> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(code) = header {
            headers.insert("x-amzn-errortype", code.parse().unwrap());
        }
        headers.insert("x-amzn-requestid", "req-1".parse().unwrap());
        let body = Body { kind: kind.map(str::to_string), message: "it went wrong".into() };
        progenitor_client::Error::ErrorResponse(progenitor_client::ResponseValue::new(
            body,
            reqwest::StatusCode::BAD_REQUEST,
            headers,
        ))
    }

    #[test]
    fn the_header_wins_then_the_body_type() {
        let both = response(Some("ValidationException"), Some("ConflictException"));
        let info = both.aws_error().unwrap();
        assert_eq!(info.code, ErrorCode::ConflictException);
        assert_eq!(info.message, "it went wrong");
        assert_eq!(info.status, 400);
        assert_eq!(info.request_id.as_deref(), Some("req-1"));

        let from_header = response(None, Some("ConflictException"));
        assert_eq!(from_header.aws_error().unwrap().code, ErrorCode::ConflictException);
        let from_body = response(Some("ValidationException"), None);
        assert_eq!(from_body.aws_error().unwrap().code, ErrorCode::ValidationException);

        assert_eq!(response(None, None).aws_error(), None);
        let not_an_answer = progenitor_client::Error::<Body>::Custom("offline".into());
        assert_eq!(not_an_answer.aws_error(), None);
    }
}
