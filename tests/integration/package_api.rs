//! The package API (ListPackages, DescribePackage, DeletePackage,
//! ListPackageVersions, DescribePackageVersion, ListPackageVersionAssets,
//! GetPackageVersionAsset, GetPackageVersionReadme,
//! UpdatePackageVersionsStatus, DeletePackageVersions and
//! DisposePackageVersions) over packages published on the wire, as npm and
//! twine publish them: round trips through the generated client and AWS's
//! Rust SDK, every error class of every operation, the batch operations'
//! per-version outcomes and revisions, pagination, the asset download's
//! bytes and headers, and what each status does to what npm and pip see.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_codeartifact::error::ProvideErrorMetadata as _;
use codeartifact_client::types::{
    self, PackageFormat, PackageVersionStatus as Status, PackageVersionTargetStatus as Target,
};
use codeartifact_client::Client;
use codeartifact_server::Storage;
use codeartifact_tests::{aws_error, call_raw, Cred, TestServer, USER};
use futures::TryStreamExt as _;
use reqwest::Method;
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha512};

use crate::aws_sdk::sdk;
use crate::packages_npm as npm;
use crate::packages_pypi as pypi;
use crate::registry::{endpoint_as, stored_blobs, token_as, Store};

// ---------------------------------------------------------------------------
// Naming packages
// ---------------------------------------------------------------------------

/// A package as the API names it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pkg<'a> {
    pub(crate) domain: &'a str,
    pub(crate) repo: &'a str,
    pub(crate) format: PackageFormat,
    pub(crate) namespace: Option<&'a str>,
    pub(crate) name: &'a str,
}

pub(crate) fn npm_pkg<'a>(repo: &'a str, namespace: Option<&'a str>, name: &'a str) -> Pkg<'a> {
    Pkg { domain: "demo", repo, format: PackageFormat::Npm, namespace, name }
}

pub(crate) fn pypi_pkg<'a>(repo: &'a str, name: &'a str) -> Pkg<'a> {
    Pkg { domain: "demo", repo, format: PackageFormat::Pypi, namespace: None, name }
}

/// Names the package on a generated-client builder.
macro_rules! at {
    ($call:expr, $p:expr) => {{
        let p: Pkg<'_> = $p;
        // By name: PublishPackageVersion's format is its own type (`generic` only).
        let format = p.format.to_string();
        let call =
            $call.domain(p.domain).repository(p.repo).format(format.as_str()).package(p.name);
        match p.namespace {
            Some(namespace) => call.namespace(namespace),
            None => call,
        }
    }};
}
pub(crate) use at;

/// The query naming the package, as the wire carries it.
fn package_query(p: Pkg<'_>) -> String {
    let mut q = format!("domain={}&repository={}&format={}", p.domain, p.repo, p.format);
    if let Some(ns) = p.namespace {
        q.push_str(&format!("&namespace={ns}"));
    }
    q.push_str(&format!("&package={}", p.name));
    q
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------
// Calls through the generated client
// ---------------------------------------------------------------------------

/// Every package of the repository, following `nextToken` with pages of
/// `max` (the server's default without), as `format/namespace/name`, and
/// how many pages it took.
pub(crate) async fn walk_packages(
    client: &Client,
    domain: &str,
    repo: &str,
    max: Option<u64>,
) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut call = client.list_packages().domain(domain).repository(repo);
        if let Some(max) = max {
            call = call.max_results(std::num::NonZeroU64::new(max).unwrap());
        }
        if let Some(t) = token.take() {
            call = call.next_token(t.as_str());
        }
        let page = call.send().await.unwrap().into_inner();
        pages += 1;
        assert!(max.is_none_or(|m| page.packages.len() as u64 <= m), "page over {max:?}");
        names.extend(page.packages.iter().map(package_id));
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
        assert!(pages < 1000, "the listing does not end");
    }
    (names, pages)
}

/// The packages of one ListPackages page, as `format/namespace/name`.
async fn listed_ids(call: codeartifact_client::builder::ListPackages<'_>) -> Vec<String> {
    let page = call.send().await.unwrap().into_inner();
    page.packages.iter().map(package_id).collect()
}

pub(crate) fn package_id(p: &types::PackageSummary) -> String {
    let namespace = p.namespace.as_ref().map(|n| n.to_string()).unwrap_or_default();
    format!("{}/{namespace}/{}", p.format, *p.package)
}

/// One page of versions.
pub(crate) async fn versions_page(
    client: &Client,
    p: Pkg<'_>,
    max: Option<u64>,
    token: Option<&str>,
    published_order: bool,
    status: Option<Status>,
) -> types::ListPackageVersionsResult {
    let mut call = at!(client.list_package_versions(), p);
    if let Some(max) = max {
        call = call.max_results(std::num::NonZeroU64::new(max).unwrap());
    }
    if let Some(t) = token {
        call = call.next_token(t);
    }
    if published_order {
        call = call.sort_by(types::PackageVersionSortType::PublishedTime);
    }
    if let Some(status) = status {
        call = call.status(status);
    }
    call.send().await.unwrap().into_inner()
}

/// Every version of the package (of `status`, when given), following
/// `nextToken` with pages of `max`, and how many pages it took.
pub(crate) async fn walk_versions(
    client: &Client,
    p: Pkg<'_>,
    max: Option<u64>,
    published_order: bool,
    status: Option<Status>,
) -> (Vec<String>, usize) {
    let mut versions = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = versions_page(client, p, max, token.as_deref(), published_order, status).await;
        pages += 1;
        assert!(max.is_none_or(|m| page.versions.len() as u64 <= m), "page over {max:?}");
        versions.extend(page.versions.iter().map(|v| v.version.to_string()));
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
        assert!(pages < 1000, "the listing does not end");
    }
    (versions, pages)
}

pub(crate) async fn describe(
    client: &Client,
    p: Pkg<'_>,
    version: &str,
) -> types::PackageVersionDescription {
    let call = at!(client.describe_package_version(), p).version(version);
    call.send().await.unwrap().into_inner().package_version
}

/// A version's status and revision, as DescribePackageVersion gives them.
pub(crate) async fn state(client: &Client, p: Pkg<'_>, version: &str) -> (Status, String) {
    let d = describe(client, p, version).await;
    (d.status, d.revision.to_string())
}

pub(crate) async fn assets(
    client: &Client,
    p: Pkg<'_>,
    version: &str,
) -> types::ListPackageVersionAssetsResult {
    let call = at!(client.list_package_version_assets(), p).version(version);
    call.send().await.unwrap().into_inner()
}

/// A downloaded asset: the answer's headers and the bytes.
pub(crate) struct Download {
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) bytes: Vec<u8>,
}

impl Download {
    pub(crate) fn header(&self, name: &str) -> &str {
        let value = self.headers.get(name).unwrap_or_else(|| panic!("no {name} header"));
        value.to_str().unwrap()
    }
}

/// GetPackageVersionAsset; an error as (status, code, message).
pub(crate) async fn get_asset(
    client: &Client,
    p: Pkg<'_>,
    version: &str,
    asset: &str,
    revision: Option<&str>,
) -> Result<Download, (u16, String, String)> {
    let mut call = at!(client.get_package_version_asset(), p).version(version).asset(asset);
    if let Some(revision) = revision {
        call = call.revision(revision);
    }
    match call.send().await {
        Ok(rv) => {
            assert_eq!(rv.status().as_u16(), 200);
            let headers = rv.headers().clone();
            let chunks = rv.into_inner().into_inner();
            let bytes = chunks
                .try_fold(Vec::new(), |mut all, chunk| async move {
                    all.extend_from_slice(&chunk);
                    Ok(all)
                })
                .await
                .unwrap();
            Ok(Download { headers, bytes })
        }
        Err(progenitor_client::Error::ErrorResponse(rv)) => {
            let code = rv.headers()["x-amzn-errortype"].to_str().unwrap().to_string();
            assert_eq!(rv.type_.clone(), Some(code.clone()), "body and header agree");
            Err((rv.status().as_u16(), code, rv.message.clone()))
        }
        Err(e) => panic!("expected an answer from the server, got {e:?}"),
    }
}

/// An asset that must download.
pub(crate) async fn download(client: &Client, p: Pkg<'_>, version: &str, asset: &str) -> Download {
    match get_asset(client, p, version, asset, None).await {
        Ok(d) => d,
        Err(e) => panic!("{} {version} {asset}: {e:?}", p.name),
    }
}

/// What a batch answered, version by version: the status a changed version
/// has now, or the error code of one that was not. A version is in one of
/// the two maps, never in both.
pub(crate) fn outcomes(
    ok: &HashMap<String, types::SuccessfulPackageVersionInfo>,
    failed: &HashMap<String, types::PackageVersionError>,
) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    for (version, info) in ok {
        all.insert(version.clone(), info.status.to_string());
    }
    for (version, error) in failed {
        assert!(!error.error_message.is_empty(), "{version}: an empty errorMessage");
        let earlier = all.insert(version.clone(), error.error_code.to_string());
        assert!(earlier.is_none(), "{version} both succeeded ({earlier:?}) and failed ({error:?})");
    }
    all
}

pub(crate) fn expect(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(v, o)| (v.to_string(), o.to_string())).collect()
}

pub(crate) fn versions_of<T: std::str::FromStr>(versions: &[&str]) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    versions.iter().map(|v| v.parse().unwrap()).collect()
}

pub(crate) fn revisions_of<T: std::str::FromStr>(
    revisions: &[(&str, &str)],
) -> Option<HashMap<String, T>>
where
    T::Err: std::fmt::Debug,
{
    (!revisions.is_empty())
        .then(|| revisions.iter().map(|(v, r)| (v.to_string(), r.parse().unwrap())).collect())
}

async fn update(
    client: &Client,
    p: Pkg<'_>,
    versions: &[&str],
    revisions: &[(&str, &str)],
    expected: Option<Status>,
    target: Target,
) -> types::UpdatePackageVersionsStatusResult {
    let body = types::UpdatePackageVersionsStatusBody {
        versions: versions_of(versions),
        version_revisions: revisions_of(revisions),
        expected_status: expected,
        target_status: target,
    };
    let call = at!(client.update_package_versions_status(), p).body(body);
    call.send().await.unwrap().into_inner()
}

async fn dispose(
    client: &Client,
    p: Pkg<'_>,
    versions: &[&str],
    revisions: &[(&str, &str)],
    expected: Option<Status>,
) -> types::DisposePackageVersionsResult {
    let body = types::DisposePackageVersionsBody {
        versions: versions_of(versions),
        version_revisions: revisions_of(revisions),
        expected_status: expected,
    };
    let call = at!(client.dispose_package_versions(), p).body(body);
    call.send().await.unwrap().into_inner()
}

async fn delete_versions(
    client: &Client,
    p: Pkg<'_>,
    versions: &[&str],
    expected: Option<Status>,
) -> types::DeletePackageVersionsResult {
    let body = types::DeletePackageVersionsBody {
        versions: versions_of(versions),
        expected_status: expected,
    };
    let call = at!(client.delete_package_versions(), p).body(body);
    call.send().await.unwrap().into_inner()
}

// ---------------------------------------------------------------------------
// Publishing
// ---------------------------------------------------------------------------

