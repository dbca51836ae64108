//! Packages, versions, assets and dist-tags: rows and queries.

use codeartifact_api::PackageFormat;
use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};

use super::repositories;
use crate::store::new_revision;
use crate::store::{
    AssetRecord, BatchOutcome, NewVersion, Origin, PackageFilter, PackageKey, PackageListing,
    PackageRecord, PackageView, Page, PutMode, StoreError, Stored, VersionChange, VersionFilter,
    VersionOutcome, VersionRecord, VersionSelection, ORIGIN_PUBLISHED,
};

/// The columns that name a package, in every table.
const KEY: &str = "domain_owner = ?1 AND domain_name = ?2 AND repository = ?3
    AND format = ?4 AND namespace = ?5 AND name = ?6";

/// Runs `f` with the six key parameters followed by `more`.
fn with<R>(k: &PackageKey, more: &[&dyn ToSql], f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
    let format = k.format.as_str();
    let key: [&dyn ToSql; 6] = [&k.owner, &k.domain, &k.repository, &format, &k.namespace, &k.name];
    let all: Vec<&dyn ToSql> = key.into_iter().chain(more.iter().copied()).collect();
    f(&all)
}

fn origin_text(allowed: bool) -> &'static str {
    if allowed {
        "ALLOW"
    } else {
        "BLOCK"
    }
}

fn package_from_row(row: &Row<'_>) -> rusqlite::Result<PackageRecord> {
    Ok(PackageRecord {
        display_name: row.get(0)?,
        origin: Origin {
            publish: row.get_ref(1)?.as_str()? == "ALLOW",
            upstream: row.get_ref(2)?.as_str()? == "ALLOW",
        },
        created_time: row.get(3)?,
    })
}

fn version_from_row(row: &Row<'_>) -> rusqlite::Result<VersionRecord> {
    Ok(VersionRecord {
        version: row.get(0)?,
        status: row.get(1)?,
        revision: row.get(2)?,
        published_time: row.get(3)?,
        origin: row.get(4)?,
        metadata: row.get(5)?,
        assets: Vec::new(),
    })
}

/// (version, asset) of one row of `package_assets`.
fn asset_from_row(row: &Row<'_>) -> rusqlite::Result<(String, AssetRecord)> {
    Ok((
        row.get(0)?,
        AssetRecord {
            name: row.get(1)?,
            sha256: row.get(2)?,
            sha1: row.get(3)?,
            integrity: row.get(4)?,
            size: row.get::<_, i64>(5)? as u64,
            created_time: row.get(6)?,
        },
    ))
}

const VERSION_COLUMNS: &str = "version, status, revision, published_time, origin, metadata";
const ASSET_COLUMNS: &str = "version, asset, sha256, sha1, integrity, size, created_time";

/// The package's own row: its name and origin controls.
pub(super) fn record(c: &Connection, k: &PackageKey) -> rusqlite::Result<Option<PackageRecord>> {
    let mut select = c.prepare_cached(&format!(
        "SELECT display_name, origin_publish, origin_upstream, created_time
         FROM packages WHERE {KEY}"
    ))?;
    with(k, &[], |p| select.query_row(p, package_from_row)).optional()
}

pub(super) fn get(c: &Connection, k: &PackageKey) -> rusqlite::Result<Option<PackageView>> {
    let Some(package) = record(c, k)? else { return Ok(None) };
    let mut select = c.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM package_versions WHERE {KEY} ORDER BY rowid"
    ))?;
    let mut versions: Vec<VersionRecord> =
        with(k, &[], |p| select.query_map(p, version_from_row)?.collect::<rusqlite::Result<_>>())?;
    let index: std::collections::HashMap<String, usize> =
        versions.iter().enumerate().map(|(i, v)| (v.version.clone(), i)).collect();
    let mut select = c.prepare_cached(&format!(
        "SELECT {ASSET_COLUMNS} FROM package_assets WHERE {KEY} ORDER BY rowid"
    ))?;
    let assets: Vec<(String, AssetRecord)> =
        with(k, &[], |p| select.query_map(p, asset_from_row)?.collect::<rusqlite::Result<_>>())?;
    for (version, asset) in assets {
        if let Some(&i) = index.get(&version) {
            versions[i].assets.push(asset);
        }
    }
    let mut select = c.prepare_cached(&format!(
        "SELECT tag, version, updated_time FROM dist_tags WHERE {KEY} ORDER BY tag"
    ))?;
    let dist_tags = with(k, &[], |p| -> rusqlite::Result<Vec<(String, String, i64)>> {
        select.query_map(p, |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?.collect()
    })?;
    Ok(Some(PackageView { package, versions, dist_tags }))
}

