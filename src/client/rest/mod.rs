//! The REST path: the same questions asked of Intercom's API, answered in the same [`crate::model`]
//! types the cache gives: Intercom's answers become records ([`crate::record::wire`], as the sync makes
//! them) and answers through the projection the cache uses ([`crate::project`]), with names from the
//! directory and contacts fetched here (`RestNames`).
//!
//! - Search: `POST /conversations/search` with the window on `created_at`/`updated_at`, the state, and one
//!   `source.body ~ word` filter per word (AND). Intercom can only match text in the **opening message**;
//!   the cache matches every part. Sorted by `updated_at` descending.
//! - Stats: the window search walked page by page (at most `rest_stats_max_pages`) and grouped here.
//! - Filters ([`crate::model::ConversationFilters`]): [`query`] says which the search DSL can express
//!   (search: state, assignees, tag, contact; stats: state, assignees); any other is refused by name
//!   ([`RestError::Unsupported`]), never ignored.
//! - Admin, team and tag names come from `GET /admins|/teams|/tags`, reused for `directory_ttl`; contacts
//!   named on conversations are fetched once and reused for the same time.
//!
//! - Tickets (`tickets`): `POST /tickets/search` with the DSL (words in titles and descriptions only),
//!   `GET /tickets/{id}` by API id, counts by reading the matching tickets.
//!
//! Every call is bounded by `rest_timeout` (retries and rate-limit waits included); a spent rate-limit
//! budget that refills after that bound fails at once; after Intercom failed to answer at all (timeout,
//! connection failure, 5xx after retries), calls fail at once for `rest_down_cooldown`.

pub mod query;
mod stats;
mod tickets;
pub mod workspace;

use super::{ClientConfig, SearchRequest, StatsRequest};
use crate::intercom::{ApiConfig, ApiError, Contact, Conversation, IntercomClient};
use crate::model::{ContactDetail, ConversationDetail, ConversationSummary, SearchResult, Stats};
use crate::project::{self, Known, Names};
use crate::record::wire;
use futures_util::StreamExt;
use query::{and_also, assignee_filters, refuse_search, refuse_stats, search_query};
use serde_json::json;
use stats::group;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Intercom's page size for searches.
const PAGE: u32 = 150;
/// How often a REST call in flight looks whether a 429 has said the budget is spent.
const BUDGET_POLL: Duration = Duration::from_millis(20);

/// Why the REST path gave no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RestError {
    /// No token, or a client that could not be built.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Api(#[from] ApiError),
    /// The answer took longer than `rest_timeout` (often: rate limited and waiting for the window).
    #[error("{}", if *.rate_limited {
        format!("rate limited by Intercom (429), still waiting for its next window after {secs} s")
    } else {
        format!("no answer within {secs} s")
    })]
    TimedOut { secs: u64, rate_limited: bool },
    /// The rate-limit budget is spent until `until` (Unix seconds), later than this call may wait.
    #[error(
        "rate limited by Intercom: the app's rate-limit budget (shared with the sync) is spent until {}; not waiting for it",
        crate::model::iso_utc(*until).unwrap_or_else(|| until.to_string())
    )]
    BudgetSpent { until: i64 },
    /// Intercom failed to answer at all moments ago (`error`); not asked again until the cooldown ends.
    #[error("{error}, {secs_ago} s ago; not asking Intercom again for {retry_in} s")]
    RecentlyDown {
        secs_ago: u64,
        retry_in: u64,
        error: String,
    },
    /// The request cannot be asked of Intercom as is.
    #[error("{0}")]
    Unsupported(String),
}

/// Admin, team and tag names.
#[derive(Default)]
struct Directory {
    admins: HashMap<String, (Option<String>, Option<String>)>,
    teams: HashMap<String, Option<String>>,
    tags: HashMap<String, String>,
}

/// Intercom over REST with small caches for names.
pub struct Rest {
    api: IntercomClient,
    timeout: Duration,
    ttl: Duration,
    max_pages: usize,
    dir: tokio::sync::Mutex<Option<(Instant, Arc<Directory>)>>,
    contacts: tokio::sync::Mutex<HashMap<String, (Instant, Option<Contact>)>>,
    /// When Intercom last failed to answer at all, and how: no live call is tried for `cooldown` after.
    down: std::sync::Mutex<Option<(Instant, String)>>,
    cooldown: Duration,
}

