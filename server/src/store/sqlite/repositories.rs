//! Repositories and their upstreams: rows and queries.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{domains, tags_from_text, tags_to_text};
use crate::store::{Page, RepositoryRecord, StoreError};

const COLUMNS: &str =
    "domain_owner, domain_name, name, description, tags, created_time, external_connection";

/// A repository's row; its upstreams are read separately.
fn from_row(row: &Row<'_>) -> rusqlite::Result<RepositoryRecord> {
    Ok(RepositoryRecord {
        domain_owner: row.get(0)?,
        domain_name: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        tags: tags_from_text(row.get_ref(4)?.as_str()?)?,
        created_time: row.get(5)?,
        external_connection: row.get(6)?,
        upstreams: Vec::new(),
    })
}

pub(super) fn get(
    c: &Connection,
    owner: &str,
    domain: &str,
    name: &str,
) -> rusqlite::Result<Option<RepositoryRecord>> {
    let found = c
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM repositories
             WHERE domain_owner = ?1 AND domain_name = ?2 AND name = ?3"
        ))?
        .query_row(params![owner, domain, name], from_row)
        .optional()?;
    found.map(|repo| with_upstreams(c, repo)).transpose()
}

/// Whether the repository exists: one index probe, for checks inside writes
/// that need no record.
pub(super) fn exists(
    c: &Connection,
    owner: &str,
    domain: &str,
    name: &str,
) -> rusqlite::Result<bool> {
    c.prepare_cached(
        "SELECT 1 FROM repositories WHERE domain_owner = ?1 AND domain_name = ?2 AND name = ?3",
    )?
    .exists(params![owner, domain, name])
}

fn with_upstreams(
    c: &Connection,
    mut repo: RepositoryRecord,
) -> rusqlite::Result<RepositoryRecord> {
    repo.upstreams = c
        .prepare_cached(
            "SELECT upstream FROM upstreams
             WHERE domain_owner = ?1 AND domain_name = ?2 AND repository = ?3 ORDER BY position",
        )?
        .query_map(params![repo.domain_owner, repo.domain_name, repo.name], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(repo)
}

pub(super) fn list(
    c: &Connection,
    owner: &str,
    domain: &str,
    prefix: Option<&str>,
    page: Page<'_>,
) -> rusqlite::Result<Vec<RepositoryRecord>> {
    let mut select = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM repositories
         WHERE domain_owner = ?1 AND domain_name = ?2 AND name > ?3
           AND substr(name, 1, length(?4)) = ?4
         ORDER BY name LIMIT ?5"
    ))?;
    let rows = select.query_map(
        params![owner, domain, page.after.unwrap_or(""), prefix.unwrap_or(""), page.limit as i64],
        from_row,
    )?;
    rows.collect()
}

/// Inserts the repository's row (not its upstreams) unless it exists;
/// whether it was inserted.
pub(super) fn insert(c: &Connection, r: &RepositoryRecord) -> rusqlite::Result<bool> {
    let inserted = c
        .prepare_cached(
            "INSERT INTO repositories
                 (domain_owner, domain_name, name, description, tags, created_time)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            r.domain_owner,
            r.domain_name,
            r.name,
            r.description,
            tags_to_text(&r.tags),
            r.created_time
        ])?;
    Ok(inserted == 1)
}

/// Adds a repository to an existing domain whose upstreams all exist,
/// unless the domain already has `max_repositories`.
pub(super) fn create(
    c: &Connection,
    repo: RepositoryRecord,
    max_repositories: u32,
) -> Result<RepositoryRecord, StoreError> {
    let (owner, domain) = (&repo.domain_owner, &repo.domain_name);
    let found = domains::get(c, owner, domain)?.ok_or(StoreError::DomainNotFound)?;
    if exists(c, owner, domain, &repo.name)? {
        return Err(StoreError::AlreadyExists);
    }
    if found.repository_count >= i64::from(max_repositories) {
        return Err(StoreError::QuotaExceeded(max_repositories));
    }
    for upstream in &repo.upstreams {
        if !exists(c, owner, domain, upstream)? {
            return Err(StoreError::UpstreamNotFound(upstream.clone()));
        }
    }
    insert(c, &repo)?;
    for (position, upstream) in repo.upstreams.iter().enumerate() {
        c.execute(
            "INSERT INTO upstreams (domain_owner, domain_name, repository, position, upstream)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![owner, domain, repo.name, position as i64, upstream],
        )?;
    }
    Ok(repo)
}

