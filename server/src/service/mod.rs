//! The service itself: what each operation does once its caller is known and
//! its input is valid. Nothing here knows about HTTP. One module per group
//! of operations: [`token`] issues authorization tokens, [`domain`] and
//! [`repository`] manage what the [store](crate::store) holds.

mod domain;
mod repository;
mod token;

use std::sync::Arc;

use anyhow::Context as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use codeartifact_api::{AccountId, AwsError, Tag};
use slog::{info, Logger};

use crate::access::{authorize, Outcome, Question};
use crate::config::{Config, Quotas};
use crate::domains::Domains;
use crate::identity::{Caller, Identities, Principal};
use crate::policy::{keys, ConditionContext, Policy};
use crate::store::{DomainRecord, RepositoryRecord, Store};
use crate::throttle::Throttle;
use crate::tokens::TokenIssuer;

pub use token::{Decided, BEARER_TOKEN_SERVICE, GET_AUTHORIZATION_TOKEN, GET_SERVICE_BEARER_TOKEN};

/// Everything a request needs; shared by all requests.
#[derive(Debug)]
pub struct Service {
    pub identities: Identities,
    /// The configured domains' policies and regions.
    pub domains: Domains,
    pub store: Arc<dyn Store>,
    pub tokens: TokenIssuer,
    pub throttle: Throttle,
    quotas: Quotas,
    secure_transport: bool,
    public_url: Option<String>,
}

/// What an operation returns: its output, or the AWS error to send.
pub type OpResult<T> = Result<T, AwsError>;

const INTERNAL: &str = "An internal error occurred. Try the request again.";

impl Service {
    /// The service for `config`, over `store`, after creating the
    /// configured domains and repositories the store does not have yet.
    pub fn new(
        config: &Config,
        tokens: TokenIssuer,
        store: Arc<dyn Store>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        seed(store.as_ref(), config, now).context("failed to create the configured domains")?;
        Ok(Self {
            identities: Identities::from_config(config),
            domains: Domains::from_config(config),
            store,
            tokens,
            throttle: Throttle::new(config.rate_limit.as_ref()),
            quotas: config.quotas,
            secure_transport: config.secure_transport,
            public_url: config.public_url.as_ref().map(|u| u.trim_end_matches('/').to_string()),
        })
    }

    /// This server's URL as package managers reach it, without a trailing
    /// `/`: the configured `public_url`, else built from the `Host` the
    /// caller sent (which SigV4 signs).
    pub fn base_url(&self, host: &str) -> String {
        match &self.public_url {
            Some(url) => url.clone(),
            None if self.secure_transport => format!("https://{host}"),
            None => format!("http://{host}"),
        }
    }

    /// Decides one permission, logs which statement decided it, and turns a
    /// denial into its AccessDeniedException.
    fn authorize(
        &self,
        log: &Logger,
        caller: &Caller,
        action: &'static str,
        resource: &str,
        resource_owner: &str,
        resource_policy: Option<&Policy>,
    ) -> OpResult<()> {
        let context = self.condition_context(&caller.principal, &caller.region);
        let outcome = authorize(&Question {
            principal: &caller.principal,
            action,
            resource,
            resource_owner,
            resource_policy,
            context: &context,
        });
        log_outcome(log, action, resource, outcome)
    }

    /// The policy of a configured domain that lives in `region`.
    fn domain_policy(&self, owner: &str, name: &str, region: &str) -> Option<&Policy> {
        self.domains.get(owner, name).filter(|d| d.is_in(region)).and_then(|d| d.policy.as_deref())
    }

    /// Decides `action` on `resource` (the domain or one of its
    /// repositories) with the domain's policy, then checks that the domain
    /// exists in the caller's region. In that order, as on AWS: who may not
    /// act on a domain learns nothing about whether it exists.
    fn access(
        &self,
        log: &Logger,
        caller: &Caller,
        action: &'static str,
        resource: &str,
        owner: &str,
        domain: &str,
    ) -> OpResult<()> {
        let policy = self.domain_policy(owner, domain, &caller.region);
        self.authorize(log, caller, action, resource, owner, policy)?;
        self.require_domain(log, &caller.region, owner, domain)
    }

    /// A ResourceNotFoundException unless the domain exists in `region`.
    fn require_domain(&self, log: &Logger, region: &str, owner: &str, name: &str) -> OpResult<()> {
        match self.store.domain_is_in(owner, name, region) {
            Ok(true) => Ok(()),
            Ok(false) => Err(domain_not_found(owner, name)),
            Err(e) => Err(internal(log, e)),
        }
    }

