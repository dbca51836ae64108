//! The embedded store: SQLite through rusqlite (compiled in), with the schema
//! in versioned migrations (rusqlite_migration, tracked in SQLite's
//! `user_version`).
//!
//! On disk the database runs in WAL mode with `synchronous = FULL`, so a
//! transaction is on stable storage before its method returns; a crash, even
//! `kill -9` mid-write, loses nothing that was acknowledged. Writes go
//! through one connection and reads through another, so a read never waits
//! for a write's fsync (WAL lets them run at once). In memory (for
//! `--ephemeral`) the same schema and queries run on one connection.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use anyhow::Context as _;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

use super::{DomainRecord, Page, RepositoryRecord, Store, StoreError};

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "codeartifact.db";

/// The schema, one migration per version; never edit a released one, add
/// the next.
const MIGRATIONS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE domains (
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        region TEXT,
        created_time INTEGER NOT NULL,
        encryption_key TEXT,
        tags TEXT NOT NULL,
        PRIMARY KEY (owner, name)
    );
    CREATE TABLE repositories (
        domain_owner TEXT NOT NULL,
        domain_name TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        tags TEXT NOT NULL,
        created_time INTEGER NOT NULL,
        PRIMARY KEY (domain_owner, domain_name, name),
        FOREIGN KEY (domain_owner, domain_name) REFERENCES domains (owner, name)
    );
    CREATE TABLE upstreams (
        domain_owner TEXT NOT NULL,
        domain_name TEXT NOT NULL,
        repository TEXT NOT NULL,
        position INTEGER NOT NULL,
        upstream TEXT NOT NULL,
        PRIMARY KEY (domain_owner, domain_name, repository, position),
        FOREIGN KEY (domain_owner, domain_name, repository)
            REFERENCES repositories (domain_owner, domain_name, name) ON DELETE CASCADE,
        FOREIGN KEY (domain_owner, domain_name, upstream)
            REFERENCES repositories (domain_owner, domain_name, name)
    );
    CREATE INDEX upstreams_by_upstream ON upstreams (domain_owner, domain_name, upstream);",
    ),
    // What the configuration has created: each configured domain and
    // repository (`repository = ''` for the domain itself) is created once.
    M::up(
        "CREATE TABLE seeded (
        owner TEXT NOT NULL,
        domain TEXT NOT NULL,
        repository TEXT NOT NULL,
        PRIMARY KEY (owner, domain, repository)
    );",
    ),
];

