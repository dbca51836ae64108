//! PyPI packages at a repository's pypi endpoint, on the wire as twine and
//! pip speak it: upload forms built as twine builds them (multipart, the
//! metadata fields, `sha256_digest`, the file last), the simple index in
//! HTML and JSON, and the files read back; every bad upload refused as
//! text with nothing stored; immutability, permissions and upstream
//! repositories.

use codeartifact_client::types::PackageFormat;
use codeartifact_tests::TestServer;
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::Response;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::registry::{
    basic, endpoint_as, get, path_of, send_raw, start_shop, stored_blobs, token_as, token_for,
    upstream_pair, Store, READER, WRITER,
};

pub(crate) const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";
const BOUNDARY: &str = "----twine-form-boundary-9f8e7d6c5b4a";
const REQUIRES_PYTHON: &str = ">=3.8,<4";

pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A wheel's file name and bytes. The server never opens a wheel, so the
/// bytes only need to differ by `salt`.
pub(crate) fn wheel(project: &str, version: &str, salt: &str) -> (String, Vec<u8>) {
    let filename = format!("{}-{version}-py3-none-any.whl", project.replace('-', "_"));
    (filename, format!("PK\x03\x04 wheel {project} {version} {salt}").into_bytes())
}

/// An sdist as `python -m build` names it, a real `.tar.gz` with PKG-INFO.
pub(crate) fn sdist(project: &str, version: &str) -> (String, Vec<u8>) {
    let stem = format!("{}-{version}", project.replace('-', "_").to_lowercase());
    let pkg_info = format!("Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n");
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    let mut header = tar::Header::new_gnu();
    header.set_size(pkg_info.len() as u64);
    header.set_mode(0o644);
    builder.append_data(&mut header, format!("{stem}/PKG-INFO"), pkg_info.as_bytes()).unwrap();
    (format!("{stem}.tar.gz"), builder.into_inner().unwrap().finish().unwrap())
}

/// twine's upload form: its text fields in twine's order, then its files
/// (one, normally), each as `content`.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) files: Vec<(String, Vec<u8>)>,
}

impl Form {
    pub(crate) fn twine(
        project: &str,
        version: &str,
        (filename, bytes): &(String, Vec<u8>),
    ) -> Self {
        let wheel = filename.ends_with(".whl");
        let fields = [
            (":action", "file_upload"),
            ("protocol_version", "1"),
            ("name", project),
            ("version", version),
            ("filetype", if wheel { "bdist_wheel" } else { "sdist" }),
            ("pyversion", if wheel { "py3" } else { "source" }),
            ("metadata_version", "2.1"),
            ("summary", "A project for the tests"),
            ("sha256_digest", &sha256(bytes)),
            ("requires_python", REQUIRES_PYTHON),
        ];
        Self {
            fields: fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            files: vec![(filename.clone(), bytes.clone())],
        }
    }

    pub(crate) fn set(mut self, key: &str, value: &str) -> Self {
        self.fields.retain(|(k, _)| k != key);
        self.fields.push((key.to_string(), value.to_string()));
        self
    }

    fn without(mut self, key: &str) -> Self {
        self.fields.retain(|(k, _)| k != key);
        self
    }

    fn files(mut self, files: &[(String, Vec<u8>)]) -> Self {
        self.files = files.to_vec();
        self
    }

    fn body(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (key, value) in &self.fields {
            let head = format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n{value}\r\n"
            );
            out.extend_from_slice(head.as_bytes());
        }
        for (filename, bytes) in &self.files {
            let head = format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"content\"; \
                 filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            );
            out.extend_from_slice(head.as_bytes());
            out.extend_from_slice(bytes);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        out
    }
}

pub(crate) fn form_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

async fn post(endpoint: &str, token: &str, content_type: &str, body: Vec<u8>) -> Response {
    let request = basic(reqwest::Client::new().post(endpoint), token);
    request.header("content-type", content_type).body(body).send().await.unwrap()
}

pub(crate) async fn upload(endpoint: &str, token: &str, form: &Form) -> Response {
    post(endpoint, token, &form_type(), form.body()).await
}

/// Uploads `form`, which must succeed.
pub(crate) async fn uploaded(endpoint: &str, token: &str, form: &Form) {
    let response = upload(endpoint, token, form).await;
    let status = response.status().as_u16();
    assert_eq!(status, 200, "{:?}: {}", form.fields, response.text().await.unwrap());
}

