//! The REST twins of the company and Help Center article tools: Intercom's answers → [`wire`] records →
//! the projection the cache uses ([`project::companies`], [`project::articles`]).
//!
//! - Companies: `GET /companies/{id}`, else `GET /companies?company_id=`, else `?name=` (exact); their
//!   contacts from `GET /companies/{id}/contacts`, and those contacts' recent conversations and tickets
//!   from `POST /conversations/search` and `POST /tickets/search` (`contact_ids IN`). A company search
//!   asks `GET /companies` by one name, tag or segment (the others filtered here); Intercom cannot filter
//!   by plan, custom attribute or part of a name, so those are refused.
//! - Articles: `GET /articles/search?phrase=&state=` (one hit per article, in the asked locale, no matched
//!   passage) and `GET /articles/{id}`.

use super::{Rest, RestError};
use crate::intercom::{Company, CompanyLookup};
use crate::model::{ArticleList, ArticlePage, CompanyDetail, CompanyList, CompanySummary};
use crate::project::{self, companies::COMPANY_RECENT};
use crate::record::wire;
use serde_json::{Value, json};
use std::collections::HashMap;

/// What a company search asks (the cache's `search_companies` arguments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanySearch {
    pub name: Option<String>,
    pub plan: Option<String>,
    pub segment: Option<String>,
    pub tag: Option<String>,
    pub custom_attribute: Option<String>,
    pub limit: usize,
}

/// What an article search asks (the cache's `search_articles` arguments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleSearch {
    pub query: Option<String>,
    pub state: Option<String>,
    pub locale: Option<String>,
    pub limit: usize,
}

/// `(id, name)` of each entry of a nested list in a raw object (`tags.tags`, `segments.segments`).
fn nested_names(raw: &Value, outer: &str) -> HashMap<String, String> {
    raw.pointer(&format!("/{outer}/{outer}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let id = match &t["id"] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((id, t["name"].as_str()?.to_string()))
        })
        .collect()
}

/// A company as the cache shows one: tag and segment names from the object itself.
fn summary(c: &Company) -> CompanySummary {
    let tags = nested_names(&c.raw, "tags");
    let segments = nested_names(&c.raw, "segments");
    project::companies::summary(
        wire::company(c),
        |id| tags.get(id).cloned(),
        |id| segments.get(id).cloned(),
    )
}