pub(super) fn version(
    c: &Connection,
    k: &PackageKey,
    version: &str,
) -> rusqlite::Result<Option<VersionRecord>> {
    let mut select = c.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM package_versions WHERE {KEY} AND version = ?7"
    ))?;
    let found = with(k, &[&version], |p| select.query_row(p, version_from_row)).optional()?;
    let Some(mut found) = found else { return Ok(None) };
    let mut select = c.prepare_cached(&format!(
        "SELECT {ASSET_COLUMNS} FROM package_assets WHERE {KEY} AND version = ?7 ORDER BY rowid"
    ))?;
    found.assets = with(k, &[&version], |p| -> rusqlite::Result<Vec<AssetRecord>> {
        select.query_map(p, asset_from_row)?.map(|r| r.map(|(_, asset)| asset)).collect()
    })?;
    Ok(Some(found))
}

pub(super) fn put_version(
    c: &Connection,
    k: &PackageKey,
    new: &NewVersion,
) -> Result<Stored, StoreError> {
    if !repositories::exists(c, &k.owner, &k.domain, &k.repository)? {
        return Err(StoreError::RepositoryNotFound);
    }
    let v = &new.version;
    let mut insert = c.prepare_cached(
        "INSERT INTO packages (domain_owner, domain_name, repository, format, namespace, name,
             display_name, origin_publish, origin_upstream, created_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
    )?;
    let (publish, upstream) = (origin_text(new.origin.publish), origin_text(new.origin.upstream));
    let more: [&dyn ToSql; 4] = [&new.display_name, &publish, &upstream, &v.published_time];
    with(k, &more, |p| insert.execute(p))?;
    // The origin controls, read in this transaction: a publish and a
    // retention racing for a new package cannot both get in.
    let origin = record(c, k)?.map(|p| p.origin).unwrap_or(new.origin);
    let allowed = if v.origin == ORIGIN_PUBLISHED { origin.publish } else { origin.upstream };
    if !allowed {
        return Err(StoreError::OriginBlocked);
    }
    let mut existing = version(c, k, &v.version)?;
    if let (Some(_), PutMode::Replace) = (&existing, new.mode) {
        delete_version(c, k, &v.version)?;
        existing = None;
    }
    let mut stored = match &existing {
        Some(_) if new.mode == PutMode::New => return Err(StoreError::VersionExists),
        // A Disposed version's assets are gone for good.
        Some(e) if new.mode == PutMode::AddAssets && e.status == "Disposed" => {
            return Err(StoreError::VersionExists)
        }
        Some(e) if new.mode == PutMode::Unfinished && e.status != "Unfinished" => {
            return Err(StoreError::VersionExists)
        }
        Some(_) if new.mode == PutMode::Unfinished => {
            set_status(c, k, &v.version, &v.status, &v.revision)?;
            Stored::Unchanged
        }
        Some(_) => Stored::Unchanged,
        None => {
            let mut insert = c.prepare_cached(
                "INSERT INTO package_versions (domain_owner, domain_name, repository, format,
                     namespace, name, version, status, revision, published_time, origin, metadata)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
            let more: [&dyn ToSql; 6] =
                [&v.version, &v.status, &v.revision, &v.published_time, &v.origin, &v.metadata];
            with(k, &more, |p| insert.execute(p))?;
            Stored::Created
        }
    };
    let had = existing.map(|e| e.assets).unwrap_or_default();
    for asset in &v.assets {
        match had.iter().find(|a| a.name == asset.name) {
            Some(same) if same.sha256 == asset.sha256 => continue,
            Some(_) => return Err(StoreError::AssetConflict(asset.name.clone())),
            None => {}
        }
        let mut insert = c.prepare_cached(
            "INSERT INTO package_assets (domain_owner, domain_name, repository, format, namespace,
                 name, version, asset, sha256, sha1, integrity, size, created_time)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        let size = asset.size as i64;
        let more: [&dyn ToSql; 7] = [
            &v.version,
            &asset.name,
            &asset.sha256,
            &asset.sha1,
            &asset.integrity,
            &size,
            &asset.created_time,
        ];
        with(k, &more, |p| insert.execute(p))?;
        if stored == Stored::Unchanged {
            stored = Stored::Extended;
        }
    }
    for tag in &new.dist_tags {
        set_dist_tag(c, k, tag, &v.version, v.published_time)?;
    }
    Ok(stored)
}

