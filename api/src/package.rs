//! The shapes of the package operations: ListPackages, DescribePackage,
//! DeletePackage, PutPackageOriginConfiguration, ListPackageVersions,
//! DescribePackageVersion, ListPackageVersionAssets, GetPackageVersionAsset,
//! GetPackageVersionReadme, ListPackageVersionDependencies,
//! PublishPackageVersion, UpdatePackageVersionsStatus, DeletePackageVersions,
//! DisposePackageVersions and CopyPackageVersions.
//!
//! Every input names its package in the query (`domain`, `domain-owner`,
//! `repository`, `format`, `namespace`, `package`, and `version` for one
//! version; CopyPackageVersions names two repositories instead of one);
//! PutPackageOriginConfiguration and the four batch operations add a JSON
//! body. PublishPackageVersion's body is the asset itself, with its SHA-256
//! in a header.

use std::collections::BTreeMap;

use dropshot::{FreeformBody, HttpResponseHeaders, HttpResponseOk};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::AwsError;
use crate::types::{
    domain_members, AccountId, AllowPublish, AllowUpstream, AssetName, DomainName, HashAlgorithm,
    HashValue, PackageFormat, PackageName, PackageNamespace, PackageVersion,
    PackageVersionErrorCode, PackageVersionOriginType, PackageVersionRevision,
    PackageVersionSortType, PackageVersionStatus, PackageVersionTargetStatus, PaginationToken,
    RepositoryName, Sha256,
};
use crate::validation::{from_query_alone, json_body, FromQuery, FromWire, QueryParams, Validator};

/// The largest page ListPackages, ListPackageVersions and
/// ListPackageVersionAssets return.
pub const MAX_PACKAGE_PAGE_SIZE: i64 = 1000;

/// At most this many versions in one UpdatePackageVersionsStatus,
/// DeletePackageVersions or DisposePackageVersions request.
pub const MAX_VERSIONS_PER_REQUEST: usize = 100;

/// The member name AWS's validation messages give the `package` query
/// parameter. The model calls the member `package`, but the service reports
/// it as `packageName` (seen on DeletePackageVersions: "Value '@types/foobar'
/// at 'packageName' failed to satisfy constraint", aws/aws-cli#6125).
const PACKAGE_MEMBER: &str = "packageName";

// ---------------------------------------------------------------------------
// Reading the query
// ---------------------------------------------------------------------------

/// The members that name a package, read in the model's order. Each is
/// `None` when absent or invalid (and then recorded as a violation).
struct PackageMembers {
    domain: Option<DomainName>,
    domain_owner: Option<AccountId>,
    repository: Option<RepositoryName>,
    format: Option<PackageFormat>,
    namespace: Option<PackageNamespace>,
    package: Option<PackageName>,
}

/// Reads `domain`, `domain-owner`, `repository`, `format` (required),
/// `namespace` and `package` (required).
fn package_members(v: &mut Validator<'_>) -> PackageMembers {
    let (domain, domain_owner) = domain_members(v);
    let repository = repository_member(v, "repository", "repository");
    let format = format_member(v, None);
    let namespace = namespace_member(v);
    let package = package_member(v);
    PackageMembers { domain, domain_owner, repository, format, namespace, package }
}

/// A required repository name, such as `repository` or
/// `source-repository`.
fn repository_member(
    v: &mut Validator<'_>,
    wire_name: &str,
    member: &str,
) -> Option<RepositoryName> {
    let repository = v.string(wire_name, member, true, &RepositoryName::constraints());
    repository.map(RepositoryName::validated)
}

/// The required `format`: one of the model's formats and, when the
/// operation takes only one (`only`), that one, reported as AWS reports a
/// value outside an enumeration.
fn format_member(v: &mut Validator<'_>, only: Option<PackageFormat>) -> Option<PackageFormat> {
    let format = v.enumeration("format", "format", true, PackageFormat::VALUES)?;
    if let Some(only) = only {
        if !v.check_enum("format", Some(&format), true, &[only.as_str()]) {
            return None;
        }
    }
    PackageFormat::from_wire(&format)
}

fn namespace_member(v: &mut Validator<'_>) -> Option<PackageNamespace> {
    let namespace = v.string("namespace", "namespace", false, &PackageNamespace::constraints());
    namespace.map(PackageNamespace::validated)
}

fn package_member(v: &mut Validator<'_>) -> Option<PackageName> {
    let package = v.string("package", PACKAGE_MEMBER, true, &PackageName::constraints());
    package.map(PackageName::validated)
}

fn version_member(v: &mut Validator<'_>) -> Option<PackageVersion> {
    let version = v.string("version", "packageVersion", true, &PackageVersion::constraints());
    version.map(PackageVersion::validated)
}

fn max_results_member(v: &mut Validator<'_>) -> Option<i64> {
    v.integer("max-results", "maxResults", 1..=MAX_PACKAGE_PAGE_SIZE, |_| None)
}

fn next_token_member(v: &mut Validator<'_>) -> Option<PaginationToken> {
    let token = v.string("next-token", "nextToken", false, &PaginationToken::constraints());
    token.map(PaginationToken::validated)
}

/// An optional enumeration in the query, as its type.
fn optional_enum<T>(
    v: &mut Validator<'_>,
    wire_name: &str,
    member: &str,
    values: &[&str],
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    v.enumeration(wire_name, member, false, values).and_then(|value| parse(&value))
}

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// `DescribePackage` and `DeletePackage`: which package (in the query). It
/// is also the query of PutPackageOriginConfiguration,
/// UpdatePackageVersionsStatus, DeletePackageVersions and
/// DisposePackageVersions.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct PackageRequest {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository that contains the package.
    pub repository: RepositoryName,
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package: the npm scope without `@`, a Maven
    /// groupId, a generic package's namespace. Required for maven, swift and
    /// generic packages; pypi, nuget, ruby and cargo packages have none.
    pub namespace: Option<PackageNamespace>,
    /// The name of the package (for npm, without its scope).
    pub package: PackageName,
}

impl FromQuery for PackageRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let m = package_members(&mut v);
        v.finish(|| {
            Some(Self {
                domain: m.domain?,
                domain_owner: m.domain_owner,
                repository: m.repository?,
                format: m.format?,
                namespace: m.namespace,
                package: m.package?,
            })
        })
    }
}

/// The query of `UpdatePackageVersionsStatus`: the package, as
/// [`PackageRequest`] names it.
pub type UpdatePackageVersionsStatusQuery = PackageRequest;
/// The query of `DeletePackageVersions`: the package, as [`PackageRequest`]
/// names it.
pub type DeletePackageVersionsQuery = PackageRequest;
/// The query of `DisposePackageVersions`: the package, as
/// [`PackageRequest`] names it.
pub type DisposePackageVersionsQuery = PackageRequest;

/// The query of `ListPackages`: the repository, and filters.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct ListPackagesRequest {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository whose packages are listed.
    pub repository: RepositoryName,
    /// Only packages of this format.
    pub format: Option<PackageFormat>,
    /// Only packages whose namespace starts with this prefix (despite its
    /// name, it matches a prefix).
    pub namespace: Option<PackageNamespace>,
    /// Only packages whose names start with this prefix.
    #[serde(rename = "package-prefix")]
    pub package_prefix: Option<PackageName>,
    /// The maximum number of packages to return (1 to 1000; default 1000).
    #[serde(rename = "max-results")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_results: Option<i64>,
    /// The `nextToken` of the previous page, to continue from it.
    #[serde(rename = "next-token")]
    pub next_token: Option<PaginationToken>,
    /// Only packages with this publish origin restriction.
    pub publish: Option<AllowPublish>,
    /// Only packages with this upstream origin restriction.
    pub upstream: Option<AllowUpstream>,
}

impl FromQuery for ListPackagesRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let (domain, domain_owner) = domain_members(&mut v);
        let repository = v.string("repository", "repository", true, &RepositoryName::constraints());
        let format = optional_enum(
            &mut v,
            "format",
            "format",
            PackageFormat::VALUES,
            PackageFormat::from_wire,
        );
        let namespace = namespace_member(&mut v);
        let prefix =
            v.string("package-prefix", "packagePrefix", false, &PackageName::constraints());
        let max_results = max_results_member(&mut v);
        let next_token = next_token_member(&mut v);
        let publish = optional_enum(
            &mut v,
            "publish",
            "publish",
            AllowPublish::VALUES,
            AllowPublish::from_wire,
        );
        let upstream = optional_enum(
            &mut v,
            "upstream",
            "upstream",
            AllowUpstream::VALUES,
            AllowUpstream::from_wire,
        );
        v.finish(|| {
            Some(Self {
                domain: domain?,
                domain_owner,
                repository: RepositoryName::validated(repository?),
                format,
                namespace,
                package_prefix: prefix.map(PackageName::validated),
                max_results,
                next_token,
                publish,
                upstream,
            })
        })
    }
}

/// The query of `ListPackageVersions`: the package, and filters.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct ListPackageVersionsRequest {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository that contains the package.
    pub repository: RepositoryName,
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package: the npm scope without `@`, a Maven
    /// groupId, a generic package's namespace. Required for maven, swift and
    /// generic packages; pypi, nuget, ruby and cargo packages have none.
    pub namespace: Option<PackageNamespace>,
    /// The name of the package (for npm, without its scope).
    pub package: PackageName,
    /// Only versions with this status. Without it, versions of every status
    /// are listed.
    pub status: Option<PackageVersionStatus>,
    /// How to sort the versions.
    #[serde(rename = "sortBy")]
    pub sort_by: Option<PackageVersionSortType>,
    /// The maximum number of versions to return (1 to 1000; default 1000).
    #[serde(rename = "max-results")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_results: Option<i64>,
    /// The `nextToken` of the previous page, to continue from it.
    #[serde(rename = "next-token")]
    pub next_token: Option<PaginationToken>,
    /// Only versions that came into the domain this way.
    #[serde(rename = "originType")]
    pub origin_type: Option<PackageVersionOriginType>,
}

