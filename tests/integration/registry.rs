//! What the tests of the repository endpoints share: tokens and endpoints
//! from the API, the two ways package managers present a token, a
//! repository with an upstream, what the blob store holds on disk, a raw
//! request for what reqwest will not send (a body cut off mid-way), and a
//! configuration with a user who may read packages but not publish them.

use codeartifact_client::types::{CreateRepositoryBody, PackageFormat, UpstreamRepository};
use codeartifact_server::Storage;
use codeartifact_tests::{Cred, TestServer, USER};
use reqwest::{RequestBuilder, Response};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A token for `domain` from GetAuthorizationToken, as [`USER`].
pub async fn token_for(server: &TestServer, domain: &str) -> String {
    token_as(server, *USER, domain).await
}

/// A token for `domain` from GetAuthorizationToken, as `cred`.
pub async fn token_as(server: &TestServer, cred: Cred, domain: &str) -> String {
    let client = server.client(cred);
    let call = client.get_authorization_token().domain(domain).send().await.unwrap();
    call.into_inner().authorization_token
}

/// GetRepositoryEndpoint as [`USER`]; the URL ends with `/`.
pub async fn endpoint(
    server: &TestServer,
    domain: &str,
    repo: &str,
    format: PackageFormat,
) -> String {
    endpoint_as(server, *USER, domain, repo, format).await
}

pub async fn endpoint_as(
    server: &TestServer,
    cred: Cred,
    domain: &str,
    repo: &str,
    format: PackageFormat,
) -> String {
    let client = server.client(cred);
    let call = client.get_repository_endpoint().domain(domain).repository(repo).format(format);
    call.send().await.unwrap().into_inner().repository_endpoint
}

pub async fn make_repository(server: &TestServer, domain: &str, repo: &str) {
    let client = server.client(*USER);
    client.create_repository().domain(domain).repository(repo).send().await.unwrap();
}

/// How npm sends a token.
pub fn bearer(request: RequestBuilder, token: &str) -> RequestBuilder {
    request.bearer_auth(token)
}

/// How pip and twine send a token.
pub fn basic(request: RequestBuilder, token: &str) -> RequestBuilder {
    request.basic_auth("aws", Some(token))
}

pub async fn get(url: &str, auth: impl FnOnce(RequestBuilder) -> RequestBuilder) -> Response {
    auth(reqwest::Client::new().get(url)).send().await.unwrap()
}

/// A 401 with both challenges and an `error` member, as npm reads it.
pub async fn assert_unauthorized(response: Response) {
    assert_eq!(response.status().as_u16(), 401);
    let challenges: Vec<&str> = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(challenges.iter().any(|c| c.starts_with("Bearer ")), "{challenges:?}");
    assert!(challenges.iter().any(|c| c.starts_with("Basic ")), "{challenges:?}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");
}

/// The path of `url`, as a request line carries it.
pub fn path_of(url: &str) -> &str {
    let rest = url.trim_start_matches("http://");
    &rest[rest.find('/').unwrap_or(rest.len())..]
}

/// A repository `store` of domain `demo`, a token for it, and its two
/// endpoints.
#[derive(Debug)]
pub struct Store {
    pub token: String,
    pub npm: String,
    pub pypi: String,
}

impl Store {
    pub async fn create(server: &TestServer, repository: &str) -> Self {
        make_repository(server, "demo", repository).await;
        Self {
            token: token_for(server, "demo").await,
            npm: endpoint(server, "demo", repository, PackageFormat::Npm).await,
            pypi: endpoint(server, "demo", repository, PackageFormat::Pypi).await,
        }
    }
}

/// Repositories `up` and `down` of domain `demo`, `down` reading through
/// `up`, created through the API.
pub async fn upstream_pair(server: &TestServer) -> (Store, Store) {
    let up = Store::create(server, "up").await;
    let client = server.client(*USER);
    let upstreams = vec![UpstreamRepository { repository_name: "up".parse().unwrap() }];
    let body = CreateRepositoryBody::builder().upstreams(upstreams);
    client.create_repository().domain("demo").repository("down").body(body).send().await.unwrap();
    let token = token_for(server, "demo").await;
    let down = Store {
        npm: endpoint(server, "demo", "down", PackageFormat::Npm).await,
        pypi: endpoint(server, "demo", "down", PackageFormat::Pypi).await,
        token,
    };
    (up, down)
}

