//! The CodeArtifact API as a dropshot trait: the contract of codeartifact-local.
//!
//! `openapi.json` at the root of the repository is generated from this crate
//! alone (see [`openapi_spec`]) and the server implements the trait. Names
//! follow AWS: operation ids are CodeArtifact's operation names, types are the
//! service model's shape names, and wire names (query parameters, JSON
//! members, headers) are exactly those AWS clients send and read.
//!
//! Input types: `<Operation>Request` is an operation's whole input, validated
//! (AWS's input shape name; `DomainRequest` and `RepositoryRequest` serve the
//! operations that only name a domain or a repository). Where the input is
//! split between the query and a JSON body, `<Operation>Query` and
//! `<Operation>Body` are the two wire parts the spec describes. Every input
//! is made with [`FromWire`], from the query and the body together.

mod domain;
mod error;
mod extract;
mod repository;
mod token;
mod types;
mod validation;

use dropshot::{HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};

pub use domain::{
    CreateDomainBody, CreateDomainQuery, CreateDomainRequest, CreateDomainResult,
    DeleteDomainResult, DescribeDomainResult, DomainDescription, DomainRequest, DomainSummary,
    ListDomainsRequest, ListDomainsResult, MAX_PAGE_SIZE,
};
pub use error::{AwsError, ErrorCode, ERROR_TYPE_HEADER, REQUEST_ID_HEADER};
pub use extract::{AwsBody, AwsQuery, SignedBody};
pub use repository::{
    CreateRepositoryBody, CreateRepositoryQuery, CreateRepositoryRequest, CreateRepositoryResult,
    DeleteRepositoryResult, DescribeRepositoryResult, GetRepositoryEndpointRequest,
    GetRepositoryEndpointResult, ListRepositoriesInDomainRequest, ListRepositoriesInDomainResult,
    RepositoryDescription, RepositoryExternalConnectionInfo, RepositoryRequest, RepositorySummary,
    UpstreamRepository, UpstreamRepositoryInfo,
};
pub use token::{
    GetAuthorizationTokenRequest, GetAuthorizationTokenResult, MAX_TOKEN_DURATION_SECONDS,
    MIN_TOKEN_DURATION_SECONDS,
};
pub use types::{
    AccountId, Arn, AwsResponseHeaders, Description, DomainName, DomainStatus, EndpointType,
    ExternalConnectionStatus, PackageFormat, PaginationToken, RepositoryName, Tag, TagKey,
    TagValue, MAX_TAGS,
};
pub use validation::{
    json_body, Constraint, FromQuery, FromWire, ModelPattern, QueryParams, Validator,
};

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

    /// Creates a domain, owned by the caller's account, in the region the
    /// request is signed for.
    ///
    /// A domain groups repositories; authorization tokens are issued per
    /// domain. Needs `codeartifact:CreateDomain` on the domain's ARN.
    /// ConflictException (409) when the account already has a domain of that
    /// name.
    #[endpoint {
        method = POST,
        path = "/v1/domain",
        operation_id = "CreateDomain",
        tags = ["domains"],
    }]
    async fn create_domain(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<CreateDomainQuery>,
        body: AwsBody<CreateDomainBody>,
    ) -> Result<AwsResponse<CreateDomainResult>, HttpError>;

    /// Returns a domain: its ARN, status, creation time and repository count.
    ///
    /// Needs `codeartifact:DescribeDomain` on the domain's ARN.
    /// ResourceNotFoundException (404) when it does not exist.
    #[endpoint {
        method = GET,
        path = "/v1/domain",
        operation_id = "DescribeDomain",
        tags = ["domains"],
    }]
    async fn describe_domain(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<DomainRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribeDomainResult>, HttpError>;

    /// Lists the domains the caller's account owns, by name, a page at a time.
    ///
    /// Needs `codeartifact:ListDomains` on `*`. A response with `nextToken`
    /// has more: send the token back for the next page.
    #[endpoint {
        method = POST,
        path = "/v1/domains",
        operation_id = "ListDomains",
        tags = ["domains"],
    }]
    async fn list_domains(
        rqctx: RequestContext<Self::Context>,
        body: AwsBody<ListDomainsRequest>,
    ) -> Result<AwsResponse<ListDomainsResult>, HttpError>;

    /// Deletes a domain that has no repositories.
    ///
    /// Needs `codeartifact:DeleteDomain` on the domain's ARN.
    /// ConflictException (409) while the domain has repositories;
    /// ResourceNotFoundException (404) when it does not exist.
    #[endpoint {
        method = DELETE,
        path = "/v1/domain",
        operation_id = "DeleteDomain",
        tags = ["domains"],
    }]
    async fn delete_domain(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<DomainRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DeleteDomainResult>, HttpError>;

    /// Creates a repository in a domain.
    ///
    /// Needs `codeartifact:CreateRepository` on the repository's ARN
    /// (`arn:aws:codeartifact:<region>:<owner>:repository/<domain>/<name>`).
    /// ResourceNotFoundException (404) when the domain or an upstream
    /// repository does not exist; ConflictException (409) when the domain
    /// already has a repository of that name.
    #[endpoint {
        method = POST,
        path = "/v1/repository",
        operation_id = "CreateRepository",
        tags = ["repositories"],
    }]
    async fn create_repository(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<CreateRepositoryQuery>,
        body: AwsBody<CreateRepositoryBody>,
    ) -> Result<AwsResponse<CreateRepositoryResult>, HttpError>;

    /// Returns a repository: its ARN, description, upstreams and creation time.
    ///
    /// Needs `codeartifact:DescribeRepository` on the repository's ARN.
    /// ResourceNotFoundException (404) when it does not exist.
    #[endpoint {
        method = GET,
        path = "/v1/repository",
        operation_id = "DescribeRepository",
        tags = ["repositories"],
    }]
    async fn describe_repository(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<RepositoryRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribeRepositoryResult>, HttpError>;

    /// Lists a domain's repositories, by name, a page at a time.
    ///
    /// Needs `codeartifact:ListRepositoriesInDomain` on the domain's ARN.
    /// `repository-prefix` and `administrator-account` filter the list; a
    /// response with `nextToken` has more: send it back as `next-token`.
    /// ResourceNotFoundException (404) when the domain does not exist.
    #[endpoint {
        method = POST,
        path = "/v1/domain/repositories",
        operation_id = "ListRepositoriesInDomain",
        tags = ["repositories"],
    }]
    async fn list_repositories_in_domain(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<ListRepositoriesInDomainRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListRepositoriesInDomainResult>, HttpError>;

    /// Deletes a repository.
    ///
    /// Needs `codeartifact:DeleteRepository` on the repository's ARN.
    /// ConflictException (409) while another repository uses it as an
    /// upstream; ResourceNotFoundException (404) when it does not exist.
    #[endpoint {
        method = DELETE,
        path = "/v1/repository",
        operation_id = "DeleteRepository",
        tags = ["repositories"],
    }]
    async fn delete_repository(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<RepositoryRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DeleteRepositoryResult>, HttpError>;

    /// Returns the URL where package managers reach a repository for one format.
    ///
    /// Needs `codeartifact:GetRepositoryEndpoint` on the repository's ARN.
    /// The URL is on this server, unique per domain, owner, format and
    /// repository, and ends with `/`. There, a token from
    /// GetAuthorizationToken for the domain is accepted as npm sends it
    /// (`Authorization: Bearer <token>`) and as pip and twine send it (HTTP
    /// Basic, user `aws`, the token as password); anything else gets 401.
    /// ResourceNotFoundException (404) when the repository does not exist.
    #[endpoint {
        method = GET,
        path = "/v1/repository/endpoint",
        operation_id = "GetRepositoryEndpoint",
        tags = ["repositories"],
    }]
    async fn get_repository_endpoint(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<GetRepositoryEndpointRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<GetRepositoryEndpointResult>, HttpError>;
}

/// The OpenAPI document of this API, exactly as checked in at `openapi.json`.
pub fn openapi_spec() -> String {
    let description =
        code_artifact_api_mod::stub_api_description().expect("the API trait describes a valid API");
    let mut spec = description.openapi("AWS CodeArtifact (codeartifact-local)", API_VERSION);
    spec.description(
        "AWS CodeArtifact's authorization tokens, domains, repositories and \
         repository endpoints (API version 2018-09-22), as served by \
         codeartifact-local, on AWS's own rest-json wire format.",
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
