//! The server's life: its key and its database survive a restart, so its
//! tokens, domains and repositories do too; and a database damaged, lost or
//! emptied while it was stopped keeps it from starting, rather than being
//! found late or silently made anew.

use std::path::Path;

use codeartifact_client::types;
use codeartifact_server::store::sqlite::{DATABASE_FILE, DATABASE_MARKER};
use codeartifact_server::token_issuer::TokenIssuer;
use codeartifact_server::{ServerOptions, Storage};
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
    assert!(
        message.contains("another codeartifact-local is using the data directory"),
        "{message}"
    );
    assert!(message.contains(&dir.path().display().to_string()), "{message}");
    // The first is unharmed, and once it stops the directory is free.
    first.client(*USER).list_domains().send().await.unwrap();
    first.stop().await;
    TestServer::start_in("", dir.path()).await.stop().await;
}

/// A server that kept its data in `dir`, with a domain and a repository of
/// its own besides the configured ones, stopped.
async fn stopped_server(dir: &Path) {
    let server = TestServer::start_in("", dir).await;
    let client = server.client(*USER);
    client.create_domain().domain("kept").send().await.unwrap();
    client.create_repository().domain("kept").repository("r1").send().await.unwrap();
    server.stop().await;
    let wal = dir.join(format!("{DATABASE_FILE}-wal"));
    assert!(!wal.exists(), "a stopped server folds its log into the database file");
}

/// Why a server on `dir` does not start.
async fn start_error(dir: &Path) -> String {
    let (config, _) = codeartifact_tests::test_config_with("");
    let storage = Storage::Dir(dir.to_path_buf());
    let options = ServerOptions { config, bind: "127.0.0.1:0".parse().unwrap(), storage };
    let log = slog::Logger::root(slog::Discard, slog::o!());
    match codeartifact_server::start(options, log).await {
        Ok(server) => {
            server.close().await.unwrap();
            panic!("the server started on {}", dir.display())
        }
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test]
async fn a_damaged_database_keeps_the_server_from_starting() {
    let dir = tempfile::tempdir().unwrap();
    stopped_server(dir.path()).await;
    let path = dir.path().join(DATABASE_FILE);
    // Page 2 is the root of the first table made, `domains`: bytes that
    // look random, the same at every run.
    let mut bytes = std::fs::read(&path).unwrap();
    let page_size = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    let mut x: u32 = 0x9e37_79b9;
    for b in &mut bytes[page_size..2 * page_size] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    std::fs::write(&path, &bytes).unwrap();

    let err = start_error(dir.path()).await;
    assert!(err.contains(&format!("the database {} is damaged", path.display())), "{err}");
    assert!(err.contains("restore it from a backup"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the damaged file is left as it was");
}

#[tokio::test]
async fn an_emptied_or_lost_database_keeps_the_server_from_starting() {
    let dir = tempfile::tempdir().unwrap();
    stopped_server(dir.path()).await;
    let path = dir.path().join(DATABASE_FILE);
    std::fs::File::create(&path).unwrap(); // truncated to zero bytes
    let err = start_error(dir.path()).await;
    assert!(err.contains(&format!("the database {} is empty (0 bytes)", path.display())), "{err}");
    assert!(err.contains(DATABASE_MARKER), "how to start afresh: {err}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "not made anew, nor seeded");

    std::fs::remove_file(&path).unwrap();
    let err = start_error(dir.path()).await;
    assert!(err.contains(&format!("the database {} is missing", path.display())), "{err}");
    assert!(!path.exists(), "not made anew");
}

#[tokio::test]
async fn a_new_data_directory_starts_and_seeds() {
    let dir = tempfile::tempdir().unwrap();
    // Not even the directory exists yet.
    let data = dir.path().join("data");
    for _ in 0..2 {
        let server = TestServer::start_in("", &data).await;
        let client = server.client(*USER);
        let demo = client.describe_domain().domain("demo").send().await.unwrap();
        assert_eq!(demo.into_inner().domain.name.as_str(), "demo");
        server.stop().await;
        assert!(data.join(DATABASE_MARKER).exists());
    }
}
