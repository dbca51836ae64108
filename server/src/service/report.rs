//! What `check-config` prints: the configured domains with their policies,
//! and each principal with its keys, its policies and whether it may get a
//! token for each domain.

use chrono::{DateTime, Utc};

use super::Service;
use crate::iam::access::Outcome;
use crate::iam::identity::PrincipalKind;

#[derive(Debug)]
pub struct AccessReport {
    pub domains: Vec<DomainReport>,
    pub principals: Vec<PrincipalReport>,
}

#[derive(Debug)]
pub struct DomainReport {
    pub owner: String,
    pub name: String,
    /// The name of the domain's policy, if it has one.
    pub policy: Option<String>,
}

#[derive(Debug)]
pub struct PrincipalReport {
    pub arn: String,
    /// "IAM user", "session of role <r>" or "root user".
    pub kind: String,
    pub access_key_ids: Vec<String>,
    pub expiration: Option<DateTime<Utc>>,
    /// The names of its identity policies; `None` for a root user, whom
    /// policies do not restrict.
    pub policies: Option<Vec<String>>,
    /// For each domain (in [`AccessReport::domains`]' order): `Ok` when it
    /// may get a token, else the reason.
    pub tokens: Vec<Result<(), String>>,
}

impl Service {
    /// Every configured domain and principal, as seen from `region`.
    pub fn access_report(&self, region: &str) -> AccessReport {
        let configured = self.domain_policies.all();
        let domains = configured
            .iter()
            .map(|(owner, name, d)| DomainReport {
                owner: owner.to_string(),
                name: name.to_string(),
                policy: d.policy.as_ref().map(|p| p.name.clone()),
            })
            .collect();
        let principals = self
            .identities
            .principals()
            .into_iter()
            .map(|keys| {
                let principal = keys.principal;
                let kind = match &principal.kind {
                    PrincipalKind::User => "IAM user".to_string(),
                    PrincipalKind::AssumedRole { role } => format!("session of role {role}"),
                    PrincipalKind::Root => "root user".to_string(),
                };
                let policies = (principal.kind != PrincipalKind::Root)
                    .then(|| principal.policies.iter().map(|p| p.name.clone()).collect());
                let tokens = configured
                    .iter()
                    .map(|(owner, name, _)| {
                        let decided = self.token_access(principal, region, owner, name);
                        match decided.last().map(|d| &d.outcome) {
                            Some(Outcome::Allowed { .. }) => Ok(()),
                            Some(Outcome::Denied { error, .. }) => Err(error.message.clone()),
                            None => Err("no statement allows it".into()),
                        }
                    })
                    .collect();
                PrincipalReport {
                    arn: principal.arn.clone(),
                    kind,
                    access_key_ids: keys.access_key_ids.iter().map(|k| k.to_string()).collect(),
                    expiration: keys.expiration,
                    policies,
                    tokens,
                }
            })
            .collect();
        AccessReport { domains, principals }
    }
}
