//! npm packages at a repository's npm endpoint, on the wire as npm speaks
//! it: publish documents built as `npm publish` builds them (a real
//! gzip'ed tarball, base64 in `_attachments`, sha512 `integrity` and sha1
//! `shasum`), package documents, tarballs and dist-tags read back; every
//! bad publish refused in npm's shape with nothing stored; immutability,
//! permissions and upstream repositories.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use codeartifact_client::types::PackageFormat;
use codeartifact_tests::TestServer;
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::Response;
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha512};

use crate::registry::{
    assert_unauthorized, bearer, endpoint, endpoint_as, get, make_repository, path_of, send_raw,
    start_shop, stored_blobs, token_as, token_for, upstream_pair, Store, READER, WRITER,
};

const ABBREVIATED: &str = "application/vnd.npm.install-v1+json";

/// A `.tgz` as `npm pack` makes it: `package/package.json` naming
/// `name@version`, and `package/index.js` holding `code`.
pub(crate) fn tarball(name: &str, version: &str, code: &str) -> Vec<u8> {
    let package_json = json!({ "name": name, "version": version, "main": "index.js" }).to_string();
    tgz(&[("package/package.json", package_json.as_bytes()), ("package/index.js", code.as_bytes())])
}

/// A `.tgz` of `files`. Paths go into the header as they are, so that
/// the unsafe ones the tar crate refuses to write can be sent too.
pub(crate) fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        // npm packs every file with this time, so that packs reproduce.
        header.set_mtime(499_162_500);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

pub(crate) fn integrity(bytes: &[u8]) -> String {
    format!("sha512-{}", BASE64.encode(Sha512::digest(bytes)))
}

