//! The IAM actions this server decides, as policies name them.

pub const GET_AUTHORIZATION_TOKEN: &str = "codeartifact:GetAuthorizationToken";
/// The STS action a token also needs, asked for [`BEARER_TOKEN_SERVICE`].
pub const GET_SERVICE_BEARER_TOKEN: &str = "sts:GetServiceBearerToken";
/// The `sts:AWSServiceName` that `sts:GetServiceBearerToken` is asked for.
pub const BEARER_TOKEN_SERVICE: &str = "codeartifact.amazonaws.com";

pub const CREATE_DOMAIN: &str = "codeartifact:CreateDomain";
pub const DESCRIBE_DOMAIN: &str = "codeartifact:DescribeDomain";
pub const LIST_DOMAINS: &str = "codeartifact:ListDomains";
pub const DELETE_DOMAIN: &str = "codeartifact:DeleteDomain";

pub const CREATE_REPOSITORY: &str = "codeartifact:CreateRepository";
pub const DESCRIBE_REPOSITORY: &str = "codeartifact:DescribeRepository";
pub const LIST_REPOSITORIES_IN_DOMAIN: &str = "codeartifact:ListRepositoriesInDomain";
pub const DELETE_REPOSITORY: &str = "codeartifact:DeleteRepository";
pub const GET_REPOSITORY_ENDPOINT: &str = "codeartifact:GetRepositoryEndpoint";

pub const READ_FROM_REPOSITORY: &str = "codeartifact:ReadFromRepository";
pub const PUBLISH_PACKAGE_VERSION: &str = "codeartifact:PublishPackageVersion";
pub const PUT_PACKAGE_METADATA: &str = "codeartifact:PutPackageMetadata";

pub const LIST_PACKAGES: &str = "codeartifact:ListPackages";
pub const DESCRIBE_PACKAGE: &str = "codeartifact:DescribePackage";
pub const DELETE_PACKAGE: &str = "codeartifact:DeletePackage";
pub const LIST_PACKAGE_VERSIONS: &str = "codeartifact:ListPackageVersions";
pub const DESCRIBE_PACKAGE_VERSION: &str = "codeartifact:DescribePackageVersion";
pub const LIST_PACKAGE_VERSION_ASSETS: &str = "codeartifact:ListPackageVersionAssets";
pub const UPDATE_PACKAGE_VERSIONS_STATUS: &str = "codeartifact:UpdatePackageVersionsStatus";
pub const DELETE_PACKAGE_VERSIONS: &str = "codeartifact:DeletePackageVersions";
pub const DISPOSE_PACKAGE_VERSIONS: &str = "codeartifact:DisposePackageVersions";
pub const PUT_PACKAGE_ORIGIN_CONFIGURATION: &str = "codeartifact:PutPackageOriginConfiguration";
pub const LIST_PACKAGE_VERSION_DEPENDENCIES: &str = "codeartifact:ListPackageVersionDependencies";
pub const COPY_PACKAGE_VERSIONS: &str = "codeartifact:CopyPackageVersions";
pub const UPDATE_REPOSITORY: &str = "codeartifact:UpdateRepository";
pub const LIST_REPOSITORIES: &str = "codeartifact:ListRepositories";
pub const ASSOCIATE_EXTERNAL_CONNECTION: &str = "codeartifact:AssociateExternalConnection";
pub const DISASSOCIATE_EXTERNAL_CONNECTION: &str = "codeartifact:DisassociateExternalConnection";
pub const ASSOCIATE_WITH_DOWNSTREAM_REPOSITORY: &str =
    "codeartifact:AssociateWithDownstreamRepository";
pub const GET_PACKAGE_VERSION_ASSET: &str = "codeartifact:GetPackageVersionAsset";
pub const GET_PACKAGE_VERSION_README: &str = "codeartifact:GetPackageVersionReadme";

