//! The deletion guard. A stored row that a walk of Intercom did not list is only a suspect: it is deleted
//! when Intercom confirms it is gone (its own `GET` answers 404, or 410 for a merged contact; the
//! deleted-conversations feed confirms by itself), and a run never deletes more than
//! `reconcile_max_delete_percent` of a table that way. Beyond that share the run checks and deletes
//! nothing of that table, warns, and records the reason in `sync_metadata.deletions_refused` (cleared by
//! the next check that passes) so `status` can show it.
//!
//! Why both: one short or shifting walk (a page without `next`, an empty answer, rows moving past the
//! cursor) must not cost anything, and a walk that lost most of a table must not cost one `GET` per row.

use super::Ctx;
use crate::intercom::{ApiError, IntercomClient};
use crate::store::write;
use anyhow::{Context, Result};
use futures_util::StreamExt;
use std::collections::HashSet;

/// What a walk of one resource found.
#[derive(Debug, Clone, Copy)]
pub struct Walked {
    /// The `sync_metadata` resource (and table) name.
    pub resource: &'static str,
    /// Rows stored before the walk.
    pub stored: usize,
    /// Distinct ids the walk listed.
    pub listed: usize,
    /// Intercom's own `total_count` for the list, when it gives one.
    pub total_count: Option<i64>,
    /// Stored rows the walk did not list.
    pub missing: usize,
}

/// Whether checking (and possibly deleting) `missing` of `stored` rows stays within `percent` of the
/// table. At least one row is always allowed when `percent > 0`, so small tables are not frozen.
pub fn within_share(stored: usize, missing: usize, percent: u8) -> bool {
    if missing == 0 {
        return true;
    }
    if percent == 0 {
        return false;
    }
    let limit = (stored as u128 * u128::from(percent.min(100)))
        .div_ceil(100)
        .max(1);
    missing as u128 <= limit
}

/// Decide whether the rows `w` found missing may be checked with Intercom and deleted; record the
/// outcome for `status` (a refusal, or clear an old one). `false` means: keep every row of this table.
pub async fn allow(ctx: &Ctx, w: Walked) -> Result<bool> {
    if let Some(t) = w.total_count
        && (w.listed as i64) < t
    {
        tracing::warn!(
            resource = w.resource,
            listed = w.listed as u64,
            total_count = t,
            "the walk of {} listed {} ids but Intercom counts {t}; rows it missed are checked one by one \
             before anything is deleted",
            w.resource,
            w.listed
        );
    }
    let ok = within_share(w.stored, w.missing, ctx.max_delete_percent);
    let reason = (!ok).then(|| {
        let total = w
            .total_count
            .map(|t| format!(" (Intercom counts {t})"))
            .unwrap_or_default();
        format!(
            "kept {missing} of {stored} stored {r} that Intercom did not list: more than \
             reconcile_max_delete_percent = {p}% of the table; the walk listed {listed}{total}. If Intercom \
             really deleted them, raise FASTINTERCOM_RECONCILE_MAX_DELETE_PERCENT for one run",
            missing = w.missing,
            stored = w.stored,
            r = w.resource,
            p = ctx.max_delete_percent,
            listed = w.listed,
        )
    });
    if let Some(r) = &reason {
        tracing::warn!(
            resource = w.resource,
            deletions_refused = w.missing as u64,
            stored = w.stored as u64,
            "{r}"
        );
        ctx.refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{}: {r}", w.resource));
    }
    let resource = w.resource;
    let at = chrono::Utc::now().timestamp();
    ctx.db
        .call(move |c| write::set_deletions_refused(c, resource, reason.as_deref(), at))
        .await?;
    Ok(ok)
}

/// What a full walk of one resource listed, to be held against the stored ids ([`check_unlisted`]).
pub struct Listing<'a> {
    /// The `sync_metadata` resource (and table) name.
    pub resource: &'static str,
    /// One row in words, for errors ("checking {what} {id} before deleting it").
    pub what: &'static str,
    /// Ids the walk listed.
    pub listed: &'a HashSet<String>,
    /// Intercom's own `total_count` for the list, when it gives one.
    pub total_count: Option<i64>,
}

/// Stored rows a walk did not list, as Intercom's own `GET` answered for them.
#[derive(Debug)]
pub struct Checked<T> {
    /// Intercom's current copies of the rows it still has (to be stored again).
    pub kept: Vec<T>,
    /// Ids Intercom confirmed gone.
    pub gone: Vec<String>,
}

/// The `stored` ids the walk did not list, each checked with `get` (at most `ctx.concurrency` at a time;
/// `Ok(None)` means Intercom confirms it gone), when the guard [`allow`]s it. `None`: nothing to check
/// (the guard refused, or nothing is missing). Any other error fails the check with the row's id.
pub async fn check_unlisted<'s, T, Fut>(
    ctx: &Ctx,
    walk: Listing<'_>,
    stored: impl IntoIterator<Item = &'s String>,
    get: impl Fn(IntercomClient, String) -> Fut,
) -> Result<Option<Checked<T>>>
where
    Fut: Future<Output = std::result::Result<Option<T>, ApiError>>,
{
    let mut n_stored = 0;
    let missing: Vec<String> = stored
        .into_iter()
        .inspect(|_| n_stored += 1)
        .filter(|id| !walk.listed.contains(*id))
        .cloned()
        .collect();
    let walked = Walked {
        resource: walk.resource,
        stored: n_stored,
        listed: walk.listed.len(),
        total_count: walk.total_count,
        missing: missing.len(),
    };
    if !allow(ctx, walked).await? || missing.is_empty() {
        return Ok(None);
    }
    let mut checks = futures_util::stream::iter(missing)
        .map(|id| {
            let r = get(ctx.api.clone(), id.clone());
            async move { (id, r.await) }
        })
        .buffer_unordered(ctx.concurrency.max(1));
    let mut out = Checked {
        kept: Vec::new(),
        gone: Vec::new(),
    };
    while let Some((id, r)) = checks.next().await {
        match r.with_context(|| format!("checking {} {id} before deleting it", walk.what))? {
            Some(row) => out.kept.push(row),
            None => out.gone.push(id),
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_limits() {
        assert!(within_share(0, 0, 0));
        assert!(within_share(100, 10, 10));
        assert!(!within_share(100, 11, 10));
        assert!(!within_share(100, 1, 0), "0 never deletes");
        assert!(within_share(100, 100, 100));
        assert!(within_share(3, 1, 10), "at least one row");
        assert!(!within_share(3, 2, 10));
        assert!(!within_share(1000, 1000, 10), "an empty walk of a big table");
        assert!(within_share(usize::MAX, usize::MAX, 100), "no overflow");
        assert!(!within_share(usize::MAX, usize::MAX, 99));
    }
}