pub(crate) fn shasum(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// The body of `npm publish` for `name@version` carrying `tarball`, its
/// `dist` computed from those bytes.
pub(crate) fn document(name: &str, version: &str, tarball: &[u8]) -> Value {
    json!({
        "_id": name,
        "name": name,
        "description": "a package for the tests",
        "dist-tags": { "latest": version },
        "versions": { version: {
            "name": name,
            "version": version,
            "main": "index.js",
            "_id": format!("{name}@{version}"),
            "dist": {
                "integrity": integrity(tarball),
                "shasum": shasum(tarball),
                "tarball": format!("http://registry.invalid/{name}/-/{name}-{version}.tgz"),
            },
        }},
        "access": null,
        "_attachments": { format!("{name}-{version}.tgz"): {
            "content_type": "application/octet-stream",
            "data": BASE64.encode(tarball),
            "length": tarball.len(),
        }},
    })
}

/// Where npm sends a package's requests: a scoped name as one segment.
pub(crate) fn package_url(endpoint: &str, name: &str) -> String {
    format!("{endpoint}{}", name.replace('/', "%2f"))
}

pub(crate) async fn put(url: &str, token: &str, body: impl Into<reqwest::Body>) -> Response {
    let request = bearer(reqwest::Client::new().put(url), token);
    request.header("content-type", "application/json").body(body).send().await.unwrap()
}

/// Publishes `name@version` with `code` in its index.js, which must
/// succeed; returns the tarball.
pub(crate) async fn publish(
    endpoint: &str,
    token: &str,
    name: &str,
    version: &str,
    code: &str,
) -> Vec<u8> {
    let bytes = tarball(name, version, code);
    let response =
        put(&package_url(endpoint, name), token, document(name, version, &bytes).to_string()).await;
    assert_eq!(response.status().as_u16(), 201, "publish {name}@{version}");
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
    bytes
}

/// The full package document, which must exist.
pub(crate) async fn read_document(url: &str, token: &str) -> Value {
    let response = get(url, |r| bearer(r, token)).await;
    assert_eq!(response.status().as_u16(), 200, "{url}");
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

pub(crate) async fn read_bytes(url: &str, token: &str) -> Vec<u8> {
    let response = get(url, |r| bearer(r, token)).await;
    assert_eq!(response.status().as_u16(), 200, "{url}");
    response.bytes().await.unwrap().to_vec()
}

pub(crate) async fn status_of(url: &str, token: &str) -> u16 {
    get(url, |r| bearer(r, token)).await.status().as_u16()
}

/// A refusal as npm shows it: `status` and a JSON body whose `error` is
/// the message. Returns the message.
async fn refused(response: Response, status: u16, case: &str) -> String {
    assert_eq!(response.status().as_u16(), status, "{case}");
    assert_eq!(response.headers()["content-type"], "application/json", "{case}");
    let body: Value = response.json().await.unwrap();
    let message = body["error"].as_str().unwrap_or_else(|| panic!("{case}: {body}"));
    assert!(!message.is_empty(), "{case}");
    message.to_string()
}

#[tokio::test]
async fn a_published_package_reads_back_whole_and_abbreviated() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let bytes = publish(npm, token, "left-pad", "1.0.0", "module.exports = 1;").await;

    let doc = read_document(&format!("{npm}left-pad"), token).await;
    assert_eq!((doc["_id"].as_str(), doc["name"].as_str()), (Some("left-pad"), Some("left-pad")));
    assert_eq!(doc["dist-tags"], json!({ "latest": "1.0.0" }));
    let version = &doc["versions"]["1.0.0"];
    assert_eq!(version["name"], "left-pad");
    assert_eq!(version["version"], "1.0.0");
    assert_eq!(version["main"], "index.js", "the manifest as published: {version}");
    let tarball_url = format!("{npm}left-pad/-/left-pad-1.0.0.tgz");
    assert_eq!(version["dist"]["tarball"], tarball_url.as_str(), "on this server's endpoint");
    assert_eq!(version["dist"]["integrity"], integrity(&bytes).as_str());
    assert_eq!(version["dist"]["shasum"], shasum(&bytes).as_str());
    assert!(doc["time"]["1.0.0"].is_string(), "{doc}");

    let url = format!("{npm}left-pad");
    let response = get(&url, |r| bearer(r, token).header("accept", ABBREVIATED)).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], ABBREVIATED);
    let abbreviated: Value = response.json().await.unwrap();
    assert_eq!(abbreviated["name"], "left-pad");
    assert!(abbreviated["modified"].is_string(), "{abbreviated}");
    assert!(abbreviated.get("time").is_none(), "{abbreviated}");
    assert_eq!(abbreviated["dist-tags"], json!({ "latest": "1.0.0" }));
    let corgi = &abbreviated["versions"]["1.0.0"];
    assert_eq!(corgi["dist"], version["dist"]);
    assert!(corgi.get("main").is_none(), "not an install field: {corgi}");

    let response = get(&tarball_url, |r| bearer(r, token)).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/octet-stream");
    assert_eq!(response.bytes().await.unwrap(), bytes);
    server.stop().await;
}

#[tokio::test]
async fn scoped_packages_answer_to_both_spellings() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let first = publish(npm, token, "@demo/widget", "1.0.0", "exports.v = 1;").await;
    // The other spelling of the name, for the publish too.
    let second = tarball("@demo/widget", "1.1.0", "exports.v = 2;");
    let body = document("@demo/widget", "1.1.0", &second).to_string();
    assert_eq!(put(&format!("{npm}@demo/widget"), token, body).await.status().as_u16(), 201);

    let encoded = read_document(&format!("{npm}@demo%2fwidget"), token).await;
    let plain = read_document(&format!("{npm}@demo/widget"), token).await;
    assert_eq!(encoded, plain);
    assert_eq!(plain["name"], "@demo/widget");
    assert_eq!(plain["dist-tags"]["latest"], "1.1.0");
    for (version, bytes) in [("1.0.0", &first), ("1.1.0", &second)] {
        let dist = &plain["versions"][version]["dist"];
        let url = format!("{npm}@demo/widget/-/widget-{version}.tgz");
        assert_eq!(dist["tarball"], url.as_str());
        assert_eq!(dist["integrity"], integrity(bytes).as_str());
        assert_eq!(&read_bytes(&url, token).await, bytes);
        let encoded_url = format!("{npm}@demo%2fwidget/-/widget-{version}.tgz");
        assert_eq!(&read_bytes(&encoded_url, token).await, bytes);
    }
    // The scope is part of the name: the bare name is another package.
    assert_eq!(status_of(&format!("{npm}widget"), token).await, 404);
    server.stop().await;
}

