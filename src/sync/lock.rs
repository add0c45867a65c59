//! One sync at a time, and the record of the last attempt.
//!
//! The lock is an exclusive `flock` on `<db>.lock` next to the database (the database's real path: a
//! symlink to it takes the same lock), held for the whole run and released by the kernel when the process
//! exits, even on `kill -9`.
//!
//! The lock file also carries the last attempt's [`Attempt`] record (pid, start, end, outcome, error), written
//! in place into a fixed-size block that was allocated when the file was created. So even when the database
//! cannot take a write (disk full, damaged pages, read-only file) the failure is still on record for
//! `fastintercom status`, and a reader can tell a run that is still going from one that was killed: a
//! `running` record whose lock nobody holds was interrupted.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Exit code of a sync that found another one running (`EX_TEMPFAIL`).
pub const EXIT_BUSY: u8 = 75;

/// Size of the record block at the start of the lock file.
const RECORD_BYTES: usize = 1024;

/// Another sync holds the lock.
#[derive(Debug, thiserror::Error)]
#[error("another sync is running (pid {}, lock {})", pid.map(|p| p.to_string()).unwrap_or_else(|| "unknown".into()), path.display())]
pub struct SyncBusy {
    pub pid: Option<u32>,
    pub path: PathBuf,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Running,
    Ok,
    /// Intercom or the network failed; the next run will likely succeed.
    Error,
    /// The local database failed (full disk, damaged, read-only): it will not heal by itself.
    DatabaseError,
}

/// The last sync attempt, as recorded in the lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub pid: u32,
    pub started: i64,
    pub ended: Option<i64>,
    pub outcome: Outcome,
    pub error: Option<String>,
    /// When the database last passed `PRAGMA quick_check` (Unix seconds).
    #[serde(default)]
    pub checked: Option<i64>,
}

/// The held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct SyncLock {
    file: File,
    pub path: PathBuf,
    attempt: Attempt,
    /// The record found in the file when the lock was taken (the previous attempt).
    pub previous: Option<Attempt>,
}

/// The database's real path: symlinks resolved, also when the file does not exist yet (then its directory's).
pub fn real_path(db: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(db) {
        return p;
    }
    match (db.parent(), db.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir)
                .map(|d| d.join(name))
                .unwrap_or_else(|_| db.to_path_buf())
        }
        _ => db.to_path_buf(),
    }
}

/// `<db>.lock` next to the database's real file.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut p = real_path(db).into_os_string();
    p.push(".lock");
    PathBuf::from(p)
}

fn read_record(file: &mut File) -> Option<Attempt> {
    let mut buf = Vec::with_capacity(RECORD_BYTES);
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(RECORD_BYTES as u64).read_to_end(&mut buf).ok()?;
    let text = std::str::from_utf8(&buf).ok()?;
    serde_json::from_str(text.trim_end_matches(['\0', ' ', '\n'])).ok()
}

/// The pid a lock file names: the record's, or a bare pid (files written by older versions).
fn holder_pid(file: &mut File) -> Option<u32> {
    if let Some(a) = read_record(file) {
        return Some(a.pid);
    }
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(64).read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

/// Overwrite the record block in place (no allocation once the block exists, so this works on a full disk).
fn write_record(file: &mut File, a: &Attempt) -> std::io::Result<()> {
    let mut a = a.clone();
    let mut text = serde_json::to_string(&a).unwrap_or_default();
    if text.len() >= RECORD_BYTES {
        // Cut the error (on a char boundary) so the record fits.
        let msg = a.error.take().unwrap_or_default();
        let room = RECORD_BYTES.saturating_sub(text.len() - msg.len() + 64);
        let mut cut = room.min(msg.len());
        while !msg.is_char_boundary(cut) {
            cut -= 1;
        }
        a.error = Some(format!("{}…", &msg[..cut]));
        text = serde_json::to_string(&a).unwrap_or_default();
    }
    let mut block = text.into_bytes();
    block.resize(RECORD_BYTES - 1, b' ');
    block.push(b'\n');
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&block)?;
    file.flush()
}

