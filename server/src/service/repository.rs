//! CreateRepository, DescribeRepository, ListRepositoriesInDomain,
//! DeleteRepository and GetRepositoryEndpoint.
//!
//! Repository actions are decided with the domain's policy as the resource
//! policy: this server has no repository policies.

use chrono::{DateTime, Utc};
use codeartifact_api::{
    AccountId, AwsError, CreateRepositoryRequest, DomainName, GetRepositoryEndpointRequest,
    ListRepositoriesInDomainRequest, ListRepositoriesInDomainResult, RepositoryDescription,
    RepositoryName, RepositoryQuery, RepositorySummary, UpstreamRepositoryInfo,
};
use slog::{info, Logger};

use super::{
    domain_not_found, internal, owner_of, page_size, paginate, repository_not_found, resume_after,
    tag_pairs, OpResult, Service,
};
use crate::domains::{domain_arn, repository_arn};
use crate::identity::Caller;
use crate::registry;
use crate::store::{Page, RepositoryRecord, StoreError};

pub const CREATE_REPOSITORY: &str = "codeartifact:CreateRepository";
pub const DESCRIBE_REPOSITORY: &str = "codeartifact:DescribeRepository";
pub const LIST_REPOSITORIES_IN_DOMAIN: &str = "codeartifact:ListRepositoriesInDomain";
pub const DELETE_REPOSITORY: &str = "codeartifact:DeleteRepository";
pub const GET_REPOSITORY_ENDPOINT: &str = "codeartifact:GetRepositoryEndpoint";

/// Which repository a request names, with the owner defaulted.
struct Target<'a> {
    owner: &'a str,
    domain: &'a str,
    name: &'a str,
}

impl<'a> Target<'a> {
    fn new(
        caller: &'a Caller,
        domain: &'a DomainName,
        owner: Option<&'a AccountId>,
        name: &'a RepositoryName,
    ) -> Self {
        Self { owner: owner_of(caller, owner), domain: domain.as_str(), name: name.as_str() }
    }

    fn of(caller: &'a Caller, q: &'a RepositoryQuery) -> Self {
        Self::new(caller, &q.domain, q.domain_owner.as_ref(), &q.repository)
    }
}

impl Service {
    /// Decides `action` on the repository, then checks that its domain
    /// exists in the caller's region.
    fn repository_access(
        &self,
        log: &Logger,
        caller: &Caller,
        action: &'static str,
        t: &Target<'_>,
    ) -> OpResult<()> {
        let arn = repository_arn(&caller.region, t.owner, t.domain, t.name);
        self.access(log, caller, action, &arn, t.owner, t.domain)
    }

    /// The repository, which must exist.
    fn existing_repository(&self, log: &Logger, t: &Target<'_>) -> OpResult<RepositoryRecord> {
        self.store
            .repository(t.owner, t.domain, t.name)
            .map_err(|e| internal(log, e))?
            .ok_or_else(|| repository_not_found(t.owner, t.domain, t.name))
    }

    pub fn create_repository(
        &self,
        log: &Logger,
        caller: &Caller,
        input: CreateRepositoryRequest,
        now: DateTime<Utc>,
    ) -> OpResult<RepositoryDescription> {
        let t = Target::new(caller, &input.domain, input.domain_owner.as_ref(), &input.repository);
        self.repository_access(log, caller, CREATE_REPOSITORY, &t)?;
        let record = RepositoryRecord {
            domain_owner: t.owner.to_string(),
            domain_name: t.domain.to_string(),
            name: t.name.to_string(),
            description: input.description.as_ref().map(|d| d.as_str().to_string()),
            upstreams: input.upstreams.iter().map(|u| u.as_str().to_string()).collect(),
            tags: tag_pairs(&input.tags),
            created_time: now.timestamp(),
        };
        let quota = self.quotas.repositories_per_domain;
        let created = self.store.create_repository(&record, quota).map_err(|e| match e {
            StoreError::DomainNotFound => domain_not_found(t.owner, t.domain),
            StoreError::UpstreamNotFound(upstream) => {
                repository_not_found(t.owner, t.domain, &upstream)
            }
            StoreError::AlreadyExists => AwsError::conflict(format!(
                "Repository '{}' already exists in domain '{}'.",
                t.name, t.domain
            )),
            StoreError::QuotaExceeded(n) => AwsError::quota_exceeded(format!(
                "Domain '{}' already has the most repositories allowed: {n}.",
                t.domain
            )),
            e => internal(log, e),
        })?;
        info!(log, "created repository";
            "repository" => t.name, "domain" => t.domain, "domain_owner" => t.owner);
        Ok(describe(&created, &caller.region))
    }

