//! CreateRepository, DescribeRepository, ListRepositoriesInDomain,
//! DeleteRepository and GetRepositoryEndpoint: round trips, each error
//! class, pagination with filters, and upstream conflicts.

use codeartifact_client::types;
use codeartifact_tests::{aws_error, call_raw, TestServer, ACCOUNT, ERIN, GINA, OTHER_USER, USER};
use reqwest::Method;

#[tokio::test]
async fn a_repository_is_created_described_and_deleted() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    let body = types::CreateRepositoryBody::builder()
        .description(Some("Team packages, ünïcode welcome".parse().unwrap()))
        .tags(vec![types::Tag { key: "k".parse().unwrap(), value: "".parse().unwrap() }]);
    let created = client
        .create_repository()
        .domain("demo")
        .repository("packages")
        .body(body)
        .send()
        .await
        .unwrap()
        .into_inner()
        .repository;
    assert_eq!(created.name.as_str(), "packages");
    assert_eq!(created.domain_name.as_str(), "demo");
    assert_eq!(created.domain_owner.as_str(), ACCOUNT);
    assert_eq!(created.administrator_account.as_str(), ACCOUNT);
    assert_eq!(created.arn, "arn:aws:codeartifact:us-east-1:111122223333:repository/demo/packages");
    assert_eq!(created.description.as_deref(), Some("Team packages, ünïcode welcome"));
    assert!(created.upstreams.is_empty() && created.external_connections.is_empty());

    let described = client
        .describe_repository()
        .domain("demo")
        .domain_owner(ACCOUNT)
        .repository("packages")
        .send()
        .await
        .unwrap()
        .into_inner()
        .repository;
    assert_eq!(described.arn, created.arn);
    assert_eq!(described.created_time, created.created_time);
    let domain = client.describe_domain().domain("demo").send().await.unwrap().into_inner();
    assert_eq!(domain.domain.repository_count, 1);

    let deleted = client.delete_repository().domain("demo").repository("packages").send().await;
    assert_eq!(deleted.unwrap().into_inner().repository.name.as_str(), "packages");
    let (status, code, message) =
        aws_error(client.describe_repository().domain("demo").repository("packages").send().await);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));
    assert_eq!(
        message,
        "Repository 'packages' in domain 'demo' owned by account 111122223333 does not exist."
    );
    let (status, code, _) =
        aws_error(client.delete_repository().domain("demo").repository("packages").send().await);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));
    server.stop().await;
}

#[tokio::test]
async fn listings_page_and_filter() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    for name in ["npm-a", "npm-b", "npm-c", "npm-d", "npm-e", "pypi-a", "pypi-b"] {
        client.create_repository().domain("demo").repository(name).send().await.unwrap();
    }
    let list = |prefix: Option<&'static str>, token: Option<String>| {
        let mut call = client.list_repositories_in_domain().domain("demo").max_results(2);
        if let Some(prefix) = prefix {
            call = call.repository_prefix(prefix);
        }
        if let Some(token) = token {
            call = call.next_token(token);
        }
        call.send()
    };
    let mut all = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = list(Some("npm"), token.take()).await.unwrap().into_inner();
        pages += 1;
        all.extend(page.repositories.iter().map(|r| r.name.to_string()));
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(all, ["npm-a", "npm-b", "npm-c", "npm-d", "npm-e"]);
    assert_eq!(pages, 3);
    let first = list(None, None).await.unwrap().into_inner();
    assert_eq!(first.repositories.len(), 2);
    assert!(first.next_token.is_some());

    // Every repository is administered by the domain's owner.
    let other = client
        .list_repositories_in_domain()
        .domain("demo")
        .administrator_account("444455556666")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(other.repositories.is_empty());
    let (status, code, _) =
        aws_error(client.list_repositories_in_domain().domain("nowhere").send().await);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));
    server.stop().await;
}

