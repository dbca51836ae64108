//! npm's registry protocol as AWS CodeArtifact serves it, with no state.
//!
//! The npm endpoint of a repository has to speak npm's dialect: package
//! names with npm's rules, the paths npm requests, the publish document
//! `npm publish` sends (a JSON body carrying the tarball in base64), and the
//! package documents ("packuments") npm reads on every install. This module
//! turns those into checked Rust values and writes the documents back, so the
//! server's npm adapter only moves values between HTTP and the service.
//!
//! Documents are split for speed: [`prepare`] runs once per version at
//! publish time and keeps two JSON texts; [`write_document`] splices the
//! stored texts into a package document per request, appending the `dist`
//! object whose tarball URL depends on the host asked.

use std::collections::BTreeMap;
use std::io::Read;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{Map, Value};
use sha1::Sha1;
use sha2::{Digest, Sha512};
use thiserror::Error;

/// Content type of the full package document.
pub const FULL_CONTENT_TYPE: &str = "application/json";
/// Content type of the abbreviated ("corgi") package document npm installs from.
pub const ABBREVIATED_CONTENT_TYPE: &str = "application/vnd.npm.install-v1+json";

/// npm's limit on a name, scope included (validate-npm-package-name).
const MAX_NAME_LEN: usize = 214;
/// CodeArtifact's limit on a version, tag, namespace or name.
const MAX_FIELD_LEN: usize = 255;

/// Shows hostile input in an error message: quoted, escaped, and short.
fn shown(s: &str) -> String {
    let mut t: String = s.chars().take(100).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    format!("{t:?}")
}

/// A name broke one of npm's rules; npm prints the message to the user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid package name {name}: {reason}")]
pub struct NameError {
    /// The offending name, quoted and shortened.
    pub name: String,
    /// The rule it broke, in validate-npm-package-name's words.
    pub reason: &'static str,
}

/// An npm package name, valid by npm's rules for new packages.
///
/// Each part (scope and bare name) is non-empty, does not start with `.` or
/// `_`, and holds only `a-z 0-9 - . _`: that is what is left of
/// `encodeURIComponent(x) === x` once capitals and npm's retired special
/// characters `~'!()*` are refused, and it also satisfies CodeArtifact's
/// `[^#/\s]{1,255}` and keeps `/`, `\`, `%` and `..` (path traversal) out.
/// Node's core module names (`http`, `fs`) are not refused: the list
/// changes with Node's version and npm only warns about old ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageName {
    scope: Option<String>,
    bare: String,
}

impl PackageName {
    /// Parses `name` or `@scope/name`.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let error = |reason| NameError { name: shown(s), reason };
        let fail = |reason| Err(error(reason));
        if s.is_empty() {
            return fail("name length must be greater than zero");
        }
        if s.trim() != s {
            return fail("name cannot contain leading or trailing spaces");
        }
        if s.len() > MAX_NAME_LEN {
            return fail("name can no longer contain more than 214 characters");
        }
        let (scope, bare) = match s.strip_prefix('@') {
            Some(rest) => match rest.split_once('/') {
                Some((scope, bare)) => (Some(scope), bare),
                None => return fail("a scoped name must look like @scope/name"),
            },
            None => (None, s),
        };
        if let Some(scope) = scope {
            check_part(scope).map_err(error)?;
        }
        check_part(bare).map_err(error)?;
        if scope.is_none() && (bare == "node_modules" || bare == "favicon.ico") {
            return fail("name is not allowed (reserved)");
        }
        Ok(Self { scope: scope.map(str::to_owned), bare: bare.to_owned() })
    }

    /// Builds a name from CodeArtifact's namespace (the scope without `@`) and
    /// package name, with the same checks as [`PackageName::parse`].
    pub fn from_parts(namespace: Option<&str>, name: &str) -> Result<Self, NameError> {
        match namespace {
            Some(scope) => Self::parse(&format!("@{scope}/{name}")),
            None => Self::parse(name),
        }
    }

    /// The scope without `@`: CodeArtifact's namespace.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The name without its scope.
    pub fn bare(&self) -> &str {
        &self.bare
    }

    /// The name as npm writes it: `name` or `@scope/name`.
    pub fn full(&self) -> String {
        self.to_string()
    }
}

impl std::fmt::Display for PackageName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.scope {
            Some(scope) => write!(f, "@{scope}/{}", self.bare),
            None => f.write_str(&self.bare),
        }
    }
}

fn check_part(part: &str) -> Result<(), &'static str> {
    if part.is_empty() {
        return Err("scope and name must each be non-empty");
    }
    if part.starts_with('.') {
        return Err("name cannot start with a period");
    }
    if part.starts_with('_') {
        return Err("name cannot start with an underscore");
    }
    for c in part.chars() {
        match c {
            'a'..='z' | '0'..='9' | '-' | '.' | '_' => {}
            'A'..='Z' => return Err("name can no longer contain capital letters"),
            c if c.is_whitespace() => return Err("name cannot contain spaces"),
            '~' | '\'' | '!' | '(' | ')' | '*' => {
                return Err("name can no longer contain special characters (\"~'!()*\")");
            }
            _ => return Err("name can only contain URL-friendly characters"),
        }
    }
    Ok(())
}

/// What a request below a repository's npm endpoint asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `` or `-/ping`: npm ping.
    Ping,
    /// `-/whoami`: npm whoami.
    Whoami,
    /// `<name>`: GET the package document, PUT a publish.
    Package(PackageName),
    /// `<name>/-/<bare>-<version>.tgz`.
    Tarball { package: PackageName, version: String, filename: String },
    /// `-/package/<name>/dist-tags`.
    DistTags(PackageName),
    /// `-/package/<name>/dist-tags/<tag>`; the tag is not checked here (see
    /// [`check_tag`] for a PUT): a GET or DELETE of a bad one just finds nothing.
    DistTag { package: PackageName, tag: String },
}

/// Why a path is not an npm route.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RouteError {
    #[error("this registry has no npm endpoint at that path")]
    Unknown,
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("invalid tarball name {0}: expected <name>-<semver version>.tgz")]
    Tarball(String),
}

/// Routes the path below `/npm/<repository>/`, given as percent-decoded
/// segments split on `/` before decoding. A scoped name arrives either as one
/// segment (`@scope%2fname` decodes to `@scope/name`) or as two (`@scope`,
/// `name`); both are accepted wherever a name goes.
pub fn route(segments: &[&str]) -> Result<Route, RouteError> {
    match segments {
        [] | [""] | ["-", "ping"] => Ok(Route::Ping),
        ["-", "whoami"] => Ok(Route::Whoami),
        ["-", "package", rest @ ..] => match split_name(rest)? {
            (package, ["dist-tags"]) => Ok(Route::DistTags(package)),
            (package, ["dist-tags", tag]) if !tag.is_empty() => {
                Ok(Route::DistTag { package, tag: (*tag).to_owned() })
            }
            _ => Err(RouteError::Unknown),
        },
        ["-", ..] => Err(RouteError::Unknown),
        _ => match split_name(segments)? {
            (package, []) => Ok(Route::Package(package)),
            (package, ["-", filename]) => {
                let version = tarball_version(&package, filename)?;
                Ok(Route::Tarball { package, version, filename: (*filename).to_owned() })
            }
            _ => Err(RouteError::Unknown),
        },
    }
}

