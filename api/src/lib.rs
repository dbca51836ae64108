//! The CodeArtifact API as a dropshot trait: the contract of codeartifact-local.
//!
//! `openapi.json` at the root of the repository is generated from this crate
//! alone (see [`openapi_spec`]) and the server implements the trait. Names
//! follow AWS: operation ids are CodeArtifact's operation names, types are the
//! service model's shape names, and wire names (query parameters, JSON
//! members, headers) are exactly those AWS clients send and read.
//!
//! Input types: `<Operation>Request` is an operation's whole input, validated
//! (AWS's input shape name; `DomainRequest`, `RepositoryRequest`,
//! `PackageRequest` and `PackageVersionRequest` serve the operations that
//! only name a domain, a repository, a package or a package version). Where
//! the input is split between the query and a JSON body, `<Operation>Query`
//! and `<Operation>Body` are the two wire parts the spec describes. Every
//! input is made with [`FromWire`], from the query and the body together,
//! except PublishPackageVersion's: its body is the asset, streamed, so
//! [`PublishPackageVersionRequest::from_wire`] takes the query and the
//! `x-amz-content-sha256` header (read with [`AwsHeaders`]) instead.

mod domain;
mod error;
mod extract;
mod package;
mod portable;
mod repository;
mod token;
mod types;
mod validation;

use dropshot::{HttpResponseHeaders, HttpResponseOk, RequestContext, StreamingBody};

pub use domain::{
    CreateDomainBody, CreateDomainQuery, CreateDomainRequest, CreateDomainResult,
    DeleteDomainResult, DescribeDomainResult, DomainDescription, DomainRequest, DomainSummary,
    ListDomainsRequest, ListDomainsResult, MAX_PAGE_SIZE,
};
pub use error::{
    Answer, ApiError, AwsError, ErrorCode, ResourceType, ERROR_TYPE_HEADER, REQUEST_ID_HEADER,
};
pub use extract::{drain, AwsBody, AwsHeaders, AwsQuery, SignedBody, UnreadBody};
pub use package::{
    AssetHeaders, AssetResponse, AssetSummary, CopyPackageVersionsBody, CopyPackageVersionsQuery,
    CopyPackageVersionsRequest, CopyPackageVersionsResult, DeletePackageResult,
    DeletePackageVersionsBody, DeletePackageVersionsQuery, DeletePackageVersionsRequest,
    DeletePackageVersionsResult, DescribePackageResult, DescribePackageVersionResult,
    DisposePackageVersionsBody, DisposePackageVersionsQuery, DisposePackageVersionsRequest,
    DisposePackageVersionsResult, DomainEntryPoint, GetPackageVersionAssetRequest,
    GetPackageVersionReadmeResult, LicenseInfo, ListPackageVersionAssetsRequest,
    ListPackageVersionAssetsResult, ListPackageVersionDependenciesRequest,
    ListPackageVersionDependenciesResult, ListPackageVersionsRequest, ListPackageVersionsResult,
    ListPackagesRequest, ListPackagesResult, PackageDependency, PackageDescription,
    PackageOriginConfiguration, PackageOriginRestrictions, PackageRequest, PackageSummary,
    PackageVersionDescription, PackageVersionError, PackageVersionOrigin, PackageVersionRequest,
    PackageVersionSummary, PublishPackageVersionHeaders, PublishPackageVersionQuery,
    PublishPackageVersionRequest, PublishPackageVersionResult, PutPackageOriginConfigurationBody,
    PutPackageOriginConfigurationQuery, PutPackageOriginConfigurationRequest,
    PutPackageOriginConfigurationResult, SuccessfulPackageVersionInfo,
    UpdatePackageVersionsStatusBody, UpdatePackageVersionsStatusQuery,
    UpdatePackageVersionsStatusRequest, UpdatePackageVersionsStatusResult, VersionsToCopy,
    ASSET_SHA256_HEADER, MAX_PACKAGE_PAGE_SIZE, MAX_PUBLISH_BODY_BYTES, MAX_VERSIONS_PER_REQUEST,
};
pub use repository::{
    AssociateExternalConnectionRequest, AssociateExternalConnectionResult, CreateRepositoryBody,
    CreateRepositoryQuery, CreateRepositoryRequest, CreateRepositoryResult, DeleteRepositoryResult,
    DescribeRepositoryResult, DisassociateExternalConnectionRequest,
    DisassociateExternalConnectionResult, ExternalConnectionRequest, GetRepositoryEndpointRequest,
    GetRepositoryEndpointResult, ListRepositoriesInDomainRequest, ListRepositoriesInDomainResult,
    ListRepositoriesRequest, ListRepositoriesResult, RepositoryDescription,
    RepositoryExternalConnectionInfo, RepositoryRequest, RepositorySummary, UpdateRepositoryBody,
    UpdateRepositoryQuery, UpdateRepositoryRequest, UpdateRepositoryResult, UpstreamRepository,
    UpstreamRepositoryInfo, EXTERNAL_CONNECTIONS, MAX_UPSTREAMS,
};
pub use token::{
    GetAuthorizationTokenRequest, GetAuthorizationTokenResult, MAX_TOKEN_DURATION_SECONDS,
    MIN_TOKEN_DURATION_SECONDS,
};
pub use types::{
    AccountId, AllowPublish, AllowUpstream, Arn, AssetName, AwsResponseHeaders, Description,
    DomainName, DomainStatus, EndpointType, ExternalConnectionName, ExternalConnectionStatus,
    HashAlgorithm, HashValue, PackageFormat, PackageName, PackageNamespace, PackageVersion,
    PackageVersionErrorCode, PackageVersionOriginType, PackageVersionRevision,
    PackageVersionSortType, PackageVersionStatus, PackageVersionTargetStatus, PaginationToken,
    RepositoryName, Sha256, Tag, TagKey, TagValue, MAX_TAGS,
};
pub use validation::{
    json_body, Constraint, FromQuery, FromWire, ModelPattern, QueryParams, Validator,
};

