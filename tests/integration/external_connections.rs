//! External connections: AssociateExternalConnection and
//! DisassociateExternalConnection through the generated client and AWS's
//! Rust SDK, and reads through a connection.
//!
//! The "public" registry is another server of ours (B), started first, with
//! npm packages (plain and scoped, several versions, dist-tags) and a PyPI
//! project published to its repository `registry`. The server under test
//! (A) reads through to B's npm endpoint and B's simple index, with a token
//! for B in the configured URLs (`http://aws:<token>@...`). Fake registries
//! on loopback ports of the test's own serve what B never would (a tarball
//! that does not match its integrity, a file that does not match its
//! SHA-256) and record what reaches them, with its `Authorization`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use aws_sdk_codeartifact::error::ProvideErrorMetadata as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use codeartifact_client::types::{self, PackageFormat};
use codeartifact_client::Client;
use codeartifact_server::config::Config;
use codeartifact_server::Storage;
use codeartifact_tests::{aws_error, call_raw, Cred, LoggedServer, TestServer, USER};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::aws_sdk::sdk;
use crate::packages_npm as npm;
use crate::packages_pypi as pypi;
use crate::registry::{basic, bearer, get, stored_blobs, upstream_pair, Store};

const NPMJS: &str = "public:npmjs";
const PYPI: &str = "public:pypi";
const EXTERNAL_CONNECTION: &str = "/v1/repository/external-connection";

type ApiResult<T> = Result<
    progenitor_client::ResponseValue<T>,
    progenitor_client::Error<codeartifact_client::types::Error>,
>;

// ---------------------------------------------------------------------------
// The public registry (B) and the server that reads through to it (A)
// ---------------------------------------------------------------------------

