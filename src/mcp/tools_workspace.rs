//! The company and Help Center article tools (`search_companies`, `get_company`, `search_articles`,
//! `get_article`), in their own router (`workspace_router`). Same contract as the
//! conversation tools: answers within a budget with a cursor, an `outputSchema`, strict arguments
//! ([`super::args_workspace`]), and freshness on every answer, from the resource's own `sync_metadata`
//! row ([`super::freshness::stamp_resource`]).

use super::args_workspace::{
    ArticleAsk, GetArticleArgs, GetCompanyArgs, ListAsk, SearchArticlesArgs, SearchCompaniesArgs,
};
use super::budget::{RESERVE, cut_note, fitting, json_len};
use super::freshness;
use super::tools::{IntercomTools, found, notes_len};
use crate::answer::{Answer, ToolError, encode_cursor, now};
use crate::model::{ArticleList, ArticlePage, CompanyDetail, CompanyList};
use crate::store::read;
use crate::sync::{RESOURCE_ARTICLES, RESOURCE_COMPANIES};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};

impl IntercomTools {
    /// Run a read with the freshness stamp of `resource`'s own row, from the same connection.
    async fn answer_resource<T, F>(
        &self,
        resource: &'static str,
        notes: Vec<String>,
        max_staleness: Option<i64>,
        f: F,
    ) -> Result<Json<Answer<T>>, ToolError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection, &mut Vec<String>) -> anyhow::Result<T> + Send + 'static,
    {
        let ask = freshness::Ask {
            max_staleness,
            window_start: None,
        };
        self.answer_for(Some(resource), notes, ask, f).await
    }
}