/// A refusal as twine shows it: `status` and a text body with the reason.
/// Returns the reason.
pub(crate) async fn refused(response: Response, status: u16, case: &str) -> String {
    assert_eq!(response.status().as_u16(), status, "{case}");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/plain"), "{case}: {content_type}");
    let text = response.text().await.unwrap();
    assert!(!text.trim().is_empty(), "{case}");
    text
}

async fn read(url: &str, token: &str, accept: Option<&str>) -> Response {
    get(url, |r| {
        let r = basic(r, token);
        match accept {
            Some(accept) => r.header("accept", accept),
            None => r,
        }
    })
    .await
}

/// A project's PEP 691 page, which must exist.
pub(crate) async fn project_json(endpoint: &str, token: &str, project: &str) -> Value {
    let response = read(&format!("{endpoint}simple/{project}/"), token, Some(SIMPLE_JSON)).await;
    assert_eq!(response.status().as_u16(), 200, "{project}");
    assert_eq!(response.headers()["content-type"], SIMPLE_JSON);
    response.json().await.unwrap()
}

/// The projects of the PEP 691 index.
async fn projects(endpoint: &str, token: &str) -> Value {
    let response = read(&format!("{endpoint}simple/"), token, Some(SIMPLE_JSON)).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json::<Value>().await.unwrap()["projects"].clone()
}

pub(crate) async fn status_of(url: &str, token: &str) -> u16 {
    read(url, token, None).await.status().as_u16()
}

pub(crate) async fn read_bytes(url: &str, token: &str) -> Vec<u8> {
    let response = read(url, token, None).await;
    assert_eq!(response.status().as_u16(), 200, "{url}");
    response.bytes().await.unwrap().to_vec()
}

pub(crate) fn file_url(endpoint: &str, project: &str, version: &str, filename: &str) -> String {
    format!("{endpoint}files/{project}/{version}/{filename}")
}

#[tokio::test]
async fn wheels_and_sdists_are_listed_and_served() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    let wheel = wheel("Demo_Project", "1.0", "");
    let sdist = sdist("Demo_Project", "1.0");
    uploaded(pypi, token, &Form::twine("Demo_Project", "1.0", &wheel)).await;
    uploaded(pypi, token, &Form::twine("Demo_Project", "1.0", &sdist)).await;

    let index = read(&format!("{pypi}simple/"), token, None).await;
    assert_eq!(index.status().as_u16(), 200);
    let html = index.text().await.unwrap();
    assert!(html.contains(r#"<a href="demo-project/">Demo_Project</a>"#), "{html}");
    assert_eq!(projects(pypi, token).await, json!([{ "name": "Demo_Project" }]));

    let page = read(&format!("{pypi}simple/demo-project/"), token, None).await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    for (filename, bytes) in [&wheel, &sdist] {
        let link = format!(
            r#"<a href="{}#sha256={}" data-requires-python="&gt;=3.8,&lt;4">{filename}</a>"#,
            file_url(pypi, "demo-project", "1.0", filename),
            sha256(bytes),
        );
        assert!(html.contains(&link), "{link} in {html}");
    }

    let page = project_json(pypi, token, "demo-project").await;
    assert_eq!(page["meta"]["api-version"], "1.1");
    assert_eq!(page["name"], "demo-project");
    assert_eq!(page["versions"], json!(["1.0"]));
    let files = page["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{page}");
    for (file, (filename, bytes)) in files.iter().zip([&wheel, &sdist]) {
        let url = file_url(pypi, "demo-project", "1.0", filename);
        assert_eq!(file["filename"], filename.as_str());
        assert_eq!(file["url"], url.as_str());
        assert_eq!(file["hashes"], json!({ "sha256": sha256(bytes) }));
        assert_eq!(file["requires-python"], REQUIRES_PYTHON);
        assert_eq!(file["size"], bytes.len());
        let response = read(&url, token, None).await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(&response.bytes().await.unwrap(), bytes);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_project_name_is_redirected_to_its_normalized_form() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    uploaded(pypi, token, &Form::twine("Demo_Project", "1.0", &wheel("Demo_Project", "1.0", "")))
        .await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build();
    let client = client.unwrap();
    let redirected = |path: String| {
        let request = basic(client.get(format!("{pypi}{path}")), token);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status().as_u16(), 301, "{path}");
            response.headers()["location"].to_str().unwrap().to_string()
        }
    };
    for name in ["Demo_Project/", "demo.project/", "DEMO--project", "demo_project", "demo-project"]
    {
        let location = redirected(format!("simple/{name}")).await;
        assert_eq!(location, format!("{pypi}simple/demo-project/"), "{name}");
    }
    // PEP 503's URLs end with `/`, the index's too.
    assert_eq!(redirected("simple".into()).await, format!("{pypi}simple/"));
    // Followed, the redirect reaches the page.
    let followed = read(&format!("{pypi}simple/Demo_Project/"), token, Some(SIMPLE_JSON)).await;
    assert_eq!(followed.status().as_u16(), 200);
    assert_eq!(followed.json::<Value>().await.unwrap()["name"], "demo-project");
    server.stop().await;
}

