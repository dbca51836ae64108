//! The server's configuration: a TOML file, or the development setup.
//!
//! The file names domains (each with an optional domain permissions policy),
//! accounts with their root keys, IAM users (long-term keys) and roles (with
//! sessions: temporary keys, a session token and an expiry), the IAM policies
//! attached to users and roles, an optional region pin, an optional
//! per-principal rate limit and the log level. Everything is checked at load,
//! policies included, so a mistake stops the server at start with the file
//! and the problem named, never at request time.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use chrono::{DateTime, Utc};
use codeartifact_api::{AccountId, DomainName, RepositoryName};
use dropshot::ConfigLoggingLevel;
use serde::Deserialize;

use crate::policy::{Policy, PolicyKind};

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
    /// The value of `aws:SecureTransport`. The server speaks plain HTTP, so
    /// `false` by default; set it when a TLS proxy fronts the server.
    #[serde(default)]
    pub secure_transport: bool,
    /// The URL package managers reach this server at, such as
    /// `https://codeartifact.example.com` behind a TLS proxy; repository
    /// endpoints start with it. When absent: `http://` (`https://` with
    /// `secure_transport`) and the `Host` the caller sent.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Limits on what the API may create; AWS's defaults when absent.
    #[serde(default)]
    pub quotas: Quotas,
    #[serde(default)]
    pub domains: Vec<DomainConfig>,
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
}

fn default_log_level() -> ConfigLoggingLevel {
    ConfigLoggingLevel::Info
}

/// Service quotas. CreateDomain and CreateRepository beyond them are a
/// ServiceQuotaExceededException, as on AWS; configured domains and
/// repositories do not count against them when they are created at start.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Quotas {
    /// Domains one account may have in one region (AWS: 10).
    pub domains_per_account: u32,
    /// Repositories one domain may have (AWS: 1000).
    pub repositories_per_domain: u32,
}

impl Default for Quotas {
    fn default() -> Self {
        Self { domains_per_account: 10, repositories_per_domain: 1000 }
    }
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
    /// The domain permissions policy (a resource-based policy).
    #[serde(default)]
    pub policy: Option<PolicyConfig>,
    /// The region the domain lives in; requests signed for another region do
    /// not find it. Defaults to the pinned `region`; with neither, the domain
    /// answers in every region (and a policy that names a region in its ARN
    /// can be sidestepped by signing for another: pin one to rely on that).
    #[serde(default)]
    pub region: Option<String>,
    /// Repositories the domain starts with. They and the domain are created
    /// at start when missing; what the API changed is kept.
    #[serde(default)]
    pub repositories: Vec<String>,
}

impl DomainConfig {
    /// The region the domain lives in: its own, else the server's pinned
    /// one; `None` means every region.
    pub fn region_in(&self, config: &Config) -> Option<String> {
        self.region.clone().or_else(|| config.region.clone())
    }
}

/// An IAM policy document, inline or in a file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Names the policy in logs and errors.
    #[serde(default)]
    pub name: Option<String>,
    /// The document as JSON text, or as a TOML table written like the JSON.
    #[serde(default)]
    pub document: Option<toml::Value>,
    /// A JSON file holding the document, relative to the config file.
    #[serde(default)]
    pub file: Option<PathBuf>,
    #[serde(skip)]
    compiled: Option<Arc<Policy>>,
}

impl PolicyConfig {
    /// The parsed policy; present once the configuration has been loaded.
    pub fn policy(&self) -> Option<&Arc<Policy>> {
        self.compiled.as_ref()
    }