/// An operation's answer: a JSON body and the `x-amzn-RequestId` header, or
/// an error in AWS's shape.
pub type AwsResponse<T> = Answer<HttpResponseHeaders<HttpResponseOk<T>, AwsResponseHeaders>>;

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
    ) -> Result<AwsResponse<GetAuthorizationTokenResult>, ApiError>;

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
    ) -> Result<AwsResponse<CreateDomainResult>, ApiError>;

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
    ) -> Result<AwsResponse<DescribeDomainResult>, ApiError>;

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
    ) -> Result<AwsResponse<ListDomainsResult>, ApiError>;

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
    ) -> Result<AwsResponse<DeleteDomainResult>, ApiError>;

    /// Creates a repository in a domain.
    ///
    /// Needs `codeartifact:CreateRepository` on the repository's ARN
    /// (`arn:aws:codeartifact:<region>:<owner>:repository/<domain>/<name>`),
    /// and `codeartifact:AssociateWithDownstreamRepository` on each upstream
    /// repository's ARN. At most 10 upstreams, each named once.
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
    ) -> Result<AwsResponse<CreateRepositoryResult>, ApiError>;

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
    ) -> Result<AwsResponse<DescribeRepositoryResult>, ApiError>;

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
    ) -> Result<AwsResponse<ListRepositoriesInDomainResult>, ApiError>;

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
    ) -> Result<AwsResponse<DeleteRepositoryResult>, ApiError>;

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
    ) -> Result<AwsResponse<GetRepositoryEndpointResult>, ApiError>;

    /// Changes a repository's description or its upstream repositories.
    ///
    /// Needs `codeartifact:UpdateRepository` on the repository's ARN, and
    /// `codeartifact:AssociateWithDownstreamRepository` on each upstream
    /// repository's ARN. At most 10 upstreams, each named once, none of
    /// them leading back to the repository. A member the body leaves out is
    /// left as it is; `upstreams` replaces the
    /// upstream repositories, in priority order (`[]` removes them all).
    /// The answer is the repository as updated. ResourceNotFoundException
    /// (404) when the domain, the repository or an upstream repository does
    /// not exist; ConflictException (409) when the change conflicts with the
    /// repository's state; ServiceQuotaExceededException (402) when it would
    /// exceed a quota (AWS allows 10 direct upstream repositories); also
    /// AccessDeniedException, ThrottlingException, InternalServerException
    /// and ValidationException.
    #[endpoint {
        method = PUT,
        path = "/v1/repository",
        operation_id = "UpdateRepository",
        tags = ["repositories"],
    }]
    async fn update_repository(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<UpdateRepositoryQuery>,
        body: AwsBody<UpdateRepositoryBody>,
    ) -> Result<AwsResponse<UpdateRepositoryResult>, ApiError>;

    /// Lists the repositories of the caller's account, in every domain, a page at a time.
    ///
    /// Needs `codeartifact:ListRepositories` on `*`. `repository-prefix`
    /// filters the list; a response with `nextToken` has more: send it back
    /// as `next-token`. AccessDeniedException, ThrottlingException,
    /// InternalServerException and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/repositories",
        operation_id = "ListRepositories",
        tags = ["repositories"],
    }]
    async fn list_repositories(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<ListRepositoriesRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListRepositoriesResult>, ApiError>;

    /// Adds an external connection (a public package registry) to a repository.
    ///
    /// Needs `codeartifact:AssociateExternalConnection` on the repository's
    /// ARN. `external-connection` names one of AWS's connections, such as
    /// `public:npmjs`, `public:pypi` or `public:maven-central`; a repository
    /// has at most one. The answer is the repository with the connection
    /// added. ResourceNotFoundException (404) when the domain, the
    /// repository or the external connection does not exist;
    /// ConflictException (409) when the repository cannot take the
    /// connection in its current state; ServiceQuotaExceededException (402)
    /// when it would exceed a quota; also AccessDeniedException,
    /// ThrottlingException, InternalServerException and
    /// ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/repository/external-connection",
        operation_id = "AssociateExternalConnection",
        tags = ["repositories"],
    }]
    async fn associate_external_connection(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<AssociateExternalConnectionRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<AssociateExternalConnectionResult>, ApiError>;

    /// Removes an external connection from a repository.
    ///
    /// Needs `codeartifact:DisassociateExternalConnection` on the
    /// repository's ARN. The answer is the repository with the connection
    /// removed. ResourceNotFoundException (404) when the domain or the
    /// repository does not exist, or the repository does not have that
    /// external connection; ConflictException (409) when the connection
    /// cannot be removed in the repository's current state; also
    /// ServiceQuotaExceededException (402), AccessDeniedException,
    /// ThrottlingException, InternalServerException and
    /// ValidationException.
    #[endpoint {
        method = DELETE,
        path = "/v1/repository/external-connection",
        operation_id = "DisassociateExternalConnection",
        tags = ["repositories"],
    }]
    async fn disassociate_external_connection(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<DisassociateExternalConnectionRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DisassociateExternalConnectionResult>, ApiError>;

    /// Lists the packages in a repository, a page at a time.
    ///
    /// Needs `codeartifact:ListPackages` on the repository's ARN
    /// (`arn:aws:codeartifact:<region>:<owner>:repository/<domain>/<name>`).
    /// `format`, `namespace` (a prefix, despite its name), `package-prefix`,
    /// `publish` and `upstream` filter the list; a response with `nextToken`
    /// has more: send it back as `next-token`. ResourceNotFoundException
    /// (404) when the domain or repository does not exist; also
    /// AccessDeniedException, ThrottlingException, InternalServerException
    /// and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/packages",
        operation_id = "ListPackages",
        tags = ["packages"],
    }]
    async fn list_packages(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<ListPackagesRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListPackagesResult>, ApiError>;

    /// Returns a package: its format, namespace, name and origin configuration.
    ///
    /// Needs `codeartifact:DescribePackage` on the package's ARN
    /// (`arn:aws:codeartifact:<region>:<owner>:package/<domain>/<repository>/<format>/<namespace>/<name>`,
    /// the namespace empty when the package has none).
    /// ResourceNotFoundException (404) when the domain, repository or
    /// package does not exist; also AccessDeniedException,
    /// ThrottlingException, InternalServerException and ValidationException.
    #[endpoint {
        method = GET,
        path = "/v1/package",
        operation_id = "DescribePackage",
        tags = ["packages"],
    }]
    async fn describe_package(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<PackageRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribePackageResult>, ApiError>;

    /// Deletes a package and all its versions, for good.
    ///
    /// Needs `codeartifact:DeletePackage` on the package's ARN.
    /// ResourceNotFoundException (404) when the domain, repository or
    /// package does not exist; ConflictException (409) when the package
    /// cannot be deleted in its current state; also AccessDeniedException,
    /// ThrottlingException, InternalServerException and ValidationException.
    #[endpoint {
        method = DELETE,
        path = "/v1/package",
        operation_id = "DeletePackage",
        tags = ["packages"],
    }]
    async fn delete_package(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<PackageRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DeletePackageResult>, ApiError>;

    /// Sets the origin restrictions of a package.
    ///
    /// The restrictions say whether new versions may be published to the
    /// repository directly (`publish`) and whether they may come from
    /// upstream repositories and external connections (`upstream`): ALLOW
    /// or BLOCK, both required. Needs
    /// `codeartifact:PutPackageOriginConfiguration` on the package's ARN. A
    /// package that does not exist yet is created, with no versions and
    /// these restrictions, so that publishing or ingesting it can be blocked
    /// before it first arrives. The answer is the origin configuration as
    /// set. ResourceNotFoundException (404) when the domain or repository
    /// does not exist; also AccessDeniedException, ThrottlingException,
    /// InternalServerException and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/package",
        operation_id = "PutPackageOriginConfiguration",
        tags = ["packages"],
    }]
    async fn put_package_origin_configuration(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<PutPackageOriginConfigurationQuery>,
        body: AwsBody<PutPackageOriginConfigurationBody>,
    ) -> Result<AwsResponse<PutPackageOriginConfigurationResult>, ApiError>;

    /// Lists the versions of a package, a page at a time.
    ///
    /// Needs `codeartifact:ListPackageVersions` on the package's ARN.
    /// Versions of every status are listed unless `status` names one;
    /// `originType` filters too, and `sortBy=PUBLISHED_TIME` sorts by
    /// publication. The answer also names the `defaultDisplayVersion`. A
    /// response with `nextToken` has more: send it back as `next-token`.
    /// ResourceNotFoundException (404) when the domain, repository or
    /// package does not exist; also AccessDeniedException,
    /// ThrottlingException, InternalServerException and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/package/versions",
        operation_id = "ListPackageVersions",
        tags = ["packages"],
    }]
    async fn list_package_versions(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<ListPackageVersionsRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListPackageVersionsResult>, ApiError>;

    /// Returns a package version: its status, revision, origin and metadata.
    ///
    /// Needs `codeartifact:DescribePackageVersion` on the package's ARN.
    /// ResourceNotFoundException (404) when the domain, repository, package
    /// or version does not exist; ConflictException (409) when the version
    /// cannot be described in its current state; also
    /// AccessDeniedException, ThrottlingException, InternalServerException
    /// and ValidationException.
    #[endpoint {
        method = GET,
        path = "/v1/package/version",
        operation_id = "DescribePackageVersion",
        tags = ["packages"],
    }]
    async fn describe_package_version(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<PackageVersionRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<DescribePackageVersionResult>, ApiError>;

    /// Lists the assets (files) of a package version, a page at a time.
    ///
    /// Needs `codeartifact:ListPackageVersionAssets` on the package's ARN.
    /// Each asset comes with its size and hashes. A response with
    /// `nextToken` has more: send it back as `next-token`.
    /// ResourceNotFoundException (404) when the domain, repository, package
    /// or version does not exist; also AccessDeniedException,
    /// ThrottlingException, InternalServerException and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/package/version/assets",
        operation_id = "ListPackageVersionAssets",
        tags = ["packages"],
    }]
    async fn list_package_version_assets(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<ListPackageVersionAssetsRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListPackageVersionAssetsResult>, ApiError>;

    /// Returns one asset (file) of a package version: its bytes.
    ///
    /// The body is the asset as stored (`application/octet-stream`); the
    /// headers `X-AssetName`, `X-PackageVersion` and
    /// `X-PackageVersionRevision` name it. With `revision`, the version must
    /// have that revision. Needs `codeartifact:GetPackageVersionAsset` on the
    /// package's ARN. ResourceNotFoundException (404) when the domain,
    /// repository, package, version or asset does not exist;
    /// ConflictException (409) when the version has another revision, or
    /// its status (Archived) does not allow downloads; also AccessDeniedException,
    /// ThrottlingException, InternalServerException and ValidationException.
    #[endpoint {
        method = GET,
        path = "/v1/package/version/asset",
        operation_id = "GetPackageVersionAsset",
        tags = ["packages"],
    }]
    async fn get_package_version_asset(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<GetPackageVersionAssetRequest>,
        body: SignedBody,
    ) -> Result<AssetResponse, ApiError>;

    /// Returns the readme of a package version, as text.
    ///
    /// For packages without a readme file, a description from the package's
    /// metadata. Needs `codeartifact:GetPackageVersionReadme` on the package's
    /// ARN. ResourceNotFoundException (404) when the domain, repository,
    /// package or version does not exist; also AccessDeniedException,
    /// ThrottlingException, InternalServerException and ValidationException.
    #[endpoint {
        method = GET,
        path = "/v1/package/version/readme",
        operation_id = "GetPackageVersionReadme",
        tags = ["packages"],
    }]
    async fn get_package_version_readme(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<PackageVersionRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<GetPackageVersionReadmeResult>, ApiError>;

    /// Lists the direct dependencies of a package version, a page at a time.
    ///
    /// Needs `codeartifact:ListPackageVersionDependencies` on the package's
    /// ARN. The dependencies are those the version's metadata declares
    /// (package.json for npm, the wheel's or sdist's METADATA for PyPI, the
    /// POM for Maven); generic packages have none. A response with
    /// `nextToken` has more: send it back as `next-token`.
    /// ResourceNotFoundException (404) when the domain, repository, package
    /// or version does not exist; also AccessDeniedException,
    /// ThrottlingException, InternalServerException and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/package/version/dependencies",
        operation_id = "ListPackageVersionDependencies",
        tags = ["packages"],
    }]
    async fn list_package_version_dependencies(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<ListPackageVersionDependenciesRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<ListPackageVersionDependenciesResult>, ApiError>;

    /// Publishes one asset (file) of a generic package version.
    ///
    /// Only `format=generic` is accepted. The body is the asset's bytes
    /// (`application/octet-stream`, any size up to the server's maximum
    /// asset size); the header `x-amz-content-sha256` is their SHA-256 in
    /// lowercase hexadecimal, which SigV4 signs as the payload's hash, and
    /// the asset is refused unless the body matches it. With
    /// `unfinished=true` the version stays Unfinished so that more assets can
    /// be added; otherwise it becomes Published, and no asset can be added
    /// to a Published version. The answer gives the version's revision and
    /// status and the asset's size and hashes. Needs
    /// `codeartifact:PublishPackageVersion` on the package's ARN.
    /// ResourceNotFoundException (404) when the domain or repository does
    /// not exist; ConflictException (409) when the version already has that
    /// asset or cannot take one in its status; ServiceQuotaExceededException
    /// (402) when a quota would be exceeded (AWS's: 5 GB per asset, 150
    /// assets per version); also AccessDeniedException, ThrottlingException,
    /// InternalServerException and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/package/version/publish",
        operation_id = "PublishPackageVersion",
        tags = ["packages"],
        request_body_max_bytes = MAX_PUBLISH_BODY_BYTES,
    }]
    async fn publish_package_version(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<PublishPackageVersionQuery>,
        headers: AwsHeaders<PublishPackageVersionHeaders>,
        body: StreamingBody,
    ) -> Result<AwsResponse<PublishPackageVersionResult>, ApiError>;

    /// Sets the status of package versions to Published, Unlisted or Archived.
    ///
    /// Needs `codeartifact:UpdatePackageVersionsStatus` on the package's
    /// ARN. Each version is updated only if it has the `expectedStatus` and
    /// the revision `versionRevisions` gives, when they are given. The answer
    /// (200) says, version by version, which were updated
    /// (`successfulVersions`) and which not and why (`failedVersions`, with
    /// ALREADY_EXISTS, MISMATCHED_REVISION, MISMATCHED_STATUS, NOT_ALLOWED,
    /// NOT_FOUND or SKIPPED). Disposed is set only by DisposePackageVersions.
    /// ResourceNotFoundException (404) when the domain, repository or
    /// package does not exist; ConflictException (409); also
    /// AccessDeniedException, ThrottlingException, InternalServerException
    /// and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/package/versions/update_status",
        operation_id = "UpdatePackageVersionsStatus",
        tags = ["packages"],
    }]
    async fn update_package_versions_status(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<UpdatePackageVersionsStatusQuery>,
        body: AwsBody<UpdatePackageVersionsStatusBody>,
    ) -> Result<AwsResponse<UpdatePackageVersionsStatusResult>, ApiError>;

    /// Deletes package versions; a deleted version can be published again.
    ///
    /// Needs `codeartifact:DeletePackageVersions` on the package's ARN. With
    /// `expectedStatus`, only versions that have it are deleted. The answer
    /// (200) says, version by version, which were deleted
    /// (`successfulVersions`, status Deleted) and which not and why
    /// (`failedVersions`). ResourceNotFoundException (404) when the domain,
    /// repository or package does not exist; ConflictException (409); also
    /// AccessDeniedException, ThrottlingException, InternalServerException
    /// and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/package/versions/delete",
        operation_id = "DeletePackageVersions",
        tags = ["packages"],
    }]
    async fn delete_package_versions(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<DeletePackageVersionsQuery>,
        body: AwsBody<DeletePackageVersionsBody>,
    ) -> Result<AwsResponse<DeletePackageVersionsResult>, ApiError>;

    /// Deletes the assets of package versions and marks them Disposed, for good.
    ///
    /// Needs `codeartifact:DisposePackageVersions` on the package's ARN. With
    /// `expectedStatus` and `versionRevisions`, only versions that have that
    /// status and revision are disposed of. The answer (200) says, version
    /// by version, which were disposed of (`successfulVersions`, status
    /// Disposed) and which not and why (`failedVersions`). A disposed
    /// version stays listed (`status=Disposed`) and can be described.
    /// ResourceNotFoundException (404) when the domain, repository or
    /// package does not exist; ConflictException (409); also
    /// AccessDeniedException, ThrottlingException, InternalServerException
    /// and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/package/versions/dispose",
        operation_id = "DisposePackageVersions",
        tags = ["packages"],
    }]
    async fn dispose_package_versions(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<DisposePackageVersionsQuery>,
        body: AwsBody<DisposePackageVersionsBody>,
    ) -> Result<AwsResponse<DisposePackageVersionsResult>, ApiError>;

    /// Copies package versions from one repository to another in the same domain.
    ///
    /// Needs `codeartifact:CopyPackageVersions` on the package's ARN in the
    /// destination repository and, as AWS also requires,
    /// `codeartifact:ReadFromRepository` on the source
    /// repository. The body gives either `versions` or `versionRevisions`
    /// (each version with the revision it must have in the source), never
    /// both. `allowOverwrite` replaces versions the destination already has
    /// (otherwise they fail with ALREADY_EXISTS); `includeFromUpstream` also
    /// copies versions the source reaches through its upstream repositories.
    /// The answer (200) says, version by version, which were copied
    /// (`successfulVersions`) and which not and why (`failedVersions`).
    /// ResourceNotFoundException (404) when the domain, a repository or the
    /// package does not exist; ConflictException (409);
    /// ServiceQuotaExceededException (402) when the copy would exceed a
    /// quota; also AccessDeniedException, ThrottlingException,
    /// InternalServerException and ValidationException.
    #[endpoint {
        method = POST,
        path = "/v1/package/versions/copy",
        operation_id = "CopyPackageVersions",
        tags = ["packages"],
    }]
    async fn copy_package_versions(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<CopyPackageVersionsQuery>,
        body: AwsBody<CopyPackageVersionsBody>,
    ) -> Result<AwsResponse<CopyPackageVersionsResult>, ApiError>;
}

