//! The package API: ListPackages, DescribePackage, DeletePackage,
//! ListPackageVersions, DescribePackageVersion, ListPackageVersionAssets,
//! GetPackageVersionAsset, GetPackageVersionReadme,
//! UpdatePackageVersionsStatus, DeletePackageVersions and
//! DisposePackageVersions, over the packages the repository endpoints
//! stored.
//!
//! Each is authorized with its own action on the package (the repository
//! for ListPackages), with the domain's policy, before anything about the
//! package is looked up.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use codeartifact_api::ResourceType;
use codeartifact_api::{
    AccountId, AllowPublish, AllowUpstream, AssetName, AssetSummary, AwsError, DeletePackageResult,
    DeletePackageVersionsRequest, DeletePackageVersionsResult, DescribePackageResult,
    DescribePackageVersionResult, DisposePackageVersionsRequest, DisposePackageVersionsResult,
    DomainEntryPoint, DomainName, GetPackageVersionAssetRequest, GetPackageVersionReadmeResult,
    HashAlgorithm, HashValue, ListPackageVersionAssetsRequest, ListPackageVersionAssetsResult,
    ListPackageVersionsRequest, ListPackageVersionsResult, ListPackagesRequest, ListPackagesResult,
    PackageDescription, PackageFormat, PackageNamespace, PackageOriginConfiguration,
    PackageOriginRestrictions, PackageRequest, PackageSummary, PackageVersion,
    PackageVersionDescription, PackageVersionError, PackageVersionErrorCode, PackageVersionOrigin,
    PackageVersionOriginType, PackageVersionRequest, PackageVersionRevision, PackageVersionStatus,
    PackageVersionSummary, RepositoryName, SuccessfulPackageVersionInfo,
    UpdatePackageVersionsStatusRequest,
};
use codeartifact_api::{
    CopyPackageVersionsRequest, CopyPackageVersionsResult, ListPackageVersionDependenciesRequest,
    ListPackageVersionDependenciesResult, PackageDependency, PublishPackageVersionRequest,
    PublishPackageVersionResult, PutPackageOriginConfigurationRequest,
    PutPackageOriginConfigurationResult, VersionsToCopy,
};
use slog::debug;

use super::packages::{package_arn, AssetBytes, NpmMetadata};
use super::{
    internal, new_revision, owner_of, page_size, paginate, repository_not_found, resume_after,
    Call, OpResult, Service,
};
use crate::iam::actions::{
    COPY_PACKAGE_VERSIONS, GET_PACKAGE_VERSION_ASSET, GET_PACKAGE_VERSION_README,
    LIST_PACKAGE_VERSION_DEPENDENCIES, PUBLISH_PACKAGE_VERSION, PUT_PACKAGE_ORIGIN_CONFIGURATION,
};
use crate::iam::actions::{
    DELETE_PACKAGE, DELETE_PACKAGE_VERSIONS, DESCRIBE_PACKAGE, DESCRIBE_PACKAGE_VERSION,
    DISPOSE_PACKAGE_VERSIONS, LIST_PACKAGES, LIST_PACKAGE_VERSIONS, LIST_PACKAGE_VERSION_ASSETS,
    READ_FROM_REPOSITORY, UPDATE_PACKAGE_VERSIONS_STATUS,
};
use crate::iam::arn;
use crate::store::{
    AssetRecord, BatchOutcome, Origin, PackageFilter, PackageKey, PackageRecord, Page, StoreError,
    VersionChange, VersionFilter, VersionOutcome, VersionRecord, VersionSelection,
    ORIGIN_PUBLISHED,
};
use crate::store::{NewVersion, PutMode};

/// The package a request names, with the owner defaulted and the name as
/// stored (PyPI's normalized).
fn key_of(
    call: &Call,
    domain: &DomainName,
    owner: Option<&AccountId>,
    repository: &RepositoryName,
    format: PackageFormat,
    namespace: Option<&PackageNamespace>,
    package: &codeartifact_api::PackageName,
) -> PackageKey {
    let name = match format {
        PackageFormat::Pypi => codeartifact_packages::pypi::normalize(package.as_str()),
        _ => package.as_str().to_string(),
    };
    PackageKey {
        owner: owner_of(&call.caller, owner).to_string(),
        domain: domain.as_str().to_string(),
        repository: repository.as_str().to_string(),
        format,
        namespace: namespace.map(|n| n.as_str().to_string()).unwrap_or_default(),
        name,
    }
}

/// Builds the key of any request with the package members.
macro_rules! key {
    ($call:expr, $input:expr) => {
        key_of(
            $call,
            &$input.domain,
            $input.domain_owner.as_ref(),
            &$input.repository,
            $input.format,
            $input.namespace.as_ref(),
            &$input.package,
        )
    };
}

impl Service {
    /// Decides `action` on the package, then checks that its domain and
    /// repository exist, in that order.
    async fn package_access(
        &self,
        call: &Call,
        action: &'static str,
        key: &PackageKey,
    ) -> OpResult<()> {
        let resource = package_arn(&call.caller.region, key);
        self.access(call, action, &resource, &key.owner, &key.domain).await?;
        self.require_repository(call, &key.owner, &key.domain, &key.repository).await
    }

