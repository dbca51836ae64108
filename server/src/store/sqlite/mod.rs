//! The embedded store: SQLite through rusqlite (compiled in), with the schema
//! in versioned migrations ([`schema`]).
//!
//! On disk the database runs in WAL mode with `synchronous = FULL`, so a
//! transaction is on stable storage before its method returns; a crash, even
//! `kill -9` mid-write, loses nothing that was acknowledged. Writes go
//! through one connection, on tokio's blocking pool (a commit waits for the
//! disk, and no request's worker thread should wait with it); reads go
//! through another connection, inline (point lookups and single pages,
//! which WAL lets run beside a commit). In memory (for `--ephemeral`) the
//! same schema and queries run on one connection.
//!
//! Opening refuses a damaged database, and a missing or emptied one where
//! the data directory had one ([`guard`]), with a message that names the
//! file and says what to do; errors at run time name the file too.
//!
//! The SQL lives beside the records it reads and writes: [`domains`],
//! [`repositories`], [`packages`], and [`seed`] for the configured ones.

mod domains;
mod guard;
mod packages;
mod repositories;
mod schema;
mod seed;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context as _;
use async_trait::async_trait;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use rusqlite_migration::Migrations;

use codeartifact_api::PackageFormat;

use super::{
    BatchOutcome, DomainRecord, NewVersion, Origin, PackageFilter, PackageKey, PackageListing,
    PackageRecord, PackageView, Page, RepositoryRecord, Store, StoreError, Stored, VersionChange,
    VersionFilter, VersionRecord, VersionSelection,
};

/// Every migration, in order, for tests of a database made by an older
/// version.
#[cfg(test)]
pub(crate) fn schema_migrations() -> &'static [rusqlite_migration::M<'static>] {
    schema::MIGRATIONS
}

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "codeartifact.db";
pub use guard::DATABASE_MARKER;

/// A SQLite database: a connection for writes and, on disk, one for reads,
/// each used by one request at a time.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    connections: Arc<Connections>,
}

#[derive(Debug)]
struct Connections {
    writer: Mutex<Connection>,
    /// `None` in memory, where a second connection would be another database.
    reader: Option<Mutex<Connection>>,
    /// The database file, which errors name; `None` in memory.
    file: Option<std::path::PathBuf>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(anyhow::Error::new(e).context("SQLite"))
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and brings its
    /// schema up to date. Refuses, saying why and what to do, a damaged
    /// database, and a missing or empty one where `data_dir` had one
    /// ([`guard`]).
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(DATABASE_FILE);
        let marker = data_dir.join(DATABASE_MARKER);
        guard::refuse_lost(&path, &marker)?;
        let writer = Connection::open(&path)
            .with_context(|| format!("failed to open the database {}", path.display()))?;
        guard::check_intact(&writer, &path, &marker)?;
        let open = || -> anyhow::Result<Self> {
            writer
                .pragma_update(None, "journal_mode", "WAL")
                .and_then(|()| writer.pragma_update(None, "synchronous", "FULL"))
                .context("failed to configure the database")?;
            let writer = Self::prepare(writer)?;
            let reader = Connection::open(&path)?;
            reader
                .pragma_update(None, "query_only", "ON")
                .and_then(|()| reader.busy_timeout(std::time::Duration::from_secs(5)))
                .and_then(|()| plan_once(&reader))
                .context("failed to configure the database")?;
            let connections =
                Connections { writer, reader: Some(Mutex::new(reader)), file: Some(path.clone()) };
            Ok(Self { connections: Arc::new(connections) })
        };
        let store =
            open().with_context(|| format!("failed to open the database {}", path.display()))?;
        guard::remember(data_dir, &marker)?;
        Ok(store)
    }

    /// A database that lives in memory and dies with the process.
    pub fn in_memory() -> anyhow::Result<Self> {
        let connection = Connection::open_in_memory().context("failed to open a database")?;
        let connections =
            Connections { writer: Self::prepare(connection)?, reader: None, file: None };
        Ok(Self { connections: Arc::new(connections) })
    }

    /// The write connection, with foreign keys on and the schema migrated.
    fn prepare(mut connection: Connection) -> anyhow::Result<Mutex<Connection>> {
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .and_then(|()| connection.busy_timeout(std::time::Duration::from_secs(5)))
            .and_then(|()| plan_once(&connection))
            .context("failed to configure the database")?;
        Migrations::from_slice(schema::MIGRATIONS)
            .to_latest(&mut connection)
            .context("failed to migrate the database schema")?;
        Ok(Mutex::new(connection))
    }

    /// SQLite's own consistency check: `Ok` when the database is intact.
    pub fn integrity_check(&self) -> anyhow::Result<()> {
        let result: String =
            self.connections.read().query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        anyhow::ensure!(result == "ok", "the database is damaged: {result}");
        Ok(())
    }

    /// Runs `work` in one immediate transaction on the blocking pool and
    /// commits it when `work` succeeds; an error rolls it back.
    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connections = Arc::clone(&self.connections);
        let run = move || {
            let mut connection = connections.write();
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = work(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        match tokio::task::spawn_blocking(run).await {
            Ok(result) => result.map_err(|e| self.connections.name_file(e)),
            // A panic in the work is the caller's panic, as if it ran inline.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(StoreError::Backend(anyhow::anyhow!("the write was cancelled: {e}"))),
        }
    }

    /// Runs `work` on the read connection, inline.
    fn read<T>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        work(&self.connections.read()).map_err(|e| self.connections.name_file(e.into()))
    }
}

