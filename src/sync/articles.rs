//! Help Center articles. `GET /articles` lists newest `updated_at` first with page numbers, so a run
//! reads pages until they fall below the mark (minus [`super::OVERLAP`]) and writes, page by page, only
//! the articles newer than their stored copy. The first run reads everything.
//!
//! The mark (`sync_metadata.high_water_mark` for 'articles') is only moved when the run succeeds: with a
//! newest-first walk, a page written before a crash does not mean the older pages were. A crashed run
//! costs a re-read on the next run, nothing else (stored copies are not rewritten).
//!
//! Deletions: Intercom's `total_count` comes with every page. When it differs from the stored count (or on
//! reconciliation runs), the run walks every page; a stored article the walk did not list is deleted only
//! when `GET /articles/{id}` answers 404, within the guard's share ([`super::guard`]).

use super::{Ctx, OVERLAP, RESOURCE_ARTICLES, guard, map};
use crate::store::write::{self, Table};
use crate::store::write_articles;
use anyhow::{Context, Result};
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};

/// Page size (Intercom accepts up to 250 here; 150 like every other list).
pub const PER_PAGE: u32 = 150;

#[derive(Debug, Clone, Copy, Default)]
pub struct ArticlesOutcome {
    pub written: u64,
    pub deleted: u64,
    pub hwm: Option<i64>,
    /// Whether every page was read this run.
    pub walked_all: bool,
}

struct Walk {
    written: u64,
    max_seen: Option<i64>,
    listed: HashSet<String>,
    total_count: Option<i64>,
}

/// Read pages newest first, writing articles newer than `stored`; stop after the first page reaching
/// below `stop_below` (None: read every page).
async fn walk(ctx: &Ctx, stored: &HashMap<String, i64>, stop_below: Option<i64>) -> Result<Walk> {
    let mut w = Walk {
        written: 0,
        max_seen: None,
        listed: HashSet::new(),
        total_count: None,
    };
    let mut pages = std::pin::pin!(ctx.api.article_pages(PER_PAGE));
    while let Some(page) = pages.next().await {
        let page = page.context("listing Help Center articles")?;
        w.total_count = page.total_count.or(w.total_count);
        let mut oldest = i64::MAX;
        let mut fresh = Vec::new();
        for a in &page.items {
            let updated_at = a.updated_at.or(a.created_at).unwrap_or(0);
            oldest = oldest.min(updated_at);
            w.max_seen = Some(w.max_seen.map_or(updated_at, |m| m.max(updated_at)));
            w.listed.insert(a.id.clone());
            if stored.get(&a.id).is_none_or(|s| updated_at > *s) {
                fresh.push(map::article(a));
            }
        }
        if !fresh.is_empty() {
            let (n, _) = ctx
                .db
                .call(move |c| write_articles::write_articles(c, &fresh, &[]))
                .await?;
            w.written += n;
            ctx.progress.inc(n);
        }
        ctx.stop.check()?;
        if stop_below.is_some_and(|s| oldest < s) {
            break;
        }
    }
    Ok(w)
}

pub async fn sync(ctx: &Ctx, hwm: Option<i64>, reconcile: bool, cap: i64) -> Result<ArticlesOutcome> {
    let stored = ctx.db.read(write_articles::all_article_versions).await?;
    let floor = hwm.map(|h| h.min(cap));
    let first = walk(ctx, &stored, floor.map(|h| h.saturating_sub(OVERLAP))).await?;
    let mut out = ArticlesOutcome {
        written: first.written,
        hwm: floor,
        walked_all: floor.is_none(),
        deleted: 0,
    };
    let mut max_seen = first.max_seen;
    if floor.is_some() {
        let local = ctx.db.read(|c| write::count_rows(c, Table::Articles)).await?;
        let mismatch = first.total_count.is_some_and(|t| t != local);
        if reconcile || mismatch {
            if mismatch {
                tracing::debug!(
                    local,
                    total_count = first.total_count,
                    "article counts differ: walking every page"
                );
            }
            let all = walk(ctx, &stored, None).await?;
            out.written += all.written;
            out.walked_all = true;
            max_seen = max_seen.max(all.max_seen);
            out.deleted = delete_unlisted(ctx, &stored, &all.listed, all.total_count).await?;
        }
    }
    out.hwm = match (max_seen.map(|m| m.min(cap)), floor) {
        (Some(m), Some(f)) => Some(m.max(f)),
        (m, f) => m.or(f),
    };
    Ok(out)
}

async fn delete_unlisted(
    ctx: &Ctx,
    stored: &HashMap<String, i64>,
    listed: &HashSet<String>,
    total_count: Option<i64>,
) -> Result<u64> {
    let walk = guard::Listing {
        resource: RESOURCE_ARTICLES,
        what: "article",
        listed,
        total_count,
    };
    let checked = guard::check_unlisted(ctx, walk, stored.keys(), |api, id| async move {
        api.get_article(&id).await
    })
    .await?;
    let Some(guard::Checked { kept, gone }) = checked else {
        return Ok(0);
    };
    let keep: Vec<_> = kept.iter().map(map::article).collect();
    let (_, deleted) = ctx
        .db
        .call(move |c| write_articles::write_articles(c, &keep, &gone))
        .await?;
    if deleted > 0 {
        tracing::info!(
            articles_deleted = deleted,
            "deleted articles Intercom confirmed gone"
        );
    }
    Ok(deleted)
}