#[tokio::test]
async fn dist_tags_are_read_set_and_removed() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    publish(npm, token, "tagged", "1.0.0", "1").await;
    publish(npm, token, "tagged", "1.1.0", "2").await;
    let tags_url = format!("{npm}-/package/tagged/dist-tags");
    let tag = |tag: &str| format!("{tags_url}/{tag}");
    let client = reqwest::Client::new();
    let tags = || async {
        let response = get(&tags_url, |r| bearer(r, token)).await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        response.json::<Value>().await.unwrap()
    };
    // What a change answers is npm's to ignore; it must succeed, as JSON.
    let changed = |response: Response| async move {
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        response.json::<Value>().await.unwrap();
    };

    assert_eq!(tags().await, json!({"latest": "1.1.0"}));
    let set = bearer(client.put(tag("stable")), token).body(r#""1.0.0""#).send().await.unwrap();
    changed(set).await;
    assert_eq!(tags().await, json!({"latest": "1.1.0", "stable": "1.0.0"}));
    let doc = read_document(&format!("{npm}tagged"), token).await;
    assert_eq!(doc["dist-tags"], json!({"latest": "1.1.0", "stable": "1.0.0"}));
    let set = bearer(client.put(tag("latest")), token).body(r#""1.0.0""#).send().await.unwrap();
    changed(set).await;
    assert_eq!(tags().await, json!({"latest": "1.0.0", "stable": "1.0.0"}));
    let removed = bearer(client.delete(tag("stable")), token).send().await.unwrap();
    changed(removed).await;
    assert_eq!(tags().await, json!({"latest": "1.0.0"}));

    let again = bearer(client.delete(tag("stable")), token).send().await.unwrap();
    refused(again, 404, "a tag that is not there").await;
    let unknown = bearer(client.put(tag("next")), token).body(r#""9.9.9""#).send().await.unwrap();
    refused(unknown, 404, "a version that is not there").await;
    for (case, tag_name, body) in [
        ("a bare version, not a JSON string", "next", "1.0.0"),
        ("a JSON object", "next", r#"{"version": "1.0.0"}"#),
        ("not semver", "next", r#""one""#),
        ("a tag that is a range", "1.x", r#""1.0.0""#),
    ] {
        let put = bearer(client.put(tag(tag_name)), token).body(body).send().await.unwrap();
        refused(put, 400, case).await;
    }
    assert_eq!(tags().await, json!({"latest": "1.0.0"}));
    server.stop().await;
}

#[tokio::test]
async fn a_second_version_moves_latest() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let first = publish(npm, token, "growing", "1.0.0", "exports.v = 1;").await;
    let doc = read_document(&format!("{npm}growing"), token).await;
    assert_eq!(doc["dist-tags"]["latest"], "1.0.0");
    let second = publish(npm, token, "growing", "1.1.0", "exports.v = 2;").await;
    let doc = read_document(&format!("{npm}growing"), token).await;
    assert_eq!(doc["dist-tags"], json!({ "latest": "1.1.0" }));
    let versions: Vec<&String> = doc["versions"].as_object().unwrap().keys().collect();
    assert_eq!(versions, ["1.0.0", "1.1.0"]);
    assert!(doc["time"]["1.0.0"].is_string() && doc["time"]["1.1.0"].is_string(), "{doc}");
    for (version, bytes) in [("1.0.0", first), ("1.1.0", second)] {
        let url = format!("{npm}growing/-/growing-{version}.tgz");
        assert_eq!(read_bytes(&url, token).await, bytes, "{version}");
    }
    server.stop().await;
}

#[tokio::test]
async fn republishing_a_version_is_a_conflict_and_keeps_the_bytes() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let url = format!("{npm}fixed");
    let original = publish(npm, token, "fixed", "1.0.0", "original").await;
    let before = read_document(&url, token).await;

    let other = tarball("fixed", "1.0.0", "replacement");
    let response = put(&url, token, document("fixed", "1.0.0", &other).to_string()).await;
    let message = refused(response, 409, "other bytes").await;
    assert!(message.contains("1.0.0"), "{message}");
    // npm never republishes a version, even byte for byte.
    let response = put(&url, token, document("fixed", "1.0.0", &original).to_string()).await;
    refused(response, 409, "the same bytes").await;

    assert_eq!(read_document(&url, token).await, before);
    assert_eq!(read_bytes(&format!("{npm}fixed/-/fixed-1.0.0.tgz"), token).await, original);
    server.stop().await;
}

#[tokio::test]
async fn refused_publishes_leave_no_bytes_behind() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let kept = publish(npm, token, "kept", "1.0.0", "kept").await;

    let url = format!("{npm}kept");
    let other = tarball("kept", "1.0.0", "replacement");
    let response = put(&url, token, document("kept", "1.0.0", &other).to_string()).await;
    refused(response, 409, "a republish").await;
    let mut mismatched = document("kept", "1.1.0", &tarball("kept", "1.1.0", "sent"));
    mismatched["versions"]["1.1.0"]["dist"]["shasum"] = json!(shasum(b"declared"));
    refused(put(&url, token, mismatched.to_string()).await, 400, "a bad shasum").await;
    let body = document("kept", "1.2.0", &tarball("kept", "1.2.0", "cut")).to_string();
    let head = format!(
        "PUT {}kept HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}",
        path_of(npm),
        body.len()
    );
    send_raw(npm, &head, &body.as_bytes()[..body.len() / 2]).await;

    // The blob store holds the published tarball's bytes and nothing else:
    // not the refused republish's either.
    let (blobs, staged) = stored_blobs(dir.path());
    assert_eq!(blobs, [hex::encode(Sha256::digest(&kept))], "blobs on disk");
    assert_eq!(staged, 0, "files left in blobs/tmp");
    server.stop().await;
}

#[tokio::test]
async fn malformed_documents_are_refused_and_store_nothing() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let url = format!("{npm}victim");
    publish(npm, token, "victim", "1.0.0", "1").await;
    let before = read_document(&url, token).await;

    let bytes = tarball("victim", "2.0.0", "2");
    let good = document("victim", "2.0.0", &bytes);
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut doc = good.clone();
        f(&mut doc);
        doc.to_string()
    };
    let manifest = good["versions"]["2.0.0"].clone();
    let attachment = good["_attachments"]["victim-2.0.0.tgz"].clone();
    let no_package_json = tgz(&[("package/index.js", b"2")]);
    let package_json = br#"{"name": "victim", "version": "2.0.0"}"#;
    let escaping = tgz(&[("package/package.json", package_json), ("package/../../x.js", b"2")]);
    let absolute = tgz(&[("package/package.json", package_json), ("/tmp/x.js", b"2")]);
    let cases: Vec<(&str, String)> = vec![
        ("not JSON", "{\"name\": \"victim\", \"versions\"".into()),
        ("empty", String::new()),
        ("an array", "[]".into()),
        ("a string", r#""victim""#.into()),
        ("versions is an array", edit(&|d| d["versions"] = json!([manifest.clone()]))),
        ("versions is missing", edit(&|d| drop(d.as_object_mut().unwrap().remove("versions")))),
        ("zero versions", edit(&|d| d["versions"] = json!({}))),
        (
            "two versions",
            edit(&|d| {
                let mut second = manifest.clone();
                second["version"] = json!("2.0.1");
                d["versions"]["2.0.1"] = second;
            }),
        ),
        ("a version that is a string", edit(&|d| d["versions"]["2.0.0"] = json!("2.0.0"))),
        ("a version that is not semver", edit(&|d| d["versions"] = json!({ "two": manifest }))),
        ("no attachment", edit(&|d| drop(d.as_object_mut().unwrap().remove("_attachments")))),
        ("an empty attachment list", edit(&|d| d["_attachments"] = json!({}))),
        ("two attachments", edit(&|d| d["_attachments"]["victim-2.0.1.tgz"] = attachment.clone())),
        (
            "an attachment as a string",
            edit(&|d| d["_attachments"]["victim-2.0.0.tgz"] = json!("x")),
        ),
        (
            "attachment data that is not base64",
            edit(&|d| d["_attachments"]["victim-2.0.0.tgz"]["data"] = json!("!!not base64!!")),
        ),
        (
            "attachment data that is a number",
            edit(&|d| d["_attachments"]["victim-2.0.0.tgz"]["data"] = json!(42)),
        ),
        (
            "an attachment length that is wrong",
            edit(&|d| d["_attachments"]["victim-2.0.0.tgz"]["length"] = json!(1)),
        ),
        ("dist-tags that are a string", edit(&|d| d["dist-tags"] = json!("latest"))),
        ("a dist-tag at another version", edit(&|d| d["dist-tags"] = json!({ "latest": "1.0.0" }))),
        ("a document named otherwise", edit(&|d| d["name"] = json!("other"))),
        ("a manifest named otherwise", edit(&|d| d["versions"]["2.0.0"]["name"] = json!("other"))),
        (
            "a manifest of another version",
            edit(&|d| d["versions"]["2.0.0"]["version"] = json!("2.0.1")),
        ),
        ("a tarball that is not gzip", document("victim", "2.0.0", b"not a tarball").to_string()),
        (
            "a tarball without package.json",
            document("victim", "2.0.0", &no_package_json).to_string(),
        ),
        ("a tarball with a path out of it", document("victim", "2.0.0", &escaping).to_string()),
        ("a tarball with an absolute path", document("victim", "2.0.0", &absolute).to_string()),
    ];
    for (case, body) in cases {
        refused(put(&url, token, body).await, 400, case).await;
    }
    assert_eq!(read_document(&url, token).await, before, "nothing was stored");
    assert_eq!(status_of(&format!("{npm}victim/-/victim-2.0.0.tgz"), token).await, 404);
    assert_eq!(status_of(&format!("{npm}victim/-/victim-2.0.1.tgz"), token).await, 404);

    // A package that never was stays absent.
    refused(put(&format!("{npm}fresh"), token, "{").await, 400, "fresh, not JSON").await;
    let zero = json!({ "name": "fresh", "versions": {}, "_attachments": {} }).to_string();
    refused(put(&format!("{npm}fresh"), token, zero).await, 400, "fresh, no versions").await;
    assert_eq!(status_of(&format!("{npm}fresh"), token).await, 404);
    server.stop().await;
}

#[tokio::test]
async fn a_tarball_that_does_not_match_its_integrity_is_refused() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let bytes = tarball("checked", "1.0.0", "sent");
    let other = tarball("checked", "1.0.0", "declared");
    let mut doc = document("checked", "1.0.0", &bytes);
    doc["versions"]["1.0.0"]["dist"]["integrity"] = json!(integrity(&other));
    let message =
        refused(put(&format!("{npm}checked"), token, doc.to_string()).await, 400, "sha512").await;
    assert!(message.contains("integrity"), "{message}");
    assert_eq!(status_of(&format!("{npm}checked"), token).await, 404);
    assert_eq!(status_of(&format!("{npm}checked/-/checked-1.0.0.tgz"), token).await, 404);
    server.stop().await;
}