/// What each API operation asks IAM for, by operationId: each action with
/// the resource it is decided on. The service names these same constants
/// where it authorizes; this table is what the served API reference
/// (`/docs`) shows, and a test checks it covers every operation of
/// `openapi.json`.
pub const BY_OPERATION: &[(&str, &[(&str, &str)])] = &[
    (
        "GetAuthorizationToken",
        &[
            (GET_AUTHORIZATION_TOKEN, "the domain"),
            (GET_SERVICE_BEARER_TOKEN, "* (with sts:AWSServiceName = codeartifact.amazonaws.com)"),
        ],
    ),
    ("CreateDomain", &[(CREATE_DOMAIN, "the domain")]),
    ("DescribeDomain", &[(DESCRIBE_DOMAIN, "the domain")]),
    ("ListDomains", &[(LIST_DOMAINS, "*")]),
    ("DeleteDomain", &[(DELETE_DOMAIN, "the domain")]),
    (
        "CreateRepository",
        &[
            (CREATE_REPOSITORY, "the repository"),
            (ASSOCIATE_WITH_DOWNSTREAM_REPOSITORY, "each upstream repository"),
        ],
    ),
    ("DescribeRepository", &[(DESCRIBE_REPOSITORY, "the repository")]),
    ("ListRepositoriesInDomain", &[(LIST_REPOSITORIES_IN_DOMAIN, "the domain")]),
    ("DeleteRepository", &[(DELETE_REPOSITORY, "the repository")]),
    ("GetRepositoryEndpoint", &[(GET_REPOSITORY_ENDPOINT, "the repository")]),
    ("AssociateExternalConnection", &[(ASSOCIATE_EXTERNAL_CONNECTION, "the repository")]),
    ("DisassociateExternalConnection", &[(DISASSOCIATE_EXTERNAL_CONNECTION, "the repository")]),
    (
        "UpdateRepository",
        &[
            (UPDATE_REPOSITORY, "the repository"),
            (ASSOCIATE_WITH_DOWNSTREAM_REPOSITORY, "each upstream repository"),
        ],
    ),
    ("ListRepositories", &[(LIST_REPOSITORIES, "*")]),
    ("ListPackages", &[(LIST_PACKAGES, "the repository")]),
    ("DescribePackage", &[(DESCRIBE_PACKAGE, "the package")]),
    ("DeletePackage", &[(DELETE_PACKAGE, "the package")]),
    ("PutPackageOriginConfiguration", &[(PUT_PACKAGE_ORIGIN_CONFIGURATION, "the package")]),
    ("ListPackageVersions", &[(LIST_PACKAGE_VERSIONS, "the package")]),
    ("DescribePackageVersion", &[(DESCRIBE_PACKAGE_VERSION, "the package")]),
    ("ListPackageVersionAssets", &[(LIST_PACKAGE_VERSION_ASSETS, "the package")]),
    ("GetPackageVersionAsset", &[(GET_PACKAGE_VERSION_ASSET, "the package")]),
    ("GetPackageVersionReadme", &[(GET_PACKAGE_VERSION_README, "the package")]),
    ("ListPackageVersionDependencies", &[(LIST_PACKAGE_VERSION_DEPENDENCIES, "the package")]),
    ("PublishPackageVersion", &[(PUBLISH_PACKAGE_VERSION, "the package")]),
    (
        "CopyPackageVersions",
        &[
            (COPY_PACKAGE_VERSIONS, "the package in the destination repository"),
            (READ_FROM_REPOSITORY, "the source repository"),
        ],
    ),
    ("UpdatePackageVersionsStatus", &[(UPDATE_PACKAGE_VERSIONS_STATUS, "the package")]),
    ("DeletePackageVersions", &[(DELETE_PACKAGE_VERSIONS, "the package")]),
    ("DisposePackageVersions", &[(DISPOSE_PACKAGE_VERSIONS, "the package")]),
];

/// The actions `operation_id` asks IAM for, each with its resource.
pub fn for_operation(operation_id: &str) -> Option<&'static [(&'static str, &'static str)]> {
    BY_OPERATION.iter().find(|(op, _)| *op == operation_id).map(|(_, actions)| *actions)
}
