//! PyPI as AWS CodeArtifact serves it, without state: project names and
//! versions (PEP 503, 508, 440), distribution file names (PEP 427, 625),
//! twine's multipart upload, and the simple repository API pages pip reads
//! (PEP 503 HTML, PEP 691 JSON, PEP 700 fields). The server's `/pypi/`
//! endpoints use it so that every rule a client can trip over lives in one
//! place and is tested against hostile input, not only against twine.

use std::fmt::Write as _;
use std::future::Future;
use std::io;

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Value};

/// CodeArtifact's limit for package names, versions and asset names.
pub const MAX_NAME_LEN: usize = 255;
/// The largest text field an upload may carry (long descriptions included).
pub const MAX_FIELD_BYTES: usize = 1 << 20;
/// All text fields together: 1,000 fields of 1 MiB each would be a gigabyte
/// held in memory, so the sum is bounded too.
pub const MAX_TEXT_BYTES: usize = 8 << 20;
/// The sum of all part names in one upload form.
pub const MAX_FIELD_NAME_BYTES: usize = 64 << 10;
/// Parts in one upload form; twine sends a few dozen.
pub const MAX_FIELDS: usize = 1000;

/// Shows user text in an error message: quoted, cut at 80 characters and
/// ASCII-only, because the message becomes an HTTP reason phrase.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(80).flat_map(char::escape_default).collect();
    if s.chars().nth(80).is_some() {
        out.push_str("...");
    }
    format!("\"{out}\"")
}

/// Replaces what an HTTP reason phrase cannot carry.
fn ascii(s: &str) -> String {
    s.chars().map(|c| if c == ' ' || c.is_ascii_graphic() { c } else { '?' }).collect()
}

// ---------------------------------------------------------------- names

/// PEP 503 normalization: lowercase, every run of `-`, `_` and `.` becomes
/// one `-`. CodeArtifact stores PyPI names this way, and pip asks for
/// `simple/<normalized>/`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            in_separator = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// A project name as core metadata allows it (PEP 508:
/// `^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, any case) and within
/// CodeArtifact's 255 characters. Such names never hold `#`, `/` or spaces,
/// so CodeArtifact's `[^#/\s]+` holds too.
pub fn is_valid_project_name(name: &str) -> bool {
    let b = name.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            b.len() <= MAX_NAME_LEN
                && first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
        }
        _ => false,
    }
}

// ------------------------------------------------------------- versions

/// A cursor over a lowercased version string.
struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn rest(&self) -> &'a [u8] {
        self.s.get(self.i..).unwrap_or_default()
    }
    fn eat(&mut self, lit: &str) -> bool {
        let found = self.rest().starts_with(lit.as_bytes());
        if found {
            self.i += lit.len();
        }
        found
    }
    fn separator(&mut self) -> bool {
        self.eat("-") || self.eat("_") || self.eat(".")
    }
    fn take(&mut self, pred: fn(&u8) -> bool) -> &'a str {
        let rest = self.rest();
        let len = rest.iter().take_while(|c| pred(c)).count();
        self.i += len;
        // Only ASCII is taken, so this never fails.
        std::str::from_utf8(rest.get(..len).unwrap_or_default()).unwrap_or_default()
    }
    /// Digits with leading zeros dropped, kept as text so that no number
    /// overflows.
    fn number(&mut self) -> Option<String> {
        let digits = self.take(u8::is_ascii_digit);
        (!digits.is_empty()).then(|| without_zeros(digits).to_owned())
    }
    /// `[-_.]? label [-_.]? N?`, as PEP 440 spells pre, post and dev parts.
    /// Labels that prefix others come after them in `labels`. A separator
    /// with no number after it is left for the next part, as the PEP's
    /// regular expression would backtrack.
    fn part(&mut self, labels: &[(&str, &'static str)]) -> Option<(&'static str, String)> {
        let start = self.i;
        self.separator();
        let Some(&(label, canonical)) =
            labels.iter().find(|(label, _)| self.rest().starts_with(label.as_bytes()))
        else {
            self.i = start;
            return None;
        };
        self.i += label.len();
        let after_label = self.i;
        self.separator();
        let n = self.number().unwrap_or_else(|| {
            self.i = after_label;
            "0".to_owned()
        });
        Some((canonical, n))
    }
}

fn without_zeros(digits: &str) -> &str {
    match digits.trim_start_matches('0') {
        "" => "0",
        trimmed => trimmed,
    }
}

/// The PEP 440 normal form of a version (as `packaging.version.Version`
/// prints it), or `None` if it is not a PEP 440 version. Spellings are
/// folded (`v1.0-Alpha.1` is `1.0a1`, `1.0-r2` is `1.0.post2`), leading
/// zeros go, a zero epoch goes; trailing `.0`s stay, so `1.0` and `1.0.0`
/// differ, as in file names. Surrounding whitespace is refused, since
/// CodeArtifact refuses it in versions.
pub fn normalize_version(version: &str) -> Option<String> {
    const PRE: &[(&str, &str)] = &[
        ("alpha", "a"),
        ("a", "a"),
        ("beta", "b"),
        ("b", "b"),
        ("preview", "rc"),
        ("pre", "rc"),
        ("c", "rc"),
        ("rc", "rc"),
    ];
    const POST: &[(&str, &str)] = &[("post", ".post"), ("rev", ".post"), ("r", ".post")];

    let lower = version.to_ascii_lowercase();
    let mut p = Scanner { s: lower.as_bytes(), i: 0 };
    p.eat("v");
    let mut out = p.number()?;
    if p.eat("!") {
        out = if out == "0" { String::new() } else { out + "!" };
        out.push_str(&p.number()?);
    }
    while p.rest().first() == Some(&b'.') && p.rest().get(1).is_some_and(u8::is_ascii_digit) {
        p.i += 1;
        out.push('.');
        out.push_str(&p.number()?);
    }
    let pre = p.part(PRE);
    // `1.0-3` is an implicit post release.
    let implicit_post = p.rest().first() == Some(&b'-')
        && p.rest().get(1).is_some_and(u8::is_ascii_digit)
        && p.eat("-");
    let post = if implicit_post { Some((".post", p.number()?)) } else { p.part(POST) };
    let dev = p.part(&[("dev", ".dev")]);
    for (label, n) in [pre, post, dev].into_iter().flatten() {
        out.push_str(label);
        out.push_str(&n);
    }
    if p.eat("+") {
        out.push('+');
        loop {
            let segment = p.take(u8::is_ascii_alphanumeric);
            if segment.is_empty() {
                return None;
            }
            let digits = segment.bytes().all(|c| c.is_ascii_digit());
            out.push_str(if digits { without_zeros(segment) } else { segment });
            if !p.separator() {
                break;
            }
            out.push('.');
        }
    }
    p.rest().is_empty().then_some(out)
}

/// A version CodeArtifact's PyPI repositories take: PEP 440 in any of its
/// spellings, at most 255 characters. Local versions (`1.0+abc`) are
/// accepted, unlike on pypi.org, because private repositories hold builds
/// from tools such as setuptools-scm that make them.
pub fn is_valid_version(version: &str) -> bool {
    version.len() <= MAX_NAME_LEN && normalize_version(version).is_some()
}

// ----------------------------------------------------------- file names

/// What kind of distribution a file is, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A built distribution, `.whl` (PEP 427); twine's `filetype=bdist_wheel`.
    Wheel,
    /// A source distribution, `.tar.gz` or legacy `.zip`; `filetype=sdist`.
    Sdist,
}

