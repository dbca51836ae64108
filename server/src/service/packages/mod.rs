//! Packages at the repository endpoints, with CodeArtifact's semantics:
//! who may read and publish (the token acts as the principal that got it),
//! where a read looks (the repository, then its upstreams), what a read
//! from upstream leaves behind (the version is retained downstream), what
//! the origin controls allow, and what cannot be replaced (a published
//! version or file). The package managers' adapters
//! ([`crate::http::registry`]) translate their protocols into these calls;
//! [`npm`] and [`pypi`] hold what differs per format.

mod external;
mod npm;
mod pypi;

use std::sync::Arc;

use codeartifact_api::PackageFormat;
use slog::{debug, error, Logger};

use super::Service;
use crate::endpoint::Endpoint;
use crate::iam::actions::READ_FROM_REPOSITORY;
use crate::iam::arn;
use crate::iam::identity::Principal;
use crate::store::blob::BlobRead;
use crate::store::{
    AssetRecord, NewVersion, Origin, PackageKey, PackageRecord, PackageView, PutMode,
    RepositoryRecord, StoreError, VersionRecord,
};

pub(crate) use npm::NpmMetadata;
pub use npm::{NpmPackage, NpmVersion};
pub(crate) use pypi::{description as pypi_description, requires_dist as pypi_requires_dist};
pub use pypi::{PypiFile, PypiProject, PypiReceiver};

/// An asset's bytes as they are read from storage: their size, and their
/// content in chunks.
pub type AssetBytes = BlobRead;

/// How many repositories one read may search: the repository and its
/// upstreams, transitively (CodeArtifact's limit).
const MAX_SEARCHED: usize = 25;

/// A request let in: whom its token acts as, where, and in which repository.
#[derive(Debug, Clone)]
pub struct Admitted {
    principal: Arc<Principal>,
    /// The region the token was requested in.
    region: String,
    repository: RepositoryRecord,
    format: PackageFormat,
}

impl Admitted {
    /// The ARN of the principal the token was issued to.
    pub fn principal_arn(&self) -> &str {
        &self.principal.arn
    }
}

/// Why a request to a repository endpoint failed; each adapter answers it
/// in its own protocol's shape and status.
#[derive(Debug, PartialEq, Eq)]
pub enum EndpointError {
    /// No usable token (the adapters add the package managers' challenges).
    Unauthorized(String),
    /// The principal may not do this; the log says which statement decided.
    Forbidden(String),
    NotFound(String),
    /// Immutability, origin controls, an upstream's version.
    Conflict(String),
    BadRequest(String),
    TooLarge(String),
    /// The store or the disk failed; the details are in the log.
    Internal,
}

impl EndpointError {
    pub fn message(&self) -> &str {
        match self {
            Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::BadRequest(m)
            | Self::TooLarge(m) => m,
            Self::Internal => "An internal error occurred. Try the request again.",
        }
    }
}

pub type EndpointResult<T> = Result<T, EndpointError>;

/// A failure of the store or the disk: logged in full, answered as 500.
fn internal(log: &Logger, e: impl std::fmt::Display) -> EndpointError {
    error!(log, "package request failed"; "error" => e.to_string());
    EndpointError::Internal
}

/// A version as the search found it: in which repository, and that
/// repository's package record.
#[derive(Debug)]
struct Located {
    repository: String,
    package: PackageRecord,
    version: VersionRecord,
}

/// The repositories a read of one repository searches: itself, then each
/// upstream in its configured order, depth first, each once, at most
/// [`MAX_SEARCHED`]. The reader decides, repository by repository, whether
/// to go on below it ([`Walk::descend`]).
struct Walk {
    stack: Vec<RepositoryRecord>,
    visited: Vec<String>,
}

impl Walk {
    fn from(start: &RepositoryRecord) -> Self {
        Self { stack: vec![start.clone()], visited: Vec::new() }
    }

    /// The next repository to look in.
    fn next(&mut self) -> Option<RepositoryRecord> {
        while let Some(repository) = self.stack.pop() {
            if self.visited.len() >= MAX_SEARCHED {
                return None;
            }
            if !self.visited.contains(&repository.name) {
                self.visited.push(repository.name.clone());
                return Some(repository);
            }
        }
        None
    }