#[tokio::test]
async fn an_unacceptable_accept_is_a_406() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    uploaded(pypi, token, &Form::twine("accepted", "1.0", &wheel("accepted", "1.0", ""))).await;
    for url in [format!("{pypi}simple/"), format!("{pypi}simple/accepted/")] {
        for accept in ["application/xml", "application/json", "text/html;q=0"] {
            let response = read(&url, token, Some(accept)).await;
            refused(response, 406, &format!("{url} {accept}")).await;
        }
        let html = read(&url, token, Some("application/vnd.pypi.simple.v1+html")).await;
        assert_eq!(html.status().as_u16(), 200, "{url}");
    }
    server.stop().await;
}

#[tokio::test]
async fn identical_reuploads_succeed_and_different_bytes_conflict() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    let original = wheel("fixed", "1.0", "original");
    uploaded(pypi, token, &Form::twine("fixed", "1.0", &original)).await;
    let before = project_json(pypi, token, "fixed").await;

    uploaded(pypi, token, &Form::twine("fixed", "1.0", &original)).await;
    let replacement = (original.0.clone(), b"other bytes".to_vec());
    let response = upload(pypi, token, &Form::twine("fixed", "1.0", &replacement)).await;
    let message = refused(response, 409, "other bytes").await;
    assert!(message.contains(&original.0), "{message}");

    assert_eq!(project_json(pypi, token, "fixed").await, before);
    let url = file_url(pypi, "fixed", "1.0", &original.0);
    assert_eq!(read_bytes(&url, token).await, original.1);
    server.stop().await;
}

#[tokio::test]
async fn refused_uploads_leave_no_bytes_behind() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    let kept = wheel("kept", "1.0", "kept");
    uploaded(pypi, token, &Form::twine("kept", "1.0", &kept)).await;

    let replacement = (kept.0.clone(), b"replacement".to_vec());
    let response = upload(pypi, token, &Form::twine("kept", "1.0", &replacement)).await;
    refused(response, 409, "other bytes").await;
    let digest =
        Form::twine("kept", "1.1", &wheel("kept", "1.1", "")).set("sha256_digest", &sha256(b"x"));
    refused(upload(pypi, token, &digest).await, 400, "a bad digest").await;
    let two = Form::twine("kept", "1.2", &wheel("kept", "1.2", ""))
        .files(&[wheel("kept", "1.2", "a"), sdist("kept", "1.2")]);
    refused(upload(pypi, token, &two).await, 400, "two files").await;
    let cut = Form::twine("kept", "1.3", &sdist("kept", "1.3")).body();
    let head = format!(
        "POST {} HTTP/1.1\r\nAuthorization: Basic {}\r\nContent-Type: {}\r\n\
         Content-Length: {}",
        path_of(pypi),
        base64_basic(token),
        form_type(),
        cut.len()
    );
    send_raw(pypi, &head, &cut[..cut.len() - 100]).await;

    // The blob store holds the uploaded file's bytes and nothing else: not
    // the conflicting upload's either.
    let (blobs, staged) = stored_blobs(dir.path());
    assert_eq!(blobs, [sha256(&kept.1)], "blobs on disk");
    assert_eq!(staged, 0, "files left in blobs/tmp");
    server.stop().await;
}