/// Takes a package name off the front of `segments`, in either scoped spelling.
fn split_name<'s, 'a>(segments: &'s [&'a str]) -> Result<(PackageName, &'s [&'a str]), RouteError> {
    match segments {
        [scope, bare, rest @ ..] if scope.starts_with('@') && !scope.contains('/') => {
            Ok((PackageName::parse(&format!("{scope}/{bare}"))?, rest))
        }
        [name, rest @ ..] => Ok((PackageName::parse(name)?, rest)),
        [] => Err(RouteError::Unknown),
    }
}

/// The version in a tarball filename `<bare>-<version>.tgz`.
fn tarball_version(name: &PackageName, filename: &str) -> Result<String, RouteError> {
    let version = filename
        .strip_prefix(name.bare())
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.strip_suffix(".tgz"))
        .ok_or_else(|| RouteError::Tarball(shown(filename)))?;
    check_version(version).map_err(|_| RouteError::Tarball(shown(filename)))?;
    Ok(version.to_owned())
}

/// The tarball's filename, `<bare>-<version>.tgz`, as npm's registry names it.
pub fn tarball_filename(name: &PackageName, version: &str) -> String {
    format!("{}-{version}.tgz", name.bare())
}

/// The tarball's path below the repository endpoint,
/// `<full name>/-/<bare>-<version>.tgz`, as npm's registry and CodeArtifact write it.
pub fn tarball_path(name: &PackageName, version: &str) -> String {
    format!("{name}/-/{}", tarball_filename(name, version))
}

/// A version must be exactly a `semver::Version` (no `v`, no spaces): npm
/// cleans versions before it publishes, and the version ends up in URLs.
fn check_version(version: &str) -> Result<semver::Version, ()> {
    if version.len() > MAX_FIELD_LEN {
        return Err(());
    }
    semver::Version::parse(version).map_err(|_| ())
}

/// node-semver's `clean`: trims and drops leading `=` and `v`, as npm does to a
/// package.json's version before publishing it.
fn clean_version(version: &str) -> Option<String> {
    let v = version.trim().trim_start_matches(['=', 'v']);
    semver::Version::parse(v).ok().map(|v| v.to_string())
}

/// The sha512 Subresource Integrity string npm checks tarballs against. Two
/// lines of sha2 and base64 do what the `ssri` crate would.
pub fn integrity(bytes: &[u8]) -> String {
    format!("sha512-{}", BASE64.encode(Sha512::digest(bytes)))
}

/// npm's legacy `shasum`: the hex sha1 of the tarball.
pub fn shasum(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// A bad dist-tag or dist-tag request body.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TagError {
    #[error("invalid tag {0}: a tag must be 1 to 255 URL-friendly characters")]
    Name(String),
    #[error("invalid tag {0}: a tag cannot be a valid semver range, like 1.x or ^1")]
    Range(String),
    #[error("the dist-tag body must be a JSON string holding a version, like \"1.2.3\"")]
    Body,
    #[error("invalid version {0}: npm versions must be semver, like 1.2.3")]
    Version(String),
}

/// Checks a dist-tag name: 1..255 characters that `encodeURIComponent` leaves
/// alone, and not a semver range (npm's rule, so `npm install pkg@<tag>` is
/// never ambiguous). Ranges are judged by the `semver` crate's
/// `VersionReq::parse`, Cargo's flavour: close to node-semver's
/// `validRange`, and we also try without a leading `v` or `=` as npm would.
pub fn check_tag(tag: &str) -> Result<(), TagError> {
    let url_safe = |c: char| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c);
    if tag.is_empty() || tag.len() > MAX_FIELD_LEN || !tag.chars().all(url_safe) {
        return Err(TagError::Name(shown(tag)));
    }
    let stripped = tag.trim_start_matches(['v', '=']);
    if semver::VersionReq::parse(tag).is_ok() || semver::VersionReq::parse(stripped).is_ok() {
        return Err(TagError::Range(shown(tag)));
    }
    Ok(())
}

/// Reads the body of `PUT -/package/<name>/dist-tags/<tag>`: a bare JSON
/// string, the version to point the tag at.
pub fn parse_dist_tag_body(body: &[u8]) -> Result<String, TagError> {
    let Ok(Value::String(version)) = serde_json::from_slice::<Value>(body) else {
        return Err(TagError::Body);
    };
    check_version(&version).map_err(|_| TagError::Version(shown(&version)))?;
    Ok(version)
}

/// A checked `npm publish`.
#[derive(Debug, Clone, PartialEq)]
pub struct Publish {
    pub name: PackageName,
    pub version: String,
    /// The version manifest as sent, with `_hasShrinkwrap` set from the
    /// tarball so installs need not fetch it to find out. Feed it to [`prepare`].
    pub manifest: Value,
    /// Tags to set, each pointing at `version`; `{"latest": version}` if none came.
    pub dist_tags: BTreeMap<String, String>,
    /// `public`, `restricted`, or absent.
    pub access: Option<String>,
    pub description: Option<String>,
    /// From the document (older npm), else the manifest, else the tarball's
    /// first `README*` at depth 1 (npm 7+ sends none), up to 1 MiB.
    pub readme: Option<String>,
    pub tarball: Vec<u8>,
    /// sha512 SRI of `tarball`, computed here.
    pub integrity: String,
    /// sha1 hex of `tarball`, computed here.
    pub shasum: String,
    /// Regular files in the tarball and their total size (npm's `fileCount`
    /// and `unpackedSize`).
    pub file_count: u64,
    pub unpacked_size: u64,
}

/// Why a publish is refused. npm prints the message after the status line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PublishError {
    #[error("failed to parse the publish document as JSON: {0}")]
    Json(String),
    #[error("the publish document is malformed: {0}")]
    Shape(&'static str),
    /// Two things that must agree do not: `what` names the one sent.
    #[error("{what} is {found} but should be {expected}")]
    Mismatch { what: &'static str, found: String, expected: String },
    #[error("a publish must carry exactly one version, found {0}")]
    VersionCount(usize),
    #[error("invalid version {0}: npm versions must be semver, like 1.2.3")]
    Version(String),
    #[error(transparent)]
    Tag(#[from] TagError),
    #[error("a publish must carry exactly one tarball attachment, found {0}")]
    AttachmentCount(usize),
    #[error(
        "provenance attestations are not supported by this registry; publish without --provenance"
    )]
    Provenance,
    #[error("failed to decode the tarball attachment as base64: {0}")]
    Base64(String),
    #[error("dist.integrity {0} has no sha512 or sha1 hash this registry can check")]
    IntegrityUnsupported(String),
    #[error("failed to read the tarball as a gzip'ed tar: {0}")]
    Tarball(String),
    #[error("the tarball holds an unsafe path {0} (absolute or with ..)")]
    UnsafePath(String),
    #[error("the tarball is too large to check: over {0}")]
    TooLarge(&'static str),
    #[error("the tarball has no package.json in its top folder (package/package.json)")]
    NoPackageJson,
    #[error("the tarball's package.json is not a JSON object: {0}")]
    PackageJson(String),
}

fn expect(what: &'static str, found: &str, expected: &str) -> Result<(), PublishError> {
    if found == expected {
        return Ok(());
    }
    Err(PublishError::Mismatch { what, found: shown(found), expected: shown(expected) })
}

fn member<'a>(map: &'a Map<String, Value>, key: &str) -> &'a str {
    map.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Parses and checks the body of `PUT /<name>` from `npm publish`.
