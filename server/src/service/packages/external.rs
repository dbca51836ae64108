//! External connections: a repository's read-through to a public registry.
//! This server reaches no public host on its own: each connection reads
//! through to the URL the configuration gives it (a mirror, a company
//! registry, the public one), and finds nothing without one. What a read
//! fetches through a connection is kept, as CodeArtifact keeps it: in the
//! repository that holds the connection and in the one that was asked.

use std::time::Duration;

use codeartifact_api::{PackageFormat, EXTERNAL_CONNECTIONS};
use futures::StreamExt as _;
use slog::{debug, warn, Logger};

use super::{internal, Admitted, EndpointError, EndpointResult, Service, Walk};
use crate::store::blob::{Digests, Staged};
use crate::store::{NewVersion, Origin, PackageKey, PutMode, StoreError, VersionRecord};

/// The most a registry's document or index page may weigh.
const MAX_DOCUMENT: u64 = 64 << 20;
/// How long a call to an external registry may take, a download included.
const TIMEOUT: Duration = Duration::from_secs(300);

/// An external connection a read reaches: which repository holds it, its
/// name, and where it reads through to.
#[derive(Debug)]
pub(super) struct Connection {
    pub(super) repository: String,
    pub(super) name: String,
    base: reqwest::Url,
    /// Credentials given in the configured URL: sent to its host only, and
    /// never logged (the URL is logged without them).
    credentials: Option<(String, String)>,
}

impl Connection {
    fn new(repository: &str, name: &str, url: &str) -> Option<Self> {
        let mut base = reqwest::Url::parse(url).ok()?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let credentials = (!base.username().is_empty()).then(|| {
            let user = percent_decoded(base.username());
            let password = base.password().map(percent_decoded).unwrap_or_default();
            (user, password)
        });
        base.set_username("").ok()?;
        base.set_password(None).ok()?;
        Some(Self { repository: repository.into(), name: name.into(), base, credentials })
    }

    /// A URL below the registry.
    pub(super) fn join(&self, path: &str) -> Option<reqwest::Url> {
        self.base.join(path).ok()
    }

    fn get(&self, client: &reqwest::Client, url: &reqwest::Url) -> reqwest::RequestBuilder {
        let request = client.get(url.clone()).timeout(TIMEOUT);
        match &self.credentials {
            Some((user, password)) if url.origin() == self.base.origin() => {
                request.basic_auth(user, Some(password))
            }
            _ => request,
        }
    }
}

/// A version fetched through an external connection, its asset staged and
/// checked, ready to keep.
pub(super) struct Fetched {
    pub(super) display_name: String,
    pub(super) staged: Staged,
    pub(super) version: VersionRecord,
}

fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// The format of an external connection, by its name.
fn format_of(name: &str) -> Option<PackageFormat> {
    EXTERNAL_CONNECTIONS.iter().find(|(known, _)| *known == name).map(|(_, f)| *f)
}

impl Service {
    /// The external connection a read of this package reaches, if any: the
    /// first repository of the search that holds a connection for the
    /// package's format with a configured URL, not below a repository whose
    /// package blocks upstream versions.
    pub(super) async fn connection(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
    ) -> EndpointResult<Option<Connection>> {
        let mut walk = Walk::from(&who.repository);
        while let Some(repository) = walk.next() {
            // A package that takes no upstream versions here takes none from
            // this repository's connection either, nor from anything below.
            let here = key.in_repository(&repository.name);
            let record = self.store.package_record(&here).await.map_err(|e| internal(log, e))?;
            if record.is_some_and(|p| !p.origin.upstream) {
                continue;
            }
            if let Some(name) = &repository.external_connection {
                let url = self.settings.external_connections.get(name);
                if let (Some(url), Some(format)) = (url, format_of(name)) {
                    if format == key.format {
                        return Ok(Connection::new(&repository.name, name, url));
                    }
                }
            }
            walk.descend(self, log, &repository).await?;
        }
        Ok(None)
    }

