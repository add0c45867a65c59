//! The sync's connections, shared by its tasks: one writer, and one reader for planning lookups so the
//! search never waits for a batch commit (WAL lets them run at once). Store calls are blocking, so each
//! runs on the blocking pool (`spawn_blocking`), one at a time per connection behind a mutex.

use anyhow::{Context, Result};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Db {
    write: Arc<Mutex<Connection>>,
    read: Arc<Mutex<Connection>>,
}

impl Db {
    /// Open (create, migrate) the database for writing.
    pub async fn open(path: &Path) -> Result<Db> {
        let path = path.to_path_buf();
        let (write, read) = tokio::task::spawn_blocking(move || -> Result<_> {
            let write = crate::store::open_rw(&path)?;
            // The sync's working set (indexes, FTS pages) stays in memory; 16 MB keeps RSS flat.
            write.pragma_update(None, "cache_size", -16_000)?;
            // Checkpoint the WAL every ~32 MB instead of 4 MB: a backfill writes hundreds of MB, and each
            // checkpoint is a copy plus an fsync (measured: about a quarter of the writer's time).
            write.pragma_update(None, "wal_autocheckpoint", 8192)?;
            let read = crate::store::open_ro(&path)?;
            Ok((write, read))
        })
        .await
        .context("opening the database")??;
        Ok(Db {
            write: Arc::new(Mutex::new(write)),
            read: Arc::new(Mutex::new(read)),
        })
    }

    /// Run a read-only `f` on the reader connection (sees committed data only).
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.read.clone();
        tokio::task::spawn_blocking(move || {
            let guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&guard)
        })
        .await
        .context("database task panicked")?
    }

    /// Run `f` with the connection on the blocking pool.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.write.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut guard)
        })
        .await
        .context("database task panicked")?
    }
}
