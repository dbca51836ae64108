//! The six operations added with PublishPackageVersion: PublishPackageVersion
//! (generic packages, the asset streamed and checked against the SHA-256 the
//! request declares, through the generated client, a raw signed request and
//! AWS's Rust SDK, in memory and streamed as `UNSIGNED-PAYLOAD`),
//! CopyPackageVersions (npm and generic, per-version outcomes, overwrites and
//! the bytes they free, revisions, upstreams in their order, what npm then
//! reads at the destination), PutPackageOriginConfiguration,
//! ListPackageVersionDependencies, UpdateRepository and ListRepositories;
//! and for each, that the action it needs is decided before anything is
//! looked up.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroU64;
use std::time::SystemTime;

use aws_sdk_codeartifact::error::ProvideErrorMetadata as _;
use aws_sdk_codeartifact::primitives::ByteStream;
use codeartifact_client::types::{self, PackageFormat, PackageVersionStatus as Status};
use codeartifact_client::{Client, Signer};
use codeartifact_server::Storage;
use codeartifact_tests::{aws_error, error_parts, Cred, TestServer, OTHER_USER, USER};
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::{Digest as _, Sha512};

use crate::aws_sdk::sdk;
use crate::package_api::{
    assets, at, describe, download, expect, get_asset, npm_document_versions, npm_pkg, outcomes,
    package_id, revisions_of, sha256, state, tarball_url, versions_of, versions_page,
    walk_packages, Pkg,
};
use crate::packages_npm as npm;
use crate::packages_pypi as pypi;
use crate::registry::{make_repository, stored_blobs, Store};

// ---------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------

/// What a call through the generated client answered: its result, or the
/// status, error code and message of the error (the code in the body must
/// agree with `x-amzn-ErrorType`).
type Answer<T> = Result<T, (u16, String, String)>;

fn answer<T>(
    result: Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<types::AwsError>>,
) -> Answer<T> {
    match result {
        Ok(rv) => Ok(rv.into_inner()),
        Err(progenitor_client::Error::ErrorResponse(rv)) => {
            let code = rv.headers()["x-amzn-errortype"].to_str().unwrap().to_string();
            assert_eq!(rv.type_.clone(), Some(code.clone()), "body and header agree");
            Err((rv.status().as_u16(), code, rv.message.clone()))
        }
        Err(e) => panic!("expected an answer from the server, got {e:?}"),
    }
}

/// The (status, code) of an answer that must be an error.
fn refused<T: std::fmt::Debug>(answer: &Answer<T>) -> (u16, &str) {
    match answer {
        Err((status, code, _)) => (*status, code.as_str()),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// The message of an answer that must be an error.
fn message<T: std::fmt::Debug>(answer: &Answer<T>) -> &str {
    match answer {
        Err((_, _, message)) => message,
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// The generic package `tools/<name>` of `repo` in domain `demo`.
fn generic<'a>(repo: &'a str, name: &'a str) -> Pkg<'a> {
    Pkg { domain: "demo", repo, format: PackageFormat::Generic, namespace: Some("tools"), name }
}

/// PublishPackageVersion through the generated client: `bytes` as asset
/// `asset` of `version`, with their SHA-256.
async fn publish(
    client: &Client,
    p: Pkg<'_>,
    version: &str,
    asset: &str,
    bytes: &[u8],
    unfinished: bool,
) -> Answer<types::PublishPackageVersionResult> {
    let call = at!(client.publish_package_version(), p)
        .version(version)
        .asset(asset)
        .x_amz_content_sha256(sha256(bytes))
        .body(bytes.to_vec());
    let call = if unfinished { call.unfinished(true) } else { call };
    answer(call.send().await)
}

/// A publish that must succeed.
async fn published(
    client: &Client,
    p: Pkg<'_>,
    version: &str,
    asset: &str,
    bytes: &[u8],
    unfinished: bool,
) -> types::PublishPackageVersionResult {
    match publish(client, p, version, asset, bytes, unfinished).await {
        Ok(result) => result,
        Err(e) => panic!("publish {} {version} {asset}: {e:?}", p.name),
    }
}

/// Bytes that differ by `seed`, `len` of them.
fn bytes_of(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1] ^ seed).collect()
}

/// The hashes of an asset summary must be those of `bytes`, in lowercase
/// hexadecimal, under AWS's names.
fn hashes_are_of(hashes: &HashMap<String, types::AssetSummaryHashesValue>, bytes: &[u8]) {
    let got: BTreeMap<&str, &str> = hashes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(got.get("SHA-256"), Some(&sha256(bytes).as_str()), "{got:?}");
    assert_eq!(got.get("SHA-1"), Some(&hex::encode(Sha1::digest(bytes)).as_str()), "{got:?}");
    assert_eq!(got.get("SHA-512"), Some(&hex::encode(Sha512::digest(bytes)).as_str()), "{got:?}");
}

/// The names of a version's assets, as listed.
async fn asset_names(client: &Client, p: Pkg<'_>, version: &str) -> Vec<String> {
    assets(client, p, version).await.assets.iter().map(|a| a.name.to_string()).collect()
}

/// Signs `request` as `cred` for us-east-1 with `payload_hash` as the hash
/// of the payload, as a client that streams its body does: the canonical
/// request carries the declared hash, not one computed from the bytes.
fn sign_declared(request: &mut reqwest::Request, cred: Cred, payload_hash: &str) {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    use aws_sigv4::sign::v4;
    let identity: aws_smithy_runtime_api::client::identity::Identity =
        aws_credential_types::Credentials::new(
            cred.access_key_id,
            cred.secret_access_key,
            cred.session_token.map(str::to_string),
            None,
            "test",
        )
        .into();
    let url = request.url().clone();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    request.headers_mut().insert("host", host.parse().unwrap());
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string()))
        .collect();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("codeartifact")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        request.method().as_str(),
        url.as_str(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Precomputed(payload_hash.to_string()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let (new_headers, _) = instructions.into_parts();
    for header in new_headers {
        request.headers_mut().insert(
            reqwest::header::HeaderName::from_bytes(header.name().as_bytes()).unwrap(),
            header.value().parse().unwrap(),
        );
    }
}

/// PublishPackageVersion on the wire: `body` with `declared` in
/// `x-amz-content-sha256`, signed over the declared hash. Returns the
/// status, the error code and the body as JSON.
async fn publish_declared(
    server: &TestServer,
    p: Pkg<'_>,
    version: &str,
    asset: &str,
    body: &[u8],
    declared: &str,
    unfinished: bool,
) -> (u16, String, Value) {
    let request = publish_request(server, p, version, asset, body, declared, unfinished);
    let response = reqwest::Client::new().execute(request).await.unwrap();
    error_parts(response).await
}

/// The request [`publish_declared`] sends.
fn publish_request(
    server: &TestServer,
    p: Pkg<'_>,
    version: &str,
    asset: &str,
    body: &[u8],
    declared: &str,
    unfinished: bool,
) -> reqwest::Request {
    let mut url = format!(
        "{}/v1/package/version/publish?domain={}&repository={}&format={}&namespace={}\
         &package={}&version={version}&asset={asset}",
        server.url,
        p.domain,
        p.repo,
        p.format,
        p.namespace.unwrap(),
        p.name
    );
    if unfinished {
        url.push_str("&unfinished=true");
    }
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/octet-stream")
        .header("x-amz-content-sha256", declared)
        .body(body.to_vec())
        .build()
        .unwrap();
    sign_declared(&mut request, *USER, declared);
    request
}

/// Writes `request` on `stream` as HTTP/1.1 (keep-alive), its body whole
/// unless the server stops reading first; an error when not even its head
/// could be written.
async fn write_request(
    stream: &mut tokio::net::TcpStream,
    request: &reqwest::Request,
) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt as _;
    let url = request.url();
    let target = format!("{}?{}", url.path(), url.query().unwrap_or(""));
    let body = request.body().and_then(|b| b.as_bytes()).unwrap_or(&[]);
    let mut head = format!("{} {target} HTTP/1.1\r\n", request.method());
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).await?;
    // The server may answer (and stop reading) before the body is in.
    let _ = stream.write_all(body).await;
    let _ = stream.flush().await;
    Ok(())
}

/// Reads one HTTP/1.1 response from `stream`: its status, its headers
/// (names lowercase) and its body (by `content-length`). `None` when the
/// connection ends first.
async fn read_response(
    stream: &mut tokio::net::TcpStream,
) -> Option<(u16, BTreeMap<String, String>, Vec<u8>)> {
    use tokio::io::AsyncReadExt as _;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let read = async {
        loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_string();
                let mut lines = head.split("\r\n");
                let status: u16 = lines.next()?.get(9..12)?.parse().ok()?;
                let headers: BTreeMap<String, String> = lines
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                    .collect();
                let length: usize = headers.get("content-length")?.parse().ok()?;
                while buffer.len() < end + 4 + length {
                    let n = stream.read(&mut chunk).await.ok()?;
                    if n == 0 {
                        return None;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                }
                return Some((status, headers, buffer[end + 4..end + 4 + length].to_vec()));
            }
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), read).await.expect("an answer in 30 s")
}

/// The body of a CopyPackageVersions request: `versions`, or (when it is
/// empty) `revisions`.
fn copy_body(
    versions: &[&str],
    revisions: &[(&str, &str)],
    allow_overwrite: bool,
    include_from_upstream: bool,
) -> types::CopyPackageVersionsBody {
    types::CopyPackageVersionsBody {
        versions: (!versions.is_empty()).then(|| versions_of(versions)),
        version_revisions: revisions_of(revisions),
        allow_overwrite: allow_overwrite.then_some(true),
        include_from_upstream: include_from_upstream.then_some(true),
    }
}

/// CopyPackageVersions of package `p` from `p.repo` to `to`.
async fn copy(
    client: &Client,
    p: Pkg<'_>,
    to: &str,
    body: types::CopyPackageVersionsBody,
) -> Answer<types::CopyPackageVersionsResult> {
    let call = client
        .copy_package_versions()
        .domain(p.domain)
        .source_repository(p.repo)
        .destination_repository(to)
        .format(p.format)
        .package(p.name)
        .body(body);
    let call = match p.namespace {
        Some(namespace) => call.namespace(namespace),
        None => call,
    };
    answer(call.send().await)
}