#[tokio::test]
async fn malformed_forms_are_refused_and_store_nothing() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    uploaded(pypi, token, &Form::twine("victim", "1.0", &wheel("victim", "1.0", ""))).await;
    let before = project_json(pypi, token, "victim").await;
    let index = projects(pypi, token).await;

    let file = wheel("victim", "2.0", "");
    let good = Form::twine("victim", "2.0", &file);
    let body = good.body();
    let cut_in_file = body.len() - file.1.len() / 2 - format!("\r\n--{BOUNDARY}--\r\n").len();
    let no_name = {
        let mut body = good.clone().files(&[]).body();
        let tail = format!("--{BOUNDARY}--\r\n");
        body.truncate(body.len() - tail.len());
        let part =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\n");
        body.extend_from_slice(part.as_bytes());
        body.extend_from_slice(&file.1);
        body.extend_from_slice(format!("\r\n{tail}").as_bytes());
        body
    };
    let mut duplicated = good.clone();
    duplicated.fields.push(("name".into(), "victim".into()));
    let other_wheel = wheel("victim", "2.0", "second");
    let second_file = ("victim-2.0-py2-none-any.whl".to_string(), other_wheel.1.clone());
    let cases: Vec<(&str, String, Vec<u8>)> = vec![
        ("no boundary", "multipart/form-data".into(), body.clone()),
        ("not a form", "application/json".into(), br#"{"name": "victim"}"#.to_vec()),
        ("no content type", String::new(), body.clone()),
        ("another boundary", "multipart/form-data; boundary=elsewhere".into(), body.clone()),
        ("an empty form", form_type(), format!("--{BOUNDARY}--\r\n").into_bytes()),
        ("not multipart at all", form_type(), b"name=victim&version=2.0".to_vec()),
        ("no :action", form_type(), good.clone().without(":action").body()),
        ("another :action", form_type(), good.clone().set(":action", "remove_pkg").body()),
        ("another protocol", form_type(), good.clone().set("protocol_version", "2").body()),
        ("no name", form_type(), good.clone().without("name").body()),
        ("an empty name", form_type(), good.clone().set("name", "").body()),
        ("no version", form_type(), good.clone().without("version").body()),
        ("a version that is not PEP 440", form_type(), good.clone().set("version", "two").body()),
        (
            "a version the file does not have",
            form_type(),
            good.clone().set("version", "3.0").body(),
        ),
        ("a filetype the file is not", form_type(), good.clone().set("filetype", "sdist").body()),
        ("an unknown filetype", form_type(), good.clone().set("filetype", "bdist_egg").body()),
        ("a digest that is not hex", form_type(), good.clone().set("sha256_digest", "xyz").body()),
        ("a name sent twice", form_type(), duplicated.body()),
        ("no file", form_type(), good.clone().files(&[]).body()),
        ("two files", form_type(), good.clone().files(&[file.clone(), second_file]).body()),
        (
            "the same file twice",
            form_type(),
            good.clone().files(&[file.clone(), file.clone()]).body(),
        ),
        ("a file part without a file name", form_type(), no_name),
        ("cut off in the file", form_type(), body[..cut_in_file].to_vec()),
        ("cut off before the end", form_type(), body[..body.len() - 4].to_vec()),
        ("cut off in the fields", form_type(), body[..body.len() / 4].to_vec()),
    ];
    for (case, content_type, body) in cases {
        let response = post(pypi, token, &content_type, body).await;
        refused(response, 400, case).await;
    }
    assert_eq!(project_json(pypi, token, "victim").await, before, "nothing was stored");
    assert_eq!(projects(pypi, token).await, index);
    assert_eq!(status_of(&file_url(pypi, "victim", "2.0", &file.0), token).await, 404);
    assert_eq!(status_of(&file_url(pypi, "victim", "2.0", &other_wheel.0), token).await, 404);
    server.stop().await;
}

#[tokio::test]
async fn a_file_that_does_not_match_its_sha256_digest_is_refused() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    let file = wheel("checked", "1.0", "sent");
    let form = Form::twine("checked", "1.0", &file).set("sha256_digest", &sha256(b"declared"));
    let message = refused(upload(pypi, token, &form).await, 400, "digest").await;
    assert!(message.contains("sha256"), "{message}");
    assert_eq!(status_of(&format!("{pypi}simple/checked/"), token).await, 404);
    assert_eq!(status_of(&file_url(pypi, "checked", "1.0", &file.0), token).await, 404);
    assert_eq!(projects(pypi, token).await, json!([]));
    // The file and its true digest go through.
    uploaded(pypi, token, &Form::twine("checked", "1.0", &file)).await;
    server.stop().await;
}

