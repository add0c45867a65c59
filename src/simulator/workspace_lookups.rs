//! Lookups over the rest of the workspace: `GET /companies?name=|company_id=|tag_id=|segment_id=` (a
//! company list; 404 `company_not_found` when a name or company_id matches nothing),
//! `GET /companies/{id}/contacts` (the company's contacts) and `GET /articles/search?phrase=&state=`
//! (articles whose title, description or text, in any locale, hold every word of the phrase).
//!
//! Choices where Intercom is unverified: `name` matches exactly (case-sensitive); the company list is in
//! creation order, paged by `page`/`per_page` (default 15, at most 60); contacts come 50 a page in
//! creation order; article search is by whole words, case-insensitive, without stemming, newest
//! `updated_at` first, `per_page` default 10 (at most 250), `state` `all` by default, and `highlights`
//! empty.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::companies::{Company, company_json};
use super::plain::html_to_plain;
use super::render::contact_json;
use super::routes::{ApiError, err};
use super::workspace::Workspace;

fn pages(page: usize, per_page: usize, total: usize) -> Value {
    json!({"type": "pages", "page": page, "per_page": per_page, "total_pages": total.div_ceil(per_page)})
}

/// `GET /companies?…`.
pub fn companies(
    ws: &Workspace,
    q: &HashMap<String, String>,
    page: usize,
    per_page: usize,
) -> Result<Value, ApiError> {
    let name = q.get("name").filter(|s| !s.is_empty());
    let company_id = q.get("company_id").filter(|s| !s.is_empty());
    let tag = q.get("tag_id").filter(|s| !s.is_empty());
    let segment = q.get("segment_id").filter(|s| !s.is_empty());
    let matches = |c: &Company| {
        name.is_none_or(|n| c.name == *n)
            && company_id.is_none_or(|id| c.company_id == *id)
            && tag.is_none_or(|t| c.tags.iter().any(|&i| ws.tags[i].id.to_string() == *t))
            && segment.is_none_or(|s| {
                super::segments::of_company(ws, c)
                    .iter()
                    .any(|g| g["id"].as_str() == Some(s.as_str()))
            })
    };
    let all: Vec<&Company> = ws.companies.rows.values().filter(|c| matches(c)).collect();
    if all.is_empty() && (name.is_some() || company_id.is_some()) {
        return Err(err(404, "company_not_found", "Company Not Found"));
    }
    let data: Vec<Value> = all
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|c| company_json(ws, c))
        .collect();
    Ok(
        json!({"type": "list", "data": data, "pages": pages(page, per_page, all.len()),
              "total_count": all.len()}),
    )
}

/// `GET /companies/{id}/contacts?page=`.
pub fn company_contacts(ws: &Workspace, id: &str, page: usize) -> Result<Value, ApiError> {
    let key = ws
        .companies
        .by_id
        .get(id)
        .ok_or_else(|| err(404, "company_not_found", "Company Not Found"))?;
    let mut members = ws.companies.rows[key].contacts.clone();
    members.sort_unstable();
    let per_page = 50;
    let data: Vec<Value> = members
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|&i| contact_json(ws, &ws.contacts[i]))
        .collect();
    Ok(json!({"type": "list", "data": data, "total_count": members.len(),
              "pages": pages(page, per_page, members.len())}))
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// `GET /articles/search?phrase=&state=&page=&per_page=`.
pub fn search_articles(
    ws: &Workspace,
    q: &HashMap<String, String>,
    page: usize,
    per_page: usize,
) -> Result<Value, ApiError> {
    let want = words(q.get("phrase").map(String::as_str).unwrap_or_default());
    let state = q.get("state").map(String::as_str).unwrap_or("all");
    if !matches!(state, "published" | "draft" | "all") {
        return Err(err(
            400,
            "parameter_invalid",
            "state must be one of published, draft or all",
        ));
    }
    let arts = &ws.articles;
    let hits: Vec<u64> = arts
        .by_updated
        .iter()
        .rev()
        .map(|(_, id)| *id)
        .filter(|id| {
            let a = &arts.rows[id];
            let st = if a.published { "published" } else { "draft" };
            if state != "all" && st != state {
                return false;
            }
            let mut texts = vec![format!(
                "{} {} {}",
                a.title,
                a.description,
                html_to_plain(&a.body)
            )];
            if let Some(t) = &a.translation {
                texts.push(format!(
                    "{} {} {}",
                    t.title,
                    t.description,
                    html_to_plain(&t.body)
                ));
            }
            texts.iter().any(|t| {
                let have = words(t);
                want.iter().all(|w| have.contains(w))
            })
        })
        .collect();
    let articles: Vec<Value> = hits
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|id| super::articles::article_json(ws, &arts.rows[id]))
        .collect();
    Ok(json!({"type": "list", "total_count": hits.len(),
              "data": {"articles": articles, "highlights": []},
              "pages": pages(page, per_page, hits.len())}))
}