#[tool_router(router = workspace_router, vis = "pub(super)")]
impl IntercomTools {
    #[tool(
        description = "Find cached Intercom companies by name (contained in the name or the workspace's own \
company_id, case-insensitive), plan, segment, tag and/or custom attribute (`name=value`), most recently updated \
first. Example: enterprise companies tagged vip = {\"plan\": \"enterprise\", \"tag\": \"vip\"}. Returns \
companies (id, name, plan, industry, size, spend, user count, tags, segments, custom attributes), `total` \
matches and `next_cursor`. Answers stay within about 32 KB (`max_bytes`, up to 128 KB). Use get_company for \
a company's contacts, conversations and tickets.",
        annotations(title = "Search companies", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn search_companies(
        &self,
        Parameters(a): Parameters<SearchCompaniesArgs>,
    ) -> Result<Json<Answer<CompanyList>>, ToolError> {
        let ListAsk {
            query,
            notes,
            budget,
            max_staleness,
        } = a.checked(now())?;
        self.answer_resource(RESOURCE_COMPANIES, notes, max_staleness, move |conn, notes| {
            let (mut companies, total) = read::companies::search(conn, &query)?;
            let more = query.offset + companies.len() < total.max(0) as usize;
            let room = budget.saturating_sub(RESERVE + notes_len(notes));
            let kept = fitting(&companies, room, 1);
            let cut = kept < companies.len();
            if cut {
                notes.push(cut_note(kept, companies.len(), budget, "companies"));
                companies.truncate(kept);
            }
            Ok(CompanyList {
                companies,
                total: Some(total),
                next_cursor: (more || cut).then(|| encode_cursor(query.offset + kept)),
            })
        })
        .await
    }

    #[tool(
        description = "Get one cached company by `company_id` (Intercom's id or the workspace's own \
company_id) or exact `name`: its details, its contacts (the first 25 by name, with `contacts_total`), and \
the 10 most recently updated conversations and tickets of those contacts. Within about 32 KB.",
        annotations(title = "Get company", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn get_company(
        &self,
        Parameters(a): Parameters<GetCompanyArgs>,
    ) -> Result<Json<Answer<CompanyDetail>>, ToolError> {
        let (key, max_staleness) = a.checked(now())?;
        let key2 = key.clone();
        let r = self
            .answer_resource(
                RESOURCE_COMPANIES,
                Vec::new(),
                max_staleness,
                move |conn, notes| {
                    let Some(mut d) = read::companies::get(conn, &key2)? else {
                        return Ok(None);
                    };
                    let room = super::budget::DEFAULT_BUDGET - RESERVE;
                    let before = d.recent_conversations.len();
                    while json_len(&d) > room && !d.recent_conversations.is_empty() {
                        d.recent_conversations.pop();
                    }
                    if d.recent_conversations.len() < before {
                        notes.push(format!(
                            "only {} of the {before} recent conversations fit the answer budget: use \
                         search_conversations for more",
                            d.recent_conversations.len()
                        ));
                    }
                    Ok(Some(d))
                },
            )
            .await;
        found(r, "company", &key.clone(), || {
            format!("company {key} is not in the cache (unknown id or name, or deleted)")
        })
    }

    #[tool(
        description = "Search the cached Help Center articles by full text over titles and text in every \
locale (all words must match), optionally only `published` or `draft`, only one `locale`. Best matches \
first, each with `matched`: the passage that matched, words in [brackets]; without a query, lists newest \
first. A translated article appears once per matching locale. Returns `total` matches and `next_cursor`; \
answers stay within about 32 KB (`max_bytes`, up to 128 KB). Use get_article for the text.",
        annotations(title = "Search articles", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn search_articles(
        &self,
        Parameters(a): Parameters<SearchArticlesArgs>,
    ) -> Result<Json<Answer<ArticleList>>, ToolError> {
        let ListAsk {
            query,
            notes,
            budget,
            max_staleness,
        } = a.checked(now())?;
        self.answer_resource(RESOURCE_ARTICLES, notes, max_staleness, move |conn, notes| {
            let (mut articles, total) = read::articles::search(conn, &query)?;
            let more = query.offset + articles.len() < total.max(0) as usize;
            let room = budget.saturating_sub(RESERVE + notes_len(notes));
            let kept = fitting(&articles, room, 1);
            let cut = kept < articles.len();
            if cut {
                notes.push(cut_note(kept, articles.len(), budget, "articles"));
                articles.truncate(kept);
            }
            Ok(ArticleList {
                articles,
                total: Some(total),
                next_cursor: (more || cut).then(|| encode_cursor(query.offset + kept)),
            })
        })
        .await
    }

    #[tool(
        description = "Get one cached Help Center article by id, in its default locale or `locale`: title, \
description, state, url, author, locales, and its text as plain text. Text beyond the answer budget (about \
32 KB, `max_bytes` up to 128 KB) is cut with a `… [truncated]` marker and `truncated: true`: pass \
`next_cursor` as `cursor` to read on.",
        annotations(title = "Get article", read_only_hint = true, open_world_hint = false)
    )]
    pub async fn get_article(
        &self,
        Parameters(a): Parameters<GetArticleArgs>,
    ) -> Result<Json<Answer<ArticlePage>>, ToolError> {
        let ArticleAsk {
            id,
            locale,
            offset,
            notes,
            budget,
            max_staleness,
        } = a.checked(now())?;
        let (id2, locale2) = (id.clone(), locale.clone());
        let r = self
            .answer_resource(RESOURCE_ARTICLES, notes, max_staleness, move |conn, notes| {
                let Some(a) = read::articles::get(conn, &id2)? else {
                    return Ok(Ok(None));
                };
                let room = budget.saturating_sub(RESERVE + notes_len(notes));
                let names = &mut read::articles::AdminNames(conn);
                let Some(p) = crate::project::articles::fit_page(
                    &a,
                    locale2.as_deref(),
                    offset,
                    room,
                    names,
                    encode_cursor,
                ) else {
                    // The article is here, the locale is not: say so, not "article not found".
                    let Some(l) = &locale2 else { return Ok(Ok(None)) };
                    let have = crate::project::articles::page(&a, None, 0, 0, names, encode_cursor)
                        .map(|p| p.locales.join(", "))
                        .unwrap_or_default();
                    return Ok(Err(format!(
                        "bad `locale`: article {id2} has no such locale {l:?}; its locales are {have}"
                    )));
                };
                if p.text_offset < offset {
                    return Ok(Err(format!(
                        "bad `cursor`: the text has {} characters, the cursor points past them",
                        p.text_chars
                    )));
                }
                Ok(Ok(Some(p)))
            })
            .await?;
        let Json(Answer {
            result,
            freshness,
            notes,
        }) = r;
        let r = result.map_err(ToolError::Failed).map(|result| {
            Json(Answer {
                result,
                freshness,
                notes,
            })
        });
        let (kind, what) = match &locale {
            Some(l) => ("article", format!("article {id} (locale {l})")),
            None => ("article", format!("article {id}")),
        };
        found(r, kind, &id, || {
            format!("{what} is not in the cache (unknown id, deleted, or no such locale)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::NoNames;
    use crate::record::ArticleRecord;

    #[test]
    fn an_article_page_fits_its_room_even_with_escapes() {
        let a = ArticleRecord {
            id: "1".into(),
            body: Some(format!("<p>{}</p>", "\"quoted\" \u{1}text ".repeat(3000))),
            default_locale: "en".into(),
            ..Default::default()
        };
        let p = crate::project::articles::fit_page(&a, None, 0, 8192, &mut NoNames, encode_cursor).unwrap();
        assert!(json_len(&p) <= 8192, "{}", json_len(&p));
        assert!(p.truncated && p.next_cursor.is_some());
    }
}
