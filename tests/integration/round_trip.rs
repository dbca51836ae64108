//! Round trips through the progenitor client generated from openapi.json,
//! which signs with aws-sigv4: the contract, the client's signing and the
//! server's verification checked together.

use chrono::Utc;
use codeartifact_client::{types, Client, Signer};
use codeartifact_tests::{
    aws_error, Cred, TestServer, ACCOUNT, CAROL, DAVE, ERIN, EXPIRED_SESSION, FRANK, GINA,
    OTHER_ACCOUNT, OTHER_USER, ROOT, SESSION, USER,
};
use progenitor_client::{Error, ResponseValue};

type CallResult = Result<ResponseValue<types::GetAuthorizationTokenResult>, Error<types::AwsError>>;

fn assert_near(actual: i64, expected: i64) {
    assert!((actual - expected).abs() <= 2, "expected about {expected}, got {actual}");
}

#[tokio::test]
async fn a_token_with_the_defaults() {
    let server = TestServer::start().await;
    let before = Utc::now().timestamp();
    let rv = server.client(*USER).get_authorization_token().domain("demo").send().await.unwrap();
    let request_id = rv.headers()["x-amzn-requestid"].to_str().unwrap().to_string();
    assert_eq!(request_id.len(), 36, "a UUID: {request_id}");
    let result = rv.into_inner();
    assert!(result.authorization_token.starts_with("v4.local."));
    assert_near(result.expiration, before + 43_200);
    server.stop().await;
}

#[tokio::test]
async fn an_explicit_owner_and_duration() {
    let server = TestServer::start().await;
    let before = Utc::now().timestamp();
    let client = server.client(*USER);
    let call = client.get_authorization_token().domain("demo").domain_owner(ACCOUNT);
    let result = call.duration(900u64).send().await.unwrap().into_inner();
    assert_near(result.expiration, before + 900);
    server.stop().await;
}

#[tokio::test]
async fn tokens_are_never_equal() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20 {
        let rv = client.get_authorization_token().domain("demo").send().await.unwrap();
        assert!(seen.insert(rv.into_inner().authorization_token));
    }
    server.stop().await;
}

/// The expiration of a token for `demo` asked by `cred` for `duration`.
async fn expiration(server: &TestServer, cred: Cred, duration: u64) -> i64 {
    let client = server.client(cred);
    let call = client.get_authorization_token().domain("demo").duration(duration);
    call.send().await.unwrap().into_inner().expiration
}

#[tokio::test]
async fn duration_zero_follows_the_session_or_defaults_to_twelve_hours() {
    let server = TestServer::start().await;
    assert_eq!(expiration(&server, *SESSION, 0).await, server.session_expiry.timestamp());
    let before = Utc::now().timestamp();
    assert_near(expiration(&server, *USER, 0).await, before + 43_200);
    server.stop().await;
}

#[tokio::test]
async fn a_session_with_a_duration_gets_that_duration() {
    let server = TestServer::start().await;
    let before = Utc::now().timestamp();
    assert_near(expiration(&server, *SESSION, 1800).await, before + 1800);
    server.stop().await;
}

#[tokio::test]
async fn unknown_domains_of_the_callers_account_are_not_found() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    for (domain, owner) in [("nope", None), ("nope", Some(ACCOUNT)), ("shared", None)] {
        let mut call = client.get_authorization_token().domain(domain);
        if let Some(owner) = owner {
            call = call.domain_owner(owner);
        }
        let (status, code, message) = aws_error(call.send().await);
        assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"), "{domain}");
        assert_eq!(
            message,
            format!("Domain '{domain}' owned by account {ACCOUNT} does not exist.")
        );
    }
    server.stop().await;
}

/// A call by `cred` for `domain` of `owner`.
async fn call(server: &TestServer, cred: Cred, domain: &str, owner: &str) -> CallResult {
    let client = server.client(cred);
    client.get_authorization_token().domain(domain).domain_owner(owner).send().await
}

