//! The sync's one write connection, shared by its tasks. Store calls are blocking, so each runs on the
//! blocking pool (`spawn_blocking`), one at a time behind a mutex.

use anyhow::{Context, Result};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    /// Open (create, migrate) the database for writing.
    pub async fn open(path: &Path) -> Result<Db> {
        let path = path.to_path_buf();
        let conn = tokio::task::spawn_blocking(move || crate::store::open_rw(&path))
            .await
            .context("opening the database")??;
        Ok(Db(Arc::new(Mutex::new(conn))))
    }

    /// Run `f` with the connection on the blocking pool.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut guard)
        })
        .await
        .context("database task panicked")?
    }
}