/// Publishes `name@version` as npm does, its manifest with a description
/// and a home page and its tarball with a README.md; returns the tarball.
async fn publish_described(npm: &str, token: &str, name: &str, version: &str) -> Vec<u8> {
    let package_json =
        json!({ "name": name, "version": version, "description": format!("{name} does things") });
    let readme = format!("# {name}\n\nVersion {version}, from the tarball.\n");
    let bytes = npm::tgz(&[
        ("package/package.json", package_json.to_string().as_bytes()),
        ("package/index.js", format!("module.exports = '{version}';").as_bytes()),
        ("package/README.md", readme.as_bytes()),
    ]);
    let mut doc = npm::document(name, version, &bytes);
    doc["versions"][version]["description"] = json!(format!("{name} does things"));
    doc["versions"][version]["homepage"] = json!("https://example.invalid/home");
    let response = npm::put(&npm::package_url(npm, name), token, doc.to_string()).await;
    assert_eq!(response.status().as_u16(), 201, "publish {name}@{version}");
    bytes
}

/// The URL of an npm tarball at the endpoint, as npm asks for it.
pub(crate) fn tarball_url(npm: &str, name: &str, version: &str) -> String {
    let bare = name.rsplit('/').next().unwrap();
    format!("{npm}{name}/-/{bare}-{version}.tgz")
}

/// The versions the npm package document lists (none when it is a 404).
pub(crate) async fn npm_document_versions(npm: &str, token: &str, name: &str) -> Vec<String> {
    let url = npm::package_url(npm, name);
    if npm::status_of(&url, token).await == 404 {
        return Vec::new();
    }
    let doc = npm::read_document(&url, token).await;
    doc["versions"].as_object().unwrap().keys().cloned().collect()
}

/// The versions the PEP 691 project page lists (none when it is a 404).
async fn pypi_page_versions(pypi: &str, token: &str, project: &str) -> Vec<String> {
    if pypi::status_of(&format!("{pypi}simple/{project}/"), token).await == 404 {
        return Vec::new();
    }
    let page = pypi::project_json(pypi, token, project).await;
    page["versions"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

pub(crate) fn origin_is_published_here(origin: &types::PackageVersionOrigin, repo: &str) {
    assert_eq!(origin.origin_type, types::PackageVersionOriginType::Internal);
    let entry = origin.domain_entry_point.as_ref().expect("a domain entry point");
    assert_eq!(entry.repository_name.as_deref().map(|r| r.as_str()), Some(repo));
    assert_eq!(entry.external_connection_name, None);
}

// ---------------------------------------------------------------------------
// Round trips through the generated client
// ---------------------------------------------------------------------------

#[tokio::test]
async fn npm_packages_round_trip_through_the_generated_client() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (endpoint, token) = (&store.npm, &store.token);
    let client = server.client(*USER);
    let before = chrono::Utc::now().timestamp();
    let first = publish_described(endpoint, token, "left-pad", "1.0.0").await;
    let second = publish_described(endpoint, token, "left-pad", "1.1.0").await;
    let scoped = publish_described(endpoint, token, "@acme/widget", "2.0.0").await;
    let after = chrono::Utc::now().timestamp();
    let plain = npm_pkg("store", None, "left-pad");
    let widget = npm_pkg("store", Some("acme"), "widget");

    // ListPackages, whole and filtered.
    let listed = client.list_packages().domain("demo").repository("store").send().await;
    let listed = listed.unwrap().into_inner();
    assert_eq!(listed.next_token, None);
    let ids: BTreeSet<String> = listed.packages.iter().map(package_id).collect();
    assert_eq!(ids, BTreeSet::from(["npm//left-pad".into(), "npm/acme/widget".into()]));
    for p in &listed.packages {
        // Published here first: publishing allowed, upstream versions blocked.
        let r = &p.origin_configuration.restrictions;
        assert_eq!(
            (r.publish, r.upstream),
            (types::AllowPublish::Allow, types::AllowUpstream::Block)
        );
    }
    let list = || client.list_packages().domain("demo").repository("store");
    assert_eq!(listed_ids(list().format(PackageFormat::Pypi)).await, Vec::<String>::new());
    assert_eq!(listed_ids(list().format(PackageFormat::Npm)).await.len(), 2);
    assert_eq!(listed_ids(list().namespace("ac")).await, ["npm/acme/widget"], "a prefix");
    assert_eq!(listed_ids(list().package_prefix("left")).await, ["npm//left-pad"]);
    assert_eq!(listed_ids(list().package_prefix("wid")).await, ["npm/acme/widget"]);
    assert_eq!(listed_ids(list().publish(types::AllowPublish::Block)).await, Vec::<String>::new());
    assert_eq!(listed_ids(list().upstream(types::AllowUpstream::Block)).await.len(), 2);

    // DescribePackage.
    for (p, namespace) in [(plain, None), (widget, Some("acme"))] {
        let call = at!(client.describe_package(), p).send().await.unwrap();
        let described = call.into_inner().package;
        assert_eq!(described.format, PackageFormat::Npm);
        assert_eq!(described.name.as_str(), p.name);
        assert_eq!(described.namespace.as_deref().map(|n| n.as_str()), namespace);
        let r = &described.origin_configuration.restrictions;
        assert_eq!(
            (r.publish, r.upstream),
            (types::AllowPublish::Allow, types::AllowUpstream::Block)
        );
    }

    // ListPackageVersions.
    let versions = versions_page(&client, plain, None, None, false, None).await;
    assert_eq!(versions.format, PackageFormat::Npm);
    assert_eq!(versions.package.as_str(), "left-pad");
    assert_eq!(versions.namespace, None);
    assert_eq!(versions.default_display_version.as_deref().map(|v| v.as_str()), Some("1.1.0"));
    assert_eq!(versions.next_token, None);
    let listed: BTreeMap<String, &types::PackageVersionSummary> =
        versions.versions.iter().map(|v| (v.version.to_string(), v)).collect();
    assert_eq!(listed.keys().collect::<Vec<_>>(), ["1.0.0", "1.1.0"]);
    for summary in listed.values() {
        assert_eq!(summary.status, Status::Published);
        assert!(!summary.revision.is_empty());
        origin_is_published_here(&summary.origin, "store");
    }
    assert_ne!(listed["1.0.0"].revision, listed["1.1.0"].revision);
    let scoped_versions = versions_page(&client, widget, None, None, false, None).await;
    assert_eq!(scoped_versions.namespace.as_deref().map(|n| n.as_str()), Some("acme"));
    assert_eq!(scoped_versions.package.as_str(), "widget");

    // DescribePackageVersion.
    let d = describe(&client, plain, "1.0.0").await;
    assert_eq!(d.format, PackageFormat::Npm);
    assert_eq!((d.package_name.as_str(), d.display_name.as_str()), ("left-pad", "left-pad"));
    assert_eq!(d.namespace, None);
    assert_eq!(d.version.as_str(), "1.0.0");
    assert_eq!(d.status, Status::Published);
    assert_eq!(d.revision.as_str(), listed["1.0.0"].revision.as_str());
    assert_eq!(d.summary.as_deref(), Some("left-pad does things"));
    assert_eq!(d.home_page.as_deref(), Some("https://example.invalid/home"));
    let published = d.published_time.expect("a publication time");
    assert!((before..=after).contains(&published), "{published} not in {before}..={after}");
    origin_is_published_here(&d.origin, "store");
    let d = describe(&client, widget, "2.0.0").await;
    assert_eq!(d.display_name, "@acme/widget");
    assert_eq!(d.namespace.as_deref().map(|n| n.as_str()), Some("acme"));
    assert_eq!(d.package_name.as_str(), "widget");

    // ListPackageVersionAssets and GetPackageVersionAsset.
    for (p, version, bytes, asset) in [
        (plain, "1.0.0", &first, "left-pad-1.0.0.tgz"),
        (plain, "1.1.0", &second, "left-pad-1.1.0.tgz"),
        (widget, "2.0.0", &scoped, "widget-2.0.0.tgz"),
    ] {
        let listed = assets(&client, p, version).await;
        assert_eq!((listed.package.as_str(), listed.version.as_str()), (p.name, version));
        assert_eq!(listed.namespace.as_deref().map(|n| n.as_str()), p.namespace);
        assert_eq!(listed.format, PackageFormat::Npm);
        assert_eq!(listed.next_token, None);
        let revision = state(&client, p, version).await.1;
        assert_eq!(listed.version_revision.as_str(), revision);
        assert_eq!(listed.assets.len(), 1, "{listed:?}");
        let a = &listed.assets[0];
        assert_eq!(a.name.as_str(), asset);
        assert_eq!(a.size, bytes.len() as i64);
        let hashes: BTreeMap<&str, &str> =
            a.hashes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(hashes.get("SHA-256"), Some(&sha256(bytes).as_str()), "{hashes:?}");
        assert_eq!(hashes.get("SHA-1"), Some(&hex::encode(Sha1::digest(bytes)).as_str()));
        assert_eq!(hashes.get("SHA-512"), Some(&hex::encode(Sha512::digest(bytes)).as_str()));

        let got = download(&client, p, version, asset).await;
        assert_eq!(&got.bytes, bytes, "{asset}");
        assert_eq!(got.header("content-type"), "application/octet-stream");
        assert_eq!(got.header("x-assetname"), asset);
        assert_eq!(got.header("x-packageversion"), version);
        assert_eq!(got.header("x-packageversionrevision"), revision);
        assert_eq!(got.header("x-amzn-requestid").len(), 36);
        // The current revision, named, is the same download.
        let named = get_asset(&client, p, version, asset, Some(&revision)).await;
        assert_eq!(named.map(|d| d.bytes).as_ref(), Ok(bytes));
    }

    // GetPackageVersionReadme: the tarball's README.md.
    let readme = at!(client.get_package_version_readme(), widget).version("2.0.0").send().await;
    let readme = readme.unwrap().into_inner();
    assert_eq!(
        readme.readme.as_deref(),
        Some("# @acme/widget\n\nVersion 2.0.0, from the tarball.\n")
    );
    assert_eq!((readme.package.as_str(), readme.version.as_str()), ("widget", "2.0.0"));
    assert_eq!(readme.namespace.as_deref().map(|n| n.as_str()), Some("acme"));
    assert_eq!(readme.format, PackageFormat::Npm);
    assert_eq!(readme.version_revision.as_str(), state(&client, widget, "2.0.0").await.1);
    server.stop().await;
}

#[tokio::test]
async fn a_readme_published_in_the_document_is_the_versions_readme() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let bytes = npm::tarball("documented", "1.0.0", "x");
    let mut doc = npm::document("documented", "1.0.0", &bytes);
    doc["readme"] = json!("# documented\n\nFrom the publish document.");
    let url = format!("{}documented", store.npm);
    let response = npm::put(&url, &store.token, doc.to_string()).await;
    assert_eq!(response.status().as_u16(), 201);
    let client = server.client(*USER);
    let p = npm_pkg("store", None, "documented");
    let readme = at!(client.get_package_version_readme(), p).version("1.0.0").send().await;
    let readme = readme.unwrap().into_inner().readme;
    assert_eq!(readme.as_deref(), Some("# documented\n\nFrom the publish document."));
    // A version without any readme answers without one.
    npm::publish(&store.npm, &store.token, "bare", "1.0.0", "x").await;
    let bare = npm_pkg("store", None, "bare");
    let readme = at!(client.get_package_version_readme(), bare).version("1.0.0").send().await;
    assert_eq!(readme.unwrap().into_inner().readme, None);
    server.stop().await;
}

/// A PyPI project published as `My_Project.Name`: PyPI normalizes it to
/// `my-project-name`, and so does CodeArtifact (in its listings and in the
/// names requests give).
const PROJECT: &str = "My_Project.Name";
const NORMALIZED: &str = "my-project-name";