/// A copy that must be answered 200, version by version (see
/// [`outcomes`]).
async fn copied(
    client: &Client,
    p: Pkg<'_>,
    to: &str,
    body: types::CopyPackageVersionsBody,
) -> BTreeMap<String, String> {
    match copy(client, p, to, body).await {
        Ok(result) => outcomes(&result.successful_versions, &result.failed_versions),
        Err(e) => panic!("copy {} from {} to {to}: {e:?}", p.name, p.repo),
    }
}

/// Creates repository `name` of domain `demo` with `upstreams`, as USER.
async fn create_with_upstreams(server: &TestServer, name: &str, upstreams: &[&str]) {
    let client = server.client(*USER);
    let upstreams: Vec<types::UpstreamRepository> = upstreams
        .iter()
        .map(|u| types::UpstreamRepository { repository_name: u.parse().unwrap() })
        .collect();
    let body = types::CreateRepositoryBody::builder().upstreams(upstreams);
    let call = client.create_repository().domain("demo").repository(name).body(body);
    call.send().await.unwrap();
}

/// UpdateRepository: `description` and `upstreams` when given, left out
/// otherwise.
async fn update_repository(
    client: &Client,
    domain: &str,
    repository: &str,
    description: Option<&str>,
    upstreams: Option<&[&str]>,
) -> Answer<types::RepositoryDescription> {
    let body = types::UpdateRepositoryBody {
        description: description.map(|d| d.parse().unwrap()),
        upstreams: upstreams.map(|u| {
            u.iter()
                .map(|name| types::UpstreamRepository { repository_name: name.parse().unwrap() })
                .collect()
        }),
    };
    let call = client.update_repository().domain(domain).repository(repository).body(body);
    answer(call.send().await).map(|r| r.repository)
}

async fn describe_repository(
    client: &Client,
    domain: &str,
    repository: &str,
) -> types::RepositoryDescription {
    let call = client.describe_repository().domain(domain).repository(repository);
    call.send().await.unwrap().into_inner().repository
}

fn upstream_names(r: &types::RepositoryDescription) -> Vec<String> {
    r.upstreams.iter().map(|u| u.repository_name.to_string()).collect()
}

/// ListRepositories, following `nextToken` with pages of `max`: each
/// repository as `domain/name`, and how many pages it took.
async fn walk_repositories(
    client: &Client,
    prefix: Option<&str>,
    max: Option<u64>,
) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut call = client.list_repositories();
        if let Some(prefix) = prefix {
            call = call.repository_prefix(prefix);
        }
        if let Some(max) = max {
            call = call.max_results(NonZeroU64::new(max).unwrap());
        }
        if let Some(t) = token.take() {
            call = call.next_token(t.as_str());
        }
        let page = call.send().await.unwrap().into_inner();
        pages += 1;
        assert!(max.is_none_or(|m| page.repositories.len() as u64 <= m), "page over {max:?}");
        names.extend(page.repositories.iter().map(|r| format!("{}/{}", *r.domain_name, *r.name)));
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
        assert!(pages < 100, "the listing does not end");
    }
    (names, pages)
}

async fn dependencies(
    client: &Client,
    p: Pkg<'_>,
    version: &str,
) -> Answer<types::ListPackageVersionDependenciesResult> {
    answer(at!(client.list_package_version_dependencies(), p).version(version).send().await)
}

/// A dependency as (namespace, package, type, requirement), "" for absent.
fn dependency_rows(
    result: &types::ListPackageVersionDependenciesResult,
) -> BTreeSet<(String, String, String, String)> {
    let rows: Vec<(String, String, String, String)> = result
        .dependencies
        .iter()
        .map(|d| {
            (
                d.namespace.as_ref().map(|n| n.to_string()).unwrap_or_default(),
                d.package.to_string(),
                d.dependency_type.clone().unwrap_or_default(),
                d.version_requirement.clone().unwrap_or_default(),
            )
        })
        .collect();
    let set: BTreeSet<_> = rows.iter().cloned().collect();
    assert_eq!(set.len(), rows.len(), "a dependency listed twice: {rows:?}");
    set
}

fn rows(expected: &[(&str, &str, &str, &str)]) -> BTreeSet<(String, String, String, String)> {
    expected
        .iter()
        .map(|(n, p, t, r)| (n.to_string(), p.to_string(), t.to_string(), r.to_string()))
        .collect()
}

async fn put_origin(
    client: &Client,
    p: Pkg<'_>,
    publish: types::AllowPublish,
    upstream: types::AllowUpstream,
) -> Answer<types::PutPackageOriginConfigurationResult> {
    let body = types::PutPackageOriginConfigurationBody {
        restrictions: types::PackageOriginRestrictions { publish, upstream },
    };
    answer(at!(client.put_package_origin_configuration(), p).body(body).send().await)
}

async fn restrictions_of(
    client: &Client,
    p: Pkg<'_>,
) -> (types::AllowPublish, types::AllowUpstream) {
    let described = at!(client.describe_package(), p).send().await.unwrap().into_inner();
    let r = described.package.origin_configuration.restrictions;
    (r.publish, r.upstream)
}

// ---------------------------------------------------------------------------
// PublishPackageVersion
// ---------------------------------------------------------------------------

#[tokio::test]
async fn publish_package_version_round_trips_through_the_generated_client() {
    let server = TestServer::start().await;
    make_repository(&server, "demo", "store").await;
    let client = server.client(*USER);
    let p = generic("store", "tool");
    // Large enough to arrive in many chunks.
    let bytes = bytes_of(7, 3 * 1024 * 1024 + 17);
    let before = chrono::Utc::now().timestamp();
    let result = published(&client, p, "1.0.0", "tool-linux.tar.gz", &bytes, false).await;
    assert_eq!(result.format, PackageFormat::Generic);
    assert_eq!(result.namespace.as_deref().map(|n| n.as_str()), Some("tools"));
    assert_eq!((result.package.as_str(), result.version.as_str()), ("tool", "1.0.0"));
    assert_eq!(result.status, Status::Published);
    assert!(!result.version_revision.is_empty());
    assert_eq!(result.asset.name.as_str(), "tool-linux.tar.gz");
    assert_eq!(result.asset.size, bytes.len() as i64);
    hashes_are_of(&result.asset.hashes, &bytes);

    // The package and the version, as the rest of the API sees them.
    let (ids, _) = walk_packages(&client, "demo", "store", None).await;
    assert_eq!(ids, ["generic/tools/tool"]);
    let d = describe(&client, p, "1.0.0").await;
    assert_eq!((d.format, d.status), (PackageFormat::Generic, Status::Published));
    assert_eq!(d.revision.as_str(), result.version_revision.as_str());
    assert_eq!(d.namespace.as_deref().map(|n| n.as_str()), Some("tools"));
    assert_eq!(d.package_name.as_str(), "tool");
    assert_eq!(d.origin.origin_type, types::PackageVersionOriginType::Internal);
    let published_time = d.published_time.expect("a publication time");
    assert!(published_time >= before - 1, "{published_time} < {before}");
    let listed = assets(&client, p, "1.0.0").await;
    assert_eq!(listed.version_revision.as_str(), result.version_revision.as_str());
    assert_eq!(listed.assets.len(), 1, "{listed:?}");
    assert_eq!(listed.assets[0].name.as_str(), "tool-linux.tar.gz");
    assert_eq!(listed.assets[0].size, bytes.len() as i64);
    hashes_are_of(&listed.assets[0].hashes, &bytes);
    let got = download(&client, p, "1.0.0", "tool-linux.tar.gz").await;
    assert!(got.bytes == bytes, "the download differs from what was published");
    assert_eq!(got.header("x-assetname"), "tool-linux.tar.gz");
    assert_eq!(got.header("x-packageversionrevision"), result.version_revision.as_str());

    // An empty asset is an asset too.
    let empty = published(&client, p, "1.1.0", "empty.txt", b"", false).await;
    assert_eq!((empty.asset.size, empty.status), (0, Status::Published));
    assert_eq!(download(&client, p, "1.1.0", "empty.txt").await.bytes, b"");
    server.stop().await;
}

#[tokio::test]
async fn publish_package_version_through_the_rust_sdk_in_memory_and_streamed() {
    use aws_sdk_codeartifact::types::{
        HashAlgorithm as H, PackageFormat as F, PackageVersionStatus as S,
    };
    let server = TestServer::start().await;
    make_repository(&server, "demo", "store").await;
    let sdk = sdk(&server, *USER);
    let publish = || {
        sdk.publish_package_version()
            .domain("demo")
            .repository("store")
            .format(F::Generic)
            .namespace("tools")
            .package("sdk-tool")
    };

    // In memory: the SDK signs the body's hash.
    let memory = bytes_of(1, 100_000);
    let out = publish()
        .package_version("1.0.0")
        .asset_name("in-memory.bin")
        .asset_sha256(sha256(&memory))
        .asset_content(ByteStream::from(memory.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), Some(&S::Published));
    assert_eq!((out.format(), out.namespace()), (Some(&F::Generic), Some("tools")));
    assert_eq!((out.package(), out.version()), (Some("sdk-tool"), Some("1.0.0")));
    let asset = out.asset().unwrap();
    assert_eq!((asset.name(), asset.size()), ("in-memory.bin", Some(memory.len() as i64)));
    assert_eq!(asset.hashes().unwrap()[&H::Sha256], sha256(&memory));

    // From a file: a streaming body, which the SDK signs as UNSIGNED-PAYLOAD.
    let dir = tempfile::tempdir().unwrap();
    let streamed = bytes_of(2, 2 * 1024 * 1024 + 3);
    let path = dir.path().join("streamed.bin");
    std::fs::write(&path, &streamed).unwrap();
    let out = publish()
        .package_version("2.0.0")
        .asset_name("streamed.bin")
        .asset_sha256(sha256(&streamed))
        .asset_content(ByteStream::from_path(&path).await.unwrap())
        .unfinished(true)
        .send()
        .await;
    let out = out.unwrap_or_else(|e| panic!("a streamed publish: {:?}", e.into_service_error()));
    assert_eq!(out.status(), Some(&S::Unfinished));
    assert_eq!(out.asset().unwrap().hashes().unwrap()[&H::Sha256], sha256(&streamed));

    // A streamed body whose bytes are not the declared ones: a modelled
    // ValidationException, and nothing added to the version.
    let other = bytes_of(3, 5000);
    let path = dir.path().join("liar.bin");
    std::fs::write(&path, &other).unwrap();
    let err = publish()
        .package_version("2.0.0")
        .asset_name("liar.bin")
        .asset_sha256(sha256(b"something else"))
        .asset_content(ByteStream::from_path(&path).await.unwrap())
        .unfinished(true)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_validation_exception(), "{err:?}");

    // The SDK reads both back.
    let get = |version: &'static str, asset: &'static str| {
        sdk.get_package_version_asset()
            .domain("demo")
            .repository("store")
            .format(F::Generic)
            .namespace("tools")
            .package("sdk-tool")
            .package_version(version)
            .asset(asset)
            .send()
    };
    let got = get("1.0.0", "in-memory.bin").await.unwrap();
    assert!(got.asset.collect().await.unwrap().into_bytes().as_ref() == memory.as_slice());
    let got = get("2.0.0", "streamed.bin").await.unwrap();
    assert!(got.asset.collect().await.unwrap().into_bytes().as_ref() == streamed.as_slice());
    let client = server.client(*USER);
    let p = generic("store", "sdk-tool");
    assert_eq!(asset_names(&client, p, "2.0.0").await, ["streamed.bin"]);

    // Other formats are refused, in the SDK's modelled class.
    let err = sdk
        .publish_package_version()
        .domain("demo")
        .repository("store")
        .format(F::Npm)
        .package("not-generic")
        .package_version("1.0.0")
        .asset_name("a.tgz")
        .asset_sha256(sha256(b"x"))
        .asset_content(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_validation_exception(), "{err:?}");
    assert!(err.message().unwrap().contains("'format'"), "{err:?}");
    server.stop().await;
}