impl FromQuery for ListPackageVersionsRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let m = package_members(&mut v);
        let status = optional_enum(
            &mut v,
            "status",
            "status",
            PackageVersionStatus::VALUES,
            PackageVersionStatus::from_wire,
        );
        let sort_by = optional_enum(
            &mut v,
            "sortBy",
            "sortBy",
            PackageVersionSortType::VALUES,
            PackageVersionSortType::from_wire,
        );
        let max_results = max_results_member(&mut v);
        let next_token = next_token_member(&mut v);
        let origin_type = optional_enum(
            &mut v,
            "originType",
            "originType",
            PackageVersionOriginType::VALUES,
            PackageVersionOriginType::from_wire,
        );
        v.finish(|| {
            Some(Self {
                domain: m.domain?,
                domain_owner: m.domain_owner,
                repository: m.repository?,
                format: m.format?,
                namespace: m.namespace,
                package: m.package?,
                status,
                sort_by,
                max_results,
                next_token,
                origin_type,
            })
        })
    }
}

/// `DescribePackageVersion` and `GetPackageVersionReadme`: which package
/// version (in the query).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct PackageVersionRequest {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository that contains the package version.
    pub repository: RepositoryName,
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package: the npm scope without `@`, a Maven
    /// groupId, a generic package's namespace. Required for maven, swift and
    /// generic packages; pypi, nuget, ruby and cargo packages have none.
    pub namespace: Option<PackageNamespace>,
    /// The name of the package (for npm, without its scope).
    pub package: PackageName,
    /// The package version, such as `3.5.2`.
    pub version: PackageVersion,
}

impl FromQuery for PackageVersionRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let m = package_members(&mut v);
        let version = version_member(&mut v);
        v.finish(|| {
            Some(Self {
                domain: m.domain?,
                domain_owner: m.domain_owner,
                repository: m.repository?,
                format: m.format?,
                namespace: m.namespace,
                package: m.package?,
                version: version?,
            })
        })
    }
}

/// The query of `ListPackageVersionAssets`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct ListPackageVersionAssetsRequest {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository that contains the package version.
    pub repository: RepositoryName,
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package: the npm scope without `@`, a Maven
    /// groupId, a generic package's namespace. Required for maven, swift and
    /// generic packages; pypi, nuget, ruby and cargo packages have none.
    pub namespace: Option<PackageNamespace>,
    /// The name of the package (for npm, without its scope).
    pub package: PackageName,
    /// The package version whose assets are listed.
    pub version: PackageVersion,
    /// The maximum number of assets to return (1 to 1000; default 1000).
    #[serde(rename = "max-results")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_results: Option<i64>,
    /// The `nextToken` of the previous page, to continue from it.
    #[serde(rename = "next-token")]
    pub next_token: Option<PaginationToken>,
}

impl FromQuery for ListPackageVersionAssetsRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let m = package_members(&mut v);
        let version = version_member(&mut v);
        let max_results = max_results_member(&mut v);
        let next_token = next_token_member(&mut v);
        v.finish(|| {
            Some(Self {
                domain: m.domain?,
                domain_owner: m.domain_owner,
                repository: m.repository?,
                format: m.format?,
                namespace: m.namespace,
                package: m.package?,
                version: version?,
                max_results,
                next_token,
            })
        })
    }
}

/// The query of `GetPackageVersionAsset`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct GetPackageVersionAssetRequest {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository that contains the package version.
    pub repository: RepositoryName,
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package: the npm scope without `@`, a Maven
    /// groupId, a generic package's namespace. Required for maven, swift and
    /// generic packages; pypi, nuget, ruby and cargo packages have none.
    pub namespace: Option<PackageNamespace>,
    /// The name of the package (for npm, without its scope).
    pub package: PackageName,
    /// The package version that contains the asset.
    pub version: PackageVersion,
    /// The name of the asset (the file) to return: printable characters
    /// (the model's pattern `\P{C}+`, spelled out as ranges).
    pub asset: AssetName,
    /// The revision of the package version the asset must belong to. When
    /// absent, the current one.
    pub revision: Option<PackageVersionRevision>,
}

impl FromQuery for GetPackageVersionAssetRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let m = package_members(&mut v);
        let version = version_member(&mut v);
        let asset = v.string("asset", "asset", true, &AssetName::constraints());
        let revision = v.string(
            "revision",
            "packageVersionRevision",
            false,
            &PackageVersionRevision::constraints(),
        );
        v.finish(|| {
            Some(Self {
                domain: m.domain?,
                domain_owner: m.domain_owner,
                repository: m.repository?,
                format: m.format?,
                namespace: m.namespace,
                package: m.package?,
                version: version?,
                asset: AssetName::validated(asset?),
                revision: revision.map(PackageVersionRevision::validated),
            })
        })
    }
}

from_query_alone!(
    PackageRequest,
    ListPackagesRequest,
    ListPackageVersionsRequest,
    PackageVersionRequest,
    ListPackageVersionAssetsRequest,
    GetPackageVersionAssetRequest,
);

/// The body of `UpdatePackageVersionsStatus`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePackageVersionsStatusBody {
    /// The versions whose status is updated (at most 100).
    #[schemars(length(max = 100))]
    pub versions: Vec<PackageVersion>,
    /// The revision each version must have, by version (`{"3.5.2":
    /// "<revision>"}`); a version whose revision differs is not updated.
    /// Keys are package versions (1 to 255 characters, no `#`, `/` or
    /// whitespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_revisions: Option<BTreeMap<PackageVersion, PackageVersionRevision>>,
    /// When given, only versions that have this status are updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_status: Option<PackageVersionStatus>,
    /// The status to set: Published, Unlisted or Archived.
    pub target_status: PackageVersionTargetStatus,
}

/// The body of `DeletePackageVersions`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeletePackageVersionsBody {
    /// The versions to delete (at most 100).
    #[schemars(length(max = 100))]
    pub versions: Vec<PackageVersion>,
    /// When given, only versions that have this status are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_status: Option<PackageVersionStatus>,
}

/// The body of `DisposePackageVersions`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisposePackageVersionsBody {
    /// The versions to dispose of (at most 100).
    #[schemars(length(max = 100))]
    pub versions: Vec<PackageVersion>,
    /// The revision each version must have, by version (`{"3.5.2":
    /// "<revision>"}`); a version whose revision differs is not disposed of.
    /// Keys are package versions (1 to 255 characters, no `#`, `/` or
    /// whitespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_revisions: Option<BTreeMap<PackageVersion, PackageVersionRevision>>,
    /// When given, only versions that have this status are disposed of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_status: Option<PackageVersionStatus>,
}

/// A batch body as sent, before validation: every member optional and every
/// enumeration a string, so that a missing member or an unknown status is a
/// ValidationException in AWS's words, not a parse failure. Members an
/// operation does not take are ignored, as AWS ignores unknown members.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawVersionsBody {
    versions: Option<Vec<String>>,
    version_revisions: Option<BTreeMap<String, String>>,
    expected_status: Option<String>,
    target_status: Option<String>,
}

/// The validated members of a batch body.
struct VersionsMembers {
    versions: Option<Vec<PackageVersion>>,
    version_revisions: BTreeMap<PackageVersion, PackageVersionRevision>,
    expected_status: Option<PackageVersionStatus>,
}

/// Checks `versions` (required, at most 100, each a package version),
/// `versionRevisions` when the operation takes it, and `expectedStatus`.
fn versions_members(
    v: &mut Validator<'_>,
    body: &RawVersionsBody,
    takes_revisions: bool,
) -> VersionsMembers {
    let versions = versions_member(v, body.versions.as_deref(), true);
    let revisions = if takes_revisions { body.version_revisions.as_ref() } else { None };
    let version_revisions = revisions_member(v, revisions).unwrap_or_default();
    let expected = body.expected_status.as_deref();
    let expected_ok = v.check_enum("expectedStatus", expected, false, PackageVersionStatus::VALUES);
    VersionsMembers {
        versions,
        version_revisions,
        expected_status: if expected_ok {
            expected.and_then(PackageVersionStatus::from_wire)
        } else {
            None
        },
    }
}

/// `versions`: at most 100, each a package version. `Some` when present
/// and valid.
fn versions_member(
    v: &mut Validator<'_>,
    versions: Option<&[String]>,
    required: bool,
) -> Option<Vec<PackageVersion>> {
    let ok = v.check_list(
        "versions",
        versions,
        required,
        MAX_VERSIONS_PER_REQUEST,
        &PackageVersion::constraints(),
    );
    let versions = versions.filter(|_| ok)?;
    Some(versions.iter().map(|s| PackageVersion::validated(s.clone())).collect())
}

/// `versionRevisions`: package versions to their revisions. `Some` when
/// present and valid.
fn revisions_member(
    v: &mut Validator<'_>,
    revisions: Option<&BTreeMap<String, String>>,
) -> Option<BTreeMap<PackageVersion, PackageVersionRevision>> {
    let ok = v.check_map(
        "versionRevisions",
        revisions,
        &PackageVersion::constraints(),
        &PackageVersionRevision::constraints(),
    );
    let revisions = revisions.filter(|_| ok)?;
    let pairs = revisions.iter().map(|(version, revision)| {
        (
            PackageVersion::validated(version.clone()),
            PackageVersionRevision::validated(revision.clone()),
        )
    });
    Some(pairs.collect())
}

