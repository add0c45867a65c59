//! Conversations: the search pass (backfill or incremental window on `updated_at`) feeding a pipeline
//! of concurrent `GET /conversations/{id}` fetchers and one writer that commits batches.
//!
//! ```text
//! search pages ──(ids newer than stored)──> bounded channel ──> N fetchers ──> bounded channel ──> writer
//!                                                                                  (batch tx + checkpoint)
//! ```
//! The checkpoint (`sync_metadata.high_water_mark` for 'conversations') is written in the same
//! transaction as the batch it covers, and only up to the largest `updated_at` below which every
//! conversation of this pass is committed ([`Tracker`]), so `kill -9` at any moment loses nothing.

use super::{Ctx, RESOURCE_CONVERSATIONS, map};
use crate::store::{metadata, write};
use anyhow::{Context, Result};
use futures_util::StreamExt;
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Conversations per write transaction.
pub const BATCH: usize = 200;
/// Search page size (Intercom's maximum).
pub const PER_PAGE: u32 = 150;
/// How long the writer waits to fill a batch once it has one conversation.
const BATCH_WAIT: Duration = Duration::from_millis(100);

/// One conversation to fetch. `seq` identifies it in the [`Tracker`]; reconciliation jobs have none.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub updated_at: i64,
    pub seq: Option<u64>,
}

enum Fetched {
    Conv(Job, Box<crate::record::ConversationRecord>),
    Gone(Job),
    Failed(anyhow::Error),
}

/// What a pass stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct PassOutcome {
    pub conversations: u64,
    pub parts: u64,
    pub deleted: u64,
    pub fetched: u64,
    /// Largest `updated_at` seen in the search (all of it committed when the pass succeeds).
    pub max_seen: Option<i64>,
    /// Time the writer spent committing, and in how many transactions.
    pub write_ms: u64,
    pub batches: u64,
}

/// Which conversations of the pass are still in flight, to compute a safe checkpoint.
#[derive(Debug, Default)]
pub struct Tracker {
    pending: BTreeSet<(i64, u64)>,
    max_seen: Option<i64>,
    search_done: bool,
}

impl Tracker {
    fn seen(&mut self, updated_at: i64) {
        self.max_seen = Some(self.max_seen.map_or(updated_at, |m| m.max(updated_at)));
    }

    /// Every conversation of this pass with `updated_at <= safe_hwm()` is committed.
    pub fn safe_hwm(&self) -> Option<i64> {
        let max = self.max_seen?;
        // Until the search ends, more conversations with `updated_at == max` may still come.
        let bound = if self.search_done {
            max
        } else {
            max.saturating_sub(1)
        };
        Some(match self.pending.first() {
            Some((u, _)) => u.saturating_sub(1).min(bound),
            None => bound,
        })
    }
}

/// The search window: `updated_at > lower`, with no upper bound, so a conversation Intercom dates in
/// the future is read too.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub lower: i64,
    /// The checkpoint never goes above this (the run's start): a future-dated conversation must not
    /// carry the mark past updates still to come.
    pub cap: i64,
    /// The checkpoint never goes below this (the mark the pass started from).
    pub floor: i64,
}

/// Does the stored copy need a fresh `GET`?
fn needs_fetch(stored: Option<&write::StoredVersion>, updated_at: i64) -> bool {
    match stored {
        None => true,
        Some(s) => updated_at > s.updated_at || s.parts_updated_at.is_none_or(|p| p < updated_at),
    }
}

