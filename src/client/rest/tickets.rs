//! The REST path for tickets: `POST /tickets/search` with the DSL built from a [`TicketSearchRequest`],
//! `GET /tickets/{id}` (the API id), and counts grouped here from the matching tickets; Intercom's answers
//! become records ([`wire::ticket`]) and answers through [`project::tickets`], as the cache's do.
//!
//! Intercom's ticket search cannot match words in parts (only `title` and `description`, as substrings),
//! cannot filter by company, and takes a ticket type by id (a name is looked up in `GET /ticket_types`).

use super::{Directory, PAGE, Rest, RestError, RestNames};
use crate::client::{TicketSearchRequest, TicketStatsRequest};
use crate::intercom::{Contact, Ticket};
use crate::model::{
    DateField, GroupBy, Stats, StatsBucket, TicketDetail, TicketGroupBy, TicketSearchResult, TicketSummary,
};
use crate::project;
use crate::record::{TicketRecord, wire};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Intercom allows at most 15 filters per group.
const MAX_FILTERS: usize = 15;

/// A number when the id is one (Intercom types these fields as integers), else the text.
fn id_value(v: &str) -> Value {
    v.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(v))
}

/// The search DSL for a request; `type_id` and `contact_id` already resolved.
pub(super) fn ticket_query(
    req: &TicketSearchRequest,
    field: DateField,
    type_id: Option<&str>,
    contact_id: Option<&str>,
) -> Result<Value, RestError> {
    let fl = &req.filters;
    if fl.company.is_some() {
        return Err(RestError::Unsupported(
            "Intercom's ticket search cannot filter by company".into(),
        ));
    }
    let f = match field {
        DateField::CreatedAt => "created_at",
        DateField::UpdatedAt => "updated_at",
    };
    let mut filters = Vec::new();
    if let Some(s) = req.since {
        // Exact seconds: `> s - 1` is `>= s`, which Intercom allows on created_at only.
        filters.push(json!({"field": f, "operator": ">", "value": s.saturating_sub(1)}));
    }
    if let Some(u) = req.until {
        filters.push(json!({"field": f, "operator": "<", "value": u}));
    }
    if let Some(s) = &fl.state {
        filters.push(json!({"field": "state", "operator": "=", "value": s.trim().to_ascii_lowercase()}));
    }
    if let Some(c) = &fl.category {
        // Intercom searches categories by these terms.
        let term = match c.trim().to_ascii_lowercase().as_str() {
            "customer" => "request",
            "back-office" => "task",
            _ => "tracker",
        };
        filters.push(json!({"field": "category", "operator": "=", "value": term}));
    }
    if let Some(t) = type_id {
        filters.push(json!({"field": "ticket_type_id", "operator": "=", "value": id_value(t)}));
    }
    for (field, v) in [
        ("admin_assignee_id", &fl.admin_id),
        ("team_assignee_id", &fl.team_id),
    ] {
        if let Some(v) = v.as_deref().map(str::trim) {
            let none = matches!(v.to_ascii_lowercase().as_str(), "none" | "unassigned" | "0");
            // Unassigned is 0 on tickets.
            let value = if none { json!(0) } else { id_value(v) };
            filters.push(json!({"field": field, "operator": "=", "value": value}));
        }
    }
    if let Some(c) = contact_id {
        filters.push(json!({"field": "contact_ids", "operator": "=", "value": c}));
    }
    if let Some(o) = fl.open {
        filters.push(json!({"field": "open", "operator": "=", "value": o}));
    }
    for w in req.words() {
        let w = w.to_lowercase();
        filters.push(json!({"operator": "OR", "value": [
            {"field": "title", "operator": "~", "value": w},
            {"field": "description", "operator": "~", "value": w},
        ]}));
    }
    if filters.len() > MAX_FILTERS {
        return Err(RestError::Unsupported(format!(
            "Intercom's search takes at most {MAX_FILTERS} filters, this question needs {}: use fewer words",
            filters.len()
        )));
    }
    Ok(match filters.len() {
        // Intercom needs a filter: this one matches every ticket.
        0 => json!({"field": "created_at", "operator": ">", "value": 0}),
        1 => filters.remove(0),
        _ => json!({"operator": "AND", "value": filters}),
    })
}