    async fn require_repository(
        &self,
        call: &Call,
        owner: &str,
        domain: &str,
        name: &str,
    ) -> OpResult<()> {
        match self.store.repository(owner, domain, name).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(repository_not_found(owner, domain, name)),
            Err(e) => Err(internal(&call.log, e)),
        }
    }

    /// The package's record, which must exist.
    async fn existing_package(&self, call: &Call, key: &PackageKey) -> OpResult<PackageRecord> {
        let found = self.store.package_record(key).await.map_err(|e| internal(&call.log, e))?;
        found.ok_or_else(|| package_not_found(key))
    }

    /// The version, which must exist.
    async fn existing_version(
        &self,
        call: &Call,
        key: &PackageKey,
        version: &str,
    ) -> OpResult<VersionRecord> {
        self.existing_package(call, key).await?;
        let found = self.store.version(key, version).await.map_err(|e| internal(&call.log, e))?;
        found.ok_or_else(|| version_not_found(key, version))
    }

    pub async fn list_packages(
        &self,
        call: &Call,
        input: ListPackagesRequest,
    ) -> OpResult<ListPackagesResult> {
        let owner = owner_of(&call.caller, input.domain_owner.as_ref()).to_string();
        let (domain, repository) = (input.domain.as_str(), input.repository.as_str());
        let resource = arn::repository(&call.caller.region, &owner, domain, repository);
        self.access(call, LIST_PACKAGES, &resource, &owner, domain).await?;
        self.require_repository(call, &owner, domain, repository).await?;
        let after = resume_after(input.next_token.as_ref().map(|t| t.as_str()))?;
        let size = page_size(input.max_results);
        let filter = PackageFilter {
            format: input.format,
            // ListPackages' `namespace` is a prefix, as AWS documents it.
            namespace: None,
            namespace_prefix: input.namespace.map(|n| n.as_str().to_string()),
            package_prefix: input.package_prefix.map(|p| p.as_str().to_string()),
            publish: input.publish.map(|p| p == AllowPublish::Allow),
            upstream: input.upstream.map(|u| u == AllowUpstream::Allow),
        };
        let page = Page { after: after.as_deref(), limit: size + 1 };
        let found = self
            .store
            .packages(&owner, domain, repository, &filter, page)
            .await
            .map_err(|e| internal(&call.log, e))?;
        let positions: Vec<String> = found.iter().map(|p| p.position()).collect();
        let (page, next_token) = paginate(positions, size, |p| p.as_str());
        let packages =
            found.into_iter().take(page.len()).map(|p| summary(&p.key, &p.package)).collect();
        Ok(ListPackagesResult { packages, next_token })
    }

    pub async fn describe_package(
        &self,
        call: &Call,
        input: PackageRequest,
    ) -> OpResult<DescribePackageResult> {
        let key = key!(call, input);
        self.package_access(call, DESCRIBE_PACKAGE, &key).await?;
        let record = self.existing_package(call, &key).await?;
        let s = summary(&key, &record);
        let package = PackageDescription {
            format: s.format,
            namespace: s.namespace,
            name: s.package,
            origin_configuration: s.origin_configuration,
        };
        Ok(DescribePackageResult { package })
    }

    pub async fn delete_package(
        &self,
        call: &Call,
        input: PackageRequest,
    ) -> OpResult<DeletePackageResult> {
        let key = key!(call, input);
        self.package_access(call, DELETE_PACKAGE, &key).await?;
        let (view, blobs) = match self.store.delete_package(&key).await {
            Ok(deleted) => deleted,
            Err(StoreError::PackageNotFound) => return Err(package_not_found(&key)),
            Err(e) => return Err(internal(&call.log, e)),
        };
        self.remove_unreferenced_blobs(&call.log, &blobs).await;
        debug!(call.log, "deleted package"; "package" => &key.name, "format" => key.format.as_str(),
            "repository" => &key.repository, "versions" => view.versions.len());
        Ok(DeletePackageResult { deleted_package: summary(&key, &view.package) })
    }

    pub async fn list_package_versions(
        &self,
        call: &Call,
        input: ListPackageVersionsRequest,
    ) -> OpResult<ListPackageVersionsResult> {
        let key = key!(call, input);
        self.package_access(call, LIST_PACKAGE_VERSIONS, &key).await?;
        self.existing_package(call, &key).await?;
        let after = resume_after(input.next_token.as_ref().map(|t| t.as_str()))?;
        let size = page_size(input.max_results);
        let default_display_version = self.default_display_version(call, &key).await?;
        // One page from the store, in the listing's order: the cost of a
        // page does not grow with the package's versions.
        let filter = VersionFilter {
            status: input.status.map(|s| s.as_str().to_string()),
            internal: input.origin_type.and_then(|o| match o {
                PackageVersionOriginType::Internal => Some(true),
                PackageVersionOriginType::External => Some(false),
                PackageVersionOriginType::Unknown => None,
            }),
            by_publication: input.sort_by.is_some(),
        };
        let page = Page { after: after.as_deref(), limit: size + 1 };
        let mut versions =
            self.store.versions(&key, &filter, page).await.map_err(|e| internal(&call.log, e))?;
        if input.origin_type == Some(PackageVersionOriginType::Unknown) {
            versions.clear();
        }
        let (page, next_token) = paginate(versions, size, |(p, _)| p.as_str());
        Ok(ListPackageVersionsResult {
            default_display_version,
            format: key.format,
            namespace: namespace(&key),
            package: codeartifact_api::PackageName::validated(key.name.clone()),
            versions: page.iter().map(|(_, v)| version_summary(&key, v)).collect(),
            next_token,
        })
    }

    /// What a listing shows as the package's version: npm's `latest` tag
    /// when it names a Published version, else the newest Published version
    /// (npm: by semver; others: the last published). Point lookups, except
    /// for an npm package without a usable `latest` tag.
    async fn default_display_version(
        &self,
        call: &Call,
        key: &PackageKey,
    ) -> OpResult<Option<PackageVersion>> {
        let published = PackageVersionStatus::Published.as_str();
        let fail = |e| internal(&call.log, e);
        let chosen = if key.format == PackageFormat::Npm {
            let tags = self.store.dist_tags(key).await.map_err(fail)?;
            let latest = tags.into_iter().find(|(tag, _, _)| tag == "latest").map(|(_, v, _)| v);
            let latest = match latest {
                Some(v) => self.store.version(key, &v).await.map_err(fail)?,
                None => None,
            };
            match latest.filter(|v| v.status == published) {
                Some(v) => Some(v.version),
                None => {
                    let filter =
                        VersionFilter { status: Some(published.to_string()), ..Default::default() };
                    let all = Page { after: None, limit: usize::MAX >> 1 };
                    let versions = self.store.versions(key, &filter, all).await.map_err(fail)?;
                    let names = versions.iter().map(|(_, v)| v.version.as_str());
                    codeartifact_packages::npm::newest(names).map(str::to_string)
                }
            }
        } else {
            self.store.newest_version(key, published).await.map_err(fail)?.map(|v| v.version)
        };
        Ok(chosen.map(PackageVersion::validated))
    }

    pub async fn describe_package_version(
        &self,
        call: &Call,
        input: PackageVersionRequest,
    ) -> OpResult<DescribePackageVersionResult> {
        let key = key!(call, input);
        self.package_access(call, DESCRIBE_PACKAGE_VERSION, &key).await?;
        let record = self.existing_package(call, &key).await?;
        let found = self.store.version(&key, input.version.as_str()).await;
        let version = found
            .map_err(|e| internal(&call.log, e))?
            .ok_or_else(|| version_not_found(&key, input.version.as_str()))?;
        let npm = (key.format == PackageFormat::Npm)
            .then(|| serde_json::from_str::<NpmMetadata>(&version.metadata).ok())
            .flatten();
        let manifest =
            npm.as_ref().and_then(|m| serde_json::from_str::<serde_json::Value>(&m.full).ok());
        let text = |member: &str| {
            manifest
                .as_ref()
                .and_then(|m| m.get(member))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let pypi = match key.format {
            PackageFormat::Pypi => super::packages::pypi_description(&version.metadata),
            _ => Default::default(),
        };
        let summary = version_summary(&key, &version);
        let package_version = PackageVersionDescription {
            format: key.format,
            namespace: namespace(&key),
            package_name: codeartifact_api::PackageName::validated(key.name.clone()),
            display_name: record.display_name,
            version: summary.version,
            summary: text("description").or(pypi.summary),
            home_page: text("homepage").or(pypi.home_page),
            source_code_repository: None,
            published_time: Some(version.published_time),
            licenses: Vec::new(),
            revision: summary.revision,
            status: summary.status,
            origin: summary.origin,
        };
        Ok(DescribePackageVersionResult { package_version })
    }

    pub async fn list_package_version_assets(
        &self,
        call: &Call,
        input: ListPackageVersionAssetsRequest,
    ) -> OpResult<ListPackageVersionAssetsResult> {
        let key = key!(call, input);
        self.package_access(call, LIST_PACKAGE_VERSION_ASSETS, &key).await?;
        let version = self.existing_version(call, &key, input.version.as_str()).await?;
        let after = resume_after(input.next_token.as_ref().map(|t| t.as_str()))?;
        let size = page_size(input.max_results);
        let mut assets = version.assets.clone();
        assets.sort_by(|a, b| a.name.cmp(&b.name));
        assets.retain(|a| after.as_ref().is_none_or(|after| &a.name > after));
        assets.truncate(size + 1);
        let (page, next_token) = paginate(assets, size, |a| &a.name);
        Ok(ListPackageVersionAssetsResult {
            format: key.format,
            namespace: namespace(&key),
            package: codeartifact_api::PackageName::validated(key.name.clone()),
            version: PackageVersion::validated(version.version.clone()),
            version_revision: PackageVersionRevision::validated(version.revision.clone()),
            next_token,
            assets: page.iter().map(asset_summary).collect(),
        })
    }

    /// An asset's bytes and what the answer's headers say of them.
    pub async fn get_package_version_asset(
        &self,
        call: &Call,
        input: GetPackageVersionAssetRequest,
    ) -> OpResult<AssetDownload> {
        let key = key!(call, input);
        self.package_access(call, GET_PACKAGE_VERSION_ASSET, &key).await?;
        let version = self.existing_version(call, &key, input.version.as_str()).await?;
        if input.revision.as_ref().is_some_and(|r| r.as_str() != version.revision) {
            return Err(AwsError::conflict(format!(
                "Version {} of package '{}' is at another revision",
                version.version, key.name
            ))
            .about(ResourceType::PackageVersion, &version.version));
        }
        if version.status == PackageVersionStatus::Archived.as_str() {
            return Err(AwsError::conflict(format!(
                "Version {} of package '{}' is Archived: its assets cannot be downloaded",
                version.version, key.name
            ))
            .about(ResourceType::PackageVersion, &version.version));
        }
        let asset = input.asset.as_str();
        let Some(file) = version.assets.iter().find(|a| a.name == asset).cloned() else {
            return Err(AwsError::resource_not_found(format!(
                "Asset '{asset}' of version {} of package '{}' does not exist.",
                version.version, key.name
            ))
            .about(ResourceType::Asset, asset));
        };
        let bytes = self.blobs.open(&file.sha256).await.map_err(|e| internal(&call.log, e))?;
        let bytes =
            bytes.ok_or_else(|| internal(&call.log, format!("blob {} is missing", file.sha256)))?;
        Ok(AssetDownload {
            name: file.name,
            version: version.version,
            revision: version.revision,
            bytes,
        })
    }

    pub async fn get_package_version_readme(
        &self,
        call: &Call,
        input: PackageVersionRequest,
    ) -> OpResult<GetPackageVersionReadmeResult> {
        let key = key!(call, input);
        self.package_access(call, GET_PACKAGE_VERSION_README, &key).await?;
        let version = self.existing_version(call, &key, input.version.as_str()).await?;
        let readme = match key.format {
            PackageFormat::Npm => {
                serde_json::from_str::<NpmMetadata>(&version.metadata).ok().and_then(|m| m.readme)
            }
            PackageFormat::Pypi => super::packages::pypi_description(&version.metadata).readme,
            _ => None,
        };
        Ok(GetPackageVersionReadmeResult {
            format: key.format,
            namespace: namespace(&key),
            package: codeartifact_api::PackageName::validated(key.name.clone()),
            version: PackageVersion::validated(version.version.clone()),
            version_revision: PackageVersionRevision::validated(version.revision),
            readme,
        })
    }

    pub async fn update_package_versions_status(
        &self,
        call: &Call,
        input: UpdatePackageVersionsStatusRequest,
    ) -> OpResult<codeartifact_api::UpdatePackageVersionsStatusResult> {
        let key = key!(call, input);
        self.package_access(call, UPDATE_PACKAGE_VERSIONS_STATUS, &key).await?;
        let target = PackageVersionStatus::from(input.target_status);
        let change = VersionChange::Status { target: target.as_str().to_string() };
        let selection = selection(&input.versions, &input.version_revisions, input.expected_status);
        let (successful_versions, failed_versions) =
            self.change(call, &key, &selection, &change).await?;
        Ok(codeartifact_api::UpdatePackageVersionsStatusResult {
            successful_versions,
            failed_versions,
        })
    }

    pub async fn delete_package_versions(
        &self,
        call: &Call,
        input: DeletePackageVersionsRequest,
    ) -> OpResult<DeletePackageVersionsResult> {
        let key = key!(call, input);
        self.package_access(call, DELETE_PACKAGE_VERSIONS, &key).await?;
        let selection = selection(&input.versions, &BTreeMap::new(), input.expected_status);
        let (successful_versions, failed_versions) =
            self.change(call, &key, &selection, &VersionChange::Delete).await?;
        Ok(DeletePackageVersionsResult { successful_versions, failed_versions })
    }

    pub async fn dispose_package_versions(
        &self,
        call: &Call,
        input: DisposePackageVersionsRequest,
    ) -> OpResult<DisposePackageVersionsResult> {
        let key = key!(call, input);
        self.package_access(call, DISPOSE_PACKAGE_VERSIONS, &key).await?;
        let selection = selection(&input.versions, &input.version_revisions, input.expected_status);
        let change = VersionChange::Dispose;
        let (successful_versions, failed_versions) =
            self.change(call, &key, &selection, &change).await?;
        Ok(DisposePackageVersionsResult { successful_versions, failed_versions })
    }

    /// Runs a batch and reports it per version, as AWS does; the bytes it
    /// freed are removed.
    async fn change(
        &self,
        call: &Call,
        key: &PackageKey,
        selection: &VersionSelection,
        change: &VersionChange,
    ) -> OpResult<(Successes, Failures)> {
        let outcome = match self.store.change_versions(key, selection, change).await {
            Ok(outcome) => outcome,
            Err(StoreError::PackageNotFound) => return Err(package_not_found(key)),
            Err(e) => return Err(internal(&call.log, e)),
        };
        self.remove_unreferenced_blobs(&call.log, &outcome.unreferenced_blobs).await;
        debug!(call.log, "changed package versions"; "package" => &key.name,
            "repository" => &key.repository, "change" => format!("{change:?}"),
            "changed" => outcome.versions.iter().filter(|(_, o)| matches!(o, VersionOutcome::Changed { .. })).count());
        Ok(report(outcome))
    }
}

