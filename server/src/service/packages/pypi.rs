//! PyPI packages: twine uploads, the simple index's projects and files, and
//! the files themselves. The wire formats are `codeartifact_packages::pypi`'s;
//! this is what the service decides about them.

use codeartifact_packages::pypi::{self as wire, ContentSink, Distribution, Upload, UploadError};
use serde::{Deserialize, Serialize};
use slog::{debug, Logger};

use super::external::Fetched;
use super::{
    internal, listed_versions, Admitted, AssetBytes, EndpointError, EndpointResult, Service,
    STATUS_PUBLISHED,
};
use crate::iam::actions::PUBLISH_PACKAGE_VERSION;
use crate::store::blob::Staged;
use crate::store::{
    new_revision, AssetRecord, NewVersion, Origin, PackageKey, PutMode, StoreError, Stored,
    VersionRecord, ORIGIN_PUBLISHED,
};

/// A project as the simple index shows it, merged over the repositories
/// searched.
#[derive(Debug)]
pub struct PypiProject {
    /// The name as first published.
    pub display_name: String,
    pub files: Vec<PypiFile>,
    /// Every listed version, in the order they were published.
    pub versions: Vec<String>,
}

#[derive(Debug)]
pub struct PypiFile {
    pub filename: String,
    pub version: String,
    pub sha256: String,
    pub size: u64,
    pub requires_python: Option<String>,
    pub upload_time: i64,
}

/// What a PyPI version keeps besides its files.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Metadata {
    /// The `Requires-Python` of the version's first upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requires_python: Option<String>,
    /// Its `Requires-Dist` entries (PEP 508), for the package API.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    requires_dist: Vec<String>,
    /// Its one-line summary and home page, for the package API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    home_page: Option<String>,
    /// The long description (usually the README), as twine sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

/// What a version's stored metadata says of it, for the package API.
#[derive(Debug, Default)]
pub(crate) struct Description {
    pub(crate) summary: Option<String>,
    pub(crate) home_page: Option<String>,
    pub(crate) readme: Option<String>,
}

pub(crate) fn description(metadata: &str) -> Description {
    let m = serde_json::from_str::<Metadata>(metadata).unwrap_or_default();
    Description { summary: m.summary, home_page: m.home_page, readme: m.description }
}

/// The `Requires-Dist` entries a version's stored metadata holds.
pub(crate) fn requires_dist(metadata: &str) -> Vec<String> {
    serde_json::from_str::<Metadata>(metadata).map(|m| m.requires_dist).unwrap_or_default()
}

/// Where a twine upload's file goes as the form is read: a staged blob,
/// once the principal may upload the file's project (decided before its
/// first byte is read).
pub struct PypiReceiver<'a> {
    service: &'a Service,
    log: &'a Logger,
    who: &'a Admitted,
    staged: Option<Staged>,
}

impl ContentSink for PypiReceiver<'_> {
    async fn begin(&mut self, distribution: &Distribution) -> Result<(), UploadError> {
        let key = self.service.pypi_key(self.who, &distribution.project);
        let service = self.service;
        service
            .authorize_package(self.log, self.who, PUBLISH_PACKAGE_VERSION, &key)
            .map_err(|e| UploadError::Refused(e.message().to_string()))?;
        let staged = service.blobs.stage(service.settings.max_asset_size).await;
        self.staged = Some(staged.map_err(UploadError::Sink)?);
        Ok(())
    }

    async fn write(&mut self, chunk: bytes::Bytes) -> std::io::Result<()> {
        match &mut self.staged {
            Some(staged) => staged.write(&chunk).await,
            None => Err(std::io::Error::other("a file part came before its name was checked")),
        }
    }
}

impl Service {
    /// The projects of the simple index's root: the repository's and its
    /// upstreams', by normalized name, each once.
    pub async fn pypi_projects(&self, log: &Logger, who: &Admitted) -> EndpointResult<Vec<String>> {
        self.authorize_read(log, who)?;
        let r = &who.repository;
        let mut names: Vec<String> = Vec::new();
        let mut walk = super::Walk::from(r);
        while let Some(repository) = walk.next() {
            let found = self
                .store
                .package_names(&r.domain_owner, &r.domain_name, &repository.name, who.format)
                .await
                .map_err(|e| internal(log, e))?;
            names.extend(found);
            walk.descend(self, log, &repository).await?;
        }
        names.sort_by_key(|n| wire::normalize(n));
        names.dedup_by_key(|n| wire::normalize(n));
        Ok(names)
    }

