//! Setup: the one step that turns a configuration (syntax, checked) into
//! the running service. It parses the policies, builds the principals and
//! their credentials, the domain policies and the rate limiter, and creates
//! the configured domains and repositories the store has not seen yet.

mod policies;

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::iam::arn;
use crate::iam::domain_policies::{DomainPolicies, DomainPolicy};
use crate::iam::identity::{Credential, Identities, Principal, PrincipalKind, Session};
use crate::iam::policy::PolicyKind;
use crate::service::{Parts, Quotas, Service, Settings};
use crate::store::blob::{BlobStore, FsBlobStore, MemoryBlobStore};
use crate::store::{DomainRecord, RepositoryRecord, SqliteStore, Store};
use crate::throttle::Throttle;
use crate::token_issuer::TokenIssuer;

/// The service for `config`, over `store`, after creating the configured
/// domains and repositories the store does not have yet. `listening` is
/// the address the server answers on, if it has one.
pub async fn service(
    config: &Config,
    storage: Storage,
    listening: Option<std::net::SocketAddr>,
    now: DateTime<Utc>,
    log: &slog::Logger,
) -> anyhow::Result<Service> {
    let Storage { tokens, store, blobs, lock } = storage;
    let (identities, domain_policies) = iam(config).with_context(|| config.invalid())?;
    seed(store.as_ref(), config, now).await.context("failed to create the configured domains")?;
    sweep(store.as_ref(), blobs.as_ref(), log).await?;
    let throttle = match &config.rate_limit {
        Some(limit) => Throttle::new(
            limit.requests_per_second,
            limit.burst.unwrap_or(limit.requests_per_second),
        ),
        None => Throttle::off(),
    };
    let settings = Settings {
        quotas: Quotas {
            domains_per_account: config.quotas.domains_per_account,
            repositories_per_domain: config.quotas.repositories_per_domain,
        },
        max_asset_size: config.max_asset_size,
        secure_transport: config.secure_transport,
        public_url: config.public_url.as_ref().map(|u| u.trim_end_matches('/').to_string()),
        external_connections: config.external_connections.clone(),
        listening,
        body_deadline: std::time::Duration::from_secs(config.connections.body_timeout_seconds),
    };
    Ok(Service::new(Parts {
        identities,
        domain_policies,
        store,
        blobs,
        tokens,
        throttle,
        settings,
        lock,
    }))
}

/// Where the service keeps what must outlive a request: the token key, the
/// database, and the package assets' bytes.
#[derive(Debug)]
pub struct Storage {
    pub tokens: TokenIssuer,
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    /// The data directory's lock, held as long as the service runs.
    pub lock: Option<std::fs::File>,
}

/// The lock file in the data directory.
pub const LOCK_FILE: &str = "lock";

impl Storage {
    /// Everything in memory: nothing outlives the process.
    pub fn ephemeral() -> anyhow::Result<Self> {
        Ok(Self {
            tokens: TokenIssuer::ephemeral()?,
            store: Arc::new(SqliteStore::in_memory()?),
            blobs: Arc::new(MemoryBlobStore::default()),
            lock: None,
        })
    }

    /// Everything in `dir`, created if needed.
    /// Everything in `dir`, created if needed, which no other server may
    /// use meanwhile: two would sweep each other's uploads away.
    pub fn in_dir(dir: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create data directory {}", dir.display()))?;
        let lock = lock(dir)?;
        let tokens = TokenIssuer::load_or_create(dir)?;
        let store = Arc::new(SqliteStore::open(dir)?);
        let blobs = FsBlobStore::open(dir)
            .with_context(|| format!("failed to open the blob store in {}", dir.display()))?;
        Ok(Self { tokens, store, blobs: Arc::new(blobs), lock: Some(lock) })
    }
}

/// Takes the data directory's lock (`<dir>/lock`, held while the file is
/// open, released by the OS even after `kill -9`).
fn lock(dir: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("failed to open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another codeartifact-local is using the data directory {}; stop it, or give this \
             one another --data-dir",
            dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("failed to lock {}", path.display()))
        }
    }
}

/// Removes the bytes no asset refers to: what a crash left between writing
/// an asset's bytes and committing its metadata, and half-written uploads.
async fn sweep(store: &dyn Store, blobs: &dyn BlobStore, log: &slog::Logger) -> anyhow::Result<()> {
    let keep = store.blob_hashes().await.context("failed to list the stored assets")?;
    let swept =
        blobs.sweep(&keep.into_iter().collect()).await.context("failed to sweep the blob store")?;
    if swept.temp_files + swept.blobs > 0 {
        slog::warn!(log, "removed what an interrupted upload left behind";
            "partial_uploads" => swept.temp_files, "unreferenced_blobs" => swept.blobs,
            "bytes" => swept.bytes);
    }
    Ok(())
}