impl Rest {
    /// A company by Intercom's id, else its company_id, else its exact name.
    async fn find_company(&self, key: &str) -> Result<Option<Company>, RestError> {
        if !key.contains(['/', '?', '#'])
            && let Some(c) = self.api.get_company(key).await?
        {
            return Ok(Some(c));
        }
        for by in [CompanyLookup::CompanyId(key), CompanyLookup::Name(key)] {
            let (found, _) = self.api.find_companies(by, 1, 1).await?;
            if let Some(c) = found.into_iter().next() {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    /// One company with its contacts and their most recent conversations and tickets.
    pub async fn company(&self, key: &str) -> Result<Option<CompanyDetail>, RestError> {
        self.bounded(async {
            let Some(c) = self.find_company(key.trim()).await? else {
                return Ok(None);
            };
            let (contacts, total) = self.api.company_contacts(&c.id).await?.unwrap_or_default();
            let ids: Vec<&str> = contacts.iter().map(|k| k.id.as_str()).collect();
            let (conversations, tickets) = if ids.is_empty() {
                (Vec::new(), Vec::new())
            } else {
                let q = json!({"field": "contact_ids", "operator": "IN", "value": ids});
                let sort = json!({"field": "updated_at", "order": "descending"});
                let n = COMPANY_RECENT as u32;
                let convs = async {
                    let page = self.api.search_conversations(&q, Some(&sort), n, None).await?;
                    self.summaries(&page.items).await
                };
                let tickets = async {
                    let page = self.api.search_tickets(&q, Some(&sort), n, None).await?;
                    Ok::<_, RestError>(page.items.iter().map(wire::ticket).collect::<Vec<_>>())
                };
                tokio::try_join!(convs, tickets)?
            };
            let contacts = contacts.iter().map(wire::contact).collect();
            Ok(Some(project::companies::detail(
                summary(&c),
                contacts,
                total,
                conversations,
                tickets,
            )))
        })
        .await
    }

    /// Companies by one exact name (or company_id), tag or segment; the other filters applied here.
    pub async fn search_companies(&self, q: &CompanySearch) -> Result<CompanyList, RestError> {
        let mut refused = Vec::new();
        if q.plan.is_some() {
            refused.push("`plan`");
        }
        if q.custom_attribute.is_some() {
            refused.push("`custom_attribute`");
        }
        if !refused.is_empty() {
            return Err(RestError::Unsupported(format!(
                "Intercom's REST API cannot filter companies by {}",
                refused.join(" or ")
            )));
        }
        self.bounded(async {
            let tag_id = match &q.tag {
                None => None,
                Some(t) => {
                    let dir = self.directory().await?;
                    let found = dir
                        .tags
                        .iter()
                        .find(|(id, name)| *id == t || name.eq_ignore_ascii_case(t))
                        .map(|(id, _)| id.clone());
                    Some(found.unwrap_or_else(|| t.clone()))
                }
            };
            let segment_id = match &q.segment {
                None => None,
                Some(s) => {
                    let all = self.api.segments().await?;
                    let found = all
                        .into_iter()
                        .find(|g| g.id == *s || g.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(s)))
                        .map(|g| g.id);
                    Some(found.unwrap_or_else(|| s.clone()))
                }
            };
            let per_page = q.limit.clamp(1, 60) as u32;
            let (mut found, total) = match (&q.name, &tag_id, &segment_id) {
                (Some(n), _, _) => {
                    let (by_name, t) = self
                        .api
                        .find_companies(CompanyLookup::Name(n), 1, per_page)
                        .await?;
                    if by_name.is_empty() {
                        self.api
                            .find_companies(CompanyLookup::CompanyId(n), 1, per_page)
                            .await?
                    } else {
                        (by_name, t)
                    }
                }
                (None, Some(t), _) => {
                    self.api
                        .find_companies(CompanyLookup::TagId(t), 1, per_page)
                        .await?
                }
                (None, None, Some(s)) => {
                    self.api
                        .find_companies(CompanyLookup::SegmentId(s), 1, per_page)
                        .await?
                }
                (None, None, None) => {
                    return Err(RestError::Unsupported(
                        "a live company search needs a `name`, `tag` or `segment`".into(),
                    ));
                }
            };
            let before = found.len();
            found.retain(|c| {
                tag_id.as_ref().is_none_or(|t| c.tag_ids.contains(t))
                    && segment_id.as_ref().is_none_or(|s| c.segment_ids.contains(s))
            });
            let mut companies: Vec<CompanySummary> = found.iter().map(summary).collect();
            companies.sort_by(|a, b| (b.updated_at, &a.id).cmp(&(a.updated_at, &b.id)));
            companies.truncate(q.limit);
            let total = if found.len() < before { None } else { total };
            Ok(CompanyList {
                companies,
                total,
                next_cursor: None,
            })
        })
        .await
    }

    /// Articles matching every word of `query`, in `locale` (default: each article's default locale).
    pub async fn search_articles(&self, q: &ArticleSearch) -> Result<ArticleList, RestError> {
        let Some(phrase) = q.query.as_deref().map(str::trim).filter(|p| !p.is_empty()) else {
            return Err(RestError::Unsupported(
                "a live article search needs words to look for (`query`)".into(),
            ));
        };
        self.bounded(async {
            let per_page = q.limit.clamp(1, 250) as u32;
            let (found, total) = self
                .api
                .search_articles(phrase, q.state.as_deref(), per_page)
                .await?;
            let mut articles = Vec::new();
            for a in &found {
                let r = wire::article(a);
                let Some(c) = project::articles::content(&r, q.locale.as_deref()) else {
                    continue;
                };
                articles.push(project::articles::summary(
                    &r.id,
                    r.state.as_deref(),
                    r.updated_at,
                    c,
                    None,
                ));
            }
            let total = if q.locale.is_some() { None } else { total };
            Ok(ArticleList {
                articles,
                total,
                next_cursor: None,
            })
        })
        .await
    }

    /// One article in `locale` (default its own), its text from `offset` within `room` bytes of answer;
    /// `Ok(None)` when Intercom does not have it or it has no such locale.
    pub async fn article(
        &self,
        id: &str,
        locale: Option<&str>,
        offset: usize,
        room: usize,
    ) -> Result<Option<ArticlePage>, RestError> {
        self.bounded(async {
            let (found, dir) = tokio::try_join!(
                async { self.api.get_article(id.trim()).await.map_err(RestError::from) },
                self.directory()
            )?;
            let Some(a) = found else { return Ok(None) };
            let names = &mut super::RestNames {
                dir: &dir,
                contacts: &HashMap::new(),
            };
            Ok(project::articles::fit_page(
                &wire::article(&a),
                locale,
                offset,
                room,
                names,
                crate::answer::encode_cursor,
            ))
        })
        .await
    }
}