    /// A project's listed files, from the repository and, unless origin
    /// controls block them, its upstreams (the first repository that has a
    /// version decides it).
    pub async fn pypi_project(
        &self,
        log: &Logger,
        who: &Admitted,
        project: &str,
    ) -> EndpointResult<PypiProject> {
        self.authorize_read(log, who)?;
        let key = self.pypi_key(who, project);
        let found = self.find(log, who, &key).await?;
        let remote = self.external_pypi_files(log, who, &key).await?;
        let display_name = match (found.first(), remote.first()) {
            (Some(first), _) => first.package.display_name.clone(),
            (None, Some(_)) => key.name.clone(),
            (None, None) => {
                return Err(EndpointError::NotFound(format!("Project '{project}' was not found")))
            }
        };
        let mut versions = Vec::new();
        let mut files = Vec::new();
        for v in listed_versions(&found) {
            let metadata: Metadata =
                serde_json::from_str(&v.metadata).map_err(|e| internal(log, e))?;
            versions.push(v.version.clone());
            files.extend(v.assets.iter().map(|a| PypiFile {
                filename: a.name.clone(),
                version: v.version.clone(),
                sha256: a.sha256.clone(),
                size: a.size,
                requires_python: metadata.requires_python.clone(),
                upload_time: a.created_time,
            }));
        }
        // What the external connection the search reaches has, after
        // everything kept here: a version published to the domain decides
        // alone; one partly fetched through the connection gains the files
        // not fetched yet.
        let published: Vec<&str> = listed_versions(&found)
            .into_iter()
            .filter(|v| !v.origin.contains(':'))
            .map(|v| v.version.as_str())
            .collect();
        let published: Vec<String> = published.into_iter().map(str::to_string).collect();
        for file in remote {
            let listed = files.iter().any(|f| f.filename == file.filename);
            if listed || published.contains(&file.version) {
                continue;
            }
            if !versions.contains(&file.version) {
                versions.push(file.version.clone());
            }
            files.push(PypiFile {
                filename: file.filename,
                version: file.version,
                sha256: file.sha256,
                size: file.size,
                requires_python: file.requires_python,
                upload_time: file.upload_time,
            });
        }
        Ok(PypiProject { display_name, files, versions })
    }

    /// A file of a version, retained from upstream if that is where it is.
    pub async fn pypi_file(
        &self,
        log: &Logger,
        who: &Admitted,
        project: &str,
        version: &str,
        filename: &str,
        now: i64,
    ) -> EndpointResult<(AssetRecord, AssetBytes)> {
        self.authorize_read(log, who)?;
        let key = self.pypi_key(who, project);
        match self.read_asset(log, who, &key, version, filename, now).await {
            Err(EndpointError::NotFound(why)) => {
                if !self.fetch_pypi_file(log, who, &key, version, filename, now).await? {
                    return Err(EndpointError::NotFound(why));
                }
                self.read_asset(log, who, &key, version, filename, now).await
            }
            found => found,
        }
    }

    /// The files of a project on the external connection the search
    /// reaches, if there is one and it has the project.
    async fn external_pypi_files(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
    ) -> EndpointResult<Vec<RemoteFile>> {
        let Some(connection) = self.connection(log, who, key).await? else { return Ok(Vec::new()) };
        let Some(page) = connection.join(&format!("{}/", key.name)) else { return Ok(Vec::new()) };
        let accept = "application/vnd.pypi.simple.v1+json, text/html;q=0.1";
        let Some((content_type, body)) = self.external_json(log, &connection, &page, accept).await
        else {
            return Ok(Vec::new());
        };
        Ok(remote_files(&page, &content_type, &body))
    }

    /// Fetches a file through the external connection the search reaches,
    /// checks it against the index's SHA-256, and keeps its version;
    /// whether the index had the file.
    async fn fetch_pypi_file(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
        version: &str,
        filename: &str,
        now: i64,
    ) -> EndpointResult<bool> {
        let Some(connection) = self.connection(log, who, key).await? else { return Ok(false) };
        let files = self.external_pypi_files(log, who, key).await?;
        let asked = wire::normalize_version(version).unwrap_or(version.to_string());
        let found = files.into_iter().find(|f| f.filename == filename && f.version == asked);
        let Some(file) = found else { return Ok(false) };
        let (staged, digests) = self.external_download(log, &connection, &file.url).await?;
        if file.sha256.is_empty() || digests.sha256 != file.sha256 {
            slog::warn!(log, "a file from the external connection does not match its sha256";
                "file" => filename, "connection" => &connection.name);
            return Err(EndpointError::Conflict(format!(
                "{filename} from {} does not match the SHA-256 its index gives",
                connection.name
            )));
        }
        let metadata = Metadata { requires_python: file.requires_python, ..Default::default() };
        let record = VersionRecord {
            version: file.version,
            status: STATUS_PUBLISHED.into(),
            revision: new_revision(),
            published_time: now,
            origin: connection.name.clone(),
            metadata: serde_json::to_string(&metadata).map_err(|e| internal(log, e))?,
            assets: vec![AssetRecord {
                name: file.filename,
                sha256: digests.sha256.clone(),
                sha1: digests.sha1.clone(),
                integrity: digests.integrity(),
                size: digests.size,
                created_time: now,
            }],
        };
        let fetched = Fetched { display_name: key.name.clone(), staged, version: record };
        self.keep_external(log, who, key, &connection, fetched).await?;
        Ok(true)
    }

