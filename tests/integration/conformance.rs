//! The conformance suite (the `codeartifact-conformance` library, which the
//! binary's `conformance` subcommand runs against any endpoint) against our
//! own server: read-only and with writes, no check may fail, every
//! operation of the spec must be covered, and nothing the run made is left.

use std::sync::Arc;

use codeartifact_client::types;
use codeartifact_conformance::{run_until, Credentials, Options, Outcome, Report, Suite};
use codeartifact_tests::{TestServer, USER};

async fn run(server: &TestServer, allow_writes: bool, prefix: &str) -> (Report, Vec<String>) {
    let options = Options {
        endpoint_url: server.url.clone(),
        allow_writes,
        prefix: prefix.to_string(),
        operations: Vec::new(),
    };
    let suite = Arc::new(Suite::new(options, Credentials::new(USER.signer())).unwrap());
    let (report, left, interrupted) = run_until(suite.clone(), std::future::pending()).await;
    assert!(!interrupted);
    let failures: Vec<String> = report
        .failures()
        .map(|f| format!("{} / {}: {:?}", f.operation, f.check, f.outcome))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}\n{}",
        failures.len(),
        failures.join("\n"),
        report.table()
    );
    let covered = report.operations();
    for op in &suite.spec().operations {
        assert!(covered.contains(op.id.as_str()), "{} has no check", op.id);
    }
    (report, left)
}

fn passed(report: &Report, op: &str, check: &str) -> bool {
    report
        .results
        .iter()
        .any(|r| r.operation == op && r.check == check && r.outcome == Outcome::Pass)
}

#[tokio::test]
async fn conformance_read_only_then_with_writes() {
    let server = TestServer::start().await;

    let (report, left) = run(&server, false, "conformance-ro").await;
    assert!(left.is_empty(), "{left:?}");
    // Read-only reads what the configuration seeded, and writes nothing.
    assert!(passed(&report, "DescribeDomain", "success"), "{}", report.table());
    assert!(
        passed(&report, "ListDomains", "body maxResults: maximum+1 (1001)"),
        "{}",
        report.table()
    );
    assert!(report
        .results
        .iter()
        .any(|r| r.operation == "CreateDomain" && matches!(r.outcome, Outcome::Skip(_))));

    let (report, left) = run(&server, true, "conformance-rw").await;
    assert!(left.is_empty(), "{left:?}");
    for op in ["CreateDomain", "PublishPackageVersion", "CopyPackageVersions", "DeleteDomain"] {
        assert!(passed(&report, op, "success"), "{op}\n{}", report.table());
    }
    assert!(
        passed(&report, "CreateDomain", "ConflictException (created twice)"),
        "{}",
        report.table()
    );

    // Nothing of the run is left on the server.
    let client = server.client(*USER);
    let listed = client.list_domains().body(types::ListDomainsRequest::default()).send().await;
    let domains = listed.unwrap().into_inner();
    let names: Vec<_> = domains.domains.iter().map(|d| d.name.to_string()).collect();
    assert!(names.iter().all(|n| !n.starts_with("conformance-")), "{names:?}");
    server.stop().await;
}

/// A prefix that names a domain the run did not make: the run's create is
/// refused, and cleanup leaves that domain (and its repository) alone.
#[tokio::test]
async fn with_writes_a_taken_name_is_never_cleaned_up() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    client.create_domain().domain("somebodys").send().await.unwrap();
    client
        .create_repository()
        .domain("somebodys")
        .repository("somebodys-repo")
        .send()
        .await
        .unwrap();

    let options = Options {
        endpoint_url: server.url.clone(),
        allow_writes: true,
        prefix: "somebodys".to_string(),
        operations: Vec::new(),
    };
    let suite = Arc::new(Suite::new(options, Credentials::new(USER.signer())).unwrap());
    let (report, left, _) = run_until(suite, std::future::pending()).await;
    assert!(left.is_empty(), "{left:?}");
    assert!(report.failures().any(|f| f.operation == "CreateDomain"), "{}", report.table());
    client.describe_domain().domain("somebodys").send().await.expect("the domain is still there");
    let repository = client.describe_repository().domain("somebodys").repository("somebodys-repo");
    repository.send().await.expect("the repository is still there");
    server.stop().await;
}
