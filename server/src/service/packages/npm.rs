//! npm packages: publish, the merged package document, tarballs and
//! dist-tags. The wire formats are `codeartifact_packages::npm`'s; this is
//! what the service decides about them.

use std::collections::BTreeMap;

use codeartifact_packages::npm::{self as wire, PackageName};
use serde::{Deserialize, Serialize};
use slog::{debug, Logger};

use super::external::Fetched;
use super::{
    internal, listed_versions, Admitted, AssetBytes, EndpointError, EndpointResult, Service,
    STATUS_PUBLISHED,
};
use crate::iam::actions::{PUBLISH_PACKAGE_VERSION, PUT_PACKAGE_METADATA};
use crate::store::{
    new_revision, AssetRecord, NewVersion, Origin, PackageKey, PutMode, StoreError, VersionRecord,
    ORIGIN_PUBLISHED,
};

/// A package as npm reads it, merged over the repositories searched.
#[derive(Debug)]
pub struct NpmPackage {
    pub name: PackageName,
    /// In the order they were published.
    pub versions: Vec<NpmVersion>,
    pub dist_tags: BTreeMap<String, String>,
    pub created: i64,
    pub modified: i64,
    /// The readme of the version `latest` points at.
    pub readme: Option<String>,
}

#[derive(Debug)]
pub struct NpmVersion {
    pub version: String,
    /// The manifest texts prepared at publish (`wire::prepare`).
    pub full: String,
    pub abbreviated: String,
    pub integrity: String,
    pub shasum: String,
    pub published: i64,
}

/// What an npm version keeps besides its tarball: its two manifests,
/// prepared once, and its readme.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct NpmMetadata {
    pub(crate) full: String,
    pub(crate) abbreviated: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) readme: Option<String>,
}

impl Service {
    /// The package document's contents: every listed version of the package
    /// in the repository and, unless its origin controls block them, its
    /// upstreams (the first repository that has a version wins), with the
    /// dist-tags merged (the most recently set wins a clash).
    pub async fn npm_package(
        &self,
        log: &Logger,
        who: &Admitted,
        name: &PackageName,
    ) -> EndpointResult<NpmPackage> {
        self.authorize_read(log, who)?;
        let key = self.npm_key(who, name);
        let found = self.find(log, who, &key).await?;
        let mut versions: Vec<NpmVersion> = Vec::new();
        let mut readmes: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut tags: BTreeMap<String, (String, i64)> = BTreeMap::new();
        let created = found.iter().map(|f| f.package.created_time).min().unwrap_or(0);
        let mut modified = created;
        for v in listed_versions(&found) {
            let Some(tarball) = v.assets.first() else { continue };
            let metadata: NpmMetadata =
                serde_json::from_str(&v.metadata).map_err(|e| internal(log, e))?;
            modified = modified.max(v.published_time);
            readmes.insert(v.version.clone(), metadata.readme);
            versions.push(NpmVersion {
                version: v.version.clone(),
                full: metadata.full,
                abbreviated: metadata.abbreviated,
                integrity: tarball.integrity.clone(),
                shasum: tarball.sha1.clone(),
                published: v.published_time,
            });
        }
        for f in &found {
            for (tag, version, updated) in &f.dist_tags {
                if tags.get(tag).is_none_or(|(_, known)| updated > known) {
                    tags.insert(tag.clone(), (version.clone(), *updated));
                }
            }
        }
        // What an external connection the search reaches has, after
        // everything kept here: its versions and tags fill in, never win.
        if let Some(remote) = self.external_npm_document(log, who, &key, name).await? {
            let mut known: std::collections::HashSet<String> =
                versions.iter().map(|v| v.version.clone()).collect();
            for (version, manifest, dist) in remote.versions {
                if !known.insert(version.clone()) {
                    continue;
                }
                let prepared = wire::prepare(&manifest, name, &version);
                versions.push(NpmVersion {
                    version,
                    full: prepared.full,
                    abbreviated: prepared.abbreviated,
                    integrity: dist.integrity,
                    shasum: dist.shasum,
                    published: remote.modified,
                });
            }
            for (tag, version) in remote.dist_tags {
                tags.entry(tag).or_insert((version, 0));
            }
            modified = modified.max(remote.modified);
        }
        if versions.is_empty() {
            return Err(EndpointError::NotFound(format!("Package '{name}' was not found")));
        }
        let mut dist_tags: BTreeMap<String, String> = tags
            .into_iter()
            .filter(|(_, (v, _))| versions.iter().any(|known| &known.version == v))
            .map(|(tag, (v, _))| (tag, v))
            .collect();
        if !dist_tags.contains_key("latest") {
            let newest = wire::newest(versions.iter().map(|v| v.version.as_str()));
            if let Some(newest) = newest {
                dist_tags.insert("latest".into(), newest.to_string());
            }
        }
        let readme = dist_tags.get("latest").and_then(|v| readmes.remove(v)).flatten();
        Ok(NpmPackage { name: name.clone(), versions, dist_tags, created, modified, readme })
    }