    /// Where a twine upload's file goes while its form is read (see
    /// [`PypiReceiver`]); [`Service::pypi_upload`] decides once it is read.
    pub fn pypi_receiver<'a>(&'a self, log: &'a Logger, who: &'a Admitted) -> PypiReceiver<'a> {
        PypiReceiver { service: self, log, who, staged: None }
    }

    /// `twine upload`, its form read into `receiver`. A version may gain
    /// files; the same file again (same name, same bytes) succeeds and
    /// changes nothing; other bytes under a stored file name are a
    /// conflict; and a new version must pass the origin controls and not be
    /// in an upstream the search reaches.
    pub async fn pypi_upload(
        &self,
        log: &Logger,
        who: &Admitted,
        upload: Upload,
        receiver: PypiReceiver<'_>,
        now: i64,
    ) -> EndpointResult<Stored> {
        let Some(staged) = receiver.staged else {
            return Err(EndpointError::BadRequest("the form has no file".into()));
        };
        let digests = staged.digests();
        wire::check_digest(upload.sha256_digest.as_deref(), &digests.sha256)
            .map_err(|e| EndpointError::BadRequest(e.to_string()))?;
        let key = self.pypi_key(who, &upload.name);
        // Versions are kept in PEP 440's normal form: `1.0-alpha1` is `1.0a1`.
        let version = wire::normalize_version(&upload.version).unwrap_or(upload.version.clone());
        let filename = upload.distribution.filename.clone();
        match self.store.version(&key, &version).await.map_err(|e| internal(log, e))? {
            // A version retained from upstream takes no uploads here.
            Some(existing) if existing.origin != ORIGIN_PUBLISHED => {
                return Err(origin_blocked(&key))
            }
            Some(existing) if existing.status != STATUS_PUBLISHED => {
                return Err(EndpointError::Conflict(format!(
                    "Version {version} of '{}' is {}: it takes no new files",
                    key.name, existing.status
                )))
            }
            Some(existing) => {
                if let Some(file) = existing.assets.iter().find(|a| a.name == filename) {
                    return if file.sha256 == digests.sha256 {
                        Ok(Stored::Unchanged)
                    } else {
                        Err(file_exists(&filename))
                    };
                }
            }
            None => self.check_publishable(log, who, &key, &version).await?,
        }
        let metadata = Metadata {
            requires_python: upload.requires_python.clone(),
            requires_dist: upload.field_values("requires_dist").map(str::to_string).collect(),
            summary: upload.summary.clone(),
            home_page: upload.field("home_page").filter(|h| !h.is_empty()).map(str::to_string),
            description: upload
                .field("description")
                .filter(|d| !d.is_empty())
                .map(|d| super::npm::capped(d.to_string())),
        };
        let adding_references = self.blob_gate.read().await;
        let digests = self.blobs.commit(staged).await.map_err(|e| internal(log, e))?;
        let new = NewVersion {
            display_name: upload.name.clone(),
            origin: Origin::PUBLISHED,
            version: VersionRecord {
                version: version.clone(),
                status: STATUS_PUBLISHED.into(),
                revision: new_revision(),
                published_time: now,
                origin: ORIGIN_PUBLISHED.into(),
                metadata: serde_json::to_string(&metadata).map_err(|e| internal(log, e))?,
                assets: vec![AssetRecord {
                    name: filename.clone(),
                    sha256: digests.sha256.clone(),
                    sha1: digests.sha1.clone(),
                    integrity: digests.integrity(),
                    size: digests.size,
                    created_time: now,
                }],
            },
            mode: PutMode::AddAssets,
            dist_tags: Vec::new(),
        };
        let stored = self.store.put_version(&key, &new).await;
        drop(adding_references);
        let refused = match stored {
            Ok(stored) => {
                debug!(log, "uploaded"; "project" => &key.name, "version" => &version,
                    "file" => &filename, "outcome" => format!("{stored:?}"),
                    "repository" => &key.repository, "principal" => &who.principal.arn);
                return Ok(stored);
            }
            Err(StoreError::AssetConflict(file)) => file_exists(&file),
            Err(StoreError::VersionExists) => EndpointError::Conflict(format!(
                "Version {version} of '{}' takes no new files",
                key.name
            )),
            Err(StoreError::OriginBlocked) => origin_blocked(&key),
            Err(e) => internal(log, e),
        };
        // Another upload won meanwhile: its bytes stay, these go.
        self.remove_unreferenced_blobs(log, &[digests.sha256]).await;
        Err(refused)
    }

    fn pypi_key(&self, who: &Admitted, project: &str) -> PackageKey {
        self.package_key(who, "", &wire::normalize(project))
    }
}