/// Server B, the "public" registry, and what was published to it: npm's
/// `ext-plain` (1.0.0, 1.1.0, 2.0.0; `latest` 2.0.0, `beta` 1.1.0),
/// `@pub/scoped` (1.0.0, 1.0.1) and `ext-other` (1.0.0), and PyPI's
/// `Ext_Project` (a wheel and an sdist of 1.0, a wheel of 2.0).
struct Public {
    server: Option<TestServer>,
    /// A token for B's domain `demo`: what A's configured URLs carry.
    token: String,
    npm: String,
    pypi: String,
    plain: BTreeMap<&'static str, Vec<u8>>,
    scoped: BTreeMap<&'static str, Vec<u8>>,
    /// Ext_Project's files: version, file name, bytes.
    files: Vec<(&'static str, String, Vec<u8>)>,
}

impl Public {
    async fn start() -> Self {
        let server = TestServer::start().await;
        let store = Store::create(&server, "registry").await;
        let (endpoint, token) = (&store.npm, &store.token);
        let mut plain = BTreeMap::new();
        for version in ["1.0.0", "1.1.0", "2.0.0"] {
            let code = format!("exports.v = 'public {version}';");
            plain.insert(version, npm::publish(endpoint, token, "ext-plain", version, &code).await);
        }
        let tag = format!("{endpoint}-/package/ext-plain/dist-tags/beta");
        let tagged = bearer(reqwest::Client::new().put(tag), token).body(r#""1.1.0""#);
        assert_eq!(tagged.send().await.unwrap().status().as_u16(), 200, "B's beta tag");
        let mut scoped = BTreeMap::new();
        for version in ["1.0.0", "1.0.1"] {
            let code = format!("exports.v = 'scoped {version}';");
            scoped.insert(
                version,
                npm::publish(endpoint, token, "@pub/scoped", version, &code).await,
            );
        }
        npm::publish(endpoint, token, "ext-other", "1.0.0", "exports.other = 1;").await;
        let mut files = Vec::new();
        for (version, file) in [
            ("1.0", pypi::wheel("Ext_Project", "1.0", "public")),
            ("1.0", pypi::sdist("Ext_Project", "1.0")),
            ("2.0", pypi::wheel("Ext_Project", "2.0", "public")),
        ] {
            let form = pypi::Form::twine("Ext_Project", version, &file);
            pypi::uploaded(&store.pypi, token, &form).await;
            files.push((version, file.0, file.1));
        }
        Self {
            server: Some(server),
            token: store.token.clone(),
            npm: store.npm.clone(),
            pypi: store.pypi.clone(),
            plain,
            scoped,
            files,
        }
    }

    /// A's `extra` TOML: both connections to B's endpoints, with the token
    /// as the URLs' userinfo.
    fn connections(&self) -> String {
        let npm = with_userinfo(&self.npm, &format!("aws:{}", self.token));
        let pypi = with_userinfo(&self.pypi, &format!("aws:{}", self.token));
        format!(r#"external_connections = {{ "{NPMJS}" = "{npm}", "{PYPI}" = "{pypi}simple/" }}"#)
    }

    /// The file of Ext_Project `version` whose name ends with `suffix`.
    fn file(&self, version: &str, suffix: &str) -> (&str, &[u8]) {
        let found = self.files.iter().find(|(v, f, _)| *v == version && f.ends_with(suffix));
        let (_, name, bytes) = found.unwrap_or_else(|| panic!("no {suffix} of {version}"));
        (name, bytes)
    }

    /// Stops B: the registry is gone.
    async fn stop(&mut self) {
        self.server.take().expect("B is running").stop().await;
    }
}

fn with_userinfo(url: &str, userinfo: &str) -> String {
    url.replacen("http://", &format!("http://{userinfo}@"), 1)
}

/// An `extra` with one connection.
fn one_connection(name: &str, url: &str) -> String {
    format!(r#"external_connections = {{ "{name}" = "{url}" }}"#)
}

/// Creates repository `repo` in demo (as [`USER`]) on the server at `url`
/// with `connection`; a token and its endpoints.
async fn connected(url: &str, repo: &str, connection: &str) -> Store {
    let store = repository_at(url, repo).await;
    let client = Client::new(url, USER.signer());
    let call = client.associate_external_connection().domain("demo").repository(repo);
    call.external_connection(connection).send().await.unwrap();
    store
}

async fn repository_at(url: &str, repo: &str) -> Store {
    let client = Client::new(url, USER.signer());
    client.create_repository().domain("demo").repository(repo).send().await.unwrap();
    let token = client.get_authorization_token().domain("demo").send().await.unwrap();
    let endpoint = |format| {
        let call = client.get_repository_endpoint().domain("demo").repository(repo);
        call.format(format).send()
    };
    Store {
        token: token.into_inner().authorization_token,
        npm: endpoint(PackageFormat::Npm).await.unwrap().into_inner().repository_endpoint,
        pypi: endpoint(PackageFormat::Pypi).await.unwrap().into_inner().repository_endpoint,
    }
}

// ---------------------------------------------------------------------------
// What the package API says was kept
// ---------------------------------------------------------------------------

/// A version as ListPackageVersions shows it: its origin.
#[derive(Debug, PartialEq, Eq)]
struct Kept {
    version: String,
    status: types::PackageVersionStatus,
    origin: types::PackageVersionOriginType,
    repository: Option<String>,
    connection: Option<String>,
}

/// Ingested from the external connection `name`.
fn from_connection(version: &str, name: &str) -> Kept {
    Kept {
        version: version.into(),
        status: types::PackageVersionStatus::Published,
        origin: types::PackageVersionOriginType::External,
        repository: None,
        connection: Some(name.into()),
    }
}

/// Published to `repo`.
fn published_to(version: &str, repo: &str) -> Kept {
    Kept {
        version: version.into(),
        status: types::PackageVersionStatus::Published,
        origin: types::PackageVersionOriginType::Internal,
        repository: Some(repo.into()),
        connection: None,
    }
}

/// A package of demo as the API names it.
#[derive(Clone, Copy, Debug)]
struct Pkg<'a> {
    repo: &'a str,
    format: PackageFormat,
    namespace: Option<&'a str>,
    name: &'a str,
}

fn npm_in<'a>(repo: &'a str, name: &'a str) -> Pkg<'a> {
    Pkg { repo, format: PackageFormat::Npm, namespace: None, name }
}

fn pypi_in<'a>(repo: &'a str, name: &'a str) -> Pkg<'a> {
    Pkg { repo, format: PackageFormat::Pypi, namespace: None, name }
}

/// The package's versions in the repository, sorted; `None` when the
/// package is not there (ResourceNotFoundException).
async fn kept(url: &str, p: Pkg<'_>) -> Option<Vec<Kept>> {
    let client = Client::new(url, USER.signer());
    let call = client.list_package_versions().domain("demo").repository(p.repo);
    let call = call.format(p.format).package(p.name);
    let call = match p.namespace {
        Some(namespace) => call.namespace(namespace),
        None => call,
    };
    match call.send().await {
        Ok(page) => {
            let mut versions: Vec<Kept> = page
                .into_inner()
                .versions
                .into_iter()
                .map(|v| {
                    let entry = v.origin.domain_entry_point.unwrap_or_default();
                    Kept {
                        version: v.version.to_string(),
                        status: v.status,
                        origin: v.origin.origin_type,
                        repository: entry.repository_name.map(|r| r.to_string()),
                        connection: entry.external_connection_name,
                    }
                })
                .collect();
            versions.sort_by(|a, b| a.version.cmp(&b.version));
            Some(versions)
        }
        Err(e) => {
            let (status, code, message) = aws_error::<types::ListPackageVersionsResult, _>(Err(e));
            assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"), "{message}");
            None
        }
    }
}

/// The package's origin restrictions in the repository.
async fn restrictions(url: &str, p: Pkg<'_>) -> (types::AllowPublish, types::AllowUpstream) {
    let client = Client::new(url, USER.signer());
    let call = client.describe_package().domain("demo").repository(p.repo);
    let call = call.format(p.format).package(p.name);
    let call = match p.namespace {
        Some(namespace) => call.namespace(namespace),
        None => call,
    };
    let r = call.send().await.unwrap().into_inner().package.origin_configuration.restrictions;
    (r.publish, r.upstream)
}

async fn put_restrictions(
    url: &str,
    p: Pkg<'_>,
    publish: types::AllowPublish,
    upstream: types::AllowUpstream,
) {
    let client = Client::new(url, USER.signer());
    let call = client.put_package_origin_configuration().domain("demo").repository(p.repo);
    let body = types::PutPackageOriginConfigurationBody {
        restrictions: types::PackageOriginRestrictions { publish, upstream },
    };
    call.format(p.format).package(p.name).body(body).send().await.unwrap();
}

/// The versions of an npm package document, sorted.
fn versions_of(doc: &Value) -> Vec<String> {
    let mut versions: Vec<String> = doc["versions"].as_object().unwrap().keys().cloned().collect();
    versions.sort();
    versions
}

/// The file names of a PEP 691 project page, sorted.
fn filenames_of(page: &Value) -> Vec<String> {
    let files = page["files"].as_array().unwrap();
    let mut names: Vec<String> =
        files.iter().map(|f| f["filename"].as_str().unwrap().to_string()).collect();
    names.sort();
    names
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    names.sort();
    names
}

/// A PEP 503 project page, as pip asks for it.
async fn html_page(endpoint: &str, token: &str, project: &str) -> String {
    let url = format!("{endpoint}simple/{project}/");
    let response = get(&url, |r| basic(r, token).header("accept", "text/html")).await;
    assert_eq!(response.status().as_u16(), 200, "{url}");
    response.text().await.unwrap()
}

fn blob_name(bytes: &[u8]) -> String {
    pypi::sha256(bytes)
}

// ---------------------------------------------------------------------------
// Fake registries
// ---------------------------------------------------------------------------

/// What reached a fake registry: each request's path and `Authorization`.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A registry on 127.0.0.1 answering GETs from a fixed table, recording
/// every request.
struct Fake {
    /// `http://127.0.0.1:<port>/`.
    url: String,
    seen: Seen,
    task: tokio::task::JoinHandle<()>,
}

impl Fake {
    /// Starts a registry that answers each path of `routes` (made from its
    /// URL) with 200, the content type and the body, and anything else
    /// with 404.
    async fn start(routes: impl FnOnce(&str) -> Vec<(String, &'static str, Vec<u8>)>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let table: HashMap<String, (&'static str, Vec<u8>)> =
            routes(&url).into_iter().map(|(path, kind, body)| (path, (kind, body))).collect();
        let table = Arc::new(table);
        let seen: Seen = Arc::default();
        let recorder = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, table.clone(), recorder.clone()));
            }
        });
        Self { url, seen, task }
    }

    fn seen(&self) -> Vec<(String, Option<String>)> {
        self.seen.lock().unwrap().clone()
    }

    fn paths(&self) -> Vec<String> {
        self.seen().into_iter().map(|(path, _)| path).collect()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    mut stream: tokio::net::TcpStream,
    table: Arc<HashMap<String, (&'static str, Vec<u8>)>>,
    seen: Seen,
) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
        if head.len() > 64 << 10 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next().unwrap_or("").split(' ').nth(1).unwrap_or("").to_string();
    let authorization = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.trim().to_string());
    seen.lock().unwrap().push((path.clone(), authorization));
    let (status, kind, body) = match table.get(&path) {
        Some((kind, body)) => ("200 OK", *kind, body.clone()),
        None => ("404 Not Found", "text/plain", b"not here".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

/// An npm registry's document of `name@1.0.0` and its tarball, with the
/// `dist` given (`integrity` and `shasum` as the registry claims them), the
/// tarball served from `tarball_base`.
fn npm_routes(
    base: &str,
    tarball_base: &str,
    name: &str,
    bytes: &[u8],
    integrity: Option<String>,
    shasum: Option<String>,
) -> Vec<(String, &'static str, Vec<u8>)> {
    let path = format!("{name}/-/{name}-1.0.0.tgz");
    let mut dist = json!({ "tarball": format!("{tarball_base}{path}") });
    if let Some(integrity) = integrity {
        dist["integrity"] = json!(integrity);
    }
    if let Some(shasum) = shasum {
        dist["shasum"] = json!(shasum);
    }
    let doc = json!({
        "_id": name,
        "name": name,
        "dist-tags": { "latest": "1.0.0" },
        "versions": { "1.0.0": { "name": name, "version": "1.0.0", "dist": dist } },
        "time": { "modified": "2024-01-02T03:04:05.000Z", "1.0.0": "2024-01-02T03:04:05.000Z" },
    });
    let mut routes = vec![(format!("/{name}"), "application/json", doc.to_string().into_bytes())];
    if tarball_base == base {
        routes.push((format!("/{path}"), "application/octet-stream", bytes.to_vec()));
    }
    routes
}

// ---------------------------------------------------------------------------
// A server whose log the test reads
// ---------------------------------------------------------------------------

/// The lines of a log that say a read went out through a connection.
fn went_out(log: &str) -> Vec<&str> {
    const MESSAGES: [&str; 5] = [
        "external connection unreachable",
        "not found through the external connection",
        "external download failed",
        "external document too large",
        "kept a version from an external connection",
    ];
    log.lines().filter(|line| MESSAGES.iter().any(|m| line.contains(m))).collect()
}

// ---------------------------------------------------------------------------
// AssociateExternalConnection and DisassociateExternalConnection
// ---------------------------------------------------------------------------

async fn associate(
    client: &Client,
    repo: &str,
    name: &str,
) -> ApiResult<types::AssociateExternalConnectionResult> {
    let call = client.associate_external_connection().domain("demo").repository(repo);
    call.external_connection(name).send().await
}

async fn disassociate(
    client: &Client,
    repo: &str,
    name: &str,
) -> ApiResult<types::DisassociateExternalConnectionResult> {
    let call = client.disassociate_external_connection().domain("demo").repository(repo);
    call.external_connection(name).send().await
}

type ConnectionRow = (String, PackageFormat, types::ExternalConnectionStatus);

fn rows(repository: &types::RepositoryDescription) -> Vec<ConnectionRow> {
    let connections = repository.external_connections.iter();
    connections.map(|c| (c.external_connection_name.clone(), c.package_format, c.status)).collect()
}

fn row(name: &str, format: PackageFormat) -> ConnectionRow {
    (name.to_string(), format, types::ExternalConnectionStatus::Available)
}

async fn described(client: &Client, repo: &str) -> Vec<ConnectionRow> {
    let call = client.describe_repository().domain("demo").repository(repo).send().await;
    rows(&call.unwrap().into_inner().repository)
}

#[tokio::test]
async fn connections_are_associated_described_and_disassociated() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    for repo in ["ext", "plain"] {
        client.create_repository().domain("demo").repository(repo).send().await.unwrap();
    }
    assert_eq!(described(&client, "ext").await, []);

    let answer = associate(&client, "ext", NPMJS).await.unwrap().into_inner();
    assert_eq!(rows(&answer.repository), [row(NPMJS, PackageFormat::Npm)]);
    assert_eq!(answer.repository.name.as_str(), "ext");
    assert_eq!(described(&client, "ext").await, [row(NPMJS, PackageFormat::Npm)]);

    // A repository has at most one: another, or the same again, conflicts.
    for name in [PYPI, NPMJS] {
        let (status, code, message) = aws_error(associate(&client, "ext", name).await);
        assert_eq!((status, code.as_str()), (409, "ConflictException"), "{name}: {message}");
        assert!(message.contains(NPMJS), "names the connection it has: {message}");
    }
    // Names of the right form that AWS does not offer.
    for name in ["public:nowhere", "public:NPMJS", "private:npmjs", "npmjs"] {
        for repo in ["ext", "plain"] {
            let (status, code, message) = aws_error(associate(&client, repo, name).await);
            let case = format!("associate {name} with {repo}: {message}");
            assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"), "{case}");
        }
    }
    // Disassociating a connection the repository does not have.
    for (repo, name) in [("ext", PYPI), ("ext", "public:nowhere"), ("plain", NPMJS)] {
        let (status, code, message) = aws_error(disassociate(&client, repo, name).await);
        let case = format!("disassociate {name} from {repo}: {message}");
        assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"), "{case}");
    }
    // Repositories and domains that do not exist.
    let (status, code, _) = aws_error(associate(&client, "missing", NPMJS).await);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));
    let (status, code, _) = aws_error(disassociate(&client, "missing", NPMJS).await);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));
    let call = client.associate_external_connection().domain("nodomain").repository("ext");
    let (status, code, _) = aws_error(call.external_connection(NPMJS).send().await);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));
    assert_eq!(described(&client, "ext").await, [row(NPMJS, PackageFormat::Npm)]);
    assert_eq!(described(&client, "plain").await, []);

    let answer = disassociate(&client, "ext", NPMJS).await.unwrap().into_inner();
    assert_eq!(rows(&answer.repository), []);
    assert_eq!(described(&client, "ext").await, []);
    let (status, code, _) = aws_error(disassociate(&client, "ext", NPMJS).await);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"), "already gone");

    // Free again: another connection, of another format.
    let answer = associate(&client, "ext", PYPI).await.unwrap().into_inner();
    assert_eq!(rows(&answer.repository), [row(PYPI, PackageFormat::Pypi)]);
    assert_eq!(described(&client, "ext").await, [row(PYPI, PackageFormat::Pypi)]);
    server.stop().await;
}