    /// A version's tarball, retained from upstream if that is where it is.
    pub async fn npm_tarball(
        &self,
        log: &Logger,
        who: &Admitted,
        name: &PackageName,
        version: &str,
        now: i64,
    ) -> EndpointResult<(AssetRecord, AssetBytes)> {
        self.authorize_read(log, who)?;
        let key = self.npm_key(who, name);
        let filename = wire::tarball_filename(name, version);
        match self.read_asset(log, who, &key, version, &filename, now).await {
            Err(EndpointError::NotFound(why)) => {
                let fetched = self.fetch_npm_version(log, who, &key, name, version, now).await?;
                if !fetched {
                    return Err(EndpointError::NotFound(why));
                }
                self.read_asset(log, who, &key, version, &filename, now).await
            }
            found => found,
        }
    }

    /// npm's package document from the external connection the search
    /// reaches, if there is one and it has the package.
    async fn external_npm_document(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
        name: &PackageName,
    ) -> EndpointResult<Option<RemoteNpm>> {
        let Some(connection) = self.connection(log, who, key).await? else { return Ok(None) };
        // npm's registries take a scoped name as one segment: `@scope%2fname`.
        let Some(url) = connection.join(&name.full().replace('/', "%2f")) else {
            return Ok(None);
        };
        let found = self.external_json(log, &connection, &url, wire::FULL_CONTENT_TYPE).await;
        let Some((_, body)) = found else { return Ok(None) };
        Ok(RemoteNpm::parse(&body))
    }

    /// Fetches `version` through the external connection the search
    /// reaches, checks its tarball against the registry's integrity, and
    /// keeps it; whether there was such a version.
    async fn fetch_npm_version(
        &self,
        log: &Logger,
        who: &Admitted,
        key: &PackageKey,
        name: &PackageName,
        version: &str,
        now: i64,
    ) -> EndpointResult<bool> {
        let Some(connection) = self.connection(log, who, key).await? else { return Ok(false) };
        let Some(remote) = self.external_npm_document(log, who, key, name).await? else {
            return Ok(false);
        };
        let Some((_, manifest, dist)) = remote.versions.into_iter().find(|(v, _, _)| v == version)
        else {
            return Ok(false);
        };
        let Ok(url) = reqwest::Url::parse(&dist.tarball) else { return Ok(false) };
        let (staged, digests) = self.external_download(log, &connection, &url).await?;
        let matches = digests.integrity() == dist.integrity
            || (dist.integrity.is_empty() && digests.sha1 == dist.shasum);
        if !matches {
            slog::warn!(log, "a tarball from the external connection does not match its integrity";
                "package" => name.full(), "version" => version, "connection" => &connection.name);
            return Err(EndpointError::Conflict(format!(
                "The tarball of {name}@{version} from {} does not match its integrity",
                connection.name
            )));
        }
        let prepared = wire::prepare(&manifest, name, version);
        let metadata =
            NpmMetadata { full: prepared.full, abbreviated: prepared.abbreviated, readme: None };
        let record = VersionRecord {
            version: version.to_string(),
            status: STATUS_PUBLISHED.into(),
            revision: new_revision(),
            published_time: now,
            origin: connection.name.clone(),
            metadata: serde_json::to_string(&metadata).map_err(|e| internal(log, e))?,
            assets: vec![AssetRecord {
                name: wire::tarball_filename(name, version),
                sha256: digests.sha256.clone(),
                sha1: digests.sha1.clone(),
                integrity: digests.integrity(),
                size: digests.size,
                created_time: now,
            }],
        };
        let fetched = Fetched { display_name: name.full(), staged, version: record };
        self.keep_external(log, who, key, &connection, fetched).await?;
        Ok(true)
    }