pub(super) fn set_dist_tag(
    c: &Connection,
    k: &PackageKey,
    tag: &str,
    version_name: &str,
    now: i64,
) -> Result<(), StoreError> {
    if version(c, k, version_name)?.is_none() {
        return Err(StoreError::VersionNotFound);
    }
    let mut upsert = c.prepare_cached(
        "INSERT INTO dist_tags (domain_owner, domain_name, repository, format, namespace, name,
             tag, version, updated_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT DO UPDATE SET version = excluded.version, updated_time = excluded.updated_time",
    )?;
    with(k, &[&tag, &version_name, &now], |p| upsert.execute(p))?;
    Ok(())
}

pub(super) fn remove_dist_tag(c: &Connection, k: &PackageKey, tag: &str) -> rusqlite::Result<bool> {
    let mut delete =
        c.prepare_cached(&format!("DELETE FROM dist_tags WHERE {KEY} AND tag = ?7"))?;
    let removed = with(k, &[&tag], |p| delete.execute(p))?;
    Ok(removed > 0)
}

pub(super) fn names(
    c: &Connection,
    owner: &str,
    domain: &str,
    repository: &str,
    format: PackageFormat,
) -> rusqlite::Result<Vec<String>> {
    c.prepare_cached(
        "SELECT display_name FROM packages
         WHERE domain_owner = ?1 AND domain_name = ?2 AND repository = ?3 AND format = ?4
         ORDER BY namespace, name",
    )?
    .query_map(params![owner, domain, repository, format.as_str()], |row| row.get(0))?
    .collect()
}

pub(super) fn blob_hashes(c: &Connection) -> rusqlite::Result<Vec<String>> {
    c.prepare_cached("SELECT DISTINCT sha256 FROM package_assets")?
        .query_map([], |row| row.get(0))?
        .collect()
}

pub(super) fn list(
    c: &Connection,
    owner: &str,
    domain: &str,
    repository: &str,
    filter: &PackageFilter,
    page: Page<'_>,
) -> rusqlite::Result<Vec<PackageListing>> {
    let allow = |b: Option<bool>| b.map(origin_text);
    let mut select = c.prepare_cached(
        "SELECT format, namespace, name, display_name, origin_publish, origin_upstream,
                created_time
         FROM packages
         WHERE domain_owner = :owner AND domain_name = :domain AND repository = :repository
           AND (:format IS NULL OR format = :format)
           AND (:namespace IS NULL OR namespace = :namespace)
           AND substr(namespace, 1, length(:namespace_prefix)) = :namespace_prefix
           AND substr(name, 1, length(:package_prefix)) = :package_prefix
           AND (:publish IS NULL OR origin_publish = :publish)
           AND (:upstream IS NULL OR origin_upstream = :upstream)
           AND format || '/' || namespace || '/' || name > :after
         ORDER BY format || '/' || namespace || '/' || name LIMIT :limit",
    )?;
    let rows = select.query_map(
        rusqlite::named_params! {
            ":owner": owner,
            ":domain": domain,
            ":repository": repository,
            ":format": filter.format.map(|f| f.as_str()),
            ":namespace": filter.namespace,
            ":namespace_prefix": filter.namespace_prefix.as_deref().unwrap_or(""),
            ":package_prefix": filter.package_prefix.as_deref().unwrap_or(""),
            ":publish": allow(filter.publish),
            ":upstream": allow(filter.upstream),
            ":after": page.after.unwrap_or(""),
            ":limit": page.limit as i64,
        },
        |row| {
            let format: String = row.get(0)?;
            let format = PackageFormat::from_wire(&format).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    format!("unknown package format '{format}'").into(),
                )
            })?;
            Ok(PackageListing {
                key: PackageKey {
                    owner: owner.to_string(),
                    domain: domain.to_string(),
                    repository: repository.to_string(),
                    format,
                    namespace: row.get(1)?,
                    name: row.get(2)?,
                },
                package: PackageRecord {
                    display_name: row.get(3)?,
                    origin: Origin {
                        publish: row.get_ref(4)?.as_str()? == "ALLOW",
                        upstream: row.get_ref(5)?.as_str()? == "ALLOW",
                    },
                    created_time: row.get(6)?,
                },
            })
        },
    )?;
    rows.collect()
}

