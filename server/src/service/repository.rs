//! CreateRepository, DescribeRepository, UpdateRepository,
//! ListRepositoriesInDomain, ListRepositories, DeleteRepository and
//! GetRepositoryEndpoint.
//!
//! Repository actions are decided with the domain's policy as the resource
//! policy: this server has no repository policies.

use codeartifact_api::ResourceType;
use codeartifact_api::{
    AccountId, AwsError, CreateRepositoryRequest, CreateRepositoryResult, DeleteRepositoryResult,
    DescribeRepositoryResult, DomainName, GetRepositoryEndpointRequest,
    GetRepositoryEndpointResult, ListRepositoriesInDomainRequest, ListRepositoriesInDomainResult,
    RepositoryDescription, RepositoryName, RepositoryRequest, RepositorySummary,
    UpstreamRepositoryInfo,
};
use codeartifact_api::{
    AssociateExternalConnectionRequest, AssociateExternalConnectionResult,
    DisassociateExternalConnectionRequest, DisassociateExternalConnectionResult,
    ExternalConnectionStatus, RepositoryExternalConnectionInfo, EXTERNAL_CONNECTIONS,
};
use codeartifact_api::{
    ListRepositoriesRequest, ListRepositoriesResult, UpdateRepositoryRequest,
    UpdateRepositoryResult,
};
use slog::debug;

use super::{
    domain_not_found, internal, owner_of, page_size, paginate, repository_not_found, resume_after,
    tag_pairs, Call, OpResult, Service,
};
use crate::endpoint::Endpoint;
use crate::iam::actions::{ASSOCIATE_EXTERNAL_CONNECTION, DISASSOCIATE_EXTERNAL_CONNECTION};
use crate::iam::actions::{
    ASSOCIATE_WITH_DOWNSTREAM_REPOSITORY, CREATE_REPOSITORY, DELETE_REPOSITORY,
    DESCRIBE_REPOSITORY, GET_REPOSITORY_ENDPOINT, LIST_REPOSITORIES, LIST_REPOSITORIES_IN_DOMAIN,
    UPDATE_REPOSITORY,
};
use crate::iam::arn;
use crate::iam::identity::Caller;
use crate::store::{Page, RepositoryRecord, StoreError};

/// How many direct upstreams a repository may have (AWS's quota).
const MAX_UPSTREAMS: usize = 10;

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

    fn of(caller: &'a Caller, q: &'a RepositoryRequest) -> Self {
        Self::new(caller, &q.domain, q.domain_owner.as_ref(), &q.repository)
    }
}

impl Service {
    /// Decides `action` on the repository, then checks that its domain
    /// exists in the caller's region.
    async fn repository_access(
        &self,
        call: &Call,
        action: &'static str,
        t: &Target<'_>,
    ) -> OpResult<()> {
        let arn = arn::repository(&call.caller.region, t.owner, t.domain, t.name);
        self.access(call, action, &arn, t.owner, t.domain).await
    }

    /// Checks a list of upstreams as AWS does: at most 10, each once, and
    /// each one a repository the caller may
    /// `codeartifact:AssociateWithDownstreamRepository` (otherwise a caller
    /// could read, through a repository of its own, one it may not read).
    fn upstreams_allowed(&self, call: &Call, t: &Target<'_>, upstreams: &[&str]) -> OpResult<()> {
        if upstreams.len() > MAX_UPSTREAMS {
            return Err(AwsError::validation(format!(
                "A repository can have at most {MAX_UPSTREAMS} upstream repositories."
            )));
        }
        for (i, upstream) in upstreams.iter().enumerate() {
            if upstreams[..i].contains(upstream) {
                return Err(AwsError::validation(format!(
                    "Repository '{upstream}' is listed as an upstream more than once."
                )));
            }
            let arn = arn::repository(&call.caller.region, t.owner, t.domain, upstream);
            let policy = self.domain_policies.policy(t.owner, t.domain, &call.caller.region);
            self.authorize(call, ASSOCIATE_WITH_DOWNSTREAM_REPOSITORY, &arn, t.owner, policy)?;
        }
        Ok(())
    }

