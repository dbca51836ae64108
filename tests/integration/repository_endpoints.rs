//! Repository endpoints: a token from GetAuthorizationToken is accepted as
//! npm sends it (Bearer) and as pip and twine send it (Basic `aws:<token>`);
//! a missing, forged, expired or other-domain token is a 401 with
//! `WWW-Authenticate`, before anything about the repository is revealed.

use chrono::{TimeDelta, Utc};
use codeartifact_client::types::PackageFormat;
use codeartifact_server::token_issuer::{TokenClaims, TokenIssuer};
use codeartifact_tests::{TestServer, ACCOUNT, USER};

use crate::registry::{
    assert_unauthorized, basic, bearer, endpoint, get, make_repository, token_for,
};

#[tokio::test]
async fn npm_and_pip_get_past_authentication_with_a_token() {
    let server = TestServer::start().await;
    make_repository(&server, "demo", "store").await;
    let token = token_for(&server, "demo").await;

    let npm = endpoint(&server, "demo", "store", PackageFormat::Npm).await;
    let package = get(&format!("{npm}left-pad"), |r| bearer(r, &token)).await;
    assert_eq!(package.status().as_u16(), 404, "an empty registry: no such package");
    assert_eq!(package.headers()["content-type"], "application/json");
    let ping = get(&format!("{npm}-/ping"), |r| bearer(r, &token)).await;
    assert_eq!(ping.status().as_u16(), 200);

    let pypi = endpoint(&server, "demo", "store", PackageFormat::Pypi).await;
    let index = get(&format!("{pypi}simple/"), |r| basic(r, &token)).await;
    assert_eq!(index.status().as_u16(), 200);
    assert!(index.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = index.text().await.unwrap();
    assert!(html.contains(r#"<meta name="pypi:repository-version" content="1.1">"#), "{html}");
    assert!(!html.contains("<a "), "no projects yet: {html}");
    let project = get(&format!("{pypi}simple/requests/"), |r| basic(r, &token)).await;
    assert_eq!(project.status().as_u16(), 404);

    // Either scheme works for either format, as on AWS.
    let index = get(&format!("{pypi}simple/"), |r| bearer(r, &token)).await;
    assert_eq!(index.status().as_u16(), 200);

    // Uploads get past authentication and are refused for what they are:
    // not a twine form, not an npm publish document.
    let upload = basic(reqwest::Client::new().post(&pypi), &token).body("x").send().await.unwrap();
    assert_eq!(upload.status().as_u16(), 400);
    let publish = bearer(reqwest::Client::new().put(format!("{npm}left-pad")), &token);
    let publish = publish.body("x").send().await.unwrap();
    assert_eq!(publish.status().as_u16(), 400);
    let body: serde_json::Value = publish.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("JSON"), "npm prints this: {body}");
    server.stop().await;
}

#[tokio::test]
async fn every_bad_token_is_a_401_with_a_challenge() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    make_repository(&server, "demo", "store").await;
    make_repository(&server, "team", "store").await;
    let npm = endpoint(&server, "demo", "store", PackageFormat::Npm).await;
    let url = format!("{npm}left-pad");
    let token = token_for(&server, "demo").await;

    assert_unauthorized(get(&url, |r| r).await).await;
    let mut forged = token.clone().into_bytes();
    let middle = forged.len() / 2;
    forged[middle] = if forged[middle] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert_unauthorized(get(&url, |r| bearer(r, &forged)).await).await;
    assert_unauthorized(get(&url, |r| bearer(r, "v4.local.nonsense")).await).await;
    // The server never makes a footer: an empty one (a trailing `.`) is refused.
    assert_unauthorized(get(&url, |r| bearer(r, &format!("{token}."))).await).await;
    assert_unauthorized(get(&url, |r| r.basic_auth("admin", Some(&token))).await).await;

    // A token for the team domain opens the team domain, not demo.
    let team_token = token_for(&server, "team").await;
    assert_unauthorized(get(&url, |r| bearer(r, &team_token)).await).await;
    let team = endpoint(&server, "team", "store", PackageFormat::Npm).await;
    assert_eq!(get(&format!("{team}-/ping"), |r| bearer(r, &team_token)).await.status(), 200);

    // A token that has expired, made with the server's own key, for the
    // domain instance the good token names.
    let issuer = TokenIssuer::load_or_create(dir.path()).unwrap();
    let now = Utc::now();
    let expired = issuer
        .mint(&TokenClaims {
            domain: "demo".into(),
            domain_owner: ACCOUNT.into(),
            domain_instance: issuer.verify(&token).unwrap().domain_instance,
            principal: USER.arn.into(),
            region: "us-east-1".into(),
            issued_at: now - TimeDelta::hours(2),
            expiration: now - TimeDelta::hours(1),
        })
        .unwrap();
    assert_unauthorized(get(&url, |r| bearer(r, &expired)).await).await;
    // The same request with the good token gets past authentication.
    assert_eq!(get(&url, |r| bearer(r, &token)).await.status(), 404);
    server.stop().await;
}

/// A token names the domain instance it was issued for: once the domain
/// is deleted its tokens are refused (401, not the repository's 404), and
/// a domain created again under the same name is another domain, which
/// they do not open. Tokens the server has verified and remembered too.
#[tokio::test]
async fn a_deleted_domains_tokens_stay_refused_when_it_is_created_again() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    let create_again = async || {
        client.create_domain().domain("tmpd").send().await.unwrap();
        make_repository(&server, "tmpd", "store").await;
    };
    create_again().await;
    let old = token_for(&server, "tmpd").await;
    let npm = endpoint(&server, "tmpd", "store", PackageFormat::Npm).await;
    let pypi = endpoint(&server, "tmpd", "store", PackageFormat::Pypi).await;
    let ping = format!("{npm}-/ping");
    // Verified, and so remembered by the server, before the deletion.
    assert_eq!(get(&ping, |r| bearer(r, &old)).await.status(), 200);

    client.delete_repository().domain("tmpd").repository("store").send().await.unwrap();
    client.delete_domain().domain("tmpd").send().await.unwrap();
    let refused = async |url: &str, token: &str| {
        let response = get(url, |r| bearer(r, token)).await;
        assert_eq!(response.status().as_u16(), 401, "{url}");
        let body: serde_json::Value = response.json().await.unwrap();
        let error = body["error"].as_str().unwrap_or_default().to_string();
        assert!(error.contains("domain that no longer exists"), "{url}: {body}");
    };
    refused(&ping, &old).await;
    // Nothing about which repositories existed: any name is the same 401.
    let missing = format!("{}/d/tmpd-{ACCOUNT}/npm/never-was/left-pad", server.url);
    refused(&missing, &old).await;
    assert_eq!(get(&format!("{pypi}simple/"), |r| basic(r, &old)).await.status(), 401);

    create_again().await;
    refused(&ping, &old).await;
    assert_eq!(get(&format!("{pypi}simple/"), |r| basic(r, &old)).await.status(), 401);
    let new = token_for(&server, "tmpd").await;
    assert_eq!(get(&ping, |r| bearer(r, &new)).await.status(), 200);
    assert_eq!(get(&format!("{pypi}simple/"), |r| basic(r, &new)).await.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn nothing_about_a_repository_is_revealed_without_a_token() {
    let server = TestServer::start().await;
    let token = token_for(&server, "demo").await;
    let base = format!("{}/d/demo-{ACCOUNT}", server.url);
    // No such repository: 401 without a token, 404 with one.
    let missing = format!("{base}/npm/missing/left-pad");
    assert_unauthorized(get(&missing, |r| r).await).await;
    assert_eq!(get(&missing, |r| bearer(r, &token)).await.status(), 404);
    // Paths that cannot name a repository at all are simply not found.
    for path in ["Demo-111122223333/npm/r1/x", "demo-111122223333/rpm/r1/x", "demo-1/npm/r1/x"] {
        let response = get(&format!("{}/d/{path}", server.url), |r| bearer(r, &token)).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn endpoints_follow_the_public_url_or_the_transport() {
    let public = "public_url = \"https://artifacts.example.com/\"";
    let server = TestServer::start_with(public, codeartifact_server::Storage::Ephemeral).await;
    make_repository(&server, "demo", "store").await;
    let url = endpoint(&server, "demo", "store", PackageFormat::Npm).await;
    assert_eq!(url, "https://artifacts.example.com/d/demo-111122223333/npm/store/");
    server.stop().await;

    let tls = "secure_transport = true";
    let server = TestServer::start_with(tls, codeartifact_server::Storage::Ephemeral).await;
    make_repository(&server, "demo", "store").await;
    let url = endpoint(&server, "demo", "store", PackageFormat::Pypi).await;
    let host = server.url.trim_start_matches("http://");
    assert_eq!(url, format!("https://{host}/d/demo-111122223333/pypi/store/"));
    server.stop().await;
}