impl Connections {
    /// A backend failure, with the database file it happened in: what the
    /// log of a 500 needs to point at the file.
    fn name_file(&self, e: StoreError) -> StoreError {
        match (e, &self.file) {
            (StoreError::Backend(e), Some(file)) => {
                StoreError::Backend(e.context(format!("database {}", file.display())))
            }
            (e, _) => e,
        }
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

/// Tags are stored as a JSON array of `[key, value]` pairs.
fn tags_to_text(tags: &[(String, String)]) -> String {
    serde_json::to_string(tags).expect("pairs of strings serialise")
}

fn tags_from_text(text: &str) -> rusqlite::Result<Vec<(String, String)>> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn seed(
        &self,
        domains: &[DomainRecord],
        repositories: &[RepositoryRecord],
    ) -> Result<(), StoreError> {
        let (domains, repositories) = (domains.to_vec(), repositories.to_vec());
        self.write(move |tx| seed::seed(tx, &domains, &repositories)).await
    }

    async fn create_domain(
        &self,
        domain: &DomainRecord,
        max_domains: u32,
    ) -> Result<DomainRecord, StoreError> {
        let domain = domain.clone();
        self.write(move |tx| domains::create(tx, domain, max_domains)).await
    }

    async fn domain(&self, owner: &str, name: &str) -> Result<Option<DomainRecord>, StoreError> {
        self.read(|c| domains::get(c, owner, name))
    }

    async fn domain_instance(
        &self,
        owner: &str,
        name: &str,
        region: &str,
    ) -> Result<Option<String>, StoreError> {
        self.read(|c| domains::instance(c, owner, name, region))
    }

    async fn domains(
        &self,
        owner: &str,
        region: &str,
        page: Page<'_>,
    ) -> Result<Vec<DomainRecord>, StoreError> {
        self.read(|c| domains::list(c, owner, region, page))
    }

    async fn delete_domain(&self, owner: &str, name: &str) -> Result<DomainRecord, StoreError> {
        let (owner, name) = (owner.to_string(), name.to_string());
        self.write(move |tx| domains::delete(tx, &owner, &name)).await
    }

    async fn create_repository(
        &self,
        repo: &RepositoryRecord,
        max_repositories: u32,
    ) -> Result<RepositoryRecord, StoreError> {
        let repo = repo.clone();
        self.write(move |tx| repositories::create(tx, repo, max_repositories)).await
    }

    async fn repository(
        &self,
        owner: &str,
        domain: &str,
        name: &str,
    ) -> Result<Option<RepositoryRecord>, StoreError> {
        self.read(|c| repositories::get(c, owner, domain, name))
    }

    async fn repositories(
        &self,
        owner: &str,
        domain: &str,
        prefix: Option<&str>,
        page: Page<'_>,
    ) -> Result<Vec<RepositoryRecord>, StoreError> {
        self.read(|c| repositories::list(c, owner, domain, prefix, page))
    }

    async fn delete_repository(
        &self,
        owner: &str,
        domain: &str,
        name: &str,
    ) -> Result<RepositoryRecord, StoreError> {
        let (owner, domain, name) = (owner.to_string(), domain.to_string(), name.to_string());
        self.write(move |tx| repositories::delete(tx, &owner, &domain, &name)).await
    }

    async fn package(&self, key: &PackageKey) -> Result<Option<PackageView>, StoreError> {
        self.read(|c| packages::get(c, key))
    }

    async fn package_record(&self, key: &PackageKey) -> Result<Option<PackageRecord>, StoreError> {
        self.read(|c| packages::record(c, key))
    }

    async fn version(
        &self,
        key: &PackageKey,
        version: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        self.read(|c| packages::version(c, key, version))
    }

    async fn put_version(&self, key: &PackageKey, new: &NewVersion) -> Result<Stored, StoreError> {
        let (key, new) = (key.clone(), new.clone());
        self.write(move |tx| packages::put_version(tx, &key, &new)).await
    }

    async fn set_dist_tag(
        &self,
        key: &PackageKey,
        tag: &str,
        version: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let (key, tag, version) = (key.clone(), tag.to_string(), version.to_string());
        self.write(move |tx| packages::set_dist_tag(tx, &key, &tag, &version, now)).await
    }

    async fn remove_dist_tag(&self, key: &PackageKey, tag: &str) -> Result<bool, StoreError> {
        let (key, tag) = (key.clone(), tag.to_string());
        self.write(move |tx| Ok(packages::remove_dist_tag(tx, &key, &tag)?)).await
    }

    async fn package_names(
        &self,
        owner: &str,
        domain: &str,
        repository: &str,
        format: PackageFormat,
    ) -> Result<Vec<String>, StoreError> {
        self.read(|c| packages::names(c, owner, domain, repository, format))
    }

    async fn blob_hashes(&self) -> Result<Vec<String>, StoreError> {
        self.read(packages::blob_hashes)
    }

    async fn unreferenced_blobs(&self, candidates: &[String]) -> Result<Vec<String>, StoreError> {
        self.read(|c| packages::unreferenced(c, candidates.to_vec()))
    }

    async fn packages(
        &self,
        owner: &str,
        domain: &str,
        repository: &str,
        filter: &PackageFilter,
        page: Page<'_>,
    ) -> Result<Vec<PackageListing>, StoreError> {
        self.read(|c| packages::list(c, owner, domain, repository, filter, page))
    }

    async fn versions(
        &self,
        key: &PackageKey,
        filter: &VersionFilter,
        page: Page<'_>,
    ) -> Result<Vec<(String, VersionRecord)>, StoreError> {
        self.read(|c| packages::versions(c, key, filter, page))
    }

    async fn newest_version(
        &self,
        key: &PackageKey,
        status: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        self.read(|c| packages::newest(c, key, status))
    }

    async fn dist_tags(&self, key: &PackageKey) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.read(|c| packages::dist_tags(c, key))
    }