    /// The repository, which must exist.
    async fn existing_repository(&self, call: &Call, t: &Target<'_>) -> OpResult<RepositoryRecord> {
        self.store
            .repository(t.owner, t.domain, t.name)
            .await
            .map_err(|e| internal(&call.log, e))?
            .ok_or_else(|| repository_not_found(t.owner, t.domain, t.name))
    }

    pub async fn create_repository(
        &self,
        call: &Call,
        input: CreateRepositoryRequest,
    ) -> OpResult<CreateRepositoryResult> {
        let caller = &call.caller;
        let t = Target::new(caller, &input.domain, input.domain_owner.as_ref(), &input.repository);
        self.repository_access(call, CREATE_REPOSITORY, &t).await?;
        let upstreams: Vec<&str> = input.upstreams.iter().map(|u| u.as_str()).collect();
        self.upstreams_allowed(call, &t, &upstreams)?;
        let record = RepositoryRecord {
            domain_owner: t.owner.to_string(),
            domain_name: t.domain.to_string(),
            name: t.name.to_string(),
            description: input.description.as_ref().map(|d| d.as_str().to_string()),
            upstreams: input.upstreams.iter().map(|u| u.as_str().to_string()).collect(),
            tags: tag_pairs(&input.tags),
            created_time: call.now.timestamp(),
            external_connection: None,
        };
        let quota = self.settings.quotas.repositories_per_domain;
        let created = self.store.create_repository(&record, quota).await.map_err(|e| match e {
            StoreError::DomainNotFound => domain_not_found(t.owner, t.domain),
            StoreError::UpstreamNotFound(upstream) => {
                repository_not_found(t.owner, t.domain, &upstream)
            }
            StoreError::AlreadyExists => AwsError::conflict(format!(
                "Repository '{}' already exists in domain '{}'.",
                t.name, t.domain
            ))
            .about(ResourceType::Repository, t.name),
            StoreError::QuotaExceeded(n) => AwsError::quota_exceeded(format!(
                "Domain '{}' already has the most repositories allowed: {n}.",
                t.domain
            )),
            e => internal(&call.log, e),
        })?;
        debug!(call.log, "created repository";
            "repository" => t.name, "domain" => t.domain, "domain_owner" => t.owner);
        Ok(CreateRepositoryResult { repository: describe(&created, &caller.region) })
    }

    pub async fn describe_repository(
        &self,
        call: &Call,
        input: RepositoryRequest,
    ) -> OpResult<DescribeRepositoryResult> {
        let t = Target::of(&call.caller, &input);
        self.repository_access(call, DESCRIBE_REPOSITORY, &t).await?;
        let found = self.existing_repository(call, &t).await?;
        Ok(DescribeRepositoryResult { repository: describe(&found, &call.caller.region) })
    }

    pub async fn list_repositories_in_domain(
        &self,
        call: &Call,
        input: ListRepositoriesInDomainRequest,
    ) -> OpResult<ListRepositoriesInDomainResult> {
        let owner = owner_of(&call.caller, input.domain_owner.as_ref());
        let domain = input.domain.as_str();
        let region = call.caller.region.as_str();
        let arn = arn::domain(region, owner, domain);
        self.access(call, LIST_REPOSITORIES_IN_DOMAIN, &arn, owner, domain).await?;
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
        let found = self
            .store
            .repositories(owner, domain, prefix, page)
            .await
            .map_err(|e| internal(&call.log, e))?;
        let (repos, next_token) = paginate(found, size, |r| &r.name);
        let repositories = repos.iter().map(|r| summarize(r, region)).collect();
        Ok(ListRepositoriesInDomainResult { repositories, next_token })
    }

