//! A small pool of read-only SQLite connections, and the bounds on every read made through it.
//!
//! Connections are opened lazily with [`crate::store::open_ro`] (so a missing database or a schema from a
//! newer fastintercom is a clear per-request error, and the server recovers once `sync` creates or
//! migrates the file), used on the blocking thread pool, and kept for the next request.
//!
//! Bounds:
//! - **Two lanes.** Reads that can be expensive (searches, statistics: [`Lane::Heavy`]) and cheap ones
//!   (status, get by id, lists: [`Lane::Quick`]) take permits from separate semaphores, so a handful of slow
//!   searches never queues a `get_sync_status` behind them. Each lane runs at most one query per core plus
//!   one at once; more would only queue on the CPU, and each connection and blocking thread costs memory.
//! - **A deadline per read** (`--call-timeout`), counting the wait for a permit. When it passes, the caller
//!   gets an error at once and the query is interrupted (`sqlite3_interrupt`).
//! - **Cancellation.** A read whose caller went away (client disconnected, call cancelled: its future was
//!   dropped) and every read in flight at shutdown ([`Db::stop`]) are interrupted the same way.
//!
//! Interrupts come from one watchdog thread per pool that looks at the reads in flight every
//! [`WATCHDOG_TICK`] and interrupts, repeatedly until the read returns, those that are cancelled or late
//! (`sqlite3_interrupt` only stops statements running at that moment, and a read runs several).

use anyhow::{Context, Result};
use rusqlite::{Connection, InterruptHandle};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Default deadline of one read (`--call-timeout`).
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the watchdog looks for reads to interrupt.
pub const WATCHDOG_TICK: Duration = Duration::from_millis(20);

/// Which semaphore a read waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Status, get by id, directory lists: bounded small reads.
    Quick,
    /// Full-text search, contact search, statistics: cost depends on the data and the arguments.
    Heavy,
}

tokio::task_local! {
    /// The lane of the reads made by the current task (a tool call); [`Lane::Quick`] when unset.
    pub static LANE: Lane;
}

/// Why a read was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    #[error(
        "the call took longer than the server's {}-second limit and was stopped: use fewer or more specific \
         words, add filters (state, since, team_id, ...) or a smaller limit",
        .0.as_secs_f64()
    )]
    Deadline(Duration),
    #[error("the call was cancelled (the client went away)")]
    Cancelled,
    #[error("the server is shutting down: retry in a moment")]
    ShuttingDown,
}

/// A read in flight, as the watchdog sees it.
struct Flight {
    interrupt: InterruptHandle,
    deadline: Instant,
    cancelled: Arc<AtomicBool>,
}

#[derive(Default)]
struct Watch {
    flights: Mutex<HashMap<u64, Flight>>,
    next: AtomicU64,
    stopping: AtomicBool,
}

impl Watch {
    /// Why `f` should be interrupted now, if it should.
    fn verdict(&self, f: &Flight, now: Instant, timeout: Duration) -> Option<Stopped> {
        if self.stopping.load(Ordering::SeqCst) {
            Some(Stopped::ShuttingDown)
        } else if f.cancelled.load(Ordering::SeqCst) {
            Some(Stopped::Cancelled)
        } else if now >= f.deadline {
            Some(Stopped::Deadline(timeout))
        } else {
            None
        }
    }
}

fn watchdog(watch: Weak<Watch>) {
    loop {
        std::thread::sleep(WATCHDOG_TICK);
        let Some(w) = watch.upgrade() else { return };
        let now = Instant::now();
        let flights = w.flights.lock().unwrap_or_else(|e| e.into_inner());
        for f in flights.values() {
            if w.verdict(f, now, Duration::ZERO).is_some() {
                f.interrupt.interrupt();
            }
        }
    }
}

