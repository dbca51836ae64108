//! The CodeArtifact API as a dropshot trait: the contract of codeartifact-local.
//!
//! `openapi.json` at the root of the repository is generated from this crate
//! alone (see [`openapi_spec`]) and the server implements the trait. Names
//! follow AWS: operation ids are CodeArtifact's operation names, types are the
//! service model's shape names, and wire names (query parameters, JSON
//! members, headers) are exactly those AWS clients send and read.

mod error;
mod extract;
mod types;
mod validation;

use dropshot::{HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};

pub use error::{AwsError, ErrorCode, ERROR_TYPE_HEADER, REQUEST_ID_HEADER};
pub use extract::{AwsQuery, SignedBody};
pub use types::{
    AccountId, AwsResponseHeaders, DomainName, GetAuthorizationTokenRequest,
    GetAuthorizationTokenResult, MAX_TOKEN_DURATION_SECONDS, MIN_TOKEN_DURATION_SECONDS,
};
pub use validation::{Constraint, FromQuery, ModelPattern, QueryParams, Validator};

/// A successful response: a JSON body and the `x-amzn-RequestId` header.
pub type AwsResponse<T> = HttpResponseHeaders<HttpResponseOk<T>, AwsResponseHeaders>;

/// AWS CodeArtifact, as served by codeartifact-local.
#[dropshot::api_description]
pub trait CodeArtifactApi {
    type Context;

    /// Generates a temporary authorization token for a domain's repositories.
    ///
    /// The token is what package managers send to a repository endpoint:
    /// npm as `Authorization: Bearer <token>`, pip and twine as the password of
    /// user `aws`. It expires after `duration` seconds: 43200 (12 hours) by
    /// default, or any value from 900 (15 minutes) to 43200; with 0 it expires
    /// when the caller's temporary (session) credentials do, and for long-term
    /// credentials this server then uses the 12-hour default (AWS does not
    /// document that case).
    ///
    /// The request must be signed with AWS Signature Version 4 for service
    /// `codeartifact`. The caller needs two permissions:
    /// `codeartifact:GetAuthorizationToken` on the domain
    /// (`arn:aws:codeartifact:<region>:<owner>:domain/<name>`) and
    /// `sts:GetServiceBearerToken` on `*` with `sts:AWSServiceName` equal to
    /// `codeartifact.amazonaws.com`.
    ///
    /// Errors are sent as AWS sends them: the code in the `x-amzn-ErrorType`
    /// header and a JSON body with `message`. ValidationException (400) for
    /// bad input; AccessDeniedException (403) when IAM denies either
    /// permission; ResourceNotFoundException (404) when the caller may get
    /// tokens for the domain but it does not exist; ThrottlingException (429,
    /// with an integer `Retry-After`); InternalServerException (500). Authentication
    /// failures come first, as on AWS: MissingAuthenticationTokenException,
    /// UnrecognizedClientException, InvalidSignatureException,
    /// ExpiredTokenException (403) and IncompleteSignatureException (400).
    #[endpoint {
        method = POST,
        path = "/v1/authorization-token",
        operation_id = "GetAuthorizationToken",
        tags = ["authorization"],
    }]
    async fn get_authorization_token(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<GetAuthorizationTokenRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<GetAuthorizationTokenResult>, HttpError>;
}

/// The OpenAPI document of this API, exactly as checked in at `openapi.json`.
pub fn openapi_spec() -> String {
    let description =
        code_artifact_api_mod::stub_api_description().expect("the API trait describes a valid API");
    let mut spec = description.openapi("AWS CodeArtifact (codeartifact-local)", API_VERSION);
    spec.description(
        "The authorization-token API of AWS CodeArtifact (API version 2018-09-22), \
         as served by codeartifact-local, on AWS's own rest-json wire format.",
    )
    .license_name("Apache-2.0");
    let mut out = serde_json::to_string_pretty(&spec.json().expect("the spec serialises"))
        .expect("a JSON value serialises");
    out.push('\n');
    out
}

/// AWS's API version 2018-09-22, written as the semver OpenAPI wants.
const API_VERSION: semver::Version = semver::Version::new(2018, 9, 22);

#[cfg(test)]
mod tests {
    /// The checked-in contract must be exactly what the trait describes.
    #[test]
    fn openapi_json_matches_the_trait() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
        let generated = super::openapi_spec();
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        if checked_in != generated && std::env::var_os("EXPECTORATE").is_none() {
            eprintln!(
                "openapi.json differs from the API trait; regenerate it with:\n\n    \
                 EXPECTORATE=overwrite cargo test --workspace openapi\n"
            );
        }
        expectorate::assert_contents(path, &generated);
    }
}