/// Removes a repository that no other repository has as an upstream,
/// returning it as it was.
pub(super) fn delete(
    c: &Connection,
    owner: &str,
    domain: &str,
    name: &str,
) -> Result<RepositoryRecord, StoreError> {
    let repo = get(c, owner, domain, name)?.ok_or(StoreError::RepositoryNotFound)?;
    let downstream: Option<String> = c
        .query_row(
            "SELECT repository FROM upstreams
             WHERE domain_owner = ?1 AND domain_name = ?2 AND upstream = ?3
             ORDER BY repository LIMIT 1",
            params![owner, domain, name],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(downstream) = downstream {
        return Err(StoreError::RepositoryIsUpstream(downstream));
    }
    c.execute(
        "DELETE FROM repositories WHERE domain_owner = ?1 AND domain_name = ?2 AND name = ?3",
        params![owner, domain, name],
    )?;
    Ok(repo)
}

pub(super) fn update(
    c: &Connection,
    owner: &str,
    domain: &str,
    name: &str,
    description: Option<Option<String>>,
    upstreams: Option<Vec<String>>,
) -> Result<RepositoryRecord, StoreError> {
    if !exists(c, owner, domain, name)? {
        return Err(StoreError::RepositoryNotFound);
    }
    if let Some(description) = description {
        c.execute(
            "UPDATE repositories SET description = ?4
             WHERE domain_owner = ?1 AND domain_name = ?2 AND name = ?3",
            params![owner, domain, name, description],
        )?;
    }
    if let Some(upstreams) = upstreams {
        for upstream in &upstreams {
            if !exists(c, owner, domain, upstream)? {
                return Err(StoreError::UpstreamNotFound(upstream.clone()));
            }
            if upstream == name || reaches(c, owner, domain, upstream, name)? {
                return Err(StoreError::UpstreamIsSelf);
            }
        }
        c.execute(
            "DELETE FROM upstreams WHERE domain_owner = ?1 AND domain_name = ?2 AND repository = ?3",
            params![owner, domain, name],
        )?;
        for (position, upstream) in upstreams.iter().enumerate() {
            c.execute(
                "INSERT INTO upstreams (domain_owner, domain_name, repository, position, upstream)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![owner, domain, name, position as i64, upstream],
            )?;
        }
    }
    get(c, owner, domain, name)?.ok_or(StoreError::RepositoryNotFound)
}

pub(super) fn owned(
    c: &Connection,
    owner: &str,
    region: &str,
    prefix: Option<&str>,
    page: Page<'_>,
) -> rusqlite::Result<Vec<RepositoryRecord>> {
    // Only the domains that answer in `region` ("no region means every
    // region", as for the domains' own listing).
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("r.{c}")).collect();
    let mut select = c.prepare_cached(&format!(
        "SELECT {} FROM repositories r
         JOIN domains d ON d.owner = r.domain_owner AND d.name = r.domain_name
         WHERE r.domain_owner = ?1 AND (d.region IS NULL OR d.region = ?2)
           AND substr(r.name, 1, length(?3)) = ?3
           AND r.name || '/' || r.domain_name > ?4
         ORDER BY r.name || '/' || r.domain_name LIMIT ?5",
        columns.join(", ")
    ))?;
    let rows = select.query_map(
        params![owner, region, prefix.unwrap_or(""), page.after.unwrap_or(""), page.limit as i64],
        from_row,
    )?;
    rows.collect()
}

/// Whether `to` is among `from`'s upstreams, transitively.
fn reaches(
    c: &Connection,
    owner: &str,
    domain: &str,
    from: &str,
    to: &str,
) -> rusqlite::Result<bool> {
    let mut select = c.prepare_cached(
        "SELECT upstream FROM upstreams
         WHERE domain_owner = ?1 AND domain_name = ?2 AND repository = ?3",
    )?;
    let (mut stack, mut seen) = (vec![from.to_string()], Vec::new());
    while let Some(repository) = stack.pop() {
        if repository == to {
            return Ok(true);
        }
        if seen.contains(&repository) {
            continue;
        }
        let upstreams: Vec<String> = select
            .query_map(params![owner, domain, repository], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        seen.push(repository);
        stack.extend(upstreams);
    }
    Ok(false)
}

pub(super) fn set_external_connection(
    c: &Connection,
    owner: &str,
    domain: &str,
    name: &str,
    connection: Option<&str>,
    expected: Option<&str>,
) -> Result<RepositoryRecord, StoreError> {
    let repository = get(c, owner, domain, name)?.ok_or(StoreError::RepositoryNotFound)?;
    match (connection, &repository.external_connection) {
        (Some(_), Some(taken)) => return Err(StoreError::ExternalConnectionTaken(taken.clone())),
        (None, current) if current.as_deref() != expected || current.is_none() => {
            return Err(StoreError::ExternalConnectionNotFound)
        }
        _ => {}
    }
    c.execute(
        "UPDATE repositories SET external_connection = ?4
         WHERE domain_owner = ?1 AND domain_name = ?2 AND name = ?3",
        params![owner, domain, name, connection],
    )?;
    get(c, owner, domain, name)?.ok_or(StoreError::RepositoryNotFound)
}
