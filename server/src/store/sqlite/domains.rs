//! Domains: their rows and queries.

use rusqlite::{named_params, params, Connection, OptionalExtension, Row};

use super::{tags_from_text, tags_to_text};
use crate::store::{DomainRecord, Page, StoreError};

const COLUMNS: &str = "owner, name, region, created_time, encryption_key, tags, instance,
    (SELECT count(*) FROM repositories r WHERE r.domain_owner = d.owner AND r.domain_name = d.name),
    (SELECT coalesce(sum(size), 0) FROM package_assets a
     WHERE a.domain_owner = d.owner AND a.domain_name = d.name)";

/// "No region means every region" (see [`crate::region`]), in SQL: a
/// domain with no region answers in `:region`, whatever it is.
const ANSWERS_IN_REGION: &str = "(region IS NULL OR region = :region)";

fn from_row(row: &Row<'_>) -> rusqlite::Result<DomainRecord> {
    Ok(DomainRecord {
        owner: row.get(0)?,
        name: row.get(1)?,
        region: row.get(2)?,
        created_time: row.get(3)?,
        encryption_key: row.get(4)?,
        tags: tags_from_text(row.get_ref(5)?.as_str()?)?,
        instance: row.get(6)?,
        repository_count: row.get(7)?,
        asset_size_bytes: row.get(8)?,
    })
}

pub(super) fn get(
    c: &Connection,
    owner: &str,
    name: &str,
) -> rusqlite::Result<Option<DomainRecord>> {
    c.prepare_cached(&format!("SELECT {COLUMNS} FROM domains d WHERE owner = ?1 AND name = ?2"))?
        .query_row(params![owner, name], from_row)
        .optional()
}

/// Whether the domain exists: one index probe.
pub(super) fn exists(c: &Connection, owner: &str, name: &str) -> rusqlite::Result<bool> {
    c.prepare_cached("SELECT 1 FROM domains WHERE owner = ?1 AND name = ?2")?
        .exists(params![owner, name])
}

/// The domain's instance, if it exists and answers in `region`: one index
/// probe.
pub(super) fn instance(
    c: &Connection,
    owner: &str,
    name: &str,
    region: &str,
) -> rusqlite::Result<Option<String>> {
    c.prepare_cached(&format!(
        "SELECT instance FROM domains WHERE owner = :owner AND name = :name AND {ANSWERS_IN_REGION}"
    ))?
    .query_row(named_params! { ":owner": owner, ":name": name, ":region": region }, |row| {
        row.get(0)
    })
    .optional()
}

pub(super) fn list(
    c: &Connection,
    owner: &str,
    region: &str,
    page: Page<'_>,
) -> rusqlite::Result<Vec<DomainRecord>> {
    let mut select = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM domains d
         WHERE owner = :owner AND {ANSWERS_IN_REGION} AND name > :after
         ORDER BY name LIMIT :limit"
    ))?;
    let rows = select.query_map(
        named_params! {
            ":owner": owner,
            ":region": region,
            ":after": page.after.unwrap_or(""),
            ":limit": page.limit as i64,
        },
        from_row,
    )?;
    rows.collect()
}

pub(super) fn insert(c: &Connection, d: &DomainRecord) -> rusqlite::Result<usize> {
    // An empty instance would be one every instance-less token matches.
    debug_assert!(!d.instance.is_empty(), "a domain is created with an instance");
    c.prepare_cached(
        "INSERT INTO domains (owner, name, region, created_time, encryption_key, tags, instance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        d.owner,
        d.name,
        d.region,
        d.created_time,
        d.encryption_key,
        tags_to_text(&d.tags),
        d.instance
    ])
}

pub(super) fn create(
    c: &Connection,
    domain: DomainRecord,
    max_domains: u32,
) -> Result<DomainRecord, StoreError> {
    if exists(c, &domain.owner, &domain.name)? {
        return Err(StoreError::AlreadyExists);
    }
    // A domain without a region counts in every region, and one with a
    // region counts against every domain that answers there.
    let count: i64 = c.query_row(
        "SELECT count(*) FROM domains
         WHERE owner = :owner AND (region IS NULL OR :region IS NULL OR region = :region)",
        named_params! { ":owner": domain.owner, ":region": domain.region },
        |row| row.get(0),
    )?;
    if count >= i64::from(max_domains) {
        return Err(StoreError::QuotaExceeded(max_domains));
    }
    insert(c, &domain)?;
    Ok(DomainRecord { repository_count: 0, asset_size_bytes: 0, ..domain })
}

/// Removes a domain that has no repositories, returning it as it was.
pub(super) fn delete(c: &Connection, owner: &str, name: &str) -> Result<DomainRecord, StoreError> {
    let domain = get(c, owner, name)?.ok_or(StoreError::DomainNotFound)?;
    if domain.repository_count > 0 {
        return Err(StoreError::DomainHasRepositories(domain.repository_count));
    }
    c.execute("DELETE FROM domains WHERE owner = ?1 AND name = ?2", params![owner, name])?;
    Ok(domain)
}