    /// Reads (from `base_dir` for a file) and parses the document.
    fn compile(
        &mut self,
        base_dir: &Path,
        kind: PolicyKind,
        default_name: &str,
        parsed: &mut ParsedPolicies,
    ) -> anyhow::Result<()> {
        let name = self.name.clone().unwrap_or_else(|| default_name.to_string());
        let document: serde_json::Value = match (&self.document, &self.file) {
            (Some(toml::Value::String(text)), None) => serde_json::from_str(text)
                .with_context(|| format!("policy '{name}': the document is not JSON"))?,
            (Some(table), None) => serde_json::to_value(table)
                .with_context(|| format!("policy '{name}': the document is not JSON"))?,
            (None, Some(file)) => {
                let path = base_dir.join(file);
                let text = std::fs::read_to_string(&path).with_context(|| {
                    format!("policy '{name}': failed to read {}", path.display())
                })?;
                serde_json::from_str(&text)
                    .with_context(|| format!("policy '{name}': {} is not JSON", path.display()))?
            }
            _ => bail!("policy '{name}': give exactly one of `document` and `file`"),
        };
        let key = (kind, name, document.to_string());
        let policy = match parsed.get(&key) {
            Some(policy) => policy.clone(),
            None => {
                let policy = Arc::new(Policy::parse(&key.1, kind, &document)?);
                parsed.insert(key, policy.clone());
                policy
            }
        };
        self.compiled = Some(policy);
        Ok(())
    }
}

/// Policies already parsed, by kind, name and document: many principals
/// holding the same policy share one copy.
type ParsedPolicies = HashMap<(PolicyKind, String, String), Arc<Policy>>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub id: String,
    /// Keys of the account's root user, `arn:aws:iam::<id>:root`.
    #[serde(default)]
    pub root_access_keys: Vec<AccessKeyConfig>,
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
    /// Identity policies attached to the user.
    #[serde(default)]
    pub policies: Vec<PolicyConfig>,
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
    /// Identity policies attached to the role, which apply to its sessions.
    #[serde(default)]
    pub policies: Vec<PolicyConfig>,
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

/// The development setup: one account, one domain, an IAM user with AWS's
/// documented example keys and a role session that expires an hour after
/// start, both allowed to get tokens. Not for production.
pub mod development {
    pub const ACCOUNT: &str = "111122223333";
    pub const DOMAIN: &str = "demo";
    pub const REPOSITORY: &str = "demo-repo";
    pub const USER: &str = "demo";
    pub const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
    pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    pub const ROLE: &str = "demo-role";
    pub const SESSION: &str = "demo-session";
    pub const SESSION_ACCESS_KEY_ID: &str = "ASIAIOSFODNN7EXAMPLE";
    pub const SESSION_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
    /// AWS's documented example session token.
    pub const SESSION_TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    /// The policy both principals hold: everything in CodeArtifact on the
    /// account's own resources, listing domains (whose resource is `*`), and
    /// bearer tokens for CodeArtifact.
    pub const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "CodeArtifactInThisAccount",
      "Effect": "Allow",
      "Action": "codeartifact:*",
      "Resource": "arn:aws:codeartifact:*:111122223333:*"
    },
    {
      "Sid": "ListDomains",
      "Effect": "Allow",
      "Action": "codeartifact:ListDomains",
      "Resource": "*"
    },
    {
      "Sid": "BearerTokensForCodeArtifact",
      "Effect": "Allow",
      "Action": "sts:GetServiceBearerToken",
      "Resource": "*",
      "Condition": { "StringEquals": { "sts:AWSServiceName": "codeartifact.amazonaws.com" } }
    }
  ]
}"#;
}

