//! The cache path for tickets: `serve`'s `search_tickets`, `get_ticket` (every page, following the
//! cursors) and `ticket_stats`.

use super::{Cache, window_args};
use crate::answer::HARD_CAP;
use crate::client::{TicketSearchRequest, TicketStatsRequest};
use crate::model::{Stats, TicketDetail, TicketPage, TicketSearchResult};
use anyhow::Result;
use serde_json::{Map, json};

impl Cache {
    pub async fn search_tickets(&self, req: &TicketSearchRequest) -> Result<TicketSearchResult> {
        let mut args = Map::new();
        if let Some(t) = req.text.as_deref().filter(|t| !t.trim().is_empty()) {
            args.insert("query".into(), json!(t));
        }
        window_args(&mut args, req.since, req.until, req.field());
        req.filters.to_tool_args(&mut args);
        args.insert("sort".into(), json!("updated_desc"));
        args.insert("limit".into(), json!(req.page_size()));
        args.insert("max_bytes".into(), json!(HARD_CAP));
        self.mcp.call("search_tickets", args).await
    }

    /// One ticket, every page of its parts. None when it is not in the cache.
    pub async fn ticket(&self, id: &str) -> Result<Option<TicketDetail>> {
        let m = &self.mcp;
        let mut args = Map::new();
        args.insert("id".into(), json!(id));
        args.insert("max_bytes".into(), json!(HARD_CAP));
        let Some(first) = m.call_opt::<TicketPage>("get_ticket", args.clone()).await? else {
            return Ok(None);
        };
        let mut parts = first.parts_with_authors();
        let mut next = first.next_cursor.clone();
        while let Some(c) = next {
            args.insert("cursor".into(), json!(c));
            let page: TicketPage = m.call("get_ticket", args.clone()).await?;
            parts.extend(page.parts_with_authors());
            next = page.next_cursor;
        }
        Ok(Some(TicketDetail {
            summary: first.summary,
            description: first.description,
            contacts: first.contacts,
            linked: first.linked,
            parts,
            parts_truncated: first.parts_truncated,
        }))
    }

    pub async fn ticket_stats(&self, req: &TicketStatsRequest) -> Result<Stats> {
        let mut args = Map::new();
        window_args(&mut args, req.since, req.until, req.field());
        req.filters.to_tool_args(&mut args);
        args.insert("group_by".into(), json!(req.group_by.name()));
        self.mcp.call("ticket_stats", args).await
    }
}