/// The OpenAPI document of this API, exactly as checked in at `openapi.json`.
pub fn openapi_spec() -> String {
    let description =
        code_artifact_api_mod::stub_api_description().expect("the API trait describes a valid API");
    let mut spec = description.openapi("AWS CodeArtifact (codeartifact-local)", API_VERSION);
    spec.description(
        "AWS CodeArtifact's authorization tokens, domains, repositories, \
         repository endpoints and packages (API version 2018-09-22), as served \
         by codeartifact-local, on AWS's own rest-json wire format.",
    )
    .license_name("Apache-2.0");
    let mut json = spec.json().expect("the spec serialises");
    describe_binary_response::<AssetHeaders>(
        &mut json,
        "/paths/~1v1~1package~1version~1asset/get/responses/200",
    );
    exclude_duration_gap(&mut json);
    document_errors(&mut json);
    optional_bodies(&mut json);
    let mut out = serde_json::to_string_pretty(&json).expect("a JSON value serialises");
    out.push('\n');
    out
}

/// The errors an operation documents beyond those every operation can
/// answer (see [`document_errors`]): CodeArtifact's model's list for it,
/// which is what this server sends.
fn operation_errors(operation_id: &str) -> &'static [ErrorCode] {
    use ErrorCode::*;
    match operation_id {
        "ListDomains" | "ListRepositories" => &[],
        "GetAuthorizationToken"
        | "DescribeDomain"
        | "DescribeRepository"
        | "ListRepositoriesInDomain"
        | "GetRepositoryEndpoint"
        | "ListPackages"
        | "DescribePackage"
        | "PutPackageOriginConfiguration"
        | "ListPackageVersions"
        | "ListPackageVersionAssets"
        | "ListPackageVersionDependencies"
        | "GetPackageVersionReadme" => &[ResourceNotFoundException],
        "DeleteDomain"
        | "DeleteRepository"
        | "DeletePackage"
        | "DescribePackageVersion"
        | "GetPackageVersionAsset"
        | "UpdatePackageVersionsStatus"
        | "DeletePackageVersions"
        | "DisposePackageVersions" => &[ResourceNotFoundException, ConflictException],
        "CreateDomain"
        | "CreateRepository"
        | "UpdateRepository"
        | "AssociateExternalConnection"
        | "DisassociateExternalConnection"
        | "PublishPackageVersion"
        | "CopyPackageVersions" => {
            &[ResourceNotFoundException, ConflictException, ServiceQuotaExceededException]
        }
        other => panic!("no errors are documented for {other}"),
    }
}

