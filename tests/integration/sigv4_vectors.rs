//! The server's SigV4 verifier against fixed vectors: the botocore-computed
//! CodeArtifact request of the wire reference, and AWS's own SigV4 test suite
//! (tests/fixtures/aws-sigv4-test-suite, Apache-2.0, see its NOTICE.md).

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use codeartifact_server::iam::sigv4::{Parsed, RequestParts, ScopeRules};
use http::{HeaderMap, HeaderName, HeaderValue};
use sha2::Digest;

const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// A request as the suite's text files write it.
struct TextRequest {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl TextRequest {
    fn parse(text: &str) -> Self {
        let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
        let mut lines = head.lines();
        let request_line = lines.next().unwrap();
        let (method, rest) = request_line.split_once(' ').unwrap();
        // The HTTP version is sometimes left out.
        let target = rest.strip_suffix(" HTTP/1.1").unwrap_or(rest);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers = HeaderMap::new();
        for line in lines {
            let (name, value) = line.split_once(':').unwrap();
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        Self {
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
            payload_hash: None,
        }
    }

    fn amz_date(&self) -> DateTime<Utc> {
        let raw = self.headers["x-amz-date"].to_str().unwrap();
        NaiveDateTime::parse_from_str(raw, "%Y%m%dT%H%M%SZ").unwrap().and_utc()
    }
}

fn rules(service: &str) -> ScopeRules {
    ScopeRules { service: service.to_string(), region: None }
}

const SIGNATURE: &str = "ed3177b5e6ecc29c1e146250ca86d3053f8ff06b5bf5efa0b7f8df8135545c93";
const SIGNATURE_WITH_TOKEN: &str =
    "c5447d7e4ff21190beee80f5b034ef34db4dd7b854fce94f80e76945207989ca";

/// The wire reference's request, with `query` as sent, an optional session
/// token, and `signature`, parsed by the verifier at its own X-Amz-Date.
fn reference(query: &str, token: Option<&str>, signature: &str) -> Parsed {
    let (token_header, signed) = match token {
        Some(t) => (format!("X-Amz-Security-Token:{t}\n"), "host;x-amz-date;x-amz-security-token"),
        None => (String::new(), "host;x-amz-date"),
    };
    let text = format!(
        "POST /v1/authorization-token?{query} HTTP/1.1\n\
         Host:127.0.0.1:5099\n\
         X-Amz-Date:20240101T000000Z\n\
         {token_header}\
         Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/codeartifact/aws4_request, \
         SignedHeaders={signed}, Signature={signature}"
    );
    let req = TextRequest::parse(&text);
    Parsed::from_request(&req.parts(), &rules("codeartifact"), req.amz_date()).unwrap()
}

const QUERY: &str = "domain=my-domain&domain-owner=111122223333&duration=900";

#[test]
fn the_reference_codeartifact_vector() {
    let parsed = reference(QUERY, None, SIGNATURE);
    assert_eq!(
        hex::encode(sha2::Sha256::digest(parsed.canonical_request().as_bytes())),
        "9ba8684a6a842310cf5c5e382ffa38be2f6fe984e438ca219d35f6c4230186fc"
    );
    parsed.verify(SUITE_SECRET).unwrap();
    assert!(parsed.verify("wrong").is_err());
}

#[test]
fn the_reference_codeartifact_vector_with_a_session_token() {
    let parsed = reference(QUERY, Some("FAKESESSIONTOKEN"), SIGNATURE_WITH_TOKEN);
    assert_eq!(parsed.session_token(), Some("FAKESESSIONTOKEN"));
    parsed.verify(SUITE_SECRET).unwrap();
}

#[test]
fn the_query_order_on_the_wire_does_not_matter() {
    // The CLI's login sends domain-owner last; the canonical query is sorted.
    let parsed =
        reference("duration=900&domain-owner=111122223333&domain=my-domain", None, SIGNATURE);
    parsed.verify(SUITE_SECRET).unwrap();
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/aws-sigv4-test-suite")
}

#[test]
fn the_aws_sigv4_test_suite() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(suite_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 29, "the suite is there: {}", cases.len());
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy();
        // Some files end with a newline that is not part of the value.
        let read = |file: &str| {
            std::fs::read_to_string(case.join(file))
                .ok()
                .map(|t| t.trim_end_matches('\n').to_string())
        };
        let context: Option<serde_json::Value> =
            read("context.json").map(|t| serde_json::from_str(&t).unwrap());
        let secret = context
            .as_ref()
            .map(|c| c["credentials"]["secret_access_key"].as_str().unwrap().to_string())
            .unwrap_or_else(|| SUITE_SECRET.to_string());

        let req = TextRequest::parse(&read("header-signed-request.txt").unwrap());
        let authorization = req.headers["authorization"].to_str().unwrap();
        let service = authorization.split('/').nth(3).unwrap();
        let parsed = Parsed::from_request(&req.parts(), &rules(service), req.amz_date())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            parsed.canonical_request(),
            read("header-canonical-request.txt").unwrap(),
            "{name}: canonical request"
        );
        if let Some(expected) = read("header-string-to-sign.txt") {
            assert_eq!(parsed.string_to_sign(), expected, "{name}: string to sign");
        }
        parsed.verify(&secret).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(parsed.verify("not-the-secret").is_err(), "{name}: a wrong secret fails");
    }
}