#[tokio::test]
async fn bad_connection_names_are_validation_errors() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    client.create_repository().domain("demo").repository("ext").send().await.unwrap();
    associate(&client, "ext", NPMJS).await.unwrap();
    let too_long = "a".repeat(101);
    let cases = [
        "&external-connection=x".to_string(),
        "&external-connection=".to_string(),
        "&external-connection=-npmjs".to_string(),
        "&external-connection=:npmjs".to_string(),
        "&external-connection=public%20npmjs".to_string(),
        "&external-connection=public%2Fnpmjs".to_string(),
        format!("&external-connection={too_long}"),
        String::new(),
    ];
    for method in [Method::POST, Method::DELETE] {
        for case in &cases {
            let path = format!("{EXTERNAL_CONNECTION}?domain=demo&repository=ext{case}");
            let (status, code, body) = call_raw(&server, method.clone(), &path, "", *USER).await;
            assert_eq!((status, code.as_str()), (400, "ValidationException"), "{method} {path}");
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
        }
    }
    assert_eq!(described(&client, "ext").await, [row(NPMJS, PackageFormat::Npm)], "unchanged");
    server.stop().await;
}

/// Account 555566667777 with domain `linked` (repository `target`), a user
/// who may do anything, and one who may do anything but associate and
/// disassociate external connections.
const LINKED: &str = r#"
[[domains]]
name = "linked"
owner = "555566667777"
repositories = ["target"]

[[accounts]]
id = "555566667777"

[[accounts.users]]
name = "admin"
access_keys = [{ access_key_id = "AKIALINKEDADMIN00001", secret_access_key = "linkedAdminSecret/EXAMPLE" }]
policies = [{ name = "everything", document = '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}' }]

[[accounts.users]]
name = "nolink"
access_keys = [{ access_key_id = "AKIALINKEDNOLINK0001", secret_access_key = "nolinkSecret/EXAMPLE" }]
[[accounts.users.policies]]
name = "all-but-connections"
document = '''
{"Statement": {"Effect": "Allow", "Resource": "*", "NotAction": [
  "codeartifact:AssociateExternalConnection", "codeartifact:DisassociateExternalConnection"]}}
'''
"#;

const LINKED_ADMIN: Cred = Cred {
    access_key_id: "AKIALINKEDADMIN00001",
    secret_access_key: "linkedAdminSecret/EXAMPLE",
    session_token: None,
    arn: "arn:aws:iam::555566667777:user/admin",
};

const NO_LINK: Cred = Cred {
    access_key_id: "AKIALINKEDNOLINK0001",
    secret_access_key: "nolinkSecret/EXAMPLE",
    session_token: None,
    arn: "arn:aws:iam::555566667777:user/nolink",
};

#[tokio::test]
async fn connections_need_their_actions_whether_or_not_the_repository_exists() {
    let server = TestServer::start_with(LINKED, Storage::Ephemeral).await;
    let admin = server.client(LINKED_ADMIN);
    let nolink = server.client(NO_LINK);
    async fn describe(client: &Client) -> Vec<ConnectionRow> {
        let call = client.describe_repository().domain("linked").repository("target");
        rows(&call.send().await.unwrap().into_inner().repository)
    }
    // She may read the repository, not change its connections: whether the
    // domain, the repository or the connection exist, she is told no more.
    assert_eq!(describe(&nolink).await, []);
    for (domain, repo, name) in [
        ("linked", "target", NPMJS),
        ("linked", "missing", NPMJS),
        ("nodomain", "target", NPMJS),
        ("linked", "target", "public:nowhere"),
    ] {
        let call = nolink.associate_external_connection().domain(domain).repository(repo);
        let (status, code, message) = aws_error(call.external_connection(name).send().await);
        let case = format!("associate {domain}/{repo} {name}: {message}");
        assert_eq!((status, code.as_str()), (403, "AccessDeniedException"), "{case}");
        assert!(message.contains("codeartifact:AssociateExternalConnection"), "{case}");
        assert!(message.contains(&format!(":repository/{domain}/{repo}")), "{case}");
    }
    assert_eq!(describe(&nolink).await, [], "nothing was associated");

    let call = admin.associate_external_connection().domain("linked").repository("target");
    call.external_connection(PYPI).send().await.unwrap();
    for (domain, repo, name) in [
        ("linked", "target", PYPI),
        ("linked", "target", NPMJS),
        ("linked", "missing", PYPI),
        ("nodomain", "target", PYPI),
    ] {
        let call = nolink.disassociate_external_connection().domain(domain).repository(repo);
        let (status, code, message) = aws_error(call.external_connection(name).send().await);
        let case = format!("disassociate {domain}/{repo} {name}: {message}");
        assert_eq!((status, code.as_str()), (403, "AccessDeniedException"), "{case}");
        assert!(message.contains("codeartifact:DisassociateExternalConnection"), "{case}");
    }
    assert_eq!(describe(&admin).await, [row(PYPI, PackageFormat::Pypi)], "still associated");
    let call = admin.disassociate_external_connection().domain("linked").repository("target");
    call.external_connection(PYPI).send().await.unwrap();
    assert_eq!(describe(&admin).await, []);
    server.stop().await;
}