impl Rest {
    pub fn new(api: ApiConfig, cfg: &ClientConfig) -> Result<Self, ApiError> {
        let client = IntercomClient::new(api)?;
        // A few requests per answer: no need to pace ahead of the budget (that is for the sync). A spent
        // budget then shows as a 429, counted at once, so a timeout can say "rate limited" for sure.
        client.set_proactive_throttle(false);
        Ok(Rest {
            api: client,
            timeout: cfg.rest_timeout,
            ttl: cfg.directory_ttl,
            max_pages: cfg.rest_stats_max_pages.max(1),
            dir: tokio::sync::Mutex::new(None),
            contacts: tokio::sync::Mutex::new(HashMap::new()),
            down: std::sync::Mutex::new(None),
            cooldown: cfg.rest_down_cooldown,
        })
    }

    /// The underlying API client (its request counters, for benchmarks and tests).
    pub fn api(&self) -> &IntercomClient {
        &self.api
    }

    /// Run `f` within the timeout; a timeout says whether 429s were seen meanwhile. When the rate-limit
    /// budget (shared with the sync) is spent until after the timeout, give up at once instead of waiting:
    /// before sending anything, or as soon as a 429 says so.
    async fn bounded<T>(&self, f: impl Future<Output = Result<T, RestError>>) -> Result<T, RestError> {
        let deadline_ms = chrono::Utc::now().timestamp_millis() + self.timeout.as_millis() as i64;
        let spent = || {
            self.api
                .rate_limited_until()
                .filter(|reset| reset * 1000 > deadline_ms)
        };
        if let Some(until) = spent() {
            return Err(RestError::BudgetSpent { until });
        }
        let recent = self.down.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((at, error)) = recent.filter(|(at, _)| at.elapsed() < self.cooldown) {
            return Err(RestError::RecentlyDown {
                secs_ago: at.elapsed().as_secs(),
                retry_in: (self.cooldown - at.elapsed()).as_secs().max(1),
                error,
            });
        }
        // On the heap: a REST answer's future is large, and debug builds keep every layer on the stack.
        let r = Box::pin(self.bounded_call(Box::pin(f), spent)).await;
        let failed_outright = match &r {
            Err(RestError::TimedOut { rate_limited, .. }) => !rate_limited,
            Err(RestError::Api(e)) => matches!(e, ApiError::Transport(_) | ApiError::Server { .. }),
            _ => false,
        };
        let mut down = self.down.lock().unwrap_or_else(|p| p.into_inner());
        match &r {
            Err(e) if failed_outright => *down = Some((Instant::now(), e.to_string())),
            Ok(_) => *down = None,
            Err(_) => {}
        }
        r
    }

    async fn bounded_call<T>(
        &self,
        f: impl Future<Output = Result<T, RestError>>,
        spent: impl Fn() -> Option<i64>,
    ) -> Result<T, RestError> {
        let before = self.api.stats();
        let watch = async {
            loop {
                tokio::time::sleep(BUDGET_POLL).await;
                if let Some(until) = spent() {
                    return until;
                }
            }
        };
        tokio::select! {
            r = tokio::time::timeout(self.timeout, f) => match r {
                Ok(r) => r,
                Err(_) => {
                    let after = self.api.stats();
                    Err(RestError::TimedOut {
                        secs: self.timeout.as_secs(),
                        rate_limited: after.rate_limited > before.rate_limited,
                    })
                }
            },
            until = watch => Err(RestError::BudgetSpent { until }),
        }
    }

    pub async fn search(&self, req: &SearchRequest) -> Result<SearchResult, RestError> {
        let f = &req.filters;
        refuse_search(f)?;
        self.bounded(async {
            let query = search_query(
                req.since,
                req.until,
                req.field(),
                f.state.as_deref(),
                &req.words(),
            )?;
            let mut extra = assignee_filters(f);
            if let Some(tag) = f.tag.as_deref().map(str::trim) {
                // Intercom filters by tag id; the cache takes a name too.
                let dir = self.directory().await?;
                let id = dir
                    .tags
                    .iter()
                    .find(|(id, name)| id.as_str() == tag || name.eq_ignore_ascii_case(tag))
                    .map(|(id, _)| id.clone());
                let Some(id) = id else {
                    // No conversation carries a tag the workspace does not have.
                    return Ok(SearchResult {
                        conversations: Vec::new(),
                        next_cursor: None,
                        total: Some(0),
                        total_is_lower_bound: false,
                    });
                };
                extra.push(json!({"field": "tag_ids", "operator": "=", "value": id}));
            }
            if let Some(email) = f.contact_email.as_deref().map(str::trim) {
                // Intercom filters by contact id: find the contact first.
                let Some(c) = self.contact_by_email(email).await? else {
                    return Ok(SearchResult {
                        conversations: Vec::new(),
                        next_cursor: None,
                        total: Some(0),
                        total_is_lower_bound: false,
                    });
                };
                extra.push(json!({"field": "contact_ids", "operator": "=", "value": c.id}));
            }
            let query = and_also(query, extra)?;
            let sort = json!({"field": "updated_at", "order": "descending"});
            // The names are fetched while the search runs (when not already known).
            let search = async {
                self.api
                    .search_conversations(&query, Some(&sort), req.page_size(), None)
                    .await
                    .map_err(RestError::from)
            };
            let (page, _) = tokio::try_join!(search, self.directory())?;
            Ok(SearchResult {
                conversations: self.summaries(&page.items).await?,
                next_cursor: page.next,
                total: None,
                total_is_lower_bound: false,
            })
        })
        .await
    }