impl Config {
    /// The configuration used when no file is given; its session expires an
    /// hour after `now`.
    pub fn development(now: DateTime<Utc>) -> Self {
        use development::*;
        let expiration =
            (now + chrono::TimeDelta::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // A JSON string literal is also a TOML basic string.
        let policy = serde_json::Value::String(POLICY.to_string()).to_string();
        let text = format!(
            r#"
            [[domains]]
            name = "{DOMAIN}"
            owner = "{ACCOUNT}"
            repositories = ["{REPOSITORY}"]

            [[accounts]]
            id = "{ACCOUNT}"

            [[accounts.users]]
            name = "{USER}"
            access_keys = [{{ access_key_id = "{ACCESS_KEY_ID}", secret_access_key = "{SECRET_ACCESS_KEY}" }}]
            policies = [{{ name = "demo-access", document = {policy} }}]

            [[accounts.roles]]
            name = "{ROLE}"
            policies = [{{ name = "demo-access", document = {policy} }}]

            [[accounts.roles.sessions]]
            name = "{SESSION}"
            access_key_id = "{SESSION_ACCESS_KEY_ID}"
            secret_access_key = "{SESSION_SECRET_ACCESS_KEY}"
            session_token = "{SESSION_TOKEN}"
            expiration = "{expiration}"
            "#
        );
        Self::parse(&text).expect("the development setup is a valid configuration")
    }

    /// Reads and checks a configuration file; errors name the file. Policy
    /// files are found relative to it.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read config file {}", path.display()))?;
        let base_dir = path.parent().unwrap_or(Path::new("."));
        Self::parse_in(&text, base_dir)
            .with_context(|| format!("invalid config file {}", path.display()))
    }

