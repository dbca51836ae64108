//! CreateDomain, DescribeDomain, ListDomains and DeleteDomain: round trips
//! through the generated client, each error class, pagination over several
//! pages, and raw requests for what the client refuses to send.

use codeartifact_client::types;
use codeartifact_server::Storage;
use codeartifact_tests::{aws_error, call_raw, TestServer, ACCOUNT, GINA, OTHER_USER, USER};
use reqwest::Method;

#[tokio::test]
async fn a_domain_is_created_described_listed_and_deleted() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    let before = chrono::Utc::now().timestamp();
    let body = types::CreateDomainBody::builder()
        .encryption_key(Some("alias/my-key".parse().unwrap()))
        .tags(vec![types::Tag { key: "team".parse().unwrap(), value: "build".parse().unwrap() }]);
    let created =
        client.create_domain().domain("fresh").body(body).send().await.unwrap().into_inner().domain;
    assert_eq!(created.name.as_str(), "fresh");
    assert_eq!(created.owner.as_str(), ACCOUNT);
    assert_eq!(created.arn, "arn:aws:codeartifact:us-east-1:111122223333:domain/fresh");
    assert_eq!(created.status, types::DomainStatus::Active);
    assert_eq!(created.encryption_key.as_deref(), Some("alias/my-key"));
    assert_eq!(created.repository_count, 0);
    assert!((created.created_time - before).abs() <= 2);

    let described =
        client.describe_domain().domain("fresh").send().await.unwrap().into_inner().domain;
    assert_eq!(described.arn, created.arn);
    assert_eq!(described.created_time, created.created_time);

    let listed = client.list_domains().body(types::ListDomainsRequest::default()).send().await;
    let names: Vec<String> =
        listed.unwrap().into_inner().domains.iter().map(|d| d.name.to_string()).collect();
    // The account's configured domains in this region are there too, by
    // name; `regional` lives in eu-west-1.
    assert_eq!(names, ["demo", "fresh", "team"]);

    let deleted = client
        .delete_domain()
        .domain("fresh")
        .domain_owner(ACCOUNT)
        .send()
        .await
        .unwrap()
        .into_inner()
        .domain;
    assert_eq!(deleted.status, types::DomainStatus::Deleted);
    let (status, code, message) = aws_error(client.describe_domain().domain("fresh").send().await);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));
    assert_eq!(message, "Domain 'fresh' owned by account 111122223333 does not exist.");
    server.stop().await;
}

#[tokio::test]
async fn list_domains_pages_through_every_domain_once() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    for i in 0..7 {
        client.create_domain().domain(format!("page-{i}")).send().await.unwrap();
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let body = types::ListDomainsRequest {
            max_results: Some(3.try_into().unwrap()),
            next_token: token.as_deref().map(|t| t.parse().unwrap()),
        };
        let page = client.list_domains().body(body).send().await.unwrap().into_inner();
        assert!(page.domains.len() <= 3);
        seen.extend(page.domains.into_iter().map(|d| d.name.to_string()));
        pages += 1;
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    // 7 created + demo and team: 9 domains, in 3 full pages, the last
    // without a token.
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "in order, no repeats");
    assert_eq!(seen.len(), 9);
    server.stop().await;
}

#[tokio::test]
async fn conflicts() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    let (status, code, message) = aws_error(client.create_domain().domain("demo").send().await);
    assert_eq!((status, code.as_str()), (409, "ConflictException"));
    assert_eq!(message, "Domain 'demo' already exists in account 111122223333.");

    client.create_domain().domain("busy").send().await.unwrap();
    client.create_repository().domain("busy").repository("r1").send().await.unwrap();
    let (status, code, message) = aws_error(client.delete_domain().domain("busy").send().await);
    assert_eq!((status, code.as_str()), (409, "ConflictException"));
    assert_eq!(message, "Domain 'busy' has 1 repository; delete them before the domain.");
    // Nothing was lost by the refusal.
    let domain = client.describe_domain().domain("busy").send().await.unwrap().into_inner().domain;
    assert_eq!(domain.repository_count, 1);
    server.stop().await;
}

#[tokio::test]
async fn access_is_decided_per_action() {
    let server = TestServer::start().await;
    // Gina may get bearer tokens only; the team domain's policy lets her in
    // there, and nowhere else.
    let gina = server.client(*GINA);
    let (status, code, message) = aws_error(gina.create_domain().domain("ginas").send().await);
    assert_eq!((status, code.as_str()), (403, "AccessDeniedException"));
    assert_eq!(
        message,
        "User: arn:aws:iam::111122223333:user/gina is not authorized to perform: \
         codeartifact:CreateDomain on resource: \
         arn:aws:codeartifact:us-east-1:111122223333:domain/ginas because no identity-based \
         policy allows the codeartifact:CreateDomain action"
    );
    let (status, code, _) =
        aws_error(gina.list_domains().body(types::ListDomainsRequest::default()).send().await);
    assert_eq!((status, code.as_str()), (403, "AccessDeniedException"));

    // Another account's domain is closed unless its policy opens it, and
    // access is decided before existence: no 404 leaks what exists.
    let bob = server.client(*OTHER_USER);
    for domain in ["demo", "no-such-domain"] {
        let call = bob.describe_domain().domain(domain).domain_owner(ACCOUNT).send().await;
        let (status, code, message) = aws_error(call);
        assert_eq!((status, code.as_str()), (403, "AccessDeniedException"), "{domain}");
        assert!(message.contains("because no resource-based policy allows"), "{message}");
    }
    // His own account's list has only its own domain... until he makes one.
    let own = bob.list_domains().body(types::ListDomainsRequest::default()).send().await;
    let own: Vec<String> =
        own.unwrap().into_inner().domains.iter().map(|d| d.name.to_string()).collect();
    assert_eq!(own, ["shared"]);
    bob.create_domain().domain("demo").send().await.unwrap();
    let bobs = bob.describe_domain().domain("demo").send().await.unwrap().into_inner().domain;
    assert_eq!(bobs.owner.as_str(), "444455556666", "same name, other account: another domain");
    server.stop().await;
}

