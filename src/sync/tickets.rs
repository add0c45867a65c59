//! Tickets: ticket types and states refreshed whole, then tickets by `updated_at` through
//! `POST /tickets/search` (ascending, keyset cursor). Search items already carry their `ticket_parts`,
//! so a page is written as it comes, in one transaction with the checkpoint
//! (`sync_metadata.high_water_mark` for 'tickets'); an item without `ticket_parts` is fetched by its API
//! id. The first run reads every ticket; later runs read from the mark minus [`super::OVERLAP`].
//!
//! Deleted tickets vanish from search and there is no deletions feed, so on reconciliation runs (`--full`
//! or every `reconcile_hours`) the pass walks every ticket, and a stored ticket the walk did not list is
//! deleted only when `GET /tickets/{id}` answers 404, within the guard's share ([`super::guard`]).

use super::{Ctx, OVERLAP, RESOURCE_TICKETS, guard, map};
use crate::intercom::Ticket;
use crate::record::TicketRecord;
use crate::store::metadata;
use crate::store::write_tickets;
use anyhow::{Context, Result};
use futures_util::StreamExt;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// Search page size (Intercom's maximum).
pub const PER_PAGE: u32 = 150;

/// What the ticket pass did.
#[derive(Debug, Clone, Copy, Default)]
pub struct TicketsOutcome {
    pub written: u64,
    pub parts: u64,
    pub deleted: u64,
    /// The mark after the pass.
    pub hwm: Option<i64>,
    pub reconciled: bool,
}

/// Refresh ticket types and states. A type Intercom stops listing is deleted when
/// `GET /ticket_types/{id}` answers 404 (within the guard's share); states are kept.
pub async fn refresh_types_states(ctx: &Ctx) -> Result<()> {
    let (types, states) = tokio::join!(ctx.api.ticket_types(), ctx.api.ticket_states());
    let types: Vec<_> = types
        .context("listing ticket types")?
        .iter()
        .map(map::ticket_type)
        .collect();
    let states: Vec<_> = states
        .context("listing ticket states")?
        .iter()
        .map(map::ticket_state)
        .collect();
    let (stored, _) = ctx.db.read(write_tickets::ticket_type_and_state_ids).await?;
    let listed: HashSet<&String> = types.iter().map(|t| &t.id).collect();
    let missing: Vec<String> = stored.iter().filter(|id| !listed.contains(id)).cloned().collect();
    let walked = guard::Walked {
        resource: super::RESOURCE_TICKET_TYPES,
        stored: stored.len(),
        listed: listed.len(),
        total_count: None,
        missing: missing.len(),
    };
    let mut gone = Vec::new();
    if !missing.is_empty() && guard::allow(ctx, walked).await? {
        for id in missing {
            let exists = ctx
                .api
                .ticket_type_exists(&id)
                .await
                .with_context(|| format!("checking ticket type {id} before deleting it"))?;
            if !exists {
                gone.push(id);
            }
        }
    }
    ctx.db
        .call(move |c| write_tickets::replace_ticket_types_states(c, &types, &states, &gone))
        .await
}