#[tokio::test]
async fn pypi_packages_round_trip_through_the_generated_client() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (endpoint, token) = (&store.pypi, &store.token);
    let client = server.client(*USER);
    let wheel = pypi::wheel(PROJECT, "1.0", "");
    let sdist = pypi::sdist(PROJECT, "1.0");
    let local = pypi::wheel(PROJECT, "2.0+local.1", "");
    for (version, file) in [("1.0", &wheel), ("1.0", &sdist), ("2.0+local.1", &local)] {
        pypi::uploaded(endpoint, token, &pypi::Form::twine(PROJECT, version, file)).await;
    }

    let listed = client.list_packages().domain("demo").repository("store");
    let listed = listed.format(PackageFormat::Pypi).send().await.unwrap().into_inner();
    assert_eq!(
        listed.packages.iter().map(package_id).collect::<Vec<_>>(),
        ["pypi//my-project-name"]
    );
    assert_eq!(listed.packages[0].namespace, None);

    // The name as published, and as normalized, name the same package.
    for name in [PROJECT, NORMALIZED, "MY-PROJECT_NAME"] {
        let p = pypi_pkg("store", name);
        let described = at!(client.describe_package(), p).send().await.unwrap().into_inner();
        assert_eq!(described.package.name.as_str(), NORMALIZED, "{name}");
        assert_eq!(described.package.format, PackageFormat::Pypi);
        let (versions, _) = walk_versions(&client, p, None, false, None).await;
        assert_eq!(versions, ["1.0", "2.0+local.1"], "{name}");
    }
    let p = pypi_pkg("store", PROJECT);
    let page = versions_page(&client, p, None, None, false, None).await;
    assert_eq!(page.package.as_str(), NORMALIZED);
    assert_eq!(page.default_display_version.as_deref().map(|v| v.as_str()), Some("2.0+local.1"));

    let d = describe(&client, p, "1.0").await;
    assert_eq!(d.package_name.as_str(), NORMALIZED);
    assert_eq!(d.display_name, PROJECT, "the name as published");
    assert_eq!((d.format, d.status), (PackageFormat::Pypi, Status::Published));
    origin_is_published_here(&d.origin, "store");

    // Two files of 1.0, in name order; one of 2.0+local.1.
    let listed = assets(&client, p, "1.0").await;
    let names: Vec<&str> = listed.assets.iter().map(|a| a.name.as_str()).collect();
    let mut expected = vec![wheel.0.as_str(), sdist.0.as_str()];
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(listed.package.as_str(), NORMALIZED);
    for (version, (filename, bytes)) in [("1.0", &wheel), ("1.0", &sdist), ("2.0+local.1", &local)]
    {
        let listed = assets(&client, p, version).await;
        let a = listed.assets.iter().find(|a| a.name.as_str() == filename).unwrap();
        assert_eq!(a.size, bytes.len() as i64);
        assert_eq!(a.hashes["SHA-256"].as_str(), sha256(bytes));
        let got = download(&client, p, version, filename).await;
        assert_eq!(&got.bytes, bytes);
        assert_eq!(got.header("x-assetname"), filename.as_str());
        assert_eq!(got.header("x-packageversion"), version);
        assert_eq!(got.header("x-packageversionrevision"), listed.version_revision.as_str());
    }
    // Assets a page at a time.
    let call = at!(client.list_package_version_assets(), p).version("1.0");
    let one = call.max_results(std::num::NonZeroU64::new(1).unwrap()).send().await.unwrap();
    let one = one.into_inner();
    assert_eq!(one.assets.len(), 1);
    let token_ = one.next_token.expect("a second page");
    let call = at!(client.list_package_version_assets(), p).version("1.0");
    let call = call.max_results(std::num::NonZeroU64::new(1).unwrap()).next_token(token_.as_str());
    let two = call.send().await.unwrap().into_inner();
    assert_eq!(two.next_token, None);
    let paged: Vec<&str> = one.assets.iter().chain(&two.assets).map(|a| a.name.as_str()).collect();
    assert_eq!(paged, expected);
    server.stop().await;
}

/// DescribePackageVersion's `summary` is "from its metadata", and so is
/// GetPackageVersionReadme's text for a package without a readme file: for
/// PyPI, the `summary` and `description` (the long description, usually the
/// README) that twine sends with every file.
#[tokio::test]
async fn pypi_versions_describe_themselves_from_the_uploaded_metadata() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let file = pypi::wheel("described", "1.0", "");
    let form = pypi::Form::twine("described", "1.0", &file)
        .set("description", "# described\n\nThe long description.")
        .set("description_content_type", "text/markdown")
        .set("home_page", "https://example.invalid/described");
    pypi::uploaded(&store.pypi, &store.token, &form).await;
    let client = server.client(*USER);
    let p = pypi_pkg("store", "described");
    let d = describe(&client, p, "1.0").await;
    assert_eq!(d.summary.as_deref(), Some("A project for the tests"), "twine's `summary`");
    assert_eq!(d.home_page.as_deref(), Some("https://example.invalid/described"));
    let readme = at!(client.get_package_version_readme(), p).version("1.0").send().await;
    let readme = readme.unwrap().into_inner().readme;
    assert_eq!(readme.as_deref(), Some("# described\n\nThe long description."));
    server.stop().await;
}

// ---------------------------------------------------------------------------
// AWS's Rust SDK
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_rust_sdk_reads_and_changes_packages() {
    use aws_sdk_codeartifact::types::{
        PackageFormat as F, PackageVersionErrorCode as E, PackageVersionStatus as S,
    };
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (endpoint, token) = (&store.npm, &store.token);
    let mut tarballs = BTreeMap::new();
    for version in ["1.0.0", "1.1.0", "1.2.0", "1.3.0"] {
        tarballs.insert(version, npm::publish(endpoint, token, "@sdk/kit", version, version).await);
    }
    npm::publish(endpoint, token, "loose", "0.1.0", "x").await;
    let wheel = pypi::wheel(PROJECT, "3.0", "sdk");
    pypi::uploaded(&store.pypi, token, &pypi::Form::twine(PROJECT, "3.0", &wheel)).await;
    let sdk = sdk(&server, *USER);

    // The SDK's paginators follow our nextToken to the end.
    let packages: Vec<String> = sdk
        .list_packages()
        .domain("demo")
        .repository("store")
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}/{}/{}",
                p.format().unwrap(),
                p.namespace().unwrap_or(""),
                p.package().unwrap()
            )
        })
        .collect();
    assert_eq!(packages, ["npm//loose", "npm/sdk/kit", "pypi//my-project-name"]);
    let versions: Vec<String> = sdk
        .list_package_versions()
        .domain("demo")
        .repository("store")
        .format(F::Npm)
        .namespace("sdk")
        .package("kit")
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .map(|v| v.version().to_string())
        .collect();
    assert_eq!(versions, ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]);

    let described = sdk.describe_package().domain("demo").repository("store").format(F::Pypi);
    let described = described.package(PROJECT).send().await.unwrap();
    let package = described.package().unwrap();
    assert_eq!((package.name(), package.format()), (Some(NORMALIZED), Some(&F::Pypi)));

    let kit = |call: aws_sdk_codeartifact::operation::describe_package_version::builders::DescribePackageVersionFluentBuilder| {
        call.domain("demo").repository("store").format(F::Npm).namespace("sdk").package("kit")
    };
    let v = kit(sdk.describe_package_version()).package_version("1.0.0").send().await.unwrap();
    let v = v.package_version().unwrap();
    assert_eq!(
        (v.display_name(), v.package_name(), v.namespace()),
        (Some("@sdk/kit"), Some("kit"), Some("sdk"))
    );
    assert_eq!(v.status(), Some(&S::Published));
    assert!(v.published_time().is_some_and(|t| t.secs() > 1_700_000_000));
    let revision = v.revision().unwrap().to_string();

    let listed =
        sdk.list_package_version_assets().domain("demo").repository("store").format(F::Npm);
    let listed =
        listed.namespace("sdk").package("kit").package_version("1.0.0").send().await.unwrap();
    assert_eq!(listed.version_revision(), Some(revision.as_str()));
    let asset = &listed.assets()[0];
    assert_eq!(asset.name(), "kit-1.0.0.tgz");
    assert_eq!(asset.size(), Some(tarballs["1.0.0"].len() as i64));
    let sha = asset.hashes().unwrap()[&aws_sdk_codeartifact::types::HashAlgorithm::Sha256].clone();
    assert_eq!(sha, sha256(&tarballs["1.0.0"]));

    let get = || {
        sdk.get_package_version_asset()
            .domain("demo")
            .repository("store")
            .format(F::Npm)
            .namespace("sdk")
            .package("kit")
    };
    let out = get().package_version("1.0.0").asset("kit-1.0.0.tgz").send().await.unwrap();
    assert_eq!(out.asset_name(), Some("kit-1.0.0.tgz"));
    assert_eq!(out.package_version(), Some("1.0.0"));
    assert_eq!(out.package_version_revision(), Some(revision.as_str()));
    let bytes = out.asset.collect().await.unwrap().into_bytes();
    assert_eq!(bytes.as_ref(), tarballs["1.0.0"].as_slice());
    let out = sdk.get_package_version_asset().domain("demo").repository("store").format(F::Pypi);
    let out = out.package("my-project-name").package_version("3.0").asset(&wheel.0).send().await;
    let out = out.unwrap();
    assert_eq!(out.asset.collect().await.unwrap().into_bytes().as_ref(), wheel.1.as_slice());

    let readme = sdk.get_package_version_readme().domain("demo").repository("store").format(F::Npm);
    let readme = readme.namespace("sdk").package("kit").package_version("1.0.0").send().await;
    assert_eq!(readme.unwrap().version_revision(), Some(revision.as_str()));

    // UpdatePackageVersionsStatus, per version.
    let updated = sdk
        .update_package_versions_status()
        .domain("demo")
        .repository("store")
        .format(F::Npm)
        .namespace("sdk")
        .package("kit")
        .versions("1.0.0")
        .versions("1.1.0")
        .versions("9.9.9")
        .version_revisions("1.1.0", "not-the-revision")
        .expected_status(S::Published)
        .target_status(S::Archived)
        .send()
        .await
        .unwrap();
    let ok = updated.successful_versions().unwrap();
    assert_eq!(ok.keys().collect::<Vec<_>>(), ["1.0.0"]);
    assert_eq!(ok["1.0.0"].status(), Some(&S::Archived));
    assert_ne!(ok["1.0.0"].revision(), Some(revision.as_str()), "a change, a new revision");
    let failed = updated.failed_versions().unwrap();
    assert_eq!(failed["1.1.0"].error_code(), Some(&E::MismatchedRevision));
    assert_eq!(failed["9.9.9"].error_code(), Some(&E::NotFound));
    assert_eq!(failed.len(), 2);

    // An Archived version's asset is a modelled ConflictException.
    let err = get().package_version("1.0.0").asset("kit-1.0.0.tgz").send().await.unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_conflict_exception(), "{err:?}");
    let err = get().package_version("1.1.0").asset("nope.tgz").send().await.unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());

    // DisposePackageVersions and DeletePackageVersions.
    let disposed = sdk
        .dispose_package_versions()
        .domain("demo")
        .repository("store")
        .format(F::Npm)
        .namespace("sdk")
        .package("kit")
        .versions("1.0.0")
        .versions("1.1.0")
        .expected_status(S::Archived)
        .send()
        .await
        .unwrap();
    let ok = disposed.successful_versions().unwrap();
    assert_eq!(ok.keys().collect::<Vec<_>>(), ["1.0.0"]);
    assert_eq!(ok["1.0.0"].status(), Some(&S::Disposed));
    let failed = disposed.failed_versions().unwrap();
    assert_eq!(failed["1.1.0"].error_code(), Some(&E::MismatchedStatus));
    let deleted = sdk
        .delete_package_versions()
        .domain("demo")
        .repository("store")
        .format(F::Npm)
        .namespace("sdk")
        .package("kit")
        .versions("1.2.0")
        .send()
        .await
        .unwrap();
    let ok = deleted.successful_versions().unwrap();
    assert_eq!(ok["1.2.0"].status(), Some(&S::Deleted));
    assert!(deleted.failed_versions().is_none_or(|f| f.is_empty()));
    let left: Vec<(String, S)> = sdk
        .list_package_versions()
        .domain("demo")
        .repository("store")
        .format(F::Npm)
        .namespace("sdk")
        .package("kit")
        .send()
        .await
        .unwrap()
        .versions()
        .iter()
        .map(|v| (v.version().to_string(), v.status().clone()))
        .collect();
    assert_eq!(
        left,
        [
            ("1.0.0".to_string(), S::Disposed),
            ("1.1.0".to_string(), S::Published),
            ("1.3.0".to_string(), S::Published),
        ]
    );

    // DeletePackage, then the package is a modelled ResourceNotFoundException.
    let gone = sdk.delete_package().domain("demo").repository("store").format(F::Npm);
    let gone = gone.namespace("sdk").package("kit").send().await.unwrap();
    let summary = gone.deleted_package().unwrap();
    assert_eq!((summary.namespace(), summary.package()), (Some("sdk"), Some("kit")));
    let err = sdk.describe_package().domain("demo").repository("store").format(F::Npm);
    let err = err.namespace("sdk").package("kit").send().await.unwrap_err().into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    // Validation, in the SDK's own modelled class.
    let err = sdk.list_packages().domain("demo").repository("store").max_results(0).send().await;
    let err = err.unwrap_err().into_service_error();
    assert!(err.is_validation_exception(), "{err:?}");
    assert!(err.message().unwrap().contains("'maxResults'"), "{err:?}");
    server.stop().await;
}

