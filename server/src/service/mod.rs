//! The service itself: what each operation does once its caller is known
//! and its input is valid. Nothing here knows about HTTP. One module per
//! group of operations: [`authorization_token`] issues tokens, [`domain`]
//! and [`repository`] manage what the [store](crate::store) holds, and
//! [`packages`] serves package managers at the repository endpoints.
//!
//! Every API operation has the same shape: `async fn op(&self, call: &Call,
//! input: <Op>Request) -> OpResult<<Op>Result>`, deciding access first,
//! then existence, then acting; the store decides where its I/O runs. The
//! repository endpoints' calls take the request [`Admitted`] instead of a
//! `Call`, and answer [`EndpointError`]s that each package manager's
//! adapter shapes.

mod authorization_token;
mod domain;
mod package_api;
mod packages;
mod report;
mod repository;

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use codeartifact_api::{AccountId, AwsError, ResourceType, Tag};
use slog::{debug, Logger};

use crate::iam::access::{authorize, Outcome, Question};
use crate::iam::domain_policies::DomainPolicies;
use crate::iam::identity::{Caller, Identities, Principal};
use crate::iam::policy::{keys, ConditionContext, Policy};
use crate::iam::sigv4::RequestParts;
use crate::store::blob::BlobStore;
use crate::store::Store;
use crate::throttle::Throttle;
use crate::token_issuer::TokenIssuer;

use crate::store::new_revision;
pub use authorization_token::Decided;
pub use package_api::AssetDownload;
pub use packages::{
    Admitted, AssetBytes, EndpointError, EndpointResult, NpmPackage, NpmVersion, PypiFile,
    PypiProject, PypiReceiver,
};
pub use report::{AccessReport, DomainReport, PrincipalReport};

/// Everything a request needs; shared by all requests.
#[derive(Debug)]
pub struct Service {
    identities: Identities,
    domain_policies: DomainPolicies,
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    /// Writers that add references to blobs (publishes, retention) hold it
    /// shared from the blob's commit to the metadata's; removing blobs no
    /// asset names holds it exclusively, so a blob is never removed between
    /// a publish's two commits.
    blob_gate: tokio::sync::RwLock<()>,
    /// npm publish documents being read at once (each is held in memory).
    npm_publishes: tokio::sync::Semaphore,
    /// The client external connections read through with.
    http: reqwest::Client,
    tokens: TokenIssuer,
    throttle: Throttle,
    settings: Settings,
    _lock: Option<std::fs::File>,
}

/// The service's running pieces, built by [`crate::setup`].
#[derive(Debug)]
pub struct Parts {
    pub identities: Identities,
    pub domain_policies: DomainPolicies,
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub tokens: TokenIssuer,
    pub throttle: Throttle,
    pub settings: Settings,
    /// The data directory's lock, if there is one: held while this lives.
    pub lock: Option<std::fs::File>,
}

/// What the configuration sets about the service's behaviour.
#[derive(Debug, Clone)]
pub struct Settings {
    pub quotas: Quotas,
    /// The largest package asset accepted, in bytes.
    pub max_asset_size: u64,
    /// The value of `aws:SecureTransport`, and whether endpoints are https.
    pub secure_transport: bool,
    /// The URL package managers reach this server at, without a trailing `/`.
    pub public_url: Option<String>,
    /// Where each external connection reads through to, by name.
    pub external_connections: std::collections::BTreeMap<String, String>,
    /// The address the server answers on: the host of its URLs when a
    /// request names none.
    pub listening: Option<std::net::SocketAddr>,
    /// How long an operation's body may take to arrive.
    pub body_deadline: std::time::Duration,
}

/// Limits on what the API may create (AWS's defaults: 10 and 1000).
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    pub domains_per_account: u32,
    pub repositories_per_domain: u32,
}

impl Default for Quotas {
    fn default() -> Self {
        Self { domains_per_account: 10, repositories_per_domain: 1000 }
    }
}

/// One call of an operation: who made it, when, where it is logged, and the
/// host the caller reached this server at (which SigV4 signs).
#[derive(Debug, Clone)]
pub struct Call {
    pub log: Logger,
    pub caller: Caller,
    pub now: DateTime<Utc>,
    pub host: String,
}

/// How many npm publish documents are read at once; more wait their turn.
const NPM_PUBLISHES_AT_ONCE: usize = 4;

/// What an operation returns: its output, or the AWS error to send.
pub type OpResult<T> = Result<T, AwsError>;

impl Service {
    pub fn new(parts: Parts) -> Self {
        let Parts { identities, domain_policies, store, blobs, tokens, throttle, settings, lock } =
            parts;
        Self {
            identities,
            domain_policies,
            store,
            blobs,
            blob_gate: tokio::sync::RwLock::new(()),
            npm_publishes: tokio::sync::Semaphore::new(NPM_PUBLISHES_AT_ONCE),
            http: reqwest::Client::new(),
            tokens,
            throttle,
            settings,
            _lock: lock,
        }
    }

