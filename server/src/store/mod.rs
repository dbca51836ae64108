//! Where domains, repositories and packages live: one small interface,
//! [`Store`], with an embedded SQLite implementation ([`sqlite`]); and where
//! package assets' bytes live, named by their SHA-256 ([`blob`]).
//!
//! The interface speaks in records and outcomes, never in SQL, so another
//! backend (a PostgreSQL shared by several replicas, say) can implement it
//! without the service noticing. Every method is one transaction: a write
//! that returns `Ok` is durable. The methods are async so that each backend
//! decides where its I/O runs (SQLite commits on tokio's blocking pool).

pub mod blob;
pub mod packages;
pub mod sqlite;

use async_trait::async_trait;
use codeartifact_api::PackageFormat;
use thiserror::Error;

pub use packages::new_revision;
pub use packages::{
    AssetRecord, BatchOutcome, NewVersion, Origin, PackageFilter, PackageKey, PackageListing,
    PackageRecord, PackageView, PutMode, Stored, VersionChange, VersionFilter, VersionOutcome,
    VersionRecord, VersionSelection, ORIGIN_PUBLISHED,
};
pub use sqlite::SqliteStore;

/// A domain as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRecord {
    pub owner: String,
    pub name: String,
    /// The region the domain lives in; `None`: every region (a configured
    /// domain on a server with no pinned region).
    pub region: Option<String>,
    /// Seconds since the Unix epoch.
    pub created_time: i64,
    pub encryption_key: Option<String>,
    pub tags: Vec<(String, String)>,
    /// This domain's identity, beyond its name: random (see
    /// [`new_domain_instance`]) and given when the domain is created, so a
    /// domain created again under a deleted one's name is another instance.
    /// Tokens name it, and open only the instance they were issued for.
    pub instance: String,
    /// How many repositories the domain has (computed on read).
    pub repository_count: i64,
    /// The total size of its package assets (computed on read).
    pub asset_size_bytes: i64,
}

/// A fresh [`DomainRecord::instance`]: 128 random bits as 32 lowercase hex
/// digits (a v4 UUID's), the shape the migration gives existing domains.
pub fn new_domain_instance() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A repository as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryRecord {
    pub domain_owner: String,
    pub domain_name: String,
    pub name: String,
    pub description: Option<String>,
    /// Upstream repositories of the same domain, in priority order.
    pub upstreams: Vec<String>,
    pub tags: Vec<(String, String)>,
    /// Seconds since the Unix epoch.
    pub created_time: i64,
    /// Its external connection (`public:npmjs`, ...), if it has one.
    pub external_connection: Option<String>,
}

/// Which page of a listing: at most `limit` records whose names sort after
/// `after`.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub after: Option<&'a str>,
    pub limit: usize,
}

/// What a write can run into, besides the backend failing.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the domain does not exist")]
    DomainNotFound,
    #[error("the repository does not exist")]
    RepositoryNotFound,
    #[error("the upstream repository '{0}' does not exist")]
    UpstreamNotFound(String),
    #[error("it already exists")]
    AlreadyExists,
    #[error("the domain has {0} repositories")]
    DomainHasRepositories(i64),
    #[error("the repository is an upstream of '{0}'")]
    RepositoryIsUpstream(String),
    #[error("the quota of {0} is reached")]
    QuotaExceeded(u32),
    #[error("the package version already exists")]
    VersionExists,
    #[error("the package version does not exist")]
    VersionNotFound,
    #[error("the package does not exist")]
    PackageNotFound,
    #[error("the package's origin controls block versions of this origin")]
    OriginBlocked,
    #[error("a repository cannot be its own upstream, directly or through others")]
    UpstreamIsSelf,
    #[error("the repository already has the external connection '{0}'")]
    ExternalConnectionTaken(String),
    #[error("the repository does not have that external connection")]
    ExternalConnectionNotFound,
    #[error("the asset '{0}' already exists with other content")]
    AssetConflict(String),
    #[error("storage failed: {0:#}")]
    Backend(#[from] anyhow::Error),
}

