//! Micro-benchmarks of the request hot path, so that a regression shows
//! without a load run: SigV4 verification, authentication, token minting and
//! verification, policy evaluation, and a whole GetAuthorizationToken call
//! below HTTP. `cargo bench -p codeartifact-server --bench hot_path`.

use std::hint::black_box;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use codeartifact_api::{FromQuery, GetAuthorizationTokenRequest, QueryParams};
use codeartifact_server::config::{development, Config};
use codeartifact_server::iam::identity::Caller;
use codeartifact_server::iam::sigv4::{self, Parsed, RequestParts, ScopeRules};
use codeartifact_server::service::Call;
use codeartifact_server::setup;
use codeartifact_server::token_issuer::{TokenClaims, TokenIssuer};
use criterion::{criterion_group, criterion_main, Criterion};
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderValue};

const QUERY: &str = "domain=demo&domain-owner=111122223333&duration=900";
const PATH: &str = "/v1/authorization-token";

/// A request signed with our own SigV4 functions, as a client would sign it.
fn signed_headers(access_key_id: &str, secret: &str, at: DateTime<Utc>) -> HeaderMap {
    let amz_date = at.format("%Y%m%dT%H%M%SZ").to_string();
    let date = &amz_date[..8];
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("127.0.0.1:8787"));
    headers.insert("x-amz-date", HeaderValue::from_str(&amz_date).unwrap());
    let signed = ["host".to_string(), "x-amz-date".to_string()];
    let parts = RequestParts {
        method: "POST",
        path: PATH,
        query: QUERY,
        headers: &headers,
        body: b"",
        payload_hash: None,
    };
    let canonical = sigv4::canonical_request(&parts, &signed);
    let scope = format!("{date}/us-east-1/codeartifact/aws4_request");
    let to_sign = sigv4::string_to_sign(&amz_date, &scope, &canonical);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&sigv4::signing_key(
        secret,
        date,
        "us-east-1",
        "codeartifact",
    ))
    .unwrap();
    mac.update(to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders=host;x-amz-date, \
         Signature={signature}"
    );
    headers.insert("authorization", HeaderValue::from_str(&authorization).unwrap());
    headers
}

fn parts(headers: &HeaderMap) -> RequestParts<'_> {
    RequestParts {
        method: "POST",
        path: PATH,
        query: QUERY,
        headers,
        body: b"",
        payload_hash: None,
    }
}

fn sigv4_benches(c: &mut Criterion) {
    let at = NaiveDateTime::parse_from_str("20240101T000000Z", "%Y%m%dT%H%M%SZ").unwrap().and_utc();
    let headers = signed_headers("AKIDEXAMPLE", "secret", at);
    let rules = ScopeRules { service: "codeartifact".into(), region: None };
    c.bench_function("sigv4/parse_and_verify", |b| {
        b.iter(|| {
            let parsed = Parsed::from_request(&parts(black_box(&headers)), &rules, at).unwrap();
            parsed.verify("secret").unwrap();
        })
    });
}

fn identity_benches(c: &mut Criterion) {
    let now = Utc::now();
    let config = development::config(now);
    let identities = codeartifact_server::setup::iam(&config).unwrap().0;
    let headers = development_user_headers(&config, now);
    c.bench_function("identity/authenticate", |b| {
        b.iter(|| identities.authenticate(&parts(black_box(&headers)), now).unwrap())
    });
}

fn token_benches(c: &mut Criterion) {
    let issuer = TokenIssuer::ephemeral().unwrap();
    let now = Utc::now();
    let claims = TokenClaims {
        domain: "demo".into(),
        domain_owner: "111122223333".into(),
        domain_instance: "0123456789abcdef0123456789abcdef".into(),
        principal: "arn:aws:iam::111122223333:user/demo".into(),
        region: "us-east-1".into(),
        issued_at: now,
        expiration: now + TimeDelta::hours(12),
    };
    c.bench_function("tokens/mint", |b| b.iter(|| issuer.mint(black_box(&claims)).unwrap()));
    let token = issuer.mint(&claims).unwrap();
    c.bench_function("tokens/verify", |b| b.iter(|| issuer.verify(black_box(&token)).unwrap()));
}

fn service_benches(c: &mut Criterion) {
    let now = Utc::now();
    let config = development::config(now);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let storage = setup::Storage::ephemeral().unwrap();
    let quiet = slog::Logger::root(slog::Discard, slog::o!());
    let service = runtime.block_on(setup::service(&config, storage, None, now, &quiet)).unwrap();
    let headers = development_user_headers(&config, now);
    let caller: Caller = service.admit(&parts(&headers), now).unwrap();
    let principal = Arc::clone(&caller.principal);
    c.bench_function("policy/token_access", |b| {
        b.iter(|| service.token_access(black_box(&principal), "us-east-1", "111122223333", "demo"))
    });
    c.bench_function("validate/get_authorization_token_query", |b| {
        b.iter(|| GetAuthorizationTokenRequest::from_query(&QueryParams::parse(black_box(QUERY))))
    });
    let input = GetAuthorizationTokenRequest::from_query(&QueryParams::parse(QUERY)).unwrap();
    let log = slog::Logger::root(slog::Discard, slog::o!());
    let call = Call { log, caller, now, host: "127.0.0.1:8787".into() };
    c.bench_function("service/get_authorization_token", |b| {
        b.iter(|| {
            let input = black_box(&input).clone();
            runtime.block_on(service.get_authorization_token(&call, input)).unwrap()
        })
    });
}

/// Signing headers of the development setup's IAM user.
fn development_user_headers(config: &Config, now: DateTime<Utc>) -> HeaderMap {
    let key = &config.accounts[0].users[0].access_keys[0];
    signed_headers(&key.access_key_id, &key.secret_access_key, now)
}

criterion_group!(benches, sigv4_benches, identity_benches, token_benches, service_benches);
criterion_main!(benches);