impl Kind {
    /// The `filetype` twine sends for this kind.
    pub fn filetype(self) -> &'static str {
        match self {
            Kind::Wheel => "bdist_wheel",
            Kind::Sdist => "sdist",
        }
    }
}

/// A distribution file name taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    /// The whole file name, as uploaded.
    pub filename: String,
    /// The project as written in the file name (`foo_bar` for `foo-bar`).
    pub project: String,
    /// The version as written in the file name.
    pub version: String,
    /// Wheel or sdist.
    pub kind: Kind,
}

/// Why a file name is not one a repository will store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileNameError {
    #[error("the file name is empty")]
    Empty,
    #[error("the file name is longer than 255 bytes")]
    TooLong,
    #[error("the file name {} is a path or starts with a dot; send a plain file name", shown(.0))]
    Path(String),
    #[error(
        "the file name {} contains '{}'; use letters, digits and ._-+! only",
        shown(.0),
        .1.escape_default()
    )]
    BadCharacter(String, char),
    #[error("the file name {} is neither a wheel (.whl) nor an sdist (.tar.gz, .zip)", shown(.0))]
    UnknownExtension(String),
    #[error("the file name {} does not read as {}", shown(.0), .1)]
    Malformed(String, &'static str),
}

const WHEEL_SHAPE: &str = "{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl";

/// Takes a wheel or sdist file name apart, refusing anything that could
/// escape a directory or confuse a URL: the name is used as a path segment
/// and as an asset name. Only the characters real distribution names use
/// are allowed (letters, digits, `._-+!`), so no escaping is needed later.
pub fn parse_filename(filename: &str) -> Result<Distribution, FileNameError> {
    let path = || FileNameError::Path(filename.to_owned());
    if filename.is_empty() {
        return Err(FileNameError::Empty);
    }
    if filename.len() > MAX_NAME_LEN {
        return Err(FileNameError::TooLong);
    }
    if filename.contains(['/', '\\']) || filename.starts_with('.') || filename.contains("..") {
        return Err(path());
    }
    if let Some(c) = filename.chars().find(|c| !(c.is_ascii_alphanumeric() || "._-+!".contains(*c)))
    {
        return Err(FileNameError::BadCharacter(filename.to_owned(), c));
    }
    let malformed = |why| FileNameError::Malformed(filename.to_owned(), why);
    let (project, version, kind) = if let Some(stem) = filename.strip_suffix(".whl") {
        let parts: Vec<&str> = stem.split('-').collect();
        if !(parts.len() == 5 || parts.len() == 6) || parts.iter().any(|p| p.is_empty()) {
            return Err(malformed(WHEEL_SHAPE));
        }
        if parts.len() == 6 && !parts[2].starts_with(|c: char| c.is_ascii_digit()) {
            return Err(malformed("a wheel whose build tag starts with a digit"));
        }
        (parts[0], parts[1], Kind::Wheel)
    } else {
        let stem = filename.strip_suffix(".tar.gz").or_else(|| filename.strip_suffix(".zip"));
        let stem = stem.ok_or_else(|| FileNameError::UnknownExtension(filename.to_owned()))?;
        // Legacy sdists may have `-` in the name; the version never does.
        let (project, version) = stem
            .rsplit_once('-')
            .filter(|(p, v)| !p.is_empty() && !v.is_empty())
            .ok_or_else(|| malformed("{name}-{version}.tar.gz"))?;
        (project, version, Kind::Sdist)
    };
    if !is_valid_project_name(project) {
        return Err(malformed("a valid project name followed by -{version}"));
    }
    Ok(Distribution {
        filename: filename.to_owned(),
        project: project.to_owned(),
        version: version.to_owned(),
        kind,
    })
}

/// Whether a file belongs to the release named in the form: the same
/// project after PEP 503 normalization, the same version after PEP 440
/// normalization (raw text, case aside, if either is not PEP 440).
pub fn check_upload_matches(
    dist: &Distribution,
    form_name: &str,
    form_version: &str,
) -> Result<(), UploadError> {
    if normalize(&dist.project) != normalize(form_name) {
        return Err(UploadError::Mismatch(dist.filename.clone(), "name", form_name.to_owned()));
    }
    let same = match (normalize_version(&dist.version), normalize_version(form_version)) {
        (Some(a), Some(b)) => a == b,
        _ => dist.version.eq_ignore_ascii_case(form_version),
    };
    if !same {
        let version = form_version.to_owned();
        return Err(UploadError::Mismatch(dist.filename.clone(), "version", version));
    }
    Ok(())
}

// --------------------------------------------------------------- upload

/// Where the uploaded file's bytes go as they arrive. The server's blob
/// writer hashes and writes to disk; uploads can be a gigabyte, so nothing
/// here holds the whole file. On any error from [`read_upload`] the caller
/// discards what was written.
pub trait ContentSink {
    /// Called once, before the file's first byte is read, with the file's
    /// name parsed: the moment to decide whether this project may be
    /// uploaded at all ([`UploadError::Refused`]), so that a refused file
    /// is never read.
    fn begin(
        &mut self,
        distribution: &Distribution,
    ) -> impl Future<Output = Result<(), UploadError>> + Send;

    /// Takes the next piece of the file. An error ends the upload;
    /// `io::ErrorKind::FileTooLarge` makes it a 413.
    fn write(&mut self, chunk: Bytes) -> impl Future<Output = io::Result<()>> + Send;
}