/// The search pass over `w`, fetching and storing every conversation newer than its stored copy.
pub async fn search_pass(ctx: &Ctx, w: Window) -> Result<PassOutcome> {
    let tracker = Arc::new(Mutex::new(Tracker::default()));
    // Room for four search pages, so the fetchers keep working while the next page is requested.
    let (job_tx, job_rx) = mpsc::channel::<Job>((PER_PAGE as usize * 4).max(ctx.concurrency * 8));
    let producer = {
        let api = ctx.api.clone();
        let db = ctx.db.clone();
        let tracker = tracker.clone();
        async move {
            let query = json!({"field": "updated_at", "operator": ">", "value": w.lower});
            let sort = json!({"field": "updated_at", "order": "ascending"});
            let mut seq = 0u64;
            let mut dispatched: HashMap<String, i64> = HashMap::new();
            let mut pages = std::pin::pin!(api.conversation_search_pages(query, Some(sort), PER_PAGE));
            while let Some(page) = pages.next().await {
                let page = page.context("searching conversations")?;
                let ids: Vec<String> = page.items.iter().map(|c| c.id.clone()).collect();
                let stored = db
                    .read(move |c| {
                        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                        write::stored_versions(c, &refs)
                    })
                    .await?;
                for c in &page.items {
                    let updated_at = c.updated_at.or(c.created_at).unwrap_or(0);
                    let fetch = needs_fetch(stored.get(&c.id), updated_at)
                        && dispatched.get(&c.id).is_none_or(|d| updated_at > *d);
                    let job = {
                        let mut t = tracker.lock().unwrap_or_else(|e| e.into_inner());
                        t.seen(updated_at);
                        fetch.then(|| {
                            seq += 1;
                            t.pending.insert((updated_at, seq));
                            Job {
                                id: c.id.clone(),
                                updated_at,
                                seq: Some(seq),
                            }
                        })
                    };
                    if let Some(job) = job {
                        dispatched.insert(c.id.clone(), updated_at);
                        if job_tx.send(job).await.is_err() {
                            return Ok(()); // the writer stopped; its error is reported
                        }
                    }
                }
            }
            tracker.lock().unwrap_or_else(|e| e.into_inner()).search_done = true;
            Ok(())
        }
    };
    let started = std::time::Instant::now();
    let mut out = run_pipeline(ctx, job_rx, producer, Some((tracker.clone(), w.floor, w.cap))).await?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        write_ms = out.write_ms,
        batches = out.batches,
        fetched = out.fetched,
        "conversation search pass done"
    );
    out.max_seen = tracker.lock().unwrap_or_else(|e| e.into_inner()).max_seen;
    Ok(out)
}

/// Fetch and store a fixed list of conversations (reconciliation), without moving the checkpoint.
pub async fn fetch_ids(ctx: &Ctx, jobs: Vec<Job>) -> Result<PassOutcome> {
    let (job_tx, job_rx) = mpsc::channel::<Job>(ctx.concurrency * 8);
    let producer = async move {
        for j in jobs {
            if job_tx.send(j).await.is_err() {
                break;
            }
        }
        Ok(())
    };
    run_pipeline(ctx, job_rx, producer, None).await
}

