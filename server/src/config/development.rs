//! The development setup: `development.toml`, built into the binary, with
//! its one policy document (`demo-access.json`) beside it. Not for
//! production: anyone can sign with AWS's documented example keys.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use super::Config;

const TOML: &str = include_str!("development.toml");
const POLICY: &str = include_str!("demo-access.json");
/// How long the role session lasts from start.
const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(1);

/// The development configuration, its session expiring an hour after `now`.
pub fn config(now: DateTime<Utc>) -> Config {
    let expiration = (now + SESSION_LIFETIME).to_rfc3339_opts(SecondsFormat::Secs, true);
    // The policy goes in as a TOML basic string: JSON-escaped, quotes included.
    let policy = serde_json::Value::String(POLICY.to_string()).to_string();
    let text = TOML.replace("@EXPIRATION@", &expiration).replace("\"@POLICY@\"", &policy);
    Config::parse_in(&text, Path::new(".")).expect("the development setup is a valid configuration")
}