    /// The condition keys every request carries.
    fn condition_context(&self, principal: &Principal, region: &str) -> ConditionContext {
        let mut context = ConditionContext::default();
        context
            .set(keys::PRINCIPAL_ACCOUNT, principal.account.clone())
            .set(keys::PRINCIPAL_ARN, principal.principal_arn())
            .set(keys::PRINCIPAL_TYPE, principal.principal_type())
            .set(keys::REQUESTED_REGION, region.to_string())
            .set(keys::SECURE_TRANSPORT, self.secure_transport.to_string());
        context
    }
}

/// The account that owns the domain a request names: its `domain-owner`,
/// or the caller's own account.
fn owner_of<'a>(caller: &'a Caller, domain_owner: Option<&'a AccountId>) -> &'a str {
    domain_owner.map_or(caller.principal.account.as_str(), AccountId::as_str)
}

/// Tags as the store keeps them: (key, value) pairs.
fn tag_pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter().map(|t| (t.key.to_string(), t.value.to_string())).collect()
}

/// Logs a decision; a denial becomes the error to send.
fn log_outcome(log: &Logger, action: &str, resource: &str, outcome: Outcome) -> OpResult<()> {
    match outcome {
        Outcome::Allowed { by } => {
            info!(log, "allowed"; "action" => action, "resource" => resource, "decided_by" => by);
            Ok(())
        }
        Outcome::Denied { by, error } => {
            info!(log, "denied"; "action" => action, "resource" => resource,
                "decided_by" => by.unwrap_or_else(|| "no statement allows it".into()));
            Err(error)
        }
    }
}

/// Creates the configured domains and repositories the first time the
/// database sees them, in one transaction; a restart never undoes what the
/// API did, deletions included.
fn seed(store: &dyn Store, config: &Config, now: DateTime<Utc>) -> anyhow::Result<()> {
    let domains: Vec<DomainRecord> = config
        .domains
        .iter()
        .map(|d| DomainRecord {
            owner: d.owner.clone(),
            name: d.name.clone(),
            region: d.region_in(config),
            created_time: now.timestamp(),
            encryption_key: None,
            tags: Vec::new(),
            repository_count: 0,
        })
        .collect();
    let repositories: Vec<RepositoryRecord> = config
        .domains
        .iter()
        .flat_map(|d| {
            d.repositories.iter().map(|name| RepositoryRecord {
                domain_owner: d.owner.clone(),
                domain_name: d.name.clone(),
                name: name.clone(),
                description: None,
                upstreams: Vec::new(),
                tags: Vec::new(),
                created_time: now.timestamp(),
            })
        })
        .collect();
    Ok(store.seed(&domains, &repositories)?)
}

/// A storage failure: logged in full, reported as AWS reports its own.
fn internal(log: &Logger, e: impl std::fmt::Display) -> AwsError {
    slog::error!(log, "operation failed"; "error" => e.to_string());
    AwsError::internal(INTERNAL)
}

fn domain_not_found(owner: &str, name: &str) -> AwsError {
    AwsError::resource_not_found(format!(
        "Domain '{name}' owned by account {owner} does not exist."
    ))
}

fn repository_not_found(owner: &str, domain: &str, name: &str) -> AwsError {
    AwsError::resource_not_found(format!(
        "Repository '{name}' in domain '{domain}' owned by account {owner} does not exist."
    ))
}

/// Continuation tokens name the last item of the page they end, so a
/// listing resumes after it even when items were added or removed since.
fn next_token(last: &str) -> String {
    URL_SAFE_NO_PAD.encode(last)
}

fn resume_after(token: Option<&str>) -> OpResult<Option<String>> {
    let Some(token) = token else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(Some)
        .ok_or_else(|| AwsError::validation("The pagination token is invalid."))
}

/// The page size a listing asked for (1 to 1000; 1000 when absent).
fn page_size(max_results: Option<i64>) -> usize {
    max_results.unwrap_or(codeartifact_api::MAX_PAGE_SIZE).clamp(1, codeartifact_api::MAX_PAGE_SIZE)
        as usize
}

/// Splits a listing fetched with one extra item into the page and the
/// token for the next one.
fn paginate<T>(
    mut items: Vec<T>,
    size: usize,
    name: impl Fn(&T) -> &str,
) -> (Vec<T>, Option<String>) {
    if items.len() <= size {
        return (items, None);
    }
    items.truncate(size);
    let token = items.last().map(|last| next_token(name(last)));
    (items, token)
}