#[tokio::test]
async fn each_kind_of_denial_is_an_access_denied_exception() {
    let server = TestServer::start().await;
    let token = "codeartifact:GetAuthorizationToken";
    let bearer = "sts:GetServiceBearerToken";
    let demo = |owner: &str| format!("arn:aws:codeartifact:us-east-1:{owner}:domain/demo");
    let shared = format!("arn:aws:codeartifact:us-east-1:{OTHER_ACCOUNT}:domain/shared");
    let cases: Vec<(Cred, &str, &str, String)> = vec![
        // Same account, no identity policy allows.
        (*GINA, "demo", ACCOUNT, format!(
            "on resource: {} because no identity-based policy allows the {token} action", demo(ACCOUNT))),
        // An explicit deny in the caller's own policy.
        (*DAVE, "demo", ACCOUNT, format!(
            "on resource: {} with an explicit deny in an identity-based policy", demo(ACCOUNT))),
        // Cross-account: the caller's policy does not reach the other account.
        (*USER, "shared", OTHER_ACCOUNT, format!(
            "on resource: {shared} because no identity-based policy allows the {token} action")),
        // Cross-account: the domain's policy does not name the caller.
        (*CAROL, "shared", OTHER_ACCOUNT, format!(
            "on resource: {shared} because no resource-based policy allows the {token} action")),
        // Cross-account: the domain's policy denies the caller.
        (*ERIN, "shared", OTHER_ACCOUNT, format!(
            "on resource: {shared} with an explicit deny in a resource-based policy")),
        // Cross-account to a domain that does not exist: nothing allows it.
        (*CAROL, "demo", OTHER_ACCOUNT, format!(
            "on resource: {} because no resource-based policy allows the {token} action", demo(OTHER_ACCOUNT))),
        // Allowed the domain, but not bearer tokens.
        (*FRANK, "demo", ACCOUNT, format!(
            "perform: {bearer} on resource: {} because no identity-based policy allows the {bearer} action",
            FRANK.arn)),
        // The root user may not get bearer tokens.
        (*ROOT, "demo", ACCOUNT, format!(
            "perform: {bearer} on resource: {} because the root user cannot perform this action", ROOT.arn)),
    ];
    for (cred, domain, owner, expected) in cases {
        let (status, code, message) = aws_error(call(&server, cred, domain, owner).await);
        assert_eq!(
            (status, code.as_str()),
            (403, "AccessDeniedException"),
            "{}: {message}",
            cred.arn
        );
        assert!(
            message.starts_with(&format!("User: {} is not authorized to perform: ", cred.arn)),
            "{message}"
        );
        assert!(
            message.ends_with(&expected),
            "{}:\n  {message}\nwanted the end:\n  {expected}",
            cred.arn
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn allowed_within_and_across_accounts() {
    let server = TestServer::start().await;
    // Cross-account: the role's policy and the domain's policy both allow.
    assert!(call(&server, *SESSION, "shared", OTHER_ACCOUNT).await.is_ok());
    // Same account: the domain's policy alone allows gina.
    assert!(call(&server, *GINA, "team", ACCOUNT).await.is_ok());
    // Everything allowed in its own account.
    assert!(call(&server, *CAROL, "demo", ACCOUNT).await.is_ok());
    assert!(call(&server, *OTHER_USER, "shared", OTHER_ACCOUNT).await.is_ok());
    server.stop().await;
}

#[tokio::test]
async fn out_of_range_durations_are_validation_errors() {
    let server = TestServer::start().await;
    for (duration, constraint) in [
        (100u64, "Member must be 0 or between 900 and 43200"),
        (899, "Member must be 0 or between 900 and 43200"),
        (43_201, "Member must have value less than or equal to 43200"),
    ] {
        let client = server.client(*USER);
        let result = client.get_authorization_token().domain("demo").duration(duration).send();
        let (status, code, message) = aws_error(result.await);
        assert_eq!((status, code.as_str()), (400, "ValidationException"));
        assert_eq!(
            message,
            format!(
                "1 validation error detected: Value '{duration}' at 'durationSeconds' failed \
                 to satisfy constraint: {constraint}"
            )
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn authentication_failures_come_with_aws_codes() {
    let server = TestServer::start().await;
    let wrong_secret = Signer::new(USER.access_key_id, "not-the-secret", None, "us-east-1");
    let unknown_key = Signer::new("AKIAUNKNOWNKEY000000", "secret", None, "us-east-1");
    let session_without_token =
        Signer::new(SESSION.access_key_id, SESSION.secret_access_key, None, "us-east-1");
    let session_wrong_token = Signer::new(
        SESSION.access_key_id,
        SESSION.secret_access_key,
        Some("not-the-token".into()),
        "us-east-1",
    );
    let user_with_a_token = Signer::new(
        USER.access_key_id,
        USER.secret_access_key,
        Some("a-token".into()),
        "us-east-1",
    );
    let cases: [(Signer, u16, &str); 7] = [
        (Signer::unsigned(), 403, "MissingAuthenticationTokenException"),
        (wrong_secret, 403, "InvalidSignatureException"),
        (unknown_key, 403, "UnrecognizedClientException"),
        (session_without_token, 403, "UnrecognizedClientException"),
        (session_wrong_token, 403, "UnrecognizedClientException"),
        (user_with_a_token, 403, "UnrecognizedClientException"),
        (EXPIRED_SESSION.signer(), 403, "ExpiredTokenException"),
    ];
    for (signer, status, expected) in cases {
        let client = Client::new(&server.url, signer.clone());
        // Authentication comes before validation: a bad duration is not reported.
        let result = client.get_authorization_token().domain("demo").duration(5u64).send().await;
        let (got_status, code, message) = aws_error(result);
        assert_eq!((got_status, code.as_str()), (status, expected), "{signer:?}: {message}");
        assert!(!message.is_empty());
    }
    server.stop().await;
}

#[tokio::test]
async fn the_rate_limit_throttles_each_principal() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        TestServer::start_in("[rate_limit]\nrequests_per_second = 1\nburst = 2", dir.path()).await;
    let call = |cred: Cred| {
        let client = server.client(cred);
        async move { client.get_authorization_token().domain("demo").send().await }
    };
    assert!(call(*USER).await.is_ok());
    assert!(call(*USER).await.is_ok());
    match call(*USER).await {
        Err(Error::ErrorResponse(rv)) => {
            assert_eq!(rv.status().as_u16(), 429);
            assert_eq!(rv.headers()["x-amzn-errortype"], "ThrottlingException");
            let retry_after: u64 = rv.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=2).contains(&retry_after), "{retry_after}");
        }
        other => panic!("expected throttling, got {other:?}"),
    }
    assert!(call(*SESSION).await.is_ok(), "another principal is not throttled");
    server.stop().await;
}