    pub async fn conversation(&self, id: &str) -> Result<Option<ConversationDetail>, RestError> {
        self.bounded(async {
            let get = async { self.api.get_conversation(id).await.map_err(RestError::from) };
            let (found, dir) = tokio::try_join!(get, self.directory())?;
            let Some(c) = found else {
                return Ok(None);
            };
            let contacts = self.contacts_for(std::slice::from_ref(&c)).await?;
            Ok(Some(detail(&c, &dir, &contacts)))
        })
        .await
    }

    pub async fn contact(&self, key: &str) -> Result<Option<ContactDetail>, RestError> {
        self.bounded(async {
            let (id, email) = super::cache::split_contact_key(key);
            let contact = match (id, email) {
                (Some(id), _) => self.api.get_contact(&id).await?,
                (None, Some(email)) => self.contact_by_email(&email).await?,
                (None, None) => None,
            };
            let Some(c) = contact else { return Ok(None) };
            self.remember_contact(&c).await;
            let dir = self.directory().await?;
            let q = json!({"field": "contact_ids", "operator": "=", "value": c.id});
            let sort = json!({"field": "updated_at", "order": "descending"});
            let page = self
                .api
                .search_conversations(&q, Some(&sort), super::cache::CONTACT_RECENT as u32, None)
                .await?;
            let recent = self.summaries(&page.items).await?;
            let names = &mut RestNames {
                dir: &dir,
                contacts: &HashMap::new(),
            };
            Ok(Some(project::contacts::contact(wire::contact(&c), recent, names)))
        })
        .await
    }

    pub async fn stats(&self, req: &StatsRequest) -> Result<Stats, RestError> {
        let f = &req.filters;
        refuse_stats(f)?;
        self.bounded(async {
            let field = req.field();
            let query = search_query(req.since, req.until, field, f.state.as_deref(), &[])?;
            let query = and_also(query, assignee_filters(f))?;
            let sort = json!({"field": "updated_at", "order": "descending"});
            let mut pages = Box::pin(self.api.conversation_search_pages(query, Some(sort), PAGE));
            let mut all: Vec<Conversation> = Vec::new();
            let mut seen = HashSet::new();
            let mut n = 0;
            while let Some(page) = pages.next().await {
                let page = page?;
                n += 1;
                for c in page.items {
                    if seen.insert(c.id.clone()) {
                        all.push(c);
                    }
                }
                if n >= self.max_pages && page.next.is_some() {
                    return Err(RestError::Unsupported(format!(
                        "the window holds more than {} conversations ({} pages of {PAGE}), too many to count \
                         over REST: narrow the window or let the cache answer",
                        all.len(),
                        self.max_pages
                    )));
                }
            }
            let dir = self.directory().await?;
            Ok(group(&all, req, &dir))
        })
        .await
    }