/// The ticket pass from `hwm` (None: the first run, every ticket). `reconcile`: walk every ticket and
/// check the stored ones it did not list. `cap`: the mark never passes the run's start.
pub async fn sync(ctx: &Ctx, hwm: Option<i64>, reconcile: bool, cap: i64) -> Result<TicketsOutcome> {
    let floor = hwm.map(|h| h.min(cap));
    let reconcile = reconcile && floor.is_some();
    let lower = match floor {
        Some(h) if !reconcile => h.saturating_sub(OVERLAP).max(0),
        _ => 0,
    };
    // What is stored before the walk: tickets not newer than their stored copy are not rewritten, and
    // on reconciliation the stored ids the walk did not list are the suspects.
    let stored = ctx.db.read(write_tickets::all_ticket_versions).await?;
    let mut out = TicketsOutcome {
        hwm: floor,
        reconciled: reconcile,
        ..Default::default()
    };
    let mut listed: HashSet<String> = HashSet::new();
    let mut total_count = None;
    let mut max_seen: Option<i64> = None;
    let query = json!({"field": "updated_at", "operator": ">", "value": lower});
    let sort = json!({"field": "updated_at", "order": "ascending"});
    let mut pages = std::pin::pin!(ctx.api.ticket_search_pages(query, Some(sort), PER_PAGE));
    // One page's write runs while the next page is requested (the writer is a blocking thread), so the
    // walk and the writes overlap. Writes stay one at a time and in page order, and a page's checkpoint
    // commits in its own transaction, so the mark still moves only past committed rows.
    let mut writing: Option<Write<'_>> = None;
    loop {
        let next = match writing.take() {
            Some(w) => {
                let (written, next) = tokio::join!(w, pages.next());
                written?.apply(ctx, &mut out)?;
                next
            }
            None => pages.next().await,
        };
        let Some(page) = next else {
            break;
        };
        let page = page.context("searching tickets")?;
        total_count = page.total_count.or(total_count);
        let last = page.next.is_none();
        let mut fresh: Vec<Ticket> = Vec::new();
        for t in page.items {
            let updated_at = t.updated_at.or(t.created_at).unwrap_or(0);
            max_seen = Some(max_seen.map_or(updated_at, |m| m.max(updated_at)));
            if reconcile {
                listed.insert(t.id.clone());
            }
            if stored.get(&t.id).is_none_or(|s| updated_at > *s) {
                fresh.push(t);
            }
        }
        let (records, gone) = complete(ctx, fresh).await?;
        // More tickets with the page's largest `updated_at` may follow on the next page.
        let checkpoint = max_seen
            .map(|m| if last { m } else { m.saturating_sub(1) })
            .map(|m| m.min(cap).max(floor.unwrap_or(i64::MIN)))
            .filter(|m| floor.is_none_or(|f| *m > f));
        writing = Some(Box::pin(async move {
            let stats = ctx
                .db
                .call(move |c| {
                    write_tickets::write_tickets(c, &records, &gone, |tx| {
                        if let Some(h) = checkpoint {
                            metadata::set_high_water_mark(tx, RESOURCE_TICKETS, Some(h))?;
                        }
                        Ok(())
                    })
                })
                .await?;
            Ok(Written { stats, checkpoint })
        }));
    }
    if reconcile {
        out.deleted += delete_unlisted(ctx, &stored, &listed, total_count).await?;
    }
    Ok(out)
}

/// A page's write in flight: its batch and checkpoint, committed together.
type Write<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Written>> + Send + 'a>>;

/// A committed page.
struct Written {
    stats: write_tickets::TicketStats,
    checkpoint: Option<i64>,
}

impl Written {
    /// Count a committed page and move the pass's mark to its checkpoint.
    fn apply(self, ctx: &Ctx, out: &mut TicketsOutcome) -> Result<()> {
        if self.checkpoint.is_some() {
            out.hwm = self.checkpoint;
        }
        out.written += self.stats.tickets;
        out.parts += self.stats.parts;
        out.deleted += self.stats.deleted;
        ctx.progress.inc(self.stats.tickets);
        ctx.stop.check()?;
        Ok(())
    }
}

/// Store records for search items; an item without `ticket_parts` is fetched by its API id first (a
/// 404 then means it was deleted meanwhile). Returns (records, confirmed-deleted ids).
async fn complete(ctx: &Ctx, items: Vec<Ticket>) -> Result<(Vec<TicketRecord>, Vec<String>)> {
    let (whole, partial): (Vec<Ticket>, Vec<Ticket>) = items.into_iter().partition(|t| t.parts.is_some());
    let mut records: Vec<TicketRecord> = whole.iter().map(map::ticket).collect();
    let mut gone = Vec::new();
    let api = ctx.api.clone();
    let mut fetches = futures_util::stream::iter(partial)
        .map(move |t| {
            let api = api.clone();
            async move { (t.id.clone(), api.get_ticket(&t.id).await) }
        })
        .buffer_unordered(ctx.concurrency.max(1));
    while let Some((id, r)) = fetches.next().await {
        match r.with_context(|| format!("fetching ticket {id}"))? {
            Some(t) => records.push(map::ticket(&t)),
            None => gone.push(id),
        }
    }
    Ok((records, gone))
}

/// Stored tickets the full walk did not list: check each with `GET /tickets/{id}` (within the guard's
/// share); delete the ones Intercom answers 404 for, store the current copy of the others.
async fn delete_unlisted(
    ctx: &Ctx,
    stored: &HashMap<String, i64>,
    listed: &HashSet<String>,
    total_count: Option<i64>,
) -> Result<u64> {
    let walk = guard::Listing {
        resource: RESOURCE_TICKETS,
        what: "ticket",
        listed,
        total_count,
    };
    let checked = guard::check_unlisted(ctx, walk, stored.keys(), |api, id| async move {
        api.get_ticket(&id).await
    })
    .await?;
    let Some(guard::Checked { kept, gone }) = checked else {
        return Ok(0);
    };
    let keep: Vec<_> = kept.iter().map(map::ticket).collect();
    let stats = ctx
        .db
        .call(move |c| write_tickets::write_tickets(c, &keep, &gone, |_| Ok(())))
        .await?;
    if stats.deleted > 0 {
        tracing::info!(
            tickets_deleted = stats.deleted,
            "deleted tickets Intercom confirmed gone"
        );
    }
    Ok(stats.deleted)
}