/// Assets added to an Unfinished version until one is published without
/// `unfinished`; then the version is Published, has them all, and takes no
/// more.
#[tokio::test]
async fn unfinished_versions_take_assets_until_one_publishes_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    make_repository(&server, "demo", "store").await;
    let client = server.client(*USER);
    let p = generic("store", "bundle");
    let (a, b, c) = (bytes_of(10, 1000), bytes_of(11, 2000), bytes_of(12, 3000));

    let first = published(&client, p, "1.0.0", "a.bin", &a, true).await;
    assert_eq!(first.status, Status::Unfinished);
    assert_eq!(
        state(&client, p, "1.0.0").await,
        (Status::Unfinished, first.version_revision.to_string())
    );
    let second = published(&client, p, "1.0.0", "b.bin", &b, true).await;
    assert_eq!(second.status, Status::Unfinished);
    assert_eq!(second.asset.name.as_str(), "b.bin");
    assert_eq!(state(&client, p, "1.0.0").await.0, Status::Unfinished);
    assert_eq!(asset_names(&client, p, "1.0.0").await, ["a.bin", "b.bin"]);

    let last = published(&client, p, "1.0.0", "c.bin", &c, false).await;
    assert_eq!(last.status, Status::Published);
    let revisions: BTreeSet<&str> =
        [&first, &second, &last].iter().map(|r| r.version_revision.as_str()).collect();
    assert_eq!(revisions.len(), 3, "each asset added makes a new revision");
    assert_eq!(
        state(&client, p, "1.0.0").await,
        (Status::Published, last.version_revision.to_string())
    );
    let listed = assets(&client, p, "1.0.0").await;
    let names: Vec<&str> = listed.assets.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["a.bin", "b.bin", "c.bin"]);
    for (asset, bytes) in [("a.bin", &a), ("b.bin", &b), ("c.bin", &c)] {
        let summary = listed.assets.iter().find(|x| x.name.as_str() == asset).unwrap();
        assert_eq!(summary.size, bytes.len() as i64);
        hashes_are_of(&summary.hashes, bytes);
        assert!(&download(&client, p, "1.0.0", asset).await.bytes == bytes, "{asset}");
    }

    // Published: no more assets, whether finishing again or not.
    let late = bytes_of(13, 100);
    for unfinished in [false, true] {
        let again = publish(&client, p, "1.0.0", "d.bin", &late, unfinished).await;
        assert_eq!(refused(&again), (409, "ConflictException"), "unfinished={unfinished}");
    }
    let again = publish(&client, p, "1.0.0", "c.bin", &c, false).await;
    assert_eq!(refused(&again), (409, "ConflictException"), "the same asset again");
    assert_eq!(asset_names(&client, p, "1.0.0").await, ["a.bin", "b.bin", "c.bin"]);
    assert_eq!(
        state(&client, p, "1.0.0").await,
        (Status::Published, last.version_revision.to_string())
    );

    // On disk: the three assets, not the refused one.
    let (blobs, staged) = stored_blobs(dir.path());
    let mut expected = vec![sha256(&a), sha256(&b), sha256(&c)];
    expected.sort();
    assert_eq!(blobs, expected, "blobs on disk");
    assert_eq!(staged, 0, "files left in blobs/tmp");
    server.stop().await;
}

/// A body whose SHA-256 is not the one in `x-amz-content-sha256` (which
/// the signature covers) is refused, and nothing of it is kept.
#[tokio::test]
async fn a_body_that_does_not_match_its_sha256_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    make_repository(&server, "demo", "store").await;
    let client = server.client(*USER);
    let p = generic("store", "checked");
    let sent = bytes_of(20, 50_000);
    let declared = sha256(b"what the client meant to send");

    let (status, code, body) =
        publish_declared(&server, p, "1.0.0", "a.bin", &sent, &declared, false).await;
    assert_eq!((status, code.as_str()), (400, "ValidationException"), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    let (status, code, _) = aws_error(at!(client.describe_package(), p).send().await);
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"), "no package");
    assert_eq!(walk_packages(&client, "demo", "store", None).await.0, Vec::<String>::new());
    assert_eq!(stored_blobs(dir.path()), (Vec::new(), 0), "nothing on disk");

    // The same request with the right hash goes through: the signing is not
    // what was refused.
    let (status, _, body) =
        publish_declared(&server, p, "1.0.0", "a.bin", &sent, &sha256(&sent), true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "Unfinished", "{body}");

    // A mismatched asset added to an Unfinished version: refused, and the
    // version is as it was.
    let before = state(&client, p, "1.0.0").await;
    let (status, code, body) =
        publish_declared(&server, p, "1.0.0", "b.bin", &bytes_of(21, 10), &declared, false).await;
    assert_eq!((status, code.as_str()), (400, "ValidationException"), "{body}");
    assert_eq!(state(&client, p, "1.0.0").await, before);
    assert_eq!(asset_names(&client, p, "1.0.0").await, ["a.bin"]);
    assert_eq!(stored_blobs(dir.path()), (vec![sha256(&sent)], 0), "only the accepted asset");
    server.stop().await;
}

/// A publish without `x-amz-content-sha256`, signed over its body's own
/// hash (as botocore signs a body when no header declares one): the
/// signature is checked, then the missing member is reported, as AWS does,
/// rather than a signature mismatch; nothing is stored. A wrong signature is
/// still refused first.
#[tokio::test]
async fn a_publish_without_its_sha256_header_is_a_validation_error_after_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    make_repository(&server, "demo", "bare").await;
    let path = "/v1/package/version/publish?domain=demo&repository=bare&format=generic\
                &namespace=n&package=p&version=1.0&asset=a.bin";
    let sent = "the asset's bytes";
    let (status, code, body) =
        codeartifact_tests::call_raw(&server, reqwest::Method::POST, path, sent, *USER).await;
    assert_eq!((status, code.as_str()), (400, "ValidationException"), "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("Value null at 'assetSHA256'"), "{body}");
    assert_eq!(stored_blobs(dir.path()), (Vec::new(), 0), "nothing on disk");

    let forged = Cred { secret_access_key: "not-the-secret", ..*USER };
    let (status, code, body) =
        codeartifact_tests::call_raw(&server, reqwest::Method::POST, path, sent, forged).await;
    assert_eq!((status, code.as_str()), (403, "InvalidSignatureException"), "{body}");
    server.stop().await;
}

