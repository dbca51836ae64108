//! What is checked before the server runs on a database file: that it is
//! intact, and that it is the one this data directory had, not a lost or
//! emptied one quietly made anew.
//!
//! A damaged database found at start is reported there, naming the file,
//! rather than late, as a 500 on whichever request reads the damaged page
//! (while other writes go on into the damaged file). A database that is
//! missing or empty where one existed would otherwise be created afresh and
//! the configured domains seeded into it again: a server that lost
//! everything and says nothing.
//!
//! Telling "fresh" from "lost" needs a memory outside the database: the
//! marker file [`DATABASE_MARKER`], written beside the database once the
//! database has been created and its schema committed, and never removed by
//! the server. The token key and the blob store are not that memory: the
//! key is made before the database (a crash between the two would look like
//! a lost database), and the blob store is empty until a package is
//! published. A directory without the marker has never held a database
//! this version made; one from an older version gets its marker at its
//! first start here, once its database has passed the check, and is
//! protected from then on.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::Path;

use anyhow::{bail, Context as _};
use rusqlite::{Connection, ErrorCode};

/// The file in the data directory that says a database was created there.
pub const DATABASE_MARKER: &str = "database-created";

/// How many of SQLite's findings a refusal quotes.
const FINDINGS_SHOWN: usize = 3;

/// What to do about a database the server will not run on, if it is
/// `present`.
fn remedy(path: &Path, marker: &Path, present: bool) -> String {
    let aside = if present {
        format!(
            "move {db} (with {db}-wal and {db}-shm, if present) aside and ",
            db = path.display()
        )
    } else {
        String::new()
    };
    format!(
        "restore it from a backup; or, to start afresh with an empty database (and the \
         configured domains seeded again), {aside}remove {}",
        marker.display()
    )
}

/// Refuses a database that is missing or empty (0 bytes) where the data
/// directory had one.
pub(super) fn refuse_lost(path: &Path, marker: &Path) -> anyhow::Result<()> {
    let had_one =
        marker.try_exists().with_context(|| format!("failed to look for {}", marker.display()))?;
    if !had_one {
        return Ok(());
    }
    let (what, present) = match fs::metadata(path) {
        Ok(m) if m.len() == 0 => ("is empty (0 bytes)", true),
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => ("is missing", false),
        Err(e) => return Err(e).with_context(|| format!("failed to read {}", path.display())),
    };
    bail!(
        "the database {} {what}, but this data directory had one ({} says so); the server will \
         not create a new one in its place: {}",
        path.display(),
        marker.display(),
        remedy(path, marker, present)
    )
}

/// SQLite's `quick_check` (every page and b-tree, without matching indexes
/// against their tables): refuses a damaged database, naming the file, what
/// SQLite found, and what to do. It reads the whole file once, at start.
pub(super) fn check_intact(c: &Connection, path: &Path, marker: &Path) -> anyhow::Result<()> {
    let findings = c.prepare("PRAGMA quick_check").and_then(|mut check| {
        check.query_map([], |row| row.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()
    });
    let findings = match findings {
        Ok(findings) if findings == ["ok"] => return Ok(()),
        Ok(findings) => findings,
        // So damaged that the check itself cannot run.
        Err(e) if is_damage(&e) => vec![e.to_string()],
        Err(e) => {
            return Err(e)
                .with_context(|| format!("failed to check the database {}", path.display()))
        }
    };
    let mut shown = findings.iter().take(FINDINGS_SHOWN).cloned().collect::<Vec<_>>().join("; ");
    if findings.len() > FINDINGS_SHOWN {
        shown.push_str(&format!("; and {} more", findings.len() - FINDINGS_SHOWN));
    }
    bail!(
        "the database {} is damaged (SQLite's quick_check: {shown}); the server will not run on \
         it: {}",
        path.display(),
        remedy(path, marker, true)
    )
}

/// Whether SQLite failed because the file is damaged or not a database.
fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase))
}

/// Writes the marker, once the database exists with its schema committed.
/// The directory is synced before and after, so the marker never outlives
/// the database's own name in a crash.
pub(super) fn remember(dir: &Path, marker: &Path) -> anyhow::Result<()> {
    if marker.try_exists().unwrap_or(false) {
        return Ok(());
    }
    let sync_dir = || {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("failed to sync {}", dir.display()))
    };
    sync_dir()?;
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(marker)
        .with_context(|| format!("failed to create {}", marker.display()))?;
    let text = format!(
        "codeartifact-local created its database ({}) in this directory on {}.\n\
         While this file is here, the server refuses to start without that database, or with \
         it emptied,\nrather than start afresh. Remove this file only to start afresh.\n",
        super::DATABASE_FILE,
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("failed to write {}", marker.display()))?;
    sync_dir()
}