// ---------------------------------------------------------------------------
// Batch operations
// ---------------------------------------------------------------------------

#[tokio::test]
async fn batch_operations_report_each_version_and_change_revisions() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let client = server.client(*USER);
    for version in ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"] {
        npm::publish(&store.npm, &store.token, "@b/batch", version, version).await;
    }
    let p = npm_pkg("store", Some("b"), "batch");
    let mut seen_revisions = BTreeSet::new();
    let mut revision = BTreeMap::new();
    for version in ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"] {
        let (status, r) = state(&client, p, version).await;
        assert_eq!(status, Status::Published);
        assert!(seen_revisions.insert(format!("{version} {r}")));
        revision.insert(version, r);
    }
    // Every success answers the version's new revision, which describe
    // confirms, and which the version never had before.
    let check_new = |ok: &HashMap<String, types::SuccessfulPackageVersionInfo>,
                     seen: &mut BTreeSet<String>| {
        for (version, info) in ok {
            assert!(!info.revision.is_empty(), "{version}");
            let key = format!("{version} {}", info.revision);
            assert!(seen.insert(key), "{version}: a revision it had before: {info:?}");
        }
    };

    // 1. Published → Unlisted, one version missing.
    let r = update(
        &client,
        p,
        &["1.0.0", "1.1.0", "9.9.9"],
        &[],
        Some(Status::Published),
        Target::Unlisted,
    )
    .await;
    let o = outcomes(&r.successful_versions, &r.failed_versions);
    assert_eq!(o, expect(&[("1.0.0", "Unlisted"), ("1.1.0", "Unlisted"), ("9.9.9", "NOT_FOUND")]));
    check_new(&r.successful_versions, &mut seen_revisions);
    for version in ["1.0.0", "1.1.0"] {
        let now = state(&client, p, version).await;
        assert_eq!(now, (Status::Unlisted, r.successful_versions[version].revision.clone()));
    }

    // 2. expectedStatus holds a version back: MISMATCHED_STATUS.
    let r = update(&client, p, &["1.0.0", "1.2.0"], &[], Some(Status::Published), Target::Archived)
        .await;
    let o = outcomes(&r.successful_versions, &r.failed_versions);
    assert_eq!(o, expect(&[("1.0.0", "MISMATCHED_STATUS"), ("1.2.0", "Archived")]));
    check_new(&r.successful_versions, &mut seen_revisions);
    assert_eq!(state(&client, p, "1.0.0").await.0, Status::Unlisted, "not changed");

    // 3. versionRevisions: a stale revision is MISMATCHED_REVISION, the
    // current one goes through.
    let stale = revision["1.1.0"].clone();
    let current_13 = revision["1.3.0"].clone();
    let r = update(
        &client,
        p,
        &["1.1.0", "1.3.0"],
        &[("1.1.0", &stale), ("1.3.0", &current_13)],
        None,
        Target::Unlisted,
    )
    .await;
    let o = outcomes(&r.successful_versions, &r.failed_versions);
    assert_eq!(o, expect(&[("1.1.0", "MISMATCHED_REVISION"), ("1.3.0", "Unlisted")]));
    check_new(&r.successful_versions, &mut seen_revisions);
    let after_unlist_13 = r.successful_versions["1.3.0"].revision.clone();
    // ...and the revision it had before is stale now.
    let r =
        update(&client, p, &["1.3.0"], &[("1.3.0", &current_13)], None, Target::Published).await;
    assert_eq!(
        outcomes(&r.successful_versions, &r.failed_versions),
        expect(&[("1.3.0", "MISMATCHED_REVISION")])
    );
    assert_eq!(state(&client, p, "1.3.0").await, (Status::Unlisted, after_unlist_13.clone()));
    // The same status again is a change too: a new revision.
    let r = update(&client, p, &["1.3.0"], &[], None, Target::Unlisted).await;
    assert_eq!(
        outcomes(&r.successful_versions, &r.failed_versions),
        expect(&[("1.3.0", "Unlisted")])
    );
    check_new(&r.successful_versions, &mut seen_revisions);
    // Back to Published.
    let r = update(&client, p, &["1.3.0"], &[], Some(Status::Unlisted), Target::Published).await;
    assert_eq!(
        outcomes(&r.successful_versions, &r.failed_versions),
        expect(&[("1.3.0", "Published")])
    );
    check_new(&r.successful_versions, &mut seen_revisions);

    // 4. Dispose: status, revision and expected status checked per version.
    let archived_12 = state(&client, p, "1.2.0").await.1;
    let r = dispose(
        &client,
        p,
        &["1.2.0", "1.3.0", "1.4.0", "8.8.8"],
        &[("1.2.0", &archived_12)],
        Some(Status::Archived),
    )
    .await;
    let o = outcomes(&r.successful_versions, &r.failed_versions);
    assert_eq!(
        o,
        expect(&[
            ("1.2.0", "Disposed"),
            ("1.3.0", "MISMATCHED_STATUS"),
            ("1.4.0", "MISMATCHED_STATUS"),
            ("8.8.8", "NOT_FOUND"),
        ])
    );
    check_new(&r.successful_versions, &mut seen_revisions);
    let r = dispose(&client, p, &["1.4.0"], &[("1.4.0", &revision["1.0.0"])], None).await;
    assert_eq!(
        outcomes(&r.successful_versions, &r.failed_versions),
        expect(&[("1.4.0", "MISMATCHED_REVISION")])
    );
    assert_eq!(state(&client, p, "1.4.0").await, (Status::Published, revision["1.4.0"].clone()));
    let disposed = state(&client, p, "1.2.0").await;
    assert_eq!(disposed.0, Status::Disposed);
    assert!(
        assets(&client, p, "1.2.0").await.assets.is_empty(),
        "a Disposed version has no assets"
    );

    // 5. A Disposed version's status cannot change: NOT_ALLOWED, nothing changed.
    for target in [Target::Published, Target::Unlisted, Target::Archived] {
        let r = update(&client, p, &["1.2.0"], &[], None, target).await;
        assert_eq!(
            outcomes(&r.successful_versions, &r.failed_versions),
            expect(&[("1.2.0", "NOT_ALLOWED")])
        );
    }
    assert_eq!(state(&client, p, "1.2.0").await, disposed);

    // 6. Delete: expected status checked; Deleted versions are gone.
    let r =
        delete_versions(&client, p, &["1.0.0", "1.4.0", "7.7.7"], Some(Status::Published)).await;
    let o = outcomes(&r.successful_versions, &r.failed_versions);
    assert_eq!(
        o,
        expect(&[("1.0.0", "MISMATCHED_STATUS"), ("1.4.0", "Deleted"), ("7.7.7", "NOT_FOUND")])
    );
    let call = at!(client.describe_package_version(), p).version("1.4.0").send().await;
    assert_eq!(aws_error(call).0, 404);
    let r = delete_versions(&client, p, &["1.2.0"], Some(Status::Disposed)).await;
    assert_eq!(
        outcomes(&r.successful_versions, &r.failed_versions),
        expect(&[("1.2.0", "Deleted")])
    );

    // An empty batch changes nothing and says so.
    let r = update(&client, p, &[], &[], None, Target::Archived).await;
    assert!(r.successful_versions.is_empty() && r.failed_versions.is_empty());

    // What is left, by status.
    let mut by_status = BTreeMap::new();
    for status in [Status::Published, Status::Unlisted, Status::Archived, Status::Disposed] {
        let (versions, _) = walk_versions(&client, p, None, false, Some(status)).await;
        by_status.insert(status.to_string(), versions);
    }
    let expected: BTreeMap<String, Vec<String>> = [
        ("Archived", vec![]),
        ("Disposed", vec![]),
        ("Published", vec!["1.3.0"]),
        ("Unlisted", vec!["1.0.0", "1.1.0"]),
    ]
    .into_iter()
    .map(|(s, v)| (s.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(by_status, expected);
    let (all, _) = walk_versions(&client, p, None, false, None).await;
    assert_eq!(all, ["1.0.0", "1.1.0", "1.3.0"]);
    server.stop().await;
}

/// A version named twice in one batch has one outcome: it cannot both
/// succeed and fail.
#[tokio::test]
async fn a_version_named_twice_in_a_batch_has_one_outcome() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let client = server.client(*USER);
    npm::publish(&store.npm, &store.token, "twice", "1.0.0", "a").await;
    npm::publish(&store.npm, &store.token, "twice", "2.0.0", "b").await;
    let p = npm_pkg("store", None, "twice");
    let r = update(&client, p, &["1.0.0", "1.0.0"], &[], Some(Status::Published), Target::Unlisted)
        .await;
    assert_eq!(
        outcomes(&r.successful_versions, &r.failed_versions),
        expect(&[("1.0.0", "Unlisted")])
    );
    let r = delete_versions(&client, p, &["2.0.0", "2.0.0"], None).await;
    assert_eq!(
        outcomes(&r.successful_versions, &r.failed_versions),
        expect(&[("2.0.0", "Deleted")])
    );
    server.stop().await;
}

/// A revision is unique, as CodeArtifact's are: versions changed together
/// do not share one.
#[tokio::test]
async fn versions_changed_together_get_revisions_of_their_own() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let client = server.client(*USER);
    for version in ["1.0.0", "2.0.0", "3.0.0"] {
        npm::publish(&store.npm, &store.token, "together", version, version).await;
    }
    let p = npm_pkg("store", None, "together");
    let mut all = BTreeSet::new();
    for version in ["1.0.0", "2.0.0", "3.0.0"] {
        assert!(all.insert(state(&client, p, version).await.1), "published with its own revision");
    }
    let r = update(&client, p, &["1.0.0", "2.0.0", "3.0.0"], &[], None, Target::Unlisted).await;
    let revisions: BTreeSet<&String> =
        r.successful_versions.values().map(|i| &i.revision).collect();
    assert_eq!(revisions.len(), 3, "one revision each: {:?}", r.successful_versions);
    let r = dispose(&client, p, &["1.0.0", "2.0.0"], &[], None).await;
    let revisions: BTreeSet<&String> =
        r.successful_versions.values().map(|i| &i.revision).collect();
    assert_eq!(revisions.len(), 2, "one revision each: {:?}", r.successful_versions);
    server.stop().await;
}

