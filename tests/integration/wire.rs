//! The wire as AWS clients see it, on raw HTTP: status, headers (compared
//! case-insensitively, as HTTP says), JSON types, request ids, and no
//! dropshot-shaped error anywhere on the route.

use codeartifact_client::Signer;
use codeartifact_tests::{error_parts, signed_post, TestServer, USER};

#[tokio::test]
async fn success_is_aws_shaped() {
    let server = TestServer::start().await;
    let response = server.post_signed("domain=demo", &USER.signer(), |_| {}).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json");
    let request_id = headers.get("X-Amzn-RequestId").expect("x-amzn-RequestId").to_str().unwrap();
    assert!(uuid_like(request_id), "{request_id}");

    let body: serde_json::Value = response.json().await.unwrap();
    let object = body.as_object().unwrap();
    assert_eq!(object.len(), 2, "exactly two members: {body}");
    assert!(object["authorizationToken"].is_string());
    // An integer, not 1.7e9 nor "1795...": aws-sdk-rust rejects both.
    assert!(object["expiration"].is_i64(), "{body}");
    let token = object["authorizationToken"].as_str().unwrap();
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)));
    server.stop().await;
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// Every error on the route: AWS's code in the header, the same code in the
/// body's `__type`, a message, and the request id in the header.
async fn assert_aws_error(response: reqwest::Response, status: u16, code: &str) -> String {
    let request_id =
        response.headers().get("x-amzn-requestid").map(|v| v.to_str().unwrap().to_string());
    let (got_status, got_code, body) = error_parts(response).await;
    assert_eq!((got_status, got_code.as_str()), (status, code), "{body}");
    assert_eq!(body["__type"], code, "{body}");
    assert!(uuid_like(&request_id.expect("x-amzn-RequestId on errors")));
    body["message"].as_str().expect("a message").to_string()
}

#[tokio::test]
async fn query_problems_are_validation_exceptions_after_authentication() {
    let server = TestServer::start().await;
    let cases = [
        ("", "Value null at 'domain' failed to satisfy constraint: Member must not be null"),
        ("domain=demo&domain=demo", "Value '[demo, demo]' at 'domain'"),
        ("domain=x", "Member must have length greater than or equal to 2"),
        (&format!("domain={}", "a".repeat(51)), "Member must have length less than or equal to 50"),
        ("domain=My_Domain%21%21", "Member must satisfy regular expression pattern"),
        ("domain=demo&domain-owner=12345678901", "at 'domainOwner'"),
        ("domain=demo&domain-owner=1234567890123", "at 'domainOwner'"),
        ("domain=demo&domain-owner=abcdefghijkl", "Member must satisfy regular expression"),
        ("domain=demo&duration=1", "Member must be 0 or between 900 and 43200"),
        ("domain=demo&duration=899", "Member must be 0 or between 900 and 43200"),
        ("domain=demo&duration=43201", "less than or equal to 43200"),
        ("domain=demo&duration=-900", "greater than or equal to 0"),
        ("domain=demo&duration=abc", "Value 'abc' at 'durationSeconds'"),
        ("domain=demo&duration=900.0", "Member must be an integer"),
        ("domain=demo&duration=99999999999999999999", "less than or equal to 43200"),
    ];
    for (query, expected) in cases {
        let response = server.post_signed(query, &USER.signer(), |_| {}).await;
        let message = assert_aws_error(response, 400, "ValidationException").await;
        assert!(message.contains(expected), "{query}: {message}");
        assert!(message.contains("validation error"), "{query}: {message}");
    }
    server.stop().await;
}

#[tokio::test]
async fn unsigned_requests_with_bad_queries_are_refused_before_validation() {
    let server = TestServer::start().await;
    for query in ["", "domain=x&duration=abc", "domain=demo&domain=demo"] {
        let response = server.post_signed(query, &Signer::unsigned(), |_| {}).await;
        assert_aws_error(response, 403, "MissingAuthenticationTokenException").await;
    }
    server.stop().await;
}