/// Runs `producer` (which feeds `job_rx`), the fetchers and the writer until all jobs are stored.
async fn run_pipeline(
    ctx: &Ctx,
    job_rx: mpsc::Receiver<Job>,
    producer: impl std::future::Future<Output = Result<()>> + Send + 'static,
    checkpoint: Option<(Arc<Mutex<Tracker>>, i64, i64)>,
) -> Result<PassOutcome> {
    let mut tasks = tokio::task::JoinSet::new();
    let (out_tx, mut out_rx) = mpsc::channel::<Fetched>(BATCH * 4);
    {
        let out_tx = out_tx.clone();
        tasks.spawn(async move {
            if let Err(e) = producer.await {
                let _ = out_tx.send(Fetched::Failed(e)).await;
            }
        });
    }
    let job_rx = Arc::new(tokio::sync::Mutex::new(job_rx));
    for _ in 0..ctx.concurrency.max(1) {
        let api = ctx.api.clone();
        let job_rx = job_rx.clone();
        let out_tx = out_tx.clone();
        tasks.spawn(async move {
            loop {
                let job = job_rx.lock().await.recv().await;
                let Some(job) = job else { break };
                let msg = match api.get_conversation(&job.id).await {
                    Ok(Some(c)) => {
                        let mut r = map::conversation(&c, true);
                        // Done here, on the fetcher tasks, so the single writer does not strip HTML.
                        r.fts_body = Some(crate::store::write::fts_body(&r));
                        Fetched::Conv(job, Box::new(r))
                    }
                    Ok(None) => Fetched::Gone(job),
                    Err(e) => Fetched::Failed(
                        anyhow::Error::new(e).context(format!("fetching conversation {}", job.id)),
                    ),
                };
                let failed = matches!(msg, Fetched::Failed(_));
                if out_tx.send(msg).await.is_err() || failed {
                    break;
                }
            }
        });
    }
    drop(out_tx);

    let mut outcome = PassOutcome::default();
    let mut last_checkpoint = i64::MIN;
    loop {
        let Some(first) = out_rx.recv().await else { break };
        let mut items = vec![first];
        let deadline = tokio::time::Instant::now() + BATCH_WAIT;
        while items.len() < BATCH {
            match tokio::time::timeout_at(deadline, out_rx.recv()).await {
                Ok(Some(m)) => items.push(m),
                _ => break,
            }
        }
        let mut records = Vec::with_capacity(items.len());
        let mut gone = Vec::new();
        let mut seqs = Vec::with_capacity(items.len());
        for m in items {
            match m {
                Fetched::Failed(e) => {
                    tasks.abort_all();
                    return Err(e);
                }
                Fetched::Conv(j, r) => {
                    seqs.extend(j.seq.map(|s| (j.updated_at, s)));
                    records.push(*r);
                }
                Fetched::Gone(j) => {
                    seqs.extend(j.seq.map(|s| (j.updated_at, s)));
                    gone.push(j.id);
                }
            }
        }
        let hwm = checkpoint.as_ref().and_then(|(t, floor, cap)| {
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            for s in &seqs {
                t.pending.remove(s);
            }
            t.safe_hwm()
                .map(|h| h.min(*cap).max(*floor))
                .filter(|h| *h > last_checkpoint)
        });
        let n = (records.len() + gone.len()) as u64;
        outcome.fetched += n;
        let t_write = std::time::Instant::now();
        let stats = ctx
            .db
            .call(move |c| {
                write::write_conversations(c, &records, &gone, |tx| {
                    if let Some(h) = hwm {
                        metadata::set_high_water_mark(tx, RESOURCE_CONVERSATIONS, Some(h))?;
                    }
                    Ok(())
                })
            })
            .await?;
        outcome.write_ms += t_write.elapsed().as_millis() as u64;
        outcome.batches += 1;
        if let Some(h) = hwm {
            last_checkpoint = h;
        }
        outcome.conversations += stats.conversations;
        outcome.parts += stats.parts;
        outcome.deleted += stats.deleted;
        ctx.progress.inc(n);
        // A batch boundary: everything fetched so far is committed with its checkpoint.
        if ctx.stop.requested() {
            tasks.abort_all();
            return Err(super::Stopped.into());
        }
    }
    while let Some(r) = tasks.join_next().await {
        if let Err(e) = r
            && e.is_panic()
        {
            anyhow::bail!("a sync task panicked: {e}");
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_stays_below_the_oldest_uncommitted() {
        let mut t = Tracker::default();
        assert_eq!(t.safe_hwm(), None);
        for (u, s) in [(10, 1), (20, 2), (20, 3), (30, 4)] {
            t.seen(u);
            t.pending.insert((u, s));
        }
        assert_eq!(t.safe_hwm(), Some(9));
        t.pending.remove(&(10, 1));
        t.pending.remove(&(20, 2));
        assert_eq!(
            t.safe_hwm(),
            Some(19),
            "one conversation at 20 is still in flight"
        );
        t.pending.remove(&(20, 3));
        t.pending.remove(&(30, 4));
        assert_eq!(t.safe_hwm(), Some(29), "the search may still return more at 30");
        t.search_done = true;
        assert_eq!(t.safe_hwm(), Some(30));
    }

    #[test]
    fn extreme_timestamps_from_intercom_do_not_overflow() {
        let mut t = Tracker::default();
        t.seen(i64::MIN);
        t.pending.insert((i64::MIN, 1));
        assert_eq!(t.safe_hwm(), Some(i64::MIN));
        t.seen(i64::MAX);
        t.pending.clear();
        assert_eq!(t.safe_hwm(), Some(i64::MAX - 1));
    }
}