    /// Changes a repository's description and, when given, its upstreams
    /// (replaced whole, in order).
    pub async fn update_repository(
        &self,
        call: &Call,
        input: UpdateRepositoryRequest,
    ) -> OpResult<UpdateRepositoryResult> {
        let t = Target::new(
            &call.caller,
            &input.domain,
            input.domain_owner.as_ref(),
            &input.repository,
        );
        self.repository_access(call, UPDATE_REPOSITORY, &t).await?;
        if let Some(upstreams) = &input.upstreams {
            let names: Vec<&str> = upstreams.iter().map(|u| u.as_str()).collect();
            self.upstreams_allowed(call, &t, &names)?;
        }
        let description = input.description.map(|d| Some(d.as_str().to_string()));
        let upstreams = input.upstreams.map(|u| u.iter().map(|r| r.as_str().to_string()).collect());
        let updated = self
            .store
            .update_repository(t.owner, t.domain, t.name, description, upstreams)
            .await
            .map_err(|e| match e {
                StoreError::RepositoryNotFound => repository_not_found(t.owner, t.domain, t.name),
                StoreError::UpstreamNotFound(upstream) => {
                    repository_not_found(t.owner, t.domain, &upstream)
                }
                StoreError::UpstreamIsSelf => AwsError::validation(format!(
                    "Repository '{}' cannot be its own upstream, directly or through others.",
                    t.name
                )),
                e => internal(&call.log, e),
            })?;
        debug!(call.log, "updated repository";
            "repository" => t.name, "domain" => t.domain, "domain_owner" => t.owner);
        Ok(UpdateRepositoryResult { repository: describe(&updated, &call.caller.region) })
    }

    /// The repositories of every domain the caller's account owns, by name.
    pub async fn list_repositories(
        &self,
        call: &Call,
        input: ListRepositoriesRequest,
    ) -> OpResult<ListRepositoriesResult> {
        let owner = call.caller.principal.account.as_str();
        self.authorize(call, LIST_REPOSITORIES, "*", owner, None)?;
        let after = resume_after(input.next_token.as_ref().map(|t| t.as_str()))?;
        let size = page_size(input.max_results);
        let page = Page { after: after.as_deref(), limit: size + 1 };
        let prefix = input.repository_prefix.as_ref().map(|p| p.as_str());
        let found = self
            .store
            .owned_repositories(owner, &call.caller.region, prefix, page)
            .await
            .map_err(|e| internal(&call.log, e))?;
        let positions: Vec<String> =
            found.iter().map(|r| format!("{}/{}", r.name, r.domain_name)).collect();
        let (kept, next_token) = paginate(positions, size, |p| p.as_str());
        let repositories =
            found.iter().take(kept.len()).map(|r| summarize(r, &call.caller.region)).collect();
        Ok(ListRepositoriesResult { repositories, next_token })
    }

    /// Gives a repository an external connection, which reads through to
    /// the URL the configuration gives it (none: it finds nothing).
    pub async fn associate_external_connection(
        &self,
        call: &Call,
        input: AssociateExternalConnectionRequest,
    ) -> OpResult<AssociateExternalConnectionResult> {
        let t = Target::new(
            &call.caller,
            &input.domain,
            input.domain_owner.as_ref(),
            &input.repository,
        );
        self.repository_access(call, ASSOCIATE_EXTERNAL_CONNECTION, &t).await?;
        let name = input.external_connection.as_str();
        if !EXTERNAL_CONNECTIONS.iter().any(|(known, _)| *known == name) {
            // The model has no resource type for a connection: the
            // repository is what cannot have it.
            return Err(AwsError::resource_not_found(format!(
                "External connection '{name}' does not exist."
            ))
            .about(ResourceType::Repository, t.name));
        }
        let updated = self
            .store
            .set_external_connection(t.owner, t.domain, t.name, Some(name), None)
            .await
            .map_err(|e| self.connection_error(call, &t, name, e))?;
        // Whether it reads through to anything, not where: the configured
        // URL may carry credentials.
        let configured = self.settings.external_connections.contains_key(name);
        debug!(call.log, "associated external connection"; "repository" => t.name,
            "domain" => t.domain, "external_connection" => name,
            "url_configured" => configured);
        Ok(AssociateExternalConnectionResult {
            repository: describe(&updated, &call.caller.region),
        })
    }

    pub async fn disassociate_external_connection(
        &self,
        call: &Call,
        input: DisassociateExternalConnectionRequest,
    ) -> OpResult<DisassociateExternalConnectionResult> {
        let t = Target::new(
            &call.caller,
            &input.domain,
            input.domain_owner.as_ref(),
            &input.repository,
        );
        self.repository_access(call, DISASSOCIATE_EXTERNAL_CONNECTION, &t).await?;
        let name = input.external_connection.as_str();
        let updated = self
            .store
            .set_external_connection(t.owner, t.domain, t.name, None, Some(name))
            .await
            .map_err(|e| self.connection_error(call, &t, name, e))?;
        debug!(call.log, "disassociated external connection"; "repository" => t.name,
            "domain" => t.domain, "external_connection" => name);
        Ok(DisassociateExternalConnectionResult {
            repository: describe(&updated, &call.caller.region),
        })
    }