/// Replaces dropshot's catch-all error responses (`4XX`, `5XX`) with the
/// statuses each operation answers, each naming its AWS codes (in the
/// description and as `x-aws-error-codes`) and the headers it carries, all
/// with the body `AwsError` ([`ApiError`]).
///
/// Every operation can answer the authentication errors, AccessDenied,
/// ValidationException, Throttling and InternalServer; one with a JSON body
/// also SerializationException; the rest is [`operation_errors`].
fn document_errors(spec: &mut serde_json::Value) {
    use ErrorCode::*;
    let header = |description: &str| serde_json::json!({ "description": description, "schema": { "type": "string" } });
    for operation in operations_mut(spec) {
        let id = operation["operationId"].as_str().expect("operations have ids").to_string();
        let mut codes = vec![
            ValidationException,
            IncompleteSignatureException,
            AccessDeniedException,
            MissingAuthenticationTokenException,
            InvalidSignatureException,
            UnrecognizedClientException,
            ExpiredTokenException,
            ThrottlingException,
            InternalServerException,
        ];
        let json_body = operation.pointer("/requestBody/content/application~1json").is_some();
        if json_body {
            codes.push(SerializationException);
        }
        codes.extend_from_slice(operation_errors(&id));
        let responses = operation["responses"].as_object_mut().expect("responses");
        responses.remove("4XX");
        responses.remove("5XX");
        let mut statuses: Vec<u16> = codes.iter().map(|c| c.status()).collect();
        statuses.sort_unstable();
        statuses.dedup();
        for status in statuses {
            let here: Vec<ErrorCode> =
                codes.iter().copied().filter(|c| c.status() == status).collect();
            let description = here
                .iter()
                .map(|c| format!("{}: {}.", c.as_str(), c.meaning()))
                .collect::<Vec<_>>()
                .join(" ");
            let mut headers = serde_json::json!({
                ERROR_TYPE_HEADER: header("The error code."),
                REQUEST_ID_HEADER: header("The request's id."),
            });
            if here.contains(&ThrottlingException) {
                headers["Retry-After"] = serde_json::json!({
                    "description": "Whole seconds after which a retry may succeed.",
                    "schema": { "type": "integer" },
                });
            }
            let names: Vec<&str> = here.iter().map(|c| c.as_str()).collect();
            responses.insert(
                status.to_string(),
                serde_json::json!({
                    "description": description,
                    "headers": headers,
                    "content": {
                        "application/json": {
                            "schema": { "$ref": "#/components/schemas/AwsError" }
                        }
                    },
                    "x-aws-error-codes": names,
                }),
            );
        }
    }
    // Every operation now names its error responses itself.
    if let Some(components) = spec["components"].as_object_mut() {
        components.remove("responses");
    }
}