fn file_exists(file: &str) -> EndpointError {
    EndpointError::Conflict(format!(
        "File {file} already exists with different content; files cannot be replaced"
    ))
}

fn origin_blocked(key: &PackageKey) -> EndpointError {
    EndpointError::Conflict(format!(
        "Project '{}' takes its versions from upstream repositories in '{}'; its origin \
         controls block uploads",
        key.name, key.repository
    ))
}

/// A file an external index lists.
struct RemoteFile {
    filename: String,
    /// From the file name, in PEP 440's normal form.
    version: String,
    url: reqwest::Url,
    sha256: String,
    requires_python: Option<String>,
    /// PEP 700's size and upload time, when the index gives them (JSON).
    size: u64,
    upload_time: i64,
}

/// The files of a simple-API project page (PEP 691 JSON, or PEP 503 HTML
/// for indexes that serve only that), with links resolved against `page`.
/// Files whose names are not a wheel's or an sdist's are left out.
fn remote_files(page: &reqwest::Url, content_type: &str, body: &[u8]) -> Vec<RemoteFile> {
    let entries: Vec<RemoteEntry> = if content_type.contains("json") {
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(body) else { return Vec::new() };
        let files = doc.get("files").and_then(|f| f.as_array()).cloned().unwrap_or_default();
        files
            .iter()
            .filter_map(|f| {
                let url = f.get("url")?.as_str()?.to_string();
                let sha256 = f.get("hashes").and_then(|h| h.get("sha256")).and_then(|h| h.as_str());
                let url = match sha256 {
                    Some(hash) => format!("{url}#sha256={hash}"),
                    None => url,
                };
                let requires_python =
                    f.get("requires-python").and_then(|r| r.as_str()).map(str::to_string);
                let size = f.get("size").and_then(|s| s.as_u64()).unwrap_or(0);
                let upload_time = f
                    .get("upload-time")
                    .and_then(|t| t.as_str())
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map_or(0, |t| t.timestamp());
                let filename = f.get("filename")?.as_str()?.to_string();
                Some(RemoteEntry { filename, href: url, requires_python, size, upload_time })
            })
            .collect()
    } else {
        html_links(&String::from_utf8_lossy(body))
    };
    entries
        .into_iter()
        .filter_map(|RemoteEntry { filename, href, requires_python, size, upload_time }| {
            let distribution = wire::parse_filename(&filename).ok()?;
            let mut url = page.join(&href).ok()?;
            let sha256 = url
                .fragment()
                .and_then(|f| f.strip_prefix("sha256="))
                .map(|h| h.to_ascii_lowercase())
                .unwrap_or_default();
            url.set_fragment(None);
            let version = wire::normalize_version(&distribution.version)
                .unwrap_or(distribution.version.clone());
            Some(RemoteFile { filename, version, url, sha256, requires_python, size, upload_time })
        })
        .collect()
}

/// One file of an index page, as the page gives it.
struct RemoteEntry {
    filename: String,
    href: String,
    requires_python: Option<String>,
    size: u64,
    upload_time: i64,
}

/// The `<a href="...">name</a>` links of a PEP 503 page, with their
/// `data-requires-python`, entities decoded.
fn html_links(html: &str) -> Vec<RemoteEntry> {
    let attribute = |tag: &str, name: &str| {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let end = tag[start..].find('"')? + start;
        Some(unescape(&tag[start..end]))
    };
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<a ") {
        rest = &rest[start..];
        let Some(tag_end) = rest.find('>') else { break };
        let tag = &rest[..tag_end];
        let Some(close) = rest.find("</a>") else { break };
        let text = unescape(rest[tag_end + 1..close].trim());
        if let Some(href) = attribute(tag, "href") {
            let requires_python = attribute(tag, "data-requires-python");
            out.push(RemoteEntry {
                filename: text,
                href,
                requires_python,
                size: 0,
                upload_time: 0,
            });
        }
        rest = &rest[close..];
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
