//! The client as people outside this repository use it: built with its
//! builder or from an `SdkConfig`, pointed at AWS's own endpoint (signed for
//! that host and region, checked by the server's verifier, no network), and
//! failing with AWS error codes a caller matches on.

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use chrono::Utc;
use codeartifact_client::{AwsErrorExt, Client, ErrorCode};
use codeartifact_tests::request_parts;
use codeartifact_tests::{test_config_with, Cred, TestServer, USER};
use progenitor_client::ClientInfo;

fn credentials(cred: Cred) -> Credentials {
    let token = cred.session_token.map(str::to_string);
    Credentials::new(cred.access_key_id, cred.secret_access_key, token, None, "test")
}

const AWS_HOST: &str = "codeartifact.us-west-2.amazonaws.com";

#[tokio::test]
async fn a_request_for_aws_is_signed_for_its_host_and_region() {
    let client = Client::builder()
        .endpoint_url(format!("https://{AWS_HOST}"))
        .region("us-west-2")
        .credentials_provider(credentials(*USER))
        .load()
        .await;
    assert_eq!(client.baseurl(), &format!("https://{AWS_HOST}"));

    // The request GetAuthorizationToken sends, signed by the client's own
    // signer; nothing leaves the machine.
    let url = format!("{}/v1/authorization-token?domain=demo&duration=900", client.baseurl());
    let mut request = reqwest::Client::new().post(&url).build().unwrap();
    client.inner().sign(&mut request).await.unwrap();

    let header = |name: &str| request.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("host"), AWS_HOST);
    let authorization = header("authorization");
    let date = &header("x-amz-date")[..8];
    let scope =
        format!("Credential={}/{date}/us-west-2/codeartifact/aws4_request,", USER.access_key_id);
    assert!(authorization.starts_with("AWS4-HMAC-SHA256 "), "{authorization}");
    assert!(authorization.contains(&scope), "{authorization}");
    let signed = authorization.split("SignedHeaders=").nth(1).unwrap().split(',').next().unwrap();
    assert!(signed.split(';').any(|h| h == "host"), "{authorization}");

    // The server's verifier agrees with what was signed: method, path,
    // query, the Host above and the body.
    let (config, _) = test_config_with("");
    let identities = codeartifact_server::setup::iam(&config).unwrap().0;
    let parts = request_parts(&request);
    let caller = identities.authenticate(&parts, Utc::now()).expect("the signature verifies");
    assert_eq!(caller.region, "us-west-2");
    assert_eq!(caller.principal.arn, USER.arn);

    // Signed for another host, it does not verify: the check can fail.
    let mut moved = request.try_clone().unwrap();
    moved.headers_mut().insert("host", "codeartifact.us-east-1.amazonaws.com".parse().unwrap());
    let parts = request_parts(&moved);
    let refused = identities.authenticate(&parts, Utc::now()).expect_err("another host");
    assert_eq!(refused.code.as_str(), "InvalidSignatureException");
}

#[tokio::test]
async fn without_an_endpoint_the_client_goes_to_aws_in_its_region() {
    let client =
        Client::builder().region("eu-west-1").credentials_provider(credentials(*USER)).load().await;
    // As the AWS SDKs do, an endpoint in the environment wins over AWS's.
    let configured = ["AWS_ENDPOINT_URL_CODEARTIFACT", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    let expected =
        configured.unwrap_or_else(|| "https://codeartifact.eu-west-1.amazonaws.com".to_string());
    assert_eq!(client.baseurl(), &expected);
    assert_eq!(client.inner().region(), "eu-west-1");
}

#[tokio::test]
async fn the_builder_and_an_sdk_config_make_working_clients() {
    let server = TestServer::start().await;
    let built = Client::builder()
        .endpoint_url(&server.url)
        .region("us-east-1")
        .credentials_provider(credentials(*USER))
        .load()
        .await;
    let token = built.get_authorization_token().domain("demo").send().await.unwrap();
    assert!(token.authorization_token.starts_with("v4.local."));

    let config = aws_types::SdkConfig::builder()
        .region(aws_types::region::Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(credentials(*USER)))
        .endpoint_url(&server.url)
        .build();
    let from_config = Client::from_sdk_config(&config);
    assert_eq!(from_config.baseurl(), &server.url);
    let domains = from_config.list_domains().send().await.unwrap();
    assert!(domains.domains.iter().any(|d| d.name.as_str() == "demo"), "{domains:?}");
    server.stop().await;
}

#[tokio::test]
async fn errors_are_matched_by_their_aws_code() {
    let server = TestServer::start().await;
    let client = server.client(*USER);

    let missing = client.describe_domain().domain("no-such-domain").send().await.unwrap_err();
    let error = missing.aws_error().expect("an AWS error");
    assert!(matches!(error.code, ErrorCode::ResourceNotFoundException), "{error:?}");
    assert_eq!(error.status, 404);
    assert!(error.message.contains("no-such-domain"), "{}", error.message);
    assert!(error.request_id.is_some());

    let too_long = client.get_authorization_token().domain("demo").duration(50_000u64);
    let invalid = too_long.send().await.unwrap_err().aws_error().expect("an AWS error");
    assert_eq!(invalid.code, ErrorCode::ValidationException);
    assert_eq!(invalid.status, 400);
    assert!(invalid.message.contains("43200"), "{}", invalid.message);

    // Before any answer there is no AWS error to read.
    let offline = Client::new("http://127.0.0.1:1", USER.signer());
    let refused = offline.list_domains().send().await.unwrap_err();
    assert_eq!(refused.aws_error(), None, "{refused}");
    server.stop().await;
}