    /// Whether the principal may publish `name` here
    /// (`codeartifact:PublishPackageVersion` on the package): asked before
    /// the publish document is read, so a refused one is never buffered.
    pub fn npm_may_publish(
        &self,
        log: &Logger,
        who: &Admitted,
        name: &PackageName,
    ) -> EndpointResult<()> {
        self.authorize_package(log, who, PUBLISH_PACKAGE_VERSION, &self.npm_key(who, name))
    }

    /// A place among the npm publish documents read at once: each is held
    /// whole in memory (the tarball is base64 inside the JSON), so only a
    /// few at a time.
    pub async fn npm_publish_slot(&self) -> tokio::sync::SemaphorePermit<'_> {
        // The semaphore is never closed.
        self.npm_publishes.acquire().await.expect("the publish semaphore stays open")
    }

    /// `npm publish`: the document `body` PUT at `name`, by a principal
    /// [`Service::npm_may_publish`] let in. The version must be new here and
    /// in every upstream the search reaches, and the package must take
    /// published versions.
    pub async fn npm_publish(
        &self,
        log: &Logger,
        who: &Admitted,
        name: &PackageName,
        body: bytes::Bytes,
        now: i64,
    ) -> EndpointResult<String> {
        let key = self.npm_key(who, name);
        self.npm_may_publish(log, who, name)?;
        // Decoding, hashing and unpacking a tarball is CPU work: off the
        // connection's thread.
        let url_name = name.clone();
        let parsed = tokio::task::spawn_blocking(move || wire::parse_publish(&url_name, &body))
            .await
            .map_err(|e| internal(log, e))?
            .map_err(|e| EndpointError::BadRequest(e.to_string()))?;
        let exists = self.store.version(&key, &parsed.version).await;
        if exists.map_err(|e| internal(log, e))?.is_some() {
            return Err(already_published(name, &parsed.version));
        }
        self.check_publishable(log, who, &key, &parsed.version).await?;
        let limit = self.settings.max_asset_size;
        let adding_references = self.blob_gate.read().await;
        let digests = self.blobs.put(&parsed.tarball, limit).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::FileTooLarge {
                EndpointError::TooLarge(format!("The tarball is larger than {limit} bytes"))
            } else {
                internal(log, e)
            }
        })?;
        let prepared = wire::prepare(&parsed.manifest, name, &parsed.version);
        let metadata = NpmMetadata {
            full: prepared.full,
            abbreviated: prepared.abbreviated,
            readme: parsed.readme.map(capped),
        };
        let new = NewVersion {
            display_name: name.full(),
            origin: Origin::PUBLISHED,
            version: VersionRecord {
                version: parsed.version.clone(),
                status: STATUS_PUBLISHED.into(),
                revision: new_revision(),
                published_time: now,
                origin: ORIGIN_PUBLISHED.into(),
                metadata: serde_json::to_string(&metadata).map_err(|e| internal(log, e))?,
                assets: vec![AssetRecord {
                    name: wire::tarball_filename(name, &parsed.version),
                    sha256: digests.sha256.clone(),
                    sha1: digests.sha1.clone(),
                    integrity: digests.integrity(),
                    size: digests.size,
                    created_time: now,
                }],
            },
            mode: PutMode::New,
            dist_tags: parsed.dist_tags.into_keys().collect(),
        };
        let stored = self.store.put_version(&key, &new).await;
        drop(adding_references);
        let refused = match stored {
            Ok(_) => {
                debug!(log, "published"; "package" => name.full(), "version" => &parsed.version,
                    "repository" => &key.repository, "principal" => &who.principal.arn);
                return Ok(parsed.version);
            }
            Err(StoreError::VersionExists) => already_published(name, &parsed.version),
            Err(StoreError::OriginBlocked) => EndpointError::Conflict(format!(
                "Package {name} takes its versions from upstream repositories here; its origin \
                 controls block publishing"
            )),
            Err(e) => internal(log, e),
        };
        // Another publish won meanwhile: its bytes stay, these go.
        self.remove_unreferenced_blobs(log, &[digests.sha256]).await;
        Err(refused)
    }

    /// The merged dist-tags, as `npm dist-tag ls` reads them.
    pub async fn npm_dist_tags(
        &self,
        log: &Logger,
        who: &Admitted,
        name: &PackageName,
    ) -> EndpointResult<BTreeMap<String, String>> {
        Ok(self.npm_package(log, who, name).await?.dist_tags)
    }

    /// `npm dist-tag add`: points `tag` at `version` of the package in this
    /// repository. Needs `codeartifact:PutPackageMetadata` on the package.
    pub async fn npm_set_dist_tag(
        &self,
        log: &Logger,
        who: &Admitted,
        name: &PackageName,
        tag: &str,
        body: &[u8],
        now: i64,
    ) -> EndpointResult<()> {
        let key = self.npm_key(who, name);
        self.authorize_package(log, who, PUT_PACKAGE_METADATA, &key)?;
        wire::check_tag(tag).map_err(|e| EndpointError::BadRequest(e.to_string()))?;
        let version = wire::parse_dist_tag_body(body)
            .map_err(|e| EndpointError::BadRequest(e.to_string()))?;
        match self.store.set_dist_tag(&key, tag, &version, now).await {
            Ok(()) => {
                debug!(log, "dist-tag set"; "package" => name.full(), "tag" => tag,
                    "version" => &version);
                Ok(())
            }
            Err(StoreError::VersionNotFound) => Err(EndpointError::NotFound(format!(
                "Version {version} of {name} is not in repository '{}'",
                key.repository
            ))),
            Err(e) => Err(internal(log, e)),
        }
    }

    /// `npm dist-tag rm`. Needs `codeartifact:PutPackageMetadata`.
    pub async fn npm_remove_dist_tag(
        &self,
        log: &Logger,
        who: &Admitted,
        name: &PackageName,
        tag: &str,
    ) -> EndpointResult<()> {
        let key = self.npm_key(who, name);
        self.authorize_package(log, who, PUT_PACKAGE_METADATA, &key)?;
        match self.store.remove_dist_tag(&key, tag).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(EndpointError::NotFound(format!("{name} has no dist-tag '{tag}'"))),
            Err(e) => Err(internal(log, e)),
        }
    }

    fn npm_key(&self, who: &Admitted, name: &PackageName) -> PackageKey {
        self.package_key(who, name.scope().unwrap_or(""), name.bare())
    }
}

