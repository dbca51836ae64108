//! Authorization tokens: PASETO v4.local, minted and checked with one key.
//!
//! PASETO v4.local (XChaCha20 + BLAKE2b-MAC) is a standard
//! authenticated-encryption token: nobody without the key can read or forge
//! one, and a fresh random nonce makes every token unique. Its text is
//! `v4.local.` followed by unpadded base64url, so it uses only
//! `[A-Za-z0-9_.-]` and can sit unescaped in the URL that `aws codeartifact
//! login --tool pip` writes. The key is made on first start and kept in the
//! data directory (mode 0600), so tokens stay valid across restarts.
//!
//! The construction is `rusty_paseto`'s, on RustCrypto's `blake2` and
//! `chacha20`. `pasetors`, used before, spent two fifths of each mint in
//! constant-time base64 (BENCHMARKS.md). Constant time buys nothing there:
//! what is base64-encoded is the nonce, the ciphertext and the tag, the
//! token the client receives, and what is decoded is a token a client sent;
//! neither is secret. What must not leak through timing, the comparison of
//! the tag, is constant-time in `rusty_paseto` (`subtle`), and the tag is
//! checked before anything is decrypted. Tokens are the same standard
//! PASETO either way: those minted before still verify (tested against
//! `pasetors`).

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{bail, Context as _};
use chrono::{DateTime, SecondsFormat, Utc};
use rusty_paseto::core::{Key, Local, Paseto, PasetoNonce, PasetoSymmetricKey, V4};
use sha2::Digest as _;

/// File name of the token key inside the data directory.
pub const KEY_FILE: &str = "token-key";
const KEY_LEN: usize = 32;
const ISSUER: &str = "codeartifact-local";

/// What a token says: for which domain, for whom, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub domain: String,
    pub domain_owner: String,
    /// The instance of the domain the token was issued for
    /// ([`crate::store::DomainRecord::instance`]): a domain created again
    /// under the same name is another instance, which the token does not
    /// open. Whether that instance still exists is the caller's question,
    /// asked on every use; it is never remembered here.
    pub domain_instance: String,
    /// ARN of the principal the token was issued to.
    pub principal: String,
    /// The region the token was requested in: the principal acts there when
    /// it presents the token (ARNs and `aws:RequestedRegion`).
    pub region: String,
    pub issued_at: DateTime<Utc>,
    pub expiration: DateTime<Utc>,
}

/// A token's payload: PASETO's registered claims, then ours.
#[derive(serde::Serialize)]
struct Payload<'a> {
    iss: &'a str,
    sub: &'a str,
    iat: &'a str,
    nbf: &'a str,
    exp: &'a str,
    jti: &'a str,
    domain: &'a str,
    #[serde(rename = "domainOwner")]
    domain_owner: &'a str,
    #[serde(rename = "domainInstance")]
    domain_instance: &'a str,
    region: &'a str,
}

/// A token's payload as read back: the claims checked here.
#[derive(serde::Deserialize)]
struct ReadPayload {
    iss: String,
    sub: String,
    iat: String,
    exp: String,
    domain: String,
    #[serde(rename = "domainOwner")]
    domain_owner: String,
    /// Tokens from before domains had instances lack it: they name a
    /// domain by name only, and are refused.
    #[serde(rename = "domainInstance")]
    domain_instance: String,
    region: String,
}

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed, forged, or was made with another key")]
    Invalid,
    #[error("the token has expired")]
    Expired,
}

/// Mints and checks tokens with the server's key. Its `Debug` never shows
/// the key.
pub struct TokenIssuer {
    key: PasetoSymmetricKey<V4, Local>,
    /// Tokens already verified, by the SHA-256 of their whole text: a
    /// package install presents one token hundreds of times, and decrypting
    /// it each time would cost more than answering. A forged or altered
    /// token has another hash, so it misses and is decrypted (and refused);
    /// a hit is still checked for expiry.
    verified: Mutex<HashMap<[u8; 32], TokenClaims>>,
}

/// How many verified tokens are remembered; past that the memory is
/// cleared, so it stays bounded whatever clients send.
const VERIFIED_CAPACITY: usize = 10_000;

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer").finish_non_exhaustive()
    }
}

impl TokenIssuer {
    /// A key that lives only as long as this process.
    pub fn ephemeral() -> anyhow::Result<Self> {
        let key = Key::<KEY_LEN>::try_new_random().context("failed to generate a token key")?;
        Ok(Self::with_key(*key))
    }

    fn with_key(bytes: [u8; KEY_LEN]) -> Self {
        let key = PasetoSymmetricKey::from(Key::from(bytes));
        Self { key, verified: Mutex::new(HashMap::new()) }
    }