/// An asset's bytes, with the names GetPackageVersionAsset's headers give.
pub struct AssetDownload {
    pub name: String,
    pub version: String,
    pub revision: String,
    pub bytes: AssetBytes,
}

type Successes = BTreeMap<PackageVersion, SuccessfulPackageVersionInfo>;
type Failures = BTreeMap<PackageVersion, PackageVersionError>;

fn selection(
    versions: &[PackageVersion],
    revisions: &BTreeMap<PackageVersion, PackageVersionRevision>,
    expected: Option<PackageVersionStatus>,
) -> VersionSelection {
    // A version named twice is one version, with one outcome.
    let mut unique: Vec<String> = Vec::new();
    for v in versions {
        if !unique.iter().any(|u| u == v.as_str()) {
            unique.push(v.as_str().to_string());
        }
    }
    VersionSelection {
        versions: unique,
        revisions: revisions
            .iter()
            .map(|(v, r)| (v.as_str().to_string(), r.as_str().to_string()))
            .collect(),
        expected_status: expected.map(|s| s.as_str().to_string()),
    }
}

/// A batch's outcomes as the wire reports them.
fn report(outcome: BatchOutcome) -> (Successes, Failures) {
    let (mut ok, mut failed) = (BTreeMap::new(), BTreeMap::new());
    for (version, result) in outcome.versions {
        let error = |code, message: String| PackageVersionError {
            error_code: code,
            error_message: message,
        };
        let key = PackageVersion::validated(version.clone());
        match result {
            VersionOutcome::Changed { status, revision } => {
                let status = PackageVersionStatus::from_wire(&status)
                    .unwrap_or(PackageVersionStatus::Published);
                ok.insert(key, SuccessfulPackageVersionInfo { revision, status });
            }
            VersionOutcome::NotFound => {
                failed.insert(
                    key,
                    error(
                        PackageVersionErrorCode::NotFound,
                        format!("Version {version} does not exist."),
                    ),
                );
            }
            VersionOutcome::MismatchedStatus(status) => {
                failed.insert(
                    key,
                    error(
                        PackageVersionErrorCode::MismatchedStatus,
                        format!("Version {version} is {status}."),
                    ),
                );
            }
            VersionOutcome::MismatchedRevision => {
                failed.insert(
                    key,
                    error(
                        PackageVersionErrorCode::MismatchedRevision,
                        format!("Version {version} is at another revision."),
                    ),
                );
            }
            VersionOutcome::NotAllowed(status) => {
                failed.insert(
                    key,
                    error(
                        PackageVersionErrorCode::NotAllowed,
                        format!("Version {version} is {status}; its status cannot change."),
                    ),
                );
            }
        }
    }
    (ok, failed)
}