    /// Looks in `repository`'s upstreams next, in their order.
    async fn descend(
        &mut self,
        service: &Service,
        log: &Logger,
        repository: &RepositoryRecord,
    ) -> EndpointResult<()> {
        let (owner, domain) = (&repository.domain_owner, &repository.domain_name);
        for name in repository.upstreams.iter().rev() {
            let found = service.store.repository(owner, domain, name).await;
            if let Some(upstream) = found.map_err(|e| internal(log, e))? {
                self.stack.push(upstream);
            }
        }
        Ok(())
    }
}

impl Service {
    /// Checks `token` (if any) for the endpoint's domain, then that the
    /// repository exists. The token comes first: without one, a caller
    /// learns nothing about which repositories exist; and a principal that
    /// may not read the repository learns that, not whether it exists.
    /// A token opens only the domain instance it was issued for: once that
    /// domain is deleted, its tokens are refused, even after a domain of the
    /// same name is created again.
    pub async fn admit_to_repository(
        &self,
        log: &Logger,
        token: Option<&str>,
        endpoint: &Endpoint<'_>,
    ) -> EndpointResult<Admitted> {
        let Some(token) = token else {
            debug!(log, "repository request without a token"; "domain" => endpoint.domain);
            return Err(EndpointError::Unauthorized(
                "Authentication required: send an authorization token".into(),
            ));
        };
        let claims = self.tokens.verify(token).map_err(|e| {
            debug!(log, "repository request refused"; "domain" => endpoint.domain,
                "reason" => e.to_string());
            EndpointError::Unauthorized(format!("The authorization token was refused: {e}"))
        })?;
        if claims.domain != endpoint.domain || claims.domain_owner != endpoint.owner {
            debug!(log, "repository request refused"; "domain" => endpoint.domain,
                "reason" => "the token is for another domain", "principal" => &claims.principal);
            return Err(EndpointError::Unauthorized(
                "The authorization token is for another domain".into(),
            ));
        }
        // Asked of the store on every request, never remembered with the
        // verified token: a deletion takes effect at once.
        let instance = self.store.domain_instance(endpoint.owner, endpoint.domain, &claims.region);
        if instance.await.map_err(|e| internal(log, e))?.as_ref() != Some(&claims.domain_instance) {
            debug!(log, "repository request refused"; "domain" => endpoint.domain,
                "reason" => "the token's domain was deleted", "principal" => &claims.principal);
            return Err(EndpointError::Unauthorized(
                "The authorization token is for a domain that no longer exists".into(),
            ));
        }
        let Some(principal) = self.identities.principal(&claims.principal) else {
            debug!(log, "repository request refused"; "principal" => &claims.principal,
                "reason" => "the principal is no longer configured");
            return Err(EndpointError::Unauthorized(
                "The principal this token was issued to no longer exists".into(),
            ));
        };
        let found = self.store.repository(endpoint.owner, endpoint.domain, endpoint.repository);
        let repository = match found.await {
            Ok(Some(repository)) => repository,
            Ok(None) => {
                let (owner, domain, name) = (endpoint.owner, endpoint.domain, endpoint.repository);
                let resource = arn::repository(&claims.region, owner, domain, name);
                let policy = self.domain_policies.policy(owner, domain, &claims.region);
                let question = (READ_FROM_REPOSITORY, resource.as_str(), owner, policy);
                self.decide(log, principal, &claims.region, question)
                    .map_err(|e| EndpointError::Forbidden(e.message))?;
                return Err(EndpointError::NotFound(format!(
                    "Repository '{name}' does not exist in domain '{domain}'"
                )));
            }
            Err(e) => return Err(internal(log, e)),
        };
        debug!(log, "repository request"; "principal" => &claims.principal,
            "repository" => endpoint.repository, "format" => endpoint.format.as_str());
        Ok(Admitted {
            principal: principal.clone(),
            region: claims.region,
            repository,
            format: endpoint.format,
        })
    }