/// `UpdatePackageVersionsStatus`, validated.
#[derive(Clone, Debug)]
pub struct UpdatePackageVersionsStatusRequest {
    pub domain: DomainName,
    pub domain_owner: Option<AccountId>,
    pub repository: RepositoryName,
    pub format: PackageFormat,
    pub namespace: Option<PackageNamespace>,
    pub package: PackageName,
    pub versions: Vec<PackageVersion>,
    /// Empty when the request gave none.
    pub version_revisions: BTreeMap<PackageVersion, PackageVersionRevision>,
    pub expected_status: Option<PackageVersionStatus>,
    pub target_status: PackageVersionTargetStatus,
}

impl FromWire for UpdatePackageVersionsStatusRequest {
    /// The request, or one ValidationException naming every violation in
    /// the query and the body.
    fn from_wire(query: &QueryParams, body: &[u8]) -> Result<Self, AwsError> {
        let body: RawVersionsBody = json_body(body)?;
        let mut v = Validator::new(query);
        let m = package_members(&mut v);
        let b = versions_members(&mut v, &body, true);
        let target = body.target_status.as_deref();
        // Any status satisfies the model; only three may be set.
        if v.check_enum("targetStatus", target, true, PackageVersionStatus::VALUES) {
            v.check_enum("targetStatus", target, true, PackageVersionTargetStatus::VALUES);
        }
        v.finish(|| {
            Some(Self {
                domain: m.domain?,
                domain_owner: m.domain_owner,
                repository: m.repository?,
                format: m.format?,
                namespace: m.namespace,
                package: m.package?,
                versions: b.versions?,
                version_revisions: b.version_revisions,
                expected_status: b.expected_status,
                target_status: PackageVersionTargetStatus::from_wire(target?)?,
            })
        })
    }
}

/// `DeletePackageVersions`, validated.
#[derive(Clone, Debug)]
pub struct DeletePackageVersionsRequest {
    pub domain: DomainName,
    pub domain_owner: Option<AccountId>,
    pub repository: RepositoryName,
    pub format: PackageFormat,
    pub namespace: Option<PackageNamespace>,
    pub package: PackageName,
    pub versions: Vec<PackageVersion>,
    pub expected_status: Option<PackageVersionStatus>,
}

impl FromWire for DeletePackageVersionsRequest {
    /// The request, or one ValidationException naming every violation in
    /// the query and the body.
    fn from_wire(query: &QueryParams, body: &[u8]) -> Result<Self, AwsError> {
        let body: RawVersionsBody = json_body(body)?;
        let mut v = Validator::new(query);
        let m = package_members(&mut v);
        let b = versions_members(&mut v, &body, false);
        v.finish(|| {
            Some(Self {
                domain: m.domain?,
                domain_owner: m.domain_owner,
                repository: m.repository?,
                format: m.format?,
                namespace: m.namespace,
                package: m.package?,
                versions: b.versions?,
                expected_status: b.expected_status,
            })
        })
    }
}

/// `DisposePackageVersions`, validated.
#[derive(Clone, Debug)]
pub struct DisposePackageVersionsRequest {
    pub domain: DomainName,
    pub domain_owner: Option<AccountId>,
    pub repository: RepositoryName,
    pub format: PackageFormat,
    pub namespace: Option<PackageNamespace>,
    pub package: PackageName,
    pub versions: Vec<PackageVersion>,
    /// Empty when the request gave none.
    pub version_revisions: BTreeMap<PackageVersion, PackageVersionRevision>,
    pub expected_status: Option<PackageVersionStatus>,
}

impl FromWire for DisposePackageVersionsRequest {
    /// The request, or one ValidationException naming every violation in
    /// the query and the body.
    fn from_wire(query: &QueryParams, body: &[u8]) -> Result<Self, AwsError> {
        let body: RawVersionsBody = json_body(body)?;
        let mut v = Validator::new(query);
        let m = package_members(&mut v);
        let b = versions_members(&mut v, &body, true);
        v.finish(|| {
            Some(Self {
                domain: m.domain?,
                domain_owner: m.domain_owner,
                repository: m.repository?,
                format: m.format?,
                namespace: m.namespace,
                package: m.package?,
                versions: b.versions?,
                version_revisions: b.version_revisions,
                expected_status: b.expected_status,
            })
        })
    }
}

/// The query of `PutPackageOriginConfiguration`: the package, as
/// [`PackageRequest`] names it.
pub type PutPackageOriginConfigurationQuery = PackageRequest;

/// The body of `PutPackageOriginConfiguration`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema)]
pub struct PutPackageOriginConfigurationBody {
    /// The origin restrictions to set: both `publish` and `upstream` are
    /// required.
    pub restrictions: PackageOriginRestrictions,
}

/// `PutPackageOriginConfiguration`'s body as sent, before validation: a
/// missing member or an unknown value is a ValidationException in AWS's
/// words, not a parse failure.
#[derive(Debug, Default, Deserialize)]
struct RawOriginBody {
    restrictions: Option<RawRestrictions>,
}

#[derive(Debug, Default, Deserialize)]
struct RawRestrictions {
    publish: Option<String>,
    upstream: Option<String>,
}

/// `PutPackageOriginConfiguration`, validated.
#[derive(Clone, Debug)]
pub struct PutPackageOriginConfigurationRequest {
    pub domain: DomainName,
    pub domain_owner: Option<AccountId>,
    pub repository: RepositoryName,
    pub format: PackageFormat,
    pub namespace: Option<PackageNamespace>,
    pub package: PackageName,
    pub restrictions: PackageOriginRestrictions,
}

impl FromWire for PutPackageOriginConfigurationRequest {
    /// The request, or one ValidationException naming every violation in
    /// the query and the body (`restrictions`, `restrictions.publish`,
    /// `restrictions.upstream`).
    fn from_wire(query: &QueryParams, body: &[u8]) -> Result<Self, AwsError> {
        let body: RawOriginBody = json_body(body)?;
        let mut v = Validator::new(query);
        let m = package_members(&mut v);
        let restrictions = restrictions_member(&mut v, body.restrictions.as_ref());
        v.finish(|| {
            Some(Self {
                domain: m.domain?,
                domain_owner: m.domain_owner,
                repository: m.repository?,
                format: m.format?,
                namespace: m.namespace,
                package: m.package?,
                restrictions: restrictions?,
            })
        })
    }
}

/// The required `restrictions`, with both of its members.
fn restrictions_member(
    v: &mut Validator<'_>,
    restrictions: Option<&RawRestrictions>,
) -> Option<PackageOriginRestrictions> {
    let Some(restrictions) = restrictions else {
        v.check("restrictions", None, true, &[]);
        return None;
    };
    let publish = restrictions.publish.as_deref();
    let upstream = restrictions.upstream.as_deref();
    let publish_ok = v.check_enum("restrictions.publish", publish, true, AllowPublish::VALUES);
    let upstream_ok = v.check_enum("restrictions.upstream", upstream, true, AllowUpstream::VALUES);
    if !(publish_ok && upstream_ok) {
        return None;
    }
    Some(PackageOriginRestrictions {
        publish: AllowPublish::from_wire(publish?)?,
        upstream: AllowUpstream::from_wire(upstream?)?,
    })
}

/// The query of `ListPackageVersionDependencies`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct ListPackageVersionDependenciesRequest {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository that contains the package version.
    pub repository: RepositoryName,
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package: the npm scope without `@`, a Maven
    /// groupId, a generic package's namespace. Required for maven, swift and
    /// generic packages; pypi, nuget, ruby and cargo packages have none.
    pub namespace: Option<PackageNamespace>,
    /// The name of the package (for npm, without its scope).
    pub package: PackageName,
    /// The package version whose dependencies are listed.
    pub version: PackageVersion,
    /// The `nextToken` of the previous page, to continue from it.
    #[serde(rename = "next-token")]
    pub next_token: Option<PaginationToken>,
}

impl FromQuery for ListPackageVersionDependenciesRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let m = package_members(&mut v);
        let version = version_member(&mut v);
        let next_token = next_token_member(&mut v);
        v.finish(|| {
            Some(Self {
                domain: m.domain?,
                domain_owner: m.domain_owner,
                repository: m.repository?,
                format: m.format?,
                namespace: m.namespace,
                package: m.package?,
                version: version?,
                next_token,
            })
        })
    }
}

from_query_alone!(ListPackageVersionDependenciesRequest);

/// The header that carries the SHA-256 of PublishPackageVersion's asset.
/// SigV4 also signs its value as the hash of the payload.
pub const ASSET_SHA256_HEADER: &str = "x-amz-content-sha256";

/// How large dropshot lets PublishPackageVersion's body (the asset) grow:
/// no limit in practice. The server enforces its own maximum asset size as
/// it reads the stream (AWS's default quota is 5 GB per asset, answered
/// with ServiceQuotaExceededException).
pub const MAX_PUBLISH_BODY_BYTES: usize = 1 << 40;

/// The query of `PublishPackageVersion`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct PublishPackageVersionQuery {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository the version is published to.
    pub repository: RepositoryName,
    /// The format of the package: `generic`, the only format this
    /// operation publishes (the model allows every format, and the service
    /// answers any other with a ValidationException).
    #[schemars(schema_with = "generic_only")]
    pub format: PackageFormat,
    /// The namespace of the package. Generic packages are published with
    /// one.
    pub namespace: PackageNamespace,
    /// The name of the package.
    pub package: PackageName,
    /// The package version to publish, such as `3.5.2`.
    pub version: PackageVersion,
    /// The name of the asset (the file) being published: printable
    /// characters (the model's pattern `\P{C}+`, spelled out as ranges).
    pub asset: AssetName,
    /// `true` keeps the version Unfinished, so that more assets can be added
    /// to it. Without it (or with `false`) the version is Published, and a
    /// Published version never becomes Unfinished again.
    pub unfinished: Option<bool>,
}