fn namespace(key: &PackageKey) -> Option<PackageNamespace> {
    (!key.namespace.is_empty()).then(|| PackageNamespace::validated(key.namespace.clone()))
}

fn summary(key: &PackageKey, record: &PackageRecord) -> PackageSummary {
    PackageSummary {
        format: key.format,
        namespace: namespace(key),
        package: codeartifact_api::PackageName::validated(key.name.clone()),
        origin_configuration: origin_configuration(record.origin),
    }
}

fn origin_configuration(origin: Origin) -> PackageOriginConfiguration {
    PackageOriginConfiguration {
        restrictions: PackageOriginRestrictions {
            publish: if origin.publish { AllowPublish::Allow } else { AllowPublish::Block },
            upstream: if origin.upstream { AllowUpstream::Allow } else { AllowUpstream::Block },
        },
    }
}

/// Published to a repository of the domain (here, or an upstream it was
/// retained from), or fetched through an external connection (whose names
/// have a `:`).
fn origin_type(v: &VersionRecord) -> PackageVersionOriginType {
    if v.origin.contains(':') {
        PackageVersionOriginType::External
    } else {
        PackageVersionOriginType::Internal
    }
}

fn version_summary(key: &PackageKey, v: &VersionRecord) -> PackageVersionSummary {
    // Published here; retained from an upstream repository; or fetched
    // through an external connection (whose names have a `:`).
    let entry = if v.origin == ORIGIN_PUBLISHED { &key.repository } else { &v.origin };
    let from_connection = entry.contains(':');
    PackageVersionSummary {
        version: PackageVersion::validated(v.version.clone()),
        revision: PackageVersionRevision::validated(v.revision.clone()),
        status: PackageVersionStatus::from_wire(&v.status)
            .unwrap_or(PackageVersionStatus::Published),
        origin: PackageVersionOrigin {
            domain_entry_point: Some(DomainEntryPoint {
                repository_name: (!from_connection)
                    .then(|| RepositoryName::validated(entry.clone())),
                external_connection_name: from_connection.then(|| entry.clone()),
            }),
            origin_type: origin_type(v),
        },
    }
}

