//! The tamper matrix: a request signed by aws-sigv4, changed in one place
//! after signing, must be refused, every time, with the code AWS uses. Each
//! case runs against the verifier directly (so that method and path changes,
//! which would not reach the route, are covered too) and, where the request
//! still reaches the route, over the wire.

use chrono::Utc;
use codeartifact_tests::request_parts;
use codeartifact_tests::{
    error_parts, signed_post, test_config_with, Cred, TestServer, SESSION, USER,
};
use reqwest::{Method, Request};

type Tamper = fn(&mut Request);

fn set_header(r: &mut Request, name: &'static str, value: String) {
    r.headers_mut().insert(name, value.parse().unwrap());
}

fn edit_header(r: &mut Request, name: &'static str, edit: impl Fn(&str) -> String) {
    let value = edit(r.headers()[name].to_str().unwrap());
    set_header(r, name, value);
}

fn edit_query(r: &mut Request, from: &str, to: &str) {
    let url = r.url().as_str().replace(from, to);
    assert_ne!(url, r.url().as_str(), "the case changes the query");
    *r.url_mut() = url.parse().unwrap();
}

/// Shifts the X-Amz-Date by `seconds`, keeping its format.
fn shift_date(r: &mut Request, seconds: i64) {
    edit_header(r, "x-amz-date", |d| {
        let t = chrono::NaiveDateTime::parse_from_str(d, "%Y%m%dT%H%M%SZ").unwrap();
        (t + chrono::TimeDelta::seconds(seconds)).format("%Y%m%dT%H%M%SZ").to_string()
    });
}

/// Replaces one component of the credential scope.
fn edit_scope(r: &mut Request, index: usize, value: &str) {
    edit_header(r, "authorization", |a| {
        let start = a.find("Credential=").unwrap() + "Credential=".len();
        let end = start + a[start..].find(',').unwrap();
        let mut parts: Vec<&str> = a[start..end].split('/').collect();
        parts[index] = value;
        format!("{}{}{}", &a[..start], parts.join("/"), &a[end..])
    });
}

fn flip_signature(r: &mut Request) {
    edit_header(r, "authorization", |a| {
        let last = a.chars().last().unwrap();
        let flipped = if last == '0' { '1' } else { '0' };
        format!("{}{flipped}", &a[..a.len() - 1])
    });
}

const QUERY: &str = "domain=demo&domain-owner=111122223333&duration=900";

/// (name, credential, tamper, expected code)
fn cases() -> Vec<(&'static str, Cred, Tamper, &'static str)> {
    const INVALID: &str = "InvalidSignatureException";
    vec![
        ("method", *USER, |r| *r.method_mut() = Method::PUT, INVALID),
        (
            "path",
            *USER,
            |r| {
                let url =
                    r.url().as_str().replace("/v1/authorization-token", "/v1/authorization-tokens");
                *r.url_mut() = url.parse().unwrap();
            },
            INVALID,
        ),
        ("query domain", *USER, |r| edit_query(r, "domain=demo", "domain=demx"), INVALID),
        ("query domain-owner", *USER, |r| edit_query(r, "111122223333", "111122223334"), INVALID),
        ("query duration", *USER, |r| edit_query(r, "duration=900", "duration=901"), INVALID),
        ("query added", *USER, |r| edit_query(r, "duration=900", "duration=900&x=1"), INVALID),
        ("query removed", *USER, |r| edit_query(r, "&duration=900", ""), INVALID),
        (
            "header host",
            *USER,
            |r| edit_header(r, "host", |h| h.replace("127.0.0.1", "localhost")),
            INVALID,
        ),
        ("header x-amz-date (same day)", *USER, |r| shift_date(r, 1), INVALID),
        ("header x-amz-date (other day)", *USER, |r| shift_date(r, 86_400), INVALID),
        (
            "header x-amz-security-token",
            *SESSION,
            |r| edit_header(r, "x-amz-security-token", |t| format!("{t}x")),
            INVALID,
        ),
        (
            "scope access key",
            *USER,
            |r| edit_scope(r, 0, "AKIAIOSFODNN7EXAMPLF"),
            "UnrecognizedClientException",
        ),
        ("scope date", *USER, |r| edit_scope(r, 1, "20200101"), INVALID),
        ("scope region", *USER, |r| edit_scope(r, 2, "us-west-2"), INVALID),
        ("scope service", *USER, |r| edit_scope(r, 3, "codecommit"), INVALID),
        ("scope terminator", *USER, |r| edit_scope(r, 4, "aws5_request"), INVALID),
        ("signature", *USER, flip_signature, INVALID),
        (
            "signature truncated",
            *USER,
            |r| edit_header(r, "authorization", |a| a[..a.len() - 2].to_string()),
            INVALID,
        ),
        ("body", *USER, |r| *r.body_mut() = Some(b"x".to_vec().into()), INVALID),
        (
            "signed header list",
            *USER,
            |r| {
                edit_header(r, "authorization", |a| {
                    a.replace("host;x-amz-date", "host;x-amz-date;x-amz-user-agent")
                })
            },
            INVALID,
        ),
        (
            "x-amz-date removed",
            *USER,
            |r| {
                r.headers_mut().remove("x-amz-date");
            },
            "IncompleteSignatureException",
        ),
        (
            "token unsigned",
            *SESSION,
            |r| edit_header(r, "authorization", |a| a.replace(";x-amz-security-token", "")),
            "IncompleteSignatureException",
        ),
        (
            "token removed",
            *SESSION,
            |r| {
                r.headers_mut().remove("x-amz-security-token");
            },
            INVALID,
        ),
    ]
}

fn signed(url: &str, cred: Cred) -> Request {
    signed_post(url, b"", &cred.signer())
}

#[test]
fn every_tampered_request_is_refused_by_the_verifier() {
    let (config, _) = test_config_with("");
    let identities = codeartifact_server::setup::iam(&config).unwrap().0;
    let url = format!("http://127.0.0.1:8787/v1/authorization-token?{QUERY}");
    let check = |request: &Request| identities.authenticate(&request_parts(request), Utc::now());
    for (name, cred, _, _) in cases() {
        assert!(check(&signed(&url, cred)).is_ok(), "{name}: the untouched request passes");
    }
    for (name, cred, tamper, expected) in cases() {
        let mut request = signed(&url, cred);
        tamper(&mut request);
        let err = check(&request).expect_err(name);
        assert_eq!(err.code.as_str(), expected, "{name}: {}", err.message);
    }
}

#[tokio::test]
async fn every_tampered_request_is_refused_on_the_wire() {
    let server = TestServer::start().await;
    let url = server.token_url(QUERY);
    let http = reqwest::Client::new();
    let mut on_the_wire = 0;
    for (name, cred, tamper, expected) in cases() {
        let mut request = signed(&url, cred);
        tamper(&mut request);
        // A changed method or path is answered by the router, not the route.
        if request.method() != Method::POST || request.url().path() != "/v1/authorization-token" {
            continue;
        }
        on_the_wire += 1;
        let (status, code, body) = error_parts(http.execute(request).await.unwrap()).await;
        assert_eq!(code, expected, "{name}: {body}");
        assert!(status == 403 || status == 400, "{name}: {status}");
    }
    assert!(on_the_wire >= 20, "{on_the_wire}");
    server.stop().await;
}