// ---------------------------------------------------------------------------
// What statuses do to what package managers see
// ---------------------------------------------------------------------------

#[tokio::test]
async fn statuses_show_at_the_npm_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    let store = Store::create(&server, "store").await;
    let (endpoint, token) = (&store.npm, &store.token);
    let client = server.client(*USER);
    let name = "@view/shown";
    let mut bytes = BTreeMap::new();
    for version in ["1.0.0", "1.1.0", "1.2.0", "2.0.0"] {
        bytes.insert(version, npm::publish(endpoint, token, name, version, version).await);
    }
    let p = npm_pkg("store", Some("view"), "shown");
    let all = ["1.0.0", "1.1.0", "1.2.0", "2.0.0"];
    assert_eq!(npm_document_versions(endpoint, token, name).await, all);

    // Unlisted: gone from the package document (whole and abbreviated),
    // while its tarball still downloads, at the endpoint and through the API.
    update(&client, p, &["1.1.0"], &[], None, Target::Unlisted).await;
    assert_eq!(npm_document_versions(endpoint, token, name).await, ["1.0.0", "1.2.0", "2.0.0"]);
    let url = npm::package_url(endpoint, name);
    let corgi = crate::registry::get(&url, |r| {
        r.bearer_auth(token).header("accept", "application/vnd.npm.install-v1+json")
    })
    .await;
    let corgi: Value = corgi.json().await.unwrap();
    assert!(corgi["versions"].get("1.1.0").is_none(), "{corgi}");
    assert_eq!(npm::read_bytes(&tarball_url(endpoint, name, "1.1.0"), token).await, bytes["1.1.0"]);
    assert_eq!(download(&client, p, "1.1.0", "shown-1.1.0.tgz").await.bytes, bytes["1.1.0"]);
    let doc = npm::read_document(&url, token).await;
    assert_eq!(doc["dist-tags"]["latest"], "2.0.0");

    // Archived: not in the document, its tarball a 404, and the API's
    // download a ConflictException.
    update(&client, p, &["1.2.0"], &[], None, Target::Archived).await;
    assert_eq!(npm_document_versions(endpoint, token, name).await, ["1.0.0", "2.0.0"]);
    assert_eq!(npm::status_of(&tarball_url(endpoint, name, "1.2.0"), token).await, 404);
    let err = get_asset(&client, p, "1.2.0", "shown-1.2.0.tgz", None).await.err().unwrap();
    assert_eq!((err.0, err.1.as_str()), (409, "ConflictException"));
    // ...until it is Published again.
    update(&client, p, &["1.2.0"], &[], Some(Status::Archived), Target::Published).await;
    assert_eq!(npm_document_versions(endpoint, token, name).await, ["1.0.0", "1.2.0", "2.0.0"]);
    assert_eq!(npm::read_bytes(&tarball_url(endpoint, name, "1.2.0"), token).await, bytes["1.2.0"]);

    // Disposed: its assets are gone, for the API and npm alike, and so are
    // their bytes on disk; the version stays, and cannot be published again.
    dispose(&client, p, &["1.0.0"], &[], None).await;
    assert!(assets(&client, p, "1.0.0").await.assets.is_empty());
    assert_eq!(npm::status_of(&tarball_url(endpoint, name, "1.0.0"), token).await, 404);
    let err = get_asset(&client, p, "1.0.0", "shown-1.0.0.tgz", None).await.err().unwrap();
    assert_eq!((err.0, err.1.as_str()), (404, "ResourceNotFoundException"));
    assert_eq!(npm_document_versions(endpoint, token, name).await, ["1.2.0", "2.0.0"]);
    let (blobs, _) = stored_blobs(dir.path());
    assert!(!blobs.contains(&sha256(&bytes["1.0.0"])), "the disposed tarball's bytes remain");
    assert!(blobs.contains(&sha256(&bytes["1.1.0"])));
    let again = npm::tarball(name, "1.0.0", "republished");
    let body = npm::document(name, "1.0.0", &again).to_string();
    assert_eq!(
        npm::put(&url, token, body).await.status().as_u16(),
        409,
        "a Disposed version is kept"
    );
    assert_eq!(state(&client, p, "1.0.0").await.0, Status::Disposed);

    // Deleted: gone, and publishable again, with other bytes.
    let r = delete_versions(&client, p, &["2.0.0"], None).await;
    assert_eq!(
        outcomes(&r.successful_versions, &r.failed_versions),
        expect(&[("2.0.0", "Deleted")])
    );
    assert_eq!(npm_document_versions(endpoint, token, name).await, ["1.2.0"]);
    assert_eq!(npm::status_of(&tarball_url(endpoint, name, "2.0.0"), token).await, 404);
    let old_revision = r.successful_versions["2.0.0"].revision.clone();
    let republished = npm::publish(endpoint, token, name, "2.0.0", "second life").await;
    assert_ne!(republished, bytes["2.0.0"]);
    assert_eq!(npm::read_bytes(&tarball_url(endpoint, name, "2.0.0"), token).await, republished);
    let (status, revision) = state(&client, p, "2.0.0").await;
    assert_eq!(status, Status::Published);
    assert_ne!(revision, old_revision);
    assert_eq!(download(&client, p, "2.0.0", "shown-2.0.0.tgz").await.bytes, republished);
    server.stop().await;
}

#[tokio::test]
async fn statuses_show_at_the_pypi_endpoint() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (endpoint, token) = (&store.pypi, &store.token);
    let client = server.client(*USER);
    let mut files = BTreeMap::new();
    for version in ["1.0", "1.1", "1.2", "2.0"] {
        let file = pypi::wheel(PROJECT, version, "original");
        pypi::uploaded(endpoint, token, &pypi::Form::twine(PROJECT, version, &file)).await;
        files.insert(version, file);
    }
    let p = pypi_pkg("store", PROJECT);
    let file_url = |version: &str| pypi::file_url(endpoint, NORMALIZED, version, &files[version].0);
    assert_eq!(pypi_page_versions(endpoint, token, NORMALIZED).await, ["1.0", "1.1", "1.2", "2.0"]);

    // Unlisted: off the project page; the file still downloads by its URL.
    update(&client, p, &["1.1"], &[], None, Target::Unlisted).await;
    assert_eq!(pypi_page_versions(endpoint, token, NORMALIZED).await, ["1.0", "1.2", "2.0"]);
    let page_url = format!("{endpoint}simple/{NORMALIZED}/");
    let html = crate::registry::get(&page_url, |r| r.basic_auth("aws", Some(token))).await;
    let html = html.text().await.unwrap();
    assert!(!html.contains(&files["1.1"].0), "{html}");
    assert_eq!(pypi::read_bytes(&file_url("1.1"), token).await, files["1.1"].1);

    // Archived: off the page, and the file is a 404.
    update(&client, p, &["1.2"], &[], None, Target::Archived).await;
    assert_eq!(pypi_page_versions(endpoint, token, NORMALIZED).await, ["1.0", "2.0"]);
    assert_eq!(pypi::status_of(&file_url("1.2"), token).await, 404);

    // Disposed: no assets, and the file a 404.
    dispose(&client, p, &["1.0"], &[], None).await;
    assert!(assets(&client, p, "1.0").await.assets.is_empty());
    assert_eq!(pypi::status_of(&file_url("1.0"), token).await, 404);

    // Deleted: uploadable again, with other bytes.
    let r = delete_versions(&client, p, &["2.0"], None).await;
    assert_eq!(outcomes(&r.successful_versions, &r.failed_versions), expect(&[("2.0", "Deleted")]));
    assert_eq!(pypi_page_versions(endpoint, token, NORMALIZED).await, Vec::<String>::new());
    assert_eq!(pypi::status_of(&file_url("2.0"), token).await, 404);
    let again = pypi::wheel(PROJECT, "2.0", "second life");
    assert_eq!(again.0, files["2.0"].0);
    pypi::uploaded(endpoint, token, &pypi::Form::twine(PROJECT, "2.0", &again)).await;
    assert_eq!(pypi::read_bytes(&file_url("2.0"), token).await, again.1);
    assert_eq!(pypi_page_versions(endpoint, token, NORMALIZED).await, ["2.0"]);
    assert_eq!(download(&client, p, "2.0", &again.0).await.bytes, again.1);

    // A Disposed version takes no new file: it is kept, with no assets, for
    // good (as npm's publish of it is refused).
    let sdist = pypi::sdist(PROJECT, "1.0");
    let response = pypi::upload(endpoint, token, &pypi::Form::twine(PROJECT, "1.0", &sdist)).await;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, 409, "a file added to a Disposed version: {text}");
    assert!(assets(&client, p, "1.0").await.assets.is_empty());
    assert_eq!(state(&client, p, "1.0").await.0, Status::Disposed);
    server.stop().await;
}

#[tokio::test]
async fn delete_package_removes_the_package_and_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    let store = Store::create(&server, "store").await;
    let (endpoint, token) = (&store.npm, &store.token);
    let client = server.client(*USER);
    let a = npm::publish(endpoint, token, "@gone/pkg", "1.0.0", "a").await;
    let b = npm::publish(endpoint, token, "@gone/pkg", "1.1.0", "b").await;
    let kept = npm::publish(endpoint, token, "kept", "1.0.0", "k").await;
    let wheel = pypi::wheel(PROJECT, "1.0", "");
    pypi::uploaded(&store.pypi, token, &pypi::Form::twine(PROJECT, "1.0", &wheel)).await;
    // An Archived version goes all the same.
    let p = npm_pkg("store", Some("gone"), "pkg");
    update(&client, p, &["1.0.0"], &[], None, Target::Archived).await;

    let deleted = at!(client.delete_package(), p).send().await.unwrap().into_inner();
    let summary = &deleted.deleted_package;
    assert_eq!(package_id(summary), "npm/gone/pkg");
    let r = &summary.origin_configuration.restrictions;
    assert_eq!((r.publish, r.upstream), (types::AllowPublish::Allow, types::AllowUpstream::Block));

    let (code, error, _) = aws_error(at!(client.describe_package(), p).send().await);
    assert_eq!((code, error.as_str()), (404, "ResourceNotFoundException"));
    let (code, _, _) = aws_error(at!(client.list_package_versions(), p).send().await);
    assert_eq!(code, 404);
    let (code, _, _) =
        aws_error(at!(client.describe_package_version(), p).version("1.1.0").send().await);
    assert_eq!(code, 404);
    let (code, _, _) = aws_error(at!(client.delete_package(), p).send().await);
    assert_eq!(code, 404, "deleted once");
    let (ids, _) = walk_packages(&client, "demo", "store", None).await;
    assert_eq!(ids, ["npm//kept", "pypi//my-project-name"]);
    assert_eq!(npm::status_of(&npm::package_url(endpoint, "@gone/pkg"), token).await, 404);
    for version in ["1.0.0", "1.1.0"] {
        assert_eq!(npm::status_of(&tarball_url(endpoint, "@gone/pkg", version), token).await, 404);
    }
    let (blobs, _) = stored_blobs(dir.path());
    assert!(!blobs.contains(&sha256(&a)) && !blobs.contains(&sha256(&b)), "{blobs:?}");
    assert!(blobs.contains(&sha256(&kept)) && blobs.contains(&sha256(&wheel.1)));

    // A PyPI package, by the name as published.
    let py = pypi_pkg("store", PROJECT);
    let deleted = at!(client.delete_package(), py).send().await.unwrap().into_inner();
    assert_eq!(package_id(&deleted.deleted_package), "pypi//my-project-name");
    assert_eq!(pypi::status_of(&format!("{}simple/{NORMALIZED}/", store.pypi), token).await, 404);
    let (ids, _) = walk_packages(&client, "demo", "store", None).await;
    assert_eq!(ids, ["npm//kept"]);

    // The name is free again.
    let fresh = npm::publish(endpoint, token, "@gone/pkg", "1.0.0", "fresh").await;
    assert_eq!(npm::read_bytes(&tarball_url(endpoint, "@gone/pkg", "1.0.0"), token).await, fresh);
    let (versions, _) = walk_versions(&client, p, None, false, None).await;
    assert_eq!(versions, ["1.0.0"]);
    server.stop().await;
}

