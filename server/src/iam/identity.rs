//! Who is calling: principals, their credentials, and authentication.
//!
//! Authentication follows AWS's front door: parse and scope-check the SigV4
//! header, find the access key (unknown: UnrecognizedClientException), check
//! the signature (InvalidSignatureException), then the session token of a
//! temporary credential (missing or wrong: UnrecognizedClientException;
//! expired: ExpiredTokenException). Lookup is one hash probe, so its cost
//! does not grow with the number of configured principals.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use codeartifact_api::{AwsError, ErrorCode};

use super::arn;
use super::policy::{Actor, Policy};
use super::sigv4::{Parsed, RequestParts, ScopeRules, SigV4Error, SigningKey};

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
            PrincipalKind::AssumedRole { role } => arn::role(&self.account, role),
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

/// The temporary part of a role session's credential.
pub struct Session {
    pub token: String,
    pub expiration: DateTime<Utc>,
}

/// What signs as a principal: a secret key and, for a role session, the
/// session's token and expiry.
pub struct Credential {
    pub secret_access_key: String,
    pub principal: Arc<Principal>,
    pub session: Option<Session>,
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
    /// The principals, by ARN: whom a repository token acts as.
    by_arn: HashMap<String, Arc<Principal>>,
    rules: ScopeRules,
    signing_keys: SigningKeys,
}

/// Signing keys already derived, by access key id and credential scope:
/// a client signs every request of a day with the same one, and deriving
/// it costs four HMACs. A key is remembered only once a signature made
/// with it has verified, so forged requests add nothing; a wrong
/// signature still fails against the right key. Bounded: when full, it is
/// emptied (keys are derived again; nothing breaks).
#[derive(Default)]
struct SigningKeys(Mutex<HashMap<String, SigningKey>>);

/// How many signing keys are remembered at most.
const SIGNING_KEYS: usize = 1024;

impl SigningKeys {
    fn get(&self, id: &str) -> Option<SigningKey> {
        self.lock().get(id).copied()
    }