    /// What the request's headers alone decide about its caller (see
    /// [`crate::iam::identity::Identities::screen`]), before its body is read.
    pub fn screen(&self, request: &RequestParts<'_>, now: DateTime<Utc>) -> OpResult<()> {
        self.identities.screen(request, now)
    }

    /// How long an operation's body may take to arrive.
    pub fn body_deadline(&self) -> std::time::Duration {
        self.settings.body_deadline
    }

    /// AWS's front door for a signed request: the caller, once the
    /// signature checks out and the rate limit lets it through.
    pub fn admit(&self, request: &RequestParts<'_>, now: DateTime<Utc>) -> OpResult<Caller> {
        let caller = self.identities.authenticate(request, now)?;
        self.throttle.check(&caller.principal.arn)?;
        Ok(caller)
    }

    /// This server's URL as package managers reach it, without a trailing
    /// `/`: the configured `public_url`, else built from the `Host` the
    /// caller sent.
    pub fn base_url(&self, host: &str) -> String {
        match &self.settings.public_url {
            Some(url) => url.clone(),
            None if self.settings.secure_transport => format!("https://{host}"),
            None => format!("http://{host}"),
        }
    }

    /// The host of this server's URLs for a request that names none.
    pub fn fallback_host(&self) -> String {
        match self.settings.listening {
            Some(addr) => addr.to_string(),
            None => "localhost".to_string(),
        }
    }

    /// The largest package asset accepted, in bytes.
    pub fn max_asset_size(&self) -> u64 {
        self.settings.max_asset_size
    }

    /// Decides one permission, logs which statement decided it, and turns a
    /// denial into its AccessDeniedException.
    fn authorize(
        &self,
        call: &Call,
        action: &'static str,
        resource: &str,
        resource_owner: &str,
        resource_policy: Option<&Policy>,
    ) -> OpResult<()> {
        let caller = &call.caller;
        let principal = &caller.principal;
        let question = (action, resource, resource_owner, resource_policy);
        self.decide(&call.log, principal, &caller.region, question)
    }

    /// [`Service::authorize`] for any principal acting in `region`: the
    /// API's callers, and the principals repository tokens act as. The
    /// question is (action, resource, resource owner, resource policy).
    fn decide(
        &self,
        log: &Logger,
        principal: &Principal,
        region: &str,
        (action, resource, resource_owner, resource_policy): (
            &'static str,
            &str,
            &str,
            Option<&Policy>,
        ),
    ) -> OpResult<()> {
        let context = self.condition_context(principal, region);
        let outcome = authorize(&Question {
            principal,
            action,
            resource,
            resource_owner,
            resource_policy,
            context: &context,
        });
        log_outcome(log, &principal.arn, action, resource, outcome)
    }

    /// Decides `action` on `resource` (the domain or one of its
    /// repositories) with the domain's policy, then checks that the domain
    /// exists in the caller's region. In that order, as on AWS: who may not
    /// act on a domain learns nothing about whether it exists.
    async fn access(
        &self,
        call: &Call,
        action: &'static str,
        resource: &str,
        owner: &str,
        domain: &str,
    ) -> OpResult<()> {
        let policy = self.domain_policies.policy(owner, domain, &call.caller.region);
        self.authorize(call, action, resource, owner, policy)?;
        self.require_domain(call, owner, domain).await
    }

    /// A ResourceNotFoundException unless the domain exists in the caller's
    /// region.
    async fn require_domain(&self, call: &Call, owner: &str, name: &str) -> OpResult<()> {
        match self.store.domain_instance(owner, name, &call.caller.region).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(domain_not_found(owner, name)),
            Err(e) => Err(internal(&call.log, e)),
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
            .set(keys::SECURE_TRANSPORT, self.settings.secure_transport.to_string());
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

/// Logs a decision at debug (which statement decided it); a denial
/// becomes the error to send, which the request's access line shows.
fn log_outcome(
    log: &Logger,
    principal: &str,
    action: &str,
    resource: &str,
    outcome: Outcome,
) -> OpResult<()> {
    match outcome {
        Outcome::Allowed { by } => {
            debug!(log, "allowed"; "action" => action, "resource" => resource,
                "decided_by" => by);
            Ok(())
        }
        Outcome::Denied { by, error } => {
            debug!(log, "denied"; "principal" => principal, "action" => action,
                "resource" => resource,
                "decided_by" => by.unwrap_or_else(|| "no statement allows it".into()));
            Err(error)
        }
    }
}

/// A storage failure: logged in full, reported as AWS reports its own.
fn internal(log: &Logger, e: impl std::fmt::Display) -> AwsError {
    slog::error!(log, "operation failed"; "error" => e.to_string());
    AwsError::internal()
}

fn domain_not_found(owner: &str, name: &str) -> AwsError {
    AwsError::resource_not_found(format!(
        "Domain '{name}' owned by account {owner} does not exist."
    ))
    .about(ResourceType::Domain, name)
}

fn repository_not_found(owner: &str, domain: &str, name: &str) -> AwsError {
    AwsError::resource_not_found(format!(
        "Repository '{name}' in domain '{domain}' owned by account {owner} does not exist."
    ))
    .about(ResourceType::Repository, name)
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
