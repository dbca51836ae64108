//! The server's configuration: a TOML file, or the development setup.
//!
//! The file names domains, accounts with their IAM users (long-term keys) and
//! role sessions (temporary keys with a session token and an expiry), an
//! optional region pin, an optional per-principal rate limit and the log
//! level. Everything is checked at load, so a mistake stops the server at
//! start with the file and the problem named, never at request time.

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::path::Path;

use anyhow::{bail, Context as _};
use chrono::{DateTime, Utc};
use codeartifact_api::{AccountId, DomainName};
use dropshot::ConfigLoggingLevel;
use serde::Deserialize;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// When set, only requests signed for this region are accepted; when
    /// absent, any region is, and it appears in the domain ARNs.
    #[serde(default)]
    pub region: Option<String>,
    /// Log level: trace, debug, info, warn, error or critical.
    #[serde(default = "default_log_level")]
    pub log_level: ConfigLoggingLevel,
    /// Requests per second allowed to each principal; off when absent.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    #[serde(default)]
    pub domains: Vec<DomainConfig>,
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
}

fn default_log_level() -> ConfigLoggingLevel {
    ConfigLoggingLevel::Info
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per second, per principal.
    pub requests_per_second: NonZeroU32,
    /// Requests a principal may make at once after being idle; defaults to
    /// `requests_per_second`.
    #[serde(default)]
    pub burst: Option<NonZeroU32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainConfig {
    pub name: String,
    /// The 12-digit account that owns the domain.
    pub owner: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub id: String,
    #[serde(default)]
    pub users: Vec<UserConfig>,
    #[serde(default)]
    pub roles: Vec<RoleConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub name: String,
    #[serde(default)]
    pub access_keys: Vec<AccessKeyConfig>,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyConfig {
    pub access_key_id: String,
    pub secret_access_key: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    pub name: String,
    #[serde(default)]
    pub sessions: Vec<SessionConfig>,
}

/// A role session, as `sts:AssumeRole` would have returned it.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    pub name: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// When the session's credentials expire (RFC 3339).
    pub expiration: DateTime<Utc>,
}

// Secrets never reach a log through `{:?}`.
impl std::fmt::Debug for AccessKeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeyConfig")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("name", &self.name)
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// The development setup's account, domain and IAM user, with AWS's
/// documented example keys. Not for production.
pub mod development {
    pub const ACCOUNT: &str = "111122223333";
    pub const DOMAIN: &str = "demo";
    pub const USER: &str = "demo";
    pub const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
    pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
}

impl Config {
    /// The configuration used when no file is given.
    pub fn development() -> Self {
        use development::*;
        Self {
            region: None,
            log_level: default_log_level(),
            rate_limit: None,
            domains: vec![DomainConfig { name: DOMAIN.into(), owner: ACCOUNT.into() }],
            accounts: vec![AccountConfig {
                id: ACCOUNT.into(),
                users: vec![UserConfig {
                    name: USER.into(),
                    access_keys: vec![AccessKeyConfig {
                        access_key_id: ACCESS_KEY_ID.into(),
                        secret_access_key: SECRET_ACCESS_KEY.into(),
                    }],
                }],
                roles: Vec::new(),
            }],
        }
    }

    /// Reads and checks a configuration file; errors name the file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read config file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("invalid config file {}", path.display()))
    }

    /// Parses and checks a configuration from TOML text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let config: Config = toml::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    /// Checks what the types alone cannot: names and ids against the
    /// service's own constraints, and that nothing is defined twice.
    pub fn check(&self) -> anyhow::Result<()> {
        if let Some(region) = &self.region {
            check_region(region)?;
        }
        let mut domains = HashSet::new();
        for d in &self.domains {
            DomainName::parse(&d.name).map_err(|e| anyhow::anyhow!("domain '{}': {e}", d.name))?;
            AccountId::parse(&d.owner)
                .map_err(|e| anyhow::anyhow!("owner of domain '{}': {e}", d.name))?;
            if !domains.insert((&d.owner, &d.name)) {
                bail!("domain '{}' of account {} is defined twice", d.name, d.owner);
            }
        }
        let mut accounts = HashSet::new();
        let mut keys = HashSet::new();
        let mut check_key = |id: &str, secret: &str, whose: &str| -> anyhow::Result<()> {
            if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                bail!("{whose}: access key id '{id}' must be 1 to 128 letters and digits");
            }
            if secret.is_empty() {
                bail!("{whose}: the secret access key is empty");
            }
            if !keys.insert(id.to_string()) {
                bail!("{whose}: access key id '{id}' is used more than once");
            }
            Ok(())
        };
        for account in &self.accounts {
            AccountId::parse(&account.id)
                .map_err(|e| anyhow::anyhow!("account '{}': {e}", account.id))?;
            if !accounts.insert(&account.id) {
                bail!("account {} is defined twice", account.id);
            }
            let mut names = HashSet::new();
            for user in &account.users {
                check_iam_name(&user.name, "user")?;
                if !names.insert(("user", &user.name)) {
                    bail!("user '{}' of account {} is defined twice", user.name, account.id);
                }
                for key in &user.access_keys {
                    let whose = format!("user '{}' of account {}", user.name, account.id);
                    check_key(&key.access_key_id, &key.secret_access_key, &whose)?;
                }
            }
            for role in &account.roles {
                check_iam_name(&role.name, "role")?;
                if !names.insert(("role", &role.name)) {
                    bail!("role '{}' of account {} is defined twice", role.name, account.id);
                }
                for session in &role.sessions {
                    let whose = format!(
                        "session '{}' of role '{}' in account {}",
                        session.name, role.name, account.id
                    );
                    check_iam_name(&session.name, "session")?;
                    check_key(&session.access_key_id, &session.secret_access_key, &whose)?;
                    if session.session_token.is_empty() {
                        bail!("{whose}: the session token is empty");
                    }
                }
            }
        }
        Ok(())
    }

    /// The ARN and expiry of every session that has already expired, for a
    /// warning at start.
    pub fn expired_sessions(&self, now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
        let mut out = Vec::new();
        for account in &self.accounts {
            for role in &account.roles {
                for s in &role.sessions {
                    if s.expiration <= now {
                        let arn = crate::identity::session_arn(&account.id, &role.name, &s.name);
                        out.push((arn, s.expiration));
                    }
                }
            }
        }
        out
    }
}

