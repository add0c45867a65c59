//! One sync at a time: an exclusive `flock` on `<db>.lock`, held for the whole run and released by the
//! kernel when the process exits (even on `kill -9`). The holder writes its pid into the file so a second
//! sync can say who is running.

use anyhow::{Context, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Exit code of a sync that found another one running (`EX_TEMPFAIL`).
pub const EXIT_BUSY: u8 = 75;

/// Another sync holds the lock.
#[derive(Debug, thiserror::Error)]
#[error("another sync is running (pid {}, lock {})", pid.map(|p| p.to_string()).unwrap_or_else(|| "unknown".into()), path.display())]
pub struct SyncBusy {
    pub pid: Option<u32>,
    pub path: PathBuf,
}

/// The held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct SyncLock {
    _file: File,
    pub path: PathBuf,
}

/// `<db>.lock` next to the database.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Take the lock without waiting. Fails with [`SyncBusy`] (downcastable) when another sync holds it.
pub fn acquire(db: &Path) -> Result<SyncLock> {
    let path = lock_path(db);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening lock file {}", path.display()))?;
    let locked = file.try_lock();
    match locked {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut s = String::new();
            let _ = file.read_to_string(&mut s);
            return Err(SyncBusy {
                pid: s.trim().parse().ok(),
                path,
            }
            .into());
        }
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", path.display()));
        }
    }
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    write!(file, "{}", std::process::id())?;
    file.flush()?;
    Ok(SyncLock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_with_the_holder_pid() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let held = acquire(&db).unwrap();
        let err = acquire(&db).unwrap_err();
        let busy = err.downcast_ref::<SyncBusy>().expect("SyncBusy");
        assert_eq!(busy.pid, Some(std::process::id()));
        assert!(err.to_string().contains("x.db.lock"), "{err}");
        drop(held);
        acquire(&db).unwrap();
    }
}
