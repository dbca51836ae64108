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
use crate::store::{DomainRecord, RepositoryRecord, Store};
use crate::throttle::Throttle;
use crate::token_issuer::TokenIssuer;

/// The service for `config`, over `store`, after creating the configured
/// domains and repositories the store does not have yet.
pub async fn service(
    config: &Config,
    tokens: TokenIssuer,
    store: Arc<dyn Store>,
    now: DateTime<Utc>,
) -> anyhow::Result<Service> {
    let (identities, domain_policies) = iam(config)?;
    seed(store.as_ref(), config, now).await.context("failed to create the configured domains")?;
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
        secure_transport: config.secure_transport,
        public_url: config.public_url.as_ref().map(|u| u.trim_end_matches('/').to_string()),
    };
    Ok(Service::new(Parts { identities, domain_policies, store, tokens, throttle, settings }))
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
    Ok(store.seed(&domains, &repositories).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::development;

    #[test]
    fn principals_with_the_same_policy_share_one_copy() {
        let (identities, _) = iam(&development::config(Utc::now())).unwrap();
        let principals = identities.principals();
        let user = &principals.iter().find(|p| p.expiration.is_none()).unwrap().principal;
        let session = &principals.iter().find(|p| p.expiration.is_some()).unwrap().principal;
        assert!(Arc::ptr_eq(&user.policies[0], &session.policies[0]));
    }
}