/// PublishPackageVersion's `format`: the one value the service accepts.
fn generic_only(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    schemars::schema::SchemaObject {
        instance_type: Some(schemars::schema::InstanceType::String.into()),
        enum_values: Some(vec![serde_json::json!(PackageFormat::Generic.as_str())]),
        ..Default::default()
    }
    .into()
}

/// The headers of `PublishPackageVersion`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct PublishPackageVersionHeaders {
    /// The SHA-256 of the asset (the whole request body), in lowercase
    /// hexadecimal (the model's member `assetSHA256`). SigV4 signs this value
    /// as the payload's hash; the server checks the body against it.
    #[serde(rename = "x-amz-content-sha256")]
    pub asset_sha256: Sha256,
}

/// `PublishPackageVersion`, validated: everything but the asset's bytes,
/// which the handler reads from the body as a stream.
#[derive(Clone, Debug)]
pub struct PublishPackageVersionRequest {
    pub domain: DomainName,
    pub domain_owner: Option<AccountId>,
    pub repository: RepositoryName,
    /// Always [`PackageFormat::Generic`].
    pub format: PackageFormat,
    pub namespace: Option<PackageNamespace>,
    pub package: PackageName,
    pub version: PackageVersion,
    /// The `asset` query parameter.
    pub asset_name: AssetName,
    /// The `x-amz-content-sha256` header.
    pub asset_sha256: Sha256,
    /// False when `unfinished` was absent.
    pub unfinished: bool,
}

impl PublishPackageVersionRequest {
    /// The request, from the query and the value of the
    /// `x-amz-content-sha256` header (`None` when it was not sent), or one
    /// ValidationException naming every violation: the model's members in
    /// the model's order, `format` other than `generic` among them, and
    /// `assetSHA256` for the header.
    ///
    /// This is PublishPackageVersion's [`FromWire`]: its body is the asset,
    /// read as a stream after validation, so it is not an argument here.
    pub fn from_wire(query: &QueryParams, asset_sha256: Option<&str>) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let (domain, domain_owner) = domain_members(&mut v);
        let repository = repository_member(&mut v, "repository", "repository");
        let format = format_member(&mut v, Some(PackageFormat::Generic));
        // Generic packages have a namespace.
        let namespace = v.string("namespace", "namespace", true, &PackageNamespace::constraints());
        let package = package_member(&mut v);
        let version = version_member(&mut v);
        let asset_name = v.string("asset", "assetName", true, &AssetName::constraints());
        let sha_ok = v.check("assetSHA256", asset_sha256, true, &Sha256::constraints());
        let unfinished = v.boolean("unfinished", "unfinished");
        v.finish(|| {
            Some(Self {
                domain: domain?,
                domain_owner,
                repository: repository?,
                format: format?,
                namespace: Some(PackageNamespace::validated(namespace?)),
                package: package?,
                version: version?,
                asset_name: AssetName::validated(asset_name?),
                asset_sha256: Sha256::validated(asset_sha256.filter(|_| sha_ok)?.to_string()),
                unfinished: unfinished.unwrap_or(false),
            })
        })
    }
}

/// The query of `CopyPackageVersions`: the package, and the repositories
/// it is copied from and to.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct CopyPackageVersionsQuery {
    /// The name of the domain that contains both repositories.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository the versions are copied from.
    #[serde(rename = "source-repository")]
    pub source_repository: RepositoryName,
    /// The name of the repository the versions are copied to.
    #[serde(rename = "destination-repository")]
    pub destination_repository: RepositoryName,
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package: the npm scope without `@`, a Maven
    /// groupId, a generic package's namespace. Required for maven, swift and
    /// generic packages; pypi, nuget, ruby and cargo packages have none.
    pub namespace: Option<PackageNamespace>,
    /// The name of the package (for npm, without its scope).
    pub package: PackageName,
}

/// The body of `CopyPackageVersions`. Exactly one of `versions` and
/// `versionRevisions` must be given.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopyPackageVersionsBody {
    /// The versions to copy (at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 100))]
    pub versions: Option<Vec<PackageVersion>>,
    /// The versions to copy, each with the revision it must have in the
    /// source repository (`{"3.5.2": "<revision>"}`); a version whose
    /// revision differs is not copied. Keys are package versions (1 to 255
    /// characters, no `#`, `/` or whitespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_revisions: Option<BTreeMap<PackageVersion, PackageVersionRevision>>,
    /// `true` replaces a version the destination already has; otherwise
    /// such a version fails with ALREADY_EXISTS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_overwrite: Option<bool>,
    /// `true` also copies versions the source repository reaches through its
    /// upstream repositories; by default only its own are copied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_from_upstream: Option<bool>,
}

/// `CopyPackageVersions`'s body as sent, before validation.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCopyBody {
    versions: Option<Vec<String>>,
    version_revisions: Option<BTreeMap<String, String>>,
    allow_overwrite: Option<bool>,
    include_from_upstream: Option<bool>,
}

/// Which versions CopyPackageVersions copies: the request gives them either
/// as a list or with the revisions they must have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionsToCopy {
    /// `versions`: these versions, whatever their revisions.
    Versions(Vec<PackageVersion>),
    /// `versionRevisions`: these versions, each only if it has this
    /// revision in the source repository.
    VersionRevisions(BTreeMap<PackageVersion, PackageVersionRevision>),
}

/// The ValidationException's message when a CopyPackageVersions request
/// gives both `versions` and `versionRevisions`, or neither (AWS's
/// documentation, word for word).
const VERSIONS_OR_REVISIONS: &str =
    "You must specify versions or versionRevisions. You cannot specify both.";

/// `CopyPackageVersions`, validated.
#[derive(Clone, Debug)]
pub struct CopyPackageVersionsRequest {
    pub domain: DomainName,
    pub domain_owner: Option<AccountId>,
    pub source_repository: RepositoryName,
    pub destination_repository: RepositoryName,
    pub format: PackageFormat,
    pub namespace: Option<PackageNamespace>,
    pub package: PackageName,
    pub versions: VersionsToCopy,
    /// False when `allowOverwrite` was absent.
    pub allow_overwrite: bool,
    /// False when `includeFromUpstream` was absent.
    pub include_from_upstream: bool,
}

impl FromWire for CopyPackageVersionsRequest {
    /// The request, or one ValidationException naming every violation in
    /// the query and the body. Only a request without them is then checked
    /// for exactly one of `versions` and `versionRevisions` (its own
    /// ValidationException, as a rule of the service rather than of the
    /// model).
    fn from_wire(query: &QueryParams, body: &[u8]) -> Result<Self, AwsError> {
        let body: RawCopyBody = json_body(body)?;
        let mut v = Validator::new(query);
        let (domain, domain_owner) = domain_members(&mut v);
        let source = repository_member(&mut v, "source-repository", "sourceRepository");
        let destination =
            repository_member(&mut v, "destination-repository", "destinationRepository");
        let format = format_member(&mut v, None);
        let namespace = namespace_member(&mut v);
        let package = package_member(&mut v);
        let versions = versions_member(&mut v, body.versions.as_deref(), false);
        let revisions = revisions_member(&mut v, body.version_revisions.as_ref());
        v.finish(|| {
            let versions = match (versions, revisions) {
                (Some(list), None) => VersionsToCopy::Versions(list),
                (None, Some(map)) => VersionsToCopy::VersionRevisions(map),
                _ => return Some(Err(AwsError::validation(VERSIONS_OR_REVISIONS))),
            };
            Some(Ok(Self {
                domain: domain?,
                domain_owner,
                source_repository: source?,
                destination_repository: destination?,
                format: format?,
                namespace,
                package: package?,
                versions,
                allow_overwrite: body.allow_overwrite.unwrap_or(false),
                include_from_upstream: body.include_from_upstream.unwrap_or(false),
            }))
        })?
    }
}

// ---------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------

/// The origin restrictions of a package: how new versions may come into the
/// repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PackageOriginRestrictions {
    /// Whether new versions may be published to the repository directly.
    pub publish: AllowPublish,
    /// Whether new versions may come from upstream repositories and external
    /// connections.
    pub upstream: AllowUpstream,
}

/// The origin configuration of a package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PackageOriginConfiguration {
    /// The package's origin restrictions.
    pub restrictions: PackageOriginRestrictions,
}

/// A package, as ListPackages lists it and DeletePackage returns it. The
/// name is in `package` (PackageDescription has it in `name`).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageSummary {
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<PackageNamespace>,
    /// The name of the package.
    pub package: PackageName,
    /// The package's origin configuration.
    pub origin_configuration: PackageOriginConfiguration,
}

/// A package, as DescribePackage returns it. The name is in `name`
/// (PackageSummary has it in `package`).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageDescription {
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<PackageNamespace>,
    /// The name of the package.
    pub name: PackageName,
    /// The package's origin configuration.
    pub origin_configuration: PackageOriginConfiguration,
}

/// Where a package version first entered the domain: the repository it was
/// published to, or the external connection it was ingested from.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DomainEntryPoint {
    /// The repository the version was published to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<RepositoryName>,
    /// The external connection the version was ingested from, such as
    /// `public:npmjs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_connection_name: Option<String>,
}

/// How a package version came into the repository.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageVersionOrigin {
    /// Where the version first entered the domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_entry_point: Option<DomainEntryPoint>,
    /// Whether it was published in the domain or ingested from outside.
    pub origin_type: PackageVersionOriginType,
}