pub(super) fn versions(
    c: &Connection,
    k: &PackageKey,
    filter: &VersionFilter,
    page: Page<'_>,
) -> rusqlite::Result<Vec<(String, VersionRecord)>> {
    let status = filter.status.as_deref();
    let limit = page.limit as i64;
    let filters = "(?7 IS NULL OR status = ?7) AND (?8 IS NULL OR (instr(origin, ':') = 0) = ?8)";
    let columns = "version, status, revision, published_time, origin, '', rowid";
    if filter.by_publication {
        // Resumes after (time, row id), with the index on time: a page
        // costs the same however many versions the package has.
        let (time, row) = page
            .after
            .and_then(|a| a.split_once('/'))
            .and_then(|(t, r)| Some((t.parse::<i64>().ok()?, r.parse::<i64>().ok()?)))
            .unwrap_or((i64::MIN, i64::MIN));
        let mut select = c.prepare_cached(&format!(
            "SELECT {columns} FROM package_versions
             WHERE {KEY} AND {filters}
               AND (published_time > ?9 OR (published_time = ?9 AND rowid > ?10))
             ORDER BY published_time, rowid LIMIT ?11"
        ))?;
        with(k, &[&status, &filter.internal, &time, &row, &limit], |p| {
            select
                .query_map(p, |row| {
                    let v = version_from_row(row)?;
                    let position =
                        format!("{:020}/{:020}", v.published_time, row.get::<_, i64>(6)?);
                    Ok((position, v))
                })?
                .collect::<rusqlite::Result<_>>()
        })
    } else {
        let after = page.after.unwrap_or("");
        let mut select = c.prepare_cached(&format!(
            "SELECT {columns} FROM package_versions
             WHERE {KEY} AND {filters} AND version > ?9
             ORDER BY version LIMIT ?10"
        ))?;
        with(k, &[&status, &filter.internal, &after, &limit], |p| {
            select
                .query_map(p, |row| Ok((row.get::<_, String>(0)?, version_from_row(row)?)))?
                .collect::<rusqlite::Result<_>>()
        })
    }
}

/// The most recently published version in `status`, if any: one index probe.
pub(super) fn newest(
    c: &Connection,
    k: &PackageKey,
    status: &str,
) -> rusqlite::Result<Option<VersionRecord>> {
    let mut select = c.prepare_cached(&format!(
        "SELECT version, status, revision, published_time, origin, '' FROM package_versions
         WHERE {KEY} AND status = ?7 ORDER BY published_time DESC, rowid DESC LIMIT 1"
    ))?;
    with(k, &[&status], |p| select.query_row(p, version_from_row).optional())
}