/// A publish refused before its body is read (here: the version is
/// already Published) must leave its connection usable, or say it will
/// not be (`Connection: close`): clients keep connections alive and send
/// the next request on it. boto3 and the aws CLI do.
#[tokio::test]
async fn a_publish_refused_before_its_body_is_read_leaves_the_connection_usable() {
    let server = TestServer::start().await;
    make_repository(&server, "demo", "store").await;
    let client = server.client(*USER);
    let p = generic("store", "done");
    published(&client, p, "1.0.0", "a.bin", b"a", false).await;
    let address = server.url.trim_start_matches("http://").to_string();
    for size in [10, 200_000, 2_000_000] {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let body = bytes_of(70, size);
        let refused_publish =
            publish_request(&server, p, "1.0.0", "b.bin", &body, &sha256(&body), false);
        write_request(&mut stream, &refused_publish).await.unwrap();
        let (status, headers, answer) = read_response(&mut stream).await.expect("an answer");
        assert_eq!(status, 409, "{size}: {}", String::from_utf8_lossy(&answer));
        if headers.get("connection").is_some_and(|c| c.eq_ignore_ascii_case("close")) {
            continue;
        }
        // Kept alive: the next request on it must be answered.
        let url = format!(
            "{}/v1/package/version?domain=demo&repository=store&format=generic&namespace=tools\
             &package=done&version=1.0.0",
            server.url
        );
        let next = codeartifact_tests::signed(reqwest::Method::GET, &url, b"", &USER.signer());
        let written = write_request(&mut stream, &next).await;
        let status = match written {
            Ok(()) => read_response(&mut stream).await.map(|(status, _, _)| status),
            Err(_) => None,
        };
        assert_eq!(
            status,
            Some(200),
            "a {size}-byte publish was answered 409 without `Connection: close` ({headers:?}), \
             and then the connection did not answer the next request"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn publish_package_version_takes_generic_packages_with_a_namespace_only() {
    let server = TestServer::start().await;
    make_repository(&server, "demo", "store").await;
    let client = server.client(*USER);
    // Sent raw: the generated client knows the spec's `generic` only.
    for format in ["npm", "pypi", "maven"] {
        let path = format!(
            "/v1/package/version/publish?domain=demo&repository=store&format={format}\
             &namespace=n&package=tool&version=1.0.0&asset=tool.bin"
        );
        let (status, code, body) =
            codeartifact_tests::call_raw(&server, reqwest::Method::POST, &path, "x", *USER).await;
        assert_eq!((status, code.as_str()), (400, "ValidationException"), "{format}");
        assert!(body["message"].as_str().unwrap_or_default().contains("'format'"), "{body}");
    }
    // Without a namespace (which the client requires, as the spec does).
    let path = "/v1/package/version/publish?domain=demo&repository=store&format=generic\
                &package=tool&version=1.0.0&asset=tool.bin";
    let (status, code, body) =
        codeartifact_tests::call_raw(&server, reqwest::Method::POST, path, "x", *USER).await;
    assert_eq!((status, code.as_str()), (400, "ValidationException"), "no namespace");
    assert!(body["message"].as_str().unwrap_or_default().contains("'namespace'"), "{body}");
    // None of it made a package.
    assert_eq!(walk_packages(&client, "demo", "store", None).await.0, Vec::<String>::new());
    // With a namespace, the same request is fine.
    published(&client, generic("store", "tool"), "1.0.0", "tool.bin", b"x", false).await;
    server.stop().await;
}

/// A version a read through the repository would find in an upstream
/// cannot be published to the repository itself.
#[tokio::test]
async fn publishing_a_version_an_upstream_has_is_a_conflict() {
    let server = TestServer::start().await;
    make_repository(&server, "demo", "up").await;
    create_with_upstreams(&server, "down", &["up"]).await;
    create_with_upstreams(&server, "further-down", &["down"]).await;
    let client = server.client(*USER);
    let original = bytes_of(30, 100);
    published(&client, generic("up", "shared"), "1.0.0", "a.bin", &original, false).await;

    for (repo, other_version) in [("down", "2.0.0"), ("further-down", "3.0.0")] {
        let p = generic(repo, "shared");
        for unfinished in [false, true] {
            let answer =
                publish(&client, p, "1.0.0", "a.bin", &bytes_of(31, 100), unfinished).await;
            assert_eq!(refused(&answer), (409, "ConflictException"), "{repo} {unfinished}");
        }
        let (status, _, _) = aws_error(at!(client.describe_package(), p).send().await);
        assert_eq!(status, 404, "{repo}: nothing published");
        // Another version is fine.
        published(&client, p, other_version, "a.bin", &bytes_of(32, 100), false).await;
    }
    // The upstream's version is untouched.
    let got = download(&client, generic("up", "shared"), "1.0.0", "a.bin").await;
    assert_eq!(got.bytes, original);
    server.stop().await;
}

// ---------------------------------------------------------------------------
// CopyPackageVersions
// ---------------------------------------------------------------------------

#[tokio::test]
async fn copy_package_versions_copies_npm_and_generic_versions() {
    let server = TestServer::start().await;
    let src = Store::create(&server, "src").await;
    let dst = Store::create(&server, "dst").await;
    let client = server.client(*USER);
    let mut tarballs = BTreeMap::new();
    for version in ["1.0.0", "1.1.0", "2.0.0"] {
        tarballs
            .insert(version, npm::publish(&src.npm, &src.token, "@cp/lib", version, version).await);
    }
    let lib = npm_pkg("src", Some("cp"), "lib");

    let result =
        copy(&client, lib, "dst", copy_body(&["1.0.0", "1.1.0", "9.9.9"], &[], false, false)).await;
    let result = result.unwrap();
    assert_eq!(
        outcomes(&result.successful_versions, &result.failed_versions),
        expect(&[("1.0.0", "Published"), ("1.1.0", "Published"), ("9.9.9", "NOT_FOUND")])
    );
    let in_dst = npm_pkg("dst", Some("cp"), "lib");
    for (version, info) in &result.successful_versions {
        assert_eq!(
            state(&client, in_dst, version).await,
            (Status::Published, info.revision.clone())
        );
    }
    let listed = versions_page(&client, in_dst, None, None, false, None).await;
    let listed: Vec<&str> = listed.versions.iter().map(|v| v.version.as_str()).collect();
    assert_eq!(listed, ["1.0.0", "1.1.0"]);
    for version in ["1.0.0", "1.1.0"] {
        let asset = format!("lib-{version}.tgz");
        let got = download(&client, in_dst, version, &asset).await;
        assert_eq!(got.bytes, tarballs[version], "{version}");
        let summary = &assets(&client, in_dst, version).await.assets;
        assert_eq!(summary.len(), 1);
        hashes_are_of(&summary[0].hashes, &tarballs[version]);
    }

    // npm reads the copies from the destination: the document lists them,
    // with their integrity, and their tarballs download from there.
    assert_eq!(npm_document_versions(&dst.npm, &dst.token, "@cp/lib").await, ["1.0.0", "1.1.0"]);
    let doc = npm::read_document(&npm::package_url(&dst.npm, "@cp/lib"), &dst.token).await;
    for version in ["1.0.0", "1.1.0"] {
        let dist = &doc["versions"][version]["dist"];
        assert_eq!(dist["integrity"], npm::integrity(&tarballs[version]), "{version}: {dist}");
        assert_eq!(dist["shasum"], npm::shasum(&tarballs[version]), "{version}: {dist}");
        let url = dist["tarball"].as_str().unwrap();
        assert!(url.starts_with(&dst.npm), "{url} is not at the destination {}", dst.npm);
        assert_eq!(npm::read_bytes(url, &dst.token).await, tarballs[version], "{url}");
        let url = tarball_url(&dst.npm, "@cp/lib", version);
        assert_eq!(npm::read_bytes(&url, &dst.token).await, tarballs[version], "{url}");
    }
    // The source is as it was.
    assert_eq!(
        npm_document_versions(&src.npm, &src.token, "@cp/lib").await,
        ["1.0.0", "1.1.0", "2.0.0"]
    );

    // A generic version, with all its assets.
    let tool = generic("src", "tool");
    let (linux, mac) = (bytes_of(40, 4000), bytes_of(41, 5000));
    published(&client, tool, "3.1.0", "tool-linux", &linux, true).await;
    published(&client, tool, "3.1.0", "tool-mac", &mac, false).await;
    let copied_tool = copied(&client, tool, "dst", copy_body(&["3.1.0"], &[], false, false)).await;
    assert_eq!(copied_tool, expect(&[("3.1.0", "Published")]));
    let in_dst = generic("dst", "tool");
    assert_eq!(asset_names(&client, in_dst, "3.1.0").await, ["tool-linux", "tool-mac"]);
    assert_eq!(download(&client, in_dst, "3.1.0", "tool-linux").await.bytes, linux);
    assert_eq!(download(&client, in_dst, "3.1.0", "tool-mac").await.bytes, mac);
    let ids = walk_packages(&client, "demo", "dst", None).await.0;
    assert_eq!(ids, ["generic/tools/tool", "npm/cp/lib"]);

    // Missing repositories are errors of the whole request.
    for (p, to) in [(Pkg { repo: "nowhere", ..tool }, "dst"), (tool, "nowhere")] {
        let answer = copy(&client, p, to, copy_body(&["3.1.0"], &[], false, false)).await;
        assert_eq!(refused(&answer), (404, "ResourceNotFoundException"), "{} to {to}", p.repo);
    }
    server.stop().await;
}

/// A package the source repository does not have is an error of the whole
/// request, as the API documents CopyPackageVersions: "ResourceNotFoundException
/// (404) when the domain, a repository or the package does not exist".
#[tokio::test]
async fn copying_a_package_the_source_does_not_have_is_not_found() {
    let server = TestServer::start().await;
    for repo in ["src", "dst"] {
        make_repository(&server, "demo", repo).await;
    }
    let client = server.client(*USER);
    published(&client, generic("src", "tool"), "1.0.0", "a.bin", b"a", false).await;
    for p in [generic("src", "absent"), Pkg { namespace: Some("other"), ..generic("src", "tool") }]
    {
        let answer = copy(&client, p, "dst", copy_body(&["1.0.0"], &[], false, false)).await;
        assert_eq!(refused(&answer), (404, "ResourceNotFoundException"), "{p:?}: {answer:?}");
    }
    assert_eq!(walk_packages(&client, "demo", "dst", None).await.0, Vec::<String>::new());
    server.stop().await;
}

/// A version the destination has fails with ALREADY_EXISTS, and is
/// replaced with `allowOverwrite`; the replaced bytes leave the disk unless
/// another version still names them.
#[tokio::test]
async fn copy_overwrites_only_when_allowed_and_frees_the_replaced_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    for repo in ["src", "dst", "keep"] {
        make_repository(&server, "demo", repo).await;
    }
    let client = server.client(*USER);
    let (src, dst) = (generic("src", "tool"), generic("dst", "tool"));
    let (new, old) = (bytes_of(50, 3000), bytes_of(51, 3000));
    let (new2, shared) = (bytes_of(52, 3000), bytes_of(53, 3000));
    published(&client, src, "1.0.0", "new.bin", &new, false).await;
    published(&client, dst, "1.0.0", "old.bin", &old, false).await;
    published(&client, src, "2.0.0", "new.bin", &new2, false).await;
    published(&client, dst, "2.0.0", "shared.bin", &shared, false).await;
    // The bytes of dst's 2.0.0 are another repository's too.
    published(&client, generic("keep", "tool"), "2.0.0", "shared.bin", &shared, false).await;
    let old_revision = state(&client, dst, "1.0.0").await.1;

    let outcome =
        copied(&client, src, "dst", copy_body(&["1.0.0", "2.0.0"], &[], false, false)).await;
    assert_eq!(outcome, expect(&[("1.0.0", "ALREADY_EXISTS"), ("2.0.0", "ALREADY_EXISTS")]));
    assert_eq!(state(&client, dst, "1.0.0").await, (Status::Published, old_revision.clone()));
    assert_eq!(asset_names(&client, dst, "1.0.0").await, ["old.bin"]);
    assert_eq!(download(&client, dst, "1.0.0", "old.bin").await.bytes, old);

    let outcome =
        copied(&client, src, "dst", copy_body(&["1.0.0", "2.0.0"], &[], true, false)).await;
    assert_eq!(outcome, expect(&[("1.0.0", "Published"), ("2.0.0", "Published")]));
    assert_ne!(state(&client, dst, "1.0.0").await.1, old_revision, "a new revision");
    assert_eq!(asset_names(&client, dst, "1.0.0").await, ["new.bin"]);
    assert_eq!(download(&client, dst, "1.0.0", "new.bin").await.bytes, new);
    let gone = get_asset(&client, dst, "1.0.0", "old.bin", None).await.err();
    assert_eq!(gone.map(|e| (e.0, e.1)), Some((404, "ResourceNotFoundException".to_string())));
    assert_eq!(asset_names(&client, dst, "2.0.0").await, ["new.bin"]);
    assert_eq!(download(&client, dst, "2.0.0", "new.bin").await.bytes, new2);
    // keep's version still downloads.
    let kept = download(&client, generic("keep", "tool"), "2.0.0", "shared.bin").await;
    assert_eq!(kept.bytes, shared);

    // On disk: what versions still name; not dst's old 1.0.0.
    let (blobs, staged) = stored_blobs(dir.path());
    let mut expected = vec![sha256(&new), sha256(&new2), sha256(&shared)];
    expected.sort();
    assert_eq!(blobs, expected, "blobs on disk (old.bin's is {})", sha256(&old));
    assert_eq!(staged, 0);
    server.stop().await;
}

#[tokio::test]
async fn copy_checks_revisions_and_reports_each_version_once() {
    let server = TestServer::start().await;
    for repo in ["src", "dst", "dst2"] {
        make_repository(&server, "demo", repo).await;
    }
    let client = server.client(*USER);
    let src = generic("src", "tool");
    for version in ["1.0.0", "2.0.0"] {
        published(&client, src, version, "a.bin", version.as_bytes(), false).await;
    }
    let r1 = state(&client, src, "1.0.0").await.1;
    let r2 = state(&client, src, "2.0.0").await.1;

    // versionRevisions: only a version at that revision in the source.
    let body = copy_body(&[], &[("1.0.0", r1.as_str()), ("2.0.0", r1.as_str())], false, false);
    let outcome = copied(&client, src, "dst", body).await;
    assert_eq!(outcome, expect(&[("1.0.0", "Published"), ("2.0.0", "MISMATCHED_REVISION")]));
    assert_eq!(asset_names(&client, generic("dst", "tool"), "1.0.0").await, ["a.bin"]);
    let (status, _, _) = aws_error(
        at!(client.describe_package_version(), generic("dst", "tool"))
            .version("2.0.0")
            .send()
            .await,
    );
    assert_eq!(status, 404, "a mismatched version is not copied");
    let body = copy_body(&[], &[("2.0.0", r2.as_str()), ("3.0.0", r2.as_str())], false, false);
    let outcome = copied(&client, src, "dst", body).await;
    assert_eq!(outcome, expect(&[("2.0.0", "Published"), ("3.0.0", "NOT_FOUND")]));

    // A version named twice has one outcome.
    let result =
        copy(&client, src, "dst2", copy_body(&["1.0.0", "1.0.0"], &[], false, false)).await;
    let result = result.unwrap();
    assert_eq!(result.successful_versions.keys().collect::<Vec<_>>(), ["1.0.0"]);
    assert!(result.failed_versions.is_empty(), "{:?}", result.failed_versions);

    // A repository copied to itself: refused, whatever it holds.
    for version in ["1.0.0", "9.9.9"] {
        let answer = copy(&client, src, "src", copy_body(&[version], &[], true, false)).await;
        assert_eq!(refused(&answer), (400, "ValidationException"), "{version}");
    }
    assert_eq!(state(&client, src, "1.0.0").await.1, r1, "the source is unchanged");

    // Both lists, or neither.
    let both = types::CopyPackageVersionsBody {
        versions: Some(versions_of(&["1.0.0"])),
        version_revisions: revisions_of(&[("1.0.0", r1.as_str())]),
        allow_overwrite: None,
        include_from_upstream: None,
    };
    let answer = copy(&client, src, "dst2", both).await;
    assert_eq!(refused(&answer), (400, "ValidationException"));
    let answer = copy(&client, src, "dst2", copy_body(&[], &[], false, false)).await;
    assert_eq!(refused(&answer), (400, "ValidationException"));
    server.stop().await;
}

/// With `includeFromUpstream`, a version only the source's upstreams have
/// is copied from the first that has it, in the order the source lists
/// them (then theirs).
#[tokio::test]
async fn copy_includes_versions_from_upstreams_in_their_configured_order() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    make_repository(&server, "demo", "deep").await;
    create_with_upstreams(&server, "alpha-up", &["deep"]).await;
    make_repository(&server, "demo", "zeta-up").await;
    let (zeta, alpha, deep) = (bytes_of(60, 700), bytes_of(61, 700), bytes_of(62, 700));
    published(&client, generic("deep", "shared"), "2.0.0", "a.bin", &deep, false).await;
    published(&client, generic("alpha-up", "shared"), "1.0.0", "a.bin", &alpha, false).await;
    published(&client, generic("zeta-up", "shared"), "1.0.0", "a.bin", &zeta, false).await;
    // Listed zeta first: not the order of their names.
    create_with_upstreams(&server, "src", &["zeta-up", "alpha-up"]).await;
    for repo in ["dst", "dst2"] {
        make_repository(&server, "demo", repo).await;
    }
    let src = generic("src", "shared");
    // The package is in the source too, with no versions of its own and
    // versions from upstreams allowed.
    use types::{AllowPublish as P, AllowUpstream as U};
    put_origin(&client, src, P::Allow, U::Allow).await.unwrap();

    // Without includeFromUpstream, the source's own versions only.
    let outcome =
        copied(&client, src, "dst", copy_body(&["1.0.0", "2.0.0"], &[], false, false)).await;
    assert_eq!(outcome, expect(&[("1.0.0", "NOT_FOUND"), ("2.0.0", "NOT_FOUND")]));

    let outcome =
        copied(&client, src, "dst", copy_body(&["1.0.0", "2.0.0"], &[], false, true)).await;
    assert_eq!(outcome, expect(&[("1.0.0", "Published"), ("2.0.0", "Published")]));
    let dst = generic("dst", "shared");
    assert!(download(&client, dst, "1.0.0", "a.bin").await.bytes == zeta, "the first upstream's");
    assert!(download(&client, dst, "2.0.0", "a.bin").await.bytes == deep, "through alpha-up");

    // The other order, the other bytes.
    update_repository(&client, "demo", "src", None, Some(&["alpha-up", "zeta-up"])).await.unwrap();
    let outcome = copied(&client, src, "dst2", copy_body(&["1.0.0"], &[], false, true)).await;
    assert_eq!(outcome, expect(&[("1.0.0", "Published")]));
    let dst2 = generic("dst2", "shared");
    assert!(download(&client, dst2, "1.0.0", "a.bin").await.bytes == alpha, "now alpha-up's");
    server.stop().await;
}

// ---------------------------------------------------------------------------
// PutPackageOriginConfiguration
// ---------------------------------------------------------------------------

#[tokio::test]
async fn origin_configuration_blocks_and_allows_publishing() {
    use types::{AllowPublish as P, AllowUpstream as U};
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let client = server.client(*USER);
    npm::publish(&store.npm, &store.token, "guarded", "1.0.0", "one").await;
    let guarded = npm_pkg("store", None, "guarded");

    let set = put_origin(&client, guarded, P::Block, U::Allow).await.unwrap();
    let r = set.origin_configuration.restrictions;
    assert_eq!((r.publish, r.upstream), (P::Block, U::Allow));
    assert_eq!(restrictions_of(&client, guarded).await, (P::Block, U::Allow));
    let blocked = client.list_packages().domain("demo").repository("store").publish(P::Block);
    let blocked = blocked.send().await.unwrap().into_inner();
    assert_eq!(blocked.packages.iter().map(package_id).collect::<Vec<_>>(), ["npm//guarded"]);

    // npm's publish is a 409 at the endpoint, and stores nothing.
    let bytes = npm::tarball("guarded", "1.1.0", "two");
    let url = npm::package_url(&store.npm, "guarded");
    let response =
        npm::put(&url, &store.token, npm::document("guarded", "1.1.0", &bytes).to_string()).await;
    assert_eq!(response.status().as_u16(), 409);
    assert_eq!(npm_document_versions(&store.npm, &store.token, "guarded").await, ["1.0.0"]);
    // The versions it has stay readable.
    assert_eq!(state(&client, guarded, "1.0.0").await.0, Status::Published);

    let set = put_origin(&client, guarded, P::Allow, U::Block).await.unwrap();
    let r = set.origin_configuration.restrictions;
    assert_eq!((r.publish, r.upstream), (P::Allow, U::Block));
    assert_eq!(restrictions_of(&client, guarded).await, (P::Allow, U::Block));
    npm::publish(&store.npm, &store.token, "guarded", "1.1.0", "two").await;

    // A package that does not exist is created, with no versions.
    let future = generic("store", "future");
    put_origin(&client, future, P::Block, U::Block).await.unwrap();
    let ids = walk_packages(&client, "demo", "store", None).await.0;
    assert_eq!(ids, ["generic/tools/future", "npm//guarded"]);
    assert_eq!(restrictions_of(&client, future).await, (P::Block, U::Block));
    let versions = versions_page(&client, future, None, None, false, None).await;
    assert!(versions.versions.is_empty(), "{versions:?}");
    assert_eq!(versions.default_display_version, None);
    let answer = publish(&client, future, "1.0.0", "a.bin", b"a", false).await;
    assert_eq!(refused(&answer), (409, "ConflictException"));
    assert!(versions_page(&client, future, None, None, false, None).await.versions.is_empty());
    put_origin(&client, future, P::Allow, U::Block).await.unwrap();
    published(&client, future, "1.0.0", "a.bin", b"a", false).await;

    // An npm package first met this way is blocked at the endpoint too.
    let fresh = npm_pkg("store", Some("later"), "thing");
    put_origin(&client, fresh, P::Block, U::Allow).await.unwrap();
    let bytes = npm::tarball("@later/thing", "1.0.0", "x");
    let url = npm::package_url(&store.npm, "@later/thing");
    let response =
        npm::put(&url, &store.token, npm::document("@later/thing", "1.0.0", &bytes).to_string())
            .await;
    assert_eq!(response.status().as_u16(), 409);

    // Where there is no repository, there is nothing to configure.
    for p in [generic("nowhere", "x"), Pkg { domain: "nodomain", ..generic("store", "x") }] {
        let answer = put_origin(&client, p, P::Block, U::Block).await;
        assert_eq!(refused(&answer), (404, "ResourceNotFoundException"), "{p:?}");
    }
    server.stop().await;
}

// ---------------------------------------------------------------------------
// ListPackageVersionDependencies
// ---------------------------------------------------------------------------

#[tokio::test]
async fn npm_dependencies_are_listed_with_their_kind_scope_and_range() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let client = server.client(*USER);
    let manifest = json!({
        "name": "@deps/app",
        "version": "1.0.0",
        "dependencies": { "left-pad": "^1.3.0", "@types/node": "~20.1.0" },
        "devDependencies": { "@babel/core": "7.x", "typescript": "5.4.5" },
        "peerDependencies": { "react": ">=17 <19" },
        "optionalDependencies": { "fsevents": "*" },
    });
    let bytes = npm::tgz(&[("package/package.json", manifest.to_string().as_bytes())]);
    let mut doc = npm::document("@deps/app", "1.0.0", &bytes);
    for member in ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] {
        doc["versions"]["1.0.0"][member] = manifest[member].clone();
    }
    let url = npm::package_url(&store.npm, "@deps/app");
    assert_eq!(npm::put(&url, &store.token, doc.to_string()).await.status().as_u16(), 201);
    npm::publish(&store.npm, &store.token, "@deps/app", "1.1.0", "none").await;
    let app = npm_pkg("store", Some("deps"), "app");

    let result = dependencies(&client, app, "1.0.0").await.unwrap();
    assert_eq!(
        dependency_rows(&result),
        rows(&[
            ("", "left-pad", "regular", "^1.3.0"),
            ("types", "node", "regular", "~20.1.0"),
            ("babel", "core", "dev", "7.x"),
            ("", "typescript", "dev", "5.4.5"),
            ("", "react", "peer", ">=17 <19"),
            ("", "fsevents", "optional", "*"),
        ])
    );
    assert_eq!(result.format, PackageFormat::Npm);
    assert_eq!(result.namespace.as_deref().map(|n| n.as_str()), Some("deps"));
    assert_eq!((result.package.as_str(), result.version.as_str()), ("app", "1.0.0"));
    assert_eq!(result.version_revision.as_str(), state(&client, app, "1.0.0").await.1);
    assert_eq!(result.next_token, None);

    // A version without dependencies has none; one that does not exist is
    // not found.
    assert!(dependencies(&client, app, "1.1.0").await.unwrap().dependencies.is_empty());
    let answer = dependencies(&client, app, "9.9.9").await;
    assert_eq!(refused(&answer), (404, "ResourceNotFoundException"));
    // A generic version has none.
    let tool = generic("store", "tool");
    published(&client, tool, "1.0.0", "a.bin", b"a", false).await;
    assert!(dependencies(&client, tool, "1.0.0").await.unwrap().dependencies.is_empty());
    server.stop().await;
}

