//! Contacts. The first run (or `--full`) walks `GET /contacts` with its cursor. Later runs search
//! `updated_at = hwm OR updated_at > hwm`, which Intercom evaluates by calendar day in the workspace
//! timezone (so it returns everything from the start of that day), sorted ascending, then keep
//! `updated_at >= hwm - BUFFER` client-side. The buffer covers contacts that show up in search late.

use super::{Ctx, RESOURCE_CONTACTS, map};
use crate::intercom::{ApiError, Contact, Page};
use crate::store::{metadata, write_contacts};
use anyhow::{Context, Result};
use futures_util::{Stream, StreamExt};
use serde_json::json;
use std::pin::Pin;

type Pages = Pin<Box<dyn Stream<Item = Result<Page<Contact>, ApiError>> + Send>>;

/// Newly created contacts can take minutes to become searchable; re-read an hour.
const BUFFER: i64 = 3600;
/// `GET /contacts` and search page size (Intercom's maximum).
pub const PER_PAGE: u32 = 150;

/// Outcome: contacts written and the new high-water mark.
pub struct ContactsOutcome {
    pub written: u64,
    pub hwm: Option<i64>,
}

pub async fn sync(ctx: &Ctx, hwm: Option<i64>, full: bool) -> Result<ContactsOutcome> {
    let mut written = 0;
    // The mark never passes our clock: a contact dated in the future must not hide later updates.
    let cap = chrono::Utc::now().timestamp();
    let hwm = hwm.map(|h| h.min(cap));
    let mut max_seen = hwm;
    let since = hwm.filter(|_| !full).map(|h| h.saturating_sub(BUFFER));
    let query = since.map(|s| {
        json!({"operator": "OR", "value": [
            {"field": "updated_at", "operator": "=", "value": s},
            {"field": "updated_at", "operator": ">", "value": s},
        ]})
    });
    let sort = json!({"field": "updated_at", "order": "ascending"});
    let ascending = query.is_some();
    let mut pages: Pages = match query {
        Some(q) => Box::pin(ctx.api.contact_search_pages(q, Some(sort), PER_PAGE)),
        None => Box::pin(ctx.api.contact_pages(PER_PAGE)),
    };
    while let Some(page) = pages.next().await {
        let what = if ascending {
            "searching contacts"
        } else {
            "listing contacts"
        };
        let page = page.context(what)?;
        let records: Vec<_> = page
            .items
            .iter()
            .filter(|c| since.is_none_or(|s| c.updated_at.is_none_or(|u| u >= s)))
            .map(map::contact)
            .collect();
        for r in &records {
            if let Some(u) = r.updated_at.map(|u| u.min(cap)) {
                max_seen = Some(max_seen.map_or(u, |m| m.max(u)));
            }
        }
        // An ascending search can checkpoint after each page; a cursor walk has no order.
        let checkpoint = if ascending { max_seen } else { None };
        let n = records.len() as u64;
        written += ctx
            .db
            .call(move |c| {
                write_contacts::write_contacts(c, &records, |tx| {
                    if let Some(h) = checkpoint {
                        metadata::set_high_water_mark(tx, RESOURCE_CONTACTS, Some(h))?;
                    }
                    Ok(())
                })
            })
            .await?;
        ctx.progress.inc(n);
        ctx.stop.check()?;
    }
    Ok(ContactsOutcome {
        written,
        hwm: max_seen,
    })
}
