//! Hostile input to the package API, generated: whatever arrives in the
//! query string, the JSON body or PublishPackageVersion's asset and its
//! `x-amz-content-sha256`, the validators answer with the request or with a
//! ValidationException (SerializationException for a body that is not the
//! operation's JSON object), never a panic; and over the wire every answer
//! of every package route (and UpdateRepository and ListRepositories) is
//! AWS-shaped, never a 5xx, while the packages stored before the barrage
//! (their versions, statuses, revisions, assets' bytes and dist-tags) stay
//! exactly as they were.
//!
//! The requests that change what is stored (DeletePackage,
//! PutPackageOriginConfiguration, PublishPackageVersion,
//! CopyPackageVersions, the three batch operations and UpdateRepository)
//! never name the seeded repository, `keep`, as the repository they change:
//! they change `scratch`, which holds copies of the seeded versions (the
//! same blobs), and `scratch2`. Copies may read from `keep`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use codeartifact_api::{
    AccountId, AllowPublish, AllowUpstream, AssetName, AwsError, CopyPackageVersionsRequest,
    DeletePackageVersionsRequest, Description, DisposePackageVersionsRequest, DomainName,
    ErrorCode, FromQuery, FromWire, GetPackageVersionAssetRequest, ListPackageVersionAssetsRequest,
    ListPackageVersionDependenciesRequest, ListPackageVersionsRequest, ListPackagesRequest,
    ListRepositoriesRequest, PackageFormat, PackageName, PackageNamespace, PackageRequest,
    PackageVersion, PackageVersionOriginType, PackageVersionRequest, PackageVersionRevision,
    PackageVersionSortType, PackageVersionStatus, PaginationToken, PublishPackageVersionRequest,
    PutPackageOriginConfigurationRequest, QueryParams, RepositoryName, Sha256 as Sha256Value,
    UpdatePackageVersionsStatusRequest, UpdateRepositoryRequest, VersionsToCopy,
    MAX_VERSIONS_PER_REQUEST,
};
use codeartifact_client::types::PackageFormat as ClientFormat;
use codeartifact_tests::{call_raw, signed, TestServer, ACCOUNT, USER};
use proptest::prelude::*;
use proptest::strategy::{Union, ValueTree};
use proptest::test_runner::{Config, TestRunner};
use reqwest::header::{HeaderName, HeaderValue, HOST};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::hostile_input;
use crate::packages_npm as npm;
use crate::packages_pypi as pypi;
use crate::registry::{basic, bearer, endpoint, get, make_repository, Store};

// ---------------------------------------------------------------------------
// The routes
// ---------------------------------------------------------------------------

/// What a route's body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyKind {
    /// None to read: whatever is sent is signed and ignored.
    Ignored,
    /// PutPackageOriginConfiguration's `restrictions`.
    Origin,
    /// UpdatePackageVersionsStatus's, DeletePackageVersions' and
    /// DisposePackageVersions' versions.
    Batch,
    /// CopyPackageVersions' versions.
    Copy,
    /// UpdateRepository's description and upstreams.
    Repository,
    /// PublishPackageVersion's asset, with its SHA-256 in a header.
    Asset,
}

#[derive(Clone, Copy, Debug)]
struct Route {
    operation: &'static str,
    method: &'static str,
    path: &'static str,
    /// The query members the operation reads, in the model's order.
    members: &'static [&'static str],
    body: BodyKind,
    /// Whether a valid request changes what is stored: those requests
    /// never name the seeded repository as the one they change.
    changes: bool,
}

const fn route(
    operation: &'static str,
    method: &'static str,
    path: &'static str,
    members: &'static [&'static str],
    body: BodyKind,
    changes: bool,
) -> Route {
    Route { operation, method, path, members, body, changes }
}

const PACKAGE: &[&str] =
    &["domain", "domain-owner", "repository", "format", "namespace", "package"];
const VERSION: &[&str] =
    &["domain", "domain-owner", "repository", "format", "namespace", "package", "version"];

/// Every route this file sends generated requests to.
const ROUTES: [Route; 17] = [
    route(
        "ListPackages",
        "POST",
        "/v1/packages",
        &[
            "domain",
            "domain-owner",
            "repository",
            "format",
            "namespace",
            "package-prefix",
            "max-results",
            "next-token",
            "publish",
            "upstream",
        ],
        BodyKind::Ignored,
        false,
    ),
    route("DescribePackage", "GET", "/v1/package", PACKAGE, BodyKind::Ignored, false),
    route("DeletePackage", "DELETE", "/v1/package", PACKAGE, BodyKind::Ignored, true),
    route("PutPackageOriginConfiguration", "POST", "/v1/package", PACKAGE, BodyKind::Origin, true),
    route(
        "ListPackageVersions",
        "POST",
        "/v1/package/versions",
        &[
            "domain",
            "domain-owner",
            "repository",
            "format",
            "namespace",
            "package",
            "status",
            "sortBy",
            "max-results",
            "next-token",
            "originType",
        ],
        BodyKind::Ignored,
        false,
    ),
    route(
        "DescribePackageVersion",
        "GET",
        "/v1/package/version",
        VERSION,
        BodyKind::Ignored,
        false,
    ),
    route(
        "ListPackageVersionAssets",
        "POST",
        "/v1/package/version/assets",
        &[
            "domain",
            "domain-owner",
            "repository",
            "format",
            "namespace",
            "package",
            "version",
            "max-results",
            "next-token",
        ],
        BodyKind::Ignored,
        false,
    ),
    route(
        "GetPackageVersionAsset",
        "GET",
        "/v1/package/version/asset",
        &[
            "domain",
            "domain-owner",
            "repository",
            "format",
            "namespace",
            "package",
            "version",
            "asset",
            "revision",
        ],
        BodyKind::Ignored,
        false,
    ),
    route(
        "GetPackageVersionReadme",
        "GET",
        "/v1/package/version/readme",
        VERSION,
        BodyKind::Ignored,
        false,
    ),
    route(
        "ListPackageVersionDependencies",
        "POST",
        "/v1/package/version/dependencies",
        &[
            "domain",
            "domain-owner",
            "repository",
            "format",
            "namespace",
            "package",
            "version",
            "next-token",
        ],
        BodyKind::Ignored,
        false,
    ),
    route(
        "PublishPackageVersion",
        "POST",
        "/v1/package/version/publish",
        &[
            "domain",
            "domain-owner",
            "repository",
            "format",
            "namespace",
            "package",
            "version",
            "asset",
            "unfinished",
        ],
        BodyKind::Asset,
        true,
    ),
    route(
        "CopyPackageVersions",
        "POST",
        "/v1/package/versions/copy",
        &[
            "domain",
            "domain-owner",
            "source-repository",
            "destination-repository",
            "format",
            "namespace",
            "package",
        ],
        BodyKind::Copy,
        true,
    ),
    route(
        "UpdatePackageVersionsStatus",
        "POST",
        "/v1/package/versions/update_status",
        PACKAGE,
        BodyKind::Batch,
        true,
    ),
    route(
        "DeletePackageVersions",
        "POST",
        "/v1/package/versions/delete",
        PACKAGE,
        BodyKind::Batch,
        true,
    ),
    route(
        "DisposePackageVersions",
        "POST",
        "/v1/package/versions/dispose",
        PACKAGE,
        BodyKind::Batch,
        true,
    ),
    route(
        "UpdateRepository",
        "PUT",
        "/v1/repository",
        &["domain", "domain-owner", "repository"],
        BodyKind::Repository,
        true,
    ),
    route(
        "ListRepositories",
        "POST",
        "/v1/repositories",
        &["repository-prefix", "max-results", "next-token"],
        BodyKind::Ignored,
        false,
    ),
];

fn route_named(operation: &str) -> Route {
    *ROUTES.iter().find(|r| r.operation == operation).expect("a route of this file")
}

// ---------------------------------------------------------------------------
// What is seeded, and what generated requests aim at
// ---------------------------------------------------------------------------

/// The seeded repository, which no generated request may change.
const KEEP: &str = "keep";

/// A package version the generated requests aim at (then spoil).
#[derive(Clone, Copy, Debug)]
struct Target {
    format: &'static str,
    namespace: Option<&'static str>,
    package: &'static str,
    version: &'static str,
    asset: &'static str,
}

const fn target(
    format: &'static str,
    namespace: Option<&'static str>,
    package: &'static str,
    version: &'static str,
    asset: &'static str,
) -> Target {
    Target { format, namespace, package, version, asset }
}