#[tokio::test]
async fn unknown_query_parameters_are_ignored() {
    let server = TestServer::start().await;
    let response = server.post_signed("domain=demo&colour=blue", &USER.signer(), |_| {}).await;
    assert_eq!(response.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn a_body_is_signed_and_otherwise_ignored() {
    let server = TestServer::start().await;
    let url = server.token_url("domain=demo");
    let http = reqwest::Client::new();

    let request = signed_post(&url, b"{\"ignored\":true}", &USER.signer());
    assert_eq!(http.execute(request).await.unwrap().status(), 200);

    // The same signature over another body does not hold.
    let mut request = signed_post(&url, b"{\"ignored\":true}", &USER.signer());
    *request.body_mut() = Some(b"{\"ignored\":false}".to_vec().into());
    assert_aws_error(http.execute(request).await.unwrap(), 403, "InvalidSignatureException").await;
    server.stop().await;
}

#[tokio::test]
async fn an_oversized_body_is_an_aws_error() {
    let server = TestServer::start().await;
    let body = vec![b'x'; 2 * 1024 * 1024];
    let request = signed_post(&server.token_url("domain=demo"), &body, &USER.signer());
    let response = reqwest::Client::new().execute(request).await.unwrap();
    assert_aws_error(response, 400, "ValidationException").await;
    server.stop().await;
}

#[tokio::test]
async fn malformed_authorization_is_incomplete_signature() {
    let server = TestServer::start().await;
    let cases = [
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261128/us-east-1/codeartifact/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE, SignedHeaders=host;x-amz-date, Signature=00",
        "AWS4-HMAC-SHA1 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00",
        "Bearer abc",
    ];
    for authorization in cases {
        let response = server
            .post_signed("domain=demo", &USER.signer(), |r| {
                r.headers_mut().insert("authorization", authorization.parse().unwrap());
            })
            .await;
        let message = assert_aws_error(response, 400, "IncompleteSignatureException").await;
        assert!(!message.contains("Signature="), "no signature echoed: {message}");
    }
    // host must be among the signed headers.
    let response = server
        .post_signed("domain=demo", &USER.signer(), |r| {
            let auth = r.headers()["authorization"].to_str().unwrap().to_string();
            let auth = auth.replace("SignedHeaders=host;", "SignedHeaders=");
            r.headers_mut().insert("authorization", auth.parse().unwrap());
        })
        .await;
    assert_aws_error(response, 400, "IncompleteSignatureException").await;
    server.stop().await;
}

#[tokio::test]
async fn dates_outside_fifteen_minutes_are_refused() {
    use std::time::{Duration, SystemTime};
    let server = TestServer::start().await;
    for (offset, accepted, words) in [
        (-16 * 60_i64, false, "Signature expired"),
        (16 * 60, false, "Signature not yet current"),
        (-14 * 60, true, ""),
        (14 * 60, true, ""),
    ] {
        let now = SystemTime::now();
        let at = if offset < 0 {
            now - Duration::from_secs(offset.unsigned_abs())
        } else {
            now + Duration::from_secs(offset as u64)
        };
        let signer = USER.signer().at_time(at);
        let response = server.post_signed("domain=demo", &signer, |_| {}).await;
        if accepted {
            assert_eq!(response.status(), 200, "{offset}");
        } else {
            let message = assert_aws_error(response, 403, "InvalidSignatureException").await;
            assert!(message.starts_with(words), "{message}");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn a_pinned_region_refuses_others() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("region = \"eu-west-1\"", dir.path()).await;
    let in_region = codeartifact_client::Signer::new(
        USER.access_key_id,
        USER.secret_access_key,
        None,
        "eu-west-1",
    );
    let response = server.post_signed("domain=demo", &in_region, |_| {}).await;
    assert_eq!(response.status(), 200);
    let response = server.post_signed("domain=demo", &USER.signer(), |_| {}).await;
    let message = assert_aws_error(response, 403, "InvalidSignatureException").await;
    assert!(message.contains("region"), "{message}");
    server.stop().await;
}

#[tokio::test]
async fn a_domain_with_a_region_is_found_only_there() {
    let server = TestServer::start().await;
    let signer = |region: &str| {
        codeartifact_client::Signer::new(USER.access_key_id, USER.secret_access_key, None, region)
    };
    let response = server.post_signed("domain=regional", &signer("eu-west-1"), |_| {}).await;
    assert_eq!(response.status(), 200);
    let response = server.post_signed("domain=regional", &signer("us-east-1"), |_| {}).await;
    assert_aws_error(response, 404, "ResourceNotFoundException").await;
    server.stop().await;
}

#[tokio::test]
async fn any_region_is_accepted_by_default() {
    let server = TestServer::start().await;
    for region in ["us-east-1", "eu-central-1", "ap-southeast-2"] {
        let signer = codeartifact_client::Signer::new(
            USER.access_key_id,
            USER.secret_access_key,
            None,
            region,
        );
        let response = server.post_signed("domain=demo", &signer, |_| {}).await;
        assert_eq!(response.status(), 200, "{region}");
    }
    server.stop().await;
}