/// Sets the flag when dropped: the caller of [`Db::run`] is gone or gave up.
struct CancelOnDrop(Arc<AtomicBool>);
impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// The read-only database behind the tools.
pub struct Db {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
    quick: Arc<Semaphore>,
    heavy: Arc<Semaphore>,
    call_timeout: Duration,
    watch: Arc<Watch>,
    /// Staleness allowed before an answer is flagged `stale` (seconds), unless the call says otherwise.
    max_staleness: std::sync::atomic::AtomicI64,
}

impl Db {
    /// A pool with the default deadline per read ([`DEFAULT_CALL_TIMEOUT`]).
    pub fn new(path: &Path) -> Arc<Self> {
        Self::with_call_timeout(path, DEFAULT_CALL_TIMEOUT)
    }

    /// A pool whose reads are stopped after `call_timeout`.
    pub fn with_call_timeout(path: &Path, call_timeout: Duration) -> Arc<Self> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let per_lane = cores + 1;
        let watch = Arc::new(Watch::default());
        let weak = Arc::downgrade(&watch);
        // Without the watchdog deadlines still answer the caller on time; only interrupts are lost.
        if let Err(e) = std::thread::Builder::new()
            .name("sqlite-watchdog".into())
            .spawn(move || watchdog(weak))
        {
            tracing::warn!(error = %e, "cannot start the query watchdog thread");
        }
        Arc::new(Db {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            max_idle: 2 * per_lane,
            quick: Arc::new(Semaphore::new(per_lane)),
            heavy: Arc::new(Semaphore::new(per_lane)),
            call_timeout,
            watch,
            max_staleness: std::sync::atomic::AtomicI64::new(
                super::freshness::DEFAULT_MAX_STALENESS_MINUTES as i64 * 60,
            ),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Set the staleness allowed before answers are flagged `stale` (FASTINTERCOM_MAX_STALENESS_MINUTES).
    pub fn set_max_staleness_minutes(&self, minutes: u64) {
        let secs = i64::try_from(minutes).unwrap_or(i64::MAX / 60).saturating_mul(60);
        self.max_staleness.store(secs, Ordering::Relaxed);
    }

    /// The staleness allowed, in seconds.
    pub fn max_staleness_seconds(&self) -> i64 {
        self.max_staleness.load(Ordering::Relaxed)
    }

    /// The deadline of one read.
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// Interrupt every read in flight and refuse new ones (they fail with [`Stopped::ShuttingDown`]).
    pub fn stop(&self) {
        self.watch.stopping.store(true, Ordering::SeqCst);
    }

    /// Reads running now.
    pub fn in_flight(&self) -> usize {
        self.watch.flights.lock().unwrap_or_else(|e| e.into_inner()).len()
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

    /// Run `f` with a pooled connection on the blocking pool, in the current task's [`LANE`], within the
    /// deadline. A connection whose query failed is not reused (it may be mid-transaction or point at a
    /// replaced file). Errors from a stopped read are [`Stopped`].
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        if self.watch.stopping.load(Ordering::SeqCst) {
            return Err(Stopped::ShuttingDown.into());
        }
        let deadline = Instant::now() + self.call_timeout;
        let cancelled = Arc::new(AtomicBool::new(false));
        let _cancel_on_drop = CancelOnDrop(Arc::clone(&cancelled));
        let lane = LANE.try_with(|l| *l).unwrap_or(Lane::Quick);
        let sem = match lane {
            Lane::Quick => &self.quick,
            Lane::Heavy => &self.heavy,
        };
        let db = Arc::clone(self);
        let work = async move {
            let permit = Arc::clone(sem)
                .acquire_owned()
                .await
                .context("database pool closed")?;
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                db.run_blocking(f, deadline, cancelled)
            })
            .await
            .context("database worker failed")?
        };
        match tokio::time::timeout_at(deadline.into(), work).await {
            Ok(out) => out,
            Err(_) => Err(Stopped::Deadline(self.call_timeout).into()),
        }
    }