    fn connection_error(&self, call: &Call, t: &Target<'_>, name: &str, e: StoreError) -> AwsError {
        match e {
            StoreError::RepositoryNotFound => repository_not_found(t.owner, t.domain, t.name),
            StoreError::ExternalConnectionTaken(taken) => AwsError::conflict(format!(
                "Repository '{}' already has the external connection '{taken}'; a repository \
                 has at most one.",
                t.name
            ))
            .about(ResourceType::Repository, t.name),
            StoreError::ExternalConnectionNotFound => AwsError::resource_not_found(format!(
                "Repository '{}' does not have the external connection '{name}'.",
                t.name
            ))
            .about(ResourceType::Repository, t.name),
            e => internal(&call.log, e),
        }
    }

    pub async fn delete_repository(
        &self,
        call: &Call,
        input: RepositoryRequest,
    ) -> OpResult<DeleteRepositoryResult> {
        let t = Target::of(&call.caller, &input);
        self.repository_access(call, DELETE_REPOSITORY, &t).await?;
        let deleted =
            self.store.delete_repository(t.owner, t.domain, t.name).await.map_err(|e| match e {
                StoreError::RepositoryNotFound => repository_not_found(t.owner, t.domain, t.name),
                StoreError::RepositoryIsUpstream(downstream) => AwsError::conflict(format!(
                    "Repository '{}' is an upstream of repository '{downstream}'; remove it from \
                 there first.",
                    t.name
                ))
                .about(ResourceType::Repository, t.name),
                e => internal(&call.log, e),
            })?;
        debug!(call.log, "deleted repository";
            "repository" => t.name, "domain" => t.domain, "domain_owner" => t.owner);
        Ok(DeleteRepositoryResult { repository: describe(&deleted, &call.caller.region) })
    }

    /// The URL of the repository's endpoint for the format, on this server
    /// as the caller reached it.
    pub async fn get_repository_endpoint(
        &self,
        call: &Call,
        input: GetRepositoryEndpointRequest,
    ) -> OpResult<GetRepositoryEndpointResult> {
        let caller = &call.caller;
        let t = Target::new(caller, &input.domain, input.domain_owner.as_ref(), &input.repository);
        self.repository_access(call, GET_REPOSITORY_ENDPOINT, &t).await?;
        self.existing_repository(call, &t).await?;
        let endpoint =
            Endpoint { domain: t.domain, owner: t.owner, format: input.format, repository: t.name };
        let repository_endpoint = format!("{}{}", self.base_url(&call.host), endpoint.path());
        Ok(GetRepositoryEndpointResult { repository_endpoint })
    }
}

/// A stored repository as listings show it, seen from `region`.
fn summarize(r: &RepositoryRecord, region: &str) -> RepositorySummary {
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
}

/// A stored repository as the wire describes it, seen from `region`.
fn describe(r: &RepositoryRecord, region: &str) -> RepositoryDescription {
    RepositoryDescription {
        name: RepositoryName::validated(r.name.clone()),
        administrator_account: AccountId::validated(r.domain_owner.clone()),
        domain_name: DomainName::validated(r.domain_name.clone()),
        domain_owner: AccountId::validated(r.domain_owner.clone()),
        arn: arn::repository(region, &r.domain_owner, &r.domain_name, &r.name),
        description: r.description.clone(),
        upstreams: r
            .upstreams
            .iter()
            .map(|u| UpstreamRepositoryInfo {
                repository_name: RepositoryName::validated(u.clone()),
            })
            .collect(),
        external_connections: r
            .external_connection
            .iter()
            .filter_map(|name| {
                let (_, format) = EXTERNAL_CONNECTIONS.iter().find(|(known, _)| known == name)?;
                Some(RepositoryExternalConnectionInfo {
                    external_connection_name: name.clone(),
                    package_format: *format,
                    status: ExternalConnectionStatus::Available,
                })
            })
            .collect(),
        created_time: r.created_time,
    }
}
