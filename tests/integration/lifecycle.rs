//! The server's life: its key and its database survive a restart, so its
//! tokens, domains and repositories do too.

use codeartifact_client::types;
use codeartifact_server::token_issuer::TokenIssuer;
use codeartifact_tests::{TestServer, USER};

#[tokio::test]
async fn tokens_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestServer::start_in("", dir.path()).await;
    let token = first
        .client(*USER)
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
    let again = second.client(*USER).get_authorization_token().domain("demo").send().await.unwrap();
    assert!(issuer.verify(&again.into_inner().authorization_token).is_ok());
    second.stop().await;
}

#[tokio::test]
async fn domains_repositories_and_endpoint_access_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestServer::start_in("", dir.path()).await;
    let client = first.client(*USER);
    client.create_domain().domain("kept").send().await.unwrap();
    client.create_repository().domain("kept").repository("r1").send().await.unwrap();
    // The configured demo domain gains a repository through the API.
    client.create_repository().domain("demo").repository("r2").send().await.unwrap();
    let token = client.get_authorization_token().domain("kept").send().await.unwrap();
    let token = token.into_inner().authorization_token;
    let before = client.describe_domain().domain("kept").send().await.unwrap().into_inner().domain;
    first.stop().await;

    let second = TestServer::start_in("", dir.path()).await;
    let client = second.client(*USER);
    let after = client.describe_domain().domain("kept").send().await.unwrap().into_inner().domain;
    assert_eq!(after.created_time, before.created_time);
    assert_eq!(after.repository_count, 1);
    let repos = client.list_repositories_in_domain().domain("demo").send().await.unwrap();
    let names: Vec<String> =
        repos.into_inner().repositories.iter().map(|r| r.name.to_string()).collect();
    assert_eq!(names, ["r2"]);
    let endpoint = client
        .get_repository_endpoint()
        .domain("kept")
        .repository("r1")
        .format(types::PackageFormat::Npm)
        .send()
        .await
        .unwrap()
        .into_inner()
        .repository_endpoint;
    // The token from before the restart still opens the repository.
    let response = reqwest::Client::new()
        .get(format!("{endpoint}-/ping"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    second.stop().await;
}

#[tokio::test]
async fn an_ephemeral_server_keeps_nothing() {
    let first = TestServer::start().await;
    first.client(*USER).create_domain().domain("gone").send().await.unwrap();
    first.stop().await;
    let second = TestServer::start().await;
    let result = second.client(*USER).describe_domain().domain("gone").send().await;
    assert_eq!(codeartifact_tests::aws_error(result).0, 404);
    second.stop().await;
}

#[tokio::test]
async fn configured_items_are_created_once_and_stay_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let configured =
        "[[domains]]\nname = \"seeded\"\nowner = \"111122223333\"\nrepositories = [\"a1\", \"a2\"]";
    let first = TestServer::start_in(configured, dir.path()).await;
    let client = first.client(*USER);
    let repos = client.list_repositories_in_domain().domain("seeded").send().await.unwrap();
    assert_eq!(repos.into_inner().repositories.len(), 2);
    client.delete_repository().domain("seeded").repository("a1").send().await.unwrap();
    first.stop().await;

    let second = TestServer::start_in(configured, dir.path()).await;
    let client = second.client(*USER);
    let result = client.describe_repository().domain("seeded").repository("a1").send().await;
    assert_eq!(
        codeartifact_tests::aws_error(result).0,
        404,
        "deleted through the API: stays deleted"
    );
    client.describe_repository().domain("seeded").repository("a2").send().await.unwrap();
    second.stop().await;
}

#[tokio::test]
async fn a_second_server_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestServer::start_in("", dir.path()).await;
    let (config, _) = codeartifact_tests::test_config_with("");
    let options = codeartifact_server::ServerOptions {
        config,
        bind: "127.0.0.1:0".parse().unwrap(),
        storage: codeartifact_server::Storage::Dir(dir.path().to_path_buf()),
    };
    let quiet = slog::Logger::root(slog::Discard, slog::o!());
    let refused = codeartifact_server::start(options, quiet).await.expect_err("refused");
    let message = format!("{refused:#}");
    assert!(message.contains("another codeartifact-local is using the data directory"), "{message}");
    assert!(message.contains(&dir.path().display().to_string()), "{message}");
    // The first is unharmed, and once it stops the directory is free.
    first.client(*USER).list_domains().send().await.unwrap();
    first.stop().await;
    TestServer::start_in("", dir.path()).await.stop().await;
}
