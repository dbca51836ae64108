//! The access log: one line at info a request (dropshot's "request
//! completed"), naming the principal and what was decided, with the
//! per-statement detail at debug.

use codeartifact_server::Storage;
use codeartifact_tests::{signed, signed_post, Cred, LoggedServer, ACCOUNT, DAVE, USER};

/// The info lines logged after the first `skip` lines.
fn info_after(log: &str, skip: usize) -> Vec<String> {
    log.lines().skip(skip).filter(|l| l.starts_with("INFO")).map(str::to_string).collect()
}

async fn token_request(server: &LoggedServer, cred: Cred) -> reqwest::Response {
    let url = format!("{}/v1/authorization-token?domain=demo", server.url);
    let request = signed_post(&url, b"", &cred.signer());
    reqwest::Client::new().execute(request).await.expect("the server answers")
}

#[tokio::test]
async fn a_token_request_is_one_info_line_with_the_principal_and_the_decision() {
    let server = LoggedServer::start("", Storage::Ephemeral).await;
    let started = server.log.text().lines().count();
    let issued = token_request(&server, *USER).await;
    assert_eq!(issued.status(), 200);
    let token = issued.json::<serde_json::Value>().await.unwrap()["authorizationToken"].clone();
    let denied = token_request(&server, *DAVE).await;
    assert_eq!(denied.status(), 403);
    let log = server.log.text();
    let lines = info_after(&log, started);
    assert_eq!(lines.len(), 2, "one line a request: {log}");
    let line = &lines[0];
    for part in [
        "INFO request completed",
        "method=POST",
        "uri=/v1/authorization-token?domain=demo",
        "response_code=200",
        &format!("principal=arn:aws:iam::{ACCOUNT}:user/demo"),
        "decision=allowed",
        "latency_us=",
    ] {
        assert!(line.contains(part), "{part} missing: {line}");
    }
    let line = &lines[1];
    for part in [
        "response_code=403",
        &format!("principal=arn:aws:iam::{ACCOUNT}:user/dave"),
        "decision=denied",
        "error=AccessDeniedException",
        "message=User: arn:aws:iam::111122223333:user/dave is not authorized",
    ] {
        assert!(line.contains(part), "{part} missing: {line}");
    }
    assert!(!line.contains("error_message_"), "the message once: {line}");
    // The detail is at debug: which statement decided, and the token issued
    // (never the token itself).
    assert!(log.contains("DEBG issued authorization token"), "{log}");
    assert!(
        log.lines().any(|l| l.starts_with("DEBG denied") && l.contains("decided_by=")),
        "{log}"
    );
    assert!(!log.contains(token.as_str().unwrap()), "the token is never logged");
    server.stop().await;
}

#[tokio::test]
async fn a_repository_request_is_one_info_line_with_the_tokens_principal() {
    let server = LoggedServer::start("", Storage::Ephemeral).await;
    let issued = token_request(&server, *USER).await;
    let token = issued.json::<serde_json::Value>().await.unwrap()["authorizationToken"]
        .as_str()
        .unwrap()
        .to_string();
    let client = reqwest::Client::new();
    let create = format!("{}/v1/repository?domain=demo&repository=r1", server.url);
    let create = signed(reqwest::Method::POST, &create, b"{}", &USER.signer());
    assert_eq!(client.execute(create).await.unwrap().status(), 200);
    let started = server.log.text().lines().count();
    let document = format!("{}/d/demo-{ACCOUNT}/npm/r1/absent", server.url);
    let found = client.get(&document).bearer_auth(&token).send().await.unwrap();
    assert_eq!(found.status(), 404);
    let refused = client.get(&document).bearer_auth("v4.local.forged").send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let log = server.log.text();
    let lines = info_after(&log, started);
    assert_eq!(lines.len(), 2, "one line a request: {log}");
    for part in [
        "response_code=404",
        &format!("principal=arn:aws:iam::{ACCOUNT}:user/demo"),
        "message=Package 'absent' was not found",
    ] {
        assert!(lines[0].contains(part), "{part} missing: {}", lines[0]);
    }
    // A refusal that is not about access claims no decision.
    assert!(!lines[0].contains("decision="), "{}", lines[0]);
    for part in ["response_code=401", "decision=unauthenticated", "message=The authorization token"]
    {
        assert!(lines[1].contains(part), "{part} missing: {}", lines[1]);
    }
    assert!(!lines[1].contains("principal="), "{}", lines[1]);
    server.stop().await;
}
