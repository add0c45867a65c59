//! A small pool of read-only SQLite connections. Connections are opened lazily with
//! [`crate::store::open_ro`] (so a missing database or a schema from a newer fastintercom is a clear
//! per-request error, and the server recovers once `sync` creates or migrates the file), used on the
//! blocking thread pool, and kept for the next request. At most one per core plus a few queries run at
//! once (a semaphore): more would only queue on the CPU, and each extra connection and blocking thread
//! costs memory.

use anyhow::{Context, Result};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// The read-only database behind the tools.
pub struct Db {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
    permits: Arc<Semaphore>,
}

impl Db {
    pub fn new(path: &Path) -> Arc<Self> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let max = cores + 2;
        Arc::new(Db {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            max_idle: max,
            permits: Arc::new(Semaphore::new(max)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn take(&self) -> Result<Connection> {
        if let Some(c) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(c);
        }
        crate::store::open_ro(&self.path)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle {
            idle.push(conn);
        }
    }

    /// Check that the database opens (exists, right schema) and keep the connection.
    pub fn check(&self) -> Result<()> {
        let c = self.take()?;
        self.give_back(c);
        Ok(())
    }

    /// Run `f` with a pooled connection on the blocking pool. A connection whose query failed is not
    /// reused (it may be mid-transaction or point at a replaced file).
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let db = Arc::clone(self);
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .context("database pool closed")?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = db.take()?;
            let out = f(&conn);
            if out.is_ok() {
                db.give_back(conn);
            }
            out
        })
        .await
        .context("database worker failed")?
    }
}
