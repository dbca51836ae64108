//! Hostile input, generated: whatever arrives in the query string, the JSON
//! body or the signing headers, the verifier and the validators answer with
//! an AWS error (or success), never a panic; and over the wire every answer
//! on every API route carries `x-amzn-ErrorType` and a JSON `message`.

use chrono::Utc;
use codeartifact_api::{
    CreateDomainBody, CreateDomainRequest, CreateRepositoryBody, CreateRepositoryRequest,
    FromQuery, FromWire, GetAuthorizationTokenRequest, GetRepositoryEndpointRequest,
    ListRepositoriesInDomainRequest, QueryParams,
};
use codeartifact_server::iam::identity::Identities;
use codeartifact_server::iam::sigv4::RequestParts;
use codeartifact_tests::{test_config_with, TestServer, USER};
use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

/// Query strings built from the pieces that matter, and noise.
pub(crate) fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("domain".to_string()),
        Just("domain-owner".to_string()),
        Just("duration".to_string()),
        Just("repository".to_string()),
        Just("format".to_string()),
        Just("max-results".to_string()),
        Just("next-token".to_string()),
        "[a-z%+=&-]{0,8}",
    ];
    let value = prop_oneof![
        "[a-z0-9-]{0,60}",
        "-?[0-9]{0,25}",
        "(%[0-9A-Fa-f]{2}|[^&#]){0,20}",
        Just("%FF%FE".to_string()),
    ];
    prop::collection::vec((name, value), 0..5).prop_map(|pairs| {
        pairs.into_iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("&")
    })
}

/// Authorization headers near the real shape, and noise.
fn authorization() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,120}",
        (
            "[A-Z0-9]{0,24}",
            "[0-9 ]{0,9}",
            "[a-zA-Z0-9: -]{0,14}",
            "[a-z]{0,14}",
            "[a-z;:-]{0,40}",
            "[0-9a-fA-F]{0,70}"
        )
            .prop_map(|(key, date, region, service, signed, signature)| format!(
                "AWS4-HMAC-SHA256 Credential={key}/{date}/{region}/{service}/aws4_request, \
                 SignedHeaders={signed}, Signature={signature}"
            )),
    ]
}