///
/// npm always sends `dist.integrity` and `dist.shasum`; either is checked
/// when present, but neither is required (older yarn and hand-made publishes
/// omit them), since the registry computes both from the bytes anyway. The
/// attachment may be named `<bare>-<version>.tgz` or, as libnpmpublish does
/// for scoped packages, `<full name>-<version>.tgz`.
pub fn parse_publish(url_name: &PackageName, body: &[u8]) -> Result<Publish, PublishError> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| PublishError::Json(e.to_string()))?;
    let doc = doc.as_object().ok_or(PublishError::Shape("the body must be a JSON object"))?;
    let full = url_name.full();
    expect("the document's name", member(doc, "name"), &full)?;
    if doc.contains_key("_id") {
        expect("the document's _id", member(doc, "_id"), &full)?;
    }

    let versions = doc.get("versions").and_then(Value::as_object);
    let versions = versions.ok_or(PublishError::Shape("`versions` must be an object"))?;
    let Some((version, manifest)) = versions.iter().next().filter(|_| versions.len() == 1) else {
        return Err(PublishError::VersionCount(versions.len()));
    };
    check_version(version).map_err(|_| PublishError::Version(shown(version)))?;
    let manifest_map = manifest.as_object();
    let manifest_map = manifest_map.ok_or(PublishError::Shape("each version must be an object"))?;
    expect("the manifest's name", member(manifest_map, "name"), &full)?;
    expect("the manifest's version", member(manifest_map, "version"), version)?;

    let mut dist_tags = BTreeMap::new();
    match doc.get("dist-tags") {
        None | Some(Value::Null) => {}
        Some(Value::Object(tags)) => {
            for (tag, target) in tags {
                check_tag(tag)?;
                let target = target.as_str().unwrap_or_default();
                expect("the version a dist-tag points at", target, version)?;
                dist_tags.insert(tag.clone(), version.clone());
            }
        }
        Some(_) => return Err(PublishError::Shape("`dist-tags` must be an object")),
    }
    if dist_tags.is_empty() {
        dist_tags.insert("latest".to_owned(), version.clone());
    }

    let tarball = attachment(doc, url_name, version)?;
    let integrity = integrity(&tarball);
    let shasum = shasum(&tarball);
    check_dist(manifest_map.get("dist"), &tarball, &integrity, &shasum)?;

    let facts = scan_tarball(&tarball, &LIMITS)?;
    let pkg = facts.package_json.as_object();
    let pkg = pkg.ok_or_else(|| PublishError::PackageJson("not an object".into()))?;
    expect("the tarball's package.json name", member(pkg, "name"), &full)?;
    // npm cleans the version it publishes but packs package.json as written.
    let pkg_version = member(pkg, "version");
    let cleaned = clean_version(pkg_version);
    expect(
        "the tarball's package.json version",
        cleaned.as_deref().unwrap_or(pkg_version),
        version,
    )?;

    let text =
        |map: &Map<String, Value>, key| map.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut manifest = manifest.clone();
    if let Some(m) = manifest.as_object_mut() {
        m.insert("_hasShrinkwrap".to_owned(), Value::Bool(facts.has_shrinkwrap));
    }
    Ok(Publish {
        name: url_name.clone(),
        version: version.clone(),
        access: text(doc, "access"),
        description: text(doc, "description").or_else(|| text(manifest_map, "description")),
        readme: text(doc, "readme").or_else(|| text(manifest_map, "readme")).or(facts.readme),
        manifest,
        dist_tags,
        tarball,
        integrity,
        shasum,
        file_count: facts.file_count,
        unpacked_size: facts.unpacked_size,
    })
}

/// Decodes the one tarball attachment and checks its name and length.
fn attachment(
    doc: &Map<String, Value>,
    name: &PackageName,
    version: &str,
) -> Result<Vec<u8>, PublishError> {
    let attachments = doc.get("_attachments").and_then(Value::as_object);
    let attachments = attachments.ok_or(PublishError::Shape("`_attachments` must be an object"))?;
    let Some((key, value)) = attachments.iter().next().filter(|_| attachments.len() == 1) else {
        if attachments.keys().any(|k| k.ends_with(".sigstore")) {
            return Err(PublishError::Provenance);
        }
        return Err(PublishError::AttachmentCount(attachments.len()));
    };
    let expected = tarball_filename(name, version);
    if *key != format!("{name}-{version}.tgz") {
        expect("the attachment's name", key, &expected)?;
    }
    let data = value.get("data").and_then(Value::as_str);
    let data =
        data.ok_or(PublishError::Shape("the attachment's `data` must be a base64 string"))?;
    let bytes = BASE64.decode(data).map_err(|e| PublishError::Base64(e.to_string()))?;
    if let Some(length) = value.get("length").filter(|l| !l.is_null()) {
        let length = length
            .as_u64()
            .ok_or(PublishError::Shape("the attachment's `length` must be a number"))?;
        expect("the attachment's length", &length.to_string(), &bytes.len().to_string())?;
    }
    Ok(bytes)
}

/// Checks the client's `dist.integrity` and `dist.shasum`, when sent.
fn check_dist(
    dist: Option<&Value>,
    bytes: &[u8],
    sha512: &str,
    sha1_hex: &str,
) -> Result<(), PublishError> {
    let Some(dist) = dist.and_then(Value::as_object) else { return Ok(()) };
    if let Some(declared) = dist.get("integrity").and_then(Value::as_str) {
        // SRI may list several hashes ("sha512-… sha1-…"), each with ?options.
        let mut checked = false;
        for entry in declared.split_whitespace() {
            let entry = entry.split('?').next().unwrap_or_default();
            let actual = match entry.split_once('-') {
                Some(("sha512", _)) => sha512.to_owned(),
                Some(("sha1", _)) => format!("sha1-{}", BASE64.encode(Sha1::digest(bytes))),
                _ => continue,
            };
            expect("dist.integrity", entry, &actual)?;
            checked = true;
        }
        if !checked {
            return Err(PublishError::IntegrityUnsupported(shown(declared)));
        }
    }
    if let Some(declared) = dist.get("shasum").and_then(Value::as_str) {
        expect("dist.shasum", &declared.to_ascii_lowercase(), sha1_hex)?;
    }
    Ok(())
}

/// Bounds on reading a tarball, so a gzip bomb or a huge header cannot
/// exhaust memory or run forever.
struct Limits {
    /// Tar headers read, extension headers included.
    entries: u64,
    /// Decompressed bytes read.
    bytes: u64,
    /// package.json, and each pax or GNU long-name header, held in memory.
    package_json: u64,
    readme: u64,
}

const LIMITS: Limits =
    Limits { entries: 100_000, bytes: 4 << 30, package_json: 1 << 20, readme: 1 << 20 };

/// What publishing needs from inside a tarball.
#[derive(Debug)]
struct TarballFacts {
    package_json: Value,
    file_count: u64,
    unpacked_size: u64,
    has_shrinkwrap: bool,
    readme: Option<String>,
}

/// Counts decompressed bytes and fails past the limit.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other("decompressed size limit reached"));
        }
        let max = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads every entry of a `.tgz`: every path must be safe, and the first
/// `<top folder>/package.json` is kept. npm packs under `package/`, but some
/// tools use another top folder, which npm's own extraction accepts too.
///
/// The tar crate is used in raw mode because its normal mode reads pax and
/// GNU long-name headers into memory whatever their size; here they are
/// read under a cap and only their `path` is used.
fn scan_tarball(bytes: &[u8], limits: &Limits) -> Result<TarballFacts, PublishError> {
    let reader = Capped { inner: flate2::read::GzDecoder::new(bytes), left: limits.bytes };
    let mut archive = tar::Archive::new(reader);
    let result = scan_entries(&mut archive, limits);
    if result.is_err() && archive.into_inner().left == 0 {
        return Err(PublishError::TooLarge("the decompressed size limit"));
    }
    result
}