/// The outcome of resolving a request's names to ids: the DSL, or "nothing can match".
enum Resolved {
    Query(Value),
    Nothing,
}

impl Rest {
    /// The request as Intercom's DSL: a type name and a contact email looked up first.
    async fn resolve(&self, req: &TicketSearchRequest, field: DateField) -> Result<Resolved, RestError> {
        let mut type_id = None;
        if let Some(t) = req.filters.ticket_type.as_deref().map(str::trim) {
            if t.parse::<i64>().is_ok() {
                type_id = Some(t.to_string());
            } else {
                let types = self.api.ticket_types().await?;
                match types
                    .into_iter()
                    .find(|x| x.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(t)))
                {
                    Some(x) => type_id = Some(x.id),
                    None => return Ok(Resolved::Nothing),
                }
            }
        }
        let mut contact_id = None;
        if let Some(c) = req.filters.contact.as_deref().map(str::trim) {
            if c.contains('@') {
                match self.contact_by_email(c).await? {
                    Some(k) => contact_id = Some(k.id),
                    None => return Ok(Resolved::Nothing),
                }
            } else {
                contact_id = Some(c.to_string());
            }
        }
        ticket_query(req, field, type_id.as_deref(), contact_id.as_deref()).map(Resolved::Query)
    }

    /// The contacts named on these tickets (every one when `all`, else the first of each).
    async fn ticket_contacts(
        &self,
        tickets: &[&Ticket],
        all: bool,
    ) -> Result<HashMap<String, Contact>, RestError> {
        let ids: HashSet<String> = tickets
            .iter()
            .flat_map(|t| t.contacts.iter().take(if all { usize::MAX } else { 1 }))
            .map(|c| c.id.clone())
            .collect();
        self.contacts_by_id(ids).await
    }

    pub async fn search_tickets(&self, req: &TicketSearchRequest) -> Result<TicketSearchResult, RestError> {
        self.bounded(async {
            let query = match self.resolve(req, req.field()).await? {
                Resolved::Query(q) => q,
                Resolved::Nothing => {
                    return Ok(TicketSearchResult {
                        tickets: Vec::new(),
                        next_cursor: None,
                        total: Some(0),
                        total_is_lower_bound: false,
                    });
                }
            };
            let sort = json!({"field": "updated_at", "order": "descending"});
            let search = async {
                self.api
                    .search_tickets(&query, Some(&sort), req.page_size(), None)
                    .await
                    .map_err(RestError::from)
            };
            let (page, dir) = tokio::try_join!(search, self.directory())?;
            let refs: Vec<&Ticket> = page.items.iter().collect();
            let contacts = self.ticket_contacts(&refs, false).await?;
            Ok(TicketSearchResult {
                tickets: page.items.iter().map(|t| summary(t, &dir, &contacts)).collect(),
                next_cursor: page.next,
                total: None,
                total_is_lower_bound: false,
            })
        })
        .await
    }

    pub async fn ticket(&self, id: &str) -> Result<Option<TicketDetail>, RestError> {
        self.bounded(async {
            let get = async { self.api.get_ticket(id).await.map_err(RestError::from) };
            let (found, dir) = tokio::try_join!(get, self.directory())?;
            let Some(t) = found else {
                return Ok(None);
            };
            let contacts = self.ticket_contacts(&[&t], true).await?;
            let names = &mut RestNames {
                dir: &dir,
                contacts: &contacts,
            };
            Ok(Some(project::tickets::detail_with_parts(wire::ticket(&t), names)))
        })
        .await
    }

    pub async fn ticket_stats(&self, req: &TicketStatsRequest) -> Result<Stats, RestError> {
        self.bounded(async {
            let filters = TicketSearchRequest {
                since: req.since,
                until: req.until,
                filters: req.filters.clone(),
                ..Default::default()
            };
            let query = match self.resolve(&filters, req.field()).await? {
                Resolved::Query(q) => q,
                Resolved::Nothing => Value::Null,
            };
            let mut all: Vec<TicketRecord> = Vec::new();
            if !query.is_null() {
                let sort = json!({"field": "updated_at", "order": "descending"});
                let mut pages = Box::pin(self.api.ticket_search_pages(query, Some(sort), PAGE));
                let mut seen = HashSet::new();
                let mut n = 0;
                while let Some(page) = pages.next().await {
                    let page = page?;
                    n += 1;
                    for t in page.items {
                        if seen.insert(t.id.clone()) {
                            all.push(wire::ticket(&t));
                        }
                    }
                    if n >= self.max_pages && page.next.is_some() {
                        return Err(RestError::Unsupported(format!(
                            "more than {} tickets match ({} pages of {PAGE}), too many to count over REST: \
                             narrow the window or let the cache answer",
                            all.len(),
                            self.max_pages
                        )));
                    }
                }
            }
            let dir = self.directory().await?;
            Ok(group(&all, req, &dir))
        })
        .await
    }
}