#[tokio::test]
async fn a_tarball_that_does_not_match_its_shasum_is_refused() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let bytes = tarball("checked", "1.0.0", "sent");
    let other = tarball("checked", "1.0.0", "declared");
    let mut doc = document("checked", "1.0.0", &bytes);
    doc["versions"]["1.0.0"]["dist"]["shasum"] = json!(shasum(&other));
    let message =
        refused(put(&format!("{npm}checked"), token, doc.to_string()).await, 400, "sha1").await;
    assert!(message.contains("shasum"), "{message}");
    assert_eq!(status_of(&format!("{npm}checked"), token).await, 404);
    assert_eq!(status_of(&format!("{npm}checked/-/checked-1.0.0.tgz"), token).await, 404);
    server.stop().await;
}

#[tokio::test]
async fn a_tarball_naming_another_package_is_refused() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    for (case, inside) in [("another name", "other-package"), ("another scope", "@evil/mine")] {
        let bytes = tarball(inside, "1.0.0", "x");
        let body = document("mine", "1.0.0", &bytes).to_string();
        let message = refused(put(&format!("{npm}mine"), token, body).await, 400, case).await;
        assert!(message.contains("package.json"), "{case}: {message}");
    }
    for name in ["mine", "other-package", "@evil%2fmine"] {
        assert_eq!(status_of(&format!("{npm}{name}"), token).await, 404, "{name}");
    }
    server.stop().await;
}