/// A package version, as ListPackageVersions lists it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageVersionSummary {
    /// The version.
    pub version: PackageVersion,
    /// The version's current revision.
    pub revision: PackageVersionRevision,
    /// The version's status.
    pub status: PackageVersionStatus,
    /// How the version came into the repository.
    pub origin: PackageVersionOrigin,
}

/// A license of a package version.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct LicenseInfo {
    /// The name of the license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The URL of the license's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A package version, as DescribePackageVersion returns it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageVersionDescription {
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<PackageNamespace>,
    /// The name of the package.
    pub package_name: PackageName,
    /// The name package managers show: for npm package `ui` in namespace
    /// `vue`, `@vue/ui`.
    pub display_name: String,
    /// The version.
    pub version: PackageVersion,
    /// A summary of the version, from its metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The home page of the package, from its metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_page: Option<String>,
    /// The repository of the package's source code, from its metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_code_repository: Option<String>,
    /// When the version was published, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_time: Option<i64>,
    /// The version's licenses, from its metadata.
    pub licenses: Vec<LicenseInfo>,
    /// The version's current revision.
    pub revision: PackageVersionRevision,
    /// The version's status.
    pub status: PackageVersionStatus,
    /// How the version came into the repository.
    pub origin: PackageVersionOrigin,
}

/// An asset (a file) of a package version.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AssetSummary {
    /// The name of the asset: printable characters (the model's pattern
    /// `\P{C}+`).
    pub name: AssetName,
    /// The size of the asset in bytes.
    pub size: i64,
    /// The asset's hashes, by algorithm: keys `MD5`, `SHA-1`, `SHA-256`,
    /// `SHA-512`; values in lowercase hexadecimal.
    pub hashes: BTreeMap<HashAlgorithm, HashValue>,
}

/// A package version that a batch operation changed: its revision and its
/// status now.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct SuccessfulPackageVersionInfo {
    /// The version's revision.
    pub revision: String,
    /// The version's status after the operation.
    pub status: PackageVersionStatus,
}

/// Why a batch operation did not change a package version.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageVersionError {
    /// What kept the version from being changed.
    pub error_code: PackageVersionErrorCode,
    /// A sentence saying so.
    pub error_message: String,
}

/// The result of `ListPackages`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListPackagesResult {
    /// The packages on this page.
    pub packages: Vec<PackageSummary>,
    /// Present when there are more packages: send it back as `next-token`
    /// for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// The result of `DescribePackage`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct DescribePackageResult {
    /// The package.
    pub package: PackageDescription,
}

/// The result of `DeletePackage`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeletePackageResult {
    /// The package as it was before it was deleted.
    pub deleted_package: PackageSummary,
}

/// The result of `ListPackageVersions`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListPackageVersionsResult {
    /// The version package managers show by default: for npm the one the
    /// `latest` tag names, otherwise (or without that tag) the most recently
    /// published one. Absent when the package has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_display_version: Option<PackageVersion>,
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<PackageNamespace>,
    /// The name of the package.
    pub package: PackageName,
    /// The versions on this page.
    pub versions: Vec<PackageVersionSummary>,
    /// Present when there are more versions: send it back as `next-token`
    /// for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// The result of `DescribePackageVersion`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribePackageVersionResult {
    /// The package version.
    pub package_version: PackageVersionDescription,
}

/// The result of `ListPackageVersionAssets`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListPackageVersionAssetsResult {
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<PackageNamespace>,
    /// The name of the package.
    pub package: PackageName,
    /// The package version.
    pub version: PackageVersion,
    /// The version's current revision.
    pub version_revision: PackageVersionRevision,
    /// Present when there are more assets: send it back as `next-token` for
    /// the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The assets on this page.
    pub assets: Vec<AssetSummary>,
}

/// The headers of `GetPackageVersionAsset`'s answer, whose body is the
/// asset's bytes (`application/octet-stream`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct AssetHeaders {
    /// The unique id of this request, also sent with every error. Quote it
    /// when reporting a problem.
    #[serde(rename = "x-amzn-RequestId")]
    pub request_id: String,
    /// The name of the asset.
    #[serde(rename = "X-AssetName")]
    pub asset_name: String,
    /// The package version the asset belongs to.
    #[serde(rename = "X-PackageVersion")]
    pub package_version: String,
    /// The revision of the package version the asset belongs to.
    #[serde(rename = "X-PackageVersionRevision")]
    pub package_version_revision: String,
}

/// The answer of `GetPackageVersionAsset`: the asset's bytes, with
/// [`AssetHeaders`].
pub type AssetResponse =
    crate::Answer<HttpResponseHeaders<HttpResponseOk<FreeformBody>, AssetHeaders>>;

/// The result of `GetPackageVersionReadme`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetPackageVersionReadmeResult {
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<PackageNamespace>,
    /// The name of the package.
    pub package: PackageName,
    /// The package version.
    pub version: PackageVersion,
    /// The version's current revision.
    pub version_revision: PackageVersionRevision,
    /// The text of the version's readme (it may be Markdown or
    /// reStructuredText). Absent when the version has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readme: Option<String>,
}

/// The result of `UpdatePackageVersionsStatus`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePackageVersionsStatusResult {
    /// The versions whose status was updated, by version.
    pub successful_versions: BTreeMap<PackageVersion, SuccessfulPackageVersionInfo>,
    /// The versions whose status was not updated, by version, with why.
    pub failed_versions: BTreeMap<PackageVersion, PackageVersionError>,
}

/// The result of `DeletePackageVersions`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeletePackageVersionsResult {
    /// The versions deleted, by version; each has status `Deleted`.
    pub successful_versions: BTreeMap<PackageVersion, SuccessfulPackageVersionInfo>,
    /// The versions not deleted, by version, with why.
    pub failed_versions: BTreeMap<PackageVersion, PackageVersionError>,
}

/// The result of `DisposePackageVersions`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisposePackageVersionsResult {
    /// The versions disposed of, by version; each has status `Disposed`.
    pub successful_versions: BTreeMap<PackageVersion, SuccessfulPackageVersionInfo>,
    /// The versions not disposed of, by version, with why.
    pub failed_versions: BTreeMap<PackageVersion, PackageVersionError>,
}

/// The result of `PutPackageOriginConfiguration`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PutPackageOriginConfigurationResult {
    /// The package's origin configuration, as now set.
    pub origin_configuration: PackageOriginConfiguration,
}

/// A dependency of a package version, as its metadata declares it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageDependency {
    /// The namespace of the package depended on, if it has one (for npm,
    /// the scope without `@`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<PackageNamespace>,
    /// The name of the package depended on.
    pub package: PackageName,
    /// The kind of dependency, in the format's terms: for npm `regular`,
    /// `dev`, `peer` or `optional`; for Maven `optional`, `parent`,
    /// `compile`, `runtime`, `test`, `system` or `provided`; for PyPI
    /// `Requires-Dist`. Absent for NuGet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency_type: Option<String>,
    /// The version or range of versions required, in the format's syntax
    /// (`1.2.3`, `^2.3.4`, `4.x`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_requirement: Option<String>,
}

/// The result of `ListPackageVersionDependencies`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListPackageVersionDependenciesResult {
    /// The format of the package.
    pub format: PackageFormat,
    /// The namespace of the package, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<PackageNamespace>,
    /// The name of the package.
    pub package: PackageName,
    /// The package version.
    pub version: PackageVersion,
    /// The version's current revision.
    pub version_revision: PackageVersionRevision,
    /// Present when there are more dependencies: send it back as
    /// `next-token` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The version's direct dependencies on this page, as its metadata
    /// (package.json, the wheel's METADATA, the POM) declares them.
    pub dependencies: Vec<PackageDependency>,
}

/// The result of `PublishPackageVersion`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishPackageVersionResult {
    /// The format of the package: `generic`.
    pub format: PackageFormat,
    /// The namespace of the package, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<PackageNamespace>,
    /// The name of the package.
    pub package: PackageName,
    /// The package version.
    pub version: PackageVersion,
    /// The version's revision now, with the asset added.
    pub version_revision: PackageVersionRevision,
    /// The version's status: Unfinished when published with
    /// `unfinished=true`, otherwise Published.
    pub status: PackageVersionStatus,
    /// The asset just published: its name, size and hashes.
    pub asset: AssetSummary,
}