#[tokio::test]
async fn the_rust_sdk_associates_and_disassociates() {
    use aws_sdk_codeartifact::types::{
        ExternalConnectionStatus, PackageFormat as SdkFormat, RepositoryDescription,
    };
    let server = TestServer::start().await;
    let client = server.client(*USER);
    client.create_repository().domain("demo").repository("sdk-ext").send().await.unwrap();
    let sdk = sdk(&server, *USER);
    let shown =
        |r: Option<&RepositoryDescription>| -> Vec<(String, SdkFormat, ExternalConnectionStatus)> {
            let r = r.expect("a repository");
            r.external_connections()
                .iter()
                .map(|c| {
                    (
                        c.external_connection_name().expect("a name").to_string(),
                        c.package_format().expect("a format").clone(),
                        c.status().expect("a status").clone(),
                    )
                })
                .collect()
        };
    let expected = vec![(PYPI.to_string(), SdkFormat::Pypi, ExternalConnectionStatus::Available)];

    let call = sdk.associate_external_connection().domain("demo").repository("sdk-ext");
    let out = call.external_connection(PYPI).send().await.expect("the SDK parses the answer");
    assert_eq!(shown(out.repository()), expected);
    let out = sdk.describe_repository().domain("demo").repository("sdk-ext").send().await;
    assert_eq!(shown(out.unwrap().repository()), expected);

    let call = sdk.associate_external_connection().domain("demo").repository("sdk-ext");
    let err = call.external_connection(NPMJS).send().await.expect_err("a second one");
    let err = err.into_service_error();
    assert!(err.is_conflict_exception(), "{err:?}");
    assert!(err.message().is_some_and(|m| m.contains(PYPI)), "{err:?}");
    let call = sdk.associate_external_connection().domain("demo").repository("sdk-ext");
    let err = call.external_connection("public:nowhere").send().await.expect_err("unknown");
    assert!(err.into_service_error().is_resource_not_found_exception());

    let call = sdk.disassociate_external_connection().domain("demo").repository("sdk-ext");
    let out = call.external_connection(PYPI).send().await.expect("the SDK parses the answer");
    assert_eq!(shown(out.repository()), []);
    let call = sdk.disassociate_external_connection().domain("demo").repository("sdk-ext");
    let err = call.external_connection(PYPI).send().await.expect_err("not there any more");
    assert!(err.into_service_error().is_resource_not_found_exception());
    server.stop().await;
}

// ---------------------------------------------------------------------------
// npm through a connection
// ---------------------------------------------------------------------------

#[tokio::test]
async fn npm_reads_through_the_connection_and_keeps_what_it_fetched() {
    let mut b = Public::start().await;
    let a = TestServer::start_with(&b.connections(), Storage::Ephemeral).await;
    let ext = connected(&a.url, "npm-ext", NPMJS).await;
    let (endpoint, token) = (ext.npm.as_str(), ext.token.as_str());
    let plain_url = npm::package_url(endpoint, "ext-plain");
    let scoped_url = npm::package_url(endpoint, "@pub/scoped");
    let tarball =
        |name: &str, file: &str, version: &str| format!("{endpoint}{name}/-/{file}-{version}.tgz");

    // B's versions and tags, the tarballs on A's endpoint.
    let doc = npm::read_document(&plain_url, token).await;
    assert_eq!(doc["name"], "ext-plain");
    assert_eq!(versions_of(&doc), ["1.0.0", "1.1.0", "2.0.0"]);
    for (version, bytes) in &b.plain {
        let manifest = &doc["versions"][version];
        assert_eq!(manifest["name"], "ext-plain", "{manifest}");
        assert_eq!(manifest["version"], *version, "{manifest}");
        let dist = &manifest["dist"];
        assert_eq!(dist["tarball"], tarball("ext-plain", "ext-plain", version).as_str());
        assert_eq!(dist["integrity"], npm::integrity(bytes).as_str(), "{version}");
        assert_eq!(dist["shasum"], npm::shasum(bytes).as_str(), "{version}");
    }
    assert_eq!(doc["dist-tags"], json!({ "latest": "2.0.0", "beta": "1.1.0" }));
    let abbreviated = get(&plain_url, |r| {
        bearer(r, token).header("accept", "application/vnd.npm.install-v1+json")
    });
    let abbreviated: Value = abbreviated.await.json().await.unwrap();
    assert_eq!(versions_of(&abbreviated), ["1.0.0", "1.1.0", "2.0.0"]);
    assert_eq!(
        abbreviated["versions"]["2.0.0"]["dist"]["tarball"],
        tarball("ext-plain", "ext-plain", "2.0.0").as_str()
    );
    let doc = npm::read_document(&scoped_url, token).await;
    assert_eq!(doc["name"], "@pub/scoped");
    assert_eq!(versions_of(&doc), ["1.0.0", "1.0.1"]);
    assert_eq!(doc["dist-tags"], json!({ "latest": "1.0.1" }));
    for (version, bytes) in &b.scoped {
        let dist = &doc["versions"][version]["dist"];
        assert_eq!(dist["tarball"], tarball("@pub/scoped", "scoped", version).as_str());
        assert_eq!(dist["integrity"], npm::integrity(bytes).as_str());
    }

    // A tarball through A is B's bytes, and A keeps the version.
    let plain_110 = tarball("ext-plain", "ext-plain", "1.1.0");
    let scoped_100 = tarball("@pub/scoped", "scoped", "1.0.0");
    assert_eq!(npm::read_bytes(&plain_110, token).await, b.plain["1.1.0"]);
    assert_eq!(npm::read_bytes(&scoped_100, token).await, b.scoped["1.0.0"]);
    let plain = npm_in("npm-ext", "ext-plain");
    let scoped = Pkg { namespace: Some("pub"), ..npm_in("npm-ext", "scoped") };
    assert_eq!(kept(&a.url, plain).await, Some(vec![from_connection("1.1.0", NPMJS)]));
    assert_eq!(kept(&a.url, scoped).await, Some(vec![from_connection("1.0.0", NPMJS)]));
    // As CodeArtifact sets a package that first came from outside.
    let from_outside = (types::AllowPublish::Block, types::AllowUpstream::Allow);
    assert_eq!(restrictions(&a.url, plain).await, from_outside);
    // While B answers, its other versions are still listed.
    let doc = npm::read_document(&plain_url, token).await;
    assert_eq!(versions_of(&doc), ["1.0.0", "1.1.0", "2.0.0"]);
    assert_eq!(doc["dist-tags"], json!({ "latest": "2.0.0", "beta": "1.1.0" }));

    // B is gone: what A kept stays installable; the rest is gone.
    b.stop().await;
    assert_eq!(npm::read_bytes(&plain_110, token).await, b.plain["1.1.0"]);
    assert_eq!(npm::read_bytes(&scoped_100, token).await, b.scoped["1.0.0"]);
    let doc = npm::read_document(&plain_url, token).await;
    assert_eq!(versions_of(&doc), ["1.1.0"]);
    assert_eq!(doc["dist-tags"], json!({ "latest": "1.1.0" }), "only tags of listed versions");
    let dist = &doc["versions"]["1.1.0"]["dist"];
    assert_eq!(dist["integrity"], npm::integrity(&b.plain["1.1.0"]).as_str());
    assert_eq!(dist["tarball"], plain_110.as_str());
    let doc = npm::read_document(&scoped_url, token).await;
    assert_eq!(versions_of(&doc), ["1.0.0"]);
    for url in [
        tarball("ext-plain", "ext-plain", "2.0.0"),
        tarball("ext-plain", "ext-plain", "1.0.0"),
        tarball("@pub/scoped", "scoped", "1.0.1"),
        npm::package_url(endpoint, "ext-other"),
        tarball("ext-other", "ext-other", "1.0.0"),
    ] {
        assert_eq!(npm::status_of(&url, token).await, 404, "never fetched: {url}");
    }
    assert_eq!(kept(&a.url, plain).await, Some(vec![from_connection("1.1.0", NPMJS)]));
    assert_eq!(kept(&a.url, npm_in("npm-ext", "ext-other")).await, None);
    a.stop().await;
}

