//! Who is calling: principals, their credentials, and authentication.
//!
//! Authentication follows AWS's front door: parse and scope-check the SigV4
//! header, find the access key (unknown: UnrecognizedClientException), check
//! the signature (InvalidSignatureException), then the session token of a
//! temporary credential (missing or wrong: UnrecognizedClientException;
//! expired: ExpiredTokenException). Lookup is one hash probe, so its cost
//! does not grow with the number of configured principals.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use codeartifact_api::{AwsError, ErrorCode};

use crate::config::{AccessKeyConfig, Config, PolicyConfig};
use crate::policy::{Actor, Policy};
use crate::sigv4::{Parsed, RequestParts, ScopeRules, SigV4Error};

/// The signing name of CodeArtifact.
pub const SERVICE: &str = "codeartifact";

/// An IAM identity that can sign requests, with the identity policies that
/// apply to it.
#[derive(Debug, Clone)]
pub struct Principal {
    /// `arn:aws:iam::<acct>:user/<name>`,
    /// `arn:aws:sts::<acct>:assumed-role/<role>/<session>` or
    /// `arn:aws:iam::<acct>:root`.
    pub arn: String,
    pub account: String,
    pub kind: PrincipalKind,
    /// The user's or the role's policies (none for the root user, whom
    /// policies do not restrict).
    pub policies: Arc<[Arc<Policy>]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    /// A session of the named role.
    AssumedRole {
        role: String,
    },
    Root,
}

impl Principal {
    /// The value of `aws:PrincipalArn`: for a role session, the role's ARN.
    pub fn principal_arn(&self) -> String {
        match &self.kind {
            PrincipalKind::AssumedRole { role } => role_arn(&self.account, role),
            _ => self.arn.clone(),
        }
    }

    /// The value of `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self.kind {
            PrincipalKind::User => "User",
            PrincipalKind::AssumedRole { .. } => "AssumedRole",
            PrincipalKind::Root => "Account",
        }
    }

    /// How resource policies' `Principal` sees this principal.
    pub fn as_actor(&self) -> Actor<'_> {
        let role = match &self.kind {
            PrincipalKind::AssumedRole { role } => Some(role.as_str()),
            _ => None,
        };
        Actor { arn: &self.arn, account: &self.account, role }
    }
}

pub fn root_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

pub fn role_arn(account: &str, role: &str) -> String {
    format!("arn:aws:iam::{account}:role/{role}")
}

pub fn user_arn(account: &str, user: &str) -> String {
    format!("arn:aws:iam::{account}:user/{user}")
}

pub fn session_arn(account: &str, role: &str, session: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role}/{session}")
}

/// The temporary part of a role session's credential.
struct Session {
    token: String,
    expiration: DateTime<Utc>,
}

struct Credential {
    secret_access_key: String,
    principal: Arc<Principal>,
    session: Option<Session>,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Arc<Principal>,
    /// The region the request was signed for.
    pub region: String,
    /// When the caller's credential expires, for temporary credentials.
    pub credential_expiration: Option<DateTime<Utc>>,
}

/// A principal and the keys that sign as it.
#[derive(Debug)]
pub struct PrincipalKeys<'a> {
    pub principal: &'a Arc<Principal>,
    pub access_key_ids: Vec<&'a str>,
    pub expiration: Option<DateTime<Utc>>,
}

/// Every credential the server knows, by access key id. Its `Debug` shows
/// no secrets.
pub struct Identities {
    by_access_key: HashMap<String, Credential>,
    rules: ScopeRules,
}

impl std::fmt::Debug for Identities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identities")
            .field("access_keys", &self.by_access_key.len())
            .field("rules", &self.rules)
            .finish()
    }
}

const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
/// AWS's message for an expired session credential.
pub const EXPIRED_TOKEN: &str = "The security token included in the request is expired";

