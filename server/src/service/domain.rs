//! CreateDomain, DescribeDomain, ListDomains and DeleteDomain.

use chrono::{DateTime, Utc};
use codeartifact_api::{
    AccountId, AwsError, CreateDomainRequest, DomainDescription, DomainName, DomainQuery,
    DomainStatus, DomainSummary, ListDomainsRequest, ListDomainsResult,
};
use slog::{info, Logger};

use super::{
    domain_not_found, internal, owner_of, page_size, paginate, resume_after, tag_pairs, OpResult,
    Service,
};
use crate::domains::domain_arn;
use crate::identity::Caller;
use crate::store::{DomainRecord, Page, StoreError};

pub const CREATE_DOMAIN: &str = "codeartifact:CreateDomain";
pub const DESCRIBE_DOMAIN: &str = "codeartifact:DescribeDomain";
pub const LIST_DOMAINS: &str = "codeartifact:ListDomains";
pub const DELETE_DOMAIN: &str = "codeartifact:DeleteDomain";

impl Service {
    /// Creates a domain owned by the caller's account, in the region the
    /// request was signed for. Domain names are unique per account here,
    /// across regions.
    pub fn create_domain(
        &self,
        log: &Logger,
        caller: &Caller,
        input: CreateDomainRequest,
        now: DateTime<Utc>,
    ) -> OpResult<DomainDescription> {
        let owner = caller.principal.account.as_str();
        let name = input.domain.as_str();
        let region = caller.region.as_str();
        let arn = domain_arn(region, owner, name);
        let policy = self.domain_policy(owner, name, region);
        self.authorize(log, caller, CREATE_DOMAIN, &arn, owner, policy)?;
        let record = DomainRecord {
            owner: owner.to_string(),
            name: name.to_string(),
            region: Some(region.to_string()),
            created_time: now.timestamp(),
            encryption_key: input.encryption_key.map(|k| k.as_str().to_string()),
            tags: tag_pairs(&input.tags),
            repository_count: 0,
        };
        let quota = self.quotas.domains_per_account;
        let created = self.store.create_domain(&record, quota).map_err(|e| match e {
            StoreError::AlreadyExists => self.already_exists(log, owner, name, region),
            StoreError::QuotaExceeded(n) => AwsError::quota_exceeded(format!(
                "Account {owner} already has the most domains allowed in {region}: {n}."
            )),
            e => internal(log, e),
        })?;
        info!(log, "created domain"; "domain" => name, "domain_owner" => owner);
        Ok(describe(&created, region, DomainStatus::Active))
    }

    /// The ConflictException for a name the account has taken, saying where
    /// when that is another region (where the caller cannot see it).
    fn already_exists(&self, log: &Logger, owner: &str, name: &str, region: &str) -> AwsError {
        let elsewhere = match self.store.domain(owner, name) {
            Ok(found) => found.and_then(|d| d.region).filter(|r| r != region),
            Err(e) => return internal(log, e),
        };
        let message = match elsewhere {
            Some(other) => format!(
                "Domain '{name}' already exists in account {owner}, in region {other}; domain \
                 names are unique per account on this server."
            ),
            None => format!("Domain '{name}' already exists in account {owner}."),
        };
        AwsError::conflict(message)
    }

    pub fn describe_domain(
        &self,
        log: &Logger,
        caller: &Caller,
        input: &DomainQuery,
    ) -> OpResult<DomainDescription> {
        let owner = owner_of(caller, input.domain_owner.as_ref());
        let name = input.domain.as_str();
        let region = caller.region.as_str();
        let arn = domain_arn(region, owner, name);
        self.access(log, caller, DESCRIBE_DOMAIN, &arn, owner, name)?;
        let found = self.store.domain(owner, name).map_err(|e| internal(log, e))?;
        let domain = found.ok_or_else(|| domain_not_found(owner, name))?;
        Ok(describe(&domain, region, DomainStatus::Active))
    }

    /// The caller's account's domains in the caller's region, by name.
    pub fn list_domains(
        &self,
        log: &Logger,
        caller: &Caller,
        input: &ListDomainsRequest,
    ) -> OpResult<ListDomainsResult> {
        let owner = caller.principal.account.as_str();
        let region = caller.region.as_str();
        self.authorize(log, caller, LIST_DOMAINS, "*", owner, None)?;
        let after = resume_after(input.next_token.as_ref().map(|t| t.as_str()))?;
        let size = page_size(input.max_results);
        let page = Page { after: after.as_deref(), limit: size + 1 };
        let found = self.store.domains(owner, region, page).map_err(|e| internal(log, e))?;
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
    pub fn delete_domain(
        &self,
        log: &Logger,
        caller: &Caller,
        input: &DomainQuery,
    ) -> OpResult<DomainDescription> {
        let owner = owner_of(caller, input.domain_owner.as_ref());
        let name = input.domain.as_str();
        let region = caller.region.as_str();
        let arn = domain_arn(region, owner, name);
        self.access(log, caller, DELETE_DOMAIN, &arn, owner, name)?;
        let deleted = self.store.delete_domain(owner, name).map_err(|e| match e {
            StoreError::DomainNotFound => domain_not_found(owner, name),
            StoreError::DomainHasRepositories(n) => {
                let repositories = if n == 1 { "repository" } else { "repositories" };
                AwsError::conflict(format!(
                    "Domain '{name}' has {n} {repositories}; delete them before the domain."
                ))
            }
            e => internal(log, e),
        })?;
        info!(log, "deleted domain"; "domain" => name, "domain_owner" => owner);
        Ok(describe(&deleted, region, DomainStatus::Deleted))
    }
}

/// A stored domain as the wire describes it, seen from `region`.
fn describe(d: &DomainRecord, region: &str, status: DomainStatus) -> DomainDescription {
    DomainDescription {
        name: DomainName::validated(d.name.clone()),
        owner: AccountId::validated(d.owner.clone()),
        arn: domain_arn(d.region.as_deref().unwrap_or(region), &d.owner, &d.name),
        status,
        created_time: d.created_time,
        encryption_key: d.encryption_key.clone(),
        repository_count: i32::try_from(d.repository_count).unwrap_or(i32::MAX),
        asset_size_bytes: 0,
    }
}