#[tokio::test]
async fn bad_input_is_a_validation_or_serialization_error_after_authentication() {
    let server = TestServer::start().await;
    let cases = [
        (Method::POST, "/v1/domain?domain=Bad_Name", "{}", 400, "ValidationException"),
        (Method::POST, "/v1/domain", "{}", 400, "ValidationException"),
        (
            Method::POST,
            "/v1/domain?domain=ok-name",
            r#"{"tags":"x"}"#,
            400,
            "SerializationException",
        ),
        (Method::POST, "/v1/domain?domain=ok-name", "{not json", 400, "SerializationException"),
        (Method::POST, "/v1/domains", r#"{"maxResults":0}"#, 400, "ValidationException"),
        (Method::POST, "/v1/domains", r#"{"nextToken":"%%%"}"#, 400, "ValidationException"),
        // serde alone reads a struct from an array of its members: `[5]`
        // would be maxResults 5, and `[]` would create a domain.
        (Method::POST, "/v1/domains", "[]", 400, "SerializationException"),
        (Method::POST, "/v1/domains", "[5]", 400, "SerializationException"),
        (Method::POST, "/v1/domain?domain=from-an-array", "[]", 400, "SerializationException"),
        (Method::GET, "/v1/domain?domain=demo&domain-owner=12", "", 400, "ValidationException"),
        (Method::DELETE, "/v1/domain", "", 400, "ValidationException"),
    ];
    for (method, path, body, status, code) in cases {
        let (got_status, got_code, json) =
            call_raw(&server, method.clone(), path, body, *USER).await;
        assert_eq!(
            (got_status, got_code.as_str()),
            (status, code),
            "{method} {path} {body}: {json}"
        );
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()), "{json}");
    }
    let (_, _, json) =
        call_raw(&server, Method::POST, "/v1/domain?domain=Bad_Name", "{}", *USER).await;
    assert_eq!(
        json["message"],
        "1 validation error detected: Value 'Bad_Name' at 'domain' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: [a-z][a-z0-9\\-]{0,48}[a-z0-9]"
    );

    // Unsigned: refused before the body or the query is looked at.
    let response = reqwest::Client::new()
        .post(format!("{}/v1/domain?domain=Bad_Name", server.url))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(response.headers()["x-amzn-errortype"], "MissingAuthenticationTokenException");

    // A body that fails is refused whole: nothing was created.
    let client = server.client(*USER);
    let (status, _, _) = aws_error(client.describe_domain().domain("ok-name").send().await);
    assert_eq!(status, 404);
    server.stop().await;
}

#[tokio::test]
async fn quotas_are_service_quota_exceeded() {
    let quotas = "[quotas]\ndomains_per_account = 3\nrepositories_per_domain = 1";
    let server = TestServer::start_with(quotas, Storage::Ephemeral).await;
    let client = server.client(*USER);
    // demo and team are the account's configured domains in us-east-1.
    client.create_domain().domain("third").send().await.unwrap();
    let (status, code, message) = aws_error(client.create_domain().domain("fourth").send().await);
    assert_eq!((status, code.as_str()), (402, "ServiceQuotaExceededException"));
    assert_eq!(
        message,
        "Account 111122223333 already has the most domains allowed in us-east-1: 3."
    );
    // At the quota, bad input is still reported as bad input: the body is
    // validated before the quota is counted.
    let at_quota = [
        ("[]", 400, "SerializationException"),
        (r#"{"tags":[{"key":"k\u0001","value":"v"}]}"#, 400, "ValidationException"),
        ("{}", 402, "ServiceQuotaExceededException"),
    ];
    for (body, status, code) in at_quota {
        let (got_status, got_code, json) =
            call_raw(&server, Method::POST, "/v1/domain?domain=fourth", body, *USER).await;
        assert_eq!((got_status, got_code.as_str()), (status, code), "{body}: {json}");
    }
    client.create_repository().domain("third").repository("r1").send().await.unwrap();
    let (status, code, _) =
        aws_error(client.create_repository().domain("third").repository("r2").send().await);
    assert_eq!((status, code.as_str()), (402, "ServiceQuotaExceededException"));
    // Freeing one makes room again.
    client.delete_repository().domain("third").repository("r1").send().await.unwrap();
    client.create_repository().domain("third").repository("r2").send().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn every_operation_is_rate_limited() {
    let limit = "[rate_limit]\nrequests_per_second = 1\nburst = 2";
    let server = TestServer::start_with(limit, Storage::Ephemeral).await;
    let client = server.client(*USER);
    client.describe_domain().domain("demo").send().await.unwrap();
    client.list_repositories_in_domain().domain("demo").send().await.unwrap();
    let result = client.create_domain().domain("too-fast").send().await;
    let Err(progenitor_client::Error::ErrorResponse(rv)) = result else {
        panic!("expected a throttling error, got {result:?}")
    };
    assert_eq!(rv.status().as_u16(), 429);
    assert_eq!(rv.headers()["x-amzn-errortype"], "ThrottlingException");
    assert!(rv.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    server.stop().await;
}