fn scan_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    limits: &Limits,
) -> Result<TarballFacts, PublishError> {
    let io = |e: std::io::Error| PublishError::Tarball(e.to_string());
    let mut facts = TarballFacts {
        package_json: Value::Null,
        file_count: 0,
        unpacked_size: 0,
        has_shrinkwrap: false,
        readme: None,
    };
    let mut found = false;
    let mut long_path: Option<Vec<u8>> = None;
    for (count, entry) in archive.entries().map_err(io)?.raw(true).enumerate() {
        if count as u64 >= limits.entries {
            return Err(PublishError::TooLarge("the entry count limit"));
        }
        let mut entry = entry.map_err(io)?;
        let kind = entry.header().entry_type();
        if kind.is_gnu_longname() || kind.is_pax_local_extensions() {
            let body = read_capped(&mut entry, limits.package_json)?
                .ok_or(PublishError::TooLarge("the header size limit"))?;
            if kind.is_gnu_longname() {
                long_path = Some(body.split(|b| *b == 0).next().unwrap_or_default().to_vec());
            } else {
                for ext in tar::PaxExtensions::new(&body) {
                    let ext = ext.map_err(io)?;
                    if ext.key_bytes() == b"path" {
                        long_path = Some(ext.value_bytes().to_vec());
                    }
                }
            }
            continue;
        }
        if kind.is_pax_global_extensions() || kind.is_gnu_longlink() {
            continue;
        }
        let path_bytes = long_path.take().unwrap_or_else(|| entry.path_bytes().into_owned());
        let path = String::from_utf8_lossy(&path_bytes);
        let traversal = path.split(['/', '\\']).any(|part| part == "..");
        if path.starts_with(['/', '\\']) || traversal {
            return Err(PublishError::UnsafePath(shown(&path)));
        }
        if !kind.is_file() {
            continue;
        }
        facts.file_count += 1;
        facts.unpacked_size = facts.unpacked_size.saturating_add(entry.size());
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        let [_, file] = parts[..] else { continue };
        if file == "package.json" && !found {
            let body = read_capped(&mut entry, limits.package_json)?
                .ok_or(PublishError::TooLarge("1 MiB of package.json"))?;
            facts.package_json = serde_json::from_slice(&body)
                .map_err(|e| PublishError::PackageJson(e.to_string()))?;
            found = true;
        } else if file == "npm-shrinkwrap.json" {
            facts.has_shrinkwrap = true;
        } else if facts.readme.is_none() && is_readme(file) {
            let body = read_prefix(&mut entry, limits.readme)?;
            facts.readme = Some(utf8_prefix(&body));
        }
    }
    if !found {
        return Err(PublishError::NoPackageJson);
    }
    Ok(facts)
}

fn is_readme(file: &str) -> bool {
    let lower = file.to_ascii_lowercase();
    lower == "readme" || lower.starts_with("readme.")
}

/// Reads an entry whole if it is at most `cap` bytes, else `None`.
fn read_capped(entry: &mut impl Read, cap: u64) -> Result<Option<Vec<u8>>, PublishError> {
    let body = read_prefix(entry, cap.saturating_add(1))?;
    Ok((body.len() as u64 <= cap).then_some(body))
}

fn read_prefix(entry: &mut impl Read, cap: u64) -> Result<Vec<u8>, PublishError> {
    let mut body = Vec::new();
    entry.take(cap).read_to_end(&mut body).map_err(|e| PublishError::Tarball(e.to_string()))?;
    Ok(body)
}

/// The longest valid UTF-8 prefix, lossily past a broken middle: a README cut
/// at the cap may end inside a character.
fn utf8_prefix(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// A version's two document texts, computed once at publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The manifest for the full document.
    pub full: String,
    /// The manifest for the abbreviated document.
    pub abbreviated: String,
}

/// Manifest members that are registry housekeeping or live elsewhere: `dist`
/// is appended per request, `readme` sits at the document's top level.
const DROPPED: &[&str] = &["dist", "readme", "_attachments", "_rev", "_id"];

/// The abbreviated ("corgi") manifest's members: npm registry's documented
/// list, plus what today's registry also sends and npm reads (`os`, `cpu`,
/// `libc` for platform checks; `peerDependenciesMeta`, `funding`, `license`).
#[rustfmt::skip]
const CORGI: &[&str] = &[
    "name", "version", "deprecated", "dependencies", "optionalDependencies", "devDependencies",
    "bundleDependencies", "peerDependencies", "peerDependenciesMeta", "bin", "directories",
    "engines", "os", "cpu", "libc", "_hasShrinkwrap", "funding", "license",
];

/// Builds a version's stored texts: JSON objects without `dist`, which
/// [`write_document`] appends. `full` is the manifest as published, minus
/// [`DROPPED`], with `_id` = `<name>@<version>`; `abbreviated` keeps only
/// npm's corgi members, plus `hasInstallScript: true` when `scripts` has a
/// preinstall, install or postinstall.
pub fn prepare(manifest: &Value, name: &PackageName, version: &str) -> Prepared {
    let empty = Map::new();
    let source = manifest.as_object().unwrap_or(&empty);
    let mut full: Map<String, Value> = source
        .iter()
        .filter(|(k, _)| !DROPPED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    full.insert("_id".to_owned(), Value::String(format!("{name}@{version}")));
    full.insert("name".to_owned(), Value::String(name.full()));
    full.insert("version".to_owned(), Value::String(version.to_owned()));

    let mut corgi: Map<String, Value> = full
        .iter()
        .filter(|(k, _)| CORGI.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let scripts = source.get("scripts").and_then(Value::as_object);
    let install = scripts.is_some_and(|s| {
        ["preinstall", "install", "postinstall"].iter().any(|k| s.contains_key(*k))
    });
    if install || source.get("hasInstallScript") == Some(&Value::Bool(true)) {
        corgi.insert("hasInstallScript".to_owned(), Value::Bool(true));
    }
    // Serializing a Value cannot fail; "{}" would still splice into valid JSON.
    let text = |m| serde_json::to_string(&Value::Object(m)).unwrap_or_else(|_| "{}".to_owned());
    Prepared { full: text(full), abbreviated: text(corgi) }
}

/// A version's `dist` object.
#[derive(Debug, Clone, Copy)]
pub struct Dist<'a> {
    pub integrity: &'a str,
    pub shasum: &'a str,
    /// Absolute URL of the tarball.
    pub tarball: &'a str,
}

/// One version as stored, ready to splice.
#[derive(Debug, Clone, Copy)]
pub struct VersionDoc<'a> {
    pub version: &'a str,
    /// `Prepared::full` or `Prepared::abbreviated`, as [`prepare`] made it.
    pub prepared_json: &'a str,
    pub dist: Dist<'a>,
    /// Epoch seconds.
    pub published: i64,
}

/// What a package document says, beside its versions.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub name: &'a PackageName,
    pub dist_tags: &'a BTreeMap<String, String>,
    /// In the order they should appear; versions are expected to be unique.
    pub versions: &'a [VersionDoc<'a>],
    /// Epoch seconds.
    pub created: i64,
    pub modified: i64,
    pub readme: Option<&'a str>,
}