    /// The most recently updated contact with exactly this email (case-insensitive).
    async fn contact_by_email(&self, email: &str) -> Result<Option<Contact>, RestError> {
        let q = json!({"field": "email", "operator": "=", "value": email});
        let sort = json!({"field": "updated_at", "order": "descending"});
        let page = self.api.search_contacts(&q, Some(&sort), 10, None).await?;
        // Intercom's email match may be looser than ours: keep exact (case-insensitive) matches.
        Ok(page
            .items
            .into_iter()
            .find(|c| c.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email))))
    }

    async fn directory(&self) -> Result<Arc<Directory>, RestError> {
        let mut slot = self.dir.lock().await;
        if let Some((at, d)) = slot.as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(Arc::clone(d));
        }
        let (admins, teams, tags) = tokio::try_join!(self.api.admins(), self.api.teams(), self.api.tags())?;
        let d = Arc::new(Directory {
            admins: admins.into_iter().map(|a| (a.id, (a.name, a.email))).collect(),
            teams: teams.into_iter().map(|t| (t.id, t.name)).collect(),
            tags: tags.into_iter().map(|t| (t.id, t.name)).collect(),
        });
        *slot = Some((Instant::now(), Arc::clone(&d)));
        Ok(d)
    }

    async fn remember_contact(&self, c: &Contact) {
        self.contacts
            .lock()
            .await
            .insert(c.id.clone(), (Instant::now(), Some(c.clone())));
    }

    /// The first contact of each conversation, fetched (in parallel) unless known recently.
    async fn contacts_for(&self, convs: &[Conversation]) -> Result<HashMap<String, Contact>, RestError> {
        let ids: HashSet<String> = convs
            .iter()
            .filter_map(|c| c.contacts.first().map(|r| r.id.clone()))
            .collect();
        self.contacts_by_id(ids).await
    }

    /// These contacts, fetched (in parallel) unless known recently; merged or unknown ones are left out.
    async fn contacts_by_id(&self, ids: HashSet<String>) -> Result<HashMap<String, Contact>, RestError> {
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        {
            let known = self.contacts.lock().await;
            for id in ids {
                match known.get(&id) {
                    Some((at, c)) if at.elapsed() < self.ttl => {
                        if let Some(c) = c {
                            out.insert(id, c.clone());
                        }
                    }
                    _ => missing.push(id),
                }
            }
        }
        let fetched: Vec<(String, Result<Option<Contact>, ApiError>)> = futures_util::stream::iter(missing)
            .map(|id| async move {
                let r = self.api.get_contact(&id).await;
                (id, r)
            })
            .buffer_unordered(self.api.concurrency())
            .collect()
            .await;
        let mut known = self.contacts.lock().await;
        for (id, r) in fetched {
            let c = match r {
                Ok(c) => c,
                // A merged contact: keep the conversation, without the contact's details.
                Err(ApiError::Merged { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            known.insert(id.clone(), (Instant::now(), c.clone()));
            if let Some(c) = c {
                out.insert(id, c);
            }
        }
        Ok(out)
    }

    async fn summaries(&self, convs: &[Conversation]) -> Result<Vec<ConversationSummary>, RestError> {
        let (dir, contacts) = tokio::try_join!(self.directory(), self.contacts_for(convs))?;
        Ok(convs.iter().map(|c| summary(c, &dir, &contacts)).collect())
    }
}

/// Names as the REST path knows them: the directory and the contacts it fetched.
struct RestNames<'a> {
    dir: &'a Directory,
    contacts: &'a HashMap<String, Contact>,
}

impl Names for RestNames<'_> {
    fn admin(&mut self, id: &str) -> Option<Known> {
        self.dir.admins.get(id).map(|(name, email)| Known {
            name: name.clone(),
            email: email.clone(),
            role: None,
        })
    }
    fn team(&mut self, id: &str) -> Option<String> {
        self.dir.teams.get(id).cloned().flatten()
    }
    fn contact(&mut self, id: &str) -> Option<Known> {
        self.contacts.get(id).map(|k| Known {
            name: k.name.clone(),
            email: k.email.clone(),
            role: k.role.clone(),
        })
    }
    fn tag(&mut self, id: &str) -> Option<String> {
        self.dir.tags.get(id).cloned()
    }
}

/// A conversation from a list or search, projected as the cache summarises a synced row.
fn summary(c: &Conversation, dir: &Directory, contacts: &HashMap<String, Contact>) -> ConversationSummary {
    let mut record = wire::conversation_fields(c, false);
    project::conversations::summary(&mut record, &mut RestNames { dir, contacts })
}

/// A conversation with its parts, projected as the cache gives a synced one.
fn detail(c: &Conversation, dir: &Directory, contacts: &HashMap<String, Contact>) -> ConversationDetail {
    let record = wire::conversation_fields(c, true);
    project::conversations::detail_with_parts(record, &mut RestNames { dir, contacts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_say_whether_intercom_was_rate_limiting() {
        let e = RestError::TimedOut {
            secs: 20,
            rate_limited: true,
        };
        assert_eq!(
            e.to_string(),
            "rate limited by Intercom (429), still waiting for its next window after 20 s"
        );
        let e = RestError::TimedOut {
            secs: 20,
            rate_limited: false,
        };
        assert_eq!(e.to_string(), "no answer within 20 s");
    }
}