/// JSON bodies near the operations' shapes, and noise.
pub(crate) fn body() -> impl Strategy<Value = String> {
    let text = prop_oneof![
        "[a-zA-Z0-9 ./:-]{0,40}",
        "\\PC{0,20}",
        Just("\\u0000\\u0007".to_string()),
        "x{1000,1100}",
    ];
    let text = text.prop_map(|t| serde_json::Value::String(t).to_string());
    let member = prop_oneof![
        Just("description"),
        Just("encryptionKey"),
        Just("maxResults"),
        Just("nextToken"),
        Just("tags"),
        Just("upstreams"),
        Just("other"),
    ];
    let value = prop_oneof![
        text.clone(),
        "-?[0-9]{1,22}",
        Just("null".to_string()),
        prop::collection::vec((text.clone(), text.clone()), 0..4).prop_map(|tags| {
            let tags: Vec<String> =
                tags.iter().map(|(k, v)| format!(r#"{{"key":{k},"value":{v}}}"#)).collect();
            format!("[{}]", tags.join(","))
        }),
        prop::collection::vec(text, 0..3).prop_map(|names| {
            let names: Vec<String> =
                names.iter().map(|n| format!(r#"{{"repositoryName":{n}}}"#)).collect();
            format!("[{}]", names.join(","))
        }),
    ];
    prop_oneof![
        3 => prop::collection::vec((member, value), 0..4).prop_map(|members| {
            let members: Vec<String> =
                members.iter().map(|(m, v)| format!(r#""{m}":{v}"#)).collect();
            format!("{{{}}}", members.join(","))
        }),
        1 => "[ -~]{0,40}",
    ]
}

static IDENTITIES: std::sync::LazyLock<Identities> = std::sync::LazyLock::new(|| {
    codeartifact_server::setup::iam(&test_config_with("").0).unwrap().0
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn validation_never_panics(raw in query()) {
        match GetAuthorizationTokenRequest::from_query(&QueryParams::parse(&raw)) {
            Ok(request) => prop_assert!(request.domain.as_str().len() >= 2),
            Err(e) => prop_assert!(e.message.contains("validation error"), "{}", e.message),
        }
    }

    #[test]
    fn query_validators_never_panic(raw in query()) {
        let query = QueryParams::parse(&raw);
        for message in [
            GetRepositoryEndpointRequest::from_query(&query).err().map(|e| e.message),
            ListRepositoriesInDomainRequest::from_query(&query).err().map(|e| e.message),
        ]
        .into_iter()
        .flatten()
        {
            prop_assert!(message.contains("validation error"), "{}", message);
        }
    }

    #[test]
    fn body_validators_never_panic(raw_query in query(), raw_body in body()) {
        let query = QueryParams::parse(&raw_query);
        if serde_json::from_str::<CreateDomainBody>(&raw_body).is_ok() {
            if let Err(e) = CreateDomainRequest::from_wire(&query, raw_body.as_bytes()) {
                prop_assert!(e.message.contains("validation error"), "{}", e.message);
            }
        }
        if serde_json::from_str::<CreateRepositoryBody>(&raw_body).is_ok() {
            if let Err(e) = CreateRepositoryRequest::from_wire(&query, raw_body.as_bytes()) {
                prop_assert!(e.message.contains("validation error"), "{}", e.message);
            }
        }
    }

    #[test]
    fn authentication_never_panics(
        raw_query in query(),
        auth in authorization(),
        date in prop_oneof!["[0-9TZ ]{0,18}", Just("20240101T000000Z".to_string())],
        token in proptest::option::of("[ -~]{0,30}"),
    ) {
        let identities = &*IDENTITIES;
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8787"));
        if let Ok(v) = HeaderValue::from_str(&auth) {
            headers.insert("authorization", v);
        }
        if let Ok(v) = HeaderValue::from_str(&date) {
            headers.insert("x-amz-date", v);
        }
        if let Some(Ok(v)) = token.map(|t| HeaderValue::from_str(&t)) {
            headers.insert("x-amz-security-token", v);
        }
        let parts = RequestParts {
            method: "POST",
            path: "/v1/authorization-token",
            query: &raw_query,
            headers: &headers,
            body: b"",
            payload_hash: None,
        };
        let err = identities.authenticate(&parts, Utc::now()).expect_err("never signed right");
        prop_assert!(err.code.as_str().ends_with("Exception"));
        prop_assert!(!err.message.is_empty());
    }
}

#[tokio::test]
async fn every_answer_on_the_route_is_aws_shaped() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..200 {
        let raw = query().new_tree(&mut runner).unwrap().current();
        let auth = authorization().new_tree(&mut runner).unwrap().current();
        let url = server.token_url(&raw);
        let Ok(url) = reqwest::Url::parse(&url) else { continue };
        // Half signed properly (validation answers), half with noise.
        let mut request = http.post(url).build().unwrap();
        if raw.len().is_multiple_of(2) {
            USER.signer().sign(&mut request).await.unwrap();
        } else if let Ok(v) = HeaderValue::from_str(&auth) {
            request.headers_mut().insert("authorization", v);
        }
        let response = http.execute(request).await.unwrap();
        let status = response.status();
        let code = response.headers().get("x-amzn-errortype").cloned();
        let body: serde_json::Value = response.json().await.expect("a JSON body");
        if status.is_success() {
            assert!(body["authorizationToken"].is_string(), "{raw}: {body}");
        } else {
            assert!(code.is_some(), "{raw}: {status} without x-amzn-ErrorType: {body}");
            assert!(body["message"].is_string(), "{raw}: {body}");
        }
    }
    server.stop().await;
}

/// Every route of the API with its method.
const ROUTES: [(&str, &str); 10] = [
    ("POST", "/v1/authorization-token"),
    ("POST", "/v1/domain"),
    ("GET", "/v1/domain"),
    ("POST", "/v1/domains"),
    ("DELETE", "/v1/domain"),
    ("POST", "/v1/repository"),
    ("GET", "/v1/repository"),
    ("POST", "/v1/domain/repositories"),
    ("DELETE", "/v1/repository"),
    ("GET", "/v1/repository/endpoint"),
];

#[tokio::test]
async fn every_answer_on_every_route_is_aws_shaped_and_nothing_stored_is_lost() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    client.create_repository().domain("demo").repository("keep-me").send().await.unwrap();
    let http = reqwest::Client::new();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for i in 0..300 {
        let (method, path) = ROUTES[i % ROUTES.len()];
        let raw = query().new_tree(&mut runner).unwrap().current();
        let raw_body = body().new_tree(&mut runner).unwrap().current();
        let Ok(url) = reqwest::Url::parse(&format!("{}{path}?{raw}", server.url)) else {
            continue;
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = http.request(method.clone(), url).body(raw_body.clone()).build().unwrap();
        USER.signer().sign(&mut request).await.unwrap();
        let response = http.execute(request).await.unwrap();
        let status = response.status();
        let code = response.headers().get("x-amzn-errortype").cloned();
        let text = response.text().await.unwrap();
        let json: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}?{raw} {raw_body}: not JSON: {text}"));
        if !status.is_success() {
            assert!(code.is_some(), "{method} {path}?{raw} {raw_body}: {status}: {json}");
            assert!(json["message"].is_string(), "{json}");
            assert_ne!(status.as_u16(), 500, "{method} {path}?{raw} {raw_body}: {json}");
        }
    }
    let kept = client.describe_repository().domain("demo").repository("keep-me").send().await;
    assert!(kept.is_ok(), "the repository made before the barrage is still there");
    server.stop().await;
}