/// A SQLite database: a connection for writes and, on disk, one for reads,
/// each used by one request at a time.
#[derive(Debug)]
pub struct SqliteStore {
    writer: Mutex<Connection>,
    /// `None` in memory, where a second connection would be another database.
    reader: Option<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and brings its
    /// schema up to date.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(DATABASE_FILE);
        let open = || -> anyhow::Result<Self> {
            let writer = Connection::open(&path)?;
            writer
                .pragma_update(None, "journal_mode", "WAL")
                .and_then(|()| writer.pragma_update(None, "synchronous", "FULL"))
                .context("failed to configure the database")?;
            let writer = Self::prepare(writer)?;
            let reader = Connection::open(&path)?;
            reader
                .pragma_update(None, "query_only", "ON")
                .and_then(|()| reader.busy_timeout(std::time::Duration::from_secs(5)))
                .context("failed to configure the database")?;
            Ok(Self { writer, reader: Some(Mutex::new(reader)) })
        };
        open().with_context(|| format!("failed to open the database {}", path.display()))
    }

    /// A database that lives in memory and dies with the process.
    pub fn in_memory() -> anyhow::Result<Self> {
        let connection = Connection::open_in_memory().context("failed to open a database")?;
        Ok(Self { writer: Self::prepare(connection)?, reader: None })
    }

    /// The write connection, with foreign keys on and the schema migrated.
    fn prepare(mut connection: Connection) -> anyhow::Result<Mutex<Connection>> {
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .and_then(|()| connection.busy_timeout(std::time::Duration::from_secs(5)))
            .context("failed to configure the database")?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut connection)
            .context("failed to migrate the database schema")?;
        Ok(Mutex::new(connection))
    }

    /// SQLite's own consistency check: `Ok` when the database is intact.
    pub fn integrity_check(&self) -> anyhow::Result<()> {
        let result: String =
            self.read().query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        anyhow::ensure!(result == "ok", "the database is damaged: {result}");
        Ok(())
    }

    /// The write connection. A request that panicked while holding it has
    /// had its transaction rolled back when the transaction was dropped, so
    /// the connection is still good.
    fn write(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The read connection (the write one, in memory).
    fn read(&self) -> MutexGuard<'_, Connection> {
        let connection = self.reader.as_ref().unwrap_or(&self.writer);
        connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

const DOMAIN_COLUMNS: &str = "owner, name, region, created_time, encryption_key, tags,
    (SELECT count(*) FROM repositories r WHERE r.domain_owner = d.owner AND r.domain_name = d.name)";

fn domain_from_row(row: &Row<'_>) -> rusqlite::Result<DomainRecord> {
    Ok(DomainRecord {
        owner: row.get(0)?,
        name: row.get(1)?,
        region: row.get(2)?,
        created_time: row.get(3)?,
        encryption_key: row.get(4)?,
        tags: tags_from_text(row.get_ref(5)?.as_str()?)?,
        repository_count: row.get(6)?,
    })
}

const REPOSITORY_COLUMNS: &str = "domain_owner, domain_name, name, description, tags, created_time";

/// A repository's row; its upstreams are read separately.
fn repository_from_row(row: &Row<'_>) -> rusqlite::Result<RepositoryRecord> {
    Ok(RepositoryRecord {
        domain_owner: row.get(0)?,
        domain_name: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        tags: tags_from_text(row.get_ref(4)?.as_str()?)?,
        created_time: row.get(5)?,
        upstreams: Vec::new(),
    })
}

/// Tags are stored as a JSON array of `[key, value]` pairs.
fn tags_to_text(tags: &[(String, String)]) -> String {
    serde_json::to_string(tags).expect("pairs of strings serialise")
}

fn tags_from_text(text: &str) -> rusqlite::Result<Vec<(String, String)>> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(anyhow::Error::new(e).context("SQLite"))
}

fn domain_in(
    connection: &Connection,
    owner: &str,
    name: &str,
) -> rusqlite::Result<Option<DomainRecord>> {
    connection
        .prepare_cached(&format!(
            "SELECT {DOMAIN_COLUMNS} FROM domains d WHERE owner = ?1 AND name = ?2"
        ))?
        .query_row(params![owner, name], domain_from_row)
        .optional()
}

fn repository_in(
    connection: &Connection,
    owner: &str,
    domain: &str,
    name: &str,
) -> rusqlite::Result<Option<RepositoryRecord>> {
    let found = connection
        .prepare_cached(&format!(
            "SELECT {REPOSITORY_COLUMNS} FROM repositories
             WHERE domain_owner = ?1 AND domain_name = ?2 AND name = ?3"
        ))?
        .query_row(params![owner, domain, name], repository_from_row)
        .optional()?;
    found.map(|repo| with_upstreams(connection, repo)).transpose()
}

/// Whether the repository exists: one index probe, for checks inside writes
/// that need no record.
fn repository_exists(
    connection: &Connection,
    owner: &str,
    domain: &str,
    name: &str,
) -> rusqlite::Result<bool> {
    connection
        .prepare_cached(
            "SELECT 1 FROM repositories
             WHERE domain_owner = ?1 AND domain_name = ?2 AND name = ?3",
        )?
        .exists(params![owner, domain, name])
}