    /// Decides `action` on `resource` for the admitted principal, with the
    /// domain's policy as the resource policy, as for the API.
    fn authorize_endpoint(
        &self,
        log: &Logger,
        who: &Admitted,
        action: &'static str,
        resource: &str,
    ) -> EndpointResult<()> {
        let r = &who.repository;
        let policy = self.domain_policies.policy(&r.domain_owner, &r.domain_name, &who.region);
        let question = (action, resource, r.domain_owner.as_str(), policy);
        self.decide(log, &who.principal, &who.region, question)
            .map_err(|e| EndpointError::Forbidden(e.message))
    }

    /// `codeartifact:ReadFromRepository` on the repository.
    fn authorize_read(&self, log: &Logger, who: &Admitted) -> EndpointResult<()> {
        let r = &who.repository;
        let resource = arn::repository(&who.region, &r.domain_owner, &r.domain_name, &r.name);
        self.authorize_endpoint(log, who, READ_FROM_REPOSITORY, &resource)
    }

    /// `action` (publishing, tagging) on the package.
    fn authorize_package(
        &self,
        log: &Logger,
        who: &Admitted,
        action: &'static str,
        key: &PackageKey,
    ) -> EndpointResult<()> {
        self.authorize_endpoint(log, who, action, &package_arn(&who.region, key))
    }

    /// The package in each repository a read searches that has it, in
    /// search order, not below one whose origin controls block upstream
    /// versions of it.
    async fn find(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
    ) -> EndpointResult<Vec<PackageView>> {
        let mut found = Vec::new();
        let mut walk = Walk::from(&who.repository);
        while let Some(repository) = walk.next() {
            let view = self.store.package(&key.in_repository(&repository.name)).await;
            let view = view.map_err(|e| internal(log, e))?;
            let takes_upstream = view.as_ref().is_none_or(|v| v.package.origin.upstream);
            found.extend(view);
            if takes_upstream {
                walk.descend(self, log, &repository).await?;
            }
        }
        Ok(found)
    }

    /// The first repository of the search that has `version`, with the
    /// version, by point lookups: what serving one asset needs, without
    /// reading the rest of the package.
    async fn locate(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
        version: &str,
    ) -> EndpointResult<Option<Located>> {
        let mut walk = Walk::from(&who.repository);
        while let Some(repository) = walk.next() {
            let here = key.in_repository(&repository.name);
            let record = self.store.package_record(&here).await.map_err(|e| internal(log, e))?;
            if let Some(package) = record {
                let found = self.store.version(&here, version).await;
                if let Some(version) = found.map_err(|e| internal(log, e))? {
                    return Ok(Some(Located { repository: repository.name, package, version }));
                }
                if !package.origin.upstream {
                    continue;
                }
            }
            walk.descend(self, log, &repository).await?;
        }
        Ok(None)
    }

    /// Refuses a publish of a new `version` to the admitted repository when
    /// the package there takes no published versions (its origin
    /// controls), or when a repository the search reaches already has it
    /// (CodeArtifact's 409s). A version already in the repository is the
    /// caller's to judge (npm refuses it, PyPI may add files).
    async fn check_publishable(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
        version: &str,
    ) -> EndpointResult<()> {
        let here = self.store.package_record(key).await.map_err(|e| internal(log, e))?;
        if here.as_ref().is_some_and(|p| !p.origin.publish) {
            return Err(EndpointError::Conflict(format!(
                "Package '{}' in repository '{}' takes its versions from upstream repositories; \
                 its origin controls block publishing",
                key.name, key.repository
            )));
        }
        match self.locate(log, who, key, version).await? {
            Some(Located { repository, .. }) if repository != key.repository => {
                Err(EndpointError::Conflict(format!(
                    "Version {version} of package '{}' already exists in upstream repository \
                     '{repository}'",
                    key.name
                )))
            }
            _ => Ok(()),
        }
    }

    /// The bytes of an asset of `version`, from the first repository of the
    /// search that has the version; a version found upstream is retained in
    /// the requested repository first, so it stays installable from there.
    async fn read_asset(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
        version: &str,
        asset: &str,
        now: i64,
    ) -> EndpointResult<(AssetRecord, AssetBytes)> {
        let not_found = || {
            EndpointError::NotFound(format!(
                "Version {version} of '{}' has no asset {asset}",
                key.name
            ))
        };
        let Some(located) = self.locate(log, who, key, version).await? else {
            return Err(not_found());
        };
        if !is_installable(&located.version) {
            return Err(not_found());
        }
        let found = located.version.assets.iter().find(|a| a.name == asset).cloned();
        let Some(file) = found else { return Err(not_found()) };
        if located.repository != who.repository.name {
            self.retain(log, who, key, located, now).await?;
        }
        let bytes = self.blobs.open(&file.sha256).await.map_err(|e| internal(log, e))?;
        let Some(bytes) = bytes else {
            return Err(internal(log, format!("the blob {} is missing", file.sha256)));
        };
        Ok((file, bytes))
    }

