//! The ticket tools: `search_tickets`, `get_ticket`, `ticket_stats`, over [`crate::store::read::tickets`]
//! with the conversation tools' contract (bounded answers with cursors, `outputSchema`, strict arguments,
//! freshness on every answer). Their freshness comes from the `tickets` row of `sync_metadata`.

use super::args_tickets::{GetTicketArgs, SearchTicketsArgs, TicketAsk, TicketSearchAsk, TicketStatsArgs};
use super::budget::{RESERVE, WHOLE_PART_CHARS, cut_note, fit_text, fitting};
use super::budget_tickets::page_ticket;
use super::freshness::Ask;
use super::tools::{IntercomTools, ToolResult, found, notes_len};
use crate::answer::{Answer, ToolError, encode_cursor, now};
use crate::model::{Stats, TicketPage, TicketSearchResult};
use crate::store::read;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};

/// The `sync_metadata` row that stamps ticket answers.
pub const RESOURCE: &str = "tickets";
/// Most buckets a `ticket_stats` answer lists.
const MAX_BUCKETS: usize = 400;
/// The `part_id` that asks `get_ticket` for the whole description.
const DESCRIPTION_PART: &str = "description";

impl IntercomTools {
    /// Run a read stamped with the `tickets` row's freshness (and its notes).
    async fn answer_tickets<T, F>(&self, notes: Vec<String>, ask: Ask, f: F) -> ToolResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection, &mut Vec<String>) -> anyhow::Result<T> + Send + 'static,
    {
        self.answer_for(Some(RESOURCE), notes, ask, f).await
    }
}

#[tool_router(router = tickets_router, vis = "pub(super)")]
impl IntercomTools {
    #[tool(
        description = "Search cached Intercom tickets by full text (title, description and every part) and/or \
filters: state (submitted, in_progress, waiting_on_customer, resolved), category (Customer, Back-office, \
Tracker), ticket type (id or name), assignee admin or team, contact (id or email), company (id or name), open, \
time window. Example: open billing tickets waiting on the engineering team = {\"query\": \"billing\", \
\"open\": true, \"team_id\": \"<engineering's id from list_teams>\"}. Returns ticket summaries (API `id`, \
inbox `ticket_id`, title, type, state, assignees, contact, snippet; with a query also `matched`: the \
best-matching passage with its part id, author and time), `total` (counted up to 1000) and `next_cursor`. \
Answers stay within about 32 KB (`max_bytes`, up to 128 KB). Use get_ticket for the whole ticket.",
        annotations(title = "Search tickets", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn search_tickets(
        &self,
        Parameters(a): Parameters<SearchTicketsArgs>,
    ) -> Result<Json<Answer<TicketSearchResult>>, ToolError> {
        let TicketSearchAsk {
            query: q,
            notes,
            budget,
            max_staleness,
            ..
        } = a.checked(now())?;
        let ask = Ask {
            max_staleness,
            window_start: q.since,
        };
        self.answer_tickets(notes, ask, move |conn, notes| {
            let page = read::tickets::search(conn, &q)?;
            if let Some(n) = page.broad_matches {
                notes.push(format!(
                    "{n} tickets match; that is too broad to rank by relevance, so the most recently updated \
                     come first: add words or filters to narrow it"
                ));
            }
            let mut tickets = page.tickets;
            let room = budget.saturating_sub(RESERVE + notes_len(notes));
            let kept = fitting(&tickets, room, 1);
            let cut = kept < tickets.len();
            if cut {
                notes.push(cut_note(kept, tickets.len(), budget, "tickets"));
                tickets.truncate(kept);
            }
            Ok(TicketSearchResult {
                next_cursor: (page.has_more || cut).then(|| encode_cursor(q.offset + kept)),
                tickets,
                total: page.total,
                total_is_lower_bound: page.total_is_lower_bound,
            })
        })
        .await
    }

    #[tool(
        description = "Get one cached ticket by its API `id` (as in search results; the inbox number \
`ticket_id` is accepted too), a page at a time: the summary, description, contacts and linked conversations \
(first page), then its parts (comments, notes, state changes) as plain text, oldest first (`order: \
newest_first` for the latest first), each author listed once in `authors`. A page stays within about 32 KB \
(`max_bytes`, up to 128 KB); `next_cursor` gives the next page, `parts_total` the count. Bodies over 4,000 \
characters (and the description) are cut with a `[truncated]` marker: pass that part's id as `part_id` for \
its whole text, or `part_id: \"description\"` for the whole description.",
        annotations(title = "Get ticket", read_only_hint = true, open_world_hint = false)
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
            max_staleness,
        } = a.checked(now())?;
        let ask = Ask {
            max_staleness,
            ..Ask::default()
        };
        let id2 = id.clone();
        let missing_part = part_id.clone();
        let r = self
            .answer_tickets(notes, ask, move |conn, notes| {
                let Some((mut d, by_number)) = read::tickets::get(conn, &id2)? else {
                    return Ok(None);
                };
                if by_number {
                    notes.push(format!(
                        "no ticket has the API id {id2}; this is the ticket whose inbox number (`ticket_id`) is \
                         {id2}, API id {}",
                        d.summary.id
                    ));
                }
                if part_id.as_deref() == Some(DESCRIPTION_PART) {
                    // The description whole, as far as the budget allows (the first page cuts it at
                    // 4,000 characters); no parts.
                    let Some(mut text) = read::tickets::description(conn, &d.summary.id)? else {
                        return Ok(None);
                    };
                    fit_text(&mut text, budget.saturating_sub(RESERVE + 4096));
                    d.description = Some(text).filter(|t| !t.is_empty());
                    d.parts.clear();
                    return Ok(Some(page_ticket(d, order, 0, budget, encode_cursor)));
                }
                if let Some(pid) = &part_id {
                    match read::tickets::part(conn, &d.summary.id, pid, WHOLE_PART_CHARS)? {
                        Some(p) => d.parts = vec![p],
                        None => return Ok(None),
                    }
                }
                Ok(Some(page_ticket(d, order, offset, budget, encode_cursor)))
            })
            .await;
        let (kind, key) = match &missing_part {
            Some(p) => ("part", p.clone()),
            None => ("ticket", id.clone()),
        };
        found(r, kind, &key, || match missing_part {
            Some(p) => format!("part {p} of ticket {id} is not in the cache"),
            None => format!("ticket {id} is not in the cache (unknown id or inbox number, or deleted)"),
        })
    }

    #[tool(
        description = "Count cached tickets in a time window (on created_at unless `date_field` says \
updated_at), grouped by state (default), category, type, team, admin, day, week or month, with the same filters \
as search_tickets. Example: open tickets per team = {\"group_by\": \"team\", \"open\": true}. `none` buckets \
are unassigned tickets.",
        annotations(title = "Ticket statistics", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn ticket_stats(
        &self,
        Parameters(a): Parameters<TicketStatsArgs>,
    ) -> Result<Json<Answer<Stats>>, ToolError> {
        let (q, max_staleness) = a.checked(now())?;
        let ask = Ask {
            max_staleness,
            window_start: Some(q.since.unwrap_or(i64::MIN)),
        };
        self.answer_tickets(Vec::new(), ask, move |conn, notes| {
            let mut stats = read::ticket_stats::stats(conn, &q)?;
            if stats.buckets.len() > MAX_BUCKETS {
                notes.push(format!(
                    "{} buckets; only the first {MAX_BUCKETS} are listed (the total counts them all): narrow \
                     the window or group by a longer period",
                    stats.buckets.len()
                ));
                stats.buckets.truncate(MAX_BUCKETS);
            }
            Ok(stats)
        })
        .await
    }
}