#[tokio::test]
async fn a_file_naming_another_project_is_refused() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    for file in [wheel("other", "1.0", ""), sdist("other", "1.0"), wheel("mine_too", "1.0", "")] {
        let response = upload(pypi, token, &Form::twine("mine", "1.0", &file)).await;
        let message = refused(response, 400, &file.0).await;
        assert!(message.contains("name"), "{message}");
    }
    for project in ["mine", "other", "mine-too"] {
        assert_eq!(status_of(&format!("{pypi}simple/{project}/"), token).await, 404, "{project}");
    }
    assert_eq!(projects(pypi, token).await, json!([]));
    server.stop().await;
}

#[tokio::test]
async fn names_and_file_names_that_could_escape_are_refused() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    let bytes = b"content".to_vec();
    // A project name that could escape: with a proper file name (the name
    // itself is refused), and with a file name to match it.
    for name in ["../x", "a/b", "..%2fx", "x\\\\..", "..", "x/../y", "/x"] {
        let proper = ("x-1.0.tar.gz".to_string(), bytes.clone());
        let response = upload(pypi, token, &Form::twine(name, "1.0", &proper)).await;
        let message = refused(response, 400, name).await;
        assert!(message.contains("project name"), "{name}: {message}");
        let matching = (format!("{name}-1.0.tar.gz"), bytes.clone());
        let response = upload(pypi, token, &Form::twine(name, "1.0", &matching)).await;
        refused(response, 400, &matching.0).await;
    }
    // File names that could escape, as a proper project's. Backslashes are
    // doubled in the quoted file name, as urllib3 sends them.
    for filename in [
        "../x-1.0.tar.gz",
        "..\\\\x-1.0.tar.gz",
        "x/../../x-1.0.tar.gz",
        "a/x-1.0.tar.gz",
        "/tmp/x-1.0.tar.gz",
        "..%2fx-1.0.tar.gz",
        "x-1.0.tar.gz/..",
        ".x-1.0.tar.gz",
        "x-1.0..tar.gz",
    ] {
        let file = (filename.to_string(), bytes.clone());
        let response = upload(pypi, token, &Form::twine("x", "1.0", &file)).await;
        refused(response, 400, filename).await;
    }
    assert_eq!(projects(pypi, token).await, json!([]));
    for project in ["x", "a", "b", "y"] {
        assert_eq!(status_of(&format!("{pypi}simple/{project}/"), token).await, 404, "{project}");
    }
    server.stop().await;
}

#[tokio::test]
async fn names_over_255_characters_are_refused() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    let long = "n".repeat(256);
    for (case, form) in [
        ("a long name and its file", Form::twine(&long, "1.0", &sdist(&long, "1.0"))),
        ("a long name", Form::twine(&long, "1.0", &wheel("short", "1.0", ""))),
        (
            "a long file name",
            Form::twine(
                "short",
                "1.0",
                &(format!("short-1.0+{}.tar.gz", "l".repeat(250)), vec![1]),
            ),
        ),
        (
            "a long version",
            Form::twine("short", &format!("1.{}", "0".repeat(255)), &sdist("short", "1.0")),
        ),
    ] {
        refused(upload(pypi, token, &form).await, 400, case).await;
    }
    assert_eq!(projects(pypi, token).await, json!([]));
    assert_eq!(status_of(&format!("{pypi}simple/{long}/"), token).await, 404);
    assert_eq!(status_of(&format!("{pypi}simple/short/"), token).await, 404);
    server.stop().await;
}

#[tokio::test]
async fn an_upload_cut_off_mid_body_stores_nothing() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    let file = ("cut-1.0.tar.gz".to_string(), vec![7u8; 256 << 10]);
    let form = Form::twine("cut", "1.0", &file);
    let body = form.body();
    let basic = base64_basic(token);
    let head = format!(
        "POST {} HTTP/1.1\r\nAuthorization: Basic {basic}\r\nContent-Type: {}\r\n\
         Content-Length: {}",
        path_of(pypi),
        form_type(),
        body.len()
    );
    let status = send_raw(pypi, &head, &body[..body.len() / 2]).await;
    assert!(status.is_none_or(|s| (400..500).contains(&s)), "{status:?}");

    assert_eq!(projects(pypi, token).await, json!([]));
    assert_eq!(status_of(&format!("{pypi}simple/cut/"), token).await, 404);
    assert_eq!(status_of(&file_url(pypi, "cut", "1.0", &file.0), token).await, 404);
    // Whole, the same upload goes through.
    uploaded(pypi, token, &form).await;
    assert_eq!(read_bytes(&file_url(pypi, "cut", "1.0", &file.0), token).await, file.1);
    server.stop().await;
}

