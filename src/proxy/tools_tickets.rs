//! The proxy's ticket tools: `serve`'s `search_tickets`, `get_ticket` and `ticket_stats` (same names,
//! arguments and answers), each decided by the client library: the cache when it is fresh (tickets are
//! synced whole, so no window sends a ticket question to REST by itself) and holds the ticket, else
//! Intercom's REST API through [`crate::client::rest`], with notes where it answers differently.

use super::envelope::{Got, mark_cached};
use super::tools::ProxyTools;
use crate::answer::{Answer, ToolError, decode_cursor, encode_cursor, now};
use crate::client::rest::RestError;
use crate::client::{TicketSearchRequest as Req, TicketStatsRequest};
use crate::mcp::args_tickets::{
    GetTicketArgs, SearchTicketsArgs, TicketAsk, TicketSearchAsk, TicketStatsArgs,
};
use crate::mcp::budget::{RESERVE, cut_note, fitting};
use crate::mcp::budget_tickets::page_ticket;
use crate::model::{Stats, TicketDetail, TicketPage, TicketSearchResult};
use crate::project::TRUNCATION_MARKER;
use crate::store::read::tickets::{TicketQuery, TicketSort};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};

/// Over REST, words are matched in titles and descriptions only.
pub const REST_TICKET_TEXT: &str = "answered live by Intercom's REST API, whose ticket search matches words \
in titles and descriptions only (the cache searches every part too), and without `matched` passages";
/// Over REST, results come newest first, never by relevance.
pub const REST_NO_RELEVANCE: &str =
    "sorted by most recently updated: Intercom's REST search cannot rank by relevance";
/// Over REST, there is no cursor to continue with.
pub const REST_NO_PAGING: &str = "more tickets match, but paging is not available over REST: narrow the \
window, the words or the filters, or raise `limit` (at most 100)";

/// The client library's request for a checked search.
fn request(q: &TicketQuery) -> Req {
    Req {
        text: q.text.clone(),
        since: q.since,
        until: q.until,
        date_field: Some(q.date_field),
        filters: q.filters.clone(),
        limit: Some(q.limit as u32),
    }
}