/// A ticket from a search, projected as the cache summarises a synced row.
fn summary(t: &Ticket, dir: &Directory, contacts: &HashMap<String, Contact>) -> TicketSummary {
    let mut record = wire::ticket(t);
    project::tickets::summary(&mut record, &mut RestNames { dir, contacts })
}

/// Count tickets per bucket as `ticket_stats` does: by count (then key), periods in time order.
fn group(all: &[TicketRecord], req: &TicketStatsRequest, dir: &Directory) -> Stats {
    let period = req.group_by.period();
    let mut counts: BTreeMap<String, (i64, Option<String>)> = BTreeMap::new();
    for t in all {
        let (key, label) = match req.group_by {
            TicketGroupBy::State => (t.state_category.clone(), None),
            TicketGroupBy::Category => (t.category.clone(), None),
            TicketGroupBy::Type => (t.ticket_type_id.clone(), t.ticket_type_name.clone()),
            TicketGroupBy::Team => (t.team_assignee_id.clone(), None),
            TicketGroupBy::Admin => (t.admin_assignee_id.clone(), None),
            _ => {
                let at = match req.field() {
                    DateField::CreatedAt => t.created_at,
                    DateField::UpdatedAt => t.updated_at,
                };
                (period.unwrap_or(GroupBy::Day).period_key(at), None)
            }
        };
        let e = counts
            .entry(key.unwrap_or_else(|| "none".into()))
            .or_insert((0, None));
        e.0 += 1;
        if label > e.1 {
            e.1 = label;
        }
    }
    let mut buckets: Vec<StatsBucket> = counts
        .into_iter()
        .map(|(key, (count, label))| {
            let label = match req.group_by {
                TicketGroupBy::Team => dir.teams.get(&key).cloned().flatten(),
                TicketGroupBy::Admin => dir.admins.get(&key).and_then(|(n, _)| n.clone()),
                _ => label,
            };
            StatsBucket {
                key,
                label,
                count,
                ..Default::default()
            }
        })
        .collect();
    if period.is_none() {
        buckets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    }
    Stats {
        group_by: req.group_by.name().into(),
        since: req.since,
        until: req.until,
        total: buckets.iter().map(|b| b.count).sum(),
        buckets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TicketFilters;

    #[test]
    fn the_dsl_for_a_ticket_search() {
        let req = TicketSearchRequest {
            text: Some("Refund now".into()),
            since: Some(100),
            filters: TicketFilters {
                state: Some("Submitted".into()),
                category: Some("Back-office".into()),
                team_id: Some("none".into()),
                open: Some(true),
                ..Default::default()
            },
            ..Default::default()
        };
        let q = ticket_query(&req, DateField::UpdatedAt, Some("42"), Some("abc")).unwrap();
        let f = q["value"].as_array().unwrap();
        assert_eq!(f[0], json!({"field": "updated_at", "operator": ">", "value": 99}));
        assert_eq!(f[1]["value"], "submitted");
        assert_eq!(f[2]["value"], "task");
        assert_eq!(f[3]["value"], 42);
        assert_eq!(
            f[4],
            json!({"field": "team_assignee_id", "operator": "=", "value": 0})
        );
        assert_eq!(f[5]["value"], "abc");
        assert_eq!(f[7]["operator"], "OR");
        assert_eq!(f[7]["value"][1]["value"], "refund");
        let all = ticket_query(&TicketSearchRequest::default(), DateField::UpdatedAt, None, None).unwrap();
        assert_eq!(all["operator"], ">");
        let company = TicketSearchRequest {
            filters: TicketFilters {
                company: Some("ACME".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(matches!(
            ticket_query(&company, DateField::UpdatedAt, None, None),
            Err(RestError::Unsupported(_))
        ));
    }
}