    fn run_blocking<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T>,
        deadline: Instant,
        cancelled: Arc<AtomicBool>,
    ) -> Result<T> {
        let conn = self.take()?;
        let id = self.watch.next.fetch_add(1, Ordering::Relaxed);
        let flight = Flight {
            interrupt: conn.get_interrupt_handle(),
            deadline,
            cancelled,
        };
        // Refuse work already late or cancelled while it waited for a permit.
        if let Some(why) = self.watch.verdict(&flight, Instant::now(), self.call_timeout) {
            self.give_back(conn);
            return Err(why.into());
        }
        let flights = || self.watch.flights.lock().unwrap_or_else(|e| e.into_inner());
        flights().insert(id, flight);
        let out = f(&conn);
        let flight = flights().remove(&id);
        match out {
            Ok(v) => {
                self.give_back(conn);
                Ok(v)
            }
            Err(e) => {
                let why = flight.and_then(|f| self.watch.verdict(&f, Instant::now(), self.call_timeout));
                Err(match why {
                    Some(why) => anyhow::Error::from(why),
                    None => e,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query that runs for minutes unless interrupted.
    const ENDLESS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) \
                           SELECT count(*) FROM n WHERE i < 0";

    fn db(dir: &Path, timeout: Duration) -> Arc<Db> {
        let p = dir.join("t.db");
        drop(crate::store::open_rw(&p).unwrap());
        Db::with_call_timeout(&p, timeout)
    }

    fn endless(c: &Connection) -> Result<i64> {
        Ok(c.query_row(ENDLESS, [], |r| r.get(0))?)
    }

    #[tokio::test]
    async fn a_late_query_is_interrupted_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path(), Duration::from_millis(300));
        let t = Instant::now();
        let e = db.run(endless).await.unwrap_err();
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        assert_eq!(
            e.downcast_ref::<Stopped>(),
            Some(&Stopped::Deadline(Duration::from_millis(300)))
        );
        // The blocking read was interrupted too: it leaves the watch list, and the pool keeps serving.
        let t = Instant::now();
        while db.in_flight() > 0 {
            assert!(
                t.elapsed() < Duration::from_secs(2),
                "the query was not interrupted"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            db.run(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
                .await
                .unwrap(),
            1
        );
    }

    #[tokio::test]
    async fn a_dropped_call_interrupts_its_query() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path(), Duration::from_secs(60));
        let call = tokio::spawn({
            let db = Arc::clone(&db);
            async move { db.run(endless).await }
        });
        while db.in_flight() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        call.abort();
        let t = Instant::now();
        while db.in_flight() > 0 {
            assert!(
                t.elapsed() < Duration::from_secs(2),
                "the query was not interrupted"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn stop_interrupts_reads_in_flight_and_refuses_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path(), Duration::from_secs(60));
        let call = tokio::spawn({
            let db = Arc::clone(&db);
            async move { db.run(endless).await }
        });
        while db.in_flight() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        db.stop();
        let e = tokio::time::timeout(Duration::from_secs(2), call)
            .await
            .unwrap()
            .unwrap()
            .unwrap_err();
        assert_eq!(e.downcast_ref::<Stopped>(), Some(&Stopped::ShuttingDown));
        let e = db.run(|_| Ok(())).await.unwrap_err();
        assert_eq!(e.downcast_ref::<Stopped>(), Some(&Stopped::ShuttingDown));
    }

    #[tokio::test]
    async fn heavy_reads_do_not_hold_up_quick_ones() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path(), Duration::from_secs(3));
        let mut heavy = Vec::new();
        for _ in 0..8 {
            let db = Arc::clone(&db);
            heavy.push(tokio::spawn(
                LANE.scope(Lane::Heavy, async move { db.run(endless).await }),
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let t = Instant::now();
        db.run(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await
            .unwrap();
        assert!(t.elapsed() < Duration::from_millis(500), "{:?}", t.elapsed());
        for h in heavy {
            assert!(h.await.unwrap().is_err());
        }
    }
}