    async fn change_versions(
        &self,
        key: &PackageKey,
        selection: &VersionSelection,
        change: &VersionChange,
    ) -> Result<BatchOutcome, StoreError> {
        let (key, selection, change) = (key.clone(), selection.clone(), change.clone());
        self.write(move |tx| packages::change_versions(tx, &key, &selection, &change)).await
    }

    async fn set_origin(
        &self,
        key: &PackageKey,
        display_name: &str,
        origin: Origin,
        now: i64,
    ) -> Result<PackageRecord, StoreError> {
        let (key, display_name) = (key.clone(), display_name.to_string());
        self.write(move |tx| packages::set_origin(tx, &key, &display_name, origin, now)).await
    }

    async fn update_repository(
        &self,
        owner: &str,
        domain: &str,
        name: &str,
        description: Option<Option<String>>,
        upstreams: Option<Vec<String>>,
    ) -> Result<RepositoryRecord, StoreError> {
        let (owner, domain, name) = (owner.to_string(), domain.to_string(), name.to_string());
        self.write(move |tx| {
            repositories::update(tx, &owner, &domain, &name, description, upstreams)
        })
        .await
    }

    async fn set_external_connection(
        &self,
        owner: &str,
        domain: &str,
        name: &str,
        connection: Option<&str>,
        expected: Option<&str>,
    ) -> Result<RepositoryRecord, StoreError> {
        let (owner, domain, name) = (owner.to_string(), domain.to_string(), name.to_string());
        let (connection, expected) = (connection.map(str::to_string), expected.map(str::to_string));
        self.write(move |tx| {
            repositories::set_external_connection(
                tx,
                &owner,
                &domain,
                &name,
                connection.as_deref(),
                expected.as_deref(),
            )
        })
        .await
    }

