//! The configuration file: what parses, and the mistakes that are named.

use std::path::Path;

use super::*;

fn parse(text: &str) -> anyhow::Result<Config> {
    Config::parse_in(text, Path::new("."))
}

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
    let c = parse(FULL).unwrap();
    assert_eq!(c.region.as_deref(), Some("eu-west-1"));
    assert_eq!(c.rate_limit.unwrap().burst.unwrap().get(), 10);
    assert_eq!(c.accounts[0].roles[0].sessions[0].expiration.timestamp(), 1_893_456_000);
}

/// Every TOML example of the README loads, with the policy files it
/// names written beside it.
#[test]
fn the_readme_examples_are_valid() {
    let readme = include_str!("../../../README.md");
    let dir = tempfile::tempdir().unwrap();
    let identity = r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#;
    let resource =
        r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}"#;
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
fn the_development_setup_is_valid() {
    let config = development::config(Utc::now());
    assert_eq!(config.accounts[0].users[0].policies[0].name.as_deref(), Some("demo-access"));
    assert!(config.accounts[0].roles[0].sessions[0].expiration > Utc::now());
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
            FULL.replace("name = \"my-domain\"", "name = \"my-domain\"\nrepositories = [\"-r\"]"),
            "repository '-r'",
        ),
        (FULL.replace("requests_per_second = 5", "requests_per_second = 0"), "nonzero"),
        (format!("max_asset_size = 0\n{FULL}"), "max_asset_size"),
        (
            format!(
                "external_connections = {{ \"public:npmjs\" = \"ftp://u:secret@h/\" }}\n{FULL}"
            ),
            "'ftp://***@h/' must be an http:// URL",
        ),
        (
            format!("external_connections = {{ \"public:nope\" = \"http://h/\" }}\n{FULL}"),
            "not an external connection",
        ),
        (format!("max_asset_size = 1099511627777\n{FULL}"), "max_asset_size"),
    ];
    for (text, expected) in cases {
        let err = format!("{:#}", parse(&text).unwrap_err());
        assert!(err.contains(expected), "expected '{expected}' in: {err}");
    }
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let c = parse(FULL).unwrap();
    let shown = format!("{c:?}");
    assert!(shown.contains("AKIAALICE0000000EXAMPLE"));
    assert!(!shown.contains("s1") && !shown.contains("\"token\""), "{shown}");
}
