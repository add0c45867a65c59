//! Companies: Intercom has no company search, and `POST /companies/list` leaves out companies with no
//! users and stops at 10,000, so every run walks the whole `GET /companies/scroll` (API notes §8) and
//! diffs it against the store: only companies newer than their stored copy are written (page by page,
//! one transaction each), and a stored company the scroll did not list is deleted only when
//! `GET /companies/{id}` answers 404, within the guard's share ([`super::guard`]).
//!
//! The scroll's rules: one open scroll per workspace, so a run that finds one open (its own, left by a
//! killed run, or another client's) waits for it to expire (a minute unused), checking every
//! [`BUSY_POLL`]; a scroll that fails mid-way (Intercom's 500 "restart the scroll operation", an
//! expired `scroll_param`) is started again from the top, at most [`RESTARTS`] times. Pages written
//! before a restart stay (they are current copies); only a complete walk may delete anything.
//!
//! A scroll page whose answer is lost after Intercom advanced the scroll (a cut-off body, retried with the
//! same `scroll_param`) skips those companies for this run: the scroll cannot be asked for a page again.
//! Stored ones among them are only suspects (checked one by one, so kept); new ones arrive on the next
//! run, which scrolls everything again.

use super::{Ctx, RESOURCE_COMPANIES, guard, map};
use crate::intercom::ApiError;
use crate::store::write_companies;
use anyhow::{Context, Result};
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// How often a run checks whether another open scroll has expired, and for how long at most.
pub const BUSY_POLL: Duration = Duration::from_secs(5);
pub const BUSY_MAX: Duration = Duration::from_secs(80);
/// Scrolls started again after a failure mid-way.
pub const RESTARTS: u32 = 3;

#[derive(Debug, Clone, Copy, Default)]
pub struct CompaniesOutcome {
    pub written: u64,
    pub deleted: u64,
    /// Largest `updated_at` listed (capped at the run's start).
    pub hwm: Option<i64>,
    pub listed: u64,
    /// Scrolls started again after a failure.
    pub restarts: u32,
}

struct Walk {
    written: u64,
    listed: HashSet<String>,
    max_seen: Option<i64>,
}

enum Failed {
    /// Another scroll is open (400 "scroll already exists").
    Busy(anyhow::Error),
    /// The scroll broke mid-way: start again.
    Restart(anyhow::Error),
    Fatal(anyhow::Error),
}

async fn scroll_once(ctx: &Ctx, stored: &HashMap<String, i64>, written: &mut u64) -> Result<Walk, Failed> {
    let mut w = Walk {
        written: 0,
        listed: HashSet::new(),
        max_seen: None,
    };
    let mut pages = std::pin::pin!(ctx.api.company_scroll_pages());
    let mut first = true;
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) if first && e.is_scroll_busy() => return Err(Failed::Busy(e.into())),
            Err(e @ (ApiError::Unauthorized(_) | ApiError::Forbidden(_) | ApiError::Config(_))) => {
                return Err(Failed::Fatal(
                    anyhow::Error::new(e).context("scrolling companies"),
                ));
            }
            Err(e) => {
                return Err(Failed::Restart(
                    anyhow::Error::new(e).context("scrolling companies"),
                ));
            }
        };
        first = false;
        let mut fresh = Vec::new();
        for c in &page.items {
            let updated_at = c.updated_at.or(c.created_at).unwrap_or(0);
            w.max_seen = Some(w.max_seen.map_or(updated_at, |m| m.max(updated_at)));
            w.listed.insert(c.id.clone());
            if stored.get(&c.id).is_none_or(|s| updated_at > *s) {
                fresh.push(map::company(c));
            }
        }
        if !fresh.is_empty() {
            let (n, _) = ctx
                .db
                .call(move |c| write_companies::write_companies(c, &fresh, &[]))
                .await
                .map_err(Failed::Fatal)?;
            w.written += n;
            *written += n;
            ctx.progress.inc(n);
        }
        ctx.stop.check().map_err(|e| Failed::Fatal(e.into()))?;
    }
    Ok(w)
}