/// twine sends a wheel's `Requires-Dist` lines as repeated `requires_dist`
/// fields; they are the version's dependencies, of type `Requires-Dist`
/// (AWS's PackageDependency documents that type for pypi).
#[tokio::test]
async fn pypi_dependencies_are_the_uploads_requires_dist() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let client = server.client(*USER);
    let wheel = pypi::wheel("needs-things", "1.0", "");
    let mut form = pypi::Form::twine("needs-things", "1.0", &wheel);
    for requirement in ["requests>=2.31", "idna<4,>=2.5", "certifi"] {
        form.fields.push(("requires_dist".to_string(), requirement.to_string()));
    }
    pypi::uploaded(&store.pypi, &store.token, &form).await;
    let plain = pypi::wheel("needs-nothing", "1.0", "");
    pypi::uploaded(&store.pypi, &store.token, &pypi::Form::twine("needs-nothing", "1.0", &plain))
        .await;

    let p =
        Pkg { namespace: None, format: PackageFormat::Pypi, ..generic("store", "needs-things") };
    let result = dependencies(&client, p, "1.0").await.unwrap();
    assert_eq!(
        dependency_rows(&result),
        rows(&[
            ("", "requests", "Requires-Dist", ">=2.31"),
            ("", "idna", "Requires-Dist", "<4,>=2.5"),
            ("", "certifi", "Requires-Dist", ""),
        ])
    );
    assert_eq!((result.format, result.namespace.as_ref()), (PackageFormat::Pypi, None));
    assert_eq!(result.package.as_str(), "needs-things");
    let none = Pkg { name: "needs-nothing", ..p };
    assert!(dependencies(&client, none, "1.0").await.unwrap().dependencies.is_empty());
    server.stop().await;
}