/// An asset's hashes as AWS lists them: hex, by algorithm.
fn asset_summary(a: &AssetRecord) -> AssetSummary {
    let mut hashes = BTreeMap::new();
    hashes.insert(HashAlgorithm::Sha256, HashValue::validated(a.sha256.clone()));
    hashes.insert(HashAlgorithm::Sha1, HashValue::validated(a.sha1.clone()));
    if let Some(sha512) = a.integrity.strip_prefix("sha512-").and_then(|b| STANDARD.decode(b).ok())
    {
        hashes.insert(HashAlgorithm::Sha512, HashValue::validated(hex::encode(sha512)));
    }
    AssetSummary { name: AssetName::validated(a.name.clone()), size: a.size as i64, hashes }
}

fn package_not_found(key: &PackageKey) -> AwsError {
    AwsError::resource_not_found(format!(
        "Package '{}' of format {} does not exist in repository '{}'.",
        if key.namespace.is_empty() {
            key.name.clone()
        } else {
            format!("{}/{}", key.namespace, key.name)
        },
        key.format,
        key.repository
    ))
    .about(ResourceType::Package, &key.name)
}

fn version_not_found(key: &PackageKey, version: &str) -> AwsError {
    AwsError::resource_not_found(format!(
        "Version {version} of package '{}' does not exist in repository '{}'.",
        key.name, key.repository
    ))
    .about(ResourceType::PackageVersion, version)
}

impl Service {
    /// Sets a package's origin controls, creating the package (with no
    /// versions) when it does not exist, as AWS does.
    pub async fn put_package_origin_configuration(
        &self,
        call: &Call,
        input: PutPackageOriginConfigurationRequest,
    ) -> OpResult<PutPackageOriginConfigurationResult> {
        let key = key!(call, input);
        self.package_access(call, PUT_PACKAGE_ORIGIN_CONFIGURATION, &key).await?;
        let origin = Origin {
            publish: input.restrictions.publish == AllowPublish::Allow,
            upstream: input.restrictions.upstream == AllowUpstream::Allow,
        };
        let display = display_name(&key, input.package.as_str());
        let record =
            self.store.set_origin(&key, &display, origin, call.now.timestamp()).await.map_err(
                |e| match e {
                    StoreError::RepositoryNotFound => {
                        repository_not_found(&key.owner, &key.domain, &key.repository)
                    }
                    e => internal(&call.log, e),
                },
            )?;
        debug!(call.log, "set origin controls"; "package" => &key.name,
            "repository" => &key.repository, "publish" => origin.publish,
            "upstream" => origin.upstream);
        Ok(PutPackageOriginConfigurationResult {
            origin_configuration: origin_configuration(record.origin),
        })
    }