#[tool_router(router = tickets_router, vis = "pub(super)")]
impl ProxyTools {
    #[tool(
        description = "Search Intercom tickets by full text (title, description, parts) and/or filters: state \
(submitted, in_progress, waiting_on_customer, resolved), category (Customer, Back-office, Tracker), ticket \
type, assignee admin or team, contact (id or email), company, open, time window: from the local cache when it \
is fresh, else live from Intercom (`freshness.source` and `reason` say which; live text search matches titles \
and descriptions only, and cannot filter by company). Returns ticket summaries (with `matched` passages from \
the cache), `total` and `next_cursor`. Answers stay within about 32 KB (`max_bytes`, up to 128 KB). Use \
get_ticket for the whole ticket.",
        annotations(title = "Search tickets", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn search_tickets(
        &self,
        Parameters(a): Parameters<SearchTicketsArgs>,
    ) -> Result<Json<Answer<TicketSearchResult>>, ToolError> {
        let cursor = a.cursor.clone().filter(|c| !c.trim().is_empty());
        let TicketSearchAsk {
            query: q,
            sort_given,
            mut notes,
            budget,
            max_staleness: max,
        } = a.checked(now())?;
        let mut unsupported = Vec::new();
        if let Some(c) = &cursor {
            decode_cursor(c.trim()).ok_or(
                "bad `cursor`: it is not one this server made: pass back `next_cursor` exactly as given, or \
                 omit it for the first page",
            )?;
            unsupported.push("`cursor` (a page of the cache's results)");
        }
        match q.sort {
            TicketSort::UpdatedAsc => unsupported.push("`sort` updated_asc"),
            TicketSort::CreatedDesc => unsupported.push("`sort` created_desc"),
            _ => {}
        }
        let relevance = q.text.is_some() && (!sort_given || q.sort == TicketSort::Relevance);
        let has_text = q.text.is_some();
        let req = request(&q);
        let rest = async {
            if !unsupported.is_empty() {
                return Err(RestError::Unsupported(format!(
                    "Intercom's REST search cannot apply {} here",
                    unsupported.join(", ")
                )));
            }
            self.client.rest_path()?.search_tickets(&req).await
        };
        let cache = self.ask_cache("search_tickets", |t, a| async move {
            t.search_tickets(Parameters(a)).await
        });
        let answer = self.decided("tickets", None, max, cache, rest).await?;
        self.finish("tickets", answer, max, |mut r: TicketSearchResult| {
            if has_text {
                notes.push(REST_TICKET_TEXT.into());
                if relevance {
                    notes.push(REST_NO_RELEVANCE.into());
                }
            }
            let room = budget.saturating_sub(RESERVE + notes.iter().map(|n| n.len() + 3).sum::<usize>());
            let kept = fitting(&r.tickets, room, 1);
            if kept < r.tickets.len() {
                notes.push(cut_note(kept, r.tickets.len(), budget, "tickets"));
                r.tickets.truncate(kept);
            }
            if r.next_cursor.take().is_some() {
                notes.push(REST_NO_PAGING.into());
            }
            Ok((r, notes))
        })
        .await
    }

    #[tool(
        description = "Get one ticket by its API `id` (the cache also accepts the inbox number `ticket_id`; \
Intercom's API does not), a page at a time: summary, description, contacts and linked conversations (first \
page), then its parts as plain text, oldest first (`order: newest_first` for the latest first), each author \
listed once. Pages stay within about 32 KB (`max_bytes`, up to 128 KB), with `next_cursor`; `part_id` gives \
one part's whole text (`description` the whole description). From the cache when it is fresh and holds it, else live from Intercom.",
        annotations(title = "Get ticket", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn get_ticket(
        &self,
        Parameters(a): Parameters<GetTicketArgs>,
    ) -> Result<Json<Answer<TicketPage>>, ToolError> {
        let TicketAsk {
            id,
            notes,
            budget,
            order,
            offset,
            part_id,
            max_staleness: max,
        } = a.checked(now())?;
        let cache = self.ask_cache(
            "get_ticket",
            |t, a| async move { t.get_ticket(Parameters(a)).await },
        );
        let rest = async { self.client.rest_path()?.ticket(&id).await };
        let answer = self.decided("tickets", None, max, cache, rest).await?;
        if matches!(answer.data, Got::Rest(None)) && part_id.is_none() {
            // Intercom knows no ticket by this API id; the cache may know it by its inbox number.
            let again = self.ask_cache(
                "get_ticket",
                |t, a| async move { t.get_ticket(Parameters(a)).await },
            );
            let again: anyhow::Result<Result<Answer<TicketPage>, _>> = again.await;
            if let Ok(Ok(mut c)) = again {
                mark_cached(&mut c, &answer.reason, false, self.live_unavailable().as_deref());
                c.notes.insert(
                    0,
                    format!(
                        "Intercom has no ticket with the API id {id} (its API does not take inbox numbers): \
                         this is the cache's answer"
                    ),
                );
                return Ok(Json(c));
            }
        }
        self.finish("tickets", answer, max, |r: Option<TicketDetail>| {
            let Some(mut d) = r else {
                return Err(ToolError::not_found(
                    "ticket",
                    &id,
                    format!(
                        "ticket {id} is neither in the cache nor in Intercom (asked live, by API id): check the id"
                    ),
                ));
            };
            if part_id.as_deref() == Some("description") {
                // The cache answers the description whole; this path has it as the projection cut it.
                d.parts.clear();
                let mut notes = notes;
                if d.description.as_deref().is_some_and(|t| t.ends_with(TRUNCATION_MARKER)) {
                    notes.push(
                        "this answer's description is cut at 4,000 characters: the whole description comes \
                         from the cache (`get_ticket` with `part_id: \"description\"` once it is fresh)"
                            .into(),
                    );
                }
                return Ok((page_ticket(d, order, 0, budget, encode_cursor), notes));
            }
            if let Some(pid) = &part_id {
                match d.parts.iter().find(|p| &p.id == pid) {
                    Some(p) => d.parts = vec![p.clone()],
                    None => {
                        return Err(ToolError::not_found(
                            "part",
                            pid,
                            format!("part {pid} of ticket {id} is not in Intercom's answer"),
                        ));
                    }
                }
            }
            Ok((page_ticket(d, order, offset, budget, encode_cursor), notes))
        })
        .await
    }

    #[tool(
        description = "Count tickets in a time window (on created_at unless `date_field` says updated_at), \
grouped by state (default), category, type, team, admin, day, week or month, with search_tickets' filters. \
From the cache when it is fresh, else counted live from Intercom (slow for many tickets; no company filter).",
        annotations(title = "Ticket statistics", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn ticket_stats(
        &self,
        Parameters(a): Parameters<TicketStatsArgs>,
    ) -> Result<Json<Answer<Stats>>, ToolError> {
        let (q, max) = a.checked(now())?;
        let req = TicketStatsRequest {
            since: q.since,
            until: q.until,
            date_field: Some(q.date_field),
            group_by: q.group_by,
            filters: q.filters,
        };
        let cache = self.ask_cache("ticket_stats", |t, a| async move {
            t.ticket_stats(Parameters(a)).await
        });
        let rest = async { self.client.rest_path()?.ticket_stats(&req).await };
        let answer = self.decided("tickets", None, max, cache, rest).await?;
        let pages = self.client.config().rest_stats_max_pages;
        self.finish("tickets", answer, max, |r| {
            Ok((
                r,
                vec![format!(
                    "counted live by Intercom's REST API, which has no counting endpoint: every matching ticket \
                     was read, 150 per page (at most {pages} pages)"
                )],
            ))
        })
        .await
    }
}
