//! Packages as stored: a package in one repository, its versions, their
//! assets (the bytes live in the [blob store](super::blob), named by their
//! SHA-256), and npm's dist-tags.

use codeartifact_api::PackageFormat;

/// One package in one repository: the primary key of everything below.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageKey {
    pub owner: String,
    pub domain: String,
    pub repository: String,
    pub format: PackageFormat,
    /// npm's scope without `@`; empty for PyPI and unscoped packages.
    pub namespace: String,
    /// The name as stored: npm's name without its scope, PyPI's normalized
    /// name (PEP 503).
    pub name: String,
}

impl PackageKey {
    /// The same package in another repository of the domain.
    pub fn in_repository(&self, repository: &str) -> Self {
        Self { repository: repository.to_string(), ..self.clone() }
    }
}

/// Whether a package takes new versions from publishing and from upstream
/// repositories (CodeArtifact's origin controls), fixed by how its first
/// version arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub publish: bool,
    pub upstream: bool,
}

impl Origin {
    /// Published here first: publishing allowed, upstream versions blocked.
    pub const PUBLISHED: Self = Self { publish: true, upstream: false };
    /// Taken from an upstream first: the reverse.
    pub const FROM_UPSTREAM: Self = Self { publish: false, upstream: true };
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRecord {
    /// The name as first published (PyPI keeps the author's spelling).
    pub display_name: String,
    pub origin: Origin,
    pub created_time: i64,
}

/// Where a version came from: published to this repository, or retained
/// from the named upstream repository.
pub const ORIGIN_PUBLISHED: &str = "";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub version: String,
    /// CodeArtifact's status: Published, Unfinished, Unlisted, Archived,
    /// Disposed or Deleted.
    pub status: String,
    /// Changes whenever the version does (CodeArtifact's `revision`), so a
    /// caller can ask for a change only if nobody changed it meanwhile.
    pub revision: String,
    pub published_time: i64,
    /// [`ORIGIN_PUBLISHED`], or the upstream repository it was retained from.
    pub origin: String,
    /// What the format needs to answer for the version without reading its
    /// assets: npm's prepared manifests, PyPI's `requires-python`. JSON.
    pub metadata: String,
    pub assets: Vec<AssetRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRecord {
    /// The file name.
    pub name: String,
    /// Lowercase hex; names the bytes in the blob store.
    pub sha256: String,
    /// Lowercase hex (npm's `shasum`).
    pub sha1: String,
    /// `sha512-<base64>` (npm's `integrity`).
    pub integrity: String,
    pub size: u64,
    pub created_time: i64,
}

/// A package with every version and dist-tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageView {
    pub package: PackageRecord,
    /// In the order they were stored.
    pub versions: Vec<VersionRecord>,
    /// (tag, version, when it was set).
    pub dist_tags: Vec<(String, String, i64)>,
}

/// A version to store, with the package to create if it is new.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub display_name: String,
    /// The origin controls of the package, if this creates it.
    pub origin: Origin,
    pub version: VersionRecord,
    pub mode: PutMode,
    /// Tags to point at this version.
    pub dist_tags: Vec<String>,
}

/// What a version that exists already means for a put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutMode {
    /// It must not exist ([`StoreError::VersionExists`]): npm.
    New,
    /// It gains the assets it lacks; the same asset again is accepted:
    /// PyPI, and versions retained from upstream.
    AddAssets,
    /// It gains assets while Unfinished, then takes the new record's status
    /// and revision (Published once the last asset came): generic packages.
    Unfinished,
    /// It is replaced whole: CopyPackageVersions with `allowOverwrite`.
    Replace,
}

/// What storing a version did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The version is new.
    Created,
    /// The version existed and gained assets.
    Extended,
    /// Everything was there already, byte for byte.
    Unchanged,
}

/// Which packages of a repository a listing wants.
#[derive(Debug, Clone, Default)]
pub struct PackageFilter {
    pub format: Option<PackageFormat>,
    /// Exactly this namespace (`Some("")`: none).
    pub namespace: Option<String>,
    pub namespace_prefix: Option<String>,
    pub package_prefix: Option<String>,
    pub publish: Option<bool>,
    pub upstream: Option<bool>,
}

/// A package of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageListing {
    pub key: PackageKey,
    pub package: PackageRecord,
}

impl PackageListing {
    /// Where a listing resumes after this package: listings sort by format,
    /// namespace and name, which `/` (never part of one) separates.
    pub fn position(&self) -> String {
        format!("{}/{}/{}", self.key.format, self.key.namespace, self.key.name)
    }
}

/// Which versions a listing wants, and in which order.
#[derive(Debug, Clone, Default)]
pub struct VersionFilter {
    pub status: Option<String>,
    /// `Some(true)`: only versions published to a repository of the domain
    /// (here, or an upstream they were retained from); `Some(false)`: only
    /// those fetched through an external connection.
    pub internal: Option<bool>,
    /// By publication (time, then the order they were stored in) rather
    /// than by version.
    pub by_publication: bool,
}

/// The versions a batch operation names, and what it expects of them.
#[derive(Debug, Clone, Default)]
pub struct VersionSelection {
    pub versions: Vec<String>,
    /// The revision each version must still have, where given.
    pub revisions: std::collections::HashMap<String, String>,
    /// The status every version must have, if given.
    pub expected_status: Option<String>,
}

/// What a batch operation does to each version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionChange {
    /// Sets the status (Published, Unlisted or Archived); each version
    /// changed gets a new revision.
    Status { target: String },
    /// Removes the assets and marks the version Disposed, for good.
    Dispose,
    /// Removes the version; it can be published again.
    Delete,
}

/// What happened to one version of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionOutcome {
    Changed {
        status: String,
        revision: String,
    },
    NotFound,
    MismatchedStatus(String),
    MismatchedRevision,
    /// The change does not apply to a version in this status.
    NotAllowed(String),
}

/// A batch's outcomes, by version, and the blobs no asset names any more.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub versions: Vec<(String, VersionOutcome)>,
    pub unreferenced_blobs: Vec<String>,
}

/// A fresh revision for a version that was published or changed: opaque
/// and unique, as CodeArtifact's are.
pub fn new_revision() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
