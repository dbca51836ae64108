//! The server's configuration file: its syntax, and nothing else.
//!
//! The file names domains (each with an optional domain permissions policy),
//! accounts with their root keys, IAM users (long-term keys) and roles (with
//! sessions: temporary keys, a session token and an expiry), the IAM policies
//! attached to users and roles, an optional region pin, an optional
//! per-principal rate limit and the log level. [`Config::load`] reads the
//! file and [`check`] checks what the types cannot; the running pieces
//! (principals, compiled policies, the rate limiter, the configured domains)
//! are built from it by [`crate::setup`], which also parses the policies, so
//! a mistake stops the server at start with the file and the problem named,
//! never at request time. [`development`] is the setup that runs without a
//! file.

mod check;
pub mod development;

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
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
    /// Where each external connection reads through to, by name
    /// (`"public:npmjs" = "http://npm-mirror.internal/"`, an npm registry;
    /// `"public:pypi" = "http://pypi-mirror.internal/simple/"`, a PEP 503
    /// simple index). None by default: this server goes to no public host
    /// unless told to, and a connection with no URL finds nothing.
    #[serde(default)]
    pub external_connections: std::collections::BTreeMap<String, String>,
    /// Limits on what the API may create; AWS's defaults when absent.
    #[serde(default)]
    pub quotas: Quotas,
    /// Limits on client connections and how long they may take.
    #[serde(default)]
    pub connections: Connections,
    /// The largest package asset (npm tarball, wheel, sdist) accepted, in
    /// bytes; 1 GiB by default.
    #[serde(default = "default_max_asset_size")]
    pub max_asset_size: u64,
    #[serde(default)]
    pub domains: Vec<DomainConfig>,
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    /// The folder policy files are found in: the config file's.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The file it was read from, if any, for error messages.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

fn default_max_asset_size() -> u64 {
    1 << 30
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

/// Limits on client connections (`[connections]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Connections {
    /// Client connections open at once. When full, an idle one makes room
    /// (see [`crate::http::gate`]); if none can, one more is answered `503`
    /// with `Retry-After` and closed. Lowered at start to what the
    /// process's file-descriptor limit allows.
    pub max: usize,
    /// A connection on which no byte moves either way for this long, while
    /// it is not waiting for an answer, is closed: one that never sends, one
    /// whose request's head stopped, one kept alive unused, one whose client
    /// stopped reading its answer.
    pub idle_timeout_seconds: u64,
    /// The same for a connection waiting for its answer (its request's
    /// head sent, nothing back yet): the server may be working on it,
    /// reading through to an external connection say.
    pub request_timeout_seconds: u64,
    /// An operation's body (1 MiB at most) must arrive within this long,
    /// however it trickles in.
    pub body_timeout_seconds: u64,
    /// On SIGTERM or SIGINT, requests in flight get this long to finish;
    /// then every connection is closed and the server exits.
    pub shutdown_grace_seconds: u64,
}

impl Default for Connections {
    fn default() -> Self {
        Self {
            max: 1024,
            idle_timeout_seconds: 30,
            request_timeout_seconds: 600,
            body_timeout_seconds: 30,
            shutdown_grace_seconds: 10,
        }
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
}

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

impl Config {
    /// Reads and checks a configuration file; errors name the file. Policy
    /// files are found relative to it.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read config file {}", path.display()))?;
        let base_dir = path.parent().unwrap_or(Path::new("."));
        let config = Self::parse_in(&text, base_dir)
            .with_context(|| format!("invalid config file {}", path.display()))?;
        Ok(Self { source: Some(path.to_path_buf()), ..config })
    }

    /// What a mistake in it is called: the file's name, when it has one.
    pub fn invalid(&self) -> String {
        match &self.source {
            Some(path) => format!("invalid config file {}", path.display()),
            None => "invalid configuration".to_string(),
        }
    }

    /// Parses and checks a configuration from TOML text; policy files are
    /// found relative to `base_dir`.
    pub fn parse_in(text: &str, base_dir: &Path) -> anyhow::Result<Self> {
        let config = Config { base_dir: base_dir.to_path_buf(), ..toml::from_str(text)? };
        check::check(&config)?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests;
