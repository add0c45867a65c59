//! Deletions and reconciliation. Deleted conversations vanish from search, so they are found three ways:
//! `GET /conversations/deleted` (polled every run, newest first, until `deleted_at` is older than the last
//! poll), a 404 on fetch (handled by the fetch pipeline), and a periodic full id walk of
//! `GET /conversations` that re-fetches conversations whose stored copy is behind (including parts added
//! without an `updated_at` bump) and checks the stored ones the walk did not list.
//!
//! Deleted and merged contacts leave no trace in search and merged ones drop out of `GET /contacts`, so the
//! same reconciliation also walks every contact id.
//!
//! Absence from a walk is never proof: the list has no documented order and a walk can come back short.
//! A stored row the walk missed is deleted only when its own `GET` answers 404 (410 for a merged
//! contact), and only while the missing rows stay within the guard's share of the table ([`guard`]).

use super::conversations::{self, Job};
use super::{Ctx, RESOURCE_CONTACTS, RESOURCE_CONVERSATIONS, contacts, guard, map};
use crate::intercom::{ApiError, MAX_PAGES};
use crate::store::{write, write_contacts};
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
    let mut page = 1u32;
    loop {
        if page as usize > MAX_PAGES {
            anyhow::bail!(
                "polling deleted conversations: Intercom kept returning more pages after {MAX_PAGES}; stopped"
            );
        }
        let p = ctx
            .api
            .deleted_conversations(page, DELETED_PER_PAGE)
            .await
            .context("polling deleted conversations")?;
        let mut older = false;
        for d in &p.items {
            if d.deleted_at
                .is_some_and(|t| t < since.saturating_sub(POLL_OVERLAP))
            {
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
    /// Stored contacts deleted because Intercom confirmed them gone (deleted or merged).
    pub contacts_deleted: u64,
}

/// Walk every conversation id and fetch the ones whose stored copy is missing (inside `coverage_start`)
/// or behind (newer `updated_at`, or more parts than stored). Stored conversations the walk did not list
/// are fetched too, within the guard's share: a 404 deletes one, a 200 stores Intercom's current copy.
/// Then reconcile contacts ([`reconcile_contacts`]).
pub async fn reconcile(ctx: &Ctx, coverage_start: i64) -> Result<Reconciled> {
    let mut remote: HashMap<String, (i64, Option<i64>)> = HashMap::new();
    let mut total_count = None;
    let mut pages = std::pin::pin!(ctx.api.conversation_pages(conversations::PER_PAGE));
    while let Some(page) = pages.next().await {
        let page = page.context("listing conversations for reconciliation")?;
        total_count = page.total_count.or(total_count);
        for c in &page.items {
            let updated_at = c.updated_at.or(c.created_at).unwrap_or(0);
            remote.insert(c.id.clone(), (updated_at, map::stats_parts(c)));
        }
        ctx.stop.check()?;
    }
    let local = ctx.db.call(|c| write::all_conversation_versions(c)).await?;
    let missing: Vec<(&String, i64)> = local
        .iter()
        .filter(|(id, _)| !remote.contains_key(*id))
        .map(|(id, s)| (id, s.updated_at))
        .collect();
    let walked = guard::Walked {
        resource: RESOURCE_CONVERSATIONS,
        stored: local.len(),
        listed: remote.len(),
        total_count,
        missing: missing.len(),
    };
    let check_missing = guard::allow(ctx, walked).await?;
    let mut jobs = Vec::new();
    for (id, (updated_at, stats_parts)) in &remote {
        let behind = match local.get(id) {
            None => *updated_at >= coverage_start,
            Some(s) => {
                let known = s.parts_total.unwrap_or(s.parts_count).max(s.parts_count);
                *updated_at > s.updated_at || stats_parts.is_some_and(|n| n.saturating_sub(1) > known)
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
    let refetched = jobs.len() as u64;
    if check_missing {
        // The fetch pipeline deletes on 404 and stores on 200: each missing row is confirmed one way.
        jobs.extend(missing.into_iter().map(|(id, updated_at)| Job {
            id: id.clone(),
            updated_at,
            seq: None,
        }));
    }
    let pass = if jobs.is_empty() {
        Default::default()
    } else {
        conversations::fetch_ids(ctx, jobs).await?
    };
    ctx.stop.check()?;
    let contacts_deleted = reconcile_contacts(ctx).await?;
    Ok(Reconciled {
        deleted: pass.deleted,
        refetched,
        conversations: pass.conversations,
        parts: pass.parts,
        contacts_deleted,
    })
}

/// Walk every contact id (`GET /contacts`, ids only: rows are not rewritten); check each stored contact
/// the walk did not list with `GET /contacts/{id}` (within the guard's share), and delete, in one
/// transaction, those Intercom answers 404 (deleted) or 410 (merged) for. Nothing is deleted unless the
/// walk reached its last page: an error mid-walk returns the error with the store untouched. Returns the
/// count.
///
/// Runs before the contacts pass of the same run, and the sync is the only writer, so every stored
/// contact existed before the walk started: a contact created during the walk cannot be mistaken for a
/// deleted one.
pub async fn reconcile_contacts(ctx: &Ctx) -> Result<u64> {
    let mut listed: HashSet<String> = HashSet::new();
    let mut total_count = None;
    let mut pages = std::pin::pin!(ctx.api.contact_pages(contacts::PER_PAGE));
    while let Some(page) = pages.next().await {
        let page = page.context("listing contacts for reconciliation")?;
        total_count = page.total_count.or(total_count);
        listed.extend(page.items.into_iter().map(|c| c.id));
        ctx.stop.check()?;
    }
    let local = ctx.db.call(|c| write_contacts::all_contact_ids(c)).await?;
    let walk = guard::Listing {
        resource: RESOURCE_CONTACTS,
        what: "contact",
        listed: &listed,
        total_count,
    };
    // 404 (deleted) and 410 (merged) both mean gone; a contact still there is not rewritten.
    let checked = guard::check_unlisted(ctx, walk, &local, |api, id| async move {
        match api.get_contact(&id).await {
            Ok(None) | Err(ApiError::Merged { .. }) => Ok(None),
            Ok(Some(_)) => Ok(Some(())),
            Err(e) => Err(e),
        }
    })
    .await?;
    let Some(guard::Checked { gone, .. }) = checked else {
        return Ok(0);
    };
    if gone.is_empty() {
        return Ok(0);
    }
    let n = ctx
        .db
        .call(move |c| write_contacts::delete_contacts(c, &gone))
        .await?;
    tracing::info!(contacts_deleted = n, "deleted contacts Intercom confirmed gone");
    Ok(n)
}