/// The principals with their credentials, and the domain policies, with
/// every policy document parsed (a bad one names itself and its holder).
pub fn iam(config: &Config) -> anyhow::Result<(Identities, DomainPolicies)> {
    let mut compiler = policies::Compiler::default();
    let base_dir = config.base_dir.as_path();
    let mut domain_policies = DomainPolicies::default();
    for d in &config.domains {
        let policy = d
            .policy
            .as_ref()
            .map(|p| {
                let name = format!("domain {} policy", d.name);
                compiler.compile(p, base_dir, PolicyKind::Resource, &name)
            })
            .transpose()
            .with_context(|| format!("domain '{}'", d.name))?;
        let region = d.region_in(config);
        domain_policies.insert(&d.owner, &d.name, DomainPolicy { policy, region });
    }
    let mut identities = Identities::new(config.region.clone());
    for account in &config.accounts {
        let long_term = |identities: &mut Identities, principal: Principal, keys: &[_]| {
            let principal = Arc::new(principal);
            for key in keys {
                let crate::config::AccessKeyConfig { access_key_id, secret_access_key } = key;
                let credential = Credential {
                    secret_access_key: secret_access_key.clone(),
                    principal: principal.clone(),
                    session: None,
                };
                identities.insert(access_key_id.clone(), credential);
            }
        };
        let root = Principal {
            arn: arn::root(&account.id),
            account: account.id.clone(),
            kind: PrincipalKind::Root,
            policies: Arc::new([]),
        };
        long_term(&mut identities, root, &account.root_access_keys);
        for user in &account.users {
            let policies = compiler
                .identity_policies(&user.policies, base_dir, &user.name)
                .with_context(|| format!("user '{}' of account {}", user.name, account.id))?;
            let principal = Principal {
                arn: arn::user(&account.id, &user.name),
                account: account.id.clone(),
                kind: PrincipalKind::User,
                policies,
            };
            long_term(&mut identities, principal, &user.access_keys);
        }
        for role in &account.roles {
            let policies = compiler
                .identity_policies(&role.policies, base_dir, &role.name)
                .with_context(|| format!("role '{}' of account {}", role.name, account.id))?;
            for s in &role.sessions {
                let principal = Principal {
                    arn: arn::session(&account.id, &role.name, &s.name),
                    account: account.id.clone(),
                    kind: PrincipalKind::AssumedRole { role: role.name.clone() },
                    policies: policies.clone(),
                };
                let credential = Credential {
                    secret_access_key: s.secret_access_key.clone(),
                    principal: Arc::new(principal),
                    session: Some(Session {
                        token: s.session_token.clone(),
                        expiration: s.expiration,
                    }),
                };
                identities.insert(s.access_key_id.clone(), credential);
            }
        }
    }
    Ok((identities, domain_policies))
}

/// The ARN and expiry of every configured session that has already
/// expired, for a warning at start.
pub fn expired_sessions(config: &Config, now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
    let mut out = Vec::new();
    for account in &config.accounts {
        for role in &account.roles {
            for s in role.sessions.iter().filter(|s| s.expiration <= now) {
                out.push((arn::session(&account.id, &role.name, &s.name), s.expiration));
            }
        }
    }
    out
}

/// Creates the configured domains and repositories the first time the
/// database sees them, in one transaction; a restart never undoes what the
/// API did, deletions included.
async fn seed(store: &dyn Store, config: &Config, now: DateTime<Utc>) -> anyhow::Result<()> {
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
            // Kept only the first time the domain is seeded.
            instance: crate::store::new_domain_instance(),
            repository_count: 0,
            asset_size_bytes: 0,
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
                external_connection: None,
            })
        })
        .collect();
    Ok(store.seed(&domains, &repositories).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::development;

    #[test]
    fn a_data_directory_serves_one_server_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = Storage::in_dir(dir.path()).unwrap();
        let err = Storage::in_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("another codeartifact-local is using the data directory"), "{err}");
        drop(first);
        Storage::in_dir(dir.path()).expect("the lock goes with the server");
    }

    /// A session whose configured expiry is years away still gets tokens
    /// of at most 12 hours with duration 0.
    #[tokio::test]
    async fn duration_zero_is_capped_at_twelve_hours() {
        use chrono::TimeDelta;
        use codeartifact_api::{ErrorCode, FromQuery, GetAuthorizationTokenRequest, QueryParams};
        let now = Utc::now();
        let config = development::config(now);
        let log = slog::Logger::root(slog::Discard, slog::o!());
        let service =
            service(&config, Storage::ephemeral().unwrap(), None, now, &log).await.unwrap();
        let (identities, _) = iam(&config).unwrap();
        let principals = identities.principals();
        let session = principals.iter().find(|p| p.expiration.is_some()).unwrap();
        let query = QueryParams::parse("domain=demo&duration=0");
        let input = GetAuthorizationTokenRequest::from_query(&query).unwrap();
        let call = async |expiration| {
            let caller = crate::iam::identity::Caller {
                principal: session.principal.clone(),
                region: "us-east-1".into(),
                credential_expiration: Some(expiration),
            };
            let call = crate::service::Call { log: log.clone(), caller, now, host: "h".into() };
            service.get_authorization_token(&call, input.clone()).await
        };
        let far = call(now + TimeDelta::days(3650)).await.unwrap();
        assert_eq!(far.expiration, now.timestamp() + 43_200);
        let near = call(now + TimeDelta::minutes(20)).await.unwrap();
        assert_eq!(near.expiration, (now + TimeDelta::minutes(20)).timestamp());
        let gone = call(now - TimeDelta::seconds(1)).await.unwrap_err();
        assert_eq!(gone.code, ErrorCode::ExpiredTokenException);
    }

    #[test]
    fn principals_with_the_same_policy_share_one_copy() {
        let (identities, _) = iam(&development::config(Utc::now())).unwrap();
        let principals = identities.principals();
        let user = &principals.iter().find(|p| p.expiration.is_none()).unwrap().principal;
        let session = &principals.iter().find(|p| p.expiration.is_some()).unwrap().principal;
        assert!(Arc::ptr_eq(&user.policies[0], &session.policies[0]));
    }
}