/// `Basic` credentials for the token, as pip sends them.
fn base64_basic(token: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("aws:{token}"))
}

/// Uploads `raced-1.0-py3-none-any.whl` eight times at once, each time
/// with other bytes. Exactly one upload must win, the others being refused
/// as conflicts; returns the winner's file and a loser's.
async fn race(pypi: &str, token: &str) -> ((String, Vec<u8>), (String, Vec<u8>)) {
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (pypi, token) = (pypi.to_string(), token.to_string());
        let file = wheel("raced", "1.0", &format!("build {i}"));
        tasks.push(tokio::spawn(async move {
            let response = upload(&pypi, &token, &Form::twine("raced", "1.0", &file)).await;
            let status = response.status().as_u16();
            if status != 200 {
                refused(response, 409, "a loser").await;
            }
            (status, file)
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let statuses: Vec<u16> = results.iter().map(|(s, _)| *s).collect();
    let (winners, losers): (Vec<_>, Vec<_>) = results.into_iter().partition(|(s, _)| *s == 200);
    assert_eq!(winners.len(), 1, "exactly one upload wins: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 7, "{statuses:?}");
    (winners.into_iter().next().unwrap().1, losers.into_iter().next().unwrap().1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_of_one_file_keep_one_content() {
    let server = TestServer::start().await;
    let store = Store::create(&server, "store").await;
    let (pypi, token) = (&store.pypi, &store.token);
    let (winner, loser) = race(pypi, token).await;
    let url = file_url(pypi, "raced", "1.0", &winner.0);
    assert_eq!(read_bytes(&url, token).await, winner.1);
    let page = project_json(pypi, token, "raced").await;
    assert_eq!(page["files"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["files"][0]["hashes"]["sha256"], sha256(&winner.1).as_str());

    // The winner's bytes again are no change, even all at once; a loser's
    // are still refused.
    let mut again = Vec::new();
    for _ in 0..4 {
        let (pypi, token) = (pypi.clone(), token.clone());
        let form = Form::twine("raced", "1.0", &winner);
        again.push(tokio::spawn(async move { upload(&pypi, &token, &form).await.status() }));
    }
    for task in again {
        assert_eq!(task.await.unwrap().as_u16(), 200, "the same bytes again");
    }
    let response = upload(pypi, token, &Form::twine("raced", "1.0", &loser)).await;
    refused(response, 409, "a loser again").await;
    assert_eq!(read_bytes(&url, token).await, winner.1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_leave_only_the_winners_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in("", dir.path()).await;
    let store = Store::create(&server, "store").await;
    let (winner, _) = race(&store.pypi, &store.token).await;
    let (blobs, staged) = stored_blobs(dir.path());
    assert_eq!(blobs, [sha256(&winner.1)], "blobs on disk");
    assert_eq!(staged, 0, "files left in blobs/tmp");
    server.stop().await;
}

#[tokio::test]
async fn a_reader_downloads_but_cannot_upload() {
    let server = start_shop().await;
    let writer_token = token_as(&server, WRITER, "shop").await;
    let pypi = endpoint_as(&server, WRITER, "shop", "store", PackageFormat::Pypi).await;
    let file = wheel("shelf", "1.0", "");
    uploaded(&pypi, &writer_token, &Form::twine("shelf", "1.0", &file)).await;

    let token = token_as(&server, READER, "shop").await;
    assert_eq!(endpoint_as(&server, READER, "shop", "store", PackageFormat::Pypi).await, pypi);
    let index = projects(&pypi, &token).await;
    assert_eq!(index, json!([{ "name": "shelf" }]));
    let before = project_json(&pypi, &token, "shelf").await;
    assert_eq!(read_bytes(&file_url(&pypi, "shelf", "1.0", &file.0), &token).await, file.1);

    for (case, form) in [
        ("another file", Form::twine("shelf", "1.0", &sdist("shelf", "1.0"))),
        ("another version", Form::twine("shelf", "2.0", &wheel("shelf", "2.0", ""))),
        ("the same file", Form::twine("shelf", "1.0", &file)),
        ("a new project", Form::twine("fresh", "1.0", &wheel("fresh", "1.0", ""))),
    ] {
        refused(upload(&pypi, &token, &form).await, 403, case).await;
    }
    assert_eq!(project_json(&pypi, &token, "shelf").await, before, "nothing changed");
    assert_eq!(projects(&pypi, &token).await, index);
    assert_eq!(status_of(&format!("{pypi}simple/fresh/"), &token).await, 404);

    // A token opens its own domain's endpoints only.
    let demo_token = token_for(&server, "demo").await;
    let response = read(&format!("{pypi}simple/"), &demo_token, None).await;
    assert_eq!(response.status().as_u16(), 401);
    let challenges: Vec<_> = response.headers().get_all("www-authenticate").iter().collect();
    assert!(challenges.iter().any(|c| c.to_str().unwrap().starts_with("Basic ")), "{challenges:?}");
    let form = Form::twine("shelf", "3.0", &wheel("shelf", "3.0", ""));
    assert_eq!(upload(&pypi, &demo_token, &form).await.status().as_u16(), 401);
    assert_eq!(project_json(&pypi, &token, "shelf").await, before);
    server.stop().await;
}

#[tokio::test]
async fn a_downstream_repository_lists_its_upstreams_files() {
    let server = TestServer::start().await;
    let (up, down) = upstream_pair(&server).await;
    let token = &up.token;
    let wheel_file = wheel("shared", "1.0", "");
    let sdist_file = sdist("shared", "1.0");
    uploaded(&up.pypi, token, &Form::twine("shared", "1.0", &wheel_file)).await;
    uploaded(&up.pypi, token, &Form::twine("shared", "1.0", &sdist_file)).await;

    assert_eq!(projects(&down.pypi, token).await, json!([{ "name": "shared" }]));
    let page = project_json(&down.pypi, token, "shared").await;
    assert_eq!(page["versions"], json!(["1.0"]));
    let files = page["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{page}");
    for (file, (filename, bytes)) in files.iter().zip([&wheel_file, &sdist_file]) {
        assert_eq!(file["url"], file_url(&down.pypi, "shared", "1.0", filename).as_str());
        assert_eq!(file["hashes"]["sha256"], sha256(bytes).as_str());
    }
    let html = read(&format!("{}simple/shared/", down.pypi), token, None).await;
    let html = html.text().await.unwrap();
    assert!(html.contains(&file_url(&down.pypi, "shared", "1.0", &wheel_file.0)), "{html}");

    // Up has the version: down takes no upload of it, new file or not.
    let new_file = ("shared-1.0-py2-none-any.whl".to_string(), b"py2".to_vec());
    for (case, file) in [("a new file", &new_file), ("up's own file", &wheel_file)] {
        let response = upload(&down.pypi, token, &Form::twine("shared", "1.0", file)).await;
        refused(response, 409, case).await;
    }
    let url = file_url(&down.pypi, "shared", "1.0", &wheel_file.0);
    assert_eq!(read_bytes(&url, token).await, wheel_file.1);
    assert_eq!(project_json(&down.pypi, token, "shared").await["files"], page["files"]);
    server.stop().await;
}

#[tokio::test]
async fn a_version_read_through_downstream_takes_no_uploads_there() {
    let server = TestServer::start().await;
    let (up, down) = upstream_pair(&server).await;
    let token = &up.token;
    let wheel_file = wheel("shared", "1.0", "");
    uploaded(&up.pypi, token, &Form::twine("shared", "1.0", &wheel_file)).await;
    // Reading the file through down keeps the version in down.
    let url = file_url(&down.pypi, "shared", "1.0", &wheel_file.0);
    assert_eq!(read_bytes(&url, token).await, wheel_file.1);
    let before = project_json(&down.pypi, token, "shared").await;

    let new_file = ("shared-1.0-py2-none-any.whl".to_string(), b"py2".to_vec());
    for (case, file) in [
        ("a new file", &new_file),
        ("an sdist", &sdist("shared", "1.0")),
        ("up's file", &wheel_file),
    ] {
        let response = upload(&down.pypi, token, &Form::twine("shared", "1.0", file)).await;
        refused(response, 409, case).await;
    }
    assert_eq!(project_json(&down.pypi, token, "shared").await, before, "nothing was added");
    let new_url = file_url(&down.pypi, "shared", "1.0", &new_file.0);
    assert_eq!(status_of(&new_url, token).await, 404);
    server.stop().await;
}