    /// A registry's JSON document (npm's package document, PEP 691's
    /// project page), or `None` when it has none or cannot be reached (the
    /// read goes on without it; the log says why).
    pub(super) async fn external_json(
        &self,
        log: &Logger,
        connection: &Connection,
        url: &reqwest::Url,
        accept: &str,
    ) -> Option<(String, Vec<u8>)> {
        let request = connection.get(&self.http, url).header(http::header::ACCEPT, accept);
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                warn!(log, "external connection unreachable"; "connection" => &connection.name,
                    "url" => url.as_str(), "error" => e.without_url().to_string());
                return None;
            }
        };
        if !response.status().is_success() {
            debug!(log, "not found through the external connection";
                "connection" => &connection.name, "url" => url.as_str(),
                "status" => response.status().as_u16());
            return None;
        }
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else { return None };
            if body.len() as u64 + chunk.len() as u64 > MAX_DOCUMENT {
                warn!(log, "external document too large"; "url" => url.as_str());
                return None;
            }
            body.extend_from_slice(&chunk);
        }
        Some((content_type, body))
    }

    /// An asset's bytes from a registry, streamed into the blob store (not
    /// committed): the caller checks the digests before it keeps them.
    pub(super) async fn external_download(
        &self,
        log: &Logger,
        connection: &Connection,
        url: &reqwest::Url,
    ) -> EndpointResult<(Staged, Digests)> {
        let unavailable = |why: String| {
            warn!(log, "external download failed"; "connection" => &connection.name,
                "url" => url.as_str(), "error" => &why);
            EndpointError::NotFound(format!(
                "The asset could not be fetched through external connection {}",
                connection.name
            ))
        };
        let response = connection.get(&self.http, url).send().await;
        // Without the URL: after a redirect it may be a presigned one.
        let response = response.map_err(|e| unavailable(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("status {}", response.status())));
        }
        let limit = self.settings.max_asset_size;
        let mut staged = self.blobs.stage(limit).await.map_err(|e| internal(log, e))?;
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| unavailable(e.without_url().to_string()))?;
            staged.write(&chunk).await.map_err(|e| unavailable(e.to_string()))?;
        }
        let digests = staged.digests();
        Ok((staged, digests))
    }

    /// Keeps a version fetched through `connection` (its asset staged and
    /// checked) in the repository that holds the connection and, when the
    /// read asked another, in that one too.
    pub(super) async fn keep_external(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
        connection: &Connection,
        fetched: Fetched,
    ) -> EndpointResult<()> {
        let Fetched { display_name, staged, version } = fetched;
        let adding_references = self.blob_gate.read().await;
        let digests = self.blobs.commit(staged).await.map_err(|e| internal(log, e))?;
        let mut repositories = vec![connection.repository.clone()];
        if who.repository.name != connection.repository {
            repositories.push(who.repository.name.clone());
        }
        // In both, the version entered the domain through the connection.
        let new = NewVersion {
            display_name,
            origin: Origin::FROM_UPSTREAM,
            version: VersionRecord { origin: connection.name.clone(), ..version },
            mode: PutMode::AddAssets,
            dist_tags: Vec::new(),
        };
        let mut kept = false;
        for repository in &repositories {
            match self.store.put_version(&key.in_repository(repository), &new).await {
                Ok(_) => {
                    kept = true;
                    debug!(log, "kept a version from an external connection";
                        "package" => &key.name, "version" => &new.version.version,
                        "connection" => &connection.name, "repository" => repository);
                }
                // Kept by a read at the same time, or kept out by origin
                // controls that changed meanwhile.
                Err(StoreError::AssetConflict(_) | StoreError::OriginBlocked) => {}
                Err(e) => return Err(internal(log, e)),
            }
        }
        drop(adding_references);
        if !kept {
            self.remove_unreferenced_blobs(log, &[digests.sha256]).await;
            return Err(EndpointError::NotFound(format!(
                "Version {} of '{}' is not kept here",
                new.version.version, key.name
            )));
        }
        Ok(())
    }
}