/// The seeded versions, and a few near them.
const TARGETS: &[Target] = &[
    target("npm", None, "left-pad", "1.0.0", "left-pad-1.0.0.tgz"),
    target("npm", None, "left-pad", "1.1.0", "left-pad-1.1.0.tgz"),
    target("npm", Some("demo"), "widget", "2.0.0", "widget-2.0.0.tgz"),
    target("pypi", None, "demo-pkg", "0.1.0", "demo_pkg-0.1.0-py3-none-any.whl"),
    target("pypi", None, "Demo_Pkg", "0.1.0", "demo_pkg-0.1.0.tar.gz"),
    target("generic", Some("ns"), "tool", "1.0", "tool.tar.gz"),
    target("generic", Some("ns"), "tool", "1.0", "tool.sig"),
    target("generic", Some("ns"), "tool", "2.0", "part-1.bin"),
    target("generic", Some("ns"), "fresh", "0.0.1", "fresh.bin"),
    target("generic", None, "tool", "1.0", "tool.tar.gz"),
    target("maven", Some("org.example"), "lib", "1.0", "lib-1.0.jar"),
];

/// The seeded generic assets: (version, asset, bytes). The last asset of
/// 1.0 is published without `unfinished`; 2.0 stays Unfinished.
const GENERIC_ASSETS: &[(&str, &str, &[u8])] = &[
    ("1.0", "tool.tar.gz", b"\x1f\x8b the tool, version 1.0"),
    ("1.0", "tool.sig", b"-----BEGIN SIGNATURE----- 1.0"),
    ("2.0", "part-1.bin", b"\x00\x01\x02 part one of 2.0"),
];

/// Every version the targets name, for JSON bodies.
const VERSIONS: &[&str] = &["1.0.0", "1.1.0", "2.0.0", "0.1.0", "1.0", "2.0", "0.0.1"];

/// Repositories a request that changes nothing may name.
const READ_REPOSITORIES: &[&str] = &[KEEP, "scratch", "nowhere"];
/// Repositories a request that may change something names.
const CHANGED_REPOSITORIES: &[&str] = &["scratch", "scratch", "scratch2", "nowhere"];

// ---------------------------------------------------------------------------
// Generated queries
// ---------------------------------------------------------------------------

/// Percent-encodes everything but SigV4's unreserved characters, so that
/// what the validators see is exactly the generated text.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            write!(out, "%{b:02X}").unwrap();
        }
    }
    out
}

/// Decodes `%XX` escapes only, as the server's query reader does.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded pairs of a raw query, as the server reads them.
fn decoded_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// Text that breaks a member's constraints, or nearly does: near-valid
/// names, numbers out of any range, Unicode, control characters, the
/// characters the patterns forbid, values too long, wrong enumerations.
fn hostile_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-z0-9.-]{0,12}",
        2 => "-?[0-9]{1,25}",
        2 => "\\PC{1,12}",
        2 => "[a-z]{0,3}[\\x00-\\x1f\\x7f\\x{85}\\x{a0}\\x{200b}\\x{202e}\\x{fffd}]{1,3}[a-z]{0,3}",
        2 => "[a-z]{0,4}[ #/\\t\\n\\r&=+?%]{1,2}[a-z]{0,4}",
        1 => "[A-Za-z0-9_-]{1,40}",
        1 => "x{49,52}",
        1 => "y{99,102}",
        1 => "z{254,300}",
        1 => Just(String::new()),
        3 => prop::sample::select(&[
            "NPM", "Npm", "rpm", "generic ", "published", "Published ", "DISPOSED", "Deleted",
            "Unfinished", "Disposed", "allow", "Block", "ALLOW", "BLOCK", "published_time",
            "PUBLISHED_TIME", "internal", "EXTERNAL", "UNKNOWN", "true", "True", "yes", "0",
            "1", "1000", "1001", "-1", "9223372036854775807", "9223372036854775808",
            "-9223372036854775809", "1e3", "0x10", "..", ".", "*", "?", "%", "keep ", "Keep",
            "111122223333", "444455556666", "000000000000", "11112222333", "demo", "Demo",
            "d", "left-pad", "@demo/widget", "@demo", "demo-pkg", "tool", "ns", "1.0",
        ][..])
        .prop_map(str::to_string),
    ]
    .boxed()
}

/// A query value as sent: hostile text, percent-encoded.
fn query_value() -> BoxedStrategy<String> {
    hostile_text().prop_map(|t| encode(&t)).boxed()
}

/// Raw bytes that test the encoding itself: escapes of bytes that are not
/// UTF-8, broken escapes, `+`, characters left unencoded. (The signer and
/// the server may canonicalize these differently: an InvalidSignature
/// answer is then AWS's answer too.)
fn raw_value() -> BoxedStrategy<String> {
    prop_oneof![
        prop::sample::select(&["%FF%FE", "%", "%zz", "%4", "a+b", "%00", "%C0%AF", "%E2%80"][..])
            .prop_map(str::to_string),
        "(%[0-9A-Fa-f]{2}|[^&#]){0,20}",
    ]
    .boxed()
}

/// What becomes of one of the route's members.
#[derive(Clone, Debug)]
enum Slot {
    /// The target's value, if it has one.
    Keep,
    /// Left out.
    Drop,
    /// A hostile value instead.
    Hostile(String),
    /// The target's value and a hostile one: a repeated member.
    Twice(String),
}

/// A member spoiled `spoiled` times in 20 (a request's members are spoiled
/// alike: none, one now and then, or most).
fn slot(spoiled: u32) -> BoxedStrategy<Slot> {
    if spoiled == 0 {
        return Just(Slot::Keep).boxed();
    }
    prop_oneof![
        20 - spoiled => Just(Slot::Keep),
        spoiled => prop_oneof![
            1 => Just(Slot::Drop),
            4 => query_value().prop_map(Slot::Hostile),
            1 => query_value().prop_map(Slot::Twice),
        ],
    ]
    .boxed()
}

/// The value a well-meant request gives `member` for `target` in `repo`.
fn plausible(member: &str, target: &Target, repo: &str) -> Option<String> {
    let value = match member {
        "domain" => "demo",
        "domain-owner" => ACCOUNT,
        "repository" | "destination-repository" => repo,
        // Into scratch from the seeded repository; into the others from
        // scratch (which may read through upstreams).
        "source-repository" if repo == "scratch" => KEEP,
        "source-repository" => "scratch",
        "format" => target.format,
        "namespace" => target.namespace?,
        "package" => target.package,
        "package-prefix" => &target.package[..2],
        "version" => target.version,
        "asset" => target.asset,
        "max-results" => "2",
        "status" => "Published",
        "sortBy" => "PUBLISHED_TIME",
        "originType" => "INTERNAL",
        "publish" | "upstream" => "ALLOW",
        "unfinished" => "true",
        "repository-prefix" => "sc",
        // No plausible revision or token is known in advance.
        _ => return None,
    };
    Some(value.to_string())
}

/// Names of query members that no route reads, and of members other
/// routes read.
fn noise_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(
            &[
                "domain", "repository", "package", "version", "format", "asset", "revision",
                "max-results", "next-token", "status", "duration", "x-amz-date", "Domain",
                "domain%20",
            ][..]
        )
        .prop_map(str::to_string),
        2 => "[a-z-]{0,8}",
    ]
}

/// A member no route reads (or one that another route reads, or a repeat),
/// now and then with raw bytes in its name or value.
fn noise_pair() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        8 => (noise_name(), query_value()),
        1 => (noise_name(), raw_value()),
        1 => ("[a-z%+=-]{0,8}", query_value()),
    ]
}

/// A query for `route`: a target's members, some left out, spoiled or
/// repeated, plus noise; now and then the other file's generic noise.
fn route_query(route: Route) -> BoxedStrategy<String> {
    let repositories = if route.changes { CHANGED_REPOSITORIES } else { READ_REPOSITORIES };
    // PublishPackageVersion publishes generic packages only.
    let targets: Vec<usize> = (0..TARGETS.len())
        .filter(|&t| route.body != BodyKind::Asset || TARGETS[t].format == "generic")
        .collect();
    let structured = (
        prop::sample::select(targets),
        prop::sample::select(repositories),
        prop_oneof![3 => Just(0), 3 => Just(2), 1 => Just(5), 1 => Just(12)].prop_flat_map(
            move |spoiled| prop::collection::vec(slot(spoiled), route.members.len()),
        ),
        prop_oneof![Just(Vec::new()), prop::collection::vec(noise_pair(), 1..3)],
    )
        .prop_map(move |(t, repo, slots, noise)| {
            let target = &TARGETS[t];
            let mut pairs: Vec<(String, String)> = Vec::new();
            for (member, slot) in route.members.iter().zip(slots) {
                let kept =
                    plausible(member, target, repo).map(|v| (member.to_string(), encode(&v)));
                match slot {
                    Slot::Keep => pairs.extend(kept),
                    Slot::Drop => {}
                    Slot::Hostile(v) => pairs.push((member.to_string(), v)),
                    Slot::Twice(v) => {
                        pairs.extend(kept);
                        pairs.push((member.to_string(), v));
                    }
                }
            }
            pairs.extend(noise);
            let pairs: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
            pairs.join("&")
        });
    prop_oneof![12 => structured, 1 => hostile_input::query()].boxed()
}

