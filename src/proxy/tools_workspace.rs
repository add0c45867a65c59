//! The proxy's company and Help Center article tools: `serve`'s names, argument structs
//! ([`crate::mcp::args_workspace`]) and answer shapes, each call decided by the client library like the
//! conversation tools ([`super::tools`]).

use super::tools::ProxyTools;
use crate::answer::{Answer, ToolError, now};
use crate::client::rest::RestError;
use crate::client::{ArticleSearch, CompanySearch};
use crate::mcp::args_workspace::{
    ArticleAsk, GetArticleArgs, GetCompanyArgs, SearchArticlesArgs, SearchCompaniesArgs,
};
use crate::mcp::budget::RESERVE;
use crate::model::{ArticleList, ArticlePage, CompanyDetail, CompanyList};

/// Said on a live company search.
const REST_COMPANIES: &str = "answered live by Intercom's REST API, which finds companies by exact name or \
    company_id (not part of a name), tag or segment, one page without a cursor";
/// Said on a live article search.
const REST_ARTICLES: &str = "answered live by Intercom's article search: one hit per article (in the asked \
    locale), words matched as Intercom matches them, no matched passage, one page without a cursor";
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};

#[tool_router(router = workspace_router, vis = "pub(super)")]
impl ProxyTools {
    #[tool(
        description = "Find Intercom companies by name (contained in the name or the workspace's own \
company_id, case-insensitive), plan, segment, tag and/or custom attribute (`name=value`), most recently updated \
first, with `total` and `next_cursor`. From the local cache when it is fresh, else live from Intercom for an \
exact name or company_id (`freshness.source` and `reason` say which). Use get_company for a company's \
contacts, conversations and tickets.",
        annotations(title = "Search companies", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn search_companies(
        &self,
        Parameters(a): Parameters<SearchCompaniesArgs>,
    ) -> Result<Json<Answer<CompanyList>>, ToolError> {
        let ask = a.checked(now())?;
        let (max, mut notes) = (ask.max_staleness, ask.notes);
        let q = ask.query;
        let mut unsupported = Vec::new();
        if q.offset > 0 {
            unsupported.push("`cursor` (a page of the cache's results)");
        }
        if q.plan.is_some() {
            unsupported.push("`plan`");
        }
        if q.custom_attribute.is_some() {
            unsupported.push("`custom_attribute`");
        }
        let req = CompanySearch {
            name: q.name.clone(),
            plan: q.plan.clone(),
            segment: q.segment.clone(),
            tag: q.tag.clone(),
            custom_attribute: q.custom_attribute.as_ref().map(|(k, v)| format!("{k}={v}")),
            limit: q.limit,
        };
        let rest = async {
            if !unsupported.is_empty() {
                return Err(RestError::Unsupported(format!(
                    "Intercom's REST API cannot apply {} to companies",
                    unsupported.join(", ")
                )));
            }
            self.client.rest_path()?.search_companies(&req).await
        };
        let cache = self.ask_cache("search_companies", |t, a| async move {
            t.search_companies(Parameters(a)).await
        });
        let answer = self.decided("companies", None, max, cache, rest).await?;
        self.finish("companies", answer, max, |r: CompanyList| {
            notes.push(REST_COMPANIES.into());
            Ok((r, notes))
        })
        .await
    }

    #[tool(
        description = "Get one company by `company_id` (Intercom's id or the workspace's own company_id) or \
exact `name`: its details, its contacts (the first 25 by name, with `contacts_total`), and the 10 most recently \
updated conversations and tickets of those contacts. From the cache when it is fresh and holds it, else live \
from Intercom.",
        annotations(title = "Get company", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn get_company(
        &self,
        Parameters(a): Parameters<GetCompanyArgs>,
    ) -> Result<Json<Answer<CompanyDetail>>, ToolError> {
        let (key, max) = a.checked(now())?;
        let cache = self.ask_cache(
            "get_company",
            |t, a| async move { t.get_company(Parameters(a)).await },
        );
        let rest = async { self.client.rest_path()?.company(&key).await };
        let answer = self.decided("companies", None, max, cache, rest).await?;
        self.finish("companies", answer, max, |r: Option<CompanyDetail>| match r {
            Some(d) => Ok((d, Vec::new())),
            None => Err(ToolError::not_found(
                "company",
                &key,
                format!(
                    "company {key} is neither in the cache nor in Intercom (asked live): check the name or id"
                ),
            )),
        })
        .await
    }

    #[tool(
        description = "Search Help Center articles by full text over titles and text in every locale, \
optionally only `published` or `draft`, only one `locale`; each hit with `matched`, the passage that matched. \
From the local cache when it is fresh, else live from Intercom's article search (`freshness.source` and \
`reason` say which). Use get_article for the text.",
        annotations(title = "Search articles", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn search_articles(
        &self,
        Parameters(a): Parameters<SearchArticlesArgs>,
    ) -> Result<Json<Answer<ArticleList>>, ToolError> {
        let ask = a.checked(now())?;
        let (max, mut notes) = (ask.max_staleness, ask.notes);
        let q = ask.query;
        let req = ArticleSearch {
            query: q.text.clone(),
            state: q.state.clone(),
            locale: q.locale.clone(),
            limit: q.limit,
        };
        let rest = async {
            if q.offset > 0 {
                return Err(RestError::Unsupported(
                    "Intercom's article search cannot continue the cache's `cursor`".into(),
                ));
            }
            self.client.rest_path()?.search_articles(&req).await
        };
        let cache = self.ask_cache("search_articles", |t, a| async move {
            t.search_articles(Parameters(a)).await
        });
        let answer = self.decided("articles", None, max, cache, rest).await?;
        self.finish("articles", answer, max, |r: ArticleList| {
            notes.push(REST_ARTICLES.into());
            Ok((r, notes))
        })
        .await
    }

    #[tool(
        description = "Get one Help Center article by id, in its default locale or `locale`, its text as plain \
text; text beyond the answer budget (about 32 KB) is cut with a `… [truncated]` marker: pass `next_cursor` as \
`cursor` to read on. From the cache when it is fresh and holds it, else live from Intercom.",
        annotations(title = "Get article", read_only_hint = true, open_world_hint = true)
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
            max_staleness: max,
        } = a.checked(now())?;
        let cache = self.ask_cache(
            "get_article",
            |t, a| async move { t.get_article(Parameters(a)).await },
        );
        let room = budget.saturating_sub(RESERVE);
        let rest = async {
            self.client
                .rest_path()?
                .article(&id, locale.as_deref(), offset, room)
                .await
        };
        let answer = self.decided("articles", None, max, cache, rest).await?;
        self.finish("articles", answer, max, |r: Option<ArticlePage>| match r {
            Some(p) if p.text_offset < offset => Err(ToolError::Failed(format!(
                "bad `cursor`: the text has {} characters, the cursor points past them",
                p.text_chars
            ))),
            Some(p) => Ok((p, notes)),
            None => Err(ToolError::not_found(
                "article",
                &id,
                format!(
                    "article {id} is neither in the cache nor in Intercom (asked live), or has no such locale"
                ),
            )),
        })
        .await
    }
}