    /// Keeps a version found upstream in the requested repository, as
    /// CodeArtifact does: the package there (if new) takes upstream
    /// versions and blocks publishing.
    async fn retain(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
        located: Located,
        now: i64,
    ) -> EndpointResult<()> {
        let here = key.in_repository(&who.repository.name);
        let Located { repository: from, package, version } = located;
        let name = version.version.clone();
        let new = NewVersion {
            display_name: package.display_name,
            origin: Origin::FROM_UPSTREAM,
            version: VersionRecord { origin: from.clone(), published_time: now, ..version },
            mode: PutMode::AddAssets,
            dist_tags: Vec::new(),
        };
        let _adding_references = self.blob_gate.read().await;
        match self.store.put_version(&here, &new).await {
            Ok(_) => {
                debug!(log, "retained a version from upstream"; "package" => &key.name,
                    "version" => &name, "from" => &from, "repository" => &who.repository.name);
                Ok(())
            }
            // Retained by a request running at the same time, or kept out
            // by origin controls that changed meanwhile: served, not kept.
            Err(StoreError::AssetConflict(_) | StoreError::OriginBlocked) => Ok(()),
            Err(e) => Err(internal(log, e)),
        }
    }

    /// Removes those of `candidates` that no asset names (a publish that
    /// lost a race, a dispose, a delete), after any publish between its
    /// blob's commit and its metadata's. A failure only leaves bytes the
    /// next start sweeps.
    pub(super) async fn remove_unreferenced_blobs(&self, log: &Logger, candidates: &[String]) {
        let _removing = self.blob_gate.write().await;
        let unreferenced = match self.store.unreferenced_blobs(candidates).await {
            Ok(unreferenced) => unreferenced,
            Err(e) => return error!(log, "failed to check blobs"; "error" => e.to_string()),
        };
        for sha256 in unreferenced {
            if let Err(e) = self.blobs.remove(&sha256).await {
                error!(log, "failed to remove a blob"; "sha256" => &sha256, "error" => e.to_string());
            }
        }
    }

    /// The key of a package in the admitted repository.
    fn package_key(&self, who: &Admitted, namespace: &str, name: &str) -> PackageKey {
        let r = &who.repository;
        PackageKey {
            owner: r.domain_owner.clone(),
            domain: r.domain_name.clone(),
            repository: r.name.clone(),
            format: who.format,
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

/// The versions package managers list, merged over the repositories found
/// (in search order): the first repository that has a version decides it,
/// whatever its status there, so a version unlisted downstream is not
/// listed from upstream either. Only Published versions are listed.
fn listed_versions(found: &[PackageView]) -> Vec<&VersionRecord> {
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut listed = Vec::new();
    for view in found {
        for v in &view.versions {
            // Once per version: a package of 1,000 versions costs 1,000
            // lookups, not half a million comparisons.
            if seen.insert(&v.version) && v.status == STATUS_PUBLISHED {
                listed.push(v);
            }
        }
    }
    listed
}

/// Whether package managers may install a version: Published and Unlisted
/// ones (Unlisted only by exact version: the listings leave it out).
fn is_installable(v: &VersionRecord) -> bool {
    matches!(v.status.as_str(), STATUS_PUBLISHED | STATUS_UNLISTED)
}

const STATUS_PUBLISHED: &str = "Published";
const STATUS_UNLISTED: &str = "Unlisted";

/// The ARN of the package `key` names, in `region`.
pub(crate) fn package_arn(region: &str, key: &PackageKey) -> String {
    arn::package(
        region,
        &key.owner,
        &key.domain,
        &key.repository,
        key.format.as_str(),
        &key.namespace,
        &key.name,
    )
}