    /// The key kept in `data_dir`, created there (mode 0600) if absent.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        fs::create_dir_all(data_dir)
            .with_context(|| format!("failed to create data directory {}", data_dir.display()))?;
        let path = data_dir.join(KEY_FILE);
        match fs::read(&path) {
            Ok(bytes) => Self::from_file_bytes(&path, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create(&path),
            Err(e) => Err(e).with_context(|| format!("failed to read {}", path.display())),
        }
    }

    fn from_file_bytes(path: &Path, bytes: &[u8]) -> anyhow::Result<Self> {
        if bytes.len() != KEY_LEN {
            bail!(
                "{} holds {} bytes, not a {KEY_LEN}-byte token key; move it away to make a new \
                 key (tokens issued with the old one will stop working)",
                path.display(),
                bytes.len()
            );
        }
        let bytes = bytes.try_into().context("failed to load the token key")?;
        Ok(Self::with_key(bytes))
    }

    /// Writes a new key beside its final name, syncs it, then renames it into
    /// place, so a crash never leaves a short key behind; if another process
    /// won the race, its key is the one used.
    fn create(path: &Path) -> anyhow::Result<Self> {
        let issuer = Self::ephemeral()?;
        let tmp = PathBuf::from(format!("{}.tmp-{}", path.display(), std::process::id()));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .with_context(|| format!("failed to create {}", tmp.display()))?;
        file.write_all(issuer.key.as_ref())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("failed to write {}", tmp.display()))?;
        drop(file);
        // hard_link fails if the key appeared meanwhile; then use that one.
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(issuer),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let bytes =
                    fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
                Self::from_file_bytes(path, &bytes)
            }
            Err(e) => Err(e).with_context(|| format!("failed to create {}", path.display())),
        }
    }

    /// Whether the key file's permissions are wider than 0600.
    pub fn key_file_is_exposed(data_dir: &Path) -> bool {
        fs::metadata(data_dir.join(KEY_FILE))
            .map(|m| m.permissions().mode() & 0o077 != 0)
            .unwrap_or(false)
    }

    pub fn mint(&self, claims: &TokenClaims) -> anyhow::Result<String> {
        let rfc3339 = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let issued_at = rfc3339(claims.issued_at);
        // The registered PASETO claims plus ours, serialized directly.
        let payload = Payload {
            iss: ISSUER,
            sub: &claims.principal,
            iat: &issued_at,
            nbf: &issued_at,
            exp: &rfc3339(claims.expiration),
            jti: &uuid::Uuid::new_v4().to_string(),
            domain: &claims.domain,
            domain_owner: &claims.domain_owner,
            domain_instance: &claims.domain_instance,
            region: &claims.region,
        };
        let payload =
            serde_json::to_string(&payload).context("failed to serialize token claims")?;
        let nonce = Key::<32>::try_new_random().context("failed to make a nonce")?;
        Paseto::<V4, Local>::builder()
            .set_payload(rusty_paseto::core::Payload::from(payload.as_str()))
            .try_encrypt(&self.key, &PasetoNonce::<V4, Local>::from(&nonce))
            .context("failed to encrypt a token")
    }

    /// The claims of a token this key made, if it has not expired.
    pub fn verify(&self, token: &str) -> Result<TokenClaims, TokenError> {
        let digest: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        let remembered = self.remembered().get(&digest).cloned();
        let claims = match remembered {
            Some(claims) => claims,
            None => {
                let claims = self.decrypt(token)?;
                let mut verified = self.remembered();
                if verified.len() >= VERIFIED_CAPACITY {
                    // Expired tokens go first; if none has, everything
                    // goes: tokens are verified again, nothing breaks.
                    let now = Utc::now();
                    verified.retain(|_, claims| claims.expiration > now);
                    if verified.len() >= VERIFIED_CAPACITY {
                        verified.clear();
                    }
                }
                verified.insert(digest, claims.clone());
                claims
            }
        };
        if claims.expiration <= Utc::now() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], TokenClaims>> {
        self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Decrypts and authenticates a token, and reads its claims.
    fn decrypt(&self, token: &str) -> Result<TokenClaims, TokenError> {
        // `v4.local.<payload>` exactly: this server never makes a footer, so
        // a token with one, even empty (a trailing `.`), is not one of ours,
        // though PASETO libraries parse it and authenticate an empty one.
        if token.split('.').count() != 3 {
            return Err(TokenError::Invalid);
        }
        // Decrypting authenticates the token; its claims are checked here,
        // rather than by the crate's rules, so that expiry is told apart
        // from forgery.
        let payload = Paseto::<V4, Local>::try_decrypt(token, &self.key, None, None)
            .map_err(|_| TokenError::Invalid)?;
        let claims: ReadPayload =
            serde_json::from_str(&payload).map_err(|_| TokenError::Invalid)?;
        let time =
            |text: &str| DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).ok();
        if claims.iss != ISSUER || claims.domain_instance.is_empty() {
            return Err(TokenError::Invalid);
        }
        let parsed = TokenClaims {
            issued_at: time(&claims.iat).ok_or(TokenError::Invalid)?,
            expiration: time(&claims.exp).ok_or(TokenError::Invalid)?,
            domain: claims.domain,
            domain_owner: claims.domain_owner,
            domain_instance: claims.domain_instance,
            principal: claims.sub,
            region: claims.region,
        };
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    fn claims(expires_in: TimeDelta) -> TokenClaims {
        // Tokens carry whole seconds.
        let now = Utc.timestamp_opt(Utc::now().timestamp(), 0).unwrap();
        TokenClaims {
            domain: "demo".into(),
            domain_owner: "111122223333".into(),
            domain_instance: "0123456789abcdef0123456789abcdef".into(),
            principal: "arn:aws:iam::111122223333:user/demo".into(),
            region: "us-east-1".into(),
            issued_at: now,
            expiration: now + expires_in,
        }
    }

    #[test]
    fn a_minted_token_verifies_and_carries_its_claims() {
        let issuer = TokenIssuer::ephemeral().unwrap();
        let c = claims(TimeDelta::hours(1));
        let token = issuer.mint(&c).unwrap();
        assert!(token.starts_with("v4.local."));
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)));
        assert_eq!(issuer.verify(&token).unwrap(), c);
    }

    #[test]
    fn tokens_are_unique() {
        let issuer = TokenIssuer::ephemeral().unwrap();
        let c = claims(TimeDelta::hours(1));
        assert_ne!(issuer.mint(&c).unwrap(), issuer.mint(&c).unwrap());
    }

    #[test]
    fn forged_tampered_and_expired_tokens_are_refused() {
        let issuer = TokenIssuer::ephemeral().unwrap();
        let token = issuer.mint(&claims(TimeDelta::hours(1))).unwrap();
        let other = TokenIssuer::ephemeral().unwrap();
        assert!(matches!(other.verify(&token), Err(TokenError::Invalid)));

        let mut tampered = token.clone().into_bytes();
        let i = tampered.len() - 10;
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(matches!(issuer.verify(&tampered), Err(TokenError::Invalid)));
        assert!(matches!(issuer.verify("not-a-token"), Err(TokenError::Invalid)));

        let expired = issuer.mint(&claims(TimeDelta::seconds(-1))).unwrap();
        assert!(matches!(issuer.verify(&expired), Err(TokenError::Expired)));
    }

    #[test]
    fn a_token_with_a_footer_is_refused_even_an_empty_one() {
        let issuer = TokenIssuer::ephemeral().unwrap();
        let token = issuer.mint(&claims(TimeDelta::hours(1))).unwrap();
        assert_eq!(token.matches('.').count(), 2, "minted without a footer: {token}");
        for footered in [format!("{token}."), format!("{token}.e30"), format!("{token}..")] {
            assert!(
                matches!(issuer.verify(&footered), Err(TokenError::Invalid)),
                "accepted the token with the footer {:?}",
                &footered[token.len()..]
            );
        }
        // The same claims under a footer the key authenticates: not ours.
        let payload = Paseto::<V4, Local>::try_decrypt(&token, &issuer.key, None, None).unwrap();
        let nonce = Key::<32>::try_new_random().unwrap();
        let with_footer = Paseto::<V4, Local>::builder()
            .set_payload(rusty_paseto::core::Payload::from(payload.as_str()))
            .set_footer(rusty_paseto::core::Footer::from("kid"))
            .try_encrypt(&issuer.key, &PasetoNonce::<V4, Local>::from(&nonce))
            .unwrap();
        assert!(matches!(issuer.verify(&with_footer), Err(TokenError::Invalid)));
        assert!(issuer.verify(&token).is_ok(), "the token itself still verifies");
    }

    /// A token this key made, whose payload `change` rewrote.
    fn remade(issuer: &TokenIssuer, change: impl FnOnce(&mut serde_json::Value)) -> String {
        let token = issuer.mint(&claims(TimeDelta::hours(1))).unwrap();
        let payload = Paseto::<V4, Local>::try_decrypt(&token, &issuer.key, None, None).unwrap();
        let mut payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
        change(&mut payload);
        let payload = serde_json::to_string(&payload).unwrap();
        let nonce = Key::<32>::try_new_random().unwrap();
        Paseto::<V4, Local>::builder()
            .set_payload(rusty_paseto::core::Payload::from(payload.as_str()))
            .try_encrypt(&issuer.key, &PasetoNonce::<V4, Local>::from(&nonce))
            .unwrap()
    }

    /// Tokens are standard PASETO v4.local: those minted with `pasetors`
    /// (as every token was before) verify, and ours decrypt with it.
    #[test]
    fn tokens_are_interchangeable_with_another_implementation() {
        use pasetors::keys::SymmetricKey;
        use pasetors::token::UntrustedToken;
        use pasetors::version4::LocalToken;
        let dir = tempfile::tempdir().unwrap();
        let issuer = TokenIssuer::load_or_create(dir.path()).unwrap();
        let bytes = fs::read(dir.path().join(KEY_FILE)).unwrap();
        let theirs = SymmetricKey::<pasetors::version4::V4>::from(&bytes).unwrap();

        let ours = issuer.mint(&claims(TimeDelta::hours(1))).unwrap();
        let untrusted =
            UntrustedToken::<pasetors::Local, pasetors::version4::V4>::try_from(ours.as_str());
        let opened = LocalToken::decrypt(&theirs, &untrusted.unwrap(), None, None).unwrap();
        let payload: serde_json::Value = serde_json::from_str(opened.payload()).unwrap();
        assert_eq!(payload["domainInstance"], "0123456789abcdef0123456789abcdef");

        let before = LocalToken::encrypt(&theirs, opened.payload().as_bytes(), None, None).unwrap();
        assert_eq!(issuer.verify(&before).unwrap(), claims(TimeDelta::hours(1)));
        let mut forged = before.into_bytes();
        let i = forged.len() - 5;
        forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(forged).unwrap();
        assert!(matches!(issuer.verify(&forged), Err(TokenError::Invalid)));
    }

    #[test]
    fn a_token_without_its_domain_instance_is_refused() {
        let issuer = TokenIssuer::ephemeral().unwrap();
        let unchanged = remade(&issuer, |_| {});
        assert_eq!(issuer.verify(&unchanged).unwrap(), claims(TimeDelta::hours(1)));
        // As a token minted before domains had instances.
        let without = remade(&issuer, |p| {
            p.as_object_mut().unwrap().remove("domainInstance").unwrap();
        });
        assert!(matches!(issuer.verify(&without), Err(TokenError::Invalid)));
        let empty = remade(&issuer, |p| p["domainInstance"] = "".into());
        assert!(matches!(issuer.verify(&empty), Err(TokenError::Invalid)));
    }

    #[test]
    fn remembered_tokens_still_expire_and_altered_ones_still_fail() {
        let issuer = TokenIssuer::ephemeral().unwrap();
        let token = issuer.mint(&claims(TimeDelta::hours(1))).unwrap();
        assert!(issuer.verify(&token).is_ok());
        assert_eq!(issuer.remembered().len(), 1, "a verified token is remembered");
        let mut altered = token.clone();
        altered.push('A');
        assert!(matches!(issuer.verify(&altered), Err(TokenError::Invalid)));
        // The remembered claims' expiry is checked on every hit.
        let digest: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        issuer.remembered().get_mut(&digest).unwrap().expiration = Utc::now();
        assert!(matches!(issuer.verify(&token), Err(TokenError::Expired)));
    }

    #[test]
    fn the_memory_of_verified_tokens_is_bounded() {
        let issuer = TokenIssuer::ephemeral().unwrap();
        let c = claims(TimeDelta::hours(1));
        for _ in 0..VERIFIED_CAPACITY + 5 {
            issuer.verify(&issuer.mint(&c).unwrap()).unwrap();
        }
        assert!(issuer.remembered().len() <= VERIFIED_CAPACITY);
    }

    #[test]
    fn the_key_persists_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let first = TokenIssuer::load_or_create(dir.path()).unwrap();
        let mode = fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!TokenIssuer::key_file_is_exposed(dir.path()));

        let token = first.mint(&claims(TimeDelta::hours(1))).unwrap();
        let second = TokenIssuer::load_or_create(dir.path()).unwrap();
        assert!(second.verify(&token).is_ok(), "a restarted server accepts its old tokens");
    }

    #[test]
    fn a_damaged_key_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        let err = TokenIssuer::load_or_create(dir.path()).unwrap_err().to_string();
        assert!(err.contains("holds 5 bytes"), "{err}");
    }
}