// ---------------------------------------------------------------------------
// UpdateRepository
// ---------------------------------------------------------------------------

#[tokio::test]
async fn update_repository_changes_what_it_is_given_and_leaves_the_rest() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    for repo in ["ra", "rb", "rc"] {
        make_repository(&server, "demo", repo).await;
    }
    let body = types::CreateRepositoryBody::builder().description(Some("first".parse().unwrap()));
    client.create_repository().domain("demo").repository("target").body(body).send().await.unwrap();

    let updated = update_repository(&client, "demo", "target", Some("second"), None).await.unwrap();
    assert_eq!(updated.description.as_deref(), Some("second"));
    assert_eq!(upstream_names(&updated), Vec::<String>::new());
    assert_eq!(updated.name.as_str(), "target");
    assert_eq!(updated.arn, "arn:aws:codeartifact:us-east-1:111122223333:repository/demo/target");

    let updated =
        update_repository(&client, "demo", "target", None, Some(&["rb", "ra"])).await.unwrap();
    assert_eq!(upstream_names(&updated), ["rb", "ra"], "in the order given");
    assert_eq!(updated.description.as_deref(), Some("second"), "left as it was");
    let described = describe_repository(&client, "demo", "target").await;
    assert_eq!(
        (upstream_names(&described), described.description.as_deref()),
        (vec!["rb".to_string(), "ra".to_string()], Some("second"))
    );

    // Upstreams absent: left as they are.
    let updated = update_repository(&client, "demo", "target", Some("third"), None).await.unwrap();
    assert_eq!(upstream_names(&updated), ["rb", "ra"]);
    // Both at once.
    let updated =
        update_repository(&client, "demo", "target", Some("fourth"), Some(&["rc", "ra", "rb"]))
            .await
            .unwrap();
    assert_eq!(
        (upstream_names(&updated), updated.description.as_deref()),
        (vec!["rc".into(), "ra".into(), "rb".into()], Some("fourth"))
    );
    // Nothing at all: nothing changes.
    let updated = update_repository(&client, "demo", "target", None, None).await.unwrap();
    assert_eq!(
        (upstream_names(&updated), updated.description.as_deref()),
        (vec!["rc".into(), "ra".into(), "rb".into()], Some("fourth"))
    );
    // An empty list removes them all.
    let updated = update_repository(&client, "demo", "target", None, Some(&[])).await.unwrap();
    assert_eq!(upstream_names(&updated), Vec::<String>::new());
    let described = describe_repository(&client, "demo", "target").await;
    assert_eq!(
        (upstream_names(&described), described.description.as_deref()),
        (Vec::<String>::new(), Some("fourth"))
    );
    // The listing shows the new description.
    let listed = client.list_repositories_in_domain().domain("demo").repository_prefix("target");
    let listed = listed.send().await.unwrap().into_inner();
    assert_eq!(listed.repositories[0].description.as_deref(), Some("fourth"));
    // A repository that does not exist cannot be updated.
    let answer = update_repository(&client, "demo", "nothing", Some("x"), None).await;
    assert_eq!(refused(&answer), (404, "ResourceNotFoundException"));
    server.stop().await;
}

#[tokio::test]
async fn update_repository_refuses_upstreams_it_cannot_have_and_changes_nothing() {
    let server = TestServer::start().await;
    let client = server.client(*USER);
    let names: Vec<String> = (0..11).map(|i| format!("up-{i:02}")).collect();
    for name in &names {
        make_repository(&server, "demo", name).await;
    }
    for repo in ["ra", "rb", "rc"] {
        make_repository(&server, "demo", repo).await;
    }
    update_repository(&client, "demo", "ra", None, Some(&["rb"])).await.unwrap();
    update_repository(&client, "demo", "rc", None, Some(&["ra"])).await.unwrap();
    let all: Vec<&str> = names.iter().map(String::as_str).collect();

    let cases: Vec<(&str, Vec<&str>, (u16, &str))> = vec![
        ("rb", vec!["up-00", "missing"], (404, "ResourceNotFoundException")),
        ("rb", vec!["rb"], (400, "ValidationException")),
        ("rb", vec!["up-00", "up-01", "up-00"], (400, "ValidationException")),
        // ra→rb: rb→ra would be a cycle, as would rb→rc (rc→ra→rb).
        ("rb", vec!["ra"], (400, "ValidationException")),
        ("rb", vec!["up-00", "rc"], (400, "ValidationException")),
        ("ra", vec!["rb", "ra"], (400, "ValidationException")),
        ("rb", all.clone(), (400, "ValidationException")),
    ];
    for (repo, upstreams, expected) in &cases {
        let before = describe_repository(&client, "demo", repo).await;
        let answer =
            update_repository(&client, "demo", repo, Some("changed"), Some(upstreams)).await;
        assert_eq!(refused(&answer), *expected, "{repo} with {upstreams:?}: {answer:?}");
        let after = describe_repository(&client, "demo", repo).await;
        assert_eq!(upstream_names(&after), upstream_names(&before), "{repo} with {upstreams:?}");
        assert_eq!(after.description, before.description, "{repo} with {upstreams:?}");
    }
    let answer = update_repository(&client, "demo", "rb", None, Some(&["up-00", "missing"])).await;
    assert!(message(&answer).contains("'missing'"), "{}", message(&answer));

    // Ten is the most a repository may have.
    let updated = update_repository(&client, "demo", "rb", None, Some(&all[..10])).await.unwrap();
    assert_eq!(upstream_names(&updated), &names[..10]);
    server.stop().await;
}