pub async fn sync(ctx: &Ctx, cap: i64) -> Result<CompaniesOutcome> {
    let stored = ctx.db.read(write_companies::all_company_versions).await?;
    let mut out = CompaniesOutcome::default();
    let mut waited = Duration::ZERO;
    let walk = loop {
        let mut written = 0;
        let r = scroll_once(ctx, &stored, &mut written).await;
        out.written += written;
        match r {
            Ok(w) => break w,
            Err(Failed::Busy(e)) => {
                if waited >= BUSY_MAX {
                    return Err(e.context(format!(
                        "another companies scroll stayed open for {} s; is another tool scrolling companies \
                         with this workspace's token?",
                        waited.as_secs()
                    )));
                }
                tracing::info!("another companies scroll is open; waiting for it to expire");
                tokio::time::sleep(BUSY_POLL).await;
                waited += BUSY_POLL;
                ctx.stop.check()?;
            }
            Err(Failed::Restart(e)) if out.restarts < RESTARTS => {
                out.restarts += 1;
                tracing::warn!("the companies scroll failed mid-way ({e:#}); starting it again");
            }
            Err(Failed::Restart(e) | Failed::Fatal(e)) => return Err(e),
        }
    };
    out.listed = walk.listed.len() as u64;
    out.hwm = walk.max_seen.map(|m| m.min(cap));
    out.deleted = delete_unlisted(ctx, &stored, &walk.listed).await?;
    Ok(out)
}

async fn delete_unlisted(ctx: &Ctx, stored: &HashMap<String, i64>, listed: &HashSet<String>) -> Result<u64> {
    let walk = guard::Listing {
        resource: RESOURCE_COMPANIES,
        what: "company",
        listed,
        total_count: None,
    };
    let checked = guard::check_unlisted(ctx, walk, stored.keys(), |api, id| async move {
        api.get_company(&id).await
    })
    .await?;
    let Some(guard::Checked { kept, gone }) = checked else {
        return Ok(0);
    };
    let keep: Vec<_> = kept.iter().map(map::company).collect();
    let (_, deleted) = ctx
        .db
        .call(move |c| write_companies::write_companies(c, &keep, &gone))
        .await?;
    if deleted > 0 {
        tracing::info!(
            companies_deleted = deleted,
            "deleted companies Intercom confirmed gone"
        );
    }
    Ok(deleted)
}

/// Segments: the whole list every run; a stored segment Intercom stops listing is deleted when
/// `GET /segments/{id}` answers 404, within the guard's share. Returns how many were listed.
pub async fn refresh_segments(ctx: &Ctx) -> Result<usize> {
    let listed: Vec<_> = ctx
        .api
        .segments()
        .await
        .context("listing segments")?
        .iter()
        .map(map::segment)
        .collect();
    let stored = ctx.db.read(write_companies::segment_ids).await?;
    let ids: HashSet<&String> = listed.iter().map(|s| &s.id).collect();
    let missing: Vec<String> = stored.iter().filter(|id| !ids.contains(id)).cloned().collect();
    let walked = guard::Walked {
        resource: super::RESOURCE_SEGMENTS,
        stored: stored.len(),
        listed: ids.len(),
        total_count: None,
        missing: missing.len(),
    };
    let mut gone = Vec::new();
    if !missing.is_empty() && guard::allow(ctx, walked).await? {
        for id in missing {
            let exists = ctx
                .api
                .segment_exists(&id)
                .await
                .with_context(|| format!("checking segment {id} before deleting it"))?;
            if !exists {
                gone.push(id);
            }
        }
    }
    let n = listed.len();
    ctx.db
        .call(move |c| write_companies::replace_segments(c, &listed, &gone))
        .await?;
    Ok(n)
}