    fn remember(&self, id: String, key: SigningKey) {
        let mut keys = self.lock();
        if keys.len() >= SIGNING_KEYS {
            keys.clear();
        }
        keys.insert(id, key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SigningKey>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
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
    /// No credentials yet; requests must be signed for `region` when one
    /// is pinned.
    pub fn new(region: Option<String>) -> Self {
        let rules = ScopeRules { service: SERVICE.to_string(), region };
        Self {
            by_access_key: HashMap::new(),
            by_arn: HashMap::new(),
            rules,
            signing_keys: SigningKeys::default(),
        }
    }

    /// Adds a credential; a second one with the same key id replaces it
    /// (the configuration's checks refuse that).
    pub fn insert(&mut self, access_key_id: String, credential: Credential) {
        let principal = &credential.principal;
        self.by_arn.insert(principal.arn.clone(), principal.clone());
        // A key derived from the credential replaced is no longer its key.
        self.signing_keys.lock().clear();
        self.by_access_key.insert(access_key_id, credential);
    }

    /// The principal with this ARN, if the configuration still has it.
    pub fn principal(&self, arn: &str) -> Option<&Arc<Principal>> {
        self.by_arn.get(arn)
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

    /// What the headers alone decide, before the body is read: the
    /// `Authorization` header is there and parses, its scope and date are
    /// acceptable, and its access key is known. [`Self::authenticate`]
    /// begins with the same, so a request gets the same answer whether this
    /// ran first or not.
    pub fn screen(&self, request: &RequestParts<'_>, now: DateTime<Utc>) -> Result<(), AwsError> {
        self.parse(request, now).map(|_| ())
    }

    /// The caller of a signed request, or the error AWS would send.
    pub fn authenticate(
        &self,
        request: &RequestParts<'_>,
        now: DateTime<Utc>,
    ) -> Result<Caller, AwsError> {
        let (parsed, credential) = self.parse(request, now)?;
        let id = format!("{}/{}", parsed.access_key_id(), parsed.scope());
        match self.signing_keys.get(&id) {
            Some(key) => parsed.verify_with(&key).map_err(sigv4_error)?,
            None => {
                let key = parsed.signing_key(&credential.secret_access_key);
                parsed.verify_with(&key).map_err(sigv4_error)?;
                self.signing_keys.remember(id, key);
            }
        }
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

    /// The request's signature, parsed with its scope and date checked, and
    /// the credential of its access key.
    fn parse(
        &self,
        request: &RequestParts<'_>,
        now: DateTime<Utc>,
    ) -> Result<(Parsed, &Credential), AwsError> {
        let parsed = Parsed::from_request(request, &self.rules, now).map_err(sigv4_error)?;
        let credential = self
            .by_access_key
            .get(parsed.access_key_id())
            .ok_or_else(|| AwsError::new(ErrorCode::UnrecognizedClientException, INVALID_TOKEN))?;
        Ok((parsed, credential))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::sigv4::{self, RequestParts};
    use hmac::{Hmac, KeyInit, Mac};
    use http::{HeaderMap, HeaderValue};

    const QUERY: &str = "domain=demo&duration=900";

    fn parts<'a>(headers: &'a HeaderMap, query: &'a str) -> RequestParts<'a> {
        RequestParts {
            method: "POST",
            path: "/v1/authorization-token",
            query,
            headers,
            body: b"",
            payload_hash: None,
        }
    }

    /// A request signed as a client signs it, with `secret` for `region`.
    fn signed(secret: &str, region: &str, at: DateTime<Utc>) -> HeaderMap {
        let amz_date = at.format("%Y%m%dT%H%M%SZ").to_string();
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8787"));
        headers.insert("x-amz-date", HeaderValue::from_str(&amz_date).unwrap());
        let signed = ["host".to_string(), "x-amz-date".to_string()];
        let canonical = sigv4::canonical_request(&parts(&headers, QUERY), &signed);
        let scope = format!("{}/{region}/codeartifact/aws4_request", &amz_date[..8]);
        let key = sigv4::signing_key(secret, &amz_date[..8], region, "codeartifact");
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(sigv4::string_to_sign(&amz_date, &scope, &canonical).as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKID/{scope}, SignedHeaders=host;x-amz-date, \
             Signature={signature}"
        );
        headers.insert("authorization", HeaderValue::from_str(&authorization).unwrap());
        headers
    }

    fn identities() -> Identities {
        let principal = Arc::new(Principal {
            arn: "arn:aws:iam::111122223333:user/demo".into(),
            account: "111122223333".into(),
            kind: PrincipalKind::User,
            policies: Arc::new([]),
        });
        let mut identities = Identities::new(None);
        let credential =
            Credential { secret_access_key: "secret".into(), principal, session: None };
        identities.insert("AKID".into(), credential);
        identities
    }

    fn code(result: Result<Caller, AwsError>) -> ErrorCode {
        result.expect_err("refused").code
    }

    #[test]
    fn a_remembered_signing_key_still_refuses_what_it_did_not_sign() {
        let identities = identities();
        let now = Utc::now();
        let good = signed("secret", "us-east-1", now);
        assert!(identities.authenticate(&parts(&good, QUERY), now).is_ok());
        assert_eq!(identities.signing_keys.lock().len(), 1, "remembered once verified");
        assert!(identities.authenticate(&parts(&good, QUERY), now).is_ok(), "and used again");

        // The same scope, so the remembered key: another secret's signature,
        // and the good signature over another query, both fail.
        let forged = signed("not-the-secret", "us-east-1", now);
        let forged = identities.authenticate(&parts(&forged, QUERY), now);
        assert_eq!(code(forged), ErrorCode::InvalidSignatureException);
        let altered = identities.authenticate(&parts(&good, "domain=other&duration=900"), now);
        assert_eq!(code(altered), ErrorCode::InvalidSignatureException);

        // A forged signature in a new scope derives a key and leaves nothing.
        let elsewhere = signed("not-the-secret", "eu-west-1", now);
        let elsewhere = identities.authenticate(&parts(&elsewhere, QUERY), now);
        assert_eq!(code(elsewhere), ErrorCode::InvalidSignatureException);
        assert_eq!(identities.signing_keys.lock().len(), 1, "failures are not remembered");
    }

    #[test]
    fn the_signing_key_memory_is_bounded() {
        let keys = SigningKeys::default();
        for i in 0..SIGNING_KEYS + 5 {
            keys.remember(i.to_string(), [0; 32]);
        }
        assert!(keys.lock().len() <= SIGNING_KEYS);
    }
}
