//! AWS's own Rust SDK (aws-sdk-codeartifact) against the server: its
//! generated deserializers and error parsers are stricter than botocore's
//! (an integer `expiration`, a lowercase `message`, an enforced
//! Content-Length), so what it accepts, AWS's Rust users get.

use aws_sdk_codeartifact::config::retry::RetryConfig;
use aws_sdk_codeartifact::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_codeartifact::error::ProvideErrorMetadata;
use aws_sdk_codeartifact::operation::get_authorization_token::GetAuthorizationTokenError;
use aws_sdk_codeartifact::Client;
use codeartifact_tests::{Cred, TestServer, FRANK, SESSION, USER};

pub(crate) fn sdk(server: &TestServer, cred: Cred) -> Client {
    let credentials = Credentials::new(
        cred.access_key_id,
        cred.secret_access_key,
        cred.session_token.map(str::to_string),
        None,
        "test",
    );
    let config = aws_sdk_codeartifact::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&server.url)
        .credentials_provider(credentials)
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

#[tokio::test]
async fn the_rust_sdk_gets_a_token() {
    let server = TestServer::start().await;
    let before = chrono::Utc::now().timestamp();
    let out =
        sdk(&server, *USER).get_authorization_token().domain("demo").duration_seconds(900).send();
    let out = out.await.expect("the SDK parses our answer");
    assert!(out.authorization_token().unwrap().starts_with("v4.local."));
    let expiration = out.expiration().expect("an expiration").secs();
    assert!((expiration - (before + 900)).abs() <= 2, "{expiration}");

    // duration 0 with a session: the session's expiry.
    let out = sdk(&server, *SESSION).get_authorization_token().domain("demo").duration_seconds(0);
    let out = out.send().await.unwrap();
    assert_eq!(out.expiration().unwrap().secs(), server.session_expiry.timestamp());
    server.stop().await;
}

/// The service error of a call that must fail.
async fn error(
    server: &TestServer,
    cred: Cred,
    domain: &str,
    duration: Option<i64>,
) -> GetAuthorizationTokenError {
    let call = sdk(server, cred).get_authorization_token().domain(domain);
    let call = call.set_duration_seconds(duration);
    call.send().await.expect_err("the call fails").into_service_error()
}

#[tokio::test]
async fn the_rust_sdk_reads_our_errors_as_modelled_errors() {
    let server = TestServer::start().await;
    let err = error(&server, *USER, "demo", Some(100)).await;
    let GetAuthorizationTokenError::ValidationException(e) = &err else {
        panic!("expected ValidationException, got {err:?}")
    };
    assert!(e.message().contains("Value '100' at 'durationSeconds'"), "{:?}", e.message());

    let err = error(&server, *USER, "nope", None).await;
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(err.message(), Some("Domain 'nope' owned by account 111122223333 does not exist."));

    let err = error(&server, *FRANK, "demo", None).await;
    assert!(err.is_access_denied_exception(), "{err:?}");
    assert!(err.message().unwrap().contains("sts:GetServiceBearerToken"));

    // Authentication failures are not modelled: the SDK reports their code.
    let wrong = Cred { secret_access_key: "wrong", ..*USER };
    let err = error(&server, wrong, "demo", None).await;
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    server.stop().await;
}

#[tokio::test]
async fn the_rust_sdk_manages_domains_and_repositories() {
    use aws_sdk_codeartifact::types::{DomainStatus, PackageFormat, UpstreamRepository};
    let server = TestServer::start().await;
    let client = sdk(&server, *USER);
    let created = client.create_domain().domain("sdk-made").send().await.unwrap();
    let domain = created.domain().expect("a domain");
    assert_eq!(domain.status(), Some(&DomainStatus::Active));
    assert!(domain.created_time().is_some_and(|t| t.secs() > 1_700_000_000));

    for name in ["base", "app-1", "app-2"] {
        let call = client.create_repository().domain("sdk-made").repository(name);
        let call = if name == "base" {
            call
        } else {
            call.upstreams(UpstreamRepository::builder().repository_name("base").build().unwrap())
        };
        call.send().await.unwrap();
    }
    // The SDK's own paginator follows our nextToken to the end.
    let names: Vec<String> = client
        .list_repositories_in_domain()
        .domain("sdk-made")
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .map(|r| r.name().unwrap().to_string())
        .collect();
    assert_eq!(names, ["app-1", "app-2", "base"]);
    let domains: Vec<String> = client
        .list_domains()
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .map(|d| d.name().unwrap().to_string())
        .collect();
    assert_eq!(domains, ["demo", "sdk-made", "team"]);

    let endpoint = client
        .get_repository_endpoint()
        .domain("sdk-made")
        .repository("base")
        .format(PackageFormat::Pypi)
        .send()
        .await
        .unwrap();
    assert_eq!(
        endpoint.repository_endpoint(),
        Some(format!("{}/d/sdk-made-111122223333/pypi/base/", server.url).as_str())
    );

    // Conflicts and missing resources arrive as the SDK's modelled errors.
    let err = client.delete_domain().domain("sdk-made").send().await.unwrap_err();
    assert!(err.into_service_error().is_conflict_exception());
    let err = client.delete_repository().domain("sdk-made").repository("base").send().await;
    assert!(err.unwrap_err().into_service_error().is_conflict_exception());
    let err = client.describe_repository().domain("sdk-made").repository("nope").send().await;
    assert!(err.unwrap_err().into_service_error().is_resource_not_found_exception());
    let err = client.create_domain().domain("sdk-made").send().await.unwrap_err();
    assert!(err.into_service_error().is_conflict_exception());
    server.stop().await;
}