    async fn owned_repositories(
        &self,
        owner: &str,
        region: &str,
        prefix: Option<&str>,
        page: Page<'_>,
    ) -> Result<Vec<RepositoryRecord>, StoreError> {
        self.read(|c| repositories::owned(c, owner, region, prefix, page))
    }

    async fn delete_package(
        &self,
        key: &PackageKey,
    ) -> Result<(PackageView, Vec<String>), StoreError> {
        let key = key.clone();
        self.write(move |tx| packages::delete_package(tx, &key)).await
    }
}

/// Plans each statement once, whatever its parameters are bound to (the
/// query planner stability guarantee). SQLite otherwise plans with the
/// values bound (an optional filter's `?7 IS NULL`, a `LIMIT`), and parses
/// and plans the statement again whenever such a parameter is bound again,
/// even to the same value: the page queries paid that on every request
/// (BENCHMARKS.md, the package API).
fn plan_once(connection: &Connection) -> rusqlite::Result<()> {
    connection.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page query binds its filters and its `LIMIT`; binding other
    /// values must not make SQLite parse and plan the statement again.
    #[test]
    fn a_cached_statement_is_not_planned_again_for_other_parameters() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        for connection in [store.connections.read(), store.connections.write()] {
            // The shape of the package queries: optional filters, a limit.
            let sql = "SELECT name FROM domains WHERE (?1 IS NULL OR owner = ?1) AND name > ?2 \
                       ORDER BY name LIMIT ?3";
            for (owner, limit) in [(None, 1_i64), (Some("111122223333"), 100), (None, 7)] {
                let mut statement = connection.prepare_cached(sql).unwrap();
                let rows = statement.query_map(rusqlite::params![owner, "", limit], |_| Ok(()));
                assert_eq!(rows.unwrap().count(), 0);
            }
            let statement = connection.prepare_cached(sql).unwrap();
            assert_eq!(statement.get_status(rusqlite::StatementStatus::RePrepare), 0);
        }
    }

    /// A failure at run time names the database file, for the log of the 500.
    #[test]
    fn errors_name_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let err = store.read(|c| c.query_row("SELECT * FROM nowhere", [], |_| Ok(()))).unwrap_err();
        let path = dir.path().join(DATABASE_FILE);
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
        let memory = SqliteStore::in_memory().unwrap();
        let err =
            memory.read(|c| c.query_row("SELECT * FROM nowhere", [], |_| Ok(()))).unwrap_err();
        assert!(err.to_string().contains("no such table"), "{err}");
    }

    /// What makes an answered write durable: WAL, and a sync at each commit.
    #[test]
    fn on_disk_every_commit_is_synced() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let writer = store.connections.write();
        let mode: String = writer.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        let sync: i64 = writer.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        let foreign_keys: i64 = writer.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), sync, foreign_keys), ("wal", 2, 1), "WAL, FULL, foreign keys");
        drop(writer);
        let written = store.connections.read().execute("DELETE FROM domains", []);
        assert!(written.is_err(), "the read connection cannot write");
    }
}