/// A twine upload form, read and checked; the file went to the sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The form's `name`, as the user wrote it.
    pub name: String,
    /// The form's `version`, as the user wrote it.
    pub version: String,
    /// `bdist_wheel` or `sdist` when sent; it agrees with the file name.
    pub filetype: Option<String>,
    /// Lowercase hex, 64 characters. Absent only from clients other than
    /// twine; then there is nothing to check the bytes against.
    pub sha256_digest: Option<String>,
    /// Lowercase hex, 32 characters, when sent.
    pub md5_digest: Option<String>,
    /// Lowercase hex, 64 characters, when sent.
    pub blake2_256_digest: Option<String>,
    /// The `Requires-Python` specifier, shown to pip in the simple API.
    pub requires_python: Option<String>,
    /// The one-line summary.
    pub summary: Option<String>,
    /// The file, from the `content` part's file name.
    pub distribution: Distribution,
    /// Bytes written to the sink.
    pub size: u64,
    /// Every text part in order, repeated ones (`classifiers`,
    /// `requires_dist`, ...) once per value; empty values included.
    pub fields: Vec<(String, String)>,
}

impl Upload {
    /// The first value of a field, if any.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated field, in order.
    pub fn field_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Why an upload was refused; the message is meant for twine's user.
/// [`UploadError::status`] gives the HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// multer quotes part names in its messages; they are made ASCII.
    #[error("failed to read the upload form: {}", ascii(&.0.to_string()))]
    Multipart(#[from] multer::Error),
    #[error("failed to store the uploaded file: {0}")]
    Sink(#[source] io::Error),
    /// One of the `MAX_*` bounds was passed.
    #[error("the upload form is too large: {0}")]
    TooLarge(String),
    #[error("a form part has no name")]
    UnnamedPart,
    #[error("form field {} is not UTF-8 text", shown(.0))]
    NotUtf8(String),
    #[error("form field {} appears more than once", shown(.0))]
    DuplicateField(&'static str),
    #[error("missing or empty form field {}; upload with twine", shown(.0))]
    MissingField(&'static str),
    /// A field, its value, and what is supported instead.
    #[error("unsupported {} {}; {}", .0, shown(.1), .2)]
    Unsupported(&'static str, String, &'static str),
    #[error("the form has no file in a part named \"content\"")]
    MissingFile,
    #[error("the \"content\" part has no file name")]
    MissingFileName,
    #[error("the form has more than one \"content\" file; upload one file per request")]
    SecondFile,
    #[error("invalid file name: {0}")]
    FileName(#[from] FileNameError),
    /// What is invalid, the value, and what is valid.
    #[error("invalid {} {}; {}", .0, shown(.1), .2)]
    Invalid(&'static str, String, &'static str),
    /// The file name, the form field it disagrees with, and its value.
    #[error("the file {} does not match the form's {} {}", shown(.0), .1, shown(.2))]
    Mismatch(String, &'static str, String),
    #[error("sha256_digest {} does not match the file's SHA-256 {}", shown(.0), shown(.1))]
    DigestMismatch(String, String),
    /// The sink refused the file before reading it, and says why.
    #[error("{0}")]
    Refused(String),
}

impl UploadError {
    /// The HTTP status to answer with: 413 when a limit was passed (ours,
    /// multer's, or the sink's `FileTooLarge`), 500 when the sink failed
    /// otherwise, 400 for everything the client got wrong. A body limit
    /// the caller puts on the request stream arrives as a
    /// `multer::Error::StreamReadFailed`: the caller decides that one.
    pub fn status(&self) -> u16 {
        match self {
            UploadError::Multipart(
                multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. },
            )
            | UploadError::TooLarge(_) => 413,
            UploadError::Sink(e) if e.kind() == io::ErrorKind::FileTooLarge => 413,
            UploadError::Sink(_) => 500,
            UploadError::Refused(_) => 403,
            _ => 400,
        }
    }
}

/// Reads twine's upload form: text fields into memory (bounded), the
/// `content` part's bytes into `sink` as they arrive. The file may come
/// before or after the fields; its name is checked before any byte is
/// written, its match with `name` and `version` once the form is read.
/// A form cut off mid-body is an error. Comparing `sha256_digest` with the
/// bytes is left to the caller, whose sink hashed them: see
/// [`check_digest`]. Other parts are text fields, kept in order.
pub async fn read_upload<S: ContentSink>(
    mut form: multer::Multipart<'_>,
    sink: &mut S,
) -> Result<Upload, UploadError> {
    let mut fields = Vec::new();
    let mut distribution = None;
    let (mut size, mut parts, mut name_bytes, mut text_bytes) = (0u64, 0usize, 0usize, 0usize);
    while let Some(mut field) = form.next_field().await? {
        parts += 1;
        if parts > MAX_FIELDS {
            return Err(UploadError::TooLarge(format!("more than {MAX_FIELDS} parts")));
        }
        let name = field.name().ok_or(UploadError::UnnamedPart)?.to_owned();
        name_bytes += name.len();
        if name_bytes > MAX_FIELD_NAME_BYTES {
            let why = format!("part names over {MAX_FIELD_NAME_BYTES} bytes together");
            return Err(UploadError::TooLarge(why));
        }
        if name == "content" {
            if distribution.is_some() {
                return Err(UploadError::SecondFile);
            }
            let filename = field.file_name().ok_or(UploadError::MissingFileName)?;
            let parsed = parse_filename(filename)?;
            sink.begin(&parsed).await?;
            distribution = Some(parsed);
            while let Some(chunk) = field.chunk().await? {
                size += chunk.len() as u64;
                sink.write(chunk).await.map_err(UploadError::Sink)?;
            }
            continue;
        }
        // Other files (an old twine's `gpg_signature`) count against the
        // text bounds, then are dropped: nothing reads them.
        let keep = field.file_name().is_none();
        let (mut value, mut field_bytes) = (Vec::new(), 0);
        while let Some(chunk) = field.chunk().await? {
            field_bytes += chunk.len();
            text_bytes += chunk.len();
            if field_bytes > MAX_FIELD_BYTES {
                let why = format!("field {} is over {MAX_FIELD_BYTES} bytes", shown(&name));
                return Err(UploadError::TooLarge(why));
            }
            if text_bytes > MAX_TEXT_BYTES {
                let why = format!("text fields over {MAX_TEXT_BYTES} bytes together");
                return Err(UploadError::TooLarge(why));
            }
            if keep {
                value.extend_from_slice(&chunk);
            }
        }
        if !keep {
            continue;
        }
        let value = String::from_utf8(value).map_err(|_| UploadError::NotUtf8(name.clone()))?;
        fields.push((name, value));
    }
    checked_upload(fields, distribution, size)
}

/// The value of a field that must appear at most once; empty counts as
/// absent, since clients send empty strings for unset metadata.
fn single<'a>(
    fields: &'a [(String, String)],
    key: &'static str,
) -> Result<Option<&'a str>, UploadError> {
    let mut values = fields.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(UploadError::DuplicateField(key));
    }
    Ok(first.filter(|v| !v.is_empty()))
}

fn digest(
    fields: &[(String, String)],
    key: &'static str,
    len: usize,
) -> Result<Option<String>, UploadError> {
    match single(fields, key)? {
        None => Ok(None),
        Some(v) if v.len() == len && v.bytes().all(|c| c.is_ascii_hexdigit()) => {
            Ok(Some(v.to_ascii_lowercase()))
        }
        Some(v) => Err(UploadError::Invalid(key, v.to_owned(), "expected a hex digest")),
    }
}

fn checked_upload(
    fields: Vec<(String, String)>,
    distribution: Option<Distribution>,
    size: u64,
) -> Result<Upload, UploadError> {
    let owned = |v: Option<&str>| v.map(str::to_owned);
    match single(&fields, ":action")? {
        Some("file_upload") => {}
        Some(other) => {
            let hint = "this repository takes only file_upload (twine upload)";
            return Err(UploadError::Unsupported(":action", other.to_owned(), hint));
        }
        None => return Err(UploadError::MissingField(":action")),
    }
    match single(&fields, "protocol_version")? {
        None | Some("1") => {}
        Some(other) => {
            let hint = "twine's protocol is version 1";
            return Err(UploadError::Unsupported("protocol_version", other.to_owned(), hint));
        }
    }
    let distribution = distribution.ok_or(UploadError::MissingFile)?;
    let name = single(&fields, "name")?.ok_or(UploadError::MissingField("name"))?.to_owned();
    let version =
        single(&fields, "version")?.ok_or(UploadError::MissingField("version"))?.to_owned();
    if !is_valid_project_name(&name) {
        let valid = "use letters, digits and ._- (PEP 508), at most 255";
        return Err(UploadError::Invalid("project name", name, valid));
    }
    if !is_valid_version(&version) {
        let valid = "use a PEP 440 version of at most 255 characters";
        return Err(UploadError::Invalid("version", version, valid));
    }
    let filetype = owned(single(&fields, "filetype")?);
    if let Some(filetype) = &filetype {
        if filetype != "bdist_wheel" && filetype != "sdist" {
            let supported = "upload a wheel (bdist_wheel) or an sdist";
            return Err(UploadError::Unsupported("filetype", filetype.clone(), supported));
        }
        if filetype != distribution.kind.filetype() {
            let filename = distribution.filename.clone();
            return Err(UploadError::Mismatch(filename, "filetype", filetype.clone()));
        }
    }
    check_upload_matches(&distribution, &name, &version)?;
    Ok(Upload {
        filetype,
        sha256_digest: digest(&fields, "sha256_digest", 64)?,
        md5_digest: digest(&fields, "md5_digest", 32)?,
        blake2_256_digest: digest(&fields, "blake2_256_digest", 64)?,
        requires_python: owned(single(&fields, "requires_python")?),
        summary: owned(single(&fields, "summary")?),
        name,
        version,
        distribution,
        size,
        fields,
    })
}

/// Compares the form's `sha256_digest` with the SHA-256 the sink computed
/// (hex, any case). twine always sends the digest; a form without one is
/// accepted, since the stored hash comes from the bytes anyway.
pub fn check_digest(expected: Option<&str>, actual_hex: &str) -> Result<(), UploadError> {
    match expected {
        Some(e) if !e.eq_ignore_ascii_case(actual_hex) => {
            Err(UploadError::DigestMismatch(e.to_owned(), actual_hex.to_ascii_lowercase()))
        }
        _ => Ok(()),
    }
}

// ----------------------------------------------------------- simple API

/// Which simple API document to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// PEP 503 HTML (with PEP 700's version meta tag).
    Html,
    /// PEP 691 JSON with PEP 700's fields.
    Json,
}

const V1_JSON: &str = "application/vnd.pypi.simple.v1+json";

impl Flavor {
    /// The `Content-Type` to answer with. HTML goes out as `text/html`:
    /// every pip accepts it (pip before 22.2 accepts nothing else), and PEP
    /// 691 makes it an alias of `application/vnd.pypi.simple.v1+html`.
    /// Answers vary by `Accept`, so the caller sends `Vary: Accept`.
    pub fn content_type(self) -> &'static str {
        match self {
            Flavor::Html => "text/html",
            Flavor::Json => V1_JSON,
        }
    }
}

