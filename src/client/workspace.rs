//! The client library's company and Help Center article requests: the same cache-or-REST decision as
//! the conversation requests, the cache answering through `serve`'s tools (`search_companies`,
//! `get_company`, `search_articles`, `get_article`), REST through [`super::rest::workspace`].

use super::rest::workspace::{ArticleSearch, CompanySearch};
use super::{Answer, CacheAnswer, CallOptions, Client, ClientError};
use crate::model::{ArticleList, ArticlePage, CompanyDetail, CompanyList};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// Room for an article's page over REST, as the cache's default answer budget leaves it.
const ARTICLE_ROOM: usize = 29 * 1024;

fn put(args: &mut Map<String, Value>, key: &str, v: &Option<String>) {
    if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        args.insert(key.into(), json!(v));
    }
}

impl Client {
    /// `serve`'s tool `name` with `args`: its answer, or a miss when the object is not in the cache.
    async fn cache_call<T: DeserializeOwned>(
        &self,
        name: &'static str,
        args: Map<String, Value>,
    ) -> anyhow::Result<CacheAnswer<T>> {
        match self.cache()?.mcp().tool(name, args).await? {
            Err(_) => Ok(CacheAnswer::Miss),
            Ok(v) => Ok(CacheAnswer::Hit(serde_json::from_value(v)?)),
        }
    }

    /// Companies by name (contained in, for the cache; exact over REST), plan, segment, tag or custom
    /// attribute (`name=value`). Over REST only name, tag and segment can be asked.
    pub async fn search_companies(
        &self,
        req: &CompanySearch,
        opts: &CallOptions,
    ) -> Result<Answer<CompanyList>, ClientError> {
        if req.limit == 0 {
            return Err(ClientError::Invalid("limit must be at least 1".into()));
        }
        let mut args = Map::new();
        put(&mut args, "name", &req.name);
        put(&mut args, "plan", &req.plan);
        put(&mut args, "segment", &req.segment);
        put(&mut args, "tag", &req.tag);
        put(&mut args, "custom_attribute", &req.custom_attribute);
        args.insert("limit".into(), json!(req.limit.min(100)));
        let cache = self.cache_call("search_companies", args);
        let rest = async { self.rest()?.search_companies(req).await };
        self.answer("companies", None, opts, cache, rest).await
    }

    /// One company by Intercom's id, the workspace's company_id, or its exact name, with its contacts and
    /// their recent conversations and tickets; `data` is None when neither source knows it.
    pub async fn get_company(
        &self,
        name_or_id: &str,
        opts: &CallOptions,
    ) -> Result<Answer<Option<CompanyDetail>>, ClientError> {
        let key = name_or_id.trim();
        if key.is_empty() {
            return Err(ClientError::Invalid("empty company name or id".into()));
        }
        let mut args = Map::new();
        args.insert("company_id".into(), json!(key));
        let cache = async {
            Ok(match self.cache_call("get_company", args).await? {
                CacheAnswer::Hit(d) => CacheAnswer::Hit(Some(d)),
                CacheAnswer::Miss => CacheAnswer::Miss,
            })
        };
        let rest = async { self.rest()?.company(key).await };
        self.answer("companies", None, opts, cache, rest).await
    }

    /// Help Center articles matching every word of `query` (state, locale). Over REST a query is needed.
    pub async fn search_articles(
        &self,
        req: &ArticleSearch,
        opts: &CallOptions,
    ) -> Result<Answer<ArticleList>, ClientError> {
        if req.limit == 0 {
            return Err(ClientError::Invalid("limit must be at least 1".into()));
        }
        if let Some(s) = req.state.as_deref()
            && !["published", "draft"].contains(&s)
        {
            return Err(ClientError::Invalid(format!(
                "state {s:?}: use published or draft"
            )));
        }
        let mut args = Map::new();
        put(&mut args, "query", &req.query);
        put(&mut args, "state", &req.state);
        put(&mut args, "locale", &req.locale);
        args.insert("limit".into(), json!(req.limit.min(100)));
        let cache = self.cache_call("search_articles", args);
        let rest = async { self.rest()?.search_articles(req).await };
        self.answer("articles", None, opts, cache, rest).await
    }

    /// One article in `locale` (default its own), the first page of its text (about 29 KB; the rest
    /// through the MCP tool's cursor); `data` is None when neither source knows it.
    pub async fn get_article(
        &self,
        id: &str,
        locale: Option<&str>,
        opts: &CallOptions,
    ) -> Result<Answer<Option<ArticlePage>>, ClientError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(ClientError::Invalid("empty article id".into()));
        }
        let mut args = Map::new();
        args.insert("article_id".into(), json!(id));
        put(&mut args, "locale", &locale.map(str::to_string));
        let cache = async {
            Ok(match self.cache_call("get_article", args).await? {
                CacheAnswer::Hit(d) => CacheAnswer::Hit(Some(d)),
                CacheAnswer::Miss => CacheAnswer::Miss,
            })
        };
        let rest = async { self.rest()?.article(id, locale, 0, ARTICLE_ROOM).await };
        self.answer("articles", None, opts, cache, rest).await
    }
}
