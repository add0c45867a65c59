//! The MCP tools: argument schemas (schemars), descriptions an LLM can act on, validation, and the call
//! into [`crate::store::read`] on the connection pool. Every answer is structured content carrying the
//! cache's [`Freshness`](crate::model::Freshness) and notes (see [`super::freshness`]). Bad arguments become tool
//! errors (`isError: true`) with a one-line reason;
//! arguments of the wrong JSON type are rejected by rmcp as JSON-RPC "invalid params".

use super::args::{
    ConversationAsk, ConversationStatsArgs, FreshnessArgs, GetContactArgs, GetConversationArgs,
    SearchContactsArgs, SearchConversationsArgs, check_limit, nonempty, parse_cursor,
};
use super::asks::{SearchAsk, StatsAsk};
use super::budget::{RESERVE, WHOLE_PART_CHARS, check_budget, cut_note, fitting, page_conversation};
use super::freshness::{self, Ask, parse_max_staleness};
use super::pool::Db;
use crate::answer::{
    AdminList, Answer, ContactList, SyncStatus, TagList, TeamList, ToolError, encode_cursor, now,
};
use crate::model::{ContactDetail, ConversationPage, SearchResult, Stats};
use crate::store::metadata;
use crate::store::read;
use crate::store::read::conversations::{SearchQuery, Sort};
use crate::store::read::stats::StatsQuery;

use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::{Json, tool, tool_router};
use std::sync::Arc;

pub use super::args::{DEFAULT_LIMIT, MAX_LIMIT};
/// Recent conversations listed with a contact.
const CONTACT_RECENT: usize = 10;
const CONTACT_SEARCH_RECENT: usize = 3;
/// Most buckets a `conversation_stats` answer lists.
const MAX_BUCKETS: usize = 400;

/// What a tool method returns. The `#[tool]` macro derives `outputSchema` only from a literal
/// `Result<Json<T>, E>` return type, so the tool methods spell it out instead of using this alias.
pub(super) type ToolResult<T> = Result<Json<Answer<T>>, ToolError>;

/// The tool set over one database.
#[derive(Clone)]
pub struct IntercomTools {
    pub(super) db: Arc<Db>,
    pub(super) tool_router: ToolRouter<Self>,
}

impl IntercomTools {
    pub fn new(db: Arc<Db>) -> Self {
        IntercomTools {
            db,
            tool_router: Self::tool_router()
                + Self::connector_router()
                + Self::tickets_router()
                + Self::workspace_router(),
        }
    }

    /// Run a read with the freshness stamp (and its notes) from the same connection; the read may add
    /// notes of its own.
    pub(super) async fn answer<T, F>(&self, notes: Vec<String>, ask: Ask, f: F) -> ToolResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection, &mut Vec<String>) -> anyhow::Result<T> + Send + 'static,
    {
        self.answer_for(None, notes, ask, f).await
    }

    /// [`Self::answer`] stamped from one resource's own `sync_metadata` row (`tickets`, `companies`,
    /// ...), or the `overall` row when None.
    pub(super) async fn answer_for<T, F>(
        &self,
        resource: Option<&'static str>,
        notes: Vec<String>,
        ask: Ask,
        f: F,
    ) -> ToolResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection, &mut Vec<String>) -> anyhow::Result<T> + Send + 'static,
    {
        let now = now();
        let mut notes = notes;
        let path = self.db.path().to_path_buf();
        let max = self.db.max_staleness_seconds();
        self.db
            .run(move |conn| {
                let result = f(conn, &mut notes)?;
                let (freshness, fresh_notes) =
                    freshness::stamp_resource(conn, &path, now, max, ask, resource)?;
                notes.extend(fresh_notes);
                Ok(Answer {
                    result,
                    freshness,
                    notes,
                })
            })
            .await
            .map(Json)
            .map_err(|e| {
                tracing::warn!(error = format!("{e:#}"), "tool call failed");
                ToolError::Failed(format!("{e:#}"))
            })
    }
}

/// Bytes the notes gathered so far take in the answer.
pub(super) fn notes_len(notes: &[String]) -> usize {
    notes.iter().map(|n| n.len() + 3).sum()
}