#[tokio::test]
async fn names_that_could_escape_the_repository_are_refused() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    // (the path below the endpoint as sent, the name it decodes to)
    for (path, name) in [
        ("..%2fx", "../x"),
        ("..%2F..%2Fx", "../../x"),
        ("a%2fb", "a/b"),
        ("a%5Cb", "a\\b"),
        ("..%5Cx", "..\\x"),
        ("@scope%2f..%2fx", "@scope/../x"),
        ("@..%2fx", "@../x"),
        ("a/b", "a/b"),
    ] {
        let bytes = tarball(name, "1.0.0", "x");
        let body = document(name, "1.0.0", &bytes).to_string();
        let response = put(&format!("{npm}{path}"), token, body).await;
        let status = response.status().as_u16();
        assert!(status == 400 || status == 404, "{path}: {status}");
        refused(response, status, path).await;
    }
    // Segments of dots that reqwest would resolve away, sent raw.
    let bytes = tarball("x", "1.0.0", "x");
    let body = document("x", "1.0.0", &bytes).to_string();
    for path in ["../x", "../../../x", "./x", "%2e%2e/x"] {
        let head = format!(
            "PUT {}{path} HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}",
            path_of(npm),
            body.len()
        );
        let status = send_raw(npm, &head, body.as_bytes()).await;
        assert!(status.is_some_and(|s| (400..500).contains(&s)), "{path}: {status:?}");
    }
    for name in ["x", "b", "a", "..", "scope", "@scope%2fx"] {
        assert_eq!(status_of(&format!("{npm}{name}"), token).await, 404, "{name}");
    }
    // Nothing of the package appeared in the repository next door either.
    let parent = npm.trim_end_matches("store/");
    assert_eq!(status_of(&format!("{parent}x"), token).await, 404);
    server.stop().await;
}