// ---------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------

#[tokio::test]
async fn list_packages_pages_through_every_package_once() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (endpoint, token) = (&store.npm, &store.token);
    let client = server.client(*USER);
    for name in ["alpha", "beta", "gamma", "@acme/delta", "@zed/epsilon"] {
        npm::publish(endpoint, token, name, "1.0.0", "x").await;
    }
    for project in ["Zeta_Py", "eta"] {
        let file = pypi::wheel(project, "1.0", "");
        pypi::uploaded(&store.pypi, token, &pypi::Form::twine(project, "1.0", &file)).await;
    }
    let (everything, pages) = walk_packages(&client, "demo", "store", None).await;
    assert_eq!(pages, 1);
    let expected: BTreeSet<String> = [
        "npm//alpha",
        "npm//beta",
        "npm//gamma",
        "npm/acme/delta",
        "npm/zed/epsilon",
        "pypi//eta",
        "pypi//zeta-py",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(everything.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(everything.len(), expected.len(), "listed once each: {everything:?}");
    for max in 1..=8u64 {
        let (names, pages) = walk_packages(&client, "demo", "store", Some(max)).await;
        assert_eq!(names, everything, "pages of {max}");
        assert_eq!(pages, everything.len().div_ceil(max as usize).max(1), "pages of {max}");
    }

    // Packages published between two pages: every package there before is
    // listed exactly once, whatever the new ones do.
    let first = client.list_packages().domain("demo").repository("store");
    let first = first.max_results(std::num::NonZeroU64::new(3).unwrap()).send().await;
    let first = first.unwrap().into_inner();
    npm::publish(endpoint, token, "aaa-first", "1.0.0", "x").await;
    npm::publish(endpoint, token, "zzz-last", "1.0.0", "x").await;
    let mut names: Vec<String> = first.packages.iter().map(package_id).collect();
    let mut token_ = first.next_token;
    while let Some(t) = token_.take() {
        let page = client.list_packages().domain("demo").repository("store");
        let page = page.max_results(std::num::NonZeroU64::new(3).unwrap()).next_token(t.as_str());
        let page = page.send().await.unwrap().into_inner();
        names.extend(page.packages.iter().map(package_id));
        token_ = page.next_token;
    }
    for name in &everything {
        assert_eq!(names.iter().filter(|n| *n == name).count(), 1, "{name} in {names:?}");
    }
    let extra: BTreeSet<&String> = names.iter().filter(|n| !everything.contains(n)).collect();
    assert!(extra.iter().all(|n| n.ends_with("aaa-first") || n.ends_with("zzz-last")), "{extra:?}");
    assert_eq!(names.len(), everything.len() + extra.len(), "no package twice: {names:?}");

    // A token that is not ours is a ValidationException.
    let path = "/v1/packages?domain=demo&repository=store&next-token=bm90LWEtdG9rZW4%3D%3D%3D";
    let (status, code, _) = call_raw(&server, Method::POST, path, "", *USER).await;
    assert_eq!((status, code.as_str()), (400, "ValidationException"));
    server.stop().await;
}

/// npm scopes may contain `-` and `.`, which sort before `/`: pages must
/// resume after the last package of the previous page all the same.
#[tokio::test]
async fn list_packages_pages_past_scopes_that_prefix_each_other() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let names = ["@acme/a", "@acme-corp/b", "@acme.io/c", "@acme/d", "plain"];
    for name in names {
        npm::publish(&store.npm, &store.token, name, "1.0.0", "x").await;
    }
    let client = server.client(*USER);
    let (everything, _) = walk_packages(&client, "demo", "store", None).await;
    assert_eq!(everything.len(), names.len(), "{everything:?}");
    for max in 1..=5u64 {
        let (paged, _) = walk_packages(&client, "demo", "store", Some(max)).await;
        assert_eq!(paged, everything, "pages of {max}");
    }
    server.stop().await;
}

#[tokio::test]
async fn list_package_versions_pages_through_every_version_once() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (endpoint, token) = (&store.npm, &store.token);
    let client = server.client(*USER);
    // In publication order, which is also the versions' order as text (so
    // that versions published in the same second sort the same either way).
    let published = ["1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0", "2.0.1-beta.1"];
    for version in published {
        npm::publish(endpoint, token, "paged", version, version).await;
    }
    let p = npm_pkg("store", None, "paged");
    let (everything, pages) = walk_versions(&client, p, None, false, None).await;
    assert_eq!(pages, 1);
    assert_eq!(
        everything.iter().cloned().collect::<BTreeSet<_>>(),
        published.iter().map(|v| v.to_string()).collect()
    );
    assert_eq!(everything.len(), published.len());
    let (by_time, _) = walk_versions(&client, p, None, true, None).await;
    assert_eq!(by_time, published, "sortBy=PUBLISHED_TIME: in the order they were published");
    for max in 1..=7u64 {
        let (paged, pages) = walk_versions(&client, p, Some(max), false, None).await;
        assert_eq!(paged, everything, "pages of {max}");
        assert_eq!(pages, everything.len().div_ceil(max as usize), "pages of {max}");
        let (paged, _) = walk_versions(&client, p, Some(max), true, None).await;
        assert_eq!(paged, by_time, "pages of {max} by time");
    }
    // A status filter pages too.
    update(&client, p, &["1.0.1", "1.10.0", "2.0.0"], &[], None, Target::Unlisted).await;
    let (unlisted, pages) = walk_versions(&client, p, Some(1), false, Some(Status::Unlisted)).await;
    assert_eq!(
        unlisted.iter().cloned().collect::<BTreeSet<_>>(),
        ["1.0.1", "1.10.0", "2.0.0"].map(String::from).into()
    );
    assert_eq!(pages, 3);

    // Versions published between two pages: each version there before is
    // listed exactly once.
    let first = versions_page(&client, p, Some(2), None, false, None).await;
    npm::publish(endpoint, token, "paged", "0.0.1", "early").await;
    npm::publish(endpoint, token, "paged", "9.0.0", "late").await;
    npm::publish(endpoint, token, "paged", "1.0.5", "between").await;
    let mut seen: Vec<String> = first.versions.iter().map(|v| v.version.to_string()).collect();
    let mut next = first.next_token;
    while let Some(t) = next.take() {
        let page = versions_page(&client, p, Some(2), Some(&t), false, None).await;
        seen.extend(page.versions.iter().map(|v| v.version.to_string()));
        next = page.next_token;
    }
    for version in &everything {
        assert_eq!(seen.iter().filter(|v| *v == version).count(), 1, "{version} in {seen:?}");
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no version twice: {seen:?}");
    assert!(seen
        .iter()
        .all(|v| everything.contains(v) || ["0.0.1", "9.0.0", "1.0.5"].contains(&v.as_str())));

    // Versions deleted between two pages, one already listed and one not
    // yet: every other version is listed exactly once, the unlisted deleted
    // one not at all. In both orders.
    for published_order in [false, true] {
        let (order, _) = walk_versions(&client, p, None, published_order, None).await;
        let first = versions_page(&client, p, Some(3), None, published_order, None).await;
        let listed = first.versions[2].version.to_string();
        let ahead = order[4].clone();
        let gone = delete_versions(&client, p, &[&listed, &ahead], None).await;
        assert_eq!(gone.successful_versions.len(), 2, "{gone:?}");
        let mut seen: Vec<String> = first.versions.iter().map(|v| v.version.to_string()).collect();
        let mut next = first.next_token;
        while let Some(t) = next.take() {
            let page = versions_page(&client, p, Some(3), Some(&t), published_order, None).await;
            seen.extend(page.versions.iter().map(|v| v.version.to_string()));
            next = page.next_token;
        }
        let expected: Vec<String> = order.iter().filter(|v| **v != ahead).cloned().collect();
        assert_eq!(seen, expected, "sortBy=PUBLISHED_TIME: {published_order}");
    }

    let q = format!("/v1/package/versions?{}&next-token=%21%21", package_query(p));
    let (status, code, _) = call_raw(&server, Method::POST, &q, "", *USER).await;
    assert_eq!((status, code.as_str()), (400, "ValidationException"));
    server.stop().await;
}

/// `sortBy=PUBLISHED_TIME` lists versions in the order they were published,
/// also when several were published within one second and their order as
/// text is another.
#[tokio::test]
async fn versions_sorted_by_published_time_follow_publication_order() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let order = ["3.0.0", "1.0.0", "2.0.0", "10.0.0"];
    for version in order {
        npm::publish(&store.npm, &store.token, "timed", version, version).await;
    }
    let client = server.client(*USER);
    let p = npm_pkg("store", None, "timed");
    let (by_time, _) = walk_versions(&client, p, None, true, None).await;
    assert_eq!(by_time, order);
    let (paged, _) = walk_versions(&client, p, Some(1), true, None).await;
    assert_eq!(paged, order);
    let mut times = Vec::new();
    for version in order {
        times.push(describe(&client, p, version).await.published_time.unwrap());
    }
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    server.stop().await;
}

// ---------------------------------------------------------------------------
// Errors, operation by operation
// ---------------------------------------------------------------------------

/// One of the eleven operations, as the wire carries it.
#[derive(Clone, Copy, Debug)]
struct Op {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    /// The IAM action it needs.
    action: &'static str,
    /// Whether it names a version (in the query).
    version: bool,
    /// Whether it names an asset.
    asset: bool,
    /// Its JSON body, for the batch operations.
    body: &'static str,
}

const OPS: [Op; 11] = [
    op("ListPackages", "POST", "/v1/packages", "ListPackages", false, false, ""),
    op("DescribePackage", "GET", "/v1/package", "DescribePackage", false, false, ""),
    op("DeletePackage", "DELETE", "/v1/package", "DeletePackage", false, false, ""),
    op(
        "ListPackageVersions",
        "POST",
        "/v1/package/versions",
        "ListPackageVersions",
        false,
        false,
        "",
    ),
    op(
        "DescribePackageVersion",
        "GET",
        "/v1/package/version",
        "DescribePackageVersion",
        true,
        false,
        "",
    ),
    op(
        "ListPackageVersionAssets",
        "POST",
        "/v1/package/version/assets",
        "ListPackageVersionAssets",
        true,
        false,
        "",
    ),
    op(
        "GetPackageVersionAsset",
        "GET",
        "/v1/package/version/asset",
        "GetPackageVersionAsset",
        true,
        true,
        "",
    ),
    op(
        "GetPackageVersionReadme",
        "GET",
        "/v1/package/version/readme",
        "GetPackageVersionReadme",
        true,
        false,
        "",
    ),
    op(
        "UpdatePackageVersionsStatus",
        "POST",
        "/v1/package/versions/update_status",
        "UpdatePackageVersionsStatus",
        false,
        false,
        r#"{"versions":["1.0.0"],"targetStatus":"Unlisted"}"#,
    ),
    op(
        "DeletePackageVersions",
        "POST",
        "/v1/package/versions/delete",
        "DeletePackageVersions",
        false,
        false,
        r#"{"versions":["1.0.0"]}"#,
    ),
    op(
        "DisposePackageVersions",
        "POST",
        "/v1/package/versions/dispose",
        "DisposePackageVersions",
        false,
        false,
        r#"{"versions":["1.0.0"]}"#,
    ),
];