// ---------------------------------------------------------------------------
// Generated bodies
// ---------------------------------------------------------------------------

fn json_string(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    text.prop_map(|t| Value::String(t).to_string())
}

/// A version as a JSON string: mostly one the targets name.
fn json_version() -> BoxedStrategy<String> {
    json_string(prop_oneof![
        3 => prop::sample::select(VERSIONS).prop_map(str::to_string),
        2 => hostile_text(),
    ])
    .boxed()
}

/// JSON of the wrong shape: scalars, nesting deep past any parser's limit,
/// objects with hostile keys.
fn json_junk() -> BoxedStrategy<String> {
    let scalar = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        "-?[0-9]{1,30}(\\.[0-9]{1,5})?(e[+-]?[0-9]{1,4})?",
        json_string(hostile_text()),
    ];
    prop_oneof![
        3 => scalar.clone(),
        1 => (1usize..300).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        1 => (1usize..200).prop_map(|depth| format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))),
        1 => prop::collection::vec((json_string(hostile_text()), scalar), 0..4).prop_map(|members| {
            let members: Vec<String> = members.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("{{{}}}", members.join(","))
        }),
    ]
    .boxed()
}

/// A JSON list of `item`s: a few, just over the limit of 100, thousands,
/// or not a list at all.
fn json_list(item: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::collection::vec(item.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(","))),
        1 => (99usize..103).prop_map(|n| {
            let items: Vec<String> = (0..n).map(|i| format!("\"9.{i}\"")).collect();
            format!("[{}]", items.join(","))
        }),
        1 => (item, 1000usize..4000).prop_map(|(item, n)| format!("[{}]", vec![item; n].join(","))),
        1 => json_junk(),
    ]
    .boxed()
}

fn json_revision() -> BoxedStrategy<String> {
    json_string(prop_oneof![
        2 => "[A-Za-z0-9+/=]{1,50}",
        1 => "[A-Za-z0-9]{51,60}",
        2 => hostile_text(),
    ])
    .boxed()
}

/// A JSON object of versions to revisions: hostile keys, hostile values,
/// over a hundred, or not an object.
fn json_revisions() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::collection::vec((json_version(), json_revision()), 0..4).prop_map(|pairs| {
            let pairs: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("{{{}}}", pairs.join(","))
        }),
        1 => (99usize..103).prop_map(|n| {
            let pairs: Vec<String> = (0..n).map(|i| format!("\"9.{i}\":\"r{i}\"")).collect();
            format!("{{{}}}", pairs.join(","))
        }),
        1 => json_junk(),
    ]
    .boxed()
}

fn json_enum(values: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        8 => json_string(prop::sample::select(values).prop_map(str::to_string)),
        2 => json_string(hostile_text()),
        1 => json_junk(),
    ]
    .boxed()
}

const STATUSES: &[&str] =
    &["Published", "Unfinished", "Unlisted", "Archived", "Disposed", "Deleted"];
const ORIGINS: &[&str] = &["ALLOW", "BLOCK"];

fn json_bool() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(&["true", "false"][..]).prop_map(str::to_string),
        1 => prop::sample::select(&["\"true\"", "1", "0", "null", "[]", "{}"][..]).prop_map(str::to_string),
        1 => json_junk(),
    ]
    .boxed()
}

fn json_repository_name() -> BoxedStrategy<String> {
    json_string(prop_oneof![
        3 => prop::sample::select(&[KEEP, "scratch", "scratch2", "nowhere"][..]).prop_map(str::to_string),
        1 => hostile_text(),
    ])
    .boxed()
}