    /// What a version depends on: npm's manifest dependencies (regular,
    /// dev, peer, optional), PyPI's `Requires-Dist`.
    pub async fn list_package_version_dependencies(
        &self,
        call: &Call,
        input: ListPackageVersionDependenciesRequest,
    ) -> OpResult<ListPackageVersionDependenciesResult> {
        let key = key!(call, input);
        self.package_access(call, LIST_PACKAGE_VERSION_DEPENDENCIES, &key).await?;
        let version = self.existing_version(call, &key, input.version.as_str()).await?;
        let dependencies = match key.format {
            PackageFormat::Npm => npm_dependencies(&version),
            PackageFormat::Pypi => pypi_dependencies(&version),
            _ => Vec::new(),
        };
        Ok(ListPackageVersionDependenciesResult {
            format: key.format,
            namespace: namespace(&key),
            package: codeartifact_api::PackageName::validated(key.name.clone()),
            version: PackageVersion::validated(version.version.clone()),
            version_revision: PackageVersionRevision::validated(version.revision.clone()),
            next_token: None,
            dependencies,
        })
    }

    /// Publishes one asset of a generic package version, its bytes read
    /// from `body` into the blob store and checked against the declared
    /// SHA-256. An Unfinished version takes more assets until one is
    /// published without `unfinished`.
    pub async fn publish_package_version<S, E>(
        &self,
        call: &Call,
        input: PublishPackageVersionRequest,
        body: S,
    ) -> OpResult<PublishPackageVersionResult>
    where
        S: futures::Stream<Item = Result<bytes::Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        use futures::StreamExt as _;
        let key = key!(call, input);
        self.package_access(call, PUBLISH_PACKAGE_VERSION, &key).await?;
        if key.namespace.is_empty() {
            return Err(AwsError::validation("A generic package must have a namespace."));
        }
        let version = input.version.as_str();
        let record = self.store.package_record(&key).await.map_err(|e| internal(&call.log, e))?;
        if record.is_some_and(|r| !r.origin.publish) {
            return Err(AwsError::conflict(format!(
                "The origin controls of package '{}' block publishing.",
                key.name
            ))
            .about(ResourceType::Package, &key.name));
        }
        let existing =
            self.store.version(&key, version).await.map_err(|e| internal(&call.log, e))?;
        if existing.is_none() {
            // A new version must not be in an upstream a read would reach.
            for upstream in self.copy_sources(call, &key, true).await?.iter().skip(1) {
                let there = self.store.version(upstream, version).await;
                if there.map_err(|e| internal(&call.log, e))?.is_some() {
                    return Err(AwsError::conflict(format!(
                        "Version {version} of package '{}' already exists in upstream \
                         repository '{}'.",
                        key.name, upstream.repository
                    ))
                    .about(ResourceType::PackageVersion, version));
                }
            }
        }
        if existing.as_ref().is_some_and(|v| v.status != PackageVersionStatus::Unfinished.as_str())
        {
            return Err(AwsError::conflict(format!(
                "Version {version} of package '{}' is already published.",
                key.name
            ))
            .about(ResourceType::PackageVersion, version));
        }
        let limit = self.settings.max_asset_size;
        let mut staged = self.blobs.stage(limit).await.map_err(|e| internal(&call.log, e))?;
        let mut body = std::pin::pin!(body);
        while let Some(chunk) = body.next().await {
            let chunk = chunk
                .map_err(|e| AwsError::validation(format!("failed to read the asset: {e}")))?;
            staged.write(&chunk).await.map_err(|e| match e.kind() {
                std::io::ErrorKind::FileTooLarge => AwsError::quota_exceeded(format!(
                    "The asset is larger than the largest accepted, {limit} bytes."
                )),
                _ => internal(&call.log, e),
            })?;
        }
        let digests = staged.digests();
        if digests.sha256 != input.asset_sha256.as_str() {
            return Err(AwsError::validation(format!(
                "The asset's SHA-256 is {}, not the {} sent in x-amz-content-sha256.",
                digests.sha256,
                input.asset_sha256.as_str()
            )));
        }
        let status = if input.unfinished {
            PackageVersionStatus::Unfinished
        } else {
            PackageVersionStatus::Published
        };
        let now = call.now.timestamp();
        let asset = AssetRecord {
            name: input.asset_name.as_str().to_string(),
            sha256: digests.sha256.clone(),
            sha1: digests.sha1.clone(),
            integrity: digests.integrity(),
            size: digests.size,
            created_time: now,
        };
        let new = NewVersion {
            display_name: display_name(&key, input.package.as_str()),
            origin: Origin::PUBLISHED,
            version: VersionRecord {
                version: version.to_string(),
                status: status.as_str().to_string(),
                revision: new_revision(),
                published_time: now,
                origin: ORIGIN_PUBLISHED.into(),
                metadata: "{}".into(),
                assets: vec![asset.clone()],
            },
            mode: PutMode::Unfinished,
            dist_tags: Vec::new(),
        };
        let adding_references = self.blob_gate.read().await;
        self.blobs.commit(staged).await.map_err(|e| internal(&call.log, e))?;
        let stored = self.store.put_version(&key, &new).await;
        drop(adding_references);
        let refused = match stored {
            Ok(_) => {
                debug!(call.log, "published"; "package" => &key.name, "version" => version,
                    "asset" => &asset.name, "status" => status.as_str(),
                    "repository" => &key.repository);
                return Ok(PublishPackageVersionResult {
                    format: key.format,
                    namespace: namespace(&key),
                    package: codeartifact_api::PackageName::validated(key.name.clone()),
                    version: PackageVersion::validated(version.to_string()),
                    version_revision: PackageVersionRevision::validated(new.version.revision),
                    status,
                    asset: asset_summary(&asset),
                });
            }
            Err(StoreError::AssetConflict(name)) => AwsError::conflict(format!(
                "Asset '{name}' of version {version} already exists with other content."
            ))
            .about(ResourceType::Asset, name),
            Err(StoreError::VersionExists) => AwsError::conflict(format!(
                "Version {version} of package '{}' is already published.",
                key.name
            ))
            .about(ResourceType::PackageVersion, version),
            Err(StoreError::OriginBlocked) => AwsError::conflict(format!(
                "The origin controls of package '{}' block publishing.",
                key.name
            ))
            .about(ResourceType::Package, &key.name),
            Err(e) => internal(&call.log, e),
        };
        self.remove_unreferenced_blobs(&call.log, &[digests.sha256]).await;
        Err(refused)
    }

    /// Copies versions of a package from one repository of a domain to
    /// another, reporting each; the source's upstreams are searched too
    /// with `includeFromUpstream`.
    pub async fn copy_package_versions(
        &self,
        call: &Call,
        input: CopyPackageVersionsRequest,
    ) -> OpResult<CopyPackageVersionsResult> {
        let source = key_of(
            call,
            &input.domain,
            input.domain_owner.as_ref(),
            &input.source_repository,
            input.format,
            input.namespace.as_ref(),
            &input.package,
        );
        let destination = source.in_repository(input.destination_repository.as_str());
        if source.repository == destination.repository {
            return Err(AwsError::validation(
                "The source and destination repositories must be different.",
            ));
        }
        // Both decisions first, then existence.
        let region = &call.caller.region;
        let (owner, domain) = (source.owner.as_str(), source.domain.as_str());
        let policy = self.domain_policies.policy(owner, domain, region);
        let target = package_arn(region, &destination);
        self.authorize(call, COPY_PACKAGE_VERSIONS, &target, owner, policy)?;
        let source_arn = arn::repository(region, owner, domain, &source.repository);
        self.authorize(call, READ_FROM_REPOSITORY, &source_arn, owner, policy)?;
        self.require_domain(call, owner, domain).await?;
        self.require_repository(call, owner, domain, &source.repository).await?;
        self.require_repository(call, owner, domain, &destination.repository).await?;
        let mut wanted: Vec<(String, Option<String>)> = Vec::new();
        let named: Vec<(String, Option<String>)> = match &input.versions {
            VersionsToCopy::Versions(v) => {
                v.iter().map(|v| (v.as_str().to_string(), None)).collect()
            }
            VersionsToCopy::VersionRevisions(m) => m
                .iter()
                .map(|(v, r)| (v.as_str().to_string(), Some(r.as_str().to_string())))
                .collect(),
        };
        // A version named twice is one version, with one outcome.
        for (version, revision) in named {
            if !wanted.iter().any(|(v, _)| v == &version) {
                wanted.push((version, revision));
            }
        }
        let searched = self.copy_sources(call, &source, input.include_from_upstream).await?;
        let mut has_package = false;
        for key in &searched {
            let record =
                self.store.package_record(key).await.map_err(|e| internal(&call.log, e))?;
            has_package |= record.is_some();
        }
        if !has_package {
            return Err(package_not_found(&source));
        }
        let mode = if input.allow_overwrite { PutMode::Replace } else { PutMode::New };
        let (mut successful_versions, mut failed_versions) = (BTreeMap::new(), BTreeMap::new());
        for (version, revision) in wanted {
            let wire = PackageVersion::validated(version.clone());
            let fail = |code, message: String| PackageVersionError {
                error_code: code,
                error_message: message,
            };
            // Held from reading the source to writing the copy: a dispose of
            // the source meanwhile cannot free bytes the copy names.
            let adding_references = self.blob_gate.read().await;
            let mut found = None;
            for key in &searched {
                let here =
                    self.store.version(key, &version).await.map_err(|e| internal(&call.log, e))?;
                let package =
                    self.store.package_record(key).await.map_err(|e| internal(&call.log, e))?;
                if let (Some(v), Some(p)) = (here, package) {
                    found = Some((v, p));
                    break;
                }
            }
            let Some((record, package)) = found else {
                failed_versions.insert(
                    wire,
                    fail(
                        PackageVersionErrorCode::NotFound,
                        format!("Version {version} does not exist in the source."),
                    ),
                );
                continue;
            };
            if revision.as_ref().is_some_and(|r| r != &record.revision) {
                failed_versions.insert(
                    wire,
                    fail(
                        PackageVersionErrorCode::MismatchedRevision,
                        format!("Version {version} is at another revision."),
                    ),
                );
                continue;
            }
            if record.status == PackageVersionStatus::Disposed.as_str() || record.assets.is_empty()
            {
                failed_versions.insert(
                    wire,
                    fail(
                        PackageVersionErrorCode::NotAllowed,
                        format!(
                            "Version {version} is {}: it has no assets to copy.",
                            record.status
                        ),
                    ),
                );
                continue;
            }
            let copy = NewVersion {
                display_name: package.display_name,
                origin: Origin::PUBLISHED,
                version: VersionRecord {
                    revision: new_revision(),
                    published_time: call.now.timestamp(),
                    origin: ORIGIN_PUBLISHED.into(),
                    ..record
                },
                mode,
                dist_tags: Vec::new(),
            };
            // What an overwrite replaces, whose bytes may be left unnamed.
            let replaced = match mode {
                PutMode::Replace => self
                    .store
                    .version(&destination, &version)
                    .await
                    .map_err(|e| internal(&call.log, e))?
                    .map(|v| v.assets.into_iter().map(|a| a.sha256).collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let stored = self.store.put_version(&destination, &copy).await;
            drop(adding_references);
            match stored {
                Ok(_) => {
                    self.remove_unreferenced_blobs(&call.log, &replaced).await;
                    let status = PackageVersionStatus::from_wire(&copy.version.status)
                        .unwrap_or(PackageVersionStatus::Published);
                    let info =
                        SuccessfulPackageVersionInfo { revision: copy.version.revision, status };
                    successful_versions.insert(wire, info);
                }
                Err(StoreError::VersionExists) => {
                    failed_versions.insert(
                        wire,
                        fail(
                            PackageVersionErrorCode::AlreadyExists,
                            format!("Version {version} already exists in the destination."),
                        ),
                    );
                }
                Err(StoreError::OriginBlocked | StoreError::AssetConflict(_)) => {
                    failed_versions.insert(
                        wire,
                        fail(
                            PackageVersionErrorCode::NotAllowed,
                            format!("The destination's origin controls block version {version}."),
                        ),
                    );
                }
                Err(e) => return Err(internal(&call.log, e)),
            }
        }
        debug!(call.log, "copied package versions"; "package" => &source.name,
            "from" => &source.repository, "to" => &destination.repository,
            "copied" => successful_versions.len(), "failed" => failed_versions.len());
        Ok(CopyPackageVersionsResult { successful_versions, failed_versions })
    }

    /// Where a copy looks for versions: the source repository and, with
    /// `include_from_upstream`, its upstreams in their configured order,
    /// depth first, each once, 25 at most (as reads search them).
    async fn copy_sources(
        &self,
        call: &Call,
        source: &PackageKey,
        include_from_upstream: bool,
    ) -> OpResult<Vec<PackageKey>> {
        if !include_from_upstream {
            return Ok(vec![source.clone()]);
        }
        let mut keys: Vec<PackageKey> = Vec::new();
        let mut stack = vec![source.repository.clone()];
        while let Some(name) = stack.pop() {
            if keys.len() >= 25 || keys.iter().any(|k| k.repository == name) {
                continue;
            }
            keys.push(source.in_repository(&name));
            let found = self.store.repository(&source.owner, &source.domain, &name).await;
            if let Some(repository) = found.map_err(|e| internal(&call.log, e))? {
                stack.extend(repository.upstreams.iter().rev().cloned());
            }
        }
        Ok(keys)
    }
}

/// A package's name as people write it: npm's with its scope, PyPI's as
/// sent.
fn display_name(key: &PackageKey, sent: &str) -> String {
    match key.format {
        PackageFormat::Npm if !key.namespace.is_empty() => format!("@{}/{sent}", key.namespace),
        _ => sent.to_string(),
    }
}

/// An npm version's dependencies, from its manifest as published.
fn npm_dependencies(version: &VersionRecord) -> Vec<PackageDependency> {
    let Ok(metadata) = serde_json::from_str::<NpmMetadata>(&version.metadata) else {
        return Vec::new();
    };
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&metadata.full) else {
        return Vec::new();
    };
    let kinds = [
        ("dependencies", "regular"),
        ("devDependencies", "dev"),
        ("peerDependencies", "peer"),
        ("optionalDependencies", "optional"),
    ];
    let mut out = Vec::new();
    for (member, kind) in kinds {
        let Some(map) = manifest.get(member).and_then(|m| m.as_object()) else { continue };
        for (name, requirement) in map {
            let (namespace, package) = match name.strip_prefix('@').and_then(|n| n.split_once('/'))
            {
                Some((scope, bare)) => (Some(scope), bare),
                None => (None, name.as_str()),
            };
            // Manifests are what their authors wrote: a name the wire
            // cannot carry is left out rather than sent broken.
            let Ok(package) = codeartifact_api::PackageName::parse(package) else { continue };
            let namespace = match namespace.map(PackageNamespace::parse) {
                Some(Ok(n)) => Some(n),
                Some(Err(_)) => continue,
                None => None,
            };
            out.push(PackageDependency {
                namespace,
                package,
                dependency_type: Some(kind.to_string()),
                version_requirement: requirement.as_str().map(str::to_string),
            });
        }
    }
    out
}

/// A PyPI version's `Requires-Dist` entries: the project name, then the
/// requirement (PEP 508) as written.
fn pypi_dependencies(version: &VersionRecord) -> Vec<PackageDependency> {
    let requires = super::packages::pypi_requires_dist(&version.metadata);
    requires
        .iter()
        .filter_map(|line| {
            let end = line
                .find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
                .unwrap_or(line.len());
            let (name, rest) = line.split_at(end);
            let normalized = codeartifact_packages::pypi::normalize(name);
            let package = codeartifact_api::PackageName::parse(&normalized).ok()?;
            Some(PackageDependency {
                namespace: None,
                package,
                dependency_type: Some("Requires-Dist".into()),
                version_requirement: Some(rest.trim().to_string()).filter(|r| !r.is_empty()),
            })
        })
        .collect()
}