/// Marks a JSON request body optional when none of its members is required:
/// the service takes no body as `{}` (dropshot marks every body required).
fn optional_bodies(spec: &mut serde_json::Value) {
    let schemas = spec["components"]["schemas"].clone();
    for operation in operations_mut(spec) {
        let Some(body) = operation.get_mut("requestBody") else { continue };
        let Some(schema) = body.pointer("/content/application~1json/schema") else { continue };
        let schema = match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                &schemas[name]
            }
            None => schema,
        };
        let required = schema["required"].as_array().is_some_and(|r| !r.is_empty());
        body["required"] = serde_json::Value::Bool(required);
    }
}

/// Every operation of the spec.
fn operations_mut(spec: &mut serde_json::Value) -> impl Iterator<Item = &mut serde_json::Value> {
    let paths = spec["paths"].as_object_mut().expect("the spec has paths");
    paths.values_mut().flat_map(|p| p.as_object_mut().expect("a path item").values_mut())
}

/// The parameter `name` of the operation at `method path`.
fn parameter<'a>(
    spec: &'a mut serde_json::Value,
    path: &str,
    method: &str,
    name: &str,
) -> &'a mut serde_json::Value {
    spec["paths"][path][method]["parameters"]
        .as_array_mut()
        .and_then(|parameters| parameters.iter_mut().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
}

