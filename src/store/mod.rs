//! The SQLite store. `migrations/*.sql` is the only definition of the schema; they are compiled in and
//! applied in order, each recorded in `schema_migrations`. A database whose schema is newer than this
//! binary knows is refused with a clear error rather than misread.

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

pub mod metadata;
pub mod rank;
pub mod read;
pub mod write;
pub mod write_articles;
pub mod write_companies;
pub mod write_contacts;
pub mod write_tickets;

/// (version, name, sql). Append only.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../migrations/0001_init.sql")),
    (
        2,
        "stats_indexes",
        include_str!("../../migrations/0002_stats_indexes.sql"),
    ),
    (
        3,
        "deletion_guard",
        include_str!("../../migrations/0003_deletion_guard.sql"),
    ),
    (
        4,
        "completeness",
        include_str!("../../migrations/0004_completeness.sql"),
    ),
    (5, "tickets", include_str!("../../migrations/0005_tickets.sql")),
    (6, "articles", include_str!("../../migrations/0006_articles.sql")),
    (
        7,
        "companies",
        include_str!("../../migrations/0007_companies.sql"),
    ),
    (
        8,
        "tag_times",
        include_str!("../../migrations/0008_tag_times.sql"),
    ),
    (
        9,
        "filter_columns",
        include_str!("../../migrations/0009_filter_columns.sql"),
    ),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// The database is damaged: `PRAGMA quick_check` found problems.
#[derive(Debug, thiserror::Error)]
#[error(
    "is damaged (PRAGMA quick_check: {first}): restore it from a backup, or move it aside and run \
     `fastintercom sync --once --full` to rebuild it from Intercom"
)]
pub struct Damaged {
    pub first: String,
}

/// Run `PRAGMA quick_check`; a damaged database is a [`Damaged`] error.
pub fn quick_check(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare("PRAGMA quick_check")?;
    let lines = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>();
    match lines {
        Ok(l) if l.len() == 1 && l[0] == "ok" => Ok(()),
        Ok(l) => Err(Damaged {
            first: l.into_iter().next().unwrap_or_else(|| "no answer".into()),
        }
        .into()),
        Err(e) => Err(Damaged { first: e.to_string() }.into()),
    }
}

/// Whether `e` came from the local database (SQLite, its files, a failed integrity check) rather than from
/// Intercom or the network: such a failure does not heal by itself.
pub fn is_database_error(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| c.downcast_ref::<rusqlite::Error>().is_some() || c.downcast_ref::<Damaged>().is_some())
}

/// A directory given where the database file should be is a clear error, not SQLite's "disk I/O error".
fn refuse_directory(path: &Path) -> Result<()> {
    if path.is_dir() {
        bail!(
            "{} is a directory, not a database file: give the file's path (e.g. {}/fastintercom.db)",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// Open (creating if needed) the database for writing, in WAL mode, migrated to the latest schema.
pub fn open_rw(path: &Path) -> Result<Connection> {
    refuse_directory(path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut conn = Connection::open(path).with_context(|| format!("opening database {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Keep -wal and -shm when the writer closes: a reader that may not create files in the directory
    // (the MCP server, read-only state dir) can only open a WAL database whose -wal/-shm already exist.
    // A kept WAL is not removed at close, so bound what it may keep on disk after a checkpoint.
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    let mut persist = 1;
    conn.file_control(
        Some(rusqlite::MAIN_DB),
        rusqlite::FileControl::PersistWal(&mut persist),
    )?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    rank::register(&conn)?;
    migrate(&mut conn).with_context(|| format!("migrating database {}", path.display()))?;
    Ok(conn)
}

/// Open the database read-only (`SQLITE_OPEN_READ_ONLY` + `query_only`). Fails clearly when the file is
/// missing or its schema is newer or older than this binary.
pub fn open_ro(path: &Path) -> Result<Connection> {
    if !path.exists() {
        bail!(
            "database {} does not exist: run `fastintercom sync --once` first (or check --db / FASTINTERCOM_DB)",
            path.display()
        );
    }
    refuse_directory(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )
    .with_context(|| format!("opening database {} read-only", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "query_only", true)?;
    rank::register(&conn)?;
    let v = schema_version(&conn)?;
    if v > latest_version() {
        bail!(
            "database {} has schema version {v}, newer than this fastintercom understands ({}): upgrade fastintercom",
            path.display(),
            latest_version()
        );
    }
    if v < latest_version() {
        bail!(
            "database {} has schema version {v}, older than {}: run `fastintercom sync --once` to migrate it",
            path.display(),
            latest_version()
        );
    }
    Ok(conn)
}

/// The highest applied migration, 0 for an empty database.
pub fn schema_version(conn: &Connection) -> Result<i64> {
    let has: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type='table' AND name='schema_migrations'",
        [],
        |r| r.get(0),
    )?;
    if !has {
        return Ok(0);
    }
    Ok(conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )?;
    let current = schema_version(conn)?;
    if current > latest_version() {
        bail!(
            "schema version {current} is newer than this fastintercom understands ({}): upgrade fastintercom",
            latest_version()
        );
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("applying migration {version:04}_{name}"))?;
        tx.execute(
            "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, ?2, unixepoch())",
            rusqlite::params![version, name],
        )?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.db");
        drop(open_rw(&p).unwrap());
        let conn = open_rw(&p).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), latest_version());
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)", [])
            .unwrap();
        drop(conn);
        let err = open_ro(&p).unwrap_err().to_string();
        assert!(err.contains("newer"), "{err}");
        let err = format!("{:#}", open_rw(&p).unwrap_err());
        assert!(err.contains("newer"), "{err}");
    }

    #[test]
    fn wal_files_outlive_the_writer_so_read_only_readers_can_open() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.db");
        let conn = open_rw(&p).unwrap();
        conn.execute("INSERT INTO tags(id, name) VALUES ('1', 'billing')", [])
            .unwrap();
        drop(conn);
        assert!(dir.path().join("t.db-wal").exists(), "-wal kept");
        assert!(dir.path().join("t.db-shm").exists(), "-shm kept");
        let ro = open_ro(&p).unwrap();
        let n: i64 = ro
            .query_row("SELECT count(*) FROM tags", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn read_only_open_of_missing_file_says_what_to_do() {
        let err = open_ro(Path::new("/nonexistent/x.db")).unwrap_err().to_string();
        assert!(err.contains("sync --once"), "{err}");
    }
}
