//! PyPI packages: twine uploads, the simple index's projects and files, and
//! the files themselves. The wire formats are `codeartifact_packages::pypi`'s;
//! this is what the service decides about them.

use codeartifact_packages::pypi::{self as wire, ContentSink, UploadError};
use serde::{Deserialize, Serialize};
use slog::{info, Logger};

use super::{
    internal, is_listed, Admitted, EndpointError, EndpointResult, Service, STATUS_PUBLISHED,
};
use crate::iam::actions::PUBLISH_PACKAGE_VERSION;
use crate::store::blob::{BlobRead, Staged};
use crate::store::{
    AssetRecord, NewVersion, Origin, PackageKey, StoreError, Stored, VersionRecord,
    ORIGIN_PUBLISHED,
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
}

/// The blob store's staged upload, as twine's form reader writes to it.
struct Sink<'a>(&'a mut Staged);

impl ContentSink for Sink<'_> {
    async fn write(&mut self, chunk: bytes::Bytes) -> std::io::Result<()> {
        self.0.write(&chunk).await
    }
}

impl Service {
    /// The projects of the simple index's root: the repository's and its
    /// upstreams', by normalized name, each once.
    pub async fn pypi_projects(&self, log: &Logger, who: &Admitted) -> EndpointResult<Vec<String>> {
        self.authorize_read(log, who)?;
        let r = &who.repository;
        let mut names: Vec<String> = Vec::new();
        for repository in self.search_order(log, r).await? {
            let found = self
                .store
                .package_names(&r.domain_owner, &r.domain_name, &repository, who.format)
                .await
                .map_err(|e| internal(log, e))?;
            names.extend(found);
        }
        names.sort_by_key(|n| wire::normalize(n));
        names.dedup_by_key(|n| wire::normalize(n));
        Ok(names)
    }

    /// A project's listed files, from the repository and, unless its
    /// origin controls block them, its upstreams (the first repository that
    /// has a version wins that version).
    pub async fn pypi_project(
        &self,
        log: &Logger,
        who: &Admitted,
        project: &str,
    ) -> EndpointResult<PypiProject> {
        self.authorize_read(log, who)?;
        let key = self.pypi_key(who, project);
        let found = self.find(log, who, &key).await?;
        let Some(first) = found.first() else {
            return Err(EndpointError::NotFound(format!("Project '{project}' was not found")));
        };
        let display_name = first.view.package.display_name.clone();
        let mut versions: Vec<String> = Vec::new();
        let mut files = Vec::new();
        for f in &found {
            for v in f.view.versions.iter().filter(|v| is_listed(v)) {
                if versions.contains(&v.version) {
                    continue;
                }
                let metadata: Metadata = serde_json::from_str(&v.metadata).unwrap_or_default();
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
    ) -> EndpointResult<(AssetRecord, BlobRead)> {
        self.authorize_read(log, who)?;
        let key = self.pypi_key(who, project);
        self.read_asset(log, who, &key, version, filename, now).await
    }

    /// `twine upload`: reads the form, streaming the file into the blob
    /// store, then decides. Needs `codeartifact:PublishPackageVersion` on
    /// the package. A version may gain files; the same file again (same
    /// name, same bytes) succeeds and changes nothing; other bytes under a
    /// stored file name are a conflict.
    pub async fn pypi_upload(
        &self,
        log: &Logger,
        who: &Admitted,
        form: multer::Multipart<'static>,
        now: i64,
    ) -> EndpointResult<Stored> {
        let limit = self.settings.max_asset_size;
        let mut staged = self.blobs.stage(limit).await.map_err(|e| internal(log, e))?;
        let upload = wire::read_upload(form, &mut Sink(&mut staged))
            .await
            .map_err(|e| upload_error(log, e, limit))?;
        let digests = staged.digests();
        wire::check_digest(upload.sha256_digest.as_deref(), &digests.sha256)
            .map_err(|e| EndpointError::BadRequest(e.to_string()))?;
        let key = self.pypi_key(who, &upload.name);
        // The package's name is in the form: the decision comes once it is
        // read. Nothing is stored before it; the staged file is dropped.
        self.authorize_package(log, who, PUBLISH_PACKAGE_VERSION, &key)?;
        let version = upload.version.clone();
        let exists_here = self.store.version(&key, &version).await.map_err(|e| internal(log, e))?;
        if exists_here.is_none() {
            self.check_publishable(log, who, &key, &version).await?;
        }
        let digests = self.blobs.commit(staged).await.map_err(|e| internal(log, e))?;
        let metadata = Metadata { requires_python: upload.requires_python.clone() };
        let new = NewVersion {
            display_name: upload.name.clone(),
            origin: Origin::PUBLISHED,
            version: VersionRecord {
                version: version.clone(),
                status: STATUS_PUBLISHED.into(),
                revision: super::new_revision(),
                published_time: now,
                origin: ORIGIN_PUBLISHED.into(),
                metadata: serde_json::to_string(&metadata).map_err(|e| internal(log, e))?,
                assets: vec![AssetRecord {
                    name: upload.distribution.filename.clone(),
                    sha256: digests.sha256.clone(),
                    sha1: digests.sha1.clone(),
                    integrity: digests.integrity(),
                    size: digests.size,
                    created_time: now,
                }],
            },
            exclusive: false,
            dist_tags: Vec::new(),
        };
        match self.store.put_version(&key, &new).await {
            Ok(stored) => {
                info!(log, "uploaded"; "project" => &key.name, "version" => &version,
                    "file" => &upload.distribution.filename, "outcome" => format!("{stored:?}"),
                    "repository" => &key.repository, "principal" => &who.principal.arn);
                Ok(stored)
            }
            Err(StoreError::AssetConflict(file)) => Err(EndpointError::Conflict(format!(
                "File {file} already exists with different content; files cannot be replaced"
            ))),
            Err(e) => Err(internal(log, e)),
        }
    }

    fn pypi_key(&self, who: &Admitted, project: &str) -> PackageKey {
        self.package_key(who, "", &wire::normalize(project))
    }
}

/// A form that could not be read, as twine will show it.
fn upload_error(log: &Logger, e: UploadError, limit: u64) -> EndpointError {
    match e.status() {
        413 => EndpointError::TooLarge(format!("{e} (the largest file accepted is {limit} bytes)")),
        500 => internal(log, e),
        _ => EndpointError::BadRequest(e.to_string()),
    }
}