/// Picks the document for an `Accept` header as CodeArtifact does: the
/// PEP 691 types (`v1` or `latest`, `+json` or `+html`), `text/html` and
/// `*/*`; no header gives HTML; `None` means answer 406. Highest q wins,
/// then a named type over `*/*`, then the earlier one; q=0 refuses.
pub fn negotiate(accept: Option<&str>) -> Option<Flavor> {
    let accept = match accept {
        Some(a) if !a.trim().is_empty() => a,
        _ => return Some(Flavor::Html),
    };
    let mut best: Option<((u32, u8), Flavor)> = None;
    for range in accept.split(',') {
        let mut params = range.split(';');
        let media = params.next().unwrap_or_default().trim().to_ascii_lowercase();
        let (flavor, specific) = match media.as_str() {
            V1_JSON | "application/vnd.pypi.simple.latest+json" => (Flavor::Json, 1),
            "application/vnd.pypi.simple.v1+html"
            | "application/vnd.pypi.simple.latest+html"
            | "text/html" => (Flavor::Html, 1),
            "*/*" => (Flavor::Html, 0),
            _ => continue,
        };
        let mut q = Some(1.0_f64);
        for param in params {
            if let Some((k, v)) = param.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    q = v.trim().parse::<f64>().ok().filter(|q| (0.0..=1.0).contains(q));
                }
            }
        }
        // A q-value out of range makes that one range unusable, no more.
        let Some(q) = q.map(|q| (q * 1000.0).round() as u32).filter(|q| *q > 0) else {
            continue;
        };
        if best.is_none_or(|(rank, _)| (q, specific) > rank) {
            best = Some(((q, specific), flavor));
        }
    }
    best.map(|(_, flavor)| flavor)
}