fn with_upstreams(
    connection: &Connection,
    mut repo: RepositoryRecord,
) -> rusqlite::Result<RepositoryRecord> {
    repo.upstreams = connection
        .prepare_cached(
            "SELECT upstream FROM upstreams
             WHERE domain_owner = ?1 AND domain_name = ?2 AND repository = ?3 ORDER BY position",
        )?
        .query_map(params![repo.domain_owner, repo.domain_name, repo.name], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(repo)
}

impl Store for SqliteStore {
    fn seed(
        &self,
        domains: &[DomainRecord],
        repositories: &[RepositoryRecord],
    ) -> Result<(), StoreError> {
        let mut connection = self.write();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        {
            let mut first_time = tx
                .prepare(
                    "INSERT INTO seeded (owner, domain, repository) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                )
                .map_err(backend)?;
            let mut insert_domain = tx
                .prepare(
                    "INSERT INTO domains (owner, name, region, created_time, encryption_key, tags)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                )
                .map_err(backend)?;
            for d in domains {
                if first_time.execute(params![d.owner, d.name, ""]).map_err(backend)? == 0 {
                    continue;
                }
                insert_domain
                    .execute(params![
                        d.owner,
                        d.name,
                        d.region,
                        d.created_time,
                        d.encryption_key,
                        tags_to_text(&d.tags),
                    ])
                    .map_err(backend)?;
            }
            // A repository is created only while its domain exists: a
            // configured domain that the API deleted stays deleted.
            let mut insert_repository = tx
                .prepare(
                    "INSERT INTO repositories
                         (domain_owner, domain_name, name, description, tags, created_time)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6
                     WHERE EXISTS (SELECT 1 FROM domains WHERE owner = ?1 AND name = ?2)
                     ON CONFLICT DO NOTHING",
                )
                .map_err(backend)?;
            for r in repositories {
                debug_assert!(r.upstreams.is_empty(), "seeded repositories have no upstreams");
                let seeded = params![r.domain_owner, r.domain_name, r.name];
                if first_time.execute(seeded).map_err(backend)? == 0 {
                    continue;
                }
                insert_repository
                    .execute(params![
                        r.domain_owner,
                        r.domain_name,
                        r.name,
                        r.description,
                        tags_to_text(&r.tags),
                        r.created_time,
                    ])
                    .map_err(backend)?;
            }
        }
        tx.commit().map_err(backend)
    }

    fn create_domain(
        &self,
        domain: &DomainRecord,
        max_domains: u32,
    ) -> Result<DomainRecord, StoreError> {
        let mut connection = self.write();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let exists = tx
            .prepare_cached("SELECT 1 FROM domains WHERE owner = ?1 AND name = ?2")
            .and_then(|mut select| select.exists(params![domain.owner, domain.name]))
            .map_err(backend)?;
        if exists {
            return Err(StoreError::AlreadyExists);
        }
        let count: i64 = tx
            .query_row(
                "SELECT count(*) FROM domains
                 WHERE owner = ?1 AND (region IS NULL OR ?2 IS NULL OR region = ?2)",
                params![domain.owner, domain.region],
                |row| row.get(0),
            )
            .map_err(backend)?;
        if count >= i64::from(max_domains) {
            return Err(StoreError::QuotaExceeded(max_domains));
        }
        tx.execute(
            "INSERT INTO domains (owner, name, region, created_time, encryption_key, tags)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                domain.owner,
                domain.name,
                domain.region,
                domain.created_time,
                domain.encryption_key,
                tags_to_text(&domain.tags),
            ],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(DomainRecord { repository_count: 0, ..domain.clone() })
    }

    fn domain(&self, owner: &str, name: &str) -> Result<Option<DomainRecord>, StoreError> {
        domain_in(&self.read(), owner, name).map_err(backend)
    }

    fn domain_is_in(&self, owner: &str, name: &str, region: &str) -> Result<bool, StoreError> {
        let connection = self.read();
        let found = connection
            .prepare_cached(
                "SELECT 1 FROM domains
                 WHERE owner = ?1 AND name = ?2 AND (region IS NULL OR region = ?3)",
            )
            .and_then(|mut select| select.exists(params![owner, name, region]))
            .map_err(backend)?;
        Ok(found)
    }

    fn domains(
        &self,
        owner: &str,
        region: &str,
        page: Page<'_>,
    ) -> Result<Vec<DomainRecord>, StoreError> {
        let connection = self.read();
        let mut select = connection
            .prepare_cached(&format!(
                "SELECT {DOMAIN_COLUMNS} FROM domains d
                 WHERE owner = ?1 AND (region IS NULL OR region = ?2) AND name > ?3
                 ORDER BY name LIMIT ?4"
            ))
            .map_err(backend)?;
        let rows = select
            .query_map(
                params![owner, region, page.after.unwrap_or(""), page.limit as i64],
                domain_from_row,
            )
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)
    }

    fn delete_domain(&self, owner: &str, name: &str) -> Result<DomainRecord, StoreError> {
        let mut connection = self.write();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let domain =
            domain_in(&tx, owner, name).map_err(backend)?.ok_or(StoreError::DomainNotFound)?;
        if domain.repository_count > 0 {
            return Err(StoreError::DomainHasRepositories(domain.repository_count));
        }
        tx.execute("DELETE FROM domains WHERE owner = ?1 AND name = ?2", params![owner, name])
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(domain)
    }

    fn create_repository(
        &self,
        repo: &RepositoryRecord,
        max_repositories: u32,
    ) -> Result<RepositoryRecord, StoreError> {
        let mut connection = self.write();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let (owner, domain) = (&repo.domain_owner, &repo.domain_name);
        let Some(found) = domain_in(&tx, owner, domain).map_err(backend)? else {
            return Err(StoreError::DomainNotFound);
        };
        if repository_exists(&tx, owner, domain, &repo.name).map_err(backend)? {
            return Err(StoreError::AlreadyExists);
        }
        if found.repository_count >= i64::from(max_repositories) {
            return Err(StoreError::QuotaExceeded(max_repositories));
        }
        for upstream in &repo.upstreams {
            if !repository_exists(&tx, owner, domain, upstream).map_err(backend)? {
                return Err(StoreError::UpstreamNotFound(upstream.clone()));
            }
        }
        tx.execute(
            "INSERT INTO repositories
                 (domain_owner, domain_name, name, description, tags, created_time)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                owner,
                domain,
                repo.name,
                repo.description,
                tags_to_text(&repo.tags),
                repo.created_time
            ],
        )
        .map_err(backend)?;
        for (position, upstream) in repo.upstreams.iter().enumerate() {
            tx.execute(
                "INSERT INTO upstreams (domain_owner, domain_name, repository, position, upstream)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![owner, domain, repo.name, position as i64, upstream],
            )
            .map_err(backend)?;
        }
        tx.commit().map_err(backend)?;
        Ok(repo.clone())
    }

    fn repository(
        &self,
        owner: &str,
        domain: &str,
        name: &str,
    ) -> Result<Option<RepositoryRecord>, StoreError> {
        repository_in(&self.read(), owner, domain, name).map_err(backend)
    }

    fn repositories(
        &self,
        owner: &str,
        domain: &str,
        prefix: Option<&str>,
        page: Page<'_>,
    ) -> Result<Vec<RepositoryRecord>, StoreError> {
        let connection = self.read();
        let mut select = connection
            .prepare_cached(&format!(
                "SELECT {REPOSITORY_COLUMNS} FROM repositories
                 WHERE domain_owner = ?1 AND domain_name = ?2 AND name > ?3
                   AND substr(name, 1, length(?4)) = ?4
                 ORDER BY name LIMIT ?5"
            ))
            .map_err(backend)?;
        let rows = select
            .query_map(
                params![
                    owner,
                    domain,
                    page.after.unwrap_or(""),
                    prefix.unwrap_or(""),
                    page.limit as i64
                ],
                repository_from_row,
            )
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)
    }

    fn delete_repository(
        &self,
        owner: &str,
        domain: &str,
        name: &str,
    ) -> Result<RepositoryRecord, StoreError> {
        let mut connection = self.write();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let repo = repository_in(&tx, owner, domain, name)
            .map_err(backend)?
            .ok_or(StoreError::RepositoryNotFound)?;
        let downstream: Option<String> = tx
            .query_row(
                "SELECT repository FROM upstreams
                 WHERE domain_owner = ?1 AND domain_name = ?2 AND upstream = ?3
                 ORDER BY repository LIMIT 1",
                params![owner, domain, name],
                |row| row.get(0),
            )
            .optional()
            .map_err(backend)?;
        if let Some(downstream) = downstream {
            return Err(StoreError::RepositoryIsUpstream(downstream));
        }
        tx.execute(
            "DELETE FROM repositories WHERE domain_owner = ?1 AND domain_name = ?2 AND name = ?3",
            params![owner, domain, name],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(repo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What makes an answered write durable: WAL, and a sync at each commit.
    #[test]
    fn on_disk_every_commit_is_synced() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let writer = store.write();
        let mode: String = writer.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        let sync: i64 = writer.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        let foreign_keys: i64 = writer.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), sync, foreign_keys), ("wal", 2, 1), "WAL, FULL, foreign keys");
        drop(writer);
        let written = store.read().execute("DELETE FROM domains", []);
        assert!(written.is_err(), "the read connection cannot write");
    }
}