/// Adds to GetAuthorizationToken's `duration` the gap its range has (see
/// `token::duration_gap`), which dropshot cannot state in a query parameter.
fn exclude_duration_gap(spec: &mut serde_json::Value) {
    let duration = parameter(spec, "/v1/authorization-token", "post", "duration");
    let schema = duration["schema"].as_object_mut().expect("a schema is an object");
    schema.insert("not".to_string(), token::duration_gap());
    // A query parameter is absent or a number, never null; said null, with
    // the `not`, progenitor's typify loses the parameter's optionality.
    schema.remove("nullable");
}

/// States in the spec what a response with a [`dropshot::FreeformBody`]
/// really is: bytes (`application/octet-stream`) with the headers `H`.
///
/// dropshot sends such a response correctly but describes it as `*/*` of
/// any type and leaves its headers out, so a generated client would neither
/// read the body as bytes nor know the headers. The headers are described
/// from `H` as dropshot describes the headers of JSON responses: one per
/// field, with the field's description, required unless optional.
fn describe_binary_response<H: schemars::JsonSchema>(spec: &mut serde_json::Value, at: &str) {
    let generator = schemars::gen::SchemaSettings::openapi3().into_generator();
    let root = generator.into_root_schema_for::<H>();
    let object = root.schema.object.expect("response headers are a struct");
    let headers: serde_json::Map<String, serde_json::Value> = object
        .properties
        .into_iter()
        .map(|(name, schema)| {
            let mut schema = schema.into_object();
            let description = schema.metadata.take().and_then(|m| m.description);
            let mut header = serde_json::json!({
                "required": object.required.contains(&name),
                "schema": schema,
                "style": "simple",
            });
            if let Some(description) = description {
                header["description"] = description.into();
            }
            (name, header)
        })
        .collect();
    let response = spec
        .pointer_mut(at)
        .and_then(serde_json::Value::as_object_mut)
        .unwrap_or_else(|| panic!("the spec has a response at {at}"));
    response.insert("headers".into(), headers.into());
    response.insert(
        "content".into(),
        serde_json::json!({
            "application/octet-stream": {
                "schema": { "type": "string", "format": "binary" }
            }
        }),
    );
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

    /// GetPackageVersionAsset answers bytes with headers that name them; the
    /// spec must say so (dropshot alone would say `*/*` and no headers).
    #[test]
    fn the_asset_response_is_described_as_bytes_with_headers() {
        let spec: serde_json::Value = serde_json::from_str(&super::openapi_spec()).unwrap();
        let ok = &spec["paths"]["/v1/package/version/asset"]["get"]["responses"]["200"];
        let content = ok["content"].as_object().unwrap();
        assert_eq!(content.keys().collect::<Vec<_>>(), ["application/octet-stream"]);
        assert_eq!(content["application/octet-stream"]["schema"]["format"], "binary");
        for name in
            ["x-amzn-RequestId", "X-AssetName", "X-PackageVersion", "X-PackageVersionRevision"]
        {
            assert_eq!(ok["headers"][name]["required"], true, "{name}");
            assert_eq!(ok["headers"][name]["schema"]["type"], "string", "{name}");
        }
    }

    /// PublishPackageVersion takes the asset as raw bytes and its SHA-256 in
    /// a header; the spec must say both.
    #[test]
    fn the_publish_request_is_described_as_bytes_with_its_hash() {
        let spec: serde_json::Value = serde_json::from_str(&super::openapi_spec()).unwrap();
        let publish = &spec["paths"]["/v1/package/version/publish"]["post"];
        let body = &publish["requestBody"];
        assert_eq!(body["required"], true);
        let content = body["content"].as_object().unwrap();
        assert_eq!(content.keys().collect::<Vec<_>>(), ["application/octet-stream"]);
        assert_eq!(content["application/octet-stream"]["schema"]["format"], "binary");
        let parameters = publish["parameters"].as_array().unwrap();
        let header = parameters.iter().find(|p| p["in"] == "header").unwrap();
        assert_eq!(header["name"], super::ASSET_SHA256_HEADER);
        assert_eq!(header["required"], true);
        assert_eq!(header["schema"]["pattern"], "^[0-9a-f]+$");
        assert_eq!(header["schema"]["minLength"], 64);
        let unfinished = parameters.iter().find(|p| p["name"] == "unfinished").unwrap();
        assert_eq!(unfinished["schema"]["type"], "boolean");
    }

    /// The operations added with PublishPackageVersion keep the model's
    /// methods and URIs (some share a path with other operations).
    #[test]
    fn operations_have_the_models_methods_and_uris() {
        let spec: serde_json::Value = serde_json::from_str(&super::openapi_spec()).unwrap();
        let operations = [
            ("PutPackageOriginConfiguration", "post", "/v1/package"),
            ("ListPackageVersionDependencies", "post", "/v1/package/version/dependencies"),
            ("PublishPackageVersion", "post", "/v1/package/version/publish"),
            ("CopyPackageVersions", "post", "/v1/package/versions/copy"),
            ("UpdateRepository", "put", "/v1/repository"),
            ("ListRepositories", "post", "/v1/repositories"),
            ("AssociateExternalConnection", "post", "/v1/repository/external-connection"),
            ("DisassociateExternalConnection", "delete", "/v1/repository/external-connection"),
        ];
        for (id, method, path) in operations {
            assert_eq!(spec["paths"][path][method]["operationId"], id, "{method} {path}");
        }
    }
}