/// One file on a project page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileEntry<'a> {
    /// The distribution's file name.
    pub filename: &'a str,
    /// Where to download it, absolute or relative to the page, with no
    /// fragment: the page adds `#sha256=`.
    pub url: &'a str,
    /// Hex SHA-256 of the file; empty if unknown.
    pub sha256: &'a str,
    /// The `Requires-Python` specifier, which pip uses to skip files.
    pub requires_python: Option<&'a str>,
    /// Size in bytes (PEP 700).
    pub size: u64,
    /// Upload time in seconds since the epoch (PEP 700).
    pub upload_time: i64,
}

/// Escapes text for HTML content and quoted attributes.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Characters a stored project name could hold that would break an href.
const PATH_SEGMENT: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'/').add(b'<').add(b'>').add(b'?');

/// PEP 700's ISO 8601 form, `2026-01-02T03:04:05.000000Z`.
fn format_upload_time(epoch_secs: i64) -> String {
    crate::time::utc(epoch_secs).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn html_page(title: &str, body: &str) -> String {
    let title = escape_html(title);
    format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    \
         <meta name=\"pypi:repository-version\" content=\"1.1\">\n    \
         <title>{title}</title>\n  </head>\n  <body>\n    <h1>{title}</h1>\n{body}  \
         </body>\n</html>\n"
    )
}