#[tokio::test]
async fn disassociating_stops_the_read_through_and_keeps_what_was_kept() {
    let b = Public::start().await;
    let a = TestServer::start_with(&b.connections(), Storage::Ephemeral).await;
    let ext = connected(&a.url, "npm-ext", NPMJS).await;
    let (endpoint, token) = (ext.npm.as_str(), ext.token.as_str());
    let url = |version: &str| format!("{endpoint}ext-plain/-/ext-plain-{version}.tgz");
    assert_eq!(npm::read_bytes(&url("1.0.0"), token).await, b.plain["1.0.0"]);

    disassociate(&a.client(*USER), "npm-ext", NPMJS).await.unwrap();
    let doc = npm::read_document(&npm::package_url(endpoint, "ext-plain"), token).await;
    assert_eq!(versions_of(&doc), ["1.0.0"], "B answers, but is no longer asked");
    assert_eq!(npm::read_bytes(&url("1.0.0"), token).await, b.plain["1.0.0"]);
    assert_eq!(npm::status_of(&url("2.0.0"), token).await, 404);
    assert_eq!(npm::status_of(&npm::package_url(endpoint, "ext-other"), token).await, 404);
    a.stop().await;
}

/// Origin controls: a package published to the repository first takes no
/// versions from outside (CodeArtifact sets publish ALLOW, upstream BLOCK),
/// through the connection the repository itself holds too.
#[tokio::test]
async fn a_package_published_here_first_takes_nothing_from_the_connection() {
    let b = Public::start().await;
    let dir = tempfile::tempdir().unwrap();
    let a = TestServer::start_with(&b.connections(), Storage::Dir(dir.path().into())).await;
    let ext = connected(&a.url, "npm-ext", NPMJS).await;
    let py = connected(&a.url, "pypi-ext", PYPI).await;
    let (endpoint, token) = (ext.npm.as_str(), ext.token.as_str());
    let own_090 = npm::publish(endpoint, token, "ext-plain", "0.9.0", "exports.own = 1;").await;
    let own_100 = npm::publish(endpoint, token, "ext-plain", "1.0.0", "exports.own = 2;").await;
    let plain = npm_in("npm-ext", "ext-plain");
    let own = (types::AllowPublish::Allow, types::AllowUpstream::Block);
    assert_eq!(restrictions(&a.url, plain).await, own);

    let doc = npm::read_document(&npm::package_url(endpoint, "ext-plain"), token).await;
    assert_eq!(versions_of(&doc), ["0.9.0", "1.0.0"], "A's versions only, none of B's");
    assert_eq!(doc["versions"]["1.0.0"]["dist"]["integrity"], npm::integrity(&own_100).as_str());
    assert_eq!(doc["dist-tags"], json!({ "latest": "1.0.0" }), "not B's tags");
    for version in ["1.1.0", "2.0.0"] {
        let url = format!("{endpoint}ext-plain/-/ext-plain-{version}.tgz");
        assert_eq!(npm::status_of(&url, token).await, 404, "B's {version} through A");
    }
    let expected = vec![published_to("0.9.0", "npm-ext"), published_to("1.0.0", "npm-ext")];
    assert_eq!(kept(&a.url, plain).await, Some(expected));

    let own_wheel = pypi::wheel("ext-project", "0.5", "own");
    let form = pypi::Form::twine("ext-project", "0.5", &own_wheel);
    pypi::uploaded(&py.pypi, &py.token, &form).await;
    let page = pypi::project_json(&py.pypi, &py.token, "ext-project").await;
    assert_eq!(filenames_of(&page), [own_wheel.0.as_str()], "A's files only, none of B's");
    assert_eq!(page["versions"], json!(["0.5"]));
    let (wheel, _) = b.file("1.0", ".whl");
    let url = pypi::file_url(&py.pypi, "ext-project", "1.0", wheel);
    assert_eq!(pypi::status_of(&url, &py.token).await, 404, "B's file through A");
    let project = pypi_in("pypi-ext", "ext-project");
    assert_eq!(kept(&a.url, project).await, Some(vec![published_to("0.5", "pypi-ext")]));

    // Nothing of B's was fetched and kept aside either.
    let mut expected = vec![blob_name(&own_090), blob_name(&own_100), blob_name(&own_wheel.1)];
    expected.sort();
    assert_eq!(stored_blobs(dir.path()), (expected, 0));
    a.stop().await;
}

/// Origin controls set through the API before anything was read: upstream
/// BLOCK keeps the connection out; ALLOW lets it in again.
#[tokio::test]
async fn upstream_blocked_by_origin_controls_reads_nothing_through_the_connection() {
    let b = Public::start().await;
    let dir = tempfile::tempdir().unwrap();
    let a = TestServer::start_with(&b.connections(), Storage::Dir(dir.path().into())).await;
    let ext = connected(&a.url, "npm-ext", NPMJS).await;
    let py = connected(&a.url, "pypi-ext", PYPI).await;
    let plain = npm_in("npm-ext", "ext-plain");
    let project = pypi_in("pypi-ext", "ext-project");
    for p in [plain, project] {
        put_restrictions(&a.url, p, types::AllowPublish::Allow, types::AllowUpstream::Block).await;
    }
    let doc_url = npm::package_url(&ext.npm, "ext-plain");
    let tarball_url = format!("{}ext-plain/-/ext-plain-1.0.0.tgz", ext.npm);
    let (wheel, wheel_bytes) = b.file("1.0", ".whl");
    let file_url = pypi::file_url(&py.pypi, "ext-project", "1.0", wheel);
    let page_url = format!("{}simple/ext-project/", py.pypi);

    assert_eq!(npm::status_of(&doc_url, &ext.token).await, 404, "npm document");
    assert_eq!(npm::status_of(&tarball_url, &ext.token).await, 404, "npm tarball");
    // A project with origin controls and no versions: no page, or an empty one.
    let page = get(&page_url, |r| basic(r, &py.token).header("accept", pypi::SIMPLE_JSON)).await;
    match page.status().as_u16() {
        404 => {}
        200 => assert_eq!(filenames_of(&page.json().await.unwrap()), Vec::<String>::new()),
        status => panic!("simple page: {status}"),
    }
    assert_eq!(pypi::status_of(&file_url, &py.token).await, 404, "file");
    assert_eq!(kept(&a.url, plain).await, Some(vec![]));
    assert_eq!(kept(&a.url, project).await, Some(vec![]));
    assert_eq!(stored_blobs(dir.path()), (vec![], 0), "nothing fetched and kept aside");

    for p in [plain, project] {
        put_restrictions(&a.url, p, types::AllowPublish::Block, types::AllowUpstream::Allow).await;
    }
    let doc = npm::read_document(&doc_url, &ext.token).await;
    assert_eq!(versions_of(&doc), ["1.0.0", "1.1.0", "2.0.0"]);
    assert_eq!(npm::read_bytes(&tarball_url, &ext.token).await, b.plain["1.0.0"]);
    assert_eq!(pypi::read_bytes(&file_url, &py.token).await, wheel_bytes);
    assert_eq!(kept(&a.url, plain).await, Some(vec![from_connection("1.0.0", NPMJS)]));
    assert_eq!(kept(&a.url, project).await, Some(vec![from_connection("1.0", PYPI)]));
    a.stop().await;
}

// ---------------------------------------------------------------------------
// A connection on an upstream
// ---------------------------------------------------------------------------

/// `down` reads through `up`, which holds the connection.
async fn through_an_upstream(b: &Public) -> (TestServer, Store, Store) {
    let a = TestServer::start_with(&b.connections(), Storage::Ephemeral).await;
    let (up, down) = upstream_pair(&a).await;
    associate(&a.client(*USER), "up", NPMJS).await.unwrap();
    (a, up, down)
}