fn check_region(region: &str) -> anyhow::Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 32
        && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        bail!("region '{region}' is not a region name such as 'us-east-1'");
    }
    Ok(())
}

/// IAM user, role and session names: 1..64 of `[\w+=,.@-]`.
fn check_iam_name(name: &str, what: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if !ok {
        bail!("{what} name '{name}' must be 1 to 64 of letters, digits and _+=,.@-");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
        region = "eu-west-1"
        log_level = "debug"

        [rate_limit]
        requests_per_second = 5
        burst = 10

        [[domains]]
        name = "my-domain"
        owner = "123456789012"

        [[accounts]]
        id = "123456789012"

        [[accounts.users]]
        name = "alice"
        access_keys = [{ access_key_id = "AKIAALICE0000000EXAMPLE", secret_access_key = "s1" }]

        [[accounts.roles]]
        name = "ci"

        [[accounts.roles.sessions]]
        name = "build-1"
        access_key_id = "ASIABUILD0000000EXAMPLE"
        secret_access_key = "s2"
        session_token = "token"
        expiration = "2030-01-01T00:00:00Z"
    "#;

    #[test]
    fn a_full_config_parses() {
        let c = Config::parse(FULL).unwrap();
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
        assert_eq!(c.rate_limit.unwrap().burst.unwrap().get(), 10);
        assert_eq!(c.accounts[0].roles[0].sessions[0].expiration.timestamp(), 1_893_456_000);
    }

    #[test]
    fn the_readme_example_is_valid() {
        let readme = include_str!("../../README.md");
        let start = readme.find("```toml\n").expect("the README has a TOML example") + 8;
        let end = start + readme[start..].find("```").unwrap();
        let config = Config::parse(&readme[start..end]).unwrap();
        assert_eq!(config.accounts[0].roles[0].sessions.len(), 1);
    }

    #[test]
    fn the_development_setup_is_valid() {
        Config::development().check().unwrap();
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (FULL.replace("my-domain", "My_Domain"), "domain 'My_Domain'"),
            (FULL.replace("owner = \"123456789012\"", "owner = \"1234\""), "owner of domain"),
            (FULL.replace("ASIABUILD0000000EXAMPLE", "AKIAALICE0000000EXAMPLE"), "more than once"),
            (FULL.replace("log_level = \"debug\"", "log_level = \"loud\""), "log_level"),
            (FULL.replace("burst = 10", "burst = 10\nbursts = 1"), "unknown field"),
            (FULL.replace("2030-01-01T00:00:00Z", "tomorrow"), "expiration"),
            (FULL.replace("requests_per_second = 5", "requests_per_second = 0"), "nonzero"),
        ];
        for (text, expected) in cases {
            let err = format!("{:#}", Config::parse(&text).unwrap_err());
            assert!(err.contains(expected), "expected '{expected}' in: {err}");
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let c = Config::parse(FULL).unwrap();
        let shown = format!("{c:?}");
        assert!(shown.contains("AKIAALICE0000000EXAMPLE"));
        assert!(!shown.contains("s1") && !shown.contains("\"token\""), "{shown}");
    }
}
