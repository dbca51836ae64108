//! Packages at the repository endpoints, with CodeArtifact's semantics:
//! who may read and publish (the token acts as the principal that got it),
//! where a read looks (the repository, then its upstreams), what a read
//! from upstream leaves behind (the version is retained downstream), and
//! what cannot be replaced (a published version or file). The package
//! managers' adapters ([`crate::http::registry`]) translate their protocols
//! into these calls; [`npm`] and [`pypi`] hold what differs per format.

mod npm;
mod pypi;

use std::sync::Arc;

use codeartifact_api::PackageFormat;
use slog::{error, info, Logger};

use super::Service;
use crate::endpoint::Endpoint;
use crate::iam::access::{authorize, Outcome, Question};
use crate::iam::actions::READ_FROM_REPOSITORY;
use crate::iam::arn;
use crate::iam::identity::Principal;
use crate::store::blob::BlobRead;
use crate::store::{
    AssetRecord, NewVersion, Origin, PackageKey, PackageView, RepositoryRecord, StoreError,
    VersionRecord,
};

pub use npm::{NpmPackage, NpmVersion};
pub use pypi::{PypiFile, PypiProject};

/// How many repositories one read may search: the repository and its
/// upstreams, transitively (CodeArtifact's limit).
const MAX_SEARCHED: usize = 25;

/// A request let in: whom its token acts as, where, and in which repository.
#[derive(Debug, Clone)]
pub struct Admitted {
    pub principal: Arc<Principal>,
    /// The region the token was requested in.
    pub region: String,
    pub repository: RepositoryRecord,
    pub format: PackageFormat,
}