/// `simple/<project>/`: the project's files and (JSON only, PEP 700) its
/// versions. `project` is the name to show; JSON carries it normalized, as
/// PEP 691 says. Everything is escaped: names, URLs, specifiers.
pub fn project_page(
    flavor: Flavor,
    project: &str,
    files: &[FileEntry<'_>],
    versions: &[&str],
) -> String {
    match flavor {
        Flavor::Html => {
            let mut body = String::new();
            for f in files {
                let _ = write!(body, "    <a href=\"{}", escape_html(f.url));
                if !f.sha256.is_empty() {
                    let _ = write!(body, "#sha256={}", escape_html(f.sha256));
                }
                body.push('"');
                if let Some(rp) = f.requires_python {
                    let _ = write!(body, " data-requires-python=\"{}\"", escape_html(rp));
                }
                let _ = writeln!(body, ">{}</a><br/>", escape_html(f.filename));
            }
            html_page(&format!("Links for {project}"), &body)
        }
        Flavor::Json => {
            let files: Vec<Value> = files
                .iter()
                .map(|f| {
                    let mut file = json!({
                        "filename": f.filename,
                        "url": f.url,
                        "hashes": {},
                        "size": f.size,
                        "upload-time": format_upload_time(f.upload_time),
                    });
                    if !f.sha256.is_empty() {
                        file["hashes"]["sha256"] = f.sha256.into();
                    }
                    if let Some(rp) = f.requires_python {
                        file["requires-python"] = rp.into();
                    }
                    file
                })
                .collect();
            let (meta, name) = (json!({"api-version": "1.1"}), normalize(project));
            json!({"meta": meta, "name": name, "files": files, "versions": versions}).to_string()
        }
    }
}

/// `simple/`: every project, linked by its normalized name.
pub fn index_page(flavor: Flavor, projects: &[&str]) -> String {
    match flavor {
        Flavor::Html => {
            let mut body = String::new();
            for name in projects {
                let href = utf8_percent_encode(&normalize(name), PATH_SEGMENT).to_string();
                let _ = writeln!(
                    body,
                    "    <a href=\"{}/\">{}</a><br/>",
                    escape_html(&href),
                    escape_html(name)
                );
            }
            html_page("Simple index", &body)
        }
        Flavor::Json => {
            let projects: Vec<Value> = projects.iter().map(|name| json!({"name": name})).collect();
            json!({"meta": {"api-version": "1.1"}, "projects": projects}).to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn names_normalize_and_validate() {
        assert_eq!(normalize("Foo.Bar__baz-_.Qux"), "foo-bar-baz-qux");
        assert_eq!(normalize("requests"), "requests");
        for ok in ["a", "A1", "foo.bar", "Foo_Bar-baz", &"a".repeat(255)] {
            assert!(is_valid_project_name(ok), "{ok}");
        }
        let long = "a".repeat(256);
        for bad in ["", "-a", "a-", ".a", "a_", "a b", "a/b", "a#b", "é", &long] {
            assert!(!is_valid_project_name(bad), "{bad}");
        }
    }

    #[test]
    fn versions_normalize_like_packaging() {
        let table = "1.0=1.0 V01.002=1.2 0!1.0=1.0 2!1.0=2!1.0 1.0-Alpha.1=1.0a1 1.0beta=1.0b0 \
                     1.0c2=1.0rc2 1.0preview_4=1.0rc4 1.0RC1=1.0rc1 1.0-3=1.0.post3 \
                     1.0.post=1.0.post0 1.0-r2=1.0.post2 1.0rev=1.0.post0 1.0.dev=1.0.dev0 \
                     1.0a1.post2.dev3=1.0a1.post2.dev3 1.0a.dev1=1.0a0.dev1 \
                     1.0+Ubuntu-1_02.x=1.0+ubuntu.1.2.x \
                     0099999999999999999999.0=99999999999999999999.0";
        for (raw, normal) in table.split_whitespace().filter_map(|pair| pair.split_once('=')) {
            assert_eq!(normalize_version(raw).as_deref(), Some(normal), "{raw}");
        }
        for bad in ["", "v", "1.", "a1", "1.0+", "1.0+a..b", " 1.0", "1.0-", "1!", "1.0#x"] {
            assert_eq!(normalize_version(bad), None, "{bad:?}");
        }
        assert!(is_valid_version("2024.1.1") && !is_valid_version("1.0 "));
        assert!(!is_valid_version(&"1".repeat(256)));
    }

    #[test]
    fn file_names_parse() {
        let wheel = parse_filename("foo_bar-1.0-py3-none-any.whl").unwrap();
        assert_eq!((&*wheel.project, &*wheel.version, wheel.kind), ("foo_bar", "1.0", Kind::Wheel));
        let built = parse_filename("Foo-2.0+local-1b-cp312-cp312-manylinux_2_17_x86_64.whl");
        assert_eq!(built.unwrap().version, "2.0+local");
        let sdist = parse_filename("my-legacy-pkg-1!1.0rc1.tar.gz").unwrap();
        assert_eq!((&*sdist.project, &*sdist.version), ("my-legacy-pkg", "1!1.0rc1"));
        assert_eq!(parse_filename("foo-1.0.zip").unwrap().kind.filetype(), "sdist");
    }

    #[test]
    fn file_names_refused() {
        use FileNameError as E;
        assert_eq!(parse_filename(""), Err(E::Empty));
        assert_eq!(parse_filename(&format!("{}-1.0.tar.gz", "a".repeat(250))), Err(E::TooLong));
        for path in ["../a-1.0.tar.gz", "dist/a-1.0.tar.gz", "a\\a-1.0.whl", ".a-1.0.tar.gz"] {
            assert!(matches!(parse_filename(path), Err(E::Path(_))), "{path}");
        }
        for (name, c) in [("a-1.0\0.tar.gz", '\0'), ("a 1-1.0.zip", ' '), ("é-1.0.zip", 'é')] {
            assert_eq!(parse_filename(name), Err(E::BadCharacter(name.into(), c)));
        }
        for name in ["foo-1.0.egg", "foo-1.0.tar.bz2", "foo-1.0.TAR.GZ", "foo"] {
            assert!(matches!(parse_filename(name), Err(E::UnknownExtension(_))), "{name}");
        }
        for name in [
            "foo-1.0-py3-any.whl",
            "foo-1.0-1-2-py3-none-any.whl",
            "foo-1.0--none-any.whl",
            "foo-1.0-x1-py3-none-any.whl",
            "foo.tar.gz",
            "-1.0.tar.gz",
            "foo-.zip",
            "_foo-1.0.tar.gz",
        ] {
            assert!(matches!(parse_filename(name), Err(E::Malformed(..))), "{name}");
        }
        // Hostile text reaches the message (an HTTP reason phrase) escaped.
        let msg = parse_filename("\u{7}\r\n-1.0.whl").unwrap_err().to_string();
        assert!(msg.is_ascii() && !msg.contains('\n'), "{msg}");
    }

    #[test]
    fn uploads_match_their_file() {
        let wheel = parse_filename("foo_bar-1.0a1-py3-none-any.whl").unwrap();
        assert!(check_upload_matches(&wheel, "Foo.Bar", "1.0-alpha1").is_ok());
        let err = check_upload_matches(&wheel, "foobar", "1.0a1");
        assert_eq!(
            err.unwrap_err().to_string(),
            "the file \"foo_bar-1.0a1-py3-none-any.whl\" does not match the form's name \"foobar\""
        );
        let err = check_upload_matches(&wheel, "foo-bar", "1.0a2");
        assert!(matches!(err, Err(UploadError::Mismatch(_, "version", _))));
        let odd = parse_filename("foo-weird.tar.gz").unwrap();
        assert!(check_upload_matches(&odd, "foo", "WEIRD").is_ok());
    }

    // The upload form, written out by hand as requests encodes it for twine.

    const BOUNDARY: &str = "d1b0undary";
    const FILE: &[u8] = b"\x1f\x8b not gzip\r\n--d1b0undar\r\n-- close to the boundary";
    const FILENAME: &str = "foo_bar-1.0.tar.gz";

    /// A part's name, its file name if it is a file, and its bytes.
    type Part = (String, Option<String>, Vec<u8>);

    fn text(name: &str, value: &str) -> Part {
        (name.into(), None, value.into())
    }

    fn file(name: &str, filename: &str) -> Part {
        (name.into(), Some(filename.into()), FILE.to_vec())
    }

    fn body(parts: &[Part]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, filename, data) in parts {
            let filename = filename.as_ref().map(|f| format!("; filename=\"{f}\""));
            let head = format!("name=\"{name}\"{}\r\n\r\n", filename.unwrap_or_default());
            out.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; {head}").bytes());
            out.extend(data.iter().chain(b"\r\n"));
        }
        out.extend(format!("--{BOUNDARY}--\r\n").bytes());
        out
    }

    fn sha256_hex(data: &[u8]) -> String {
        hex::encode(Sha256::digest(data))
    }

    /// twine's fields in twine's order, then the file.
    fn twine() -> Vec<Part> {
        let sha = sha256_hex(FILE);
        let mut parts: Vec<Part> = [
            (":action", "file_upload"),
            ("protocol_version", "1"),
            ("name", "Foo.Bar"),
            ("version", "1.0"),
            ("filetype", "sdist"),
            ("pyversion", "source"),
            ("summary", ""),
            ("requires_python", ">=3.8"),
            ("classifiers", "A :: B"),
            ("classifiers", "C :: D"),
            ("md5_digest", "0123456789ABCDEF0123456789abcdef"),
            ("sha256_digest", &sha),
        ]
        .iter()
        .map(|(k, v)| text(k, v))
        .collect();
        parts.push(file("content", FILENAME));
        parts
    }

    /// twine's form with `key` replaced by `value`, or removed.
    fn twine_with(key: &str, value: Option<&str>) -> Vec<Part> {
        let mut parts = twine();
        parts.retain(|p| p.0 != key);
        parts.extend(value.map(|v| text(key, v)));
        parts
    }

    struct VecSink(Vec<u8>, Option<io::ErrorKind>);

    impl ContentSink for VecSink {
        async fn begin(&mut self, _: &Distribution) -> Result<(), UploadError> {
            Ok(())
        }

        async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
            if let Some(kind) = self.1 {
                return Err(io::Error::new(kind, "sink says no"));
            }
            self.0.extend_from_slice(&chunk);
            Ok(())
        }
    }

    async fn run_with(
        body: &[u8],
        chunk: usize,
        fail: Option<io::ErrorKind>,
    ) -> (Result<Upload, UploadError>, Vec<u8>) {
        let chunks: Vec<io::Result<Bytes>> =
            body.chunks(chunk).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let form = multer::Multipart::new(futures::stream::iter(chunks), BOUNDARY);
        let mut sink = VecSink(Vec::new(), fail);
        let result = read_upload(form, &mut sink).await;
        (result, sink.0)
    }

    async fn run(parts: &[Part]) -> Result<Upload, UploadError> {
        run_with(&body(parts), 7, None).await.0
    }

    #[tokio::test]
    async fn twine_upload_is_read_and_streamed() {
        for chunk in [1, 5, 4096] {
            let (upload, sink) = run_with(&body(&twine()), chunk, None).await;
            let upload = upload.unwrap();
            assert_eq!((sink.as_slice(), upload.size), (FILE, FILE.len() as u64));
            assert_eq!((&*upload.name, &*upload.version), ("Foo.Bar", "1.0"));
            assert_eq!(upload.distribution.filename, FILENAME);
            assert_eq!(upload.filetype.as_deref(), Some("sdist"));
            assert_eq!(upload.requires_python.as_deref(), Some(">=3.8"));
            assert!(upload.summary.is_none() && upload.blake2_256_digest.is_none());
            assert_eq!(upload.md5_digest.as_deref(), Some("0123456789abcdef0123456789abcdef"));
            assert_eq!(upload.field("pyversion"), Some("source"));
            let classifiers: Vec<&str> = upload.field_values("classifiers").collect();
            assert_eq!(classifiers, ["A :: B", "C :: D"]);
            assert!(check_digest(upload.sha256_digest.as_deref(), &sha256_hex(&sink)).is_ok());
        }
    }

    /// Refuses every project before its first byte, counting what it got.
    struct Refusing(usize);

    impl ContentSink for Refusing {
        async fn begin(&mut self, d: &Distribution) -> Result<(), UploadError> {
            Err(UploadError::Refused(format!("not {}", d.project)))
        }

        async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
            self.0 += chunk.len();
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_sink_that_refuses_the_project_gets_no_byte() {
        let chunks: Vec<io::Result<Bytes>> = vec![Ok(Bytes::from(body(&twine())))];
        let form = multer::Multipart::new(futures::stream::iter(chunks), BOUNDARY);
        let mut sink = Refusing(0);
        let err = read_upload(form, &mut sink).await.unwrap_err();
        assert_eq!((err.status(), err.to_string(), sink.0), (403, "not foo_bar".into(), 0));
    }

    #[tokio::test]
    async fn file_may_come_first_and_signatures_are_ignored() {
        let mut parts = twine();
        parts.rotate_right(1);
        parts.push(file("gpg_signature", "foo_bar-1.0.tar.gz.asc"));
        let (upload, sink) = run_with(&body(&parts), 3, None).await;
        let upload = upload.unwrap();
        assert_eq!((&*upload.name, upload.field("gpg_signature")), ("Foo.Bar", None));
        assert_eq!(sink, FILE);
    }

    #[tokio::test]
    async fn cut_off_body_is_an_error_wherever_it_stops() {
        let full = body(&twine());
        assert!(run_with(&full, 7, None).await.0.is_ok());
        // Only the CRLF after the closing boundary is optional.
        for len in 0..full.len() - 2 {
            let result = run_with(&full[..len], 7, None).await.0;
            assert!(result.is_err(), "succeeded when cut at {len} of {}", full.len());
        }
    }

    #[tokio::test]
    async fn limits_bound_hostile_forms() {
        let big = text("description", &"x".repeat(MAX_FIELD_BYTES + 1));
        let err = run(&[big, file("content", FILENAME)]).await.unwrap_err();
        assert!(matches!(&err, UploadError::TooLarge(m) if m.contains("\"description\"")));
        assert_eq!(err.status(), 413);

        let mut signature = file("gpg_signature", "x.asc");
        signature.2 = vec![0; MAX_FIELD_BYTES + 1];
        let err = run(&[signature]).await.unwrap_err();
        assert!(err.to_string().contains("field \"gpg_signature\" is over"), "{err}");

        let just = text("d", &"x".repeat(MAX_FIELD_BYTES));
        let err = run(&vec![just; 9]).await.unwrap_err();
        assert!(err.to_string().contains("text fields over 8388608 bytes"), "{err}");
        assert_eq!(err.status(), 413);

        let err = run(&vec![text("k", "v"); MAX_FIELDS + 1]).await.unwrap_err();
        assert!(err.to_string().contains("more than 1000 parts"), "{err}");

        let long_name = text(&"n".repeat(MAX_FIELD_NAME_BYTES / 2 + 1), "");
        let err = run(&[long_name.clone(), long_name]).await.unwrap_err();
        assert!(err.to_string().contains("part names over 65536 bytes"), "{err}");

        let mut parts = twine();
        parts.insert(0, ("summary".into(), None, b"\xff".to_vec()));
        let err = run(&parts).await.unwrap_err();
        assert!(matches!(err, UploadError::NotUtf8(_)), "{err}");

        // A part name multer reports in an error reaches the message as ASCII.
        let mut cut = body(&[text("é", "x")]);
        cut.truncate(cut.len() - 18);
        let err = run_with(&cut, 7, None).await.0.unwrap_err();
        assert!(err.to_string().contains("field \"?\"") && err.to_string().is_ascii(), "{err}");
    }

    #[tokio::test]
    async fn bad_forms_are_refused_with_clear_messages() {
        let mut no_file = twine();
        no_file.pop();
        let mut two_files = twine();
        two_files.push(file("content", "foo_bar-1.0.zip"));
        let mut nameless_file = twine();
        nameless_file.last_mut().unwrap().1 = None;
        let mut twice = twine();
        twice.insert(0, text("version", "1.0"));
        let cases = [
            (twine_with("name", None), "missing or empty form field \"name\""),
            (twine_with("name", Some("")), "missing or empty form field \"name\""),
            (twine_with("version", None), "missing or empty form field \"version\""),
            (twine_with(":action", None), "missing or empty form field \":action\""),
            (twine_with(":action", Some("submit")), "unsupported :action \"submit\""),
            (twine_with("protocol_version", Some("2")), "unsupported protocol_version \"2\""),
            (twine_with("filetype", Some("bdist_egg")), "unsupported filetype \"bdist_egg\""),
            (twine_with("filetype", Some("bdist_wheel")), "form's filetype \"bdist_wheel\""),
            (twine_with("name", Some("Other")), "does not match the form's name \"Other\""),
            (twine_with("version", Some("1.1")), "the form's version \"1.1\""),
            (twine_with("name", Some("bad name")), "invalid project name \"bad name\""),
            (twine_with("version", Some("one")), "invalid version \"one\""),
            (twine_with("sha256_digest", Some("abc")), "invalid sha256_digest \"abc\""),
            (twine_with("md5_digest", Some(&"g".repeat(32))), "invalid md5_digest \"ggg"),
            (no_file, "the form has no file in a part named \"content\""),
            (two_files, "more than one \"content\" file"),
            (nameless_file, "the \"content\" part has no file name"),
            (twice, "form field \"version\" appears more than once"),
        ];
        for (parts, message) in cases {
            let err = run(&parts).await.unwrap_err();
            assert!(err.to_string().contains(message), "{message}: {err}");
            assert_eq!(err.status(), 400, "{err}");
        }
    }

    #[tokio::test]
    async fn file_name_is_checked_before_a_byte_is_written() {
        let mut parts = twine();
        parts.last_mut().unwrap().1 = Some("../../etc/passwd".into());
        let (result, sink) = run_with(&body(&parts), 7, None).await;
        assert!(matches!(result, Err(UploadError::FileName(FileNameError::Path(_)))));
        assert!(sink.is_empty());
    }

    #[tokio::test]
    async fn sink_failures_map_to_statuses() {
        let full = body(&twine());
        let (result, _) = run_with(&full, 64, Some(io::ErrorKind::FileTooLarge)).await;
        assert_eq!(result.unwrap_err().status(), 413);
        let err = run_with(&full, 64, Some(io::ErrorKind::Other)).await.0.unwrap_err();
        assert_eq!(err.status(), 500);
        assert!(err.to_string().starts_with("failed to store the uploaded file"), "{err}");
    }

    #[test]
    fn digests_are_compared() {
        let actual = sha256_hex(b"abc");
        assert!(check_digest(None, &actual).is_ok());
        assert!(check_digest(Some(&actual.to_ascii_uppercase()), &actual).is_ok());
        let err = check_digest(Some(&sha256_hex(b"abd")), &actual).unwrap_err();
        assert!(matches!(err, UploadError::DigestMismatch(..)));
        assert_eq!(err.status(), 400);
    }

    // The simple API.

    #[test]
    fn accept_headers_negotiate() {
        use Flavor::{Html, Json};
        let pip = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; \
                   q=0.1, text/html; q=0.01";
        for (accept, flavor) in [
            (None, Some(Html)),
            (Some(""), Some(Html)),
            (Some(pip), Some(Json)),
            (Some("text/html"), Some(Html)),
            (Some("*/*"), Some(Html)),
            (Some("Application/VND.pypi.simple.latest+JSON"), Some(Json)),
            (Some("application/vnd.pypi.simple.latest+html"), Some(Html)),
            (Some("text/html;q=0.5, application/vnd.pypi.simple.v1+json;q=0.4"), Some(Html)),
            (Some("*/*, application/vnd.pypi.simple.v1+json"), Some(Json)),
            (Some("text/html, application/vnd.pypi.simple.v1+json"), Some(Html)),
            (Some("application/vnd.pypi.simple.v1+json;q=0, text/html;q=0.1"), Some(Html)),
            (Some("application/json"), None),
            (Some("text/*"), None),
            (Some("text/html;q=0"), None),
            (Some("text/html;q=2"), None),
            (Some("text/html;q=nan, text/html;q=x"), None),
            (Some(",;=,;q"), None),
        ] {
            assert_eq!(negotiate(accept), flavor, "{accept:?}");
        }
        assert_eq!(Json.content_type(), "application/vnd.pypi.simple.v1+json");
        assert_eq!(Html.content_type(), "text/html");
    }

    const SHA: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const FILES: [FileEntry<'static>; 2] = [
        FileEntry {
            filename: "foo_bar-1.0-py3-none-any.whl",
            url: "../../packages/foo-bar/1.0/foo_bar-1.0-py3-none-any.whl",
            sha256: SHA,
            requires_python: Some(">=3.8,<4\"'&"),
            size: 1234,
            upload_time: 1_767_323_045,
        },
        FileEntry {
            filename: "x<script>",
            url: "https://h:443/a\"b",
            sha256: "",
            requires_python: None,
            size: 0,
            upload_time: -5,
        },
    ];

    #[test]
    fn project_page_html_is_what_pip_parses() {
        let page = project_page(Flavor::Html, "Foo.Bar<", &FILES, &["1.0"]);
        assert!(page.starts_with("<!DOCTYPE html>\n"), "{page}");
        assert!(page.contains("<meta name=\"pypi:repository-version\" content=\"1.1\">"));
        assert!(page.contains("<title>Links for Foo.Bar&lt;</title>"));
        assert!(page.contains(&format!(
            "<a href=\"{}#sha256={SHA}\" data-requires-python=\"&gt;=3.8,&lt;4&quot;&#x27;&amp;\">\
             foo_bar-1.0-py3-none-any.whl</a><br/>",
            FILES[0].url
        )));
        assert!(page.contains("<a href=\"https://h:443/a&quot;b\">x&lt;script&gt;</a><br/>"));
        assert!(!page.contains("<script>"));
    }

    #[test]
    fn project_page_json_round_trips() {
        let page = project_page(Flavor::Json, "Foo.Bar", &FILES, &["1.0", "2.0\""]);
        let v: Value = serde_json::from_str(&page).unwrap();
        assert_eq!(v["meta"], json!({"api-version": "1.1"}));
        assert_eq!((&v["name"], &v["versions"]), (&json!("foo-bar"), &json!(["1.0", "2.0\""])));
        let f = &v["files"][0];
        assert_eq!(f["filename"], FILES[0].filename);
        assert_eq!(f["url"], FILES[0].url);
        assert_eq!(f["hashes"], json!({"sha256": SHA}));
        assert_eq!(f["requires-python"], ">=3.8,<4\"'&");
        assert_eq!(f["size"], 1234);
        assert_eq!(f["upload-time"], "2026-01-02T03:04:05.000000Z");
        let g = &v["files"][1];
        assert_eq!((&g["hashes"], g.get("requires-python")), (&json!({}), None));
        assert_eq!(g["upload-time"], "1970-01-01T00:00:00.000000Z");
    }

    #[test]
    fn upload_times_format_across_calendars() {
        assert_eq!(format_upload_time(951_782_400), "2000-02-29T00:00:00.000000Z");
        assert_eq!(format_upload_time(4_107_542_399), "2100-02-28T23:59:59.000000Z");
        assert_eq!(format_upload_time(i64::MAX), "9999-12-31T23:59:59.000000Z");
        assert_eq!(format_upload_time(i64::MIN), "1970-01-01T00:00:00.000000Z");
    }

    #[test]
    fn index_pages_link_normalized_names() {
        let projects = ["Foo.Bar", "a<b>/c"];
        let page = index_page(Flavor::Html, &projects);
        assert!(page.contains("<meta name=\"pypi:repository-version\" content=\"1.1\">"));
        assert!(page.contains("<a href=\"foo-bar/\">Foo.Bar</a><br/>"), "{page}");
        assert!(page.contains("<a href=\"a%3Cb%3E%2Fc/\">a&lt;b&gt;/c</a><br/>"), "{page}");
        let v: Value = serde_json::from_str(&index_page(Flavor::Json, &projects)).unwrap();
        let projects = json!([{"name": "Foo.Bar"}, {"name": "a<b>/c"}]);
        assert_eq!(v, json!({"meta": {"api-version": "1.1"}, "projects": projects}));
        let empty: Value = serde_json::from_str(&index_page(Flavor::Json, &[])).unwrap();
        assert_eq!(empty["projects"], json!([]));
    }
}