/// The result of `CopyPackageVersions`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopyPackageVersionsResult {
    /// The versions copied, by version, with their revision and status in
    /// the destination repository.
    pub successful_versions: BTreeMap<PackageVersion, SuccessfulPackageVersionInfo>,
    /// The versions not copied, by version, with why.
    pub failed_versions: BTreeMap<PackageVersion, PackageVersionError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    const PACKAGE: &str = "domain=d1&repository=r1&format=npm&namespace=types&package=node";

    fn query<T: FromQuery>(q: &str) -> Result<T, AwsError> {
        T::from_query(&QueryParams::parse(q))
    }

    fn wire<T: FromWire>(q: &str, body: &str) -> Result<T, AwsError> {
        T::from_wire(&QueryParams::parse(q), body.as_bytes())
    }

    /// The message of the ValidationException `result` must be.
    fn violations<T: std::fmt::Debug>(result: Result<T, AwsError>) -> String {
        let err = result.unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationException, "{}", err.message);
        err.message
    }

    #[test]
    fn valid_queries_parse() {
        let p: PackageRequest = query(&format!("{PACKAGE}&domain-owner=111122223333")).unwrap();
        assert_eq!(p.format, PackageFormat::Npm);
        assert_eq!(p.namespace.unwrap().as_str(), "types");
        assert_eq!(p.package.as_str(), "node");
        assert_eq!(p.domain_owner.unwrap().as_str(), "111122223333");

        let l: ListPackagesRequest = query(
            "domain=d1&repository=r1&format=pypi&namespace=a&package-prefix=req\
             &max-results=50&next-token=abc&publish=ALLOW&upstream=BLOCK",
        )
        .unwrap();
        assert_eq!(l.format, Some(PackageFormat::Pypi));
        assert_eq!(l.package_prefix.unwrap().as_str(), "req");
        assert_eq!((l.max_results, l.next_token.unwrap().as_str()), (Some(50), "abc"));
        assert_eq!(
            (l.publish, l.upstream),
            (Some(AllowPublish::Allow), Some(AllowUpstream::Block))
        );
        let bare: ListPackagesRequest = query("domain=d1&repository=r1").unwrap();
        assert!(bare.format.is_none() && bare.publish.is_none() && bare.namespace.is_none());

        let v: ListPackageVersionsRequest = query(&format!(
            "{PACKAGE}&status=Unlisted&sortBy=PUBLISHED_TIME&max-results=1000&originType=INTERNAL"
        ))
        .unwrap();
        assert_eq!(v.status, Some(PackageVersionStatus::Unlisted));
        assert_eq!(v.sort_by, Some(PackageVersionSortType::PublishedTime));
        assert_eq!(v.origin_type, Some(PackageVersionOriginType::Internal));

        let d: PackageVersionRequest =
            query("domain=d1&repository=r1&format=pypi&package=requests&version=2.31.0").unwrap();
        assert_eq!(d.version.as_str(), "2.31.0");
        assert!(d.namespace.is_none());

        let a: ListPackageVersionAssetsRequest =
            query(&format!("{PACKAGE}&version=1.0.0&max-results=1")).unwrap();
        assert_eq!(a.max_results, Some(1));

        let g: GetPackageVersionAssetRequest = query(&format!(
            "{PACKAGE}&version=1.0.0&asset=node-1.0.0%20(final).tgz&revision=REV%2B1"
        ))
        .unwrap();
        assert_eq!(g.asset.as_str(), "node-1.0.0 (final).tgz");
        assert_eq!(g.revision.unwrap().as_str(), "REV+1");
    }

    #[test]
    fn valid_bodies_parse() {
        let u: UpdatePackageVersionsStatusRequest = wire(
            PACKAGE,
            r#"{"versions":["1.0.0","2.0.0"],"versionRevisions":{"1.0.0":"r1"},
                "expectedStatus":"Published","targetStatus":"Archived"}"#,
        )
        .unwrap();
        assert_eq!(u.versions.len(), 2);
        assert_eq!(u.version_revisions[&PackageVersion::validated("1.0.0".into())].as_str(), "r1");
        assert_eq!(u.expected_status, Some(PackageVersionStatus::Published));
        assert_eq!(u.target_status, PackageVersionTargetStatus::Archived);
        assert_eq!(PackageVersionStatus::from(u.target_status), PackageVersionStatus::Archived);

        let d: DeletePackageVersionsRequest = wire(PACKAGE, r#"{"versions":["1.0.0"]}"#).unwrap();
        assert_eq!(d.versions[0].as_str(), "1.0.0");
        assert_eq!(d.expected_status, None);

        let x: DisposePackageVersionsRequest = wire(
            PACKAGE,
            r#"{"versions":["1.0.0"],"versionRevisions":{"1.0.0":"r1"},"expectedStatus":"Archived"}"#,
        )
        .unwrap();
        assert_eq!(x.version_revisions.len(), 1);
        assert_eq!(x.expected_status, Some(PackageVersionStatus::Archived));

        // The model sets no minimum on `versions`.
        let empty: DeletePackageVersionsRequest = wire(PACKAGE, r#"{"versions":[]}"#).unwrap();
        assert!(empty.versions.is_empty());
    }

    #[test]
    fn package_members_follow_the_model() {
        let m = violations(query::<PackageRequest>(
            "domain=d1&repository=r1&format=rpm&namespace=@scope/x&package=a%23b",
        ));
        assert_eq!(
            m,
            "3 validation errors detected: \
             Value 'rpm' at 'format' failed to satisfy constraint: Member must satisfy enum \
             value set: [npm, pypi, maven, nuget, generic, ruby, swift, cargo]; \
             Value '@scope/x' at 'namespace' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: [^#/\\s]+; \
             Value 'a#b' at 'packageName' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: [^#/\\s]+"
        );
        let long = "n".repeat(256);
        let m = violations(query::<PackageRequest>(&format!(
            "domain=d1&repository=r1&format=npm&package={long}"
        )));
        assert!(m.contains("at 'packageName' failed to satisfy constraint: Member must have length less than or equal to 255"), "{m}");
        let m = violations(query::<PackageRequest>(
            "domain=d1&repository=r1&format=npm&package=a%20b&namespace=",
        ));
        assert!(m.starts_with("3 validation errors detected"), "{m}");
        assert!(m.contains("Value '' at 'namespace' failed to satisfy constraint: Member must have length greater than or equal to 1"), "{m}");
        assert!(m.contains("Value 'a b' at 'packageName'"), "{m}");
    }

    #[test]
    fn missing_members_are_listed_together() {
        let m = violations(query::<PackageVersionRequest>("domain-owner=1"));
        assert!(m.starts_with("7 validation errors detected"), "{m}");
        for member in ["domain", "repository", "format", "packageName", "packageVersion"] {
            let null = format!(
                "Value null at '{member}' failed to satisfy constraint: Member must not be null"
            );
            assert!(m.contains(&null), "{member}: {m}");
        }
        assert!(m.contains("Value '1' at 'domainOwner'"), "{m}");
        let m = violations(query::<GetPackageVersionAssetRequest>(PACKAGE));
        assert!(m.starts_with("2 validation errors detected"), "{m}");
        assert!(
            m.contains("Value null at 'packageVersion'") && m.contains("Value null at 'asset'"),
            "{m}"
        );
    }

    #[test]
    fn list_filters_are_checked() {
        let m = violations(query::<ListPackagesRequest>(
            "domain=d1&repository=r1&format=npm&package-prefix=a/b&max-results=0&next-token=&publish=allow&upstream=NO",
        ));
        assert!(m.starts_with("6 validation errors detected"), "{m}");
        assert!(m.contains("Value 'a/b' at 'packagePrefix'"), "{m}");
        assert!(m.contains("Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"), "{m}");
        assert!(m.contains("Value '' at 'nextToken'"), "{m}");
        assert!(m.contains("Value 'allow' at 'publish' failed to satisfy constraint: Member must satisfy enum value set: [ALLOW, BLOCK]"), "{m}");
        assert!(m.contains("Value 'NO' at 'upstream'"), "{m}");

        let m = violations(query::<ListPackageVersionsRequest>(&format!(
            "{PACKAGE}&status=Gone&sortBy=NAME&max-results=1001&originType=internal"
        )));
        assert!(m.starts_with("4 validation errors detected"), "{m}");
        assert!(m.contains("Value 'Gone' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Published, Unfinished, Unlisted, Archived, Disposed, Deleted]"), "{m}");
        assert!(m.contains("Value 'NAME' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [PUBLISHED_TIME]"), "{m}");
        assert!(m.contains("Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"), "{m}");
        assert!(m.contains("Value 'internal' at 'originType' failed to satisfy constraint: Member must satisfy enum value set: [INTERNAL, EXTERNAL, UNKNOWN]"), "{m}");

        let m = violations(query::<ListPackageVersionAssetsRequest>(&format!(
            "{PACKAGE}&version=1.0&max-results=x&next-token=a%20b"
        )));
        assert!(
            m.contains(
                "Value 'x' at 'maxResults' failed to satisfy constraint: Member must be an integer"
            ),
            "{m}"
        );
        assert!(m.contains("Value 'a b' at 'nextToken'"), "{m}");
    }

    #[test]
    fn asset_and_revision_are_checked() {
        let m = violations(query::<GetPackageVersionAssetRequest>(&format!(
            "{PACKAGE}&version=1.0&asset=a%07b&revision=two%20words"
        )));
        assert_eq!(
            m,
            "2 validation errors detected: \
             Value 'a\u{7}b' at 'asset' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: \\P{C}+; \
             Value 'two words' at 'packageVersionRevision' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: \\S+"
        );
        let long = "r".repeat(51);
        let m = violations(query::<GetPackageVersionAssetRequest>(&format!(
            "{PACKAGE}&version=1.0&asset=a&revision={long}"
        )));
        assert!(m.contains("Member must have length less than or equal to 50"), "{m}");
    }

    #[test]
    fn versions_lists_are_checked_as_aws_does() {
        let m = violations(wire::<DeletePackageVersionsRequest>(PACKAGE, "{}"));
        assert_eq!(
            m,
            "1 validation error detected: Value null at 'versions' failed to satisfy constraint: \
             Member must not be null"
        );
        let m = violations(wire::<DeletePackageVersionsRequest>(
            PACKAGE,
            r#"{"versions":["1.0","a/b",""]}"#,
        ));
        assert_eq!(
            m,
            "1 validation error detected: Value '[1.0, a/b, ]' at 'versions' failed to satisfy \
             constraint: Member must satisfy constraint: [Member must have length less than or \
             equal to 255, Member must have length greater than or equal to 1, Member must \
             satisfy regular expression pattern: [^#/\\s]+]"
        );
        let many: Vec<String> = (0..101).map(|i| format!("\"1.{i}\"")).collect();
        let m = violations(wire::<DisposePackageVersionsRequest>(
            PACKAGE,
            &format!(r#"{{"versions":[{}]}}"#, many.join(",")),
        ));
        assert!(m.starts_with("1 validation error detected: Value '[1.0, 1.1, "), "{m}");
        assert!(m.ends_with("at 'versions' failed to satisfy constraint: Member must have length less than or equal to 100"), "{m}");
        let hundred: Vec<String> = (0..100).map(|i| format!("\"1.{i}\"")).collect();
        let ok: DisposePackageVersionsRequest =
            wire(PACKAGE, &format!(r#"{{"versions":[{}]}}"#, hundred.join(","))).unwrap();
        assert_eq!(ok.versions.len(), MAX_VERSIONS_PER_REQUEST);
    }

    #[test]
    fn revision_maps_are_checked_as_aws_does() {
        let m = violations(wire::<DisposePackageVersionsRequest>(
            PACKAGE,
            r#"{"versions":["1.0"],"versionRevisions":{"1.0":"ok","a#b":"has space"}}"#,
        ));
        assert_eq!(
            m,
            "2 validation errors detected: \
             Value '{1.0=ok, a#b=has space}' at 'versionRevisions' failed to satisfy constraint: \
             Map keys must satisfy constraint: [Member must have length less than or equal to \
             255, Member must have length greater than or equal to 1, Member must satisfy \
             regular expression pattern: [^#/\\s]+]; \
             Value '{1.0=ok, a#b=has space}' at 'versionRevisions' failed to satisfy constraint: \
             Map value must satisfy constraint: [Member must have length less than or equal to \
             50, Member must have length greater than or equal to 1, Member must satisfy \
             regular expression pattern: \\S+]"
        );
    }

    #[test]
    fn statuses_are_checked() {
        let m = violations(wire::<UpdatePackageVersionsStatusRequest>(
            PACKAGE,
            r#"{"versions":["1.0"],"expectedStatus":"published"}"#,
        ));
        assert_eq!(
            m,
            "2 validation errors detected: \
             Value 'published' at 'expectedStatus' failed to satisfy constraint: Member must \
             satisfy enum value set: [Published, Unfinished, Unlisted, Archived, Disposed, \
             Deleted]; \
             Value null at 'targetStatus' failed to satisfy constraint: Member must not be null"
        );
        // The model allows any status; the service sets only three.
        let m = violations(wire::<UpdatePackageVersionsStatusRequest>(
            PACKAGE,
            r#"{"versions":["1.0"],"targetStatus":"Disposed"}"#,
        ));
        assert_eq!(
            m,
            "1 validation error detected: Value 'Disposed' at 'targetStatus' failed to satisfy \
             constraint: Member must satisfy enum value set: [Published, Unlisted, Archived]"
        );
        let m = violations(wire::<UpdatePackageVersionsStatusRequest>(
            PACKAGE,
            r#"{"versions":["1.0"],"targetStatus":"Bogus"}"#,
        ));
        assert!(m.starts_with("1 validation error detected"), "{m}");
        assert!(
            m.contains("[Published, Unfinished, Unlisted, Archived, Disposed, Deleted]"),
            "{m}"
        );
        for target in ["Published", "Unlisted", "Archived"] {
            let body = format!(r#"{{"versions":["1.0"],"targetStatus":"{target}"}}"#);
            let ok: UpdatePackageVersionsStatusRequest = wire(PACKAGE, &body).unwrap();
            assert_eq!(ok.target_status.as_str(), target);
        }
    }

    #[test]
    fn query_and_body_violations_are_listed_together() {
        let m = violations(wire::<UpdatePackageVersionsStatusRequest>(
            "domain=D&repository=r1&format=npm",
            r#"{"versions":["a/b"],"versionRevisions":{"1.0":""},"targetStatus":"Deleted"}"#,
        ));
        assert!(m.starts_with("6 validation errors detected"), "{m}");
        let order = [
            "at 'domain'",
            "at 'packageName'",
            "at 'versions'",
            "at 'versionRevisions'",
            "at 'targetStatus'",
        ];
        let positions: Vec<usize> = order.iter().map(|s| m.find(s).expect(s)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{m}");
    }

    #[test]
    fn members_an_operation_does_not_take_are_ignored() {
        let d: DeletePackageVersionsRequest = wire(
            PACKAGE,
            r#"{"versions":["1.0"],"versionRevisions":{"a/b":""},"targetStatus":"x","other":1}"#,
        )
        .unwrap();
        assert_eq!(d.versions.len(), 1);
    }

    #[test]
    fn a_body_that_is_not_the_shape_is_a_serialization_error() {
        for body in [r#"{"versions":"1.0"}"#, "[1]", r#"{"versions":[1]}"#, "{"] {
            let err = wire::<DeletePackageVersionsRequest>(PACKAGE, body).unwrap_err();
            assert_eq!(err.code, ErrorCode::SerializationException, "{body}");
        }
    }

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const GENERIC: &str = "domain=d1&repository=r1&format=generic&namespace=ns&package=tool";

    fn publish(q: &str, sha: Option<&str>) -> Result<PublishPackageVersionRequest, AwsError> {
        PublishPackageVersionRequest::from_wire(&QueryParams::parse(q), sha)
    }

    #[test]
    fn origin_configuration_parses() {
        let p: PutPackageOriginConfigurationRequest =
            wire(PACKAGE, r#"{"restrictions":{"publish":"BLOCK","upstream":"ALLOW"}}"#).unwrap();
        assert_eq!(p.package.as_str(), "node");
        assert_eq!(
            p.restrictions,
            PackageOriginRestrictions {
                publish: AllowPublish::Block,
                upstream: AllowUpstream::Allow
            }
        );
    }

    #[test]
    fn origin_restrictions_are_checked() {
        for body in ["", "{}", r#"{"restrictions":null}"#] {
            let m = violations(wire::<PutPackageOriginConfigurationRequest>(PACKAGE, body));
            assert_eq!(
                m,
                "1 validation error detected: Value null at 'restrictions' failed to satisfy \
                 constraint: Member must not be null",
                "{body}"
            );
        }
        let m = violations(wire::<PutPackageOriginConfigurationRequest>(
            PACKAGE,
            r#"{"restrictions":{}}"#,
        ));
        assert_eq!(
            m,
            "2 validation errors detected: \
             Value null at 'restrictions.publish' failed to satisfy constraint: Member must not \
             be null; \
             Value null at 'restrictions.upstream' failed to satisfy constraint: Member must not \
             be null"
        );
        let m = violations(wire::<PutPackageOriginConfigurationRequest>(
            "domain=d1&repository=r1&format=npm",
            r#"{"restrictions":{"publish":"allow","upstream":"ALLOW"}}"#,
        ));
        assert_eq!(
            m,
            "2 validation errors detected: \
             Value null at 'packageName' failed to satisfy constraint: Member must not be null; \
             Value 'allow' at 'restrictions.publish' failed to satisfy constraint: Member must \
             satisfy enum value set: [ALLOW, BLOCK]"
        );
        let err = wire::<PutPackageOriginConfigurationRequest>(PACKAGE, r#"{"restrictions":"x"}"#)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::SerializationException);
    }

    #[test]
    fn dependencies_query_is_checked() {
        let d: ListPackageVersionDependenciesRequest =
            query(&format!("{PACKAGE}&version=1.0.0&next-token=abc")).unwrap();
        assert_eq!(d.version.as_str(), "1.0.0");
        assert_eq!(d.next_token.unwrap().as_str(), "abc");
        // The model has no max-results here: it is ignored like any unknown parameter.
        let d: ListPackageVersionDependenciesRequest =
            query(&format!("{PACKAGE}&version=1.0.0&max-results=0")).unwrap();
        assert!(d.next_token.is_none());

        let m = violations(query::<ListPackageVersionDependenciesRequest>(&format!(
            "{PACKAGE}&next-token=a%20b"
        )));
        assert_eq!(
            m,
            "2 validation errors detected: \
             Value null at 'packageVersion' failed to satisfy constraint: Member must not be \
             null; \
             Value 'a b' at 'nextToken' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: \\S+"
        );
    }

    #[test]
    fn publish_parses() {
        let p = publish(&format!("{GENERIC}&version=1.0&asset=tool.tar.gz"), Some(SHA)).unwrap();
        assert_eq!(p.format, PackageFormat::Generic);
        assert_eq!(p.namespace.unwrap().as_str(), "ns");
        assert_eq!((p.package.as_str(), p.version.as_str()), ("tool", "1.0"));
        assert_eq!(p.asset_name.as_str(), "tool.tar.gz");
        assert_eq!(p.asset_sha256.as_str(), SHA);
        assert!(!p.unfinished);
        let p = publish(&format!("{GENERIC}&version=1.0&asset=a&unfinished=true"), Some(SHA));
        assert!(p.unwrap().unfinished);
        let p = publish(&format!("{GENERIC}&version=1.0&asset=a&unfinished=false"), Some(SHA));
        assert!(!p.unwrap().unfinished);
    }

    #[test]
    fn publish_takes_only_generic() {
        let q = "domain=d1&repository=r1&format=npm&namespace=n&package=p&version=1.0&asset=a";
        assert_eq!(
            violations(publish(q, Some(SHA))),
            "1 validation error detected: Value 'npm' at 'format' failed to satisfy \
             constraint: Member must satisfy enum value set: [generic]"
        );
        // A value outside the model is reported against the model's set, once.
        let q = "domain=d1&repository=r1&format=rpm&namespace=n&package=p&version=1.0&asset=a";
        assert_eq!(
            violations(publish(q, Some(SHA))),
            "1 validation error detected: Value 'rpm' at 'format' failed to satisfy \
             constraint: Member must satisfy enum value set: [npm, pypi, maven, nuget, generic, \
             ruby, swift, cargo]"
        );
    }

    #[test]
    fn publish_checks_the_hash_header() {
        let q = format!("{GENERIC}&version=1.0&asset=a");
        assert_eq!(
            violations(publish(&q, None)),
            "1 validation error detected: Value null at 'assetSHA256' failed to satisfy \
             constraint: Member must not be null"
        );
        let upper = SHA.to_uppercase();
        assert_eq!(
            violations(publish(&q, Some(&upper))),
            format!(
                "1 validation error detected: Value '{upper}' at 'assetSHA256' failed to \
                 satisfy constraint: Member must satisfy regular expression pattern: [0-9a-f]+"
            )
        );
        let m = violations(publish(&q, Some("abc")));
        assert_eq!(
            m,
            "1 validation error detected: Value 'abc' at 'assetSHA256' failed to satisfy \
             constraint: Member must have length greater than or equal to 64"
        );
        let long = format!("{SHA}0");
        let m = violations(publish(&q, Some(&long)));
        assert!(m.contains("Member must have length less than or equal to 64"), "{m}");
        let m = violations(publish(&q, Some("UNSIGNED-PAYLOAD")));
        assert!(m.starts_with("2 validation errors detected"), "{m}");
    }

    #[test]
    fn publish_violations_are_listed_together_in_the_models_order() {
        let m = violations(publish(
            "domain=D&repository=r1&format=pypi&namespace=a/b&version=1%202&asset=a%07b\
             &unfinished=yes",
            Some("not-a-hash"),
        ));
        assert!(m.starts_with("10 validation errors detected"), "{m}");
        let order = [
            "Value 'D' at 'domain'",
            "Value 'pypi' at 'format' failed to satisfy constraint: Member must satisfy enum \
             value set: [generic]",
            "Value 'a/b' at 'namespace'",
            "Value null at 'packageName'",
            "Value '1 2' at 'packageVersion'",
            "Value 'a\u{7}b' at 'assetName'",
            "Value 'not-a-hash' at 'assetSHA256' failed to satisfy constraint: Member must \
             have length greater than or equal to 64",
            "Value 'not-a-hash' at 'assetSHA256' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: [0-9a-f]+",
            "Value 'yes' at 'unfinished' failed to satisfy constraint: Member must be a boolean",
        ];
        let positions: Vec<usize> = order.iter().map(|s| m.find(s).expect(s)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{m}");
        let m = violations(publish("", None));
        assert!(m.starts_with("8 validation errors detected"), "{m}");
        for member in [
            "domain",
            "repository",
            "format",
            "namespace",
            "packageName",
            "packageVersion",
            "assetName",
            "assetSHA256",
        ] {
            assert!(m.contains(&format!("Value null at '{member}'")), "{member}: {m}");
        }
    }

    const COPY: &str = "domain=d1&source-repository=from&destination-repository=to\
                        &format=npm&namespace=types&package=node";

    #[test]
    fn copy_parses() {
        let c: CopyPackageVersionsRequest = wire(COPY, r#"{"versions":["1.0","2.0"]}"#).unwrap();
        assert_eq!(c.source_repository.as_str(), "from");
        assert_eq!(c.destination_repository.as_str(), "to");
        assert_eq!(c.package.as_str(), "node");
        assert_eq!(
            c.versions,
            VersionsToCopy::Versions(vec![
                PackageVersion::validated("1.0".into()),
                PackageVersion::validated("2.0".into())
            ])
        );
        assert!(!c.allow_overwrite && !c.include_from_upstream);

        let c: CopyPackageVersionsRequest = wire(
            COPY,
            r#"{"versionRevisions":{"1.0":"r1"},"allowOverwrite":true,"includeFromUpstream":true}"#,
        )
        .unwrap();
        let VersionsToCopy::VersionRevisions(map) = &c.versions else { panic!("{c:?}") };
        assert_eq!(map[&PackageVersion::validated("1.0".into())].as_str(), "r1");
        assert!(c.allow_overwrite && c.include_from_upstream);

        let c: CopyPackageVersionsRequest = wire(COPY, r#"{"versions":[]}"#).unwrap();
        assert_eq!(c.versions, VersionsToCopy::Versions(Vec::new()));
    }

    #[test]
    fn copy_needs_versions_or_revisions_not_both() {
        let exactly_one = "You must specify versions or versionRevisions. You cannot specify both.";
        for body in ["{}", r#"{"versions":["1.0"],"versionRevisions":{"1.0":"r1"}}"#] {
            let m = violations(wire::<CopyPackageVersionsRequest>(COPY, body));
            assert_eq!(m, exactly_one, "{body}");
        }
        // The model's constraints come first, in AWS's usual message.
        let m = violations(wire::<CopyPackageVersionsRequest>(
            COPY,
            r#"{"versions":["a/b"],"versionRevisions":{"1.0":"r1"}}"#,
        ));
        assert!(m.starts_with("1 validation error detected: Value '[a/b]' at 'versions'"), "{m}");
    }

    #[test]
    fn copy_members_are_checked() {
        let m = violations(wire::<CopyPackageVersionsRequest>(
            "domain=d1&source-repository=-x&format=npm&package=p",
            r#"{"versionRevisions":{"1.0":"has space"}}"#,
        ));
        assert!(m.starts_with("3 validation errors detected"), "{m}");
        let order = [
            "Value '-x' at 'sourceRepository'",
            "Value null at 'destinationRepository'",
            "Value '{1.0=has space}' at 'versionRevisions' failed to satisfy constraint: Map \
             value must satisfy constraint",
        ];
        let positions: Vec<usize> = order.iter().map(|s| m.find(s).expect(s)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{m}");

        let many: Vec<String> = (0..101).map(|i| format!("\"1.{i}\"")).collect();
        let m = violations(wire::<CopyPackageVersionsRequest>(
            COPY,
            &format!(r#"{{"versions":[{}]}}"#, many.join(",")),
        ));
        assert!(m.ends_with("Member must have length less than or equal to 100"), "{m}");

        let err =
            wire::<CopyPackageVersionsRequest>(COPY, r#"{"versions":[],"allowOverwrite":"yes"}"#)
                .unwrap_err();
        assert_eq!(err.code, ErrorCode::SerializationException);
    }

    #[test]
    fn outputs_use_the_models_member_names() {
        let origin = PackageOriginConfiguration {
            restrictions: PackageOriginRestrictions {
                publish: AllowPublish::Allow,
                upstream: AllowUpstream::Block,
            },
        };
        let summary = PackageSummary {
            format: PackageFormat::Npm,
            namespace: None,
            package: PackageName::validated("left-pad".into()),
            origin_configuration: origin,
        };
        assert_eq!(
            serde_json::to_value(&summary).unwrap(),
            serde_json::json!({"format":"npm","package":"left-pad","originConfiguration":
                {"restrictions":{"publish":"ALLOW","upstream":"BLOCK"}}})
        );
        let description = PackageDescription {
            format: PackageFormat::Generic,
            namespace: Some(PackageNamespace::validated("ns".into())),
            name: PackageName::validated("tool".into()),
            origin_configuration: origin,
        };
        let json = serde_json::to_value(&description).unwrap();
        assert_eq!(json["name"], "tool");
        assert_eq!(json["namespace"], "ns");

        let asset = AssetSummary {
            name: AssetName::validated("a.tgz".into()),
            size: 3,
            hashes: [(HashAlgorithm::Sha256, HashValue::validated("ab".repeat(32)))].into(),
        };
        let json = serde_json::to_value(&asset).unwrap();
        assert_eq!(json["hashes"]["SHA-256"], "ab".repeat(32));

        let mut result = DisposePackageVersionsResult::default();
        result.successful_versions.insert(
            PackageVersion::validated("1.0".into()),
            SuccessfulPackageVersionInfo {
                revision: "r1".into(),
                status: PackageVersionStatus::Disposed,
            },
        );
        result.failed_versions.insert(
            PackageVersion::validated("2.0".into()),
            PackageVersionError {
                error_code: PackageVersionErrorCode::MismatchedStatus,
                error_message: "expected Archived".into(),
            },
        );
        assert_eq!(
            serde_json::to_value(&result).unwrap(),
            serde_json::json!({
                "successfulVersions": {"1.0": {"revision": "r1", "status": "Disposed"}},
                "failedVersions": {"2.0": {"errorCode": "MISMATCHED_STATUS",
                                            "errorMessage": "expected Archived"}}
            })
        );

        let origin = PutPackageOriginConfigurationResult { origin_configuration: origin };
        assert_eq!(
            serde_json::to_value(origin).unwrap(),
            serde_json::json!({"originConfiguration":
                {"restrictions":{"publish":"ALLOW","upstream":"BLOCK"}}})
        );
        let dependency = PackageDependency {
            namespace: Some(PackageNamespace::validated("babel".into())),
            package: PackageName::validated("core".into()),
            dependency_type: Some("dev".into()),
            version_requirement: Some("^7.0.0".into()),
        };
        assert_eq!(
            serde_json::to_value(&dependency).unwrap(),
            serde_json::json!({"namespace":"babel","package":"core","dependencyType":"dev",
                "versionRequirement":"^7.0.0"})
        );
        let published = PublishPackageVersionResult {
            format: PackageFormat::Generic,
            namespace: Some(PackageNamespace::validated("ns".into())),
            package: PackageName::validated("tool".into()),
            version: PackageVersion::validated("1.0".into()),
            version_revision: PackageVersionRevision::validated("r1".into()),
            status: PackageVersionStatus::Unfinished,
            asset,
        };
        let json = serde_json::to_value(&published).unwrap();
        assert_eq!(json["versionRevision"], "r1");
        assert_eq!(json["status"], "Unfinished");
        assert_eq!(json["asset"]["name"], "a.tgz");
        let json = serde_json::to_value(CopyPackageVersionsResult::default()).unwrap();
        assert_eq!(json, serde_json::json!({"successfulVersions": {}, "failedVersions": {}}));
    }
}