/// Writes a package document without parsing the stored versions.
///
/// Full: `_id`, `name`, `dist-tags`, `versions`, `time` (created, modified,
/// and each version, ISO-8601 UTC with milliseconds like npm's registry),
/// `readme` if any. Abbreviated: `name`, `modified`, `dist-tags`, `versions`.
/// Every string written here is escaped by serde_json; the prepared texts
/// are trusted to be [`prepare`]'s JSON objects.
pub fn write_document(out: &mut Vec<u8>, doc: &Document<'_>, abbreviated: bool) {
    let name = doc.name.full();
    out.push(b'{');
    if abbreviated {
        push_member(out, "name", &name);
        out.push(b',');
        push_member(out, "modified", &iso8601(doc.modified));
    } else {
        push_member(out, "_id", &name);
        out.push(b',');
        push_member(out, "name", &name);
    }
    out.extend_from_slice(b",\"dist-tags\":");
    write_dist_tags(out, doc.dist_tags);
    out.extend_from_slice(b",\"versions\":{");
    for (i, v) in doc.versions.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, v.version);
        out.push(b':');
        splice(out, v);
    }
    out.push(b'}');
    if !abbreviated {
        out.extend_from_slice(b",\"time\":{");
        push_member(out, "created", &iso8601(doc.created));
        out.push(b',');
        push_member(out, "modified", &iso8601(doc.modified));
        for v in doc.versions {
            out.push(b',');
            push_member(out, v.version, &iso8601(v.published));
        }
        out.push(b'}');
        if let Some(readme) = doc.readme {
            out.push(b',');
            push_member(out, "readme", readme);
        }
    }
    out.push(b'}');
}

/// Writes `{tag: version, ...}`: the dist-tags member, and the whole answer
/// to `GET -/package/<name>/dist-tags`.
pub fn write_dist_tags(out: &mut Vec<u8>, tags: &BTreeMap<String, String>) {
    out.push(b'{');
    for (i, (tag, version)) in tags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_member(out, tag, version);
    }
    out.push(b'}');
}

/// Appends a prepared object with `"dist":{...}` added before its closing brace.
fn splice(out: &mut Vec<u8>, v: &VersionDoc<'_>) {
    let text = v.prepared_json.trim();
    match text.strip_suffix('}').filter(|head| head.starts_with('{')) {
        Some(head) => {
            out.extend_from_slice(head.as_bytes());
            if !head.trim_end().ends_with('{') {
                out.push(b',');
            }
        }
        // Not an object at all: a minimal one keeps the document valid JSON.
        None => {
            out.push(b'{');
            push_member(out, "version", v.version);
            out.push(b',');
        }
    }
    out.extend_from_slice(b"\"dist\":{");
    push_member(out, "integrity", v.dist.integrity);
    out.push(b',');
    push_member(out, "shasum", v.dist.shasum);
    out.push(b',');
    push_member(out, "tarball", v.dist.tarball);
    out.extend_from_slice(b"}}");
}

fn push_member(out: &mut Vec<u8>, key: &str, value: &str) {
    push_str(out, key);
    out.push(b':');
    push_str(out, value);
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    // Writing a str into a Vec cannot fail; the fallback keeps the JSON valid.
    if serde_json::to_writer(&mut *out, s).is_err() {
        out.extend_from_slice(b"\"\"");
    }
}

/// npm's registry time format, `2015-05-16T22:27:54.741Z`.
fn iso8601(secs: i64) -> String {
    crate::time::utc(secs).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Whether an `Accept` header asks for the abbreviated document: it names
/// [`ABBREVIATED_CONTENT_TYPE`] with a q above zero and at least that of
/// `application/json`. npm sends
/// `application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*`.
pub fn wants_abbreviated(accept: Option<&str>) -> bool {
    let q_of = |wanted: &str| {
        accept?.split(',').find_map(|item| {
            let mut params = item.split(';');
            let media = params.next()?.trim();
            media.eq_ignore_ascii_case(wanted).then(|| {
                params
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0)
            })
        })
    };
    match q_of(ABBREVIATED_CONTENT_TYPE) {
        Some(q) if q > 0.0 => q >= q_of(FULL_CONTENT_TYPE).unwrap_or(0.0),
        _ => false,
    }
}

/// The version a missing `latest` tag stands for: the highest release, else
/// the highest prerelease. Strings that are not semver are skipped.
pub fn newest<'a>(versions: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let parsed = versions.into_iter().filter_map(|s| Some((semver::Version::parse(s).ok()?, s)));
    let (releases, pre): (Vec<_>, Vec<_>) = parsed.partition(|(v, _)| v.pre.is_empty());
    let best = |list: Vec<(semver::Version, &'a str)>| {
        list.into_iter().max_by(|a, b| a.0.cmp(&b.0)).map(|(_, s)| s)
    };
    best(releases).or_else(|| best(pre))
}