/// Upstreams set with UpdateRepository are read through at the
/// repository's endpoints; removed, they no longer are.
#[tokio::test]
async fn reads_go_through_upstreams_set_by_update_repository() {
    let server = TestServer::start().await;
    let up = Store::create(&server, "up").await;
    let down = Store::create(&server, "down").await;
    let client = server.client(*USER);
    let tarball = npm::publish(&up.npm, &up.token, "through", "1.0.0", "up").await;
    npm::publish(&up.npm, &up.token, "never-read", "1.0.0", "up").await;
    let wheel = pypi::wheel("through-py", "1.0", "");
    pypi::uploaded(&up.pypi, &up.token, &pypi::Form::twine("through-py", "1.0", &wheel)).await;
    let doc_url = npm::package_url(&down.npm, "through");
    assert_eq!(npm::status_of(&doc_url, &down.token).await, 404, "no upstream yet");

    update_repository(&client, "demo", "down", None, Some(&["up"])).await.unwrap();
    assert_eq!(npm_document_versions(&down.npm, &down.token, "through").await, ["1.0.0"]);
    let got = npm::read_bytes(&tarball_url(&down.npm, "through", "1.0.0"), &down.token).await;
    assert_eq!(got, tarball);
    let page = pypi::project_json(&down.pypi, &down.token, "through-py").await;
    assert_eq!(page["versions"], json!(["1.0"]), "{page}");
    let file = pypi::file_url(&down.pypi, "through-py", "1.0", &wheel.0);
    assert_eq!(pypi::read_bytes(&file, &down.token).await, wheel.1);

    update_repository(&client, "demo", "down", None, Some(&[])).await.unwrap();
    let never = npm::package_url(&down.npm, "never-read");
    assert_eq!(npm::status_of(&never, &down.token).await, 404, "no upstream any more");
    server.stop().await;
}

// ---------------------------------------------------------------------------
// ListRepositories
// ---------------------------------------------------------------------------

/// Repositories in USER's domains `demo` and `team` (of every region) and,
/// `with_regional`, `regional` (of eu-west-1 only); and one in bob's
/// `shared`.
async fn repositories_of_two_accounts(server: &TestServer, with_regional: bool) {
    let client = server.client(*USER);
    for domain in ["demo", "team"] {
        for name in ["repo", "repo-staging", "repo.x"] {
            let description = format!("{name} of {domain}").parse().unwrap();
            let body = types::CreateRepositoryBody::builder().description(Some(description));
            let call = client.create_repository().domain(domain).repository(name).body(body);
            call.send().await.unwrap();
        }
    }
    make_repository(server, "demo", "other").await;
    if with_regional {
        let eu = Client::new(
            &server.url,
            Signer::new(USER.access_key_id, USER.secret_access_key, None, "eu-west-1"),
        );
        eu.create_repository().domain("regional").repository("repo-eu").send().await.unwrap();
    }
    let bob = server.client(*OTHER_USER);
    bob.create_repository().domain("shared").repository("repo").send().await.unwrap();
}

