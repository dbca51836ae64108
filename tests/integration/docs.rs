//! The served API reference: `/openapi.json` is the checked-in contract
//! byte for byte and `/docs` shows every operation, both without a
//! signature; and the Rust client's examples the page shows run, in order,
//! against the development setup.

use codeartifact_tests::TestServer;

// The very file the page shows (server/src/http/docs/examples/rust.rs):
// it defines `examples(endpoint)`.
include!("../../server/src/http/docs/examples/rust.rs");

fn operation_ids() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
    let spec: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let paths = spec["paths"].as_object().unwrap().values();
    let ops = paths.flat_map(|item| item.as_object().unwrap().values());
    ops.map(|op| op["operationId"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn openapi_json_is_the_checked_in_file_byte_for_byte_unsigned() {
    let server = TestServer::start().await;
    let response = reqwest::get(format!("{}/openapi.json", server.url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let served = response.bytes().await.unwrap();
    let on_disk = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json")).unwrap();
    assert!(served == on_disk, "/openapi.json differs from the checked-in file");
    server.stop().await;
}

#[tokio::test]
async fn docs_shows_every_operation_unsigned() {
    let server = TestServer::start().await;
    let response = reqwest::get(format!("{}/docs", server.url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    let page = response.text().await.unwrap();
    let ids = operation_ids();
    assert!(ids.len() >= 29, "{ids:?}");
    for id in &ids {
        assert!(page.contains(&format!("<section class=\"op\" id=\"{id}\">")), "{id} is missing");
        assert!(page.contains(&format!("href=\"#{id}\"")), "{id} is not in the contents");
    }
    // Self-contained: nothing is fetched from elsewhere.
    assert!(!page.contains("<script"), "the page needs no script");
    assert!(!page.contains("src=\"http"), "the page loads nothing from elsewhere");
    assert!(!page.contains("<link"), "the page loads no stylesheet");
    server.stop().await;
}

#[tokio::test]
async fn the_rust_examples_run_in_order_against_the_development_setup() {
    let server = TestServer::start_development().await;
    examples(&server.url).await.expect("every Rust example runs");
    // What the examples created they deleted: the setup is as it was.
    let signer = codeartifact_client::Signer::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        None,
        "us-east-1",
    );
    let client = codeartifact_client::Client::new(&server.url, signer);
    let repositories = client.list_repositories().send().await.unwrap().into_inner();
    let names: Vec<String> =
        repositories.repositories.iter().map(|r| r.name.as_str().to_string()).collect();
    assert_eq!(names, ["demo-repo"]);
    let domains = client
        .list_domains()
        .body(codeartifact_client::types::ListDomainsRequest::default())
        .send()
        .await
        .unwrap();
    let names: Vec<String> = domains.domains.iter().map(|d| d.name.as_str().to_string()).collect();
    assert_eq!(names, ["demo"]);
    server.stop().await;
}
