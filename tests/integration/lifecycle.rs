//! The server's life: its key survives a restart, so its tokens do too.

use codeartifact_server::tokens::TokenIssuer;
use codeartifact_tests::{TestServer, USER};

#[tokio::test]
async fn tokens_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestServer::start_in("", dir.path()).await;
    let token = first
        .client(USER)
        .get_authorization_token()
        .domain("demo")
        .send()
        .await
        .unwrap()
        .into_inner()
        .authorization_token;
    first.stop().await;

    let second = TestServer::start_in("", dir.path()).await;
    let issuer = TokenIssuer::load_or_create(dir.path()).unwrap();
    let claims = issuer.verify(&token).expect("the old token is still valid");
    assert_eq!(claims.domain, "demo");
    assert_eq!(claims.domain_owner, "111122223333");
    assert_eq!(claims.principal, USER.arn);
    // The restarted server still serves with the same key.
    let again = second.client(USER).get_authorization_token().domain("demo").send().await.unwrap();
    assert!(issuer.verify(&again.into_inner().authorization_token).is_ok());
    second.stop().await;
}