#[tokio::test]
async fn upstreams_must_exist_and_cannot_be_deleted_from_under_a_repository() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    let with_upstream = |name: &'static str| {
        types::CreateRepositoryBody::builder()
            .upstreams(vec![types::UpstreamRepository { repository_name: name.parse().unwrap() }])
    };
    let missing = client
        .create_repository()
        .domain("demo")
        .repository("app")
        .body(with_upstream("base"))
        .send()
        .await;
    let (status, code, message) = aws_error(missing);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));
    assert!(message.contains("Repository 'base'"), "{message}");

    client.create_repository().domain("demo").repository("base").send().await.unwrap();
    let app = client
        .create_repository()
        .domain("demo")
        .repository("app")
        .body(with_upstream("base"))
        .send()
        .await
        .unwrap()
        .into_inner()
        .repository;
    assert_eq!(app.upstreams[0].repository_name.as_str(), "base");

    let (status, code, message) =
        aws_error(client.delete_repository().domain("demo").repository("base").send().await);
    assert_eq!((status, code.as_str()), (409, "ConflictException"));
    assert!(message.contains("upstream of repository 'app'"), "{message}");
    let (status, code, _) =
        aws_error(client.create_repository().domain("demo").repository("app").send().await);
    assert_eq!((status, code.as_str()), (409, "ConflictException"));
    let (status, code, _) =
        aws_error(client.create_repository().domain("nowhere").repository("x1").send().await);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));

    client.delete_repository().domain("demo").repository("app").send().await.unwrap();
    client.delete_repository().domain("demo").repository("base").send().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn endpoints_are_unique_per_domain_owner_format_and_repository() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    client.create_repository().domain("demo").repository("r1").send().await.unwrap();
    client.create_repository().domain("team").repository("r1").send().await.unwrap();
    let endpoint = |domain: &'static str, format: types::PackageFormat| {
        client
            .get_repository_endpoint()
            .domain(domain)
            .repository("r1")
            .format(format)
            .endpoint_type(types::EndpointType::Ipv4)
            .send()
    };
    let npm = endpoint("demo", types::PackageFormat::Npm).await.unwrap().into_inner();
    assert_eq!(
        npm.repository_endpoint,
        format!("{}/d/demo-111122223333/npm/r1/", server.url),
        "on this server, as the caller reached it, ending in /"
    );
    let pypi = endpoint("demo", types::PackageFormat::Pypi).await.unwrap().into_inner();
    let team = endpoint("team", types::PackageFormat::Npm).await.unwrap().into_inner();
    let all = [&npm.repository_endpoint, &pypi.repository_endpoint, &team.repository_endpoint];
    assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), 3);

    let (status, code, _) = aws_error(
        client
            .get_repository_endpoint()
            .domain("demo")
            .repository("r2")
            .format(types::PackageFormat::Npm)
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));
    let (status, code, json) = call_raw(
        &server,
        Method::GET,
        "/v1/repository/endpoint?domain=demo&repository=r1&format=rpm",
        "",
        *USER,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "ValidationException"));
    assert!(json["message"].as_str().unwrap().contains("Member must satisfy enum value set"));
    server.stop().await;
}

#[tokio::test]
async fn repository_actions_follow_policies() {
    let server = TestServer::start().await;
    // Erin may do anything, but the shared domain's policy denies her; as
    // access is decided first, whether r1 exists does not matter.
    let erin = server.client(*ERIN);
    let call = erin.describe_repository().domain("shared").domain_owner("444455556666");
    let (status, code, message) = aws_error(call.repository("r1").send().await);
    assert_eq!((status, code.as_str()), (403, "AccessDeniedException"));
    assert!(message.contains("explicit deny in a resource-based policy"), "{message}");
    // Gina has bearer tokens only; the team domain's policy lets her read it.
    let gina = server.client(*GINA);
    let (status, code, message) = aws_error(
        gina.create_repository().domain("demo").domain_owner(ACCOUNT).repository("g1").send().await,
    );
    assert_eq!((status, code.as_str()), (403, "AccessDeniedException"));
    assert!(
        message.contains(
            "codeartifact:CreateRepository on resource: \
             arn:aws:codeartifact:us-east-1:111122223333:repository/demo/g1"
        ),
        "{message}"
    );
    // Bob (another account) may not list demo's repositories.
    let bob = server.client(*OTHER_USER);
    let (status, code, _) = aws_error(
        bob.list_repositories_in_domain().domain("demo").domain_owner(ACCOUNT).send().await,
    );
    assert_eq!((status, code.as_str()), (403, "AccessDeniedException"));
    server.stop().await;
}

#[tokio::test]
async fn bad_repository_input_is_a_validation_error() {
    let server = TestServer::start().await;
    let cases = [
        ("/v1/repository?domain=demo&repository=-bad", "{}"),
        ("/v1/repository?domain=demo", "{}"),
        ("/v1/repository?domain=demo&repository=ok1", r#"{"description":"bell\u0007"}"#),
        ("/v1/repository?domain=demo&repository=ok1", r#"{"upstreams":[{"repositoryName":"x"}]}"#),
    ];
    for (path, body) in cases {
        let (status, code, json) = call_raw(&server, Method::POST, path, body, *USER).await;
        assert_eq!((status, code.as_str()), (400, "ValidationException"), "{path} {body}: {json}");
    }
    let (status, code, _) = call_raw(
        &server,
        Method::POST,
        "/v1/domain/repositories?domain=demo&max-results=1001",
        "",
        *USER,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "ValidationException"));
    let (status, _, _) =
        call_raw(&server, Method::GET, "/v1/repository?domain=demo&repository=ok1", "", *USER)
            .await;
    assert_eq!(status, 404, "nothing was created by the refused requests");
    server.stop().await;
}
