//! CreateDomain, DescribeDomain, ListDomains and DeleteDomain.

use codeartifact_api::ResourceType;
use codeartifact_api::{
    AccountId, AwsError, CreateDomainRequest, CreateDomainResult, DeleteDomainResult,
    DescribeDomainResult, DomainDescription, DomainName, DomainRequest, DomainStatus,
    DomainSummary, ListDomainsRequest, ListDomainsResult,
};
use slog::debug;

use super::{
    domain_not_found, internal, owner_of, page_size, paginate, resume_after, tag_pairs, Call,
    OpResult, Service,
};
use crate::iam::actions::{CREATE_DOMAIN, DELETE_DOMAIN, DESCRIBE_DOMAIN, LIST_DOMAINS};
use crate::iam::arn;
use crate::store::{new_domain_instance, DomainRecord, Page, StoreError};

impl Service {
    /// Creates a domain owned by the caller's account, in the region the
    /// request was signed for. Domain names are unique per account here,
    /// across regions.
    pub async fn create_domain(
        &self,
        call: &Call,
        input: CreateDomainRequest,
    ) -> OpResult<CreateDomainResult> {
        let owner = call.caller.principal.account.as_str();
        let name = input.domain.as_str();
        let region = call.caller.region.as_str();
        let arn = arn::domain(region, owner, name);
        let policy = self.domain_policies.policy(owner, name, region);
        self.authorize(call, CREATE_DOMAIN, &arn, owner, policy)?;
        let record = DomainRecord {
            owner: owner.to_string(),
            name: name.to_string(),
            region: Some(region.to_string()),
            created_time: call.now.timestamp(),
            encryption_key: input.encryption_key.map(|k| k.as_str().to_string()),
            tags: tag_pairs(&input.tags),
            instance: new_domain_instance(),
            repository_count: 0,
            asset_size_bytes: 0,
        };
        let quota = self.settings.quotas.domains_per_account;
        let created = match self.store.create_domain(&record, quota).await {
            Ok(created) => created,
            Err(StoreError::AlreadyExists) => {
                return Err(self.already_exists(call, owner, name).await)
            }
            Err(e) => return Err(self.domain_write_error(call, e, owner, name)),
        };
        debug!(call.log, "created domain"; "domain" => name, "domain_owner" => owner);
        Ok(CreateDomainResult { domain: describe(&created, region, DomainStatus::Active) })
    }

    /// A store error of a domain write as the wire reports it.
    fn domain_write_error(&self, call: &Call, e: StoreError, owner: &str, name: &str) -> AwsError {
        let region = &call.caller.region;
        match e {
            StoreError::QuotaExceeded(n) => AwsError::quota_exceeded(format!(
                "Account {owner} already has the most domains allowed in {region}: {n}."
            )),
            StoreError::DomainNotFound => domain_not_found(owner, name),
            StoreError::DomainHasRepositories(n) => {
                let repositories = if n == 1 { "repository" } else { "repositories" };
                AwsError::conflict(format!(
                    "Domain '{name}' has {n} {repositories}; delete them before the domain."
                ))
                .about(ResourceType::Domain, name)
            }
            e => internal(&call.log, e),
        }
    }

    /// The ConflictException for a name the account has taken, saying where
    /// when that is another region (where the caller cannot see it).
    async fn already_exists(&self, call: &Call, owner: &str, name: &str) -> AwsError {
        let region = &call.caller.region;
        let elsewhere = match self.store.domain(owner, name).await {
            Ok(found) => found.and_then(|d| d.region).filter(|r| r != region),
            Err(e) => return internal(&call.log, e),
        };
        let message = match elsewhere {
            Some(other) => format!(
                "Domain '{name}' already exists in account {owner}, in region {other}; domain \
                 names are unique per account on this server."
            ),
            None => format!("Domain '{name}' already exists in account {owner}."),
        };
        AwsError::conflict(message).about(ResourceType::Domain, name)
    }

    pub async fn describe_domain(
        &self,
        call: &Call,
        input: DomainRequest,
    ) -> OpResult<DescribeDomainResult> {
        let owner = owner_of(&call.caller, input.domain_owner.as_ref());
        let name = input.domain.as_str();
        let region = call.caller.region.as_str();
        let arn = arn::domain(region, owner, name);
        self.access(call, DESCRIBE_DOMAIN, &arn, owner, name).await?;
        let found = self.store.domain(owner, name).await.map_err(|e| internal(&call.log, e))?;
        let domain = found.ok_or_else(|| domain_not_found(owner, name))?;
        Ok(DescribeDomainResult { domain: describe(&domain, region, DomainStatus::Active) })
    }

    /// The caller's account's domains in the caller's region, by name.
    pub async fn list_domains(
        &self,
        call: &Call,
        input: ListDomainsRequest,
    ) -> OpResult<ListDomainsResult> {
        let owner = call.caller.principal.account.as_str();
        let region = call.caller.region.as_str();
        self.authorize(call, LIST_DOMAINS, "*", owner, None)?;
        let after = resume_after(input.next_token.as_ref().map(|t| t.as_str()))?;
        let size = page_size(input.max_results);
        let page = Page { after: after.as_deref(), limit: size + 1 };
        let found =
            self.store.domains(owner, region, page).await.map_err(|e| internal(&call.log, e))?;
        let (domains, next_token) = paginate(found, size, |d| &d.name);
        let domains = domains
            .iter()
            .map(|d| {
                let full = describe(d, region, DomainStatus::Active);
                DomainSummary {
                    name: full.name,
                    owner: full.owner,
                    arn: full.arn,
                    status: full.status,
                    created_time: full.created_time,
                    encryption_key: full.encryption_key,
                }
            })
            .collect();
        Ok(ListDomainsResult { domains, next_token })
    }

    /// Deletes a domain that has no repositories; returns it with status
    /// `Deleted`.
    pub async fn delete_domain(
        &self,
        call: &Call,
        input: DomainRequest,
    ) -> OpResult<DeleteDomainResult> {
        let owner = owner_of(&call.caller, input.domain_owner.as_ref());
        let name = input.domain.as_str();
        let region = call.caller.region.as_str();
        let arn = arn::domain(region, owner, name);
        self.access(call, DELETE_DOMAIN, &arn, owner, name).await?;
        let deleted = self
            .store
            .delete_domain(owner, name)
            .await
            .map_err(|e| self.domain_write_error(call, e, owner, name))?;
        debug!(call.log, "deleted domain"; "domain" => name, "domain_owner" => owner);
        Ok(DeleteDomainResult { domain: describe(&deleted, region, DomainStatus::Deleted) })
    }
}

/// A stored domain as the wire describes it, seen from `region`.
fn describe(d: &DomainRecord, region: &str, status: DomainStatus) -> DomainDescription {
    DomainDescription {
        name: DomainName::validated(d.name.clone()),
        owner: AccountId::validated(d.owner.clone()),
        arn: arn::domain(d.region.as_deref().unwrap_or(region), &d.owner, &d.name),
        status,
        created_time: d.created_time,
        encryption_key: d.encryption_key.clone(),
        repository_count: i32::try_from(d.repository_count).unwrap_or(i32::MAX),
        asset_size_bytes: d.asset_size_bytes,
    }
}
