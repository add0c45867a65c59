//! The proxy's company and Help Center article tools: `serve`'s names, argument structs
//! ([`crate::mcp::args_workspace`]) and answer shapes, each call decided by the client library like the
//! conversation tools ([`super::tools`]).

use super::tools::ProxyTools;
use crate::answer::{Answer, ToolError, now};
use crate::mcp::args_workspace::{GetArticleArgs, GetCompanyArgs, SearchArticlesArgs, SearchCompaniesArgs};
use crate::model::{ArticleList, ArticlePage, CompanyDetail, CompanyList};
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
        self.cache_only("search_companies", ask.max_staleness, |t, a| async move {
            t.search_companies(Parameters(a)).await
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
        let (_, max) = a.checked(now())?;
        self.cache_only("get_company", max, |t, a| async move {
            t.get_company(Parameters(a)).await
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
        self.cache_only("search_articles", ask.max_staleness, |t, a| async move {
            t.search_articles(Parameters(a)).await
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
        let ask = a.checked(now())?;
        self.cache_only("get_article", ask.max_staleness, |t, a| async move {
            t.get_article(Parameters(a)).await
        })
        .await
    }
}