    /// Parses and checks a configuration from TOML text; policy files are
    /// found relative to the current directory.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        Self::parse_in(text, Path::new("."))
    }

    /// Parses and checks a configuration from TOML text; policy files are
    /// found relative to `base_dir`.
    pub fn parse_in(text: &str, base_dir: &Path) -> anyhow::Result<Self> {
        let mut config: Config = toml::from_str(text)?;
        config.compile_policies(base_dir)?;
        config.check()?;
        Ok(config)
    }

    fn compile_policies(&mut self, base_dir: &Path) -> anyhow::Result<()> {
        let parsed = &mut ParsedPolicies::new();
        for domain in &mut self.domains {
            if let Some(policy) = &mut domain.policy {
                let name = format!("domain {} policy", domain.name);
                policy
                    .compile(base_dir, PolicyKind::Resource, &name, parsed)
                    .with_context(|| format!("domain '{}'", domain.name))?;
            }
        }
        for account in &mut self.accounts {
            for user in &mut account.users {
                for (i, policy) in user.policies.iter_mut().enumerate() {
                    let name = format!("{} policy {i}", user.name);
                    policy.compile(base_dir, PolicyKind::Identity, &name, parsed).with_context(
                        || format!("user '{}' of account {}", user.name, account.id),
                    )?;
                }
            }
            for role in &mut account.roles {
                for (i, policy) in role.policies.iter_mut().enumerate() {
                    let name = format!("{} policy {i}", role.name);
                    policy.compile(base_dir, PolicyKind::Identity, &name, parsed).with_context(
                        || format!("role '{}' of account {}", role.name, account.id),
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Checks what the types alone cannot: names and ids against the
    /// service's own constraints, and that nothing is defined twice.
    pub fn check(&self) -> anyhow::Result<()> {
        if let Some(region) = &self.region {
            check_region(region)?;
        }
        if let Some(url) = &self.public_url {
            check_public_url(url)?;
        }
        let mut domains = HashSet::new();
        for d in &self.domains {
            DomainName::parse(&d.name).map_err(|e| anyhow::anyhow!("domain '{}': {e}", d.name))?;
            AccountId::parse(&d.owner)
                .map_err(|e| anyhow::anyhow!("owner of domain '{}': {e}", d.name))?;
            check_compiled(d.policy.iter(), &d.name)?;
            if let Some(region) = &d.region {
                check_region(region).with_context(|| format!("domain '{}'", d.name))?;
                if self.region.as_ref().is_some_and(|pinned| pinned != region) {
                    bail!(
                        "domain '{}' is in {region}, but the server is pinned to another region",
                        d.name
                    );
                }
            }
            if !domains.insert((&d.owner, &d.name)) {
                bail!("domain '{}' of account {} is defined twice", d.name, d.owner);
            }
            let mut repositories = HashSet::new();
            for r in &d.repositories {
                RepositoryName::parse(r)
                    .map_err(|e| anyhow::anyhow!("repository '{r}' of domain '{}': {e}", d.name))?;
                if !repositories.insert(r) {
                    bail!("repository '{r}' of domain '{}' is listed twice", d.name);
                }
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
            for key in &account.root_access_keys {
                let whose = format!("root user of account {}", account.id);
                check_key(&key.access_key_id, &key.secret_access_key, &whose)?;
            }
            let mut names = HashSet::new();
            for user in &account.users {
                check_iam_name(&user.name, "user")?;
                check_compiled(&user.policies, &user.name)?;
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
                check_compiled(&role.policies, &role.name)?;
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

/// Policies are parsed when a file is loaded; a configuration built any
/// other way must have been loaded too.
fn check_compiled<'a>(
    policies: impl IntoIterator<Item = &'a PolicyConfig>,
    owner: &str,
) -> anyhow::Result<()> {
    if policies.into_iter().any(|p| p.compiled.is_none()) {
        bail!("a policy of '{owner}' was not loaded; build configurations with Config::parse");
    }
    Ok(())
}

/// An absolute http(s) URL with a host and nothing after the path, which
/// repository paths are appended to.
fn check_public_url(url: &str) -> anyhow::Result<()> {
    let uri: http::Uri = url.parse().with_context(|| format!("public_url '{url}' is not a URL"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    if !scheme_ok || uri.host().is_none() || uri.query().is_some() || url.contains('@') {
        bail!("public_url '{url}' must be an http:// or https:// URL with a host and no query");
    }
    Ok(())
}

fn check_region(region: &str) -> anyhow::Result<()> {
    if !crate::sigv4::is_region_name(region) {
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

    /// Every TOML example of the README loads, with the policy files it
    /// names written beside it.
    #[test]
    fn the_readme_examples_are_valid() {
        let readme = include_str!("../../README.md");
        let dir = tempfile::tempdir().unwrap();
        let identity = r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#;
        let resource = r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}"#;
        std::fs::create_dir(dir.path().join("policies")).unwrap();
        for (file, text) in [
            ("policies/ci-tokens.json", identity),
            ("ci-tokens.json", identity),
            ("alice.json", identity),
            ("domain-policy.json", resource),
        ] {
            std::fs::write(dir.path().join(file), text).unwrap();
        }
        let blocks: Vec<&str> =
            readme.split("```toml\n").skip(1).map(|b| &b[..b.find("```").unwrap()]).collect();
        assert_eq!(blocks.len(), 2, "the README's TOML examples");
        for (i, block) in blocks.iter().enumerate() {
            let path = dir.path().join(format!("example-{i}.toml"));
            std::fs::write(&path, block).unwrap();
            let config = Config::load(&path).unwrap_or_else(|e| panic!("example {i}: {e:#}"));
            assert!(!config.accounts.is_empty());
        }
    }

    #[test]
    fn principals_with_the_same_policy_share_one_copy() {
        let c = Config::development(Utc::now());
        let user = c.accounts[0].users[0].policies[0].policy().unwrap();
        let role = c.accounts[0].roles[0].policies[0].policy().unwrap();
        assert!(Arc::ptr_eq(user, role));
    }

    #[test]
    fn the_development_setup_is_valid() {
        let config = Config::development(Utc::now());
        config.check().unwrap();
        assert!(config.accounts[0].users[0].policies[0].policy().is_some());
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
            (format!("public_url = \"ftp://files.example.com\"\n{FULL}"), "public_url"),
            (format!("public_url = \"https://a.example.com/?x=1\"\n{FULL}"), "public_url"),
            (
                FULL.replace(
                    "name = \"my-domain\"",
                    "name = \"my-domain\"\nrepositories = [\"r1\", \"r1\"]",
                ),
                "listed twice",
            ),
            (
                FULL.replace(
                    "name = \"my-domain\"",
                    "name = \"my-domain\"\nrepositories = [\"-r\"]",
                ),
                "repository '-r'",
            ),
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