pub(super) fn dist_tags(
    c: &Connection,
    k: &PackageKey,
) -> rusqlite::Result<Vec<(String, String, i64)>> {
    let mut select = c.prepare_cached(&format!(
        "SELECT tag, version, updated_time FROM dist_tags WHERE {KEY} ORDER BY tag"
    ))?;
    with(k, &[], |p| {
        select
            .query_map(p, |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()
    })
}

/// Whether the package exists: one index probe.
fn package_exists(c: &Connection, k: &PackageKey) -> rusqlite::Result<bool> {
    let mut select = c.prepare_cached(&format!("SELECT 1 FROM packages WHERE {KEY}"))?;
    with(k, &[], |p| select.exists(p))
}

/// The blobs among `candidates` that no asset names any more.
pub(super) fn unreferenced(
    c: &Connection,
    candidates: Vec<String>,
) -> rusqlite::Result<Vec<String>> {
    let mut probe = c.prepare_cached("SELECT 1 FROM package_assets WHERE sha256 = ?1 LIMIT 1")?;
    let mut out = Vec::new();
    for sha256 in candidates {
        if !probe.exists(params![sha256])? && !out.contains(&sha256) {
            out.push(sha256);
        }
    }
    Ok(out)
}

pub(super) fn change_versions(
    c: &Connection,
    k: &PackageKey,
    selection: &VersionSelection,
    change: &VersionChange,
) -> Result<BatchOutcome, StoreError> {
    if !package_exists(c, k)? {
        return Err(StoreError::PackageNotFound);
    }
    let mut outcome = BatchOutcome::default();
    let mut dropped_blobs = Vec::new();
    for name in &selection.versions {
        let Some(found) = version(c, k, name)? else {
            outcome.versions.push((name.clone(), VersionOutcome::NotFound));
            continue;
        };
        if let Some(expected) = &selection.expected_status {
            if &found.status != expected {
                outcome
                    .versions
                    .push((name.clone(), VersionOutcome::MismatchedStatus(found.status)));
                continue;
            }
        }
        if selection.revisions.get(name).is_some_and(|r| r != &found.revision) {
            outcome.versions.push((name.clone(), VersionOutcome::MismatchedRevision));
            continue;
        }
        let result = match change {
            // Disposed is final: its assets are gone.
            VersionChange::Status { .. } if found.status == "Disposed" => {
                VersionOutcome::NotAllowed(found.status)
            }
            VersionChange::Status { target } => {
                let revision = new_revision();
                set_status(c, k, name, target, &revision)?;
                VersionOutcome::Changed { status: target.clone(), revision }
            }
            VersionChange::Dispose => {
                let revision = new_revision();
                dropped_blobs.extend(found.assets.iter().map(|a| a.sha256.clone()));
                let mut delete = c.prepare_cached(&format!(
                    "DELETE FROM package_assets WHERE {KEY} AND version = ?7"
                ))?;
                with(k, &[name], |p| delete.execute(p))?;
                set_status(c, k, name, "Disposed", &revision)?;
                VersionOutcome::Changed { status: "Disposed".into(), revision }
            }
            VersionChange::Delete => {
                dropped_blobs.extend(found.assets.iter().map(|a| a.sha256.clone()));
                delete_version(c, k, name)?;
                VersionOutcome::Changed { status: "Deleted".into(), revision: found.revision }
            }
        };
        outcome.versions.push((name.clone(), result));
    }
    outcome.unreferenced_blobs = unreferenced(c, dropped_blobs)?;
    Ok(outcome)
}

/// Removes a version with its assets and the tags that point at it.
fn delete_version(c: &Connection, k: &PackageKey, version: &str) -> rusqlite::Result<()> {
    let mut delete =
        c.prepare_cached(&format!("DELETE FROM package_versions WHERE {KEY} AND version = ?7"))?;
    with(k, &[&version], |p| delete.execute(p))?;
    let mut untag =
        c.prepare_cached(&format!("DELETE FROM dist_tags WHERE {KEY} AND version = ?7"))?;
    with(k, &[&version], |p| untag.execute(p))?;
    Ok(())
}

fn set_status(
    c: &Connection,
    k: &PackageKey,
    version: &str,
    status: &str,
    revision: &str,
) -> rusqlite::Result<usize> {
    let mut update = c.prepare_cached(&format!(
        "UPDATE package_versions SET status = ?8, revision = ?9 WHERE {KEY} AND version = ?7"
    ))?;
    with(k, &[&version, &status, &revision], |p| update.execute(p))
}

pub(super) fn delete_package(
    c: &Connection,
    k: &PackageKey,
) -> Result<(PackageView, Vec<String>), StoreError> {
    let view = get(c, k)?.ok_or(StoreError::PackageNotFound)?;
    let mut delete = c.prepare_cached(&format!("DELETE FROM packages WHERE {KEY}"))?;
    with(k, &[], |p| delete.execute(p))?;
    let blobs = view.versions.iter().flat_map(|v| v.assets.iter().map(|a| a.sha256.clone()));
    let unreferenced = unreferenced(c, blobs.collect())?;
    Ok((view, unreferenced))
}

pub(super) fn set_origin(
    c: &Connection,
    k: &PackageKey,
    display_name: &str,
    origin: Origin,
    now: i64,
) -> Result<PackageRecord, StoreError> {
    if !repositories::exists(c, &k.owner, &k.domain, &k.repository)? {
        return Err(StoreError::RepositoryNotFound);
    }
    let (publish, upstream) = (origin_text(origin.publish), origin_text(origin.upstream));
    let mut upsert = c.prepare_cached(
        "INSERT INTO packages (domain_owner, domain_name, repository, format, namespace, name,
             display_name, origin_publish, origin_upstream, created_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT DO UPDATE SET origin_publish = excluded.origin_publish,
             origin_upstream = excluded.origin_upstream",
    )?;
    with(k, &[&display_name, &publish, &upstream, &now], |p| upsert.execute(p))?;
    record(c, k)?.ok_or(StoreError::PackageNotFound)
}