/// Why a request to a repository endpoint failed; each adapter answers it
/// in its own protocol's shape.
#[derive(Debug, PartialEq, Eq)]
pub enum EndpointError {
    /// No usable token (401, with the package managers' challenges).
    Unauthorized(String),
    /// The principal may not do this (403); the log says which statement.
    Forbidden(String),
    NotFound(String),
    /// Immutability, origin controls, an upstream's version (409).
    Conflict(String),
    BadRequest(String),
    TooLarge(String),
    /// The path takes other methods, which it names (405, with `Allow`).
    MethodNotAllowed(&'static str),
    /// The client accepts no representation this server has (406).
    NotAcceptable(String),
    /// The store or the disk failed; the details are in the log.
    Internal,
}

impl EndpointError {
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::BadRequest(_) => 400,
            Self::TooLarge(_) => 413,
            Self::MethodNotAllowed(_) => 405,
            Self::NotAcceptable(_) => 406,
            Self::Internal => 500,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::BadRequest(m)
            | Self::TooLarge(m)
            | Self::NotAcceptable(m) => m,
            Self::MethodNotAllowed(_) => "This method is not allowed here",
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

/// A package found for a read: where, and everything stored there.
#[derive(Debug)]
struct Found {
    /// The repository that holds it.
    repository: String,
    view: PackageView,
}

impl Service {
    /// Checks `token` (if any) for the endpoint's domain, then that the
    /// repository exists. The token comes first: without one, a caller
    /// learns nothing about which repositories exist.
    pub async fn admit_to_repository(
        &self,
        log: &Logger,
        token: Option<&str>,
        endpoint: &Endpoint<'_>,
    ) -> EndpointResult<Admitted> {
        let Some(token) = token else {
            info!(log, "repository request without a token"; "domain" => endpoint.domain);
            return Err(EndpointError::Unauthorized(
                "Authentication required: send an authorization token".into(),
            ));
        };
        let claims = self.tokens.verify(token).map_err(|e| {
            info!(log, "repository request refused"; "domain" => endpoint.domain,
                "reason" => e.to_string());
            EndpointError::Unauthorized(format!("The authorization token was refused: {e}"))
        })?;
        if claims.domain != endpoint.domain || claims.domain_owner != endpoint.owner {
            info!(log, "repository request refused"; "domain" => endpoint.domain,
                "reason" => "the token is for another domain", "principal" => &claims.principal);
            return Err(EndpointError::Unauthorized(
                "The authorization token is for another domain".into(),
            ));
        }
        let Some(principal) = self.identities.principal(&claims.principal) else {
            info!(log, "repository request refused"; "principal" => &claims.principal,
                "reason" => "the principal is no longer configured");
            return Err(EndpointError::Unauthorized(
                "The principal this token was issued to no longer exists".into(),
            ));
        };
        let found =
            self.store.repository(endpoint.owner, endpoint.domain, endpoint.repository).await;
        let repository = match found {
            Ok(Some(repository)) => repository,
            Ok(None) => {
                return Err(EndpointError::NotFound(format!(
                    "Repository '{}' does not exist in domain '{}'",
                    endpoint.repository, endpoint.domain
                )))
            }
            Err(e) => return Err(internal(log, e)),
        };
        info!(log, "repository request"; "principal" => &claims.principal,
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
        let context = self.condition_context(&who.principal, &who.region);
        let outcome = authorize(&Question {
            principal: &who.principal,
            action,
            resource,
            resource_owner: &r.domain_owner,
            resource_policy: policy,
            context: &context,
        });
        match outcome {
            Outcome::Allowed { by } => {
                slog::debug!(log, "allowed"; "action" => action, "resource" => resource,
                    "decided_by" => by);
                Ok(())
            }
            Outcome::Denied { by, error } => {
                info!(log, "denied"; "action" => action, "resource" => resource,
                    "principal" => &who.principal.arn,
                    "decided_by" => by.unwrap_or_else(|| "no statement allows it".into()));
                Err(EndpointError::Forbidden(error.message))
            }
        }
    }

    /// `codeartifact:ReadFromRepository` on the repository.
    fn authorize_read(&self, log: &Logger, who: &Admitted) -> EndpointResult<()> {
        let r = &who.repository;
        let resource = arn::repository(&who.region, &r.domain_owner, &r.domain_name, &r.name);
        self.authorize_endpoint(log, who, READ_FROM_REPOSITORY, &resource)
    }

    /// `codeartifact:PublishPackageVersion` (or `action`) on the package.
    fn authorize_package(
        &self,
        log: &Logger,
        who: &Admitted,
        action: &'static str,
        key: &PackageKey,
    ) -> EndpointResult<()> {
        let resource = arn::package(
            &who.region,
            &key.owner,
            &key.domain,
            &key.repository,
            key.format.as_str(),
            &key.namespace,
            &key.name,
        );
        self.authorize_endpoint(log, who, action, &resource)
    }

    /// The repositories a read of `start` searches, in order: `start`, then
    /// each upstream in its configured order, depth first, each once, at
    /// most [`MAX_SEARCHED`].
    async fn search_order(
        &self,
        log: &Logger,
        start: &RepositoryRecord,
    ) -> EndpointResult<Vec<String>> {
        let mut order = vec![start.name.clone()];
        let mut stack: Vec<String> = start.upstreams.iter().rev().cloned().collect();
        while let Some(name) = stack.pop() {
            if order.len() >= MAX_SEARCHED {
                break;
            }
            if order.contains(&name) {
                continue;
            }
            let found = self.store.repository(&start.domain_owner, &start.domain_name, &name).await;
            let Some(repository) = found.map_err(|e| internal(log, e))? else { continue };
            stack.extend(repository.upstreams.iter().rev().cloned());
            order.push(name);
        }
        Ok(order)
    }

    /// The package in each repository a read searches that has it, in search
    /// order. A package published to the repository itself blocks its
    /// upstreams (its origin controls), as on CodeArtifact.
    async fn find(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
    ) -> EndpointResult<Vec<Found>> {
        let mut found = Vec::new();
        for repository in self.search_order(log, &who.repository).await? {
            let here = key.in_repository(&repository);
            let view = self.store.package(&here).await.map_err(|e| internal(log, e))?;
            let Some(view) = view else { continue };
            let blocks_upstreams =
                repository == who.repository.name && !view.package.origin.upstream;
            found.push(Found { repository, view });
            if blocks_upstreams {
                break;
            }
        }
        Ok(found)
    }

    /// Refuses a publish of `version` to `key`'s repository when the package
    /// takes no published versions there, or when an upstream repository
    /// already has that version (CodeArtifact's 409s).
    async fn check_publishable(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
        version: &str,
    ) -> EndpointResult<()> {
        let here = self.store.package(key).await.map_err(|e| internal(log, e))?;
        if here.as_ref().is_some_and(|v| !v.package.origin.publish) {
            return Err(EndpointError::Conflict(format!(
                "Package '{}' in repository '{}' takes its versions from upstream repositories; \
                 its origin controls block publishing",
                key.name, key.repository
            )));
        }
        for repository in self.search_order(log, &who.repository).await?.into_iter().skip(1) {
            let upstream = key.in_repository(&repository);
            let found =
                self.store.version(&upstream, version).await.map_err(|e| internal(log, e))?;
            if found.is_some() {
                return Err(EndpointError::Conflict(format!(
                    "Version {version} of package '{}' already exists in upstream repository \
                     '{repository}'",
                    key.name
                )));
            }
        }
        Ok(())
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
    ) -> EndpointResult<(AssetRecord, BlobRead)> {
        let not_found = || {
            EndpointError::NotFound(format!(
                "Version {version} of '{}' has no asset {asset}",
                key.name
            ))
        };
        for found in self.find(log, who, key).await? {
            let Some(record) = found.view.versions.iter().find(|v| v.version == version) else {
                continue;
            };
            if !is_installable(record) {
                return Err(not_found());
            }
            let Some(file) = record.assets.iter().find(|a| a.name == asset) else {
                return Err(not_found());
            };
            if found.repository != who.repository.name {
                self.retain(log, who, key, &found, record, now).await?;
            }
            let bytes = self.blobs.open(&file.sha256).await.map_err(|e| internal(log, e))?;
            let Some(bytes) = bytes else {
                return Err(internal(log, format!("the blob {} is missing", file.sha256)));
            };
            return Ok((file.clone(), bytes));
        }
        Err(not_found())
    }

    /// Keeps a version found upstream in the requested repository, as
    /// CodeArtifact does: the package there (if new) takes upstream
    /// versions and blocks publishing.
    async fn retain(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
        found: &Found,
        version: &VersionRecord,
        now: i64,
    ) -> EndpointResult<()> {
        let here = key.in_repository(&who.repository.name);
        let new = NewVersion {
            display_name: found.view.package.display_name.clone(),
            origin: Origin::FROM_UPSTREAM,
            version: VersionRecord {
                origin: found.repository.clone(),
                published_time: now,
                ..version.clone()
            },
            exclusive: false,
            dist_tags: Vec::new(),
        };
        match self.store.put_version(&here, &new).await {
            Ok(_) => {
                info!(log, "retained a version from upstream"; "package" => &key.name,
                    "version" => &version.version, "from" => &found.repository,
                    "repository" => &who.repository.name);
                Ok(())
            }
            // Retained by a request running at the same time.
            Err(StoreError::AssetConflict(_)) | Err(StoreError::VersionExists) => Ok(()),
            Err(e) => Err(internal(log, e)),
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

/// A fresh revision for a version that was published or changed: opaque,
/// unique, as CodeArtifact's are.
fn new_revision() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Whether package managers may install a version: Published and Unlisted
/// ones (Unlisted only by exact version, which the listings see to).
fn is_installable(v: &VersionRecord) -> bool {
    matches!(v.status.as_str(), STATUS_PUBLISHED | STATUS_UNLISTED)
}

const STATUS_PUBLISHED: &str = "Published";
const STATUS_UNLISTED: &str = "Unlisted";

/// The status a version is listed with to package managers: Published only.
fn is_listed(v: &VersionRecord) -> bool {
    v.status == STATUS_PUBLISHED
}
