//! `fastintercom company NAME-OR-ID` and `fastintercom article "QUERY"`: the client library's company and
//! Help Center article requests on the command line, printed like `contact` (a source line, then the
//! answer; `--json` for the whole [`super::Answer`]).

use super::cli::{ClientOptions, client, emit, print_json, print_lookup, source_line, summary_line};
use super::{Answer, ArticleSearch};
use crate::model::{ArticleList, ArticlePage, CompanyDetail};
use crate::timespec::fmt_time;
use anyhow::Result;
use std::fmt::Write as _;

/// `fastintercom company`'s question.
#[derive(Debug, Clone, Default)]
pub struct CompanyOptions {
    /// Intercom's company id, the workspace's company_id, or the exact name.
    pub key: String,
    pub client: ClientOptions,
}

/// `fastintercom article`'s question.
#[derive(Debug, Clone, Default)]
pub struct ArticleOptions {
    /// Words to look for.
    pub query: String,
    /// `published` or `draft`.
    pub state: Option<String>,
    /// Only content in this locale.
    pub locale: Option<String>,
    /// Maximum results.
    pub limit: u32,
    /// Also print the best hit's text.
    pub show: bool,
    pub client: ClientOptions,
}

fn print_company(out: &mut String, d: &CompanyDetail) {
    let c = &d.company;
    let _ = writeln!(
        out,
        "company {}: {} ({})",
        c.id,
        c.name.as_deref().unwrap_or("(no name)"),
        c.company_id.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        out,
        "plan: {}  industry: {}  size: {}  users: {}  monthly spend: {}  last seen: {}",
        c.plan.as_deref().unwrap_or("-"),
        c.industry.as_deref().unwrap_or("-"),
        c.size.map_or("-".into(), |n| n.to_string()),
        c.user_count.map_or("-".into(), |n| n.to_string()),
        c.monthly_spend.map_or("-".into(), |n| n.to_string()),
        c.last_request_at.map_or("-".into(), fmt_time),
    );
    if !c.tags.is_empty() {
        let _ = writeln!(out, "tags: {}", c.tags.join(", "));
    }
    if !c.segments.is_empty() {
        let _ = writeln!(out, "segments: {}", c.segments.join(", "));
    }
    if !c.custom_attributes.is_empty() {
        let _ = writeln!(
            out,
            "attributes: {}",
            serde_json::Value::Object(c.custom_attributes.clone())
        );
    }
    let _ = writeln!(out, "contacts ({} in all):", d.contacts_total);
    for k in &d.contacts {
        let _ = writeln!(
            out,
            "{:>26}  {}  <{}>",
            k.id,
            k.name.as_deref().unwrap_or("(no name)"),
            k.email.as_deref().unwrap_or("-")
        );
    }
    let _ = writeln!(out, "recent conversations:");
    for s in &d.recent_conversations {
        let _ = writeln!(out, "{}", summary_line(s));
    }
    if !d.recent_tickets.is_empty() {
        let _ = writeln!(out, "recent tickets:");
        for t in &d.recent_tickets {
            let _ = writeln!(
                out,
                "{:>10}  {:<20}  {}  {}",
                t.ticket_id.as_deref().unwrap_or(&t.id),
                t.state.as_deref().unwrap_or("-"),
                fmt_time(t.updated_at),
                t.title.as_deref().unwrap_or("(no title)")
            );
        }
    }
}

/// `fastintercom company NAME-OR-ID`. Exit 1 when neither source knows it.
pub async fn company(a: CompanyOptions) -> Result<u8> {
    let (client, opts) = client(&a.client)?;
    let answer = client.get_company(&a.key, &opts).await?;
    print_lookup(&answer, a.client.json, print_company, "company", &a.key)
}

fn print_hits(out: &mut String, list: &ArticleList) {
    if let Some(t) = list.total {
        let _ = writeln!(out, "{t} matching");
    }
    for h in &list.articles {
        let _ = writeln!(
            out,
            "{:>10}  {:<9}  {:<5}  {}  {}",
            h.id,
            h.state.as_deref().unwrap_or("-"),
            h.locale,
            fmt_time(h.updated_at),
            h.title.as_deref().unwrap_or("(no title)")
        );
        if let Some(m) = &h.matched {
            let _ = writeln!(out, "            {m}");
        }
    }
}

fn print_article(out: &mut String, p: &ArticlePage) {
    let _ = writeln!(
        out,
        "\narticle {} ({}, {}): {}",
        p.id,
        p.locale,
        p.state.as_deref().unwrap_or("-"),
        p.title.as_deref().unwrap_or("(no title)")
    );
    if let Some(u) = &p.url {
        let _ = writeln!(out, "{u}");
    }
    let _ = writeln!(out, "\n{}", p.text);
}

/// `fastintercom article QUERY [--state S] [--locale L] [--limit N] [--show]`. Exit 1 when nothing
/// matches.
pub async fn article(a: ArticleOptions) -> Result<u8> {
    let (client, opts) = client(&a.client)?;
    let req = ArticleSearch {
        query: Some(a.query.clone()),
        state: a.state.clone(),
        locale: a.locale.clone(),
        limit: a.limit.max(1) as usize,
    };
    let hits = client.search_articles(&req, &opts).await?;
    let best = hits.data.articles.first().cloned();
    let page: Option<Answer<Option<ArticlePage>>> = match (&best, a.show) {
        (Some(b), true) => Some(client.get_article(&b.id, Some(&b.locale), &opts).await?),
        _ => None,
    };
    if a.client.json {
        print_json(&hits)?;
        if let Some(p) = &page {
            print_json(p)?;
        }
    } else {
        let mut out = String::new();
        let _ = writeln!(out, "{}", source_line(&hits));
        print_hits(&mut out, &hits.data);
        if let Some(Some(p)) = page.as_ref().map(|p| &p.data) {
            print_article(&mut out, p);
        }
        emit(&out)?;
    }
    Ok(if best.is_some() { 0 } else { 1 })
}
