//! The checks a configuration file must pass beyond its types: names and
//! ids as the service constrains them, and nothing defined twice.

use std::collections::HashSet;

use anyhow::{bail, Context as _};
use codeartifact_api::{AccountId, DomainName, RepositoryName};

use super::Config;

/// The largest `max_asset_size` accepted: 1 TiB.
const MAX_ASSET_SIZE: u64 = 1 << 40;

/// Checks what the types alone cannot: names and ids against the service's
/// own constraints, and that nothing is defined twice.
pub(super) fn check(config: &Config) -> anyhow::Result<()> {
    if !(1..=MAX_ASSET_SIZE).contains(&config.max_asset_size) {
        bail!("max_asset_size must be from 1 to {MAX_ASSET_SIZE} bytes (1 TiB)");
    }
    let connections = &config.connections;
    if !(1..=1_000_000).contains(&connections.max) {
        bail!("connections.max must be from 1 to 1000000");
    }
    for (name, seconds) in [
        ("idle_timeout_seconds", connections.idle_timeout_seconds),
        ("request_timeout_seconds", connections.request_timeout_seconds),
        ("body_timeout_seconds", connections.body_timeout_seconds),
    ] {
        if !(1..=86_400).contains(&seconds) {
            bail!("connections.{name} must be from 1 to 86400");
        }
    }
    if let Some(region) = &config.region {
        check_region(region)?;
    }
    if let Some(url) = &config.public_url {
        check_public_url(url)?;
    }
    for (name, url) in &config.external_connections {
        if !codeartifact_api::EXTERNAL_CONNECTIONS.iter().any(|(known, _)| known == name) {
            bail!("external_connections: '{name}' is not an external connection AWS offers");
        }
        // The URL may carry credentials: a message shows it without them.
        let shown = without_userinfo(url);
        let uri: http::Uri = url
            .parse()
            .map_err(|_| anyhow::anyhow!("external connection {name}: '{shown}' is not a URL"))?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            bail!("external connection {name}: '{shown}' must be an http:// URL with a host");
        }
    }
    let mut domains = HashSet::new();
    for d in &config.domains {
        DomainName::parse(&d.name).map_err(|e| anyhow::anyhow!("domain '{}': {e}", d.name))?;
        AccountId::parse(&d.owner)
            .map_err(|e| anyhow::anyhow!("owner of domain '{}': {e}", d.name))?;
        if let Some(region) = &d.region {
            check_region(region).with_context(|| format!("domain '{}'", d.name))?;
            if config.region.as_ref().is_some_and(|pinned| pinned != region) {
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
    for account in &config.accounts {
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

/// A URL as an error message may show it: whatever stands between `//`
/// and an `@` (user and password) replaced by `***`.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("//") else { return url.to_string() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}//***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
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
    if !crate::region::is_name(region) {
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