/// Storage for domains and repositories.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Creates the configured domains and then repositories, in one
    /// transaction, each the first time it is seeded into this database:
    /// one that exists already is left as it is, and one seeded before is
    /// not created again, so what the API deleted stays deleted. A
    /// repository whose domain does not exist is skipped.
    async fn seed(
        &self,
        domains: &[DomainRecord],
        repositories: &[RepositoryRecord],
    ) -> Result<(), StoreError>;

    /// Adds a domain; [`StoreError::AlreadyExists`] if `owner` has one of
    /// that name, [`StoreError::QuotaExceeded`] if `owner` already has
    /// `max_domains` in the domain's region.
    async fn create_domain(
        &self,
        domain: &DomainRecord,
        max_domains: u32,
    ) -> Result<DomainRecord, StoreError>;

    async fn domain(&self, owner: &str, name: &str) -> Result<Option<DomainRecord>, StoreError>;

    /// The [`DomainRecord::instance`] of the domain, if it exists and lives
    /// in `region`: a point lookup, cheaper than [`Store::domain`], for
    /// every request that names a domain, for minting a token and for
    /// checking one on every repository request.
    async fn domain_instance(
        &self,
        owner: &str,
        name: &str,
        region: &str,
    ) -> Result<Option<String>, StoreError>;

    /// `owner`'s domains that live in `region`, by name.
    async fn domains(
        &self,
        owner: &str,
        region: &str,
        page: Page<'_>,
    ) -> Result<Vec<DomainRecord>, StoreError>;

    /// Removes a domain that has no repositories, returning it as it was.
    async fn delete_domain(&self, owner: &str, name: &str) -> Result<DomainRecord, StoreError>;

    /// Adds a repository to an existing domain whose upstreams all exist,
    /// unless the domain already has `max_repositories`.
    async fn create_repository(
        &self,
        repo: &RepositoryRecord,
        max_repositories: u32,
    ) -> Result<RepositoryRecord, StoreError>;

    async fn repository(
        &self,
        owner: &str,
        domain: &str,
        name: &str,
    ) -> Result<Option<RepositoryRecord>, StoreError>;

    /// A domain's repositories whose names start with `prefix`, by name,
    /// without their upstreams (listings do not show them).
    async fn repositories(
        &self,
        owner: &str,
        domain: &str,
        prefix: Option<&str>,
        page: Page<'_>,
    ) -> Result<Vec<RepositoryRecord>, StoreError>;

    /// Removes a repository that no other repository has as an upstream,
    /// returning it as it was.
    async fn delete_repository(
        &self,
        owner: &str,
        domain: &str,
        name: &str,
    ) -> Result<RepositoryRecord, StoreError>;

    /// A package with all its versions, their assets and its dist-tags.
    async fn package(&self, key: &PackageKey) -> Result<Option<PackageView>, StoreError>;

    /// A package's own record (name, origin controls), without versions.
    async fn package_record(&self, key: &PackageKey) -> Result<Option<PackageRecord>, StoreError>;

    /// One version with its assets.
    async fn version(
        &self,
        key: &PackageKey,
        version: &str,
    ) -> Result<Option<VersionRecord>, StoreError>;

    /// Stores a version and its assets in one transaction (creating the
    /// package if needed), then points `dist_tags` at it. Refused:
    /// [`StoreError::OriginBlocked`] when the package's origin controls
    /// block a version of this origin (published, or from upstream),
    /// [`StoreError::VersionExists`] for a version that exists when the
    /// [`PutMode`] does not take one,
    /// [`StoreError::AssetConflict`] for an asset of the same name and other
    /// bytes, [`StoreError::RepositoryNotFound`].
    async fn put_version(&self, key: &PackageKey, new: &NewVersion) -> Result<Stored, StoreError>;

    /// Points `tag` at an existing version.
    async fn set_dist_tag(
        &self,
        key: &PackageKey,
        tag: &str,
        version: &str,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Removes a dist-tag; whether it existed.
    async fn remove_dist_tag(&self, key: &PackageKey, tag: &str) -> Result<bool, StoreError>;

    /// The display names of a repository's packages of one format, by name.
    async fn package_names(
        &self,
        owner: &str,
        domain: &str,
        repository: &str,
        format: PackageFormat,
    ) -> Result<Vec<String>, StoreError>;

    /// Every blob an asset refers to, for sweeping the others at start.
    async fn blob_hashes(&self) -> Result<Vec<String>, StoreError>;

    /// Those of `candidates` that no asset refers to.
    async fn unreferenced_blobs(&self, candidates: &[String]) -> Result<Vec<String>, StoreError>;

    /// A repository's packages that pass `filter`, in (format, namespace,
    /// name) order, after `page.after` (a [`PackageListing::position`]).
    async fn packages(
        &self,
        owner: &str,
        domain: &str,
        repository: &str,
        filter: &PackageFilter,
        page: Page<'_>,
    ) -> Result<Vec<PackageListing>, StoreError>;

    /// A page of a package's versions (without metadata or assets) that
    /// pass `filter`, each with its position in the listing's order, after
    /// `page.after` (a position).
    async fn versions(
        &self,
        key: &PackageKey,
        filter: &VersionFilter,
        page: Page<'_>,
    ) -> Result<Vec<(String, VersionRecord)>, StoreError>;

    /// The most recently published version in `status`, without its
    /// metadata or assets.
    async fn newest_version(
        &self,
        key: &PackageKey,
        status: &str,
    ) -> Result<Option<VersionRecord>, StoreError>;

    /// A package's dist-tags: (tag, version, when it was set).
    async fn dist_tags(&self, key: &PackageKey) -> Result<Vec<(String, String, i64)>, StoreError>;

    /// Applies `change` to each selected version that exists, has the
    /// expected status and revision, and allows it, in one transaction;
    /// [`StoreError::PackageNotFound`] if the package does not exist.
    async fn change_versions(
        &self,
        key: &PackageKey,
        selection: &VersionSelection,
        change: &VersionChange,
    ) -> Result<BatchOutcome, StoreError>;

    /// Sets a package's origin controls, creating it (with no versions) if
    /// it does not exist; [`StoreError::RepositoryNotFound`].
    async fn set_origin(
        &self,
        key: &PackageKey,
        display_name: &str,
        origin: Origin,
        now: i64,
    ) -> Result<PackageRecord, StoreError>;

    /// Changes a repository's description (when `Some`) and upstreams
    /// (when `Some`, in order; each must exist and be another repository of
    /// the domain), returning it as it is now.
    async fn update_repository(
        &self,
        owner: &str,
        domain: &str,
        name: &str,
        description: Option<Option<String>>,
        upstreams: Option<Vec<String>>,
    ) -> Result<RepositoryRecord, StoreError>;

    /// Gives a repository its external connection (`Some`), or takes it
    /// away (`None`, only if it is `expected`): at most one per repository
    /// ([`StoreError::ExternalConnectionTaken`], naming the one it has;
    /// [`StoreError::ExternalConnectionNotFound`]).
    async fn set_external_connection(
        &self,
        owner: &str,
        domain: &str,
        name: &str,
        connection: Option<&str>,
        expected: Option<&str>,
    ) -> Result<RepositoryRecord, StoreError>;

    /// Every repository of `owner`'s domains that answer in `region` whose
    /// name starts with `prefix`, by (name, domain), after `page.after`
    /// (`<name>/<domain>`).
    async fn owned_repositories(
        &self,
        owner: &str,
        region: &str,
        prefix: Option<&str>,
        page: Page<'_>,
    ) -> Result<Vec<RepositoryRecord>, StoreError>;

    /// Removes a package with its versions, assets and tags, returning it
    /// as it was and the blobs no asset names any more.
    async fn delete_package(
        &self,
        key: &PackageKey,
    ) -> Result<(PackageView, Vec<String>), StoreError>;
}

#[cfg(test)]
mod tests;