#[tokio::test]
async fn names_over_214_characters_are_refused() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let longest = "a".repeat(214);
    publish(npm, token, &longest, "1.0.0", "x").await;
    let scoped_longest = format!("@s/{}", "b".repeat(211));
    publish(npm, token, &scoped_longest, "1.0.0", "x").await;

    for name in ["a".repeat(215), format!("@s/{}", "b".repeat(212)), "c".repeat(300)] {
        let bytes = tarball(&name, "1.0.0", "x");
        let url = package_url(npm, &name);
        let response = put(&url, token, document(&name, "1.0.0", &bytes).to_string()).await;
        let message = refused(response, 400, &name).await;
        assert!(message.contains("214"), "{message}");
        assert_eq!(status_of(&url, token).await, 404);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_publish_cut_off_mid_body_stores_nothing() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let bytes = tarball("cut", "1.0.0", &"x".repeat(64 << 10));
    let body = document("cut", "1.0.0", &bytes).to_string();
    let head = format!(
        "PUT {}cut HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}",
        path_of(npm),
        body.len()
    );
    let status = send_raw(npm, &head, &body.as_bytes()[..body.len() / 2]).await;
    assert!(status.is_none_or(|s| (400..500).contains(&s)), "{status:?}");

    assert_eq!(status_of(&format!("{npm}cut"), token).await, 404);
    assert_eq!(status_of(&format!("{npm}cut/-/cut-1.0.0.tgz"), token).await, 404);
    assert_eq!(status_of(&format!("{npm}-/ping"), token).await, 200);
    // Whole, the same publish goes through.
    assert_eq!(put(&format!("{npm}cut"), token, body).await.status().as_u16(), 201);
    assert_eq!(read_bytes(&format!("{npm}cut/-/cut-1.0.0.tgz"), token).await, bytes);
    server.stop().await;
}