const fn op(
    name: &'static str,
    method: &'static str,
    path: &'static str,
    action: &'static str,
    version: bool,
    asset: bool,
    body: &'static str,
) -> Op {
    Op { name, method, path, action, version, asset, body }
}

impl Op {
    /// The request's path and query for package `p` (the repository alone
    /// for ListPackages), version `version` and asset `asset`, with
    /// `extra` appended.
    fn target(&self, p: Pkg<'_>, version: &str, asset: &str, extra: &str) -> String {
        let mut q = if self.name == "ListPackages" {
            format!("domain={}&repository={}", p.domain, p.repo)
        } else {
            package_query(p)
        };
        if self.version {
            q.push_str(&format!("&version={version}"));
        }
        if self.asset {
            q.push_str(&format!("&asset={asset}"));
        }
        q.push_str(extra);
        format!("{}?{q}", self.path)
    }

    fn method(&self) -> Method {
        self.method.parse().unwrap()
    }

    /// Sends it as `cred`: (status, error code, body).
    async fn send(
        &self,
        server: &TestServer,
        cred: Cred,
        p: Pkg<'_>,
        version: &str,
        asset: &str,
    ) -> (u16, String, Value) {
        let target = self.target(p, version, asset, "");
        call_raw(server, self.method(), &target, self.body, cred).await
    }
}

#[tokio::test]
async fn every_operation_reports_missing_resources() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    npm::publish(&store.npm, &store.token, "@err/here", "1.0.0", "x").await;
    let client = server.client(*USER);
    let here = npm_pkg("store", Some("err"), "here");
    let asset = "here-1.0.0.tgz";
    let cases: Vec<(&str, Pkg<'_>, &str, &str)> = vec![
        ("domain", Pkg { domain: "nowhere", ..here }, "1.0.0", asset),
        ("repository", Pkg { repo: "nothing", ..here }, "1.0.0", asset),
        ("package", Pkg { name: "absent", ..here }, "1.0.0", asset),
        ("namespace", Pkg { namespace: Some("other"), ..here }, "1.0.0", asset),
        ("unscoped", Pkg { namespace: None, ..here }, "1.0.0", asset),
        ("format", Pkg { format: PackageFormat::Pypi, ..here }, "1.0.0", asset),
        ("version", here, "9.9.9", asset),
        ("asset", here, "1.0.0", "other-1.0.0.tgz"),
    ];
    for op in OPS {
        for (what, p, version, asset) in &cases {
            let applies = match *what {
                "domain" | "repository" => true,
                "version" => op.version,
                "asset" => op.asset,
                // A missing package empties ListPackages, it is no error.
                _ => op.name != "ListPackages",
            };
            if !applies {
                continue;
            }
            let (status, code, body) = op.send(&server, *USER, *p, version, asset).await;
            let case = format!("{} with a missing {what}", op.name);
            assert_eq!(
                (status, code.as_str()),
                (404, "ResourceNotFoundException"),
                "{case}: {body}"
            );
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{case}: {body}");
        }
    }
    // The messages name what is missing.
    let (_, _, body) = OPS[1].send(&server, *USER, cases[0].1, "", "").await;
    assert_eq!(body["message"], "Domain 'nowhere' owned by account 111122223333 does not exist.");
    let (_, _, body) = OPS[1].send(&server, *USER, cases[1].1, "", "").await;
    assert_eq!(
        body["message"],
        "Repository 'nothing' in domain 'demo' owned by account 111122223333 does not exist."
    );
    let (_, _, body) = OPS[1].send(&server, *USER, cases[2].1, "", "").await;
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("absent") && message.contains("store"), "{message}");
    // Nothing was changed by any of it.
    assert_eq!(state(&client, here, "1.0.0").await.0, Status::Published);
    let listed = walk_packages(&client, "demo", "store", None).await.0;
    assert_eq!(listed, ["npm/err/here"]);
    server.stop().await;
}

#[tokio::test]
async fn every_operation_validates_its_input() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    npm::publish(&store.npm, &store.token, "valid", "1.0.0", "x").await;
    let p = npm_pkg("store", None, "valid");
    let invalid_domain = Pkg { domain: "Not_A_Domain!", ..p };
    for op in OPS {
        // A domain that cannot be a domain name; a format that is no format.
        let target = op.target(invalid_domain, "1.0.0", "valid-1.0.0.tgz", "");
        let (status, code, body) = call_raw(&server, op.method(), &target, op.body, *USER).await;
        assert_eq!((status, code.as_str()), (400, "ValidationException"), "{}: {body}", op.name);
        assert!(body["message"].as_str().unwrap().contains("at 'domain'"), "{}: {body}", op.name);
        let target = if op.name == "ListPackages" {
            op.target(p, "", "", "&format=rpm")
        } else {
            op.target(p, "1.0.0", "valid-1.0.0.tgz", "").replace("format=npm", "format=rpm")
        };
        let (status, code, body) = call_raw(&server, op.method(), &target, op.body, *USER).await;
        assert_eq!((status, code.as_str()), (400, "ValidationException"), "{}: {body}", op.name);
        assert!(body["message"].as_str().unwrap().contains("at 'format'"), "{}: {body}", op.name);
        if op.name != "ListPackages" {
            // The package name is required.
            let target = op.target(p, "1.0.0", "valid-1.0.0.tgz", "").replace("&package=valid", "");
            let (status, code, body) =
                call_raw(&server, op.method(), &target, op.body, *USER).await;
            assert_eq!(
                (status, code.as_str()),
                (400, "ValidationException"),
                "{}: {body}",
                op.name
            );
            assert!(body["message"].as_str().unwrap().contains("at 'packageName'"), "{body}");
        }
        if op.version {
            let target = op.target(p, "a%2Fb", "valid-1.0.0.tgz", "");
            let (status, code, body) =
                call_raw(&server, op.method(), &target, op.body, *USER).await;
            assert_eq!(
                (status, code.as_str()),
                (400, "ValidationException"),
                "{}: {body}",
                op.name
            );
            assert!(body["message"].as_str().unwrap().contains("at 'packageVersion'"), "{body}");
        }
    }
    // Each operation's own members.
    let cases: Vec<(&Op, String, &str, &str)> = vec![
        (&OPS[0], OPS[0].target(p, "", "", "&max-results=0"), "", "'maxResults'"),
        (&OPS[0], OPS[0].target(p, "", "", "&max-results=1001"), "", "'maxResults'"),
        (&OPS[0], OPS[0].target(p, "", "", "&publish=yes"), "", "'publish'"),
        (&OPS[3], OPS[3].target(p, "", "", "&status=Gone"), "", "'status'"),
        (&OPS[3], OPS[3].target(p, "", "", "&sortBy=NAME"), "", "'sortBy'"),
        (&OPS[5], OPS[5].target(p, "1.0.0", "", "&max-results=x"), "", "'maxResults'"),
        (&OPS[6], OPS[6].target(p, "1.0.0", "a%07b", ""), "", "'asset'"),
        (
            &OPS[6],
            OPS[6].target(p, "1.0.0", "valid-1.0.0.tgz", "&revision=a%20b"),
            "",
            "'packageVersionRevision'",
        ),
        (
            &OPS[8],
            OPS[8].target(p, "", "", ""),
            r#"{"versions":["1.0.0"],"targetStatus":"Disposed"}"#,
            "'targetStatus'",
        ),
        (&OPS[8], OPS[8].target(p, "", "", ""), r#"{"versions":["1.0.0"]}"#, "'targetStatus'"),
        (
            &OPS[8],
            OPS[8].target(p, "", "", ""),
            r#"{"versions":["1.0.0"],"targetStatus":"Unlisted","expectedStatus":"published"}"#,
            "'expectedStatus'",
        ),
        (&OPS[9], OPS[9].target(p, "", "", ""), "{}", "'versions'"),
        (&OPS[9], OPS[9].target(p, "", "", ""), r#"{"versions":["a/b"]}"#, "'versions'"),
        (
            &OPS[10],
            OPS[10].target(p, "", "", ""),
            r#"{"versions":["1.0.0"],"versionRevisions":{"1.0.0":"has space"}}"#,
            "'versionRevisions'",
        ),
    ];
    let many: Vec<String> = (0..101).map(|i| format!("\"1.{i}.0\"")).collect();
    let too_many = format!(r#"{{"versions":[{}]}}"#, many.join(","));
    let mut cases = cases;
    cases.push((&OPS[10], OPS[10].target(p, "", "", ""), &too_many, "'versions'"));
    for (op, target, body, member) in cases {
        let (status, code, answer) = call_raw(&server, op.method(), &target, body, *USER).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "ValidationException"),
            "{target} {body}: {answer}"
        );
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(member), "{target} {body}: {message}");
    }
    // A body that is not JSON at all.
    let (status, code, _) =
        call_raw(&server, Method::POST, &OPS[9].target(p, "", "", ""), "{", *USER).await;
    assert_eq!(status, 400, "{code}");
    // None of it changed anything.
    let client = server.client(*USER);
    assert_eq!(state(&client, p, "1.0.0").await.0, Status::Published);
    server.stop().await;
}

/// A download is refused while its version is Archived, and when it names
/// a revision the version no longer has.
#[tokio::test]
async fn get_package_version_asset_conflicts() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let bytes = npm::publish(&store.npm, &store.token, "conflicted", "1.0.0", "x").await;
    let client = server.client(*USER);
    let p = npm_pkg("store", None, "conflicted");
    let asset = "conflicted-1.0.0.tgz";
    let original = state(&client, p, "1.0.0").await.1;

    update(&client, p, &["1.0.0"], &[], None, Target::Unlisted).await;
    // An Unlisted version downloads; by its old revision, not.
    let now = state(&client, p, "1.0.0").await.1;
    assert_eq!(get_asset(&client, p, "1.0.0", asset, Some(&now)).await.ok().unwrap().bytes, bytes);
    let err = get_asset(&client, p, "1.0.0", asset, Some(&original)).await.err().unwrap();
    assert_eq!((err.0, err.1.as_str()), (409, "ConflictException"), "{err:?}");
    let err = get_asset(&client, p, "1.0.0", asset, Some("never-a-revision")).await.err().unwrap();
    assert_eq!((err.0, err.1.as_str()), (409, "ConflictException"), "{err:?}");

    update(&client, p, &["1.0.0"], &[], None, Target::Archived).await;
    let archived = state(&client, p, "1.0.0").await.1;
    for revision in [None, Some(archived.as_str())] {
        let err = get_asset(&client, p, "1.0.0", asset, revision).await.err().unwrap();
        assert_eq!((err.0, err.1.as_str()), (409, "ConflictException"), "{err:?}");
        assert!(err.2.contains("Archived"), "{err:?}");
    }
    server.stop().await;
}

// ---------------------------------------------------------------------------
// Authorization
// ---------------------------------------------------------------------------

/// The actions of the package API, each denied to one user of account
/// 888899990000 who is allowed everything else.
const ACTIONS: [&str; 11] = [
    "ListPackages",
    "DescribePackage",
    "DeletePackage",
    "ListPackageVersions",
    "DescribePackageVersion",
    "ListPackageVersionAssets",
    "GetPackageVersionAsset",
    "GetPackageVersionReadme",
    "UpdatePackageVersionsStatus",
    "DeletePackageVersions",
    "DisposePackageVersions",
];