fn json_upstreams() -> BoxedStrategy<String> {
    let upstream = prop_oneof![
        5 => json_repository_name().prop_map(|n| format!(r#"{{"repositoryName":{n}}}"#)),
        1 => json_junk().prop_map(|n| format!(r#"{{"repositoryName":{n}}}"#)),
        1 => json_junk(),
    ];
    prop_oneof![
        5 => prop::collection::vec(upstream.clone(), 0..4).prop_map(|u| format!("[{}]", u.join(","))),
        1 => prop::collection::vec(upstream, 10..40).prop_map(|u| format!("[{}]", u.join(","))),
        1 => json_junk(),
    ]
    .boxed()
}

fn json_description() -> BoxedStrategy<String> {
    prop_oneof![
        4 => json_string(hostile_text()),
        1 => json_string("\\PC{990,1010}"),
        1 => json_junk(),
    ]
    .boxed()
}

fn json_restrictions() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (proptest::option::of(json_enum(ORIGINS)), proptest::option::of(json_enum(ORIGINS)))
            .prop_map(|(publish, upstream)| {
                let mut members = Vec::new();
                members.extend(publish.map(|p| format!(r#""publish":{p}"#)));
                members.extend(upstream.map(|u| format!(r#""upstream":{u}"#)));
                format!("{{{}}}", members.join(","))
            }),
        1 => json_junk(),
    ]
    .boxed()
}

/// The members a body of `kind` may have, each with its values. Members
/// other operations take, and unknown ones, are among them.
fn body_members(kind: BodyKind) -> Vec<(&'static str, BoxedStrategy<String>)> {
    let versions = || json_list(json_version());
    match kind {
        BodyKind::Origin => vec![("restrictions", json_restrictions()), ("versions", versions())],
        BodyKind::Batch => vec![
            ("versions", versions()),
            ("versionRevisions", json_revisions()),
            ("expectedStatus", json_enum(STATUSES)),
            ("targetStatus", json_enum(STATUSES)),
        ],
        BodyKind::Copy => vec![
            ("versions", versions()),
            ("versionRevisions", json_revisions()),
            ("allowOverwrite", json_bool()),
            ("includeFromUpstream", json_bool()),
        ],
        BodyKind::Repository => vec![
            ("description", json_description()),
            ("upstreams", json_upstreams()),
            ("versions", versions()),
        ],
        BodyKind::Ignored | BodyKind::Asset => vec![("versions", versions())],
    }
}

/// A body of `kind` that the operation accepts, naming the targets'
/// versions.
fn valid_body(kind: BodyKind) -> BoxedStrategy<String> {
    let versions = || prop::collection::vec(prop::sample::select(VERSIONS), 1..4);
    let maybe_bool = || proptest::option::of(any::<bool>());
    match kind {
        BodyKind::Origin => (prop::sample::select(ORIGINS), prop::sample::select(ORIGINS))
            .prop_map(|(p, u)| json!({"restrictions": {"publish": p, "upstream": u}}).to_string())
            .boxed(),
        BodyKind::Batch => (
            versions(),
            prop::sample::select(&["Published", "Unlisted", "Archived"][..]),
            proptest::option::of(prop::sample::select(STATUSES)),
        )
            .prop_map(|(versions, target, expected)| {
                let mut body = json!({"versions": versions, "targetStatus": target});
                if let Some(expected) = expected {
                    body["expectedStatus"] = json!(expected);
                }
                body.to_string()
            })
            .boxed(),
        BodyKind::Copy => (versions(), any::<bool>(), maybe_bool(), maybe_bool())
            .prop_map(|(versions, as_list, overwrite, upstream)| {
                let mut body = if as_list {
                    json!({ "versions": versions })
                } else {
                    let revisions: BTreeMap<&str, &str> =
                        versions.iter().map(|v| (*v, "r1")).collect();
                    json!({ "versionRevisions": revisions })
                };
                if let Some(overwrite) = overwrite {
                    body["allowOverwrite"] = json!(overwrite);
                }
                if let Some(upstream) = upstream {
                    body["includeFromUpstream"] = json!(upstream);
                }
                body.to_string()
            })
            .boxed(),
        BodyKind::Repository => (
            proptest::option::of("\\PC{0,40}"),
            proptest::option::of(prop::collection::vec(
                prop::sample::select(&[KEEP, "scratch", "scratch2", "nowhere"][..]),
                0..3,
            )),
        )
            .prop_map(|(description, upstreams)| {
                let mut body = json!({});
                if let Some(description) = description {
                    body["description"] = json!(description);
                }
                if let Some(upstreams) = upstreams {
                    let upstreams: Vec<Value> =
                        upstreams.iter().map(|u| json!({ "repositoryName": u })).collect();
                    body["upstreams"] = json!(upstreams);
                }
                body.to_string()
            })
            .boxed(),
        BodyKind::Ignored | BodyKind::Asset => Just(String::new()).boxed(),
    }
}

/// A JSON body for `kind`: a valid one, its members (a member may be
/// repeated) with hostile values, the other file's noise, JSON that is not
/// an object, or nothing.
fn route_body(kind: BodyKind) -> BoxedStrategy<String> {
    let members = body_members(kind);
    let names: Vec<&'static str> = members.iter().map(|(name, _)| *name).collect();
    let values: Vec<BoxedStrategy<String>> = members.into_iter().map(|(_, v)| v).collect();
    // A member (or one no operation takes) with any member's value.
    let one_member = (
        prop::sample::select([names.clone(), vec!["other", "", "Versions"]].concat()),
        Union::new(values.clone()),
    );
    let object = prop::collection::vec(one_member, 0..5).prop_map(|members| {
        let members: Vec<String> =
            members.iter().map(|(name, value)| format!(r#""{name}":{value}"#)).collect();
        format!("{{{}}}", members.join(","))
    });
    // Every member once, each with one of its own values: nearer to valid.
    let whole = values.prop_map(move |values| {
        let members: Vec<String> =
            names.iter().zip(&values).map(|(n, v)| format!(r#""{n}":{v}"#)).collect();
        format!("{{{}}}", members.join(","))
    });
    match kind {
        BodyKind::Ignored | BodyKind::Asset => prop_oneof![
            6 => Just(String::new()),
            1 => object,
            1 => hostile_input::body(),
            1 => json_junk(),
        ]
        .boxed(),
        _ => prop_oneof![
            6 => valid_body(kind),
            3 => object,
            3 => whole,
            1 => hostile_input::body(),
            1 => json_junk(),
            1 => Just(String::new()),
            1 => "[ -~]{0,40}",
        ]
        .boxed(),
    }
}

// ---------------------------------------------------------------------------
// Generated assets and their SHA-256 header
// ---------------------------------------------------------------------------

/// The `x-amz-content-sha256` a generated publish sends.
#[derive(Clone, Debug)]
enum ShaHeader {
    /// The body's SHA-256, as it should be.
    Right,
    /// The body's, in capitals.
    Upper,
    /// The body's, cut short.
    Cut(usize),
    /// The body's, one character longer.
    Longer,
    /// The SHA-256 of other bytes.
    Other(String),
    /// No header.
    Absent,
    /// Printable noise.
    Junk(String),
    /// Two headers, the right one and noise.
    Twice(String),
    /// A header that is not ASCII, sent unsigned.
    Unicode(String),
}

fn sha_header() -> impl Strategy<Value = ShaHeader> {
    prop_oneof![
        8 => Just(ShaHeader::Right),
        1 => Just(ShaHeader::Upper),
        1 => (0usize..64).prop_map(ShaHeader::Cut),
        1 => Just(ShaHeader::Longer),
        1 => "[0-9a-f]{64}".prop_map(ShaHeader::Other),
        1 => Just(ShaHeader::Absent),
        1 => prop_oneof![
            Just("UNSIGNED-PAYLOAD".to_string()),
            Just("STREAMING-AWS4-HMAC-SHA256-PAYLOAD".to_string()),
            "[!-~]{1,80}",
        ]
        .prop_map(ShaHeader::Junk),
        1 => "[!-~]{1,20}".prop_map(ShaHeader::Twice),
        1 => "[a-f0-9]{0,10}[é✓\\x{fffd}]{1,3}".prop_map(ShaHeader::Unicode),
    ]
}

/// An asset to publish: a seeded generic asset's bytes (the same blob as
/// the seeded version's), other bytes, or none.
fn asset_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => (0..GENERIC_ASSETS.len()).prop_map(|i| GENERIC_ASSETS[i].2.to_vec()),
        3 => prop::collection::vec(any::<u8>(), 0..600),
        1 => Just(Vec::new()),
    ]
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Headers a request may carry besides the signature's, signed with it:
/// content types and encodings the operation does not take, a session
/// token that a long-term key does not have, a payload hash where none is
/// read, noise.
fn extra_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop::sample::select(
        &[
            "content-type",
            "content-encoding",
            "accept",
            "accept-encoding",
            "x-amz-target",
            "x-amz-security-token",
            "x-amz-content-sha256",
            "x-amzn-requestid",
            "x-amz-user-agent",
            "x-forwarded-for",
        ][..],
    );
    let value = prop_oneof![
        2 => prop::sample::select(
            &[
                "application/json",
                "application/x-amz-json-1.1",
                "text/plain; charset=utf-16",
                "multipart/form-data; boundary=x",
                "gzip",
                "br, gzip;q=0",
                "*/*",
                "",
                "UNSIGNED-PAYLOAD",
                "CodeArtifact_20180922.ListPackages",
            ][..]
        )
        .prop_map(str::to_string),
        1 => "[ -~]{0,60}",
    ];
    prop_oneof![
        3 => Just(Vec::new()),
        1 => prop::collection::vec((name.prop_map(str::to_string), value), 1..3),
    ]
}

/// One generated request to a route.
#[derive(Clone, Debug)]
struct Generated {
    query: String,
    body: Vec<u8>,
    /// PublishPackageVersion's payload hash header.
    sha: Option<ShaHeader>,
    headers: Vec<(String, String)>,
}

fn generated(route: Route) -> BoxedStrategy<Generated> {
    let query = route_query(route);
    if route.body == BodyKind::Asset {
        (query, asset_bytes(), sha_header(), extra_headers())
            .prop_map(|(query, body, sha, headers)| Generated {
                query,
                body,
                sha: Some(sha),
                headers,
            })
            .boxed()
    } else {
        (query, route_body(route.body), extra_headers())
            .prop_map(|(query, body, headers)| Generated {
                query,
                body: body.into_bytes(),
                sha: None,
                headers,
            })
            .boxed()
    }
}

// ---------------------------------------------------------------------------
// 1. The validators never panic
// ---------------------------------------------------------------------------

/// A failed validation must be AWS's: a ValidationException listing the
/// violations (or CopyPackageVersions' own rule), or a
/// SerializationException for a body that is not the operation's JSON.
fn refused_as_aws_refuses(e: &AwsError) -> Result<(), TestCaseError> {
    let message = &e.message;
    match e.code {
        ErrorCode::ValidationException => prop_assert!(
            message.contains(" validation error")
                && message.starts_with(|c: char| c.is_ascii_digit())
                || message
                    == "You must specify versions or versionRevisions. You cannot specify both.",
            "{}",
            message
        ),
        ErrorCode::SerializationException => {
            prop_assert!(message.starts_with("failed to read the request body"), "{}", message)
        }
        code => prop_assert!(false, "{code}: {message}"),
    }
    Ok(())
}

/// Whether `value` satisfies the constraints of query member `wire`.
fn valid_member(wire: &str, value: &str) -> bool {
    match wire {
        "domain" => DomainName::parse(value).is_ok(),
        "domain-owner" => AccountId::parse(value).is_ok(),
        "repository" | "source-repository" | "destination-repository" | "repository-prefix" => {
            RepositoryName::parse(value).is_ok()
        }
        "format" => PackageFormat::from_wire(value).is_some(),
        "namespace" => PackageNamespace::parse(value).is_ok(),
        "package" | "package-prefix" => PackageName::parse(value).is_ok(),
        "version" => PackageVersion::parse(value).is_ok(),
        "asset" => AssetName::parse(value).is_ok(),
        "revision" => PackageVersionRevision::parse(value).is_ok(),
        "next-token" => PaginationToken::parse(value).is_ok(),
        "status" => PackageVersionStatus::from_wire(value).is_some(),
        "sortBy" => PackageVersionSortType::from_wire(value).is_some(),
        "originType" => PackageVersionOriginType::from_wire(value).is_some(),
        "publish" => AllowPublish::from_wire(value).is_some(),
        "upstream" => AllowUpstream::from_wire(value).is_some(),
        "max-results" => value.parse::<i64>().is_ok_and(|n| (1..=1000).contains(&n)),
        "unfinished" => value == "true" || value == "false",
        other => panic!("no constraint known for {other}"),
    }
}

/// An accepted request holds what the query said: each member's value is
/// the one value sent under its wire name (absent when none was), and it
/// satisfies the member's constraints.
fn accepted_as_sent(raw: &str, members: Vec<(&str, Option<String>)>) -> Result<(), TestCaseError> {
    let pairs = decoded_pairs(raw);
    for (wire, value) in &members {
        let sent: Vec<&str> =
            pairs.iter().filter(|(n, _)| n == wire).map(|(_, v)| v.as_str()).collect();
        match value {
            // A number is read as a number: `+5` and `05` are 5.
            Some(value) if *wire == "max-results" => {
                prop_assert_eq!(sent.len(), 1, "{} in {}", wire, raw);
                prop_assert_eq!(sent[0].parse::<i64>().ok(), value.parse::<i64>().ok(), "{}", raw);
                prop_assert!(valid_member(wire, value), "{} = {:?} in {}", wire, value, raw);
            }
            Some(value) => {
                prop_assert_eq!(&sent, &[value.as_str()], "{} in {}", wire, raw);
                prop_assert!(valid_member(wire, value), "{} = {:?} in {}", wire, value, raw);
            }
            // A member the request does not hold was not sent.
            None => prop_assert!(sent.is_empty(), "{} was sent in {} but not read", wire, raw),
        }
    }
    Ok(())
}

/// The package members of any request that names a package.
macro_rules! package_members {
    ($r:expr) => {
        vec![
            ("domain", Some($r.domain.as_str().to_string())),
            ("domain-owner", $r.domain_owner.as_ref().map(|o| o.as_str().to_string())),
            ("repository", Some($r.repository.as_str().to_string())),
            ("format", Some($r.format.as_str().to_string())),
            ("namespace", $r.namespace.as_ref().map(|n| n.as_str().to_string())),
            ("package", Some($r.package.as_str().to_string())),
        ]
    };
}

fn some(value: &str) -> Option<String> {
    Some(value.to_string())
}

/// Checks versions a body gave: at most 100, each a package version.
fn valid_versions<'a>(versions: impl ExactSizeIterator<Item = &'a PackageVersion>) -> bool {
    versions.len() <= MAX_VERSIONS_PER_REQUEST
        && versions.into_iter().all(|v| PackageVersion::parse(v.as_str()).is_ok())
}

fn valid_revisions(revisions: &BTreeMap<PackageVersion, PackageVersionRevision>) -> bool {
    revisions.iter().all(|(v, r)| {
        PackageVersion::parse(v.as_str()).is_ok()
            && PackageVersionRevision::parse(r.as_str()).is_ok()
    })
}

/// Runs `check` on `cases` generated (query, body, sha) inputs for
/// `operation`'s route, shrinking a failure to its smallest input.
fn validate_generated(
    operation: &str,
    cases: u32,
    check: impl Fn(&Generated) -> Result<(), TestCaseError>,
) {
    let route = route_named(operation);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&generated(route), |g| check(&g)) {
        panic!("{operation}: {e}");
    }
}

const VALIDATION_CASES: u32 = 384;

macro_rules! query_validator_test {
    ($test:ident, $operation:literal, $type:ty, |$r:ident| $members:expr) => {
        #[test]
        fn $test() {
            validate_generated($operation, VALIDATION_CASES, |g| {
                let query = QueryParams::parse(&g.query);
                // Made from the query alone and, as the handler makes it,
                // from the query and a body it ignores: the same answer.
                let alone = <$type as FromQuery>::from_query(&query);
                let wire = <$type as FromWire>::from_wire(&query, &g.body);
                prop_assert_eq!(alone.is_ok(), wire.is_ok());
                match wire {
                    Ok($r) => accepted_as_sent(&g.query, $members),
                    Err(e) => refused_as_aws_refuses(&e),
                }
            });
        }
    };
}

query_validator_test!(
    list_packages_validation_never_panics,
    "ListPackages",
    ListPackagesRequest,
    |r| vec![
        ("domain", some(r.domain.as_str())),
        ("domain-owner", r.domain_owner.as_ref().map(|o| o.as_str().to_string())),
        ("repository", some(r.repository.as_str())),
        ("format", r.format.map(|f| f.as_str().to_string())),
        ("namespace", r.namespace.as_ref().map(|n| n.as_str().to_string())),
        ("package-prefix", r.package_prefix.as_ref().map(|p| p.as_str().to_string())),
        ("max-results", r.max_results.map(|n| n.to_string())),
        ("next-token", r.next_token.as_ref().map(|t| t.as_str().to_string())),
        ("publish", r.publish.map(|p| p.as_str().to_string())),
        ("upstream", r.upstream.map(|u| u.as_str().to_string())),
    ]
);

query_validator_test!(
    describe_package_validation_never_panics,
    "DescribePackage",
    PackageRequest,
    |r| package_members!(r)
);

query_validator_test!(
    delete_package_validation_never_panics,
    "DeletePackage",
    PackageRequest,
    |r| package_members!(r)
);

query_validator_test!(
    list_package_versions_validation_never_panics,
    "ListPackageVersions",
    ListPackageVersionsRequest,
    |r| {
        let mut members = package_members!(r);
        members.extend([
            ("status", r.status.map(|s| s.as_str().to_string())),
            ("sortBy", r.sort_by.map(|s| s.as_str().to_string())),
            ("max-results", r.max_results.map(|n| n.to_string())),
            ("next-token", r.next_token.as_ref().map(|t| t.as_str().to_string())),
            ("originType", r.origin_type.map(|o| o.as_str().to_string())),
        ]);
        members
    }
);

query_validator_test!(
    describe_package_version_validation_never_panics,
    "DescribePackageVersion",
    PackageVersionRequest,
    |r| {
        let mut members = package_members!(r);
        members.push(("version", some(r.version.as_str())));
        members
    }
);

query_validator_test!(
    get_package_version_readme_validation_never_panics,
    "GetPackageVersionReadme",
    PackageVersionRequest,
    |r| {
        let mut members = package_members!(r);
        members.push(("version", some(r.version.as_str())));
        members
    }
);

query_validator_test!(
    list_package_version_assets_validation_never_panics,
    "ListPackageVersionAssets",
    ListPackageVersionAssetsRequest,
    |r| {
        let mut members = package_members!(r);
        members.extend([
            ("version", some(r.version.as_str())),
            ("max-results", r.max_results.map(|n| n.to_string())),
            ("next-token", r.next_token.as_ref().map(|t| t.as_str().to_string())),
        ]);
        members
    }
);

query_validator_test!(
    get_package_version_asset_validation_never_panics,
    "GetPackageVersionAsset",
    GetPackageVersionAssetRequest,
    |r| {
        let mut members = package_members!(r);
        members.extend([
            ("version", some(r.version.as_str())),
            ("asset", some(r.asset.as_str())),
            ("revision", r.revision.as_ref().map(|v| v.as_str().to_string())),
        ]);
        members
    }
);

query_validator_test!(
    list_package_version_dependencies_validation_never_panics,
    "ListPackageVersionDependencies",
    ListPackageVersionDependenciesRequest,
    |r| {
        let mut members = package_members!(r);
        members.extend([
            ("version", some(r.version.as_str())),
            ("next-token", r.next_token.as_ref().map(|t| t.as_str().to_string())),
        ]);
        members
    }
);

query_validator_test!(
    list_repositories_validation_never_panics,
    "ListRepositories",
    ListRepositoriesRequest,
    |r| vec![
        ("repository-prefix", r.repository_prefix.as_ref().map(|p| p.as_str().to_string())),
        ("max-results", r.max_results.map(|n| n.to_string())),
        ("next-token", r.next_token.as_ref().map(|t| t.as_str().to_string())),
    ]
);

/// What an accepted body said, read as the server reads it: members it
/// does not take are skipped however deeply they nest (a `Value` would
/// stop at serde_json's recursion limit).
#[derive(Deserialize)]
struct OriginSent {
    restrictions: RestrictionsSent,
}

#[derive(Deserialize)]
struct RestrictionsSent {
    publish: String,
    upstream: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusSent {
    target_status: String,
}

#[test]
fn put_package_origin_configuration_validation_never_panics() {
    validate_generated("PutPackageOriginConfiguration", VALIDATION_CASES, |g| {
        let query = QueryParams::parse(&g.query);
        match PutPackageOriginConfigurationRequest::from_wire(&query, &g.body) {
            Ok(r) => {
                let sent: OriginSent = serde_json::from_slice(&g.body).unwrap();
                prop_assert_eq!(sent.restrictions.publish, r.restrictions.publish.as_str());
                prop_assert_eq!(sent.restrictions.upstream, r.restrictions.upstream.as_str());
                accepted_as_sent(&g.query, package_members!(r))
            }
            Err(e) => refused_as_aws_refuses(&e),
        }
    });
}

#[test]
fn update_package_versions_status_validation_never_panics() {
    validate_generated("UpdatePackageVersionsStatus", VALIDATION_CASES, |g| {
        let query = QueryParams::parse(&g.query);
        match UpdatePackageVersionsStatusRequest::from_wire(&query, &g.body) {
            Ok(r) => {
                prop_assert!(valid_versions(r.versions.iter()), "{:?}", r.versions);
                prop_assert!(valid_revisions(&r.version_revisions), "{:?}", r.version_revisions);
                let sent: StatusSent = serde_json::from_slice(&g.body).unwrap();
                prop_assert_eq!(sent.target_status, r.target_status.as_str());
                accepted_as_sent(&g.query, package_members!(r))
            }
            Err(e) => refused_as_aws_refuses(&e),
        }
    });
}

#[test]
fn delete_package_versions_validation_never_panics() {
    validate_generated("DeletePackageVersions", VALIDATION_CASES, |g| {
        let query = QueryParams::parse(&g.query);
        match DeletePackageVersionsRequest::from_wire(&query, &g.body) {
            Ok(r) => {
                prop_assert!(valid_versions(r.versions.iter()), "{:?}", r.versions);
                accepted_as_sent(&g.query, package_members!(r))
            }
            Err(e) => refused_as_aws_refuses(&e),
        }
    });
}

#[test]
fn dispose_package_versions_validation_never_panics() {
    validate_generated("DisposePackageVersions", VALIDATION_CASES, |g| {
        let query = QueryParams::parse(&g.query);
        match DisposePackageVersionsRequest::from_wire(&query, &g.body) {
            Ok(r) => {
                prop_assert!(valid_versions(r.versions.iter()), "{:?}", r.versions);
                prop_assert!(valid_revisions(&r.version_revisions), "{:?}", r.version_revisions);
                accepted_as_sent(&g.query, package_members!(r))
            }
            Err(e) => refused_as_aws_refuses(&e),
        }
    });
}

#[test]
fn copy_package_versions_validation_never_panics() {
    validate_generated("CopyPackageVersions", VALIDATION_CASES, |g| {
        let query = QueryParams::parse(&g.query);
        match CopyPackageVersionsRequest::from_wire(&query, &g.body) {
            Ok(r) => {
                match &r.versions {
                    VersionsToCopy::Versions(v) => {
                        prop_assert!(valid_versions(v.iter()), "{:?}", v)
                    }
                    VersionsToCopy::VersionRevisions(m) => {
                        prop_assert!(valid_revisions(m), "{:?}", m)
                    }
                }
                accepted_as_sent(
                    &g.query,
                    vec![
                        ("domain", some(r.domain.as_str())),
                        ("domain-owner", r.domain_owner.as_ref().map(|o| o.as_str().to_string())),
                        ("source-repository", some(r.source_repository.as_str())),
                        ("destination-repository", some(r.destination_repository.as_str())),
                        ("format", some(r.format.as_str())),
                        ("namespace", r.namespace.as_ref().map(|n| n.as_str().to_string())),
                        ("package", some(r.package.as_str())),
                    ],
                )
            }
            Err(e) => refused_as_aws_refuses(&e),
        }
    });
}

#[test]
fn update_repository_validation_never_panics() {
    validate_generated("UpdateRepository", VALIDATION_CASES, |g| {
        let query = QueryParams::parse(&g.query);
        match UpdateRepositoryRequest::from_wire(&query, &g.body) {
            Ok(r) => {
                if let Some(d) = &r.description {
                    prop_assert!(Description::parse(d.as_str()).is_ok(), "{:?}", d);
                }
                for u in r.upstreams.iter().flatten() {
                    prop_assert!(RepositoryName::parse(u.as_str()).is_ok(), "{:?}", u);
                }
                accepted_as_sent(
                    &g.query,
                    vec![
                        ("domain", some(r.domain.as_str())),
                        ("domain-owner", r.domain_owner.as_ref().map(|o| o.as_str().to_string())),
                        ("repository", some(r.repository.as_str())),
                    ],
                )
            }
            Err(e) => refused_as_aws_refuses(&e),
        }
    });
}

/// The header value a generated publish declares (what the server reads:
/// several values joined with `, `), or `None` without one.
fn declared_sha(sha: &ShaHeader, body: &[u8]) -> Option<String> {
    let right = hex_sha256(body);
    Some(match sha {
        ShaHeader::Right => right,
        ShaHeader::Upper => right.to_uppercase(),
        ShaHeader::Cut(n) => right[..*n].to_string(),
        ShaHeader::Longer => format!("{right}0"),
        ShaHeader::Other(other) => other.clone(),
        ShaHeader::Absent => return None,
        ShaHeader::Junk(junk) => junk.clone(),
        ShaHeader::Twice(junk) => format!("{right}, {junk}"),
        ShaHeader::Unicode(text) => text.clone(),
    })
}

#[test]
fn publish_package_version_validation_never_panics() {
    validate_generated("PublishPackageVersion", VALIDATION_CASES * 2, |g| {
        let query = QueryParams::parse(&g.query);
        let sha = declared_sha(g.sha.as_ref().unwrap(), &g.body);
        match PublishPackageVersionRequest::from_wire(&query, sha.as_deref()) {
            Ok(r) => {
                prop_assert_eq!(r.format, PackageFormat::Generic);
                let sent = sha.unwrap();
                prop_assert_eq!(r.asset_sha256.as_str(), sent.as_str());
                prop_assert!(Sha256Value::parse(r.asset_sha256.as_str()).is_ok());
                let mut members = package_members!(r);
                members.extend([
                    ("version", some(r.version.as_str())),
                    ("asset", some(r.asset_name.as_str())),
                ]);
                // `unfinished` defaults to false: it was `true` only if sent so.
                let pairs = decoded_pairs(&g.query);
                let unfinished: Vec<&str> = pairs
                    .iter()
                    .filter(|(n, _)| n == "unfinished")
                    .map(|(_, v)| v.as_str())
                    .collect();
                prop_assert!(unfinished.len() <= 1, "{}", g.query);
                prop_assert_eq!(r.unfinished, unfinished == ["true"], "{}", g.query);
                accepted_as_sent(&g.query, members)
            }
            Err(e) => refused_as_aws_refuses(&e),
        }
    });
}

// ---------------------------------------------------------------------------
// 2. Over the wire
// ---------------------------------------------------------------------------

/// Every error code a 4xx may carry, with the status AWS sends it with.
/// InternalServerException is not among them: a 500 is a failure here.
const ERROR_STATUS: &[(&str, u16)] = &[
    ("ValidationException", 400),
    ("SerializationException", 400),
    ("IncompleteSignatureException", 400),
    ("ServiceQuotaExceededException", 402),
    ("AccessDeniedException", 403),
    ("MissingAuthenticationTokenException", 403),
    ("InvalidSignatureException", 403),
    ("UnrecognizedClientException", 403),
    ("ExpiredTokenException", 403),
    ("ResourceNotFoundException", 404),
    ("ConflictException", 409),
    ("ThrottlingException", 429),
];

/// At most `n` characters of `s`, for a failure's message.
fn short(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((end, _)) => format!("{}…({} bytes)", &s[..end], s.len()),
        None => s.to_string(),
    }
}

/// What the server answered, if it answered as AWS does: `200`, or the
/// error code of a 4xx with `x-amzn-ErrorType`, the status AWS gives that
/// code, and a JSON body whose `message` says why. Panics otherwise.
async fn aws_shaped(route: Route, case: &str, response: reqwest::Response) -> String {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("the body arrives whole");
    let text = String::from_utf8_lossy(&bytes);
    assert!(status < 500, "{case}\n  answered {status}: {}", short(&text, 400));
    assert!(
        headers.contains_key("x-amzn-requestid"),
        "{case}\n  {status} without x-amzn-RequestId"
    );
    if (200..300).contains(&status) {
        assert_eq!(status, 200, "{case}");
        if route.operation == "GetPackageVersionAsset" {
            assert_eq!(headers["content-type"], "application/octet-stream", "{case}");
            assert!(headers.contains_key("x-assetname"), "{case}");
        } else {
            let json: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("{case}\n  200 but not JSON: {}", short(&text, 400)));
            assert!(json.is_object(), "{case}\n  {json}");
        }
        return "200".to_string();
    }
    let code = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| {
            panic!("{case}\n  {status} without x-amzn-ErrorType: {}", short(&text, 400))
        })
        .to_string();
    let expected = ERROR_STATUS.iter().find(|(c, _)| *c == code);
    let expected = expected.unwrap_or_else(|| panic!("{case}\n  an unknown code {code}"));
    assert_eq!(status, expected.1, "{case}\n  {code}");
    let json: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{case}\n  {status} {code}, not JSON: {}", short(&text, 400)));
    let message = json["message"].as_str();
    let message = message.unwrap_or_else(|| panic!("{case}\n  {code} without a message: {json}"));
    assert!(!message.is_empty(), "{case}\n  {code} with an empty message");
    assert_eq!(json["__type"], code.as_str(), "{case}\n  the body and x-amzn-ErrorType disagree");
    if matches!(code.as_str(), "ResourceNotFoundException" | "ConflictException") {
        let named = json["resourceId"].is_string() && json["resourceType"].is_string();
        assert!(named, "{case}\n  {code} without resourceId and resourceType: {json}");
    }
    code
}

/// Signs `request` as [`USER`] with `payload_hash` as the hash of its
/// payload, as a client that streams the asset signs PublishPackageVersion
/// (the server takes the declared `x-amz-content-sha256` as that hash).
fn sign_declaring(request: &mut reqwest::Request, payload_hash: &str) {
    let url = request.url().clone();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    request.headers_mut().insert(HOST, HeaderValue::from_str(&host).unwrap());
    let identity: Identity =
        Credentials::new(USER.access_key_id, USER.secret_access_key, None, None, "hostile").into();
    let headers: Vec<(&str, &str)> = request
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.to_str().expect("signed headers are ASCII")))
        .collect();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("codeartifact")
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        request.method().as_str(),
        url.as_str(),
        headers.into_iter(),
        SignableBody::Precomputed(payload_hash.to_string()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let (new_headers, _) = instructions.into_parts();
    for header in new_headers {
        let name = HeaderName::from_bytes(header.name().as_bytes()).unwrap();
        request.headers_mut().insert(name, HeaderValue::from_str(header.value()).unwrap());
    }
}

/// The SHA-256 of nothing: the payload hash of a publish that declares none.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The request `g` makes of `route`, signed as [`USER`]; `None` when the
/// URL does not parse.
fn build(server: &TestServer, route: Route, g: &Generated) -> Option<reqwest::Request> {
    let url = reqwest::Url::parse(&format!("{}{}?{}", server.url, route.path, g.query)).ok()?;
    let method = Method::from_bytes(route.method.as_bytes()).unwrap();
    let mut request =
        reqwest::Client::new().request(method, url).body(g.body.clone()).build().unwrap();
    let name = "x-amz-content-sha256";
    for (header, value) in &g.headers {
        if g.sha.is_none() || header != name {
            let value = HeaderValue::from_str(value).unwrap();
            request.headers_mut().append(HeaderName::from_bytes(header.as_bytes()).unwrap(), value);
        }
    }
    let Some(sha) = &g.sha else {
        codeartifact_tests::sign(&USER.signer(), &mut request);
        return Some(request);
    };
    if !request.headers().contains_key("content-type") {
        let octets = HeaderValue::from_static("application/octet-stream");
        request.headers_mut().insert("content-type", octets);
    }
    let right = hex_sha256(&g.body);
    let declared = declared_sha(sha, &g.body);
    match sha {
        ShaHeader::Absent => {}
        ShaHeader::Twice(junk) => {
            request.headers_mut().append(name, HeaderValue::from_str(&right).unwrap());
            request.headers_mut().append(name, HeaderValue::from_str(junk).unwrap());
        }
        // Not ASCII, so not signable: added after signing.
        ShaHeader::Unicode(_) => {}
        _ => {
            let value = declared.as_deref().unwrap();
            request.headers_mut().insert(name, HeaderValue::from_str(value).unwrap());
        }
    }
    sign_declaring(&mut request, declared.as_deref().unwrap_or(EMPTY_SHA256));
    if let ShaHeader::Unicode(text) = sha {
        request.headers_mut().insert(name, HeaderValue::from_bytes(text.as_bytes()).unwrap());
    }
    Some(request)
}

/// Whether a request that may change what is stored would change it in
/// the seeded repository: it names `keep` as its repository (or its
/// destination), decoded as the server decodes it.
fn aims_at_the_seeded_repository(route: Route, url: &reqwest::Url) -> bool {
    route.changes
        && decoded_pairs(url.query().unwrap_or("")).iter().any(|(name, value)| {
            matches!(name.as_str(), "repository" | "destination-repository") && value == KEEP
        })
}

/// What was seeded, to compare with what is read back.
struct Seeded {
    store: Store,
    /// Every seeded asset by where the API finds it
    /// (`format/namespace/package/version/asset`), with its bytes.
    assets: BTreeMap<String, Vec<u8>>,
    /// npm tarballs and PyPI files by their URL at the endpoints.
    files: BTreeMap<String, Vec<u8>>,
}

/// A signed call to the API that must succeed; its JSON answer.
async fn api(server: &TestServer, method: Method, path: &str, query: &str) -> Value {
    let (status, code, json) =
        call_raw(server, method, &format!("{path}?{query}"), "", *USER).await;
    assert_eq!(status, 200, "{path}?{query}: {code} {json}");
    json
}

/// A signed call with a JSON body that must succeed; its JSON answer.
async fn api_with(server: &TestServer, path: &str, query: &str, body: &Value) -> Value {
    let url = format!("{path}?{query}");
    let (status, code, json) = call_raw(server, Method::POST, &url, &body.to_string(), *USER).await;
    assert_eq!(status, 200, "{url} {body}: {code} {json}");
    json
}

/// Publishes one generic asset of `ns/tool` to `repository` through a
/// signed PublishPackageVersion.
async fn publish_generic(
    server: &TestServer,
    repository: &str,
    g: (&str, &str, &[u8]),
    done: bool,
) {
    let (version, asset, bytes) = g;
    let mut query = format!(
        "domain=demo&repository={repository}&format=generic&namespace=ns&package=tool\
         &version={version}&asset={}",
        encode(asset)
    );
    if !done {
        query.push_str("&unfinished=true");
    }
    let generated =
        Generated { query, body: bytes.to_vec(), sha: Some(ShaHeader::Right), headers: Vec::new() };
    let route = route_named("PublishPackageVersion");
    let request = build(server, route, &generated).unwrap();
    let response = reqwest::Client::new().execute(request).await.unwrap();
    let status = response.status().as_u16();
    let json: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["asset"]["hashes"]["SHA-256"], hex_sha256(bytes));
}

/// `keep`: npm's left-pad (1.0.0 and 1.1.0, dist-tags latest and stable)
/// and @demo/widget, PyPI's demo-pkg (a wheel and an sdist), and the
/// generic ns/tool (1.0 Published with two assets, 2.0 Unfinished).
/// `scratch` gets copies of all of them; `scratch2` stays empty.
async fn seed(server: &TestServer) -> Seeded {
    let store = Store::create(server, KEEP).await;
    make_repository(server, "demo", "scratch").await;
    make_repository(server, "demo", "scratch2").await;
    let (npm_url, token) = (store.npm.clone(), store.token.clone());
    let mut assets = BTreeMap::new();
    let mut files = BTreeMap::new();

    for (name, version) in [("left-pad", "1.0.0"), ("left-pad", "1.1.0"), ("@demo/widget", "2.0.0")]
    {
        let bytes =
            npm::publish(&npm_url, &token, name, version, &format!("exports.v='{version}'")).await;
        let (namespace, bare) = match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
            Some((scope, bare)) => (scope, bare),
            None => ("", name),
        };
        let asset = format!("{bare}-{version}.tgz");
        assets.insert(format!("npm/{namespace}/{bare}/{version}/{asset}"), bytes.clone());
        files.insert(format!("{npm_url}{name}/-/{asset}"), bytes);
    }
    let tag = reqwest::Client::new()
        .put(format!("{npm_url}-/package/left-pad/dist-tags/stable"))
        .bearer_auth(&token)
        .body(r#""1.0.0""#)
        .send()
        .await
        .unwrap();
    assert_eq!(tag.status().as_u16(), 200);

    let wheel = pypi::wheel("demo-pkg", "0.1.0", "");
    let sdist = pypi::sdist("demo-pkg", "0.1.0");
    for file in [&wheel, &sdist] {
        pypi::uploaded(&store.pypi, &token, &pypi::Form::twine("demo-pkg", "0.1.0", file)).await;
        assets.insert(format!("pypi//demo-pkg/0.1.0/{}", file.0), file.1.clone());
        files.insert(pypi::file_url(&store.pypi, "demo-pkg", "0.1.0", &file.0), file.1.clone());
    }

    let last = GENERIC_ASSETS.iter().rposition(|(v, _, _)| *v == "1.0").unwrap();
    for (i, &asset) in GENERIC_ASSETS.iter().enumerate() {
        publish_generic(server, KEEP, asset, i == last).await;
        assets.insert(format!("generic/ns/tool/{}/{}", asset.0, asset.1), asset.2.to_vec());
    }

    // The same versions in scratch, sharing the seeded blobs.
    let copies: [(&str, Option<&str>, &str, &[&str]); 4] = [
        ("npm", None, "left-pad", &["1.0.0", "1.1.0"]),
        ("npm", Some("demo"), "widget", &["2.0.0"]),
        ("pypi", None, "demo-pkg", &["0.1.0"]),
        ("generic", Some("ns"), "tool", &["1.0", "2.0"]),
    ];
    for (format, namespace, package, versions) in copies {
        let mut query = format!(
            "domain=demo&source-repository={KEEP}&destination-repository=scratch&format={format}"
        );
        if let Some(ns) = namespace {
            query.push_str(&format!("&namespace={ns}"));
        }
        query.push_str(&format!("&package={package}"));
        let copied =
            api_with(server, "/v1/package/versions/copy", &query, &json!({ "versions": versions }))
                .await;
        let copied = copied["successfulVersions"].as_object().unwrap();
        assert_eq!(copied.len(), versions.len(), "{format}/{package}: {copied:?}");
    }
    Seeded { store, assets, files }
}

/// The query naming a listed package in `repo`.
fn package_query_of(repo: &str, p: &Value) -> (String, String) {
    let format = p["format"].as_str().unwrap();
    let namespace = p["namespace"].as_str().unwrap_or("");
    let name = p["package"].as_str().unwrap();
    let mut query = format!("domain=demo&repository={repo}&format={format}");
    if !namespace.is_empty() {
        query.push_str(&format!("&namespace={}", encode(namespace)));
    }
    query.push_str(&format!("&package={}", encode(name)));
    (format!("{format}/{namespace}/{name}"), query)
}

/// Everything that can be read of the seeded repository, through the API
/// and at its npm and PyPI endpoints, with each asset's bytes checked
/// against what was published. The bytes go in as their SHA-256 and size.
async fn snapshot(server: &TestServer, seeded: &Seeded) -> BTreeMap<String, Value> {
    let mut shot = BTreeMap::new();
    let repo = format!("domain=demo&repository={KEEP}");
    shot.insert("repository".into(), api(server, Method::GET, "/v1/repository", &repo).await);
    let packages = api(server, Method::POST, "/v1/packages", &repo).await;
    shot.insert("packages".into(), packages.clone());
    let mut downloaded = BTreeMap::new();
    for p in packages["packages"].as_array().unwrap() {
        let (id, query) = package_query_of(KEEP, p);
        let describe = api(server, Method::GET, "/v1/package", &query).await;
        shot.insert(id.clone(), describe);
        let versions = api(server, Method::POST, "/v1/package/versions", &query).await;
        shot.insert(format!("{id} versions"), versions.clone());
        for v in versions["versions"].as_array().unwrap() {
            let version = v["version"].as_str().unwrap();
            let query = format!("{query}&version={}", encode(version));
            let id = format!("{id}/{version}");
            for (what, method, path) in [
                ("", Method::GET, "/v1/package/version"),
                (" assets", Method::POST, "/v1/package/version/assets"),
                (" readme", Method::GET, "/v1/package/version/readme"),
                (" dependencies", Method::POST, "/v1/package/version/dependencies"),
            ] {
                shot.insert(format!("{id}{what}"), api(server, method, path, &query).await);
            }
            let assets = shot[&format!("{id} assets")]["assets"].as_array().unwrap().clone();
            for a in assets {
                let name = a["name"].as_str().unwrap();
                let url = format!(
                    "{}/v1/package/version/asset?{query}&asset={}",
                    server.url,
                    encode(name)
                );
                let request = signed(Method::GET, &url, b"", &USER.signer());
                let response = reqwest::Client::new().execute(request).await.unwrap();
                assert_eq!(response.status().as_u16(), 200, "{id}/{name}");
                let bytes = response.bytes().await.unwrap().to_vec();
                assert_eq!(a["hashes"]["SHA-256"], hex_sha256(&bytes), "{id}/{name}");
                assert_eq!(a["size"], bytes.len(), "{id}/{name}");
                downloaded.insert(format!("{id}/{name}"), bytes);
            }
        }
    }
    // Every asset seeded is there, byte for byte, and nothing else.
    assert_eq!(
        downloaded.keys().collect::<Vec<_>>(),
        seeded.assets.keys().collect::<Vec<_>>(),
        "the seeded assets"
    );
    for (id, bytes) in &seeded.assets {
        assert!(downloaded[id] == *bytes, "{id}: other bytes than were published");
    }
    let (npm_url, pypi_url, token) = (&seeded.store.npm, &seeded.store.pypi, &seeded.store.token);
    for name in ["left-pad", "@demo/widget"] {
        let doc = npm::read_document(&npm::package_url(npm_url, name), token).await;
        shot.insert(format!("npm document {name}"), doc);
    }
    assert_eq!(
        shot["npm document left-pad"]["dist-tags"],
        json!({"latest": "1.1.0", "stable": "1.0.0"})
    );
    shot.insert("pypi page".into(), pypi::project_json(pypi_url, token, "demo-pkg").await);
    for (url, bytes) in &seeded.files {
        let read = if url.starts_with(npm_url.as_str()) {
            npm::read_bytes(url, token).await
        } else {
            pypi::read_bytes(url, token).await
        };
        assert!(read == *bytes, "{url}: other bytes than were published");
    }
    shot
}

/// What the barrage made in `repository` (packages with hostile names
/// among them) does not break its npm and PyPI endpoints: the PyPI index,
/// and each npm and PyPI package's page, answer without a 5xx.
async fn registries_still_answer(server: &TestServer, token: &str, repository: &str) {
    let npm_url = endpoint(server, "demo", repository, ClientFormat::Npm).await;
    let pypi_url = endpoint(server, "demo", repository, ClientFormat::Pypi).await;
    let status = |response: reqwest::Response| response.status().as_u16();
    let index = format!("{pypi_url}simple/");
    assert_eq!(status(get(&index, |r| basic(r, token)).await), 200, "{index}");
    let json = get(&index, |r| basic(r, token).header("accept", pypi::SIMPLE_JSON)).await;
    assert_eq!(status(json), 200, "{index} as JSON");
    let query = format!("domain=demo&repository={repository}");
    let packages = api(server, Method::POST, "/v1/packages", &query).await;
    for p in packages["packages"].as_array().unwrap() {
        let name = p["package"].as_str().unwrap();
        let url = match (p["format"].as_str().unwrap(), p["namespace"].as_str()) {
            ("npm", Some(scope)) => npm::package_url(&npm_url, &format!("@{scope}/{name}")),
            ("npm", None) => npm::package_url(&npm_url, name),
            ("pypi", _) => format!("{pypi_url}simple/{}/", encode(name)),
            _ => continue,
        };
        let answered = status(get(&url, |r| bearer(r, token)).await);
        assert!(answered < 500, "{url}: {answered} for {p}");
    }
}

/// How many generated requests each route gets.
const WIRE_CASES: usize = 64;

#[tokio::test]
async fn hostile_package_requests_answer_as_aws_and_keep_what_is_stored() {
    let server = TestServer::start().await;
    let seeded = seed(&server).await;
    let before = snapshot(&server, &seeded).await;

    let http = reqwest::Client::new();
    let mut runner = TestRunner::deterministic();
    let strategies: Vec<(Route, BoxedStrategy<Generated>)> =
        ROUTES.iter().map(|&route| (route, generated(route))).collect();
    // Route, then answer (200 or an error code): how many.
    let mut tally: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
    let mut spared = 0;
    for _ in 0..WIRE_CASES {
        for (route, strategy) in &strategies {
            let g = strategy.new_tree(&mut runner).unwrap().current();
            let Some(request) = build(&server, *route, &g) else {
                *tally.entry(route.operation).or_default().entry("no URL".into()).or_default() += 1;
                continue;
            };
            if aims_at_the_seeded_repository(*route, request.url()) {
                spared += 1;
                continue;
            }
            let case = format!(
                "{} {} {}\n  body: {}\n  sha: {:?}\n  headers: {:?}",
                route.operation,
                route.method,
                request.url(),
                short(&String::from_utf8_lossy(&g.body), 300),
                g.sha,
                g.headers,
            );
            let response = http.execute(request).await.expect("the server answers");
            let answer = aws_shaped(*route, &case, response).await;
            *tally.entry(route.operation).or_default().entry(answer).or_default() += 1;
        }
    }
    eprintln!("answers by route ({spared} requests spared the seeded repository):");
    for (operation, answers) in &tally {
        eprintln!("  {operation}: {answers:?}");
    }
    // The generated requests reach the validators, and past them.
    for route in ROUTES {
        let answers = &tally[route.operation];
        let count = |code: &str| answers.get(code).copied().unwrap_or(0);
        assert!(
            count("ValidationException") + count("SerializationException") > 0,
            "{}: no request was refused as invalid: {answers:?}",
            route.operation
        );
        let past_validation = answers
            .iter()
            .filter(|(code, _)| {
                !matches!(code.as_str(), "ValidationException" | "SerializationException")
                    && !code.contains("Signature")
            })
            .map(|(_, n)| n)
            .sum::<usize>();
        assert!(
            past_validation > 0,
            "{}: no request got past validation: {answers:?}",
            route.operation
        );
    }

    for repository in ["scratch", "scratch2"] {
        registries_still_answer(&server, &seeded.store.token, repository).await;
    }
    let after = snapshot(&server, &seeded).await;
    let changed: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| format!("{k}:\n    before {:?}\n    after  {:?}", before.get(k), after.get(k)))
        .collect();
    assert!(changed.is_empty(), "the seeded repository changed:\n  {}", changed.join("\n  "));
    server.stop().await;
}