#[tokio::test]
async fn list_repositories_lists_the_accounts_repositories_in_every_domain_of_the_region() {
    let server = TestServer::start().await;
    repositories_of_two_accounts(&server, true).await;
    let client = server.client(*USER);
    let all = client.list_repositories().send().await.unwrap().into_inner();
    assert_eq!(all.next_token, None);
    let ids: BTreeSet<String> =
        all.repositories.iter().map(|r| format!("{}/{}", *r.domain_name, *r.name)).collect();
    let expected: BTreeSet<String> = [
        "demo/other",
        "demo/repo",
        "demo/repo-staging",
        "demo/repo.x",
        "team/repo",
        "team/repo-staging",
        "team/repo.x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(ids, expected, "not bob's, not eu-west-1's");
    assert_eq!(all.repositories.len(), expected.len(), "each once");
    for r in &all.repositories {
        assert_eq!(
            (r.domain_owner.as_str(), r.administrator_account.as_str()),
            ("111122223333", "111122223333")
        );
        assert_eq!(
            r.arn,
            format!(
                "arn:aws:codeartifact:us-east-1:111122223333:repository/{}/{}",
                *r.domain_name, *r.name
            )
        );
        if r.name.as_str() != "other" {
            assert_eq!(
                r.description.clone().unwrap(),
                format!("{} of {}", *r.name, *r.domain_name)
            );
        }
        assert!(r.created_time > 1_700_000_000, "{r:?}");
    }

    // By prefix.
    for (prefix, expected) in [
        (
            "repo",
            vec![
                "demo/repo",
                "demo/repo-staging",
                "demo/repo.x",
                "team/repo",
                "team/repo-staging",
                "team/repo.x",
            ],
        ),
        ("repo-", vec!["demo/repo-staging", "team/repo-staging"]),
        ("repo.", vec!["demo/repo.x", "team/repo.x"]),
        ("oth", vec!["demo/other"]),
        ("none", vec![]),
    ] {
        let (listed, _) = walk_repositories(&client, Some(prefix), None).await;
        let listed: BTreeSet<String> = listed.into_iter().collect();
        let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(listed, expected, "prefix {prefix}");
    }

    // Bob sees his own.
    let bob = server.client(*OTHER_USER).list_repositories().send().await.unwrap().into_inner();
    let bobs: Vec<String> =
        bob.repositories.iter().map(|r| format!("{}/{}", *r.domain_name, *r.name)).collect();
    assert_eq!(bobs, ["shared/repo"]);

    // In eu-west-1, the regional domain's too.
    let eu = Client::new(
        &server.url,
        Signer::new(USER.access_key_id, USER.secret_access_key, None, "eu-west-1"),
    );
    let (listed, _) = walk_repositories(&eu, None, None).await;
    assert!(listed.contains(&"regional/repo-eu".to_string()), "{listed:?}");
    assert_eq!(listed.len(), expected.len() + 1, "{listed:?}");
    server.stop().await;
}

/// Names that prefix each other (`repo`, `repo-staging`, `repo.x`), in two
/// domains: every page size lists each repository once, in the order of
/// the whole listing.
#[tokio::test]
async fn list_repositories_pages_through_names_that_prefix_each_other() {
    let server = TestServer::start().await;
    repositories_of_two_accounts(&server, false).await;
    let client = server.client(*USER);
    let (whole, pages) = walk_repositories(&client, None, None).await;
    assert_eq!((whole.len(), pages), (7, 1));
    for size in 1..=8u64 {
        let (paged, pages) = walk_repositories(&client, None, Some(size)).await;
        assert_eq!(paged, whole, "pages of {size}");
        assert_eq!(pages, whole.len().div_ceil(size as usize).max(1), "pages of {size}");
        let (paged, _) = walk_repositories(&client, Some("repo"), Some(size)).await;
        let expected: Vec<String> = whole
            .iter()
            .filter(|id| id.split('/').nth(1).unwrap().starts_with("repo"))
            .cloned()
            .collect();
        assert_eq!(paged, expected, "prefix repo, pages of {size}");
    }

    // AWS's Rust SDK follows the same pages.
    let listed: Vec<String> = sdk(&server, *USER)
        .list_repositories()
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{}/{}", r.domain_name().unwrap(), r.name().unwrap()))
        .collect();
    assert_eq!(listed, whole);
    server.stop().await;
}

// ---------------------------------------------------------------------------
// Authorization
// ---------------------------------------------------------------------------

const ANNEX: &str = "135791357913";

/// The users of the annex account: each is allowed everything but the
/// action it is denied on the resource (the keeper, nothing).
const ANNEX_USERS: [(&str, &str, &str); 9] = [
    ("keeper", "", ""),
    ("no-publish", "codeartifact:PublishPackageVersion", "*"),
    (
        "no-copy-to-dst",
        "codeartifact:CopyPackageVersions",
        "arn:aws:codeartifact:*:135791357913:package/annex/dst/*",
    ),
    (
        "no-read-src",
        "codeartifact:ReadFromRepository",
        "arn:aws:codeartifact:*:135791357913:repository/annex/src",
    ),
    ("no-origin", "codeartifact:PutPackageOriginConfiguration", "*"),
    ("no-dependencies", "codeartifact:ListPackageVersionDependencies", "*"),
    ("no-update", "codeartifact:UpdateRepository", "*"),
    ("no-list", "codeartifact:ListRepositories", "*"),
    (
        "no-guarded-upstream",
        "codeartifact:AssociateWithDownstreamRepository",
        "arn:aws:codeartifact:*:135791357913:repository/annex/guarded",
    ),
];

fn annex_key(i: usize) -> (String, String) {
    (format!("AKIAANNEXUSER{i:07}"), format!("annexSecret/{i}/EXAMPLE"))
}

fn annex(name: &str) -> Cred {
    let i = ANNEX_USERS.iter().position(|(n, _, _)| *n == name).unwrap();
    let (id, secret) = annex_key(i);
    Cred {
        access_key_id: id.leak(),
        secret_access_key: secret.leak(),
        session_token: None,
        arn: format!("arn:aws:iam::{ANNEX}:user/{name}").leak(),
    }
}

/// Domain `annex` of account 135791357913 with repositories src, dst,
/// dst2, other, guarded and open, and [`ANNEX_USERS`].
fn annex_config() -> String {
    let mut config = format!(
        "[[domains]]\nname = \"annex\"\nowner = \"{ANNEX}\"\n\
         repositories = [\"src\", \"dst\", \"dst2\", \"other\", \"guarded\", \"open\"]\n\n\
         [[accounts]]\nid = \"{ANNEX}\"\n\n"
    );
    for (i, (name, action, resource)) in ANNEX_USERS.iter().enumerate() {
        let (id, secret) = annex_key(i);
        let allow = r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#;
        let document = if action.is_empty() {
            format!(r#"{{"Statement": [{allow}]}}"#)
        } else {
            format!(
                r#"{{"Statement": [{allow}, {{"Effect": "Deny", "Action": "{action}", "Resource": "{resource}"}}]}}"#
            )
        };
        config.push_str(&format!(
            "[[accounts.users]]\nname = \"{name}\"\n\
             access_keys = [{{ access_key_id = \"{id}\", secret_access_key = \"{secret}\" }}]\n\
             policies = [{{ name = \"policy\", document = '{document}' }}]\n\n"
        ));
    }
    config
}

fn annex_pkg<'a>(repo: &'a str, name: &'a str) -> Pkg<'a> {
    Pkg { domain: "annex", ..generic(repo, name) }
}

/// An AccessDeniedException naming `user`, `action` and `resource`.
fn denied<T: std::fmt::Debug>(answer: &Answer<T>, user: &str, action: &str, resource: &str) {
    assert_eq!(refused(answer), (403, "AccessDeniedException"), "{user} {action}: {answer:?}");
    let message = message(answer);
    assert!(message.contains(&format!("user/{user}")), "{message}");
    assert!(message.contains(&format!("codeartifact:{action}")), "{message}");
    assert!(message.contains(resource), "{message} should name {resource}");
}

fn package_arn(repo: &str, name: &str) -> String {
    format!("arn:aws:codeartifact:us-east-1:{ANNEX}:package/annex/{repo}/generic/tools/{name}")
}

fn repository_arn(repo: &str) -> String {
    format!("arn:aws:codeartifact:us-east-1:{ANNEX}:repository/annex/{repo}")
}

#[tokio::test]
async fn publish_package_version_is_authorized_before_anything_is_looked_up() {
    let server = TestServer::start_with(&annex_config(), Storage::Ephemeral).await;
    let keeper = server.client(annex("keeper"));
    let user = server.client(annex("no-publish"));
    let box_ = annex_pkg("src", "box");
    published(&keeper, box_, "1.0.0", "a.bin", b"a", false).await;
    let cases = [
        ("an existing package", box_, "2.0.0"),
        ("an existing version", box_, "1.0.0"),
        ("a missing package", annex_pkg("src", "nothing"), "1.0.0"),
        ("a missing repository", annex_pkg("missing", "box"), "1.0.0"),
    ];
    for (what, p, version) in cases {
        let answer = publish(&user, p, version, "b.bin", b"b", false).await;
        assert_eq!(refused(&answer), (403, "AccessDeniedException"), "{what}");
        denied(&answer, "no-publish", "PublishPackageVersion", &package_arn(p.repo, p.name));
    }
    // A missing domain, named with its would-be owner.
    let call = client_publish_in(&user, "no-annex").await;
    assert_eq!(refused(&call), (403, "AccessDeniedException"), "a missing domain");
    // Nothing was published; others may publish.
    assert_eq!(asset_names(&keeper, box_, "1.0.0").await, ["a.bin"]);
    let (status, _, _) =
        aws_error(at!(keeper.describe_package(), annex_pkg("src", "nothing")).send().await);
    assert_eq!(status, 404);
    let other = server.client(annex("no-update"));
    published(&other, box_, "2.0.0", "b.bin", b"b", false).await;
    server.stop().await;
}

/// PublishPackageVersion into `domain` owned by the annex account.
async fn client_publish_in(
    client: &Client,
    domain: &str,
) -> Answer<types::PublishPackageVersionResult> {
    let call = client
        .publish_package_version()
        .domain(domain)
        .domain_owner(ANNEX)
        .repository("src")
        .format(types::PublishPackageVersionFormat::Generic)
        .namespace("tools")
        .package("box")
        .version("1.0.0")
        .asset("a.bin")
        .x_amz_content_sha256(sha256(b"a"))
        .body(b"a".to_vec());
    answer(call.send().await)
}

#[tokio::test]
async fn copy_needs_copy_on_the_destination_package_and_read_on_the_source_repository() {
    let server = TestServer::start_with(&annex_config(), Storage::Ephemeral).await;
    let keeper = server.client(annex("keeper"));
    for repo in ["src", "other"] {
        published(&keeper, annex_pkg(repo, "box"), "1.0.0", "a.bin", repo.as_bytes(), false).await;
    }
    let body = || copy_body(&["1.0.0"], &[], true, false);

    // CopyPackageVersions is decided on the package in the destination.
    let no_copy = server.client(annex("no-copy-to-dst"));
    for name in ["box", "nothing"] {
        let answer = copy(&no_copy, annex_pkg("src", name), "dst", body()).await;
        denied(&answer, "no-copy-to-dst", "CopyPackageVersions", &package_arn("dst", name));
    }
    let ok = copy(&no_copy, annex_pkg("src", "box"), "dst2", body()).await.unwrap();
    assert_eq!(
        outcomes(&ok.successful_versions, &ok.failed_versions),
        expect(&[("1.0.0", "Published")])
    );

    // ReadFromRepository, on the source repository.
    let no_read = server.client(annex("no-read-src"));
    for name in ["box", "nothing"] {
        let answer = copy(&no_read, annex_pkg("src", name), "dst", body()).await;
        denied(&answer, "no-read-src", "ReadFromRepository", &repository_arn("src"));
    }
    let ok = copy(&no_read, annex_pkg("other", "box"), "dst", body()).await.unwrap();
    assert_eq!(
        outcomes(&ok.successful_versions, &ok.failed_versions),
        expect(&[("1.0.0", "Published")])
    );

    // What the refused copies would have copied is not there.
    let dst = annex_pkg("dst", "box");
    assert_eq!(download(&keeper, dst, "1.0.0", "a.bin").await.bytes, b"other");
    server.stop().await;
}

/// An upstream added by UpdateRepository or CreateRepository needs
/// `codeartifact:AssociateWithDownstreamRepository` on it, as AWS requires.
#[tokio::test]
async fn associating_an_upstream_needs_associate_with_downstream_repository() {
    let server = TestServer::start_with(&annex_config(), Storage::Ephemeral).await;
    let keeper = server.client(annex("keeper"));
    let user = server.client(annex("no-guarded-upstream"));
    let action = "AssociateWithDownstreamRepository";

    for upstreams in [&["guarded"][..], &["open", "guarded"][..]] {
        let answer = update_repository(&user, "annex", "dst", Some("x"), Some(upstreams)).await;
        denied(&answer, "no-guarded-upstream", action, &repository_arn("guarded"));
    }
    let dst = describe_repository(&keeper, "annex", "dst").await;
    assert_eq!((upstream_names(&dst), dst.description), (Vec::<String>::new(), None));
    let updated = update_repository(&user, "annex", "dst", None, Some(&["open"])).await.unwrap();
    assert_eq!(upstream_names(&updated), ["open"]);

    let upstreams = vec![types::UpstreamRepository { repository_name: "guarded".parse().unwrap() }];
    let body = types::CreateRepositoryBody::builder().upstreams(upstreams);
    let answer = answer(
        user.create_repository().domain("annex").repository("fresh").body(body).send().await,
    );
    denied(&answer, "no-guarded-upstream", action, &repository_arn("guarded"));
    let (status, _, _) =
        aws_error(keeper.describe_repository().domain("annex").repository("fresh").send().await);
    assert_eq!(status, 404, "not created");
    let upstreams = vec![types::UpstreamRepository { repository_name: "open".parse().unwrap() }];
    let body = types::CreateRepositoryBody::builder().upstreams(upstreams);
    user.create_repository().domain("annex").repository("fresh").body(body).send().await.unwrap();

    // Others may associate it.
    let updated =
        update_repository(&keeper, "annex", "dst2", None, Some(&["guarded"])).await.unwrap();
    assert_eq!(upstream_names(&updated), ["guarded"]);
    server.stop().await;
}

#[tokio::test]
async fn the_other_new_operations_are_authorized_by_their_own_actions() {
    use types::{AllowPublish as P, AllowUpstream as U};
    let server = TestServer::start_with(&annex_config(), Storage::Ephemeral).await;
    let keeper = server.client(annex("keeper"));
    let box_ = annex_pkg("src", "box");
    published(&keeper, box_, "1.0.0", "a.bin", b"a", false).await;

    let user = server.client(annex("no-origin"));
    for p in [box_, annex_pkg("src", "nothing"), annex_pkg("missing", "box")] {
        let answer = put_origin(&user, p, P::Block, U::Block).await;
        denied(&answer, "no-origin", "PutPackageOriginConfiguration", &package_arn(p.repo, p.name));
    }
    assert_eq!(restrictions_of(&keeper, box_).await, (P::Allow, U::Block), "unchanged");
    let (status, _, _) =
        aws_error(at!(keeper.describe_package(), annex_pkg("src", "nothing")).send().await);
    assert_eq!(status, 404, "not created");

    let user = server.client(annex("no-dependencies"));
    for (p, version) in [(box_, "1.0.0"), (box_, "9.9.9"), (annex_pkg("missing", "box"), "1.0.0")] {
        let answer = dependencies(&user, p, version).await;
        denied(
            &answer,
            "no-dependencies",
            "ListPackageVersionDependencies",
            &package_arn(p.repo, p.name),
        );
    }

    let user = server.client(annex("no-update"));
    for repo in ["dst", "missing"] {
        let answer = update_repository(&user, "annex", repo, Some("x"), None).await;
        denied(&answer, "no-update", "UpdateRepository", &repository_arn(repo));
    }
    assert_eq!(describe_repository(&keeper, "annex", "dst").await.description, None);

    let user = server.client(annex("no-list"));
    let answer = answer(user.list_repositories().send().await);
    assert_eq!(refused(&answer), (403, "AccessDeniedException"));
    assert!(message(&answer).contains("codeartifact:ListRepositories"), "{}", message(&answer));

    // Each is allowed to the users denied something else.
    let other = server.client(annex("no-list"));
    put_origin(&other, box_, P::Allow, U::Allow).await.unwrap();
    dependencies(&other, box_, "1.0.0").await.unwrap();
    update_repository(&other, "annex", "dst", Some("x"), None).await.unwrap();
    let listed = server.client(annex("no-update")).list_repositories().send().await.unwrap();
    assert_eq!(listed.into_inner().repositories.len(), 6);
    server.stop().await;
}