/// Take the lock without waiting (beyond a brief retry, so a `status` probing the lock at that instant
/// does not turn a run away). Fails with [`SyncBusy`] (downcastable) when another sync holds it. Records the
/// attempt as running.
pub fn acquire(db: &Path, now: i64) -> Result<SyncLock> {
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
    let mut tries = 0;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if tries < 5 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(40));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(SyncBusy {
                    pid: holder_pid(&mut file),
                    path,
                }
                .into());
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()));
            }
        }
    }
    let previous = read_record(&mut file);
    let attempt = Attempt {
        pid: std::process::id(),
        started: now,
        ended: None,
        outcome: Outcome::Running,
        error: None,
        checked: previous.as_ref().and_then(|p| p.checked),
    };
    write_record(&mut file, &attempt).with_context(|| format!("writing lock file {}", path.display()))?;
    Ok(SyncLock {
        file,
        path,
        attempt,
        previous,
    })
}

impl SyncLock {
    /// Record how the attempt ended. Best effort: a failure here must not hide the run's own error.
    pub fn finish(&mut self, now: i64, outcome: Outcome, error: Option<&str>) {
        self.attempt.ended = Some(now);
        self.attempt.outcome = outcome;
        self.attempt.error = error.map(|e| e.split_whitespace().collect::<Vec<_>>().join(" "));
        if let Err(e) = write_record(&mut self.file, &self.attempt) {
            tracing::warn!("cannot record the sync's outcome in {}: {e}", self.path.display());
        }
    }

    /// Remember that the database passed its integrity check now.
    pub fn checked(&mut self, now: i64) {
        self.attempt.checked = Some(now);
    }

    /// When the database last passed its integrity check.
    pub fn last_checked(&self) -> Option<i64> {
        self.attempt.checked
    }
}

/// What a reader sees of the sync from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// A sync holds the lock now.
    pub held: bool,
    /// The last attempt's record, if any.
    pub last: Option<Attempt>,
}

/// Look at the lock without taking it for long: whether a sync holds it, and the last attempt's record.
/// None when there is no lock file (no sync ever ran here) or it cannot be read.
pub fn probe(db: &Path) -> Option<Probe> {
    let path = lock_path(db);
    let mut file = File::open(&path).ok()?;
    let held = match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(_)) => return None,
    };
    let last = read_record(&mut file);
    Some(Probe { held, last })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_with_the_holder_pid() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let held = acquire(&db, 100).unwrap();
        let err = acquire(&db, 101).unwrap_err();
        let busy = err.downcast_ref::<SyncBusy>().expect("SyncBusy");
        assert_eq!(busy.pid, Some(std::process::id()));
        assert!(err.to_string().contains("x.db.lock"), "{err}");
        let p = probe(&db).unwrap();
        assert!(p.held);
        assert_eq!(p.last.unwrap().outcome, Outcome::Running);
        drop(held);
        let p = probe(&db).unwrap();
        assert!(!p.held, "released");
        assert_eq!(
            p.last.unwrap().outcome,
            Outcome::Running,
            "a dropped run without finish reads as running"
        );
        acquire(&db, 102).unwrap();
    }

    #[test]
    fn a_symlink_to_the_database_takes_the_same_lock() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("fi.db");
        std::fs::write(&db, b"").unwrap();
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink(&db, &link).unwrap();
        let _held = acquire(&db, 1).unwrap();
        let err = acquire(&link, 2).unwrap_err();
        assert!(err.downcast_ref::<SyncBusy>().is_some(), "{err}");
        assert!(!dir.path().join("link.db.lock").exists());
    }

    #[test]
    fn the_outcome_and_a_long_error_fit_the_record_block() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let mut l = acquire(&db, 10).unwrap();
        let long = "é".repeat(3000);
        l.checked(11);
        l.finish(12, Outcome::DatabaseError, Some(&long));
        drop(l);
        assert_eq!(
            std::fs::metadata(lock_path(&db)).unwrap().len(),
            RECORD_BYTES as u64
        );
        let last = probe(&db).unwrap().last.unwrap();
        assert_eq!(last.outcome, Outcome::DatabaseError);
        assert_eq!((last.started, last.ended, last.checked), (10, Some(12), Some(11)));
        assert!(last.error.unwrap().ends_with('…'));
        // The next attempt remembers the check and sees the previous record.
        let l = acquire(&db, 20).unwrap();
        assert_eq!(l.last_checked(), Some(11));
        assert_eq!(l.previous.as_ref().unwrap().outcome, Outcome::DatabaseError);
    }
}