#[tokio::test]
async fn a_connection_on_an_upstream_serves_and_keeps_in_both_repositories() {
    let mut b = Public::start().await;
    let (a, up, down) = through_an_upstream(&b).await;
    let doc_url = npm::package_url(&down.npm, "ext-plain");
    let doc = npm::read_document(&doc_url, &down.token).await;
    assert_eq!(versions_of(&doc), ["1.0.0", "1.1.0", "2.0.0"]);
    assert_eq!(doc["dist-tags"], json!({ "latest": "2.0.0", "beta": "1.1.0" }));
    let through_down = format!("{}ext-plain/-/ext-plain-1.0.0.tgz", down.npm);
    assert_eq!(doc["versions"]["1.0.0"]["dist"]["tarball"], through_down.as_str());

    assert_eq!(npm::read_bytes(&through_down, &down.token).await, b.plain["1.0.0"]);
    let in_up = npm_in("up", "ext-plain");
    let in_down = npm_in("down", "ext-plain");
    assert_eq!(kept(&a.url, in_up).await, Some(vec![from_connection("1.0.0", NPMJS)]));
    let in_down_versions = kept(&a.url, in_down).await.expect("kept in down too");
    let summary: Vec<_> = in_down_versions.iter().map(|k| (k.version.as_str(), k.origin)).collect();
    assert_eq!(summary, [("1.0.0", types::PackageVersionOriginType::External)]);
    let from_outside = (types::AllowPublish::Block, types::AllowUpstream::Allow);
    assert_eq!(restrictions(&a.url, in_up).await, from_outside);
    assert_eq!(restrictions(&a.url, in_down).await, from_outside);

    b.stop().await;
    assert_eq!(npm::read_bytes(&through_down, &down.token).await, b.plain["1.0.0"]);
    let through_up = format!("{}ext-plain/-/ext-plain-1.0.0.tgz", up.npm);
    assert_eq!(npm::read_bytes(&through_up, &up.token).await, b.plain["1.0.0"]);
    let doc = npm::read_document(&doc_url, &down.token).await;
    assert_eq!(versions_of(&doc), ["1.0.0"]);
    let never = format!("{}ext-plain/-/ext-plain-2.0.0.tgz", down.npm);
    assert_eq!(npm::status_of(&never, &down.token).await, 404);
    a.stop().await;
}

/// CodeArtifact's DomainEntryPoint: "For packages ingested from an
/// external repository, the entry point is the external connection that it
/// was ingested from", in every repository of the domain that has it.
#[tokio::test]
async fn a_version_kept_downstream_names_the_connection_as_its_entry_point() {
    let b = Public::start().await;
    let (a, _up, down) = through_an_upstream(&b).await;
    let url = format!("{}ext-plain/-/ext-plain-1.1.0.tgz", down.npm);
    assert_eq!(npm::read_bytes(&url, &down.token).await, b.plain["1.1.0"]);
    let in_down = npm_in("down", "ext-plain");
    assert_eq!(kept(&a.url, in_down).await, Some(vec![from_connection("1.1.0", NPMJS)]));
    a.stop().await;
}

// ---------------------------------------------------------------------------
// Integrity
// ---------------------------------------------------------------------------