/// What the blob store of a server keeping its data in `dir` holds: the
/// names (SHA-256s) of its blobs, sorted, and how many staged files wait
/// in its temporary folder.
pub fn stored_blobs(dir: &std::path::Path) -> (Vec<String>, usize) {
    let files = |dir: std::path::PathBuf| -> Vec<std::fs::DirEntry> {
        match std::fs::read_dir(dir) {
            Ok(entries) => entries.map(Result::unwrap).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("failed to read the blob store: {e}"),
        }
    };
    let root = dir.join("blobs");
    let mut blobs: Vec<String> = files(root.join("sha256"))
        .into_iter()
        .flat_map(|shard| files(shard.path()))
        .map(|blob| blob.file_name().into_string().unwrap())
        .collect();
    blobs.sort();
    (blobs, files(root.join("tmp")).len())
}

/// Sends `head` (a request line and headers, without the blank line) and
/// `body` to the server at `url` on a raw connection, then closes the
/// sending side: a `Content-Length` in `head` larger than `body` makes a
/// request cut off mid-body. Returns the status the server answered with,
/// if it answered before closing the connection.
pub async fn send_raw(url: &str, head: &str, body: &[u8]) -> Option<u16> {
    let address = url.trim_start_matches("http://").split('/').next().unwrap();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("{head}\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream.flush().await.unwrap();
    stream.shutdown().await.unwrap();
    // The server answers (or hangs up) once it sees the body end; a server
    // that waited for the rest forever would fail the test here.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        // A reset instead of an answer is a hang-up too.
        let _ = stream.read_to_end(&mut answer).await;
    });
    read.await.expect("the server neither answered nor hung up within 30 s");
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.strip_prefix("HTTP/1.1 ")?.get(..3)?;
    Some(status.parse().unwrap())
}

/// Account 777788889999 with a domain `shop` (repository `store`) of its
/// own, a user who may do anything, and one who may get tokens and
/// endpoints and read, but not publish. (The test configuration's
/// `@EXTRA@` sits at top level, before the other accounts, so a user
/// cannot be added to one of them from here; an account of its own keeps
/// the policy question the same: an identity policy in the domain's own
/// account.)
const SHOP: &str = r#"
[[domains]]
name = "shop"
owner = "777788889999"
repositories = ["store"]

[[accounts]]
id = "777788889999"

[[accounts.users]]
name = "writer"
access_keys = [{ access_key_id = "AKIASHOPWRITEREXAMPL", secret_access_key = "writerSecretKey/EXAMPLE" }]
policies = [{ name = "everything", document = '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}' }]

[[accounts.users]]
name = "reader"
access_keys = [{ access_key_id = "AKIASHOPREADEREXAMPL", secret_access_key = "readerSecretKey/EXAMPLE" }]
[[accounts.users.policies]]
name = "read-only"
document = '''
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Resource": "*", "Action": ["codeartifact:GetAuthorizationToken",
    "codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"]},
  {"Effect": "Allow", "Action": "sts:GetServiceBearerToken", "Resource": "*",
   "Condition": {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}}]}
'''
"#;

/// May do anything in account 777788889999.
pub const WRITER: Cred = Cred {
    access_key_id: "AKIASHOPWRITEREXAMPL",
    secret_access_key: "writerSecretKey/EXAMPLE",
    session_token: None,
    arn: "arn:aws:iam::777788889999:user/writer",
};

/// May read from repositories of 777788889999, not publish to them.
pub const READER: Cred = Cred {
    access_key_id: "AKIASHOPREADEREXAMPL",
    secret_access_key: "readerSecretKey/EXAMPLE",
    session_token: None,
    arn: "arn:aws:iam::777788889999:user/reader",
};

/// A server with [`WRITER`] and [`READER`] and their domain `shop`.
pub async fn start_shop() -> TestServer {
    TestServer::start_with(SHOP, Storage::Ephemeral).await
}