fn already_published(name: &PackageName, version: &str) -> EndpointError {
    EndpointError::Conflict(format!(
        "Cannot publish over the previously published version {version} of {name}"
    ))
}

/// The most of a readme kept: a package document carries its `latest`
/// version's, and a megabyte is plenty for a page.
const MAX_README: usize = 1 << 20;

/// A readme cut at [`MAX_README`] bytes, on a character boundary.
pub(super) fn capped(mut readme: String) -> String {
    if readme.len() > MAX_README {
        let mut end = MAX_README;
        while !readme.is_char_boundary(end) {
            end -= 1;
        }
        readme.truncate(end);
    }
    readme
}

/// A package document from an external registry, as far as this server
/// uses it: each version's manifest and `dist`, and the dist-tags.
struct RemoteNpm {
    versions: Vec<(String, serde_json::Value, RemoteDist)>,
    dist_tags: BTreeMap<String, String>,
    /// When the registry last changed the package, in epoch seconds.
    modified: i64,
}

struct RemoteDist {
    tarball: String,
    integrity: String,
    shasum: String,
}

impl RemoteNpm {
    /// The document's versions whose version is semver and whose `dist`
    /// names a tarball; anything else a registry sends is left out.
    fn parse(body: &[u8]) -> Option<Self> {
        let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
        let text =
            |v: &serde_json::Value, k: &str| v.get(k).and_then(|t| t.as_str()).map(str::to_string);
        let versions = doc
            .get("versions")?
            .as_object()?
            .iter()
            .filter(|(version, _)| semver::Version::parse(version).is_ok())
            .filter_map(|(version, manifest)| {
                let dist = manifest.get("dist")?;
                let dist = RemoteDist {
                    tarball: text(dist, "tarball")?,
                    integrity: text(dist, "integrity").unwrap_or_default(),
                    shasum: text(dist, "shasum").unwrap_or_default(),
                };
                Some((version.clone(), manifest.clone(), dist))
            })
            .collect();
        let dist_tags = doc
            .get("dist-tags")
            .and_then(|t| t.as_object())
            .map(|tags| {
                tags.iter()
                    .filter_map(|(tag, v)| Some((tag.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let modified = doc
            .get("time")
            .and_then(|t| t.get("modified"))
            .and_then(|m| m.as_str())
            .and_then(|m| chrono::DateTime::parse_from_rfc3339(m).ok())
            .map_or(0, |m| m.timestamp());
        Some(Self { versions, dist_tags, modified })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readmes_are_capped_on_a_character_boundary() {
        assert_eq!(capped("short".into()), "short");
        let long = "é".repeat(MAX_README);
        let cut = capped(long);
        assert!(cut.len() <= MAX_README && cut.len() > MAX_README - 2);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