#[tokio::test]
async fn npm_tarballs_that_do_not_match_their_integrity_are_refused_and_not_kept() {
    let bad_integrity = npm::tarball("bad-integrity", "1.0.0", "served");
    let bad_shasum = npm::tarball("bad-shasum", "1.0.0", "served");
    let shasum_only = npm::tarball("shasum-only", "1.0.0", "served");
    let fake = Fake::start(|base| {
        let other = npm::tarball("x", "1.0.0", "what the registry claims");
        [
            // The integrity is another tarball's (the shasum is right).
            npm_routes(
                base,
                base,
                "bad-integrity",
                &bad_integrity,
                Some(npm::integrity(&other)),
                Some(npm::shasum(&bad_integrity)),
            ),
            // No integrity, and the shasum is another tarball's.
            npm_routes(base, base, "bad-shasum", &bad_shasum, None, Some(npm::shasum(&other))),
            // No integrity, and the shasum is right: what old packages have.
            npm_routes(
                base,
                base,
                "shasum-only",
                &shasum_only,
                None,
                Some(npm::shasum(&shasum_only)),
            ),
        ]
        .concat()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let extra = one_connection(NPMJS, &fake.url);
    let a = TestServer::start_with(&extra, Storage::Dir(dir.path().into())).await;
    let ext = connected(&a.url, "npm-ext", NPMJS).await;

    for name in ["bad-integrity", "bad-shasum"] {
        let path = format!("{name}/-/{name}-1.0.0.tgz");
        for attempt in 0..2 {
            let response = get(&format!("{}{path}", ext.npm), |r| bearer(r, &ext.token)).await;
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            assert!((400..500).contains(&status), "{name}, attempt {attempt}: {status} {body}");
            assert_ne!(status, 404, "fetched and refused, not missing: {name}: {body}");
        }
        assert!(fake.paths().contains(&format!("/{path}")), "{name} was fetched, then refused");
        assert_eq!(kept(&a.url, npm_in("npm-ext", name)).await, None, "{name} kept");
    }
    assert_eq!(stored_blobs(dir.path()), (vec![], 0), "no bytes kept, none left staged");

    let url = format!("{}shasum-only/-/shasum-only-1.0.0.tgz", ext.npm);
    assert_eq!(npm::read_bytes(&url, &ext.token).await, shasum_only);
    let expected = Some(vec![from_connection("1.0.0", NPMJS)]);
    assert_eq!(kept(&a.url, npm_in("npm-ext", "shasum-only")).await, expected);
    assert_eq!(stored_blobs(dir.path()), (vec![blob_name(&shasum_only)], 0));
    a.stop().await;
}

/// A simple index's project page and file: `page` is `json` (PEP 691) or
/// `html` (PEP 503), `sha256` what it claims of the file (none when empty).
fn pypi_routes(
    base: &str,
    project: &str,
    page: &str,
    (filename, bytes): &(String, Vec<u8>),
    sha256: &str,
) -> Vec<(String, &'static str, Vec<u8>)> {
    let file_url = format!("{base}files/{filename}");
    let (kind, body) = if page == "json" {
        let hashes = if sha256.is_empty() { json!({}) } else { json!({ "sha256": sha256 }) };
        let doc = json!({
            "meta": { "api-version": "1.0" },
            "name": project,
            "files": [{ "filename": filename, "url": file_url, "hashes": hashes,
                        "requires-python": ">=3.9" }],
        });
        ("application/vnd.pypi.simple.v1+json", doc.to_string())
    } else {
        let fragment = if sha256.is_empty() { String::new() } else { format!("#sha256={sha256}") };
        let html = format!(
            "<!DOCTYPE html>\n<html><body>\n<a href=\"{file_url}{fragment}\" \
             data-requires-python=\"&gt;=3.9\">{filename}</a><br/>\n</body></html>\n"
        );
        ("text/html", html)
    };
    vec![
        (format!("/simple/{project}/"), kind, body.into_bytes()),
        (format!("/files/{filename}"), "application/octet-stream", bytes.clone()),
    ]
}

#[tokio::test]
async fn pypi_files_that_do_not_match_their_sha256_are_refused_and_not_kept() {
    let bad_json = pypi::wheel("bad-json", "1.0", "served");
    let bad_html = pypi::wheel("bad-html", "1.0", "served");
    let no_hash = pypi::wheel("no-hash", "1.0", "served");
    let good_html = pypi::wheel("good-html", "1.0", "served");
    let wrong = pypi::sha256(b"what the index claims");
    let fake = Fake::start(|base| {
        [
            pypi_routes(base, "bad-json", "json", &bad_json, &wrong),
            pypi_routes(base, "bad-html", "html", &bad_html, &wrong),
            pypi_routes(base, "no-hash", "html", &no_hash, ""),
            pypi_routes(base, "good-html", "html", &good_html, &pypi::sha256(&good_html.1)),
        ]
        .concat()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let extra = one_connection(PYPI, &format!("{}simple/", fake.url));
    let a = TestServer::start_with(&extra, Storage::Dir(dir.path().into())).await;
    let py = connected(&a.url, "pypi-ext", PYPI).await;

    for (project, (filename, _)) in [("bad-json", &bad_json), ("bad-html", &bad_html)] {
        let url = pypi::file_url(&py.pypi, project, "1.0", filename);
        for attempt in 0..2 {
            let response = get(&url, |r| basic(r, &py.token)).await;
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            assert!((400..500).contains(&status), "{project}, attempt {attempt}: {status} {body}");
            assert_ne!(status, 404, "fetched and refused, not missing: {project}: {body}");
        }
        let path = format!("/files/{filename}");
        assert!(fake.paths().contains(&path), "{project} was fetched, then refused");
        assert_eq!(kept(&a.url, pypi_in("pypi-ext", project)).await, None, "{project} kept");
    }
    // A file whose index gives no SHA-256 cannot be checked: not kept.
    let url = pypi::file_url(&py.pypi, "no-hash", "1.0", &no_hash.0);
    let status = pypi::status_of(&url, &py.token).await;
    assert!((400..500).contains(&status), "no hash: {status}");
    assert_eq!(kept(&a.url, pypi_in("pypi-ext", "no-hash")).await, None);
    assert_eq!(stored_blobs(dir.path()), (vec![], 0), "no bytes kept, none left staged");

    // A PEP 503 page with the right hash: listed, fetched and kept.
    let page = pypi::project_json(&py.pypi, &py.token, "good-html").await;
    assert_eq!(filenames_of(&page), [good_html.0.as_str()]);
    let file = &page["files"][0];
    assert_eq!(file["hashes"]["sha256"], pypi::sha256(&good_html.1).as_str());
    assert_eq!(file["requires-python"], ">=3.9");
    let url = pypi::file_url(&py.pypi, "good-html", "1.0", &good_html.0);
    assert_eq!(file["url"], url.as_str(), "on A's endpoint");
    assert_eq!(pypi::read_bytes(&url, &py.token).await, good_html.1);
    let expected = Some(vec![from_connection("1.0", PYPI)]);
    assert_eq!(kept(&a.url, pypi_in("pypi-ext", "good-html")).await, expected);
    assert_eq!(stored_blobs(dir.path()), (vec![blob_name(&good_html.1)], 0));
    a.stop().await;
}

// ---------------------------------------------------------------------------
// PyPI through a connection
// ---------------------------------------------------------------------------

#[tokio::test]
async fn pypi_reads_through_the_connection_and_keeps_what_it_fetched() {
    let mut b = Public::start().await;
    let a = TestServer::start_with(&b.connections(), Storage::Ephemeral).await;
    let py = connected(&a.url, "pypi-ext", PYPI).await;
    let (endpoint, token) = (py.pypi.as_str(), py.token.as_str());
    let url_of =
        |version: &str, filename: &str| pypi::file_url(endpoint, "ext-project", version, filename);

    let page = pypi::project_json(endpoint, token, "ext-project").await;
    assert_eq!(page["name"], "ext-project");
    let all: Vec<&str> = b.files.iter().map(|(_, f, _)| f.as_str()).collect();
    assert_eq!(filenames_of(&page), sorted(&all));
    assert_eq!(page["versions"], json!(["1.0", "2.0"]));
    for file in page["files"].as_array().unwrap() {
        let name = file["filename"].as_str().unwrap();
        let (version, _, bytes) = b.files.iter().find(|(_, f, _)| f == name).unwrap();
        assert_eq!(file["url"], url_of(version, name).as_str(), "on A's endpoint");
        assert_eq!(file["hashes"]["sha256"], pypi::sha256(bytes).as_str(), "{name}");
        assert_eq!(file["requires-python"], ">=3.8,<4", "{name}");
    }
    let html = html_page(endpoint, token, "ext-project").await;
    for (version, name, bytes) in &b.files {
        let link = format!(
            "<a href=\"{}#sha256={}\" data-requires-python=\"&gt;=3.8,&lt;4\">{name}</a>",
            url_of(version, name),
            pypi::sha256(bytes)
        );
        assert!(html.contains(&link), "{link} in\n{html}");
    }

    let (wheel, wheel_bytes) = b.file("1.0", ".whl");
    let (wheel, wheel_bytes) = (wheel.to_string(), wheel_bytes.to_vec());
    assert_eq!(pypi::read_bytes(&url_of("1.0", &wheel), token).await, wheel_bytes);
    let project = pypi_in("pypi-ext", "ext-project");
    assert_eq!(kept(&a.url, project).await, Some(vec![from_connection("1.0", PYPI)]));
    let from_outside = (types::AllowPublish::Block, types::AllowUpstream::Allow);
    assert_eq!(restrictions(&a.url, project).await, from_outside);

    b.stop().await;
    assert_eq!(pypi::read_bytes(&url_of("1.0", &wheel), token).await, wheel_bytes);
    let page = pypi::project_json(endpoint, token, "ext-project").await;
    assert_eq!(filenames_of(&page), [wheel.as_str()]);
    assert_eq!(page["versions"], json!(["1.0"]));
    assert_eq!(page["files"][0]["hashes"]["sha256"], pypi::sha256(&wheel_bytes).as_str());
    let html = html_page(endpoint, token, "ext-project").await;
    let link = format!("{}#sha256={}", url_of("1.0", &wheel), pypi::sha256(&wheel_bytes));
    assert!(html.contains(&link), "{html}");
    let (sdist, _) = b.file("1.0", ".tar.gz");
    let (newer, _) = b.file("2.0", ".whl");
    for url in [url_of("1.0", sdist), url_of("2.0", newer), format!("{endpoint}simple/nowhere/")] {
        assert_eq!(pypi::status_of(&url, token).await, 404, "never fetched: {url}");
    }
    a.stop().await;
}

/// A version kept with one of its files still lists the registry's other
/// files of it: pip may want the sdist of a version whose wheel was
/// fetched first.
#[tokio::test]
async fn pypi_pages_keep_listing_the_other_files_of_a_version_fetched_in_part() {
    let b = Public::start().await;
    let a = TestServer::start_with(&b.connections(), Storage::Ephemeral).await;
    let py = connected(&a.url, "pypi-ext", PYPI).await;
    let (wheel, wheel_bytes) = b.file("1.0", ".whl");
    let url = pypi::file_url(&py.pypi, "ext-project", "1.0", wheel);
    assert_eq!(pypi::read_bytes(&url, &py.token).await, wheel_bytes);

    let page = pypi::project_json(&py.pypi, &py.token, "ext-project").await;
    let all: Vec<&str> = b.files.iter().map(|(_, f, _)| f.as_str()).collect();
    assert_eq!(filenames_of(&page), sorted(&all), "B still answers: all its files");
    let (sdist, sdist_bytes) = b.file("1.0", ".tar.gz");
    let url = pypi::file_url(&py.pypi, "ext-project", "1.0", sdist);
    assert_eq!(pypi::read_bytes(&url, &py.token).await, sdist_bytes);
    a.stop().await;
}

/// PEP 700 (api-version 1.1, which A's pages declare): each file's `size`
/// is its size in bytes; the registry's page gives it.
#[tokio::test]
async fn pypi_pages_through_a_connection_give_each_files_size() {
    let b = Public::start().await;
    let a = TestServer::start_with(&b.connections(), Storage::Ephemeral).await;
    let py = connected(&a.url, "pypi-ext", PYPI).await;
    let page = pypi::project_json(&py.pypi, &py.token, "ext-project").await;
    assert_eq!(page["meta"]["api-version"], "1.1");
    for file in page["files"].as_array().unwrap() {
        let name = file["filename"].as_str().unwrap();
        let (_, _, bytes) = b.files.iter().find(|(_, f, _)| f == name).unwrap();
        assert_eq!(file["size"], bytes.len(), "{name}");
    }
    a.stop().await;
}

/// A file asked for under a version it is not of is not there: nothing is
/// fetched and kept for it.
#[tokio::test]
async fn a_pypi_file_asked_under_another_version_is_not_kept() {
    let b = Public::start().await;
    let a = TestServer::start_with(&b.connections(), Storage::Ephemeral).await;
    let py = connected(&a.url, "pypi-ext", PYPI).await;
    let (wheel, _) = b.file("1.0", ".whl");
    let url = pypi::file_url(&py.pypi, "ext-project", "2.0", wheel);
    assert_eq!(pypi::status_of(&url, &py.token).await, 404);
    assert_eq!(kept(&a.url, pypi_in("pypi-ext", "ext-project")).await, None);
    a.stop().await;
}

// ---------------------------------------------------------------------------
// No configured URL
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_connection_without_a_configured_url_finds_nothing() {
    // public:npmjs reads through to a fake registry; public:pypi has no URL.
    let package = npm::tarball("fake-pkg", "1.0.0", "fake");
    let fake = Fake::start(|base| {
        npm_routes(base, base, "fake-pkg", &package, Some(npm::integrity(&package)), None)
    })
    .await;
    let a = LoggedServer::start(&one_connection(NPMJS, &fake.url), Storage::Ephemeral).await;
    let py = connected(&a.url, "pypi-ext", PYPI).await;
    let (endpoint, token) = (py.pypi.as_str(), py.token.as_str());
    for url in [
        format!("{endpoint}simple/ext-project/"),
        format!("{endpoint}simple/fake-pkg/"),
        pypi::file_url(endpoint, "ext-project", "1.0", "Ext_Project-1.0-py3-none-any.whl"),
        npm::package_url(&py.npm, "fake-pkg"),
        format!("{}fake-pkg/-/fake-pkg-1.0.0.tgz", py.npm),
    ] {
        assert_eq!(pypi::status_of(&url, token).await, 404, "{url}");
    }
    let root = format!("{endpoint}simple/");
    let root = get(&root, |r| basic(r, token).header("accept", pypi::SIMPLE_JSON)).await;
    assert_eq!(root.status().as_u16(), 200, "the index root answers");
    assert_eq!(root.json::<Value>().await.unwrap()["projects"], json!([]));
    // A repository whose connection is npm's reads no PyPI through it.
    let npm_ext = connected(&a.url, "npm-ext", NPMJS).await;
    let url = format!("{}simple/fake-pkg/", npm_ext.pypi);
    assert_eq!(pypi::status_of(&url, &npm_ext.token).await, 404, "{url}");
    assert_eq!(fake.seen(), [], "nothing went out");
    let log = a.log.text();
    assert_eq!(went_out(&log), Vec::<&str>::new(), "no read went out");
    // The same server does reach the connection that has a URL.
    let doc_url = npm::package_url(&npm_ext.npm, "fake-pkg");
    assert_eq!(versions_of(&npm::read_document(&doc_url, &npm_ext.token).await), ["1.0.0"]);
    assert_eq!(fake.paths(), ["/fake-pkg"]);
    a.stop().await;

    // No external_connections at all.
    let a = LoggedServer::start("", Storage::Ephemeral).await;
    let ext = connected(&a.url, "npm-ext", NPMJS).await;
    let py = connected(&a.url, "pypi-ext", PYPI).await;
    for (url, token) in [
        (npm::package_url(&ext.npm, "ext-plain"), &ext.token),
        (format!("{}ext-plain/-/ext-plain-1.0.0.tgz", ext.npm), &ext.token),
        (format!("{}simple/ext-project/", py.pypi), &py.token),
        (pypi::file_url(&py.pypi, "ext-project", "1.0", "ext_project-1.0.tar.gz"), &py.token),
    ] {
        assert_eq!(npm::status_of(&url, token).await, 404, "{url}");
    }
    let log = a.log.text();
    assert_eq!(went_out(&log), Vec::<&str>::new(), "no read went out");
    a.stop().await;
}

// ---------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_token_in_the_configured_url_is_never_logged() {
    let mut b = Public::start().await;
    let a = LoggedServer::start(&b.connections(), Storage::Ephemeral).await;
    let ext = connected(&a.url, "npm-ext", NPMJS).await;
    let py = connected(&a.url, "pypi-ext", PYPI).await;
    let tarball = |version: &str| format!("{}ext-plain/-/ext-plain-{version}.tgz", ext.npm);
    let (wheel, wheel_bytes) = b.file("1.0", ".whl");
    let (wheel, wheel_bytes) = (wheel.to_string(), wheel_bytes.to_vec());
    let file = pypi::file_url(&py.pypi, "ext-project", "1.0", &wheel);

    // Reads that succeed, and reads B refuses (a package it does not have).
    npm::read_document(&npm::package_url(&ext.npm, "ext-plain"), &ext.token).await;
    assert_eq!(npm::read_bytes(&tarball("1.0.0"), &ext.token).await, b.plain["1.0.0"]);
    assert_eq!(npm::status_of(&npm::package_url(&ext.npm, "nowhere"), &ext.token).await, 404);
    pypi::project_json(&py.pypi, &py.token, "ext-project").await;
    assert_eq!(pypi::read_bytes(&file, &py.token).await, wheel_bytes);
    let nowhere = format!("{}simple/nowhere/", py.pypi);
    assert_eq!(pypi::status_of(&nowhere, &py.token).await, 404);
    // Reads that find B gone.
    b.stop().await;
    assert_eq!(npm::status_of(&tarball("2.0.0"), &ext.token).await, 404);
    let page = format!("{}simple/ext-project/", py.pypi);
    assert_eq!(pypi::status_of(&page, &py.token).await, 200);

    let log = a.log.text();
    assert!(log.contains("kept a version from an external connection"), "{log}");
    assert!(log.contains("not found through the external connection"), "{log}");
    assert!(log.contains("external connection unreachable"), "{log}");
    let payload = b.token.trim_start_matches("v4.local.");
    let header = BASE64.encode(format!("aws:{}", b.token));
    for (what, secret) in [("the token", b.token.as_str()), ("its payload", payload)] {
        assert!(!log.contains(secret), "{what} is in A's log:\n{log}");
    }
    assert!(!log.contains(&header), "the Authorization A sends is in its log:\n{log}");
    a.stop().await;
}

#[tokio::test]
async fn credentials_in_the_url_go_to_its_host_only() {
    // The registry's document points at a tarball on another host (another
    // port: another origin), which must not get the registry's password.
    let bytes = npm::tarball("elsewhere", "1.0.0", "elsewhere");
    let served = bytes.clone();
    let other = Fake::start(|_| {
        vec![("/elsewhere/-/elsewhere-1.0.0.tgz".into(), "application/octet-stream", served)]
    })
    .await;
    let integrity = npm::integrity(&bytes);
    let registry = Fake::start(|base| {
        npm_routes(base, &other.url, "elsewhere", &bytes, Some(integrity), None)
    })
    .await;
    // A password with a character that must be percent-encoded in a URL.
    let url = with_userinfo(&registry.url, "robot:s3cr3t%2Fpass");
    let a = LoggedServer::start(&one_connection(NPMJS, &url), Storage::Ephemeral).await;
    let ext = connected(&a.url, "npm-ext", NPMJS).await;
    let tarball = format!("{}elsewhere/-/elsewhere-1.0.0.tgz", ext.npm);
    assert_eq!(npm::read_bytes(&tarball, &ext.token).await, bytes);

    let expected = format!("Basic {}", BASE64.encode("robot:s3cr3t/pass"));
    let to_registry = registry.seen();
    assert!(!to_registry.is_empty());
    for (path, authorization) in &to_registry {
        assert_eq!(authorization.as_deref(), Some(expected.as_str()), "{path}");
    }
    let to_other = other.seen();
    assert_eq!(to_other, [("/elsewhere/-/elsewhere-1.0.0.tgz".to_string(), None)]);
    let log = a.log.text();
    assert!(!log.contains("s3cr3t"), "the password is in A's log:\n{log}");
    a.stop().await;
}

/// A configuration refused for a connection's URL says which connection,
/// without the credentials the URL carries: the message goes to the log
/// (the binary's stderr).
#[test]
fn a_refused_connection_url_is_shown_without_its_credentials() {
    for url in [
        "https://aws:hunter2-SECRET@127.0.0.1:1/",
        "ftp://aws:hunter2-SECRET@127.0.0.1/",
        "http://aws:hunter2-SECRET@/",
        "http://aws:hunter2-SECRET@127.0.0.1:1/ spaces",
    ] {
        let text = one_connection(NPMJS, url);
        let error = Config::parse_in(&text, Path::new(".")).expect_err(url);
        let shown = format!("{error:#}");
        assert!(shown.contains(NPMJS), "{url}: {shown}");
        assert!(!shown.contains("hunter2-SECRET"), "the password is shown: {shown}");
    }
}