    pub fn describe_repository(
        &self,
        log: &Logger,
        caller: &Caller,
        input: &RepositoryQuery,
    ) -> OpResult<RepositoryDescription> {
        let t = Target::of(caller, input);
        self.repository_access(log, caller, DESCRIBE_REPOSITORY, &t)?;
        Ok(describe(&self.existing_repository(log, &t)?, &caller.region))
    }

    pub fn list_repositories_in_domain(
        &self,
        log: &Logger,
        caller: &Caller,
        input: &ListRepositoriesInDomainRequest,
    ) -> OpResult<ListRepositoriesInDomainResult> {
        let owner = owner_of(caller, input.domain_owner.as_ref());
        let domain = input.domain.as_str();
        let region = caller.region.as_str();
        let arn = domain_arn(region, owner, domain);
        self.access(log, caller, LIST_REPOSITORIES_IN_DOMAIN, &arn, owner, domain)?;
        let after = resume_after(input.next_token.as_ref().map(|t| t.as_str()))?;
        // Every repository is administered by its domain's owner.
        if input.administrator_account.as_ref().is_some_and(|a| a.as_str() != owner) {
            return Ok(ListRepositoriesInDomainResult {
                repositories: Vec::new(),
                next_token: None,
            });
        }
        let size = page_size(input.max_results);
        let page = Page { after: after.as_deref(), limit: size + 1 };
        let prefix = input.repository_prefix.as_ref().map(|p| p.as_str());
        let found =
            self.store.repositories(owner, domain, prefix, page).map_err(|e| internal(log, e))?;
        let (repos, next_token) = paginate(found, size, |r| &r.name);
        let repositories = repos
            .iter()
            .map(|r| {
                let full = describe(r, region);
                RepositorySummary {
                    name: full.name,
                    administrator_account: full.administrator_account,
                    domain_name: full.domain_name,
                    domain_owner: full.domain_owner,
                    arn: full.arn,
                    description: full.description,
                    created_time: full.created_time,
                }
            })
            .collect();
        Ok(ListRepositoriesInDomainResult { repositories, next_token })
    }

    pub fn delete_repository(
        &self,
        log: &Logger,
        caller: &Caller,
        input: &RepositoryQuery,
    ) -> OpResult<RepositoryDescription> {
        let t = Target::of(caller, input);
        self.repository_access(log, caller, DELETE_REPOSITORY, &t)?;
        let deleted =
            self.store.delete_repository(t.owner, t.domain, t.name).map_err(|e| match e {
                StoreError::RepositoryNotFound => repository_not_found(t.owner, t.domain, t.name),
                StoreError::RepositoryIsUpstream(downstream) => AwsError::conflict(format!(
                    "Repository '{}' is an upstream of repository '{downstream}'; remove it from \
                 there first.",
                    t.name
                )),
                e => internal(log, e),
            })?;
        info!(log, "deleted repository";
            "repository" => t.name, "domain" => t.domain, "domain_owner" => t.owner);
        Ok(describe(&deleted, &caller.region))
    }

    /// The URL of the repository's endpoint for the format, on this server
    /// as the caller reached it (`base_url`, without a trailing `/`).
    pub fn get_repository_endpoint(
        &self,
        log: &Logger,
        caller: &Caller,
        input: &GetRepositoryEndpointRequest,
        base_url: &str,
    ) -> OpResult<String> {
        let t = Target::new(caller, &input.domain, input.domain_owner.as_ref(), &input.repository);
        self.repository_access(log, caller, GET_REPOSITORY_ENDPOINT, &t)?;
        self.existing_repository(log, &t)?;
        let path = registry::repository_path(t.owner, t.domain, input.format, t.name);
        Ok(format!("{base_url}{path}"))
    }
}

/// A stored repository as the wire describes it, seen from `region`.
fn describe(r: &RepositoryRecord, region: &str) -> RepositoryDescription {
    RepositoryDescription {
        name: RepositoryName::validated(r.name.clone()),
        administrator_account: AccountId::validated(r.domain_owner.clone()),
        domain_name: DomainName::validated(r.domain_name.clone()),
        domain_owner: AccountId::validated(r.domain_owner.clone()),
        arn: repository_arn(region, &r.domain_owner, &r.domain_name, &r.name),
        description: r.description.clone(),
        upstreams: r
            .upstreams
            .iter()
            .map(|u| UpstreamRepositoryInfo {
                repository_name: RepositoryName::validated(u.clone()),
            })
            .collect(),
        external_connections: Vec::new(),
        created_time: r.created_time,
    }
}