/// Publishes `raced@1.0.0` eight times at once, each time with other
/// bytes. Exactly one publish must win, the others being refused as
/// conflicts; returns the winner's tarball.
async fn race(npm: &str, token: &str) -> Vec<u8> {
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (url, token) = (format!("{npm}raced"), token.to_string());
        let bytes = tarball("raced", "1.0.0", &format!("module.exports = {i};"));
        let body = document("raced", "1.0.0", &bytes).to_string();
        tasks.push(tokio::spawn(async move {
            let response = put(&url, &token, body).await;
            let status = response.status().as_u16();
            if status != 201 {
                refused(response, 409, "a loser").await;
            }
            (status, bytes)
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let statuses: Vec<u16> = results.iter().map(|(s, _)| *s).collect();
    let mut winners: Vec<Vec<u8>> =
        results.into_iter().filter(|(s, _)| *s == 201).map(|(_, b)| b).collect();
    assert_eq!(winners.len(), 1, "exactly one publish wins: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 7, "{statuses:?}");
    winners.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_of_one_version_store_one_tarball() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (npm, token) = (&store.npm, &store.token);
    let winner = race(npm, token).await;
    assert_eq!(read_bytes(&format!("{npm}raced/-/raced-1.0.0.tgz"), token).await, winner);
    let doc = read_document(&format!("{npm}raced"), token).await;
    assert_eq!(doc["versions"]["1.0.0"]["dist"]["integrity"], integrity(&winner).as_str());
    assert_eq!(doc["versions"]["1.0.0"]["dist"]["shasum"], shasum(&winner).as_str());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_leave_only_the_winners_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    let store = Store::create(&server, "store").await;
    let winner = race(&store.npm, &store.token).await;
    let (blobs, staged) = stored_blobs(dir.path());
    assert_eq!(blobs, [hex::encode(Sha256::digest(&winner))], "blobs on disk");
    assert_eq!(staged, 0, "files left in blobs/tmp");
    server.stop().await;
}

#[tokio::test]
async fn a_reader_reads_but_cannot_publish_or_tag() {
    let server = start_shop().await;
    let writer_token = token_as(&server, WRITER, "shop").await;
    let npm = endpoint_as(&server, WRITER, "shop", "store", PackageFormat::Npm).await;
    let bytes = publish(&npm, &writer_token, "shelf", "1.0.0", "x").await;

    let token = token_as(&server, READER, "shop").await;
    let reader_npm = endpoint_as(&server, READER, "shop", "store", PackageFormat::Npm).await;
    assert_eq!(reader_npm, npm);
    let before = read_document(&format!("{npm}shelf"), &token).await;
    assert_eq!(read_bytes(&format!("{npm}shelf/-/shelf-1.0.0.tgz"), &token).await, bytes);
    let tags_url = format!("{npm}-/package/shelf/dist-tags");
    assert_eq!(status_of(&tags_url, &token).await, 200);

    let next = tarball("shelf", "1.1.0", "y");
    let body = document("shelf", "1.1.0", &next).to_string();
    refused(put(&format!("{npm}shelf"), &token, body).await, 403, "a new version").await;
    let fresh = tarball("fresh", "1.0.0", "z");
    let body = document("fresh", "1.0.0", &fresh).to_string();
    refused(put(&format!("{npm}fresh"), &token, body).await, 403, "a new package").await;
    let client = reqwest::Client::new();
    let tag = bearer(client.put(format!("{tags_url}/stable")), &token).body(r#""1.0.0""#);
    refused(tag.send().await.unwrap(), 403, "a dist-tag").await;
    let untag = bearer(client.delete(format!("{tags_url}/latest")), &token);
    refused(untag.send().await.unwrap(), 403, "removing a dist-tag").await;

    assert_eq!(read_document(&format!("{npm}shelf"), &token).await, before, "nothing changed");
    assert_eq!(status_of(&format!("{npm}fresh"), &token).await, 404);

    // A token opens its own domain's endpoints only.
    make_repository(&server, "demo", "store").await;
    let demo_token = token_for(&server, "demo").await;
    assert_unauthorized(get(&format!("{npm}shelf"), |r| bearer(r, &demo_token)).await).await;
    let demo = endpoint(&server, "demo", "store", PackageFormat::Npm).await;
    assert_unauthorized(get(&format!("{demo}-/ping"), |r| bearer(r, &token)).await).await;
    server.stop().await;
}

#[tokio::test]
async fn a_downstream_repository_serves_its_upstreams_versions() {
    let server = TestServer::start().await;
    let (up, down) = upstream_pair(&server).await;
    let token = &up.token;
    let bytes = publish(&up.npm, token, "shared", "1.0.0", "x").await;

    let doc = read_document(&format!("{}shared", down.npm), token).await;
    let dist = &doc["versions"]["1.0.0"]["dist"];
    let url = format!("{}shared/-/shared-1.0.0.tgz", down.npm);
    assert_eq!(dist["tarball"], url.as_str(), "on down's endpoint");
    assert_eq!(dist["integrity"], integrity(&bytes).as_str());
    assert_eq!(doc["dist-tags"]["latest"], "1.0.0");
    assert_eq!(read_bytes(&url, token).await, bytes);

    // Read through down (and so kept there), the version cannot be
    // published to down.
    let other = tarball("shared", "1.0.0", "y");
    let body = document("shared", "1.0.0", &other).to_string();
    refused(put(&format!("{}shared", down.npm), token, body).await, 409, "read through").await;
    // Nor can a version only up has, never read through down.
    let unread = publish(&up.npm, token, "unread", "1.0.0", "x").await;
    let body = document("unread", "1.0.0", &unread).to_string();
    refused(put(&format!("{}unread", down.npm), token, body).await, 409, "only in up").await;

    assert_eq!(read_bytes(&url, token).await, bytes);
    let unread_url = format!("{}unread/-/unread-1.0.0.tgz", down.npm);
    assert_eq!(read_bytes(&unread_url, token).await, unread);
    server.stop().await;
}

/// A version installed through an upstream is kept downstream: deleted
/// upstream afterwards (DeletePackageVersions), it still installs from
/// down, while a version never read through down is gone with it.
#[tokio::test]
async fn a_version_read_through_downstream_outlives_its_upstream_copy() {
    use codeartifact_client::types::{DeletePackageVersionsBody, PackageFormat as F};
    let server = TestServer::start().await;
    let (up, down) = upstream_pair(&server).await;
    let token = &up.token;
    let read = publish(&up.npm, token, "kept", "1.0.0", "x").await;
    let unread = publish(&up.npm, token, "kept", "1.1.0", "y").await;
    let url = |v: &str| format!("{}kept/-/kept-{v}.tgz", down.npm);
    assert_eq!(read_bytes(&url("1.0.0"), token).await, read, "installed through down");

    let client = server.client(*codeartifact_tests::USER);
    let versions = vec!["1.0.0".parse().unwrap(), "1.1.0".parse().unwrap()];
    let body = DeletePackageVersionsBody::builder().versions(versions);
    let deleted = client
        .delete_package_versions()
        .domain("demo")
        .repository("up")
        .format(F::Npm)
        .package("kept")
        .body(body)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deleted.successful_versions.len(), 2, "{deleted:?}");

    assert_eq!(read_bytes(&url("1.0.0"), token).await, read, "kept in down");
    let doc = read_document(&format!("{}kept", down.npm), token).await;
    let listed: Vec<&String> = doc["versions"].as_object().unwrap().keys().collect();
    assert_eq!(listed, ["1.0.0"], "1.1.0 went with up: {doc}");
    let gone = get(&url("1.1.0"), |r| bearer(r, token)).await;
    assert_eq!(gone.status().as_u16(), 404);
    assert_ne!(read, unread);
    server.stop().await;
}