const VAULT: &str = "888899990000";

fn vault_key(i: usize) -> (String, String) {
    (format!("AKIAVAULTUSER{i:07}"), format!("vaultSecret/{i}/EXAMPLE"))
}

/// A user of the vault account allowed everything but `action`.
fn denied(action: &str) -> Cred {
    let i = ACTIONS.iter().position(|a| *a == action).unwrap() + 1;
    vault_cred(i, action)
}

fn vault_cred(i: usize, name: &str) -> Cred {
    let (id, secret) = vault_key(i);
    Cred {
        access_key_id: id.leak(),
        secret_access_key: secret.leak(),
        session_token: None,
        arn: format!("arn:aws:iam::{VAULT}:user/{name}").leak(),
    }
}

/// Allowed everything in the vault account.
fn keeper() -> Cred {
    vault_cred(0, "keeper")
}

/// Allowed DescribePackage on npm packages named `open-*` only (and tokens).
fn scoped_reader() -> Cred {
    vault_cred(ACTIONS.len() + 1, "scoped")
}

/// Domain `vault` (repository `store`) of account 888899990000, its
/// `keeper`, one user per action who may do everything but it, and a user
/// allowed one action on some package ARNs only.
fn vault_config() -> String {
    let user = |i: usize, name: &str, document: &str| {
        let (id, secret) = vault_key(i);
        format!(
            "[[accounts.users]]\nname = \"{name}\"\n\
             access_keys = [{{ access_key_id = \"{id}\", secret_access_key = \"{secret}\" }}]\n\
             policies = [{{ name = \"policy\", document = '{document}' }}]\n\n"
        )
    };
    let mut config = format!(
        "[[domains]]\nname = \"vault\"\nowner = \"{VAULT}\"\nrepositories = [\"store\"]\n\n\
         [[accounts]]\nid = \"{VAULT}\"\n\n"
    );
    config.push_str(&user(
        0,
        "keeper",
        r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
    ));
    for (i, action) in ACTIONS.iter().enumerate() {
        let document = format!(
            r#"{{"Statement": [{{"Effect": "Allow", "Action": "*", "Resource": "*"}}, {{"Effect": "Deny", "Action": "codeartifact:{action}", "Resource": "*"}}]}}"#
        );
        config.push_str(&user(i + 1, action, &document));
    }
    let scoped = format!(
        r#"{{"Statement": {{"Effect": "Allow", "Action": "codeartifact:DescribePackage", "Resource": "arn:aws:codeartifact:*:{VAULT}:package/vault/store/npm/*/open-*"}}}}"#
    );
    config.push_str(&user(ACTIONS.len() + 1, "scoped", &scoped));
    config
}

fn vault_pkg<'a>(namespace: Option<&'a str>, name: &'a str) -> Pkg<'a> {
    Pkg { domain: "vault", repo: "store", format: PackageFormat::Npm, namespace, name }
}

/// The vault's ops and queries carry `domain-owner`: the callers' default
/// account would be their own anyway, but USER's is not.
fn owned(target: String) -> String {
    target.replacen("domain=vault", &format!("domain=vault&domain-owner={VAULT}"), 1)
}

#[tokio::test]
async fn each_operation_is_authorized_by_its_own_action_before_anything_is_looked_up() {
    let server = TestServer::start_with(&vault_config(), Storage::Ephemeral).await;
    let keeper = keeper();
    let token = token_as(&server, keeper, "vault").await;
    let endpoint = endpoint_as(&server, keeper, "vault", "store", PackageFormat::Npm).await;
    let bytes = npm::publish(&endpoint, &token, "@locked/box", "1.0.0", "x").await;
    let here = vault_pkg(Some("locked"), "box");
    let cases: Vec<(&str, Pkg<'_>, &str)> = vec![
        ("an existing package", here, "1.0.0"),
        ("a missing version", here, "9.9.9"),
        ("a missing package", vault_pkg(Some("locked"), "nothing"), "1.0.0"),
        ("a missing repository", Pkg { repo: "missing", ..here }, "1.0.0"),
        ("a missing domain", Pkg { domain: "no-vault", ..here }, "1.0.0"),
    ];
    for op in OPS {
        let cred = denied(op.action);
        for (what, p, version) in &cases {
            let target = owned(op.target(*p, version, "box-1.0.0.tgz", "")).replacen(
                "domain=no-vault",
                &format!("domain=no-vault&domain-owner={VAULT}"),
                1,
            );
            let (status, code, body) = call_raw(&server, op.method(), &target, op.body, cred).await;
            let case = format!("{} on {what}", op.name);
            assert_eq!((status, code.as_str()), (403, "AccessDeniedException"), "{case}: {body}");
            let message = body["message"].as_str().unwrap();
            let action = format!("codeartifact:{}", op.action);
            assert!(message.contains(&format!("user/{}", op.action)), "{case}: {message}");
            assert!(
                message.contains(&format!("perform: {action} on resource: ")),
                "{case}: {message}"
            );
            let resource = if op.name == "ListPackages" {
                format!("arn:aws:codeartifact:us-east-1:{VAULT}:repository/{}/{}", p.domain, p.repo)
            } else {
                format!(
                    "arn:aws:codeartifact:us-east-1:{VAULT}:package/{}/{}/npm/locked/{}",
                    p.domain, p.repo, p.name
                )
            };
            assert!(message.contains(&resource), "{case}: {message} should name {resource}");
        }
        // Every other action's user may do it: it is this action that is denied.
        let other = ACTIONS.iter().find(|a| **a != op.action && **a != "DeletePackage").unwrap();
        if ![
            "DeletePackage",
            "DeletePackageVersions",
            "DisposePackageVersions",
            "UpdatePackageVersionsStatus",
        ]
        .contains(&op.name)
        {
            let target = owned(op.target(here, "1.0.0", "box-1.0.0.tgz", ""));
            let request = codeartifact_tests::signed(
                op.method(),
                &format!("{}{target}", server.url),
                op.body.as_bytes(),
                &denied(other).signer(),
            );
            let response = reqwest::Client::new().execute(request).await.unwrap();
            assert_eq!(response.status().as_u16(), 200, "{} as {other}", op.name);
        }
    }
    // Nothing was changed, and the package is all there.
    let client = server.client(keeper);
    let vp = vault_pkg(Some("locked"), "box");
    assert_eq!(state(&client, vp, "1.0.0").await.0, Status::Published);
    assert_eq!(download(&client, vp, "1.0.0", "box-1.0.0.tgz").await.bytes, bytes);

    // Resource-level grants: on `open-*` packages only, whether they exist
    // or not; for other packages, AccessDenied even when they do not exist.
    npm::publish(&endpoint, &token, "@locked/open-door", "1.0.0", "x").await;
    let scoped = scoped_reader();
    for (name, expected) in [
        ("open-door", (200, "")),
        ("open-nothing", (404, "ResourceNotFoundException")),
        ("box", (403, "AccessDeniedException")),
        ("closed-nothing", (403, "AccessDeniedException")),
    ] {
        let target = owned(OPS[1].target(vault_pkg(Some("locked"), name), "", "", ""));
        let url = format!("{}{target}", server.url);
        let request = codeartifact_tests::signed(Method::GET, &url, b"", &scoped.signer());
        let response = reqwest::Client::new().execute(request).await.unwrap();
        let status = response.status().as_u16();
        let code =
            response.headers().get("x-amzn-errortype").map(|v| v.to_str().unwrap().to_string());
        assert_eq!((status, code.as_deref().unwrap_or("")), expected, "{name}");
    }

    // Another account's user with no grant from the vault: denied, whether
    // the package exists or not.
    for p in [here, vault_pkg(Some("locked"), "nothing")] {
        let target = owned(OPS[1].target(p, "", "", ""));
        let (status, code, _) = call_raw(&server, Method::GET, &target, "", *USER).await;
        assert_eq!((status, code.as_str()), (403, "AccessDeniedException"), "{}", p.name);
    }
    server.stop().await;
}

/// Through the generated client: a user who may only get tokens and read
/// from repositories downloads assets and readmes, and is denied the rest.
#[tokio::test]
async fn a_reader_may_download_but_not_manage_packages() {
    let server = crate::registry::start_shop().await;
    let writer = crate::registry::WRITER;
    let reader = crate::registry::READER;
    let token = token_as(&server, writer, "shop").await;
    let endpoint = endpoint_as(&server, writer, "shop", "store", PackageFormat::Npm).await;
    let bytes = npm::publish(&endpoint, &token, "shelf", "1.0.0", "x").await;
    let p = Pkg {
        domain: "shop",
        repo: "store",
        format: PackageFormat::Npm,
        namespace: None,
        name: "shelf",
    };
    let client = server.client(reader);
    // ReadFromRepository is the repository endpoints' permission: npm
    // installs, the package API does not answer.
    let reader_token = token_as(&server, reader, "shop").await;
    let tarball = format!("{endpoint}shelf/-/shelf-1.0.0.tgz");
    assert_eq!(npm::read_bytes(&tarball, &reader_token).await, bytes);
    let refused = |(status, code, message): (u16, String, String), action: &str| {
        assert_eq!((status, code.as_str()), (403, "AccessDeniedException"), "{action}: {message}");
        assert!(message.contains(&format!("codeartifact:{action}")), "{message}");
    };
    let asset = get_asset(&client, p, "1.0.0", "shelf-1.0.0.tgz", None).await;
    refused(
        asset.err().expect("the API's download needs its own action"),
        "GetPackageVersionAsset",
    );
    refused(
        aws_error(at!(client.get_package_version_readme(), p).version("1.0.0").send().await),
        "GetPackageVersionReadme",
    );
    refused(
        aws_error(client.list_packages().domain("shop").repository("store").send().await),
        "ListPackages",
    );
    refused(aws_error(at!(client.describe_package(), p).send().await), "DescribePackage");
    refused(aws_error(at!(client.list_package_versions(), p).send().await), "ListPackageVersions");
    refused(
        aws_error(at!(client.describe_package_version(), p).version("1.0.0").send().await),
        "DescribePackageVersion",
    );
    refused(
        aws_error(at!(client.list_package_version_assets(), p).version("1.0.0").send().await),
        "ListPackageVersionAssets",
    );
    let body = types::UpdatePackageVersionsStatusBody {
        versions: versions_of(&["1.0.0"]),
        version_revisions: None,
        expected_status: None,
        target_status: Target::Archived,
    };
    refused(
        aws_error(at!(client.update_package_versions_status(), p).body(body).send().await),
        "UpdatePackageVersionsStatus",
    );
    let body = types::DisposePackageVersionsBody {
        versions: versions_of(&["1.0.0"]),
        version_revisions: None,
        expected_status: None,
    };
    refused(
        aws_error(at!(client.dispose_package_versions(), p).body(body).send().await),
        "DisposePackageVersions",
    );
    let body = types::DeletePackageVersionsBody {
        versions: versions_of(&["1.0.0"]),
        expected_status: None,
    };
    refused(
        aws_error(at!(client.delete_package_versions(), p).body(body).send().await),
        "DeletePackageVersions",
    );
    refused(aws_error(at!(client.delete_package(), p).send().await), "DeletePackage");
    let writer_client = server.client(writer);
    assert_eq!(state(&writer_client, p, "1.0.0").await.0, Status::Published);
    assert_eq!(download(&writer_client, p, "1.0.0", "shelf-1.0.0.tgz").await.bytes, bytes);
    server.stop().await;
}
