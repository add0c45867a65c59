//! Deletions and reconciliation. Deleted conversations vanish from search, so they are found three ways:
//! `GET /conversations/deleted` (polled every run, newest first, until `deleted_at` is older than the last
//! poll), a 404 on fetch (handled by the fetch pipeline), and a periodic full id walk of
//! `GET /conversations` that deletes local ids Intercom no longer lists and re-fetches conversations whose
//! stored copy is behind (including parts added without an `updated_at` bump).
//!
//! Deleted and merged contacts leave no trace in search and merged ones drop out of `GET /contacts`, so the
//! same reconciliation also walks every contact id and deletes the stored contacts Intercom no longer lists.

use super::conversations::{self, Job};
use super::{Ctx, contacts, map};
use crate::store::write;
use anyhow::{Context, Result};
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};

/// Slack for clock differences between Intercom's `deleted_at` and our poll times.
const POLL_OVERLAP: i64 = 600;
/// `GET /conversations/deleted` page size (Intercom's maximum).
const DELETED_PER_PAGE: u32 = 60;

/// Poll the deletions feed back to `since` (the previous poll); delete what is stored. Returns the count.
pub async fn poll_deleted(ctx: &Ctx, since: i64) -> Result<u64> {
    let mut ids = Vec::new();
    let mut page = 1;
    loop {
        let p = ctx
            .api
            .deleted_conversations(page, DELETED_PER_PAGE)
            .await
            .context("polling deleted conversations")?;
        let mut older = false;
        for d in &p.items {
            if d.deleted_at.is_some_and(|t| t < since - POLL_OVERLAP) {
                older = true;
            } else {
                ids.push(d.id.clone());
            }
        }
        if older || !p.has_next || p.items.is_empty() {
            break;
        }
        page += 1;
    }
    if ids.is_empty() {
        return Ok(0);
    }
    ctx.db.call(move |c| write::delete_conversations(c, &ids)).await
}

/// What a reconciliation did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reconciled {
    pub deleted: u64,
    pub refetched: u64,
    pub conversations: u64,
    pub parts: u64,
    /// Stored contacts deleted because Intercom no longer lists them (deleted or merged).
    pub contacts_deleted: u64,
}

/// Walk every conversation id, delete local ones Intercom does not list, and fetch the ones whose stored
/// copy is missing (inside `coverage_start`) or behind (newer `updated_at`, or more parts than stored).
/// Then reconcile contacts ([`reconcile_contacts`]).
pub async fn reconcile(ctx: &Ctx, coverage_start: i64) -> Result<Reconciled> {
    let mut remote: HashMap<String, (i64, Option<i64>)> = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = ctx
            .api
            .list_conversations(conversations::PER_PAGE, cursor.as_deref())
            .await
            .context("listing conversations for reconciliation")?;
        for c in &page.items {
            let updated_at = c.updated_at.or(c.created_at).unwrap_or(0);
            remote.insert(c.id.clone(), (updated_at, map::stats_parts(c)));
        }
        match page.next {
            Some(n) if !page.items.is_empty() => cursor = Some(n),
            _ => break,
        }
    }
    let local = ctx.db.call(|c| write::all_conversation_versions(c)).await?;
    let gone: Vec<String> = local
        .keys()
        .filter(|id| !remote.contains_key(*id))
        .cloned()
        .collect();
    let mut jobs = Vec::new();
    for (id, (updated_at, stats_parts)) in &remote {
        let behind = match local.get(id) {
            None => *updated_at >= coverage_start,
            Some(s) => {
                let known = s.parts_total.unwrap_or(s.parts_count).max(s.parts_count);
                *updated_at > s.updated_at || stats_parts.is_some_and(|n| n - 1 > known)
            }
        };
        if behind {
            jobs.push(Job {
                id: id.clone(),
                updated_at: *updated_at,
                seq: None,
            });
        }
    }
    let deleted = if gone.is_empty() {
        0
    } else {
        ctx.db
            .call(move |c| write::delete_conversations(c, &gone))
            .await?
    };
    let refetched = jobs.len() as u64;
    let pass = if jobs.is_empty() {
        Default::default()
    } else {
        conversations::fetch_ids(ctx, jobs).await?
    };
    let contacts_deleted = reconcile_contacts(ctx).await?;
    Ok(Reconciled {
        deleted: deleted + pass.deleted,
        refetched,
        conversations: pass.conversations,
        parts: pass.parts,
        contacts_deleted,
    })
}

/// Walk every contact id (`GET /contacts`, ids only: rows are not rewritten) and delete, in one
/// transaction, the stored contacts Intercom no longer lists. Nothing is deleted unless the walk reached
/// its last page: an error mid-walk returns the error with the store untouched. Returns the count.
///
/// Runs before the contacts pass of the same run, and the sync is the only writer, so every stored
/// contact existed before the walk started: a contact created during the walk cannot be mistaken for a
/// deleted one. The list is in creation order, so updates during the walk do not move contacts past it.
pub async fn reconcile_contacts(ctx: &Ctx) -> Result<u64> {
    let mut listed: HashSet<String> = HashSet::new();
    let mut pages = std::pin::pin!(ctx.api.contact_pages(contacts::PER_PAGE));
    while let Some(page) = pages.next().await {
        let page = page.context("listing contacts for reconciliation")?;
        listed.extend(page.items.into_iter().map(|c| c.id));
    }
    let local = ctx.db.call(|c| write::all_contact_ids(c)).await?;
    if listed.is_empty() && !local.is_empty() {
        // An empty list for a workspace we hold contacts of is far more likely an API hiccup than
        // every contact deleted at once; keep them and let a later reconciliation decide.
        tracing::warn!(
            contacts_stored = local.len() as u64,
            "Intercom listed no contacts; skipping the contact deletion check"
        );
        return Ok(0);
    }
    let gone: Vec<String> = local.into_iter().filter(|id| !listed.contains(id)).collect();
    if gone.is_empty() {
        return Ok(0);
    }
    let n = ctx.db.call(move |c| write::delete_contacts(c, &gone)).await?;
    tracing::info!(contacts_deleted = n, "deleted contacts Intercom no longer lists");
    Ok(n)
}