/// An error body npm prints: it shows the `error` member after the status line.
pub fn error_body(message: &str) -> Vec<u8> {
    let mut out = b"{".to_vec();
    push_member(&mut out, "error", message);
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression};
    use serde_json::json;
    use tar::EntryType::{GNULongName, Regular, XHeader};

    /// Asserts a result is an error matching a pattern, showing it if not.
    macro_rules! refused {
        ($result:expr, $pattern:pat) => {{
            let result = $result;
            assert!(matches!(result, Err($pattern)), "{result:?}");
        }};
    }

    fn name(s: &str) -> PackageName {
        PackageName::parse(s).unwrap()
    }

    /// Builds `.tgz` bytes from raw entries; names go straight into the
    /// header so tests can build the unsafe ones the tar crate refuses.
    fn tgz_raw(entries: &[(tar::EntryType, &str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        for (kind, path, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(*kind);
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
        tgz_raw(&files.iter().map(|(p, d)| (Regular, *p, *d)).collect::<Vec<_>>())
    }

    const PKG: &[u8] = br#"{"name":"foo","version":"1.0.0"}"#;

    fn body(name: &str, version: &str, tarball: &[u8]) -> Value {
        json!({
            "_id": name, "name": name, "description": "d", "access": "public",
            "dist-tags": {"latest": version},
            "versions": {version: {
                "name": name, "version": version, "readme": "hi",
                "dist": {"integrity": integrity(tarball), "shasum": shasum(tarball), "tarball": "x"},
            }},
            "_attachments": {format!("{name}-{version}.tgz"): {
                "content_type": "application/octet-stream",
                "data": BASE64.encode(tarball), "length": tarball.len(),
            }},
        })
    }

    fn publish(doc: &Value) -> Result<Publish, PublishError> {
        parse_publish(&name(doc["name"].as_str().unwrap()), doc.to_string().as_bytes())
    }

    fn publish_tgz(tarball: &[u8]) -> Result<Publish, PublishError> {
        publish(&body("foo", "1.0.0", tarball))
    }

    /// The `what` of a mismatch, to tell which check refused.
    fn mismatch<T: std::fmt::Debug>(result: Result<T, PublishError>) -> &'static str {
        match result {
            Err(PublishError::Mismatch { what, .. }) => what,
            other => panic!("expected a mismatch, got {other:?}"),
        }
    }

    #[test]
    fn names_parse_with_scope_and_without() {
        let n = name("@my-org/pkg.js_2");
        assert_eq!(
            (n.scope(), n.bare(), n.full()),
            (Some("my-org"), "pkg.js_2", "@my-org/pkg.js_2".into())
        );
        let n = name("left-pad");
        assert_eq!((n.scope(), n.bare(), n.to_string()), (None, "left-pad", "left-pad".into()));
        assert_eq!(PackageName::from_parts(Some("s"), "n"), Ok(name("@s/n")));
        assert_eq!(PackageName::from_parts(None, "n"), Ok(name("n")));
        assert!(PackageName::from_parts(Some("s/x"), "n").is_err());
        assert!(PackageName::parse(&"a".repeat(214)).is_ok());
    }

    #[test]
    fn names_breaking_npm_rules_are_refused() {
        let long = "a".repeat(215);
        let scoped_long = format!("@s/{}", "a".repeat(212));
        let cases: &[(&str, &str)] = &[
            ("", "greater than zero"),
            (&long, "214"),
            (&scoped_long, "214"),
            (".hidden", "period"),
            ("..", "period"),
            ("@s/../x", "period"),
            ("@s/.x", "period"),
            ("_private", "underscore"),
            ("@_s/x", "underscore"),
            ("Foo", "capital"),
            ("a b", "spaces"),
            (" a", "leading or trailing"),
            ("a\n", "leading or trailing"),
            ("a!", "special characters"),
            ("a(b)", "special characters"),
            ("a%2e", "URL-friendly"),
            ("a\\b", "URL-friendly"),
            ("a#b", "URL-friendly"),
            ("ünï", "URL-friendly"),
            ("a/b", "URL-friendly"),
            ("@s/a/b", "URL-friendly"),
            ("@scope", "@scope/name"),
            ("@/x", "non-empty"),
            ("@s/", "non-empty"),
            ("node_modules", "reserved"),
            ("favicon.ico", "reserved"),
        ];
        for (input, reason) in cases {
            let err = PackageName::parse(input).unwrap_err();
            assert!(err.reason.contains(reason), "{input:?}: {err}");
            assert!(err.to_string().starts_with("invalid package name"), "{err}");
        }
    }

    #[test]
    fn routes_cover_npm_paths_in_both_scoped_spellings() {
        for segs in [&[][..], &[""], &["-", "ping"]] {
            assert_eq!(route(segs), Ok(Route::Ping));
        }
        assert_eq!(route(&["-", "whoami"]), Ok(Route::Whoami));
        assert_eq!(route(&["foo"]), Ok(Route::Package(name("foo"))));
        assert_eq!(route(&["@s/foo"]), Ok(Route::Package(name("@s/foo"))));
        assert_eq!(route(&["@s", "foo"]), Ok(Route::Package(name("@s/foo"))));
        let file = "foo-1.0.0-rc.1.tgz";
        let tarball = |p: &str| Route::Tarball {
            package: name(p),
            version: "1.0.0-rc.1".into(),
            filename: file.into(),
        };
        assert_eq!(route(&["foo", "-", file]), Ok(tarball("foo")));
        assert_eq!(route(&["@s/foo", "-", file]), Ok(tarball("@s/foo")));
        assert_eq!(route(&["@s", "foo", "-", file]), Ok(tarball("@s/foo")));
        for segs in [
            &["-", "package", "@s/foo", "dist-tags"][..],
            &["-", "package", "@s", "foo", "dist-tags"],
        ] {
            assert_eq!(route(segs), Ok(Route::DistTags(name("@s/foo"))));
        }
        let tag = Route::DistTag { package: name("foo"), tag: "beta".into() };
        assert_eq!(route(&["-", "package", "foo", "dist-tags", "beta"]), Ok(tag));
        assert_eq!(tarball_filename(&name("@s/foo"), "1.2.3"), "foo-1.2.3.tgz");
        assert_eq!(tarball_path(&name("@s/foo"), "1.2.3"), "@s/foo/-/foo-1.2.3.tgz");
        assert_eq!(tarball_path(&name("foo"), "1.2.3"), "foo/-/foo-1.2.3.tgz");
    }

    #[test]
    fn routes_refuse_unknown_paths_bad_names_and_bad_tarballs() {
        for segs in [
            &["-", "v1", "search"][..],
            &["-", "package", "foo"],
            &["-", "package", "foo", "dist-tags", ""],
            &["-", "package"],
            &["foo", "1.0.0"],
            &["foo", "-"],
            &["foo", ""],
        ] {
            assert_eq!(route(segs), Err(RouteError::Unknown), "{segs:?}");
        }
        refused!(route(&["Foo"]), RouteError::Name(_));
        refused!(route(&[".."]), RouteError::Name(_));
        refused!(route(&["@s", "..", "-", "x.tgz"]), RouteError::Name(_));
        refused!(route(&["-", "package", "A", "dist-tags"]), RouteError::Name(_));
        for file in
            ["bar-1.0.0.tgz", "foo-1.0.0.tar.gz", "foo-1.0.tgz", "foo-v1.0.0.tgz", "foo1.0.0.tgz"]
        {
            refused!(route(&["foo", "-", file]), RouteError::Tarball(_));
        }
    }

    #[test]
    fn hashes_match_known_vectors() {
        let sri = "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==";
        assert_eq!(integrity(b"abc"), sri);
        assert_eq!(shasum(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn a_publish_is_parsed() {
        let pkg = br#"{"name":"@s/foo","version":"v1.0.0"}"#;
        let files: [(&str, &[u8]); 3] = [
            ("package/README.md", b"# foo"),
            ("package/package.json", pkg),
            ("package/npm-shrinkwrap.json", b"{}"),
        ];
        let tarball = tgz(&files);
        let mut doc = body("@s/foo", "1.0.0", &tarball);
        doc["dist-tags"] = json!({"beta": "1.0.0"});
        let p = publish(&doc).unwrap();
        assert_eq!((p.name.full(), p.version.as_str()), ("@s/foo".into(), "1.0.0"));
        assert_eq!(p.dist_tags, BTreeMap::from([("beta".into(), "1.0.0".into())]));
        assert_eq!(p.access.as_deref(), Some("public"));
        assert_eq!((p.description.as_deref(), p.readme.as_deref()), (Some("d"), Some("hi")));
        assert_eq!(
            (p.integrity.clone(), p.shasum.clone()),
            (integrity(&tarball), shasum(&tarball))
        );
        assert_eq!(p.tarball, tarball);
        assert_eq!((p.file_count, p.unpacked_size), (3, 5 + pkg.len() as u64 + 2));
        assert_eq!(p.manifest["_hasShrinkwrap"], json!(true));
    }

    #[test]
    fn a_publish_defaults_to_latest_and_reads_the_tarball_readme() {
        let tarball = tgz(&[("pkg/package.json", PKG), ("pkg/Readme", b"from tar")]);
        let mut doc = body("foo", "1.0.0", &tarball);
        doc["dist-tags"] = json!({});
        doc["versions"]["1.0.0"] = json!({"name": "foo", "version": "1.0.0"});
        doc["_attachments"]["foo-1.0.0.tgz"]["length"] = Value::Null;
        let p = publish(&doc).unwrap();
        assert_eq!(p.dist_tags, BTreeMap::from([("latest".into(), "1.0.0".into())]));
        assert_eq!(p.readme.as_deref(), Some("from tar"));
        assert_eq!(p.manifest["_hasShrinkwrap"], json!(false));
        // A scoped package's attachment may also carry the bare name.
        let tarball = tgz(&[("package/package.json", br#"{"name":"@s/foo","version":"1.0.0"}"#)]);
        let mut doc = body("@s/foo", "1.0.0", &tarball);
        let attachment = doc["_attachments"]["@s/foo-1.0.0.tgz"].take();
        doc["_attachments"] = json!({"foo-1.0.0.tgz": attachment});
        assert!(publish(&doc).is_ok());
    }

    #[test]
    fn publish_document_errors() {
        let tarball = tgz(&[("package/package.json", PKG)]);
        let good = body("foo", "1.0.0", &tarball);
        let edit = |change: &dyn Fn(&mut Value)| {
            let mut doc = good.clone();
            change(&mut doc);
            publish(&doc)
        };
        refused!(parse_publish(&name("foo"), b"{"), PublishError::Json(_));
        refused!(parse_publish(&name("foo"), b"[]"), PublishError::Shape(_));
        assert_eq!(
            mismatch(parse_publish(&name("bar"), good.to_string().as_bytes())),
            "the document's name"
        );
        assert_eq!(mismatch(edit(&|d| d["_id"] = json!("bar"))), "the document's _id");
        refused!(edit(&|d| d["versions"] = json!({})), PublishError::VersionCount(0));
        refused!(edit(&|d| d["versions"]["1.0.1"] = json!({})), PublishError::VersionCount(2));
        refused!(edit(&|d| d["versions"] = json!([])), PublishError::Shape(_));
        refused!(edit(&|d| d["versions"] = json!({"v1.0.0": {}})), PublishError::Version(_));
        refused!(edit(&|d| d["versions"]["1.0.0"] = json!(1)), PublishError::Shape(_));
        assert_eq!(
            mismatch(edit(&|d| d["versions"]["1.0.0"]["name"] = json!("bar"))),
            "the manifest's name"
        );
        assert_eq!(
            mismatch(edit(&|d| d["versions"]["1.0.0"]["version"] = json!("1.0.1"))),
            "the manifest's version"
        );
        refused!(
            edit(&|d| d["dist-tags"] = json!({"1.x": "1.0.0"})),
            PublishError::Tag(TagError::Range(_))
        );
        refused!(
            edit(&|d| d["dist-tags"] = json!({"a/b": "1.0.0"})),
            PublishError::Tag(TagError::Name(_))
        );
        assert_eq!(
            mismatch(edit(&|d| d["dist-tags"] = json!({"beta": "2.0.0"}))),
            "the version a dist-tag points at"
        );
        refused!(edit(&|d| d["dist-tags"] = json!("latest")), PublishError::Shape(_));
        refused!(edit(&|d| d["_attachments"] = json!({})), PublishError::AttachmentCount(0));
        refused!(
            edit(&|d| d["_attachments"]["x.tgz"] = json!({})),
            PublishError::AttachmentCount(2)
        );
        refused!(
            edit(&|d| d["_attachments"]["foo-1.0.0.sigstore"] = json!({})),
            PublishError::Provenance
        );
        let renamed = edit(&|d| d["_attachments"] = json!({"foo-1.0.1.tgz": {}}));
        assert_eq!(mismatch(renamed), "the attachment's name");
        let attachment = |change: &dyn Fn(&mut Value)| {
            edit(&|d| change(&mut d["_attachments"]["foo-1.0.0.tgz"]))
        };
        refused!(attachment(&|a| a["data"] = json!("@@@")), PublishError::Base64(_));
        refused!(attachment(&|a| a["data"] = json!(7)), PublishError::Shape(_));
        refused!(attachment(&|a| a["length"] = json!("1")), PublishError::Shape(_));
        assert_eq!(mismatch(attachment(&|a| a["length"] = json!(1))), "the attachment's length");
        let dist =
            |change: &dyn Fn(&mut Value)| edit(&|d| change(&mut d["versions"]["1.0.0"]["dist"]));
        assert_eq!(mismatch(dist(&|d| d["integrity"] = json!(integrity(b"x")))), "dist.integrity");
        assert_eq!(mismatch(dist(&|d| d["integrity"] = json!("sha1-AAAA"))), "dist.integrity");
        refused!(
            dist(&|d| d["integrity"] = json!("md5-AAAA")),
            PublishError::IntegrityUnsupported(_)
        );
        assert_eq!(mismatch(dist(&|d| d["shasum"] = json!(shasum(b"x")))), "dist.shasum");
        // SRI with several hashes is checked hash by hash; shasum's case does not matter.
        let both =
            format!("{} sha1-{}", integrity(&tarball), BASE64.encode(Sha1::digest(&tarball)));
        assert!(dist(&|d| d["integrity"] = json!(both)).is_ok());
        assert!(dist(&|d| d["shasum"] = json!(shasum(&tarball).to_uppercase())).is_ok());
    }

    #[test]
    fn tarball_errors() {
        refused!(publish_tgz(b"not gzip"), PublishError::Tarball(_));
        refused!(publish_tgz(&tgz(&[])), PublishError::NoPackageJson);
        refused!(publish_tgz(&tgz(&[("package.json", PKG)])), PublishError::NoPackageJson);
        refused!(publish_tgz(&tgz(&[("a/b/package.json", PKG)])), PublishError::NoPackageJson);
        refused!(
            publish_tgz(&tgz(&[("package/package.json", b"[1")])),
            PublishError::PackageJson(_)
        );
        refused!(
            publish_tgz(&tgz(&[("package/package.json", b"[]")])),
            PublishError::PackageJson(_)
        );
        let wrong_name = tgz(&[("package/package.json", br#"{"name":"bar","version":"1.0.0"}"#)]);
        assert_eq!(mismatch(publish_tgz(&wrong_name)), "the tarball's package.json name");
        let wrong_version =
            tgz(&[("package/package.json", br#"{"name":"foo","version":"1.0.1"}"#)]);
        assert_eq!(mismatch(publish_tgz(&wrong_version)), "the tarball's package.json version");
        for bad in ["package/../../etc/x", "/etc/passwd", "package/..\\x", "\\x"] {
            refused!(
                publish_tgz(&tgz(&[("package/package.json", PKG), (bad, b"x")])),
                PublishError::UnsafePath(_)
            );
        }
        let huge = vec![b' '; (1 << 20) + 1];
        refused!(publish_tgz(&tgz(&[("package/package.json", &huge)])), PublishError::TooLarge(_));
        let mut truncated = tgz(&[("package/package.json", PKG)]);
        truncated.truncate(truncated.len() / 2);
        refused!(publish_tgz(&truncated), PublishError::Tarball(_));
    }

    #[test]
    fn long_names_are_followed_and_checked() {
        let long = format!("package/{}/package.json", "d".repeat(120));
        let t =
            tgz_raw(&[(GNULongName, "././@LongLink", long.as_bytes()), (Regular, "short", PKG)]);
        refused!(publish_tgz(&t), PublishError::NoPackageJson);
        let t = tgz_raw(&[
            (GNULongName, "././@LongLink", b"package/package.json\0"),
            (Regular, "x", PKG),
        ]);
        assert_eq!(publish_tgz(&t).unwrap().file_count, 1);
        let t = tgz_raw(&[
            (Regular, "package/package.json", PKG),
            (GNULongName, "L", b"../x"),
            (Regular, "ok", b""),
        ]);
        refused!(publish_tgz(&t), PublishError::UnsafePath(_));
        let pax = b"21 path=package/../x\n";
        let t = tgz_raw(&[
            (Regular, "package/package.json", PKG),
            (XHeader, "pax", pax),
            (Regular, "ok", b""),
        ]);
        refused!(publish_tgz(&t), PublishError::UnsafePath(_));
        let huge = vec![b'a'; (1 << 20) + 1];
        refused!(
            publish_tgz(&tgz_raw(&[(GNULongName, "L", &huge), (Regular, "x", b"")])),
            PublishError::TooLarge(_)
        );
    }

    #[test]
    fn scanning_stops_at_the_limits() {
        let t = tgz(&[("package/a", b""), ("package/b", b""), ("package/package.json", b"{}")]);
        let limits =
            |entries, bytes| Limits { entries, bytes, package_json: 1 << 20, readme: 1 << 20 };
        assert!(scan_tarball(&t, &limits(3, 1 << 20)).is_ok());
        refused!(scan_tarball(&t, &limits(2, 1 << 20)), PublishError::TooLarge(_));
        refused!(scan_tarball(&t, &limits(3, 1000)), PublishError::TooLarge(_));
        let readme =
            tgz(&[("package/package.json", b"{}"), ("package/readme.md", "héllo".as_bytes())]);
        let facts = scan_tarball(&readme, &Limits { readme: 2, ..limits(10, 1 << 20) }).unwrap();
        assert_eq!(facts.readme.as_deref(), Some("h"));
    }

    #[test]
    fn prepare_keeps_housekeeping_out_and_corgi_fields_in() {
        let manifest = json!({
            "name": "foo", "version": "1.0.0", "_id": "junk", "readme": "r", "dist": {"x": 1},
            "_attachments": {}, "description": "d", "main": "index.js",
            "dependencies": {"a": "^1"}, "engines": {"node": ">=18"}, "os": ["linux"],
            "scripts": {"install": "node-gyp rebuild", "test": "t"}, "deprecated": "use bar",
        });
        let p = prepare(&manifest, &name("foo"), "1.0.0");
        let full: Value = serde_json::from_str(&p.full).unwrap();
        assert_eq!(full["_id"], json!("foo@1.0.0"));
        for gone in ["readme", "dist", "_attachments"] {
            assert!(full.get(gone).is_none(), "{gone}");
        }
        assert_eq!((&full["main"], &full["description"]), (&json!("index.js"), &json!("d")));
        let corgi: Value = serde_json::from_str(&p.abbreviated).unwrap();
        let keys: Vec<_> = corgi.as_object().unwrap().keys().map(String::as_str).collect();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["dependencies", "deprecated", "engines", "hasInstallScript", "name", "os", "version"]
        );
        let plain = prepare(&json!({"scripts": {"test": "t"}}), &name("@s/x"), "2.0.0");
        let corgi: Value = serde_json::from_str(&plain.abbreviated).unwrap();
        assert_eq!(corgi, json!({"name": "@s/x", "version": "2.0.0"}));
        assert!(prepare(&json!(null), &name("x"), "1.0.0").full.contains("\"_id\":\"x@1.0.0\""));
    }

    fn document(
        versions: &[VersionDoc<'_>],
        tags: &BTreeMap<String, String>,
        abbreviated: bool,
    ) -> Value {
        let n = name("@s/foo");
        let readme = Some("# r\n\"q\"");
        let doc = Document {
            name: &n,
            dist_tags: tags,
            versions,
            created: 0,
            modified: 1_431_815_274,
            readme,
        };
        let mut out = Vec::new();
        write_document(&mut out, &doc, abbreviated);
        serde_json::from_slice(&out)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
    }

    #[test]
    fn documents_are_valid_json_with_dist_spliced_in() {
        let p = prepare(&json!({"dependencies": {"a": "1"}}), &name("@s/foo"), "1.0.0");
        let dist = Dist {
            integrity: "sha512-x",
            shasum: "ab",
            tarball: "http://h:1/npm/r/@s/foo/-/foo-1.0.0.tgz",
        };
        let weird = Dist { integrity: "\"\\\n\u{1}", shasum: "</script>", tarball: "é" };
        let versions = [
            VersionDoc { version: "1.0.0", prepared_json: &p.full, dist, published: 951_782_400 },
            VersionDoc { version: "2.0.0", prepared_json: " { } ", dist: weird, published: -5 },
            VersionDoc { version: "3\"", prepared_json: "garbage", dist, published: i64::MAX },
        ];
        let tags = BTreeMap::from([
            ("latest".to_owned(), "1.0.0".to_owned()),
            ("we\"ird".to_owned(), "x".to_owned()),
        ]);
        let full = document(&versions, &tags, false);
        assert_eq!((&full["_id"], &full["name"]), (&json!("@s/foo"), &json!("@s/foo")));
        assert_eq!(full["dist-tags"], json!({"latest": "1.0.0", "we\"ird": "x"}));
        assert_eq!(full["versions"]["1.0.0"]["dependencies"]["a"], json!("1"));
        assert_eq!(full["versions"]["1.0.0"]["dist"]["tarball"], json!(dist.tarball));
        assert_eq!(full["versions"]["2.0.0"]["dist"]["integrity"], json!("\"\\\n\u{1}"));
        assert_eq!(full["versions"]["3\""]["version"], json!("3\""));
        let time = json!({
            "created": "1970-01-01T00:00:00.000Z", "modified": "2015-05-16T22:27:54.000Z",
            "1.0.0": "2000-02-29T00:00:00.000Z", "2.0.0": "1970-01-01T00:00:00.000Z",
            "3\"": "9999-12-31T23:59:59.000Z",
        });
        assert_eq!(full["time"], time);
        assert_eq!(full["readme"], json!("# r\n\"q\""));
        let corgi = document(&versions[..1], &tags, true);
        let keys: Vec<_> = corgi.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
        assert_eq!(corgi["modified"], json!("2015-05-16T22:27:54.000Z"));
        let empty = document(&[], &BTreeMap::new(), false);
        assert_eq!((&empty["versions"], &empty["dist-tags"]), (&json!({}), &json!({})));
        let mut out = Vec::new();
        write_dist_tags(&mut out, &tags);
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), full["dist-tags"]);
        assert_eq!(
            serde_json::from_slice::<Value>(&error_body("no \"x\"")).unwrap(),
            json!({"error": "no \"x\""})
        );
    }

    #[test]
    fn accept_headers_choose_the_document() {
        let npm = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
        assert!(wants_abbreviated(Some(npm)));
        assert!(wants_abbreviated(Some("Application/Vnd.Npm.Install-V1+json")));
        for full in [
            None,
            Some("application/json"),
            Some("*/*"),
            Some("application/vnd.npm.install-v1+json;q=0"),
        ] {
            assert!(!wants_abbreviated(full), "{full:?}");
        }
        assert!(!wants_abbreviated(Some(
            "application/vnd.npm.install-v1+json;q=0.5, application/json"
        )));
    }

    #[test]
    fn newest_prefers_releases() {
        assert_eq!(newest(["1.0.0", "1.10.0", "1.9.0", "2.0.0-rc.1", "bad"]), Some("1.10.0"));
        assert_eq!(newest(["1.0.0-alpha", "1.0.0-beta"]), Some("1.0.0-beta"));
        assert_eq!(newest(["bad"]), None);
        assert_eq!(newest([]), None);
    }

    #[test]
    fn dist_tags_are_checked() {
        for ok in ["latest", "beta", "next-2", "canary.1"] {
            assert_eq!(check_tag(ok), Ok(()), "{ok}");
        }
        for range in ["1.x", "~1.2", "1", "1.0.0", "v1", "*", "x"] {
            refused!(check_tag(range), TagError::Range(_));
        }
        for bad in ["", "a/b", "a b", "a%20", "é", "^1", ">=2", &"a".repeat(256)] {
            refused!(check_tag(bad), TagError::Name(_));
        }
        assert_eq!(parse_dist_tag_body(b"\"1.2.3\""), Ok("1.2.3".into()));
        for body in [&b"{\"v\":1}"[..], b"1.2.3", b""] {
            assert_eq!(parse_dist_tag_body(body), Err(TagError::Body));
        }
        refused!(parse_dist_tag_body(b"\"latest\""), TagError::Version(_));
    }
}
