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