/// Turn "not found" into a tool error after the read: `kind` and `id` machine-readable, `what` the
/// sentence.
pub(super) fn found<T>(
    r: ToolResult<Option<T>>,
    kind: &str,
    id: &str,
    what: impl FnOnce() -> String,
) -> ToolResult<T> {
    let Json(a) = r?;
    match a.result {
        Some(result) => Ok(Json(Answer {
            result,
            freshness: a.freshness,
            notes: a.notes,
        })),
        None => Err(ToolError::not_found(kind, id, what())),
    }
}

#[tool_router(router = tool_router)]
impl IntercomTools {
    #[tool(
        description = "Search cached Intercom conversations by full text and/or filters (time window, state, \
assignee admin or team, tag, contact email, priority, channel, rating, waiting for a reply, SLA status, custom \
attribute, Fin/AI participation). Example: open \
conversations waiting longest for a reply = {\"state\": \"open\", \"waiting\": true, \"sort\": \"waiting_longest\"}. Returns conversation summaries (id, title, state, assignees, \
contact, tags, snippet; with a query also `matched`: the best-matching passage with its part id, author and \
time), `total` matches (counted up to 1000) and `next_cursor` for the next page. Answers stay within about 32 KB (`max_bytes`, up \
to 128 KB): when fewer results than `limit` fit, a note says so and `next_cursor` continues. Use \
get_conversation for the full thread.",
        annotations(
            title = "Search conversations",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn search_conversations(
        &self,
        Parameters(a): Parameters<SearchConversationsArgs>,
    ) -> Result<Json<Answer<SearchResult>>, ToolError> {
        let max_bytes = a.max_bytes;
        let SearchAsk {
            text,
            limit,
            mut notes,
            sort,
            offset,
            since,
            until,
            date_field,
            filters,
            max_staleness,
            ..
        } = a.checked(now())?;
        let budget = check_budget(max_bytes, &mut notes)?;
        if let Some(t) = &text {
            let terms = read::QueryTerms::parse(t);
            if terms.terms.is_empty() {
                notes.push("the query has no words to search for; filters only".into());
            }
            notes.extend(terms.note());
        }
        let sort = match sort {
            None if text.is_some() => Sort::Relevance,
            None => Sort::UpdatedDesc,
            Some(s) => Sort::parse(&s).ok_or("unreachable: sort names are checked")?,
        };
        let ask = Ask {
            max_staleness,
            window_start: since,
        };
        let q = SearchQuery {
            text,
            since,
            until,
            date_field,
            filters,
            sort,
            limit,
            offset,
        };
        self.answer(notes, ask, move |conn, notes| {
            let page = read::conversations::search(conn, &q)?;
            if let Some(n) = page.broad_matches {
                notes.push(format!(
                    "more than {n} conversations match; that is too broad to rank by relevance, so the most recently \
                     updated come first: add words or filters to narrow it"
                ));
            }
            let mut conversations = page.conversations;
            let room = budget.saturating_sub(RESERVE + notes_len(notes));
            let kept = fitting(&conversations, room, 1);
            let cut = kept < conversations.len();
            if cut {
                notes.push(cut_note(kept, conversations.len(), budget, "results"));
                conversations.truncate(kept);
            }
            Ok(SearchResult {
                next_cursor: (page.has_more || cut).then(|| encode_cursor(q.offset + kept)),
                conversations,
                total: page.total,
                total_is_lower_bound: page.total_is_lower_bound,
            })
        })
        .await
    }

    #[tool(
        description = "Get one cached conversation by id, a page at a time: the summary, the opening message \
(first page), then its replies, notes and events as plain text, oldest first (`order: newest_first` for the \
latest first), with each author listed once in `authors` (parts refer to them by key). A page stays within \
about 32 KB (`max_bytes`, up to 128 KB); `next_cursor` gives the next page, `parts_total` the count. Bodies \
over 4,000 characters are cut with a `[truncated]` marker (`truncated: true`): pass that part's id as \
`part_id` for its whole text.",
        annotations(title = "Get conversation", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn get_conversation(
        &self,
        Parameters(a): Parameters<GetConversationArgs>,
    ) -> Result<Json<Answer<ConversationPage>>, ToolError> {
        let ConversationAsk {
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
            .answer(notes, ask, move |conn, _| {
                let Some(mut d) = read::conversations::get(conn, &id2)? else {
                    return Ok(None);
                };
                if let Some(pid) = &part_id {
                    match read::conversations::part(conn, &id2, pid, WHOLE_PART_CHARS)? {
                        Some(p) => d.parts = vec![p],
                        None => return Ok(None),
                    }
                }
                Ok(Some(page_conversation(d, order, offset, budget, encode_cursor)))
            })
            .await;
        let (kind, key) = match &missing_part {
            Some(p) => ("part", p.clone()),
            None => ("conversation", id.clone()),
        };
        found(r, kind, &key, || match missing_part {
            Some(p) => format!("part {p} of conversation {id} is not in the cache"),
            None => format!(
                "conversation {id} is not in the cache (unknown id, deleted, or outside the synced window)"
            ),
        })
    }

    #[tool(
        description = "Get one cached contact (customer/lead) by `contact_id` or `email`, with their tags and \
their 10 most recently updated conversations.",
        annotations(title = "Get contact", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn get_contact(
        &self,
        Parameters(a): Parameters<GetContactArgs>,
    ) -> Result<Json<Answer<ContactDetail>>, ToolError> {
        let (id, email) = (nonempty(a.contact_id), nonempty(a.email));
        if id.is_none() && email.is_none() {
            return Err("give `contact_id` or `email`".into());
        }
        let ask = Ask {
            max_staleness: parse_max_staleness(a.max_staleness, now())?,
            ..Ask::default()
        };
        let what = id.clone().or(email.clone()).unwrap_or_default();
        let r = self
            .answer(Vec::new(), ask, move |conn, _| {
                read::contacts::get(conn, id.as_deref(), email.as_deref(), CONTACT_RECENT)
            })
            .await;
        found(r, "contact", &what.clone(), || {
            format!("contact {what} is not in the cache")
        })
    }

    #[tool(
        description = "Find cached contacts whose name or email contains the given text (case-insensitive), \
most recently updated first. Slim by default; `include_conversations: true` adds each contact's 3 most recent \
conversations. Answers stay within about 32 KB (`max_bytes`, up to 128 KB), with `next_cursor` for more.",
        annotations(title = "Search contacts", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn search_contacts(
        &self,
        Parameters(a): Parameters<SearchContactsArgs>,
    ) -> Result<Json<Answer<ContactList>>, ToolError> {
        let mut notes = Vec::new();
        let limit = check_limit(a.limit, &mut notes)?;
        let budget = check_budget(a.max_bytes, &mut notes)?;
        let offset = parse_cursor(a.cursor)?;
        let query = a.query.trim().to_string();
        if query.is_empty() {
            return Err("`query` is empty: give part of a name or email".into());
        }
        let recent = if a.include_conversations.unwrap_or(false) {
            CONTACT_SEARCH_RECENT
        } else {
            0
        };
        let ask = Ask {
            max_staleness: parse_max_staleness(a.max_staleness, now())?,
            ..Ask::default()
        };
        self.answer(notes, ask, move |conn, notes| {
            let (mut contacts, more) = read::contacts::search(conn, &query, limit, offset, recent)?;
            let room = budget.saturating_sub(RESERVE + notes_len(notes));
            let kept = fitting(&contacts, room, 1);
            let cut = kept < contacts.len();
            if cut {
                notes.push(cut_note(kept, contacts.len(), budget, "contacts"));
                contacts.truncate(kept);
            }
            Ok(ContactList {
                contacts,
                more: more || cut,
                next_cursor: (more || cut).then(|| encode_cursor(offset + kept)),
            })
        })
        .await
    }
    #[tool(
        description = "List the workspace's teammates (admins): id, name, email, job title, away mode, teams. \
Use the ids for `admin_id` filters.",
        annotations(title = "List admins", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn list_admins(
        &self,
        Parameters(a): Parameters<FreshnessArgs>,
    ) -> Result<Json<Answer<AdminList>>, ToolError> {
        let ask = Ask {
            max_staleness: parse_max_staleness(a.max_staleness, now())?,
            ..Ask::default()
        };
        self.answer(Vec::new(), ask, |conn, _| {
            Ok(AdminList {
                admins: read::directory::admins(conn)?,
            })
        })
        .await
    }

    #[tool(
        description = "List the workspace's teams with their members. Use the ids for `team_id` filters.",
        annotations(title = "List teams", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn list_teams(
        &self,
        Parameters(a): Parameters<FreshnessArgs>,
    ) -> Result<Json<Answer<TeamList>>, ToolError> {
        let ask = Ask {
            max_staleness: parse_max_staleness(a.max_staleness, now())?,
            ..Ask::default()
        };
        self.answer(Vec::new(), ask, |conn, _| {
            Ok(TeamList {
                teams: read::directory::teams(conn)?,
            })
        })
        .await
    }

    #[tool(
        description = "List the workspace's tags with how many cached conversations carry each.",
        annotations(title = "List tags", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn list_tags(
        &self,
        Parameters(a): Parameters<FreshnessArgs>,
    ) -> Result<Json<Answer<TagList>>, ToolError> {
        let ask = Ask {
            max_staleness: parse_max_staleness(a.max_staleness, now())?,
            ..Ask::default()
        };
        self.answer(Vec::new(), ask, |conn, _| {
            Ok(TagList {
                tags: read::directory::tags(conn)?,
            })
        })
        .await
    }

    #[tool(
        description = "Count cached conversations in a time window (on created_at unless `date_field` says \
updated_at), grouped by state, team, admin, tag, day, week or month, optionally only one state; with \
`figures: true` also CSAT and median/p90 first response and time to close per bucket. Takes the same \
filters as search_conversations (assignee, tag, priority, rating, waiting, SLA, custom attribute...). Example: open \
conversations per team this week = {\"since\": \"7d\", \"group_by\": \"team\", \"state\": \"open\"}. \
`none` buckets are unassigned or untagged conversations.",
        annotations(
            title = "Conversation statistics",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn conversation_stats(
        &self,
        Parameters(a): Parameters<ConversationStatsArgs>,
    ) -> Result<Json<Answer<Stats>>, ToolError> {
        let asked: StatsAsk = a.checked(now())?;
        let ask = Ask {
            max_staleness: asked.max_staleness,
            window_start: Some(asked.since.unwrap_or(i64::MIN)),
        };
        let q = StatsQuery {
            since: asked.since,
            until: asked.until,
            date_field: asked.date_field,
            group_by: asked.group_by,
            filters: asked.filters,
            figures: asked.figures,
        };
        self.answer(Vec::new(), ask, move |conn, notes| {
            let mut stats = read::stats::stats(conn, &q)?;
            if stats.buckets.len() > MAX_BUCKETS {
                notes.push(format!(
                    "{} buckets; only the first {MAX_BUCKETS} are listed (the total counts them all): \
                     narrow the window or group by a longer period",
                    stats.buckets.len()
                ));
                stats.buckets.truncate(MAX_BUCKETS);
            }
            Ok(stats)
        })
        .await
    }

    #[tool(
        description = "How fresh the cache is: one row per synced resource (overall, conversations, contacts, \
admins, teams, tags) with status, last success, coverage window, row counts and the last error.",
        annotations(title = "Sync status", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn get_sync_status(
        &self,
        Parameters(a): Parameters<FreshnessArgs>,
    ) -> Result<Json<SyncStatus>, ToolError> {
        let now = now();
        let ask = Ask {
            max_staleness: parse_max_staleness(a.max_staleness, now)?,
            ..Ask::default()
        };
        let path = self.db.path().to_path_buf();
        let max = self.db.max_staleness_seconds();
        self.db
            .run(move |conn| {
                let mut rows = metadata::read_all(conn)?;
                crate::status::apply_probe(&mut rows, crate::sync::lock::probe(&path).as_ref());
                let (freshness, notes) = freshness::stamp(conn, &path, now, max, ask)?;
                Ok(SyncStatus {
                    rows,
                    freshness,
                    now,
                    notes,
                })
            })
            .await
            .map(Json)
            .map_err(|e| ToolError::Failed(format!("{e:#}")))
    }
}
