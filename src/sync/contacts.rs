//! Contacts. The first run (or `--full`) walks `GET /contacts` with its cursor. Later runs search
//! `updated_at = hwm OR updated_at > hwm`, which Intercom evaluates by calendar day in the workspace
//! timezone (so it returns everything from the start of that day), sorted ascending, then keep
//! `updated_at >= hwm - BUFFER` client-side. The buffer covers contacts that show up in search late.

use super::{Ctx, RESOURCE_CONTACTS, map};
use crate::store::{metadata, write};
use anyhow::{Context, Result};
use serde_json::json;

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
    let mut cursor: Option<String> = None;
    let since = hwm.filter(|_| !full).map(|h| h - BUFFER);
    let query = since.map(|s| {
        json!({"operator": "OR", "value": [
            {"field": "updated_at", "operator": "=", "value": s},
            {"field": "updated_at", "operator": ">", "value": s},
        ]})
    });
    let sort = json!({"field": "updated_at", "order": "ascending"});
    loop {
        let page = match &query {
            Some(q) => ctx
                .api
                .search_contacts(q, Some(&sort), PER_PAGE, cursor.as_deref())
                .await
                .context("searching contacts")?,
            None => ctx
                .api
                .list_contacts(PER_PAGE, cursor.as_deref())
                .await
                .context("listing contacts")?,
        };
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
        let checkpoint = if query.is_some() { max_seen } else { None };
        let n = records.len() as u64;
        written += ctx
            .db
            .call(move |c| {
                write::write_contacts(c, &records, |tx| {
                    if let Some(h) = checkpoint {
                        metadata::set_high_water_mark(tx, RESOURCE_CONTACTS, Some(h))?;
                    }
                    Ok(())
                })
            })
            .await?;
        ctx.progress.inc(n);
        match page.next {
            Some(n) if !page.items.is_empty() => cursor = Some(n),
            _ => break,
        }
    }
    Ok(ContactsOutcome {
        written,
        hwm: max_seen,
    })
}