impl Identities {
    pub fn from_config(config: &Config) -> Self {
        let mut by_access_key = HashMap::new();
        let long_term = |map: &mut HashMap<String, Credential>,
                         keys: &[AccessKeyConfig],
                         principal: &Arc<Principal>| {
            for key in keys {
                let credential = Credential {
                    secret_access_key: key.secret_access_key.clone(),
                    principal: principal.clone(),
                    session: None,
                };
                map.insert(key.access_key_id.clone(), credential);
            }
        };
        for account in &config.accounts {
            let root = Arc::new(Principal {
                arn: root_arn(&account.id),
                account: account.id.clone(),
                kind: PrincipalKind::Root,
                policies: Arc::new([]),
            });
            long_term(&mut by_access_key, &account.root_access_keys, &root);
            for user in &account.users {
                let principal = Arc::new(Principal {
                    arn: user_arn(&account.id, &user.name),
                    account: account.id.clone(),
                    kind: PrincipalKind::User,
                    policies: compiled(&user.policies),
                });
                long_term(&mut by_access_key, &user.access_keys, &principal);
            }
            for role in &account.roles {
                let policies = compiled(&role.policies);
                for s in &role.sessions {
                    let principal = Arc::new(Principal {
                        arn: session_arn(&account.id, &role.name, &s.name),
                        account: account.id.clone(),
                        kind: PrincipalKind::AssumedRole { role: role.name.clone() },
                        policies: policies.clone(),
                    });
                    let session =
                        Session { token: s.session_token.clone(), expiration: s.expiration };
                    let credential = Credential {
                        secret_access_key: s.secret_access_key.clone(),
                        principal,
                        session: Some(session),
                    };
                    by_access_key.insert(s.access_key_id.clone(), credential);
                }
            }
        }
        let rules = ScopeRules { service: SERVICE.to_string(), region: config.region.clone() };
        Self { by_access_key, rules }
    }

    /// Every principal, ordered by ARN, with its access key ids and, for a
    /// session, its expiry.
    pub fn principals(&self) -> Vec<PrincipalKeys<'_>> {
        let mut by_arn: std::collections::BTreeMap<&str, PrincipalKeys<'_>> = Default::default();
        for (key, credential) in &self.by_access_key {
            let entry = by_arn.entry(&credential.principal.arn).or_insert_with(|| PrincipalKeys {
                principal: &credential.principal,
                access_key_ids: Vec::new(),
                expiration: credential.session.as_ref().map(|s| s.expiration),
            });
            entry.access_key_ids.push(key);
        }
        let mut out: Vec<_> = by_arn.into_values().collect();
        out.iter_mut().for_each(|p| p.access_key_ids.sort());
        out
    }

    /// The caller of a signed request, or the error AWS would send.
    pub fn authenticate(
        &self,
        request: &RequestParts<'_>,
        now: DateTime<Utc>,
    ) -> Result<Caller, AwsError> {
        let parsed = Parsed::from_request(request, &self.rules, now).map_err(sigv4_error)?;
        let credential = self
            .by_access_key
            .get(parsed.access_key_id())
            .ok_or_else(|| AwsError::new(ErrorCode::UnrecognizedClientException, INVALID_TOKEN))?;
        parsed.verify(&credential.secret_access_key).map_err(sigv4_error)?;
        match (&credential.session, parsed.session_token()) {
            (None, None) => {}
            (Some(session), Some(token)) if constant_time_eq(&session.token, token) => {
                if session.expiration <= now {
                    return Err(AwsError::new(ErrorCode::ExpiredTokenException, EXPIRED_TOKEN));
                }
            }
            _ => return Err(AwsError::new(ErrorCode::UnrecognizedClientException, INVALID_TOKEN)),
        }
        Ok(Caller {
            principal: credential.principal.clone(),
            region: parsed.region().to_string(),
            credential_expiration: credential.session.as_ref().map(|s| s.expiration),
        })
    }
}

/// The parsed policies of a user or role; [`Config::check`] has made sure
/// every one was parsed.
fn compiled(policies: &[PolicyConfig]) -> Arc<[Arc<Policy>]> {
    policies.iter().filter_map(|p| p.policy().cloned()).collect()
}

fn sigv4_error(e: SigV4Error) -> AwsError {
    let code = match e {
        SigV4Error::Missing => ErrorCode::MissingAuthenticationTokenException,
        SigV4Error::Incomplete(_) => ErrorCode::IncompleteSignatureException,
        SigV4Error::Invalid(_) => ErrorCode::InvalidSignatureException,
    };
    AwsError::new(code, e.to_string())
}

/// Compares two secrets without revealing, through timing, where they differ.
fn constant_time_eq(a: &str, b: &str) -> bool {
    use sha2::Digest;
    use subtle::ConstantTimeEq;
    // Comparing digests keeps the time independent of the lengths too.
    let (a, b) = (sha2::Sha256::digest(a.as_bytes()), sha2::Sha256::digest(b.as_bytes()));
    a.as_slice().ct_eq(b.as_slice()).into()
}
