//! Help Center articles on the wire (API 2.16): `GET /articles` (page numbers, newest `updated_at`
//! first, published and draft) and `GET /articles/{id}`, with translated content.
//!
//! The page walk goes through [`cursor_pages`] with the next page number as its "cursor", so it has the
//! same bounds as every other walk. A next page exists when `pages.next` is present (a URL or an object,
//! both seen) or `page < total_pages`.

use super::endpoints::{found, get, malformed, take_list};
use super::http::segment;
use super::lenient::{id_string, id_vec, opt_i64, opt_id_string, opt_string, opt_ts};
use super::paginate::cursor_pages;
use super::{ApiError, IntercomClient, Page};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One locale's content (the default locale's is on the article itself).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ArticleContent {
    #[serde(skip)]
    pub locale: String,
    #[serde(deserialize_with = "opt_string")]
    pub title: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub description: Option<String>,
    /// HTML.
    #[serde(deserialize_with = "opt_string")]
    pub body: Option<String>,
    /// `published` or `draft`.
    #[serde(deserialize_with = "opt_string")]
    pub state: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub url: Option<String>,
    #[serde(deserialize_with = "opt_ts")]
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Article {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_string")]
    pub title: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub description: Option<String>,
    /// HTML.
    #[serde(deserialize_with = "opt_string")]
    pub body: Option<String>,
    #[serde(deserialize_with = "opt_id_string")]
    pub author_id: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub state: Option<String>,
    #[serde(deserialize_with = "opt_ts")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub updated_at: Option<i64>,
    #[serde(deserialize_with = "opt_string")]
    pub url: Option<String>,
    #[serde(deserialize_with = "id_vec")]
    pub parent_ids: Vec<String>,
    #[serde(deserialize_with = "opt_string")]
    pub default_locale: Option<String>,
    /// Other locales from `translated_content` (the default locale is left out when repeated there).
    #[serde(skip)]
    pub translations: Vec<ArticleContent>,
    #[serde(skip)]
    pub raw: Value,
}

impl Article {
    pub fn from_raw(raw: Value) -> Result<Self, serde_json::Error> {
        use serde::de::Error;
        if !raw.is_object() || raw.get("id").is_none_or(Value::is_null) {
            return Err(serde_json::Error::custom(format!(
                "expected an article object with an id, got {raw}"
            )));
        }
        let mut a = Article::deserialize(&raw)?;
        let default = a.default_locale.clone().unwrap_or_else(|| "en".into());
        if let Some(tc) = raw.get("translated_content").and_then(Value::as_object) {
            for (locale, v) in tc {
                if locale == "type" || !v.is_object() || *locale == default {
                    continue;
                }
                let mut c = ArticleContent::deserialize(v)?;
                c.locale = locale.clone();
                a.translations.push(c);
            }
        }
        a.raw = raw;
        Ok(a)
    }
}

/// `pages.page` / `pages.total_pages` as page numbers (out-of-range values count as absent).
fn page_num(v: &Value, p: &str) -> Option<u32> {
    v.pointer(p)
        .and_then(|n| opt_i64(n).ok().flatten())
        .and_then(|n| u32::try_from(n).ok())
}

impl IntercomClient {
    /// `GET /articles?page=&per_page=`. `next` is the following page number, if any.
    pub async fn list_articles(&self, page: u32, per_page: u32) -> Result<Page<Article>, ApiError> {
        let what = "GET /articles";
        let query = vec![
            ("page", page.max(1).to_string()),
            ("per_page", per_page.clamp(1, 250).to_string()),
        ];
        let mut v = self.core.json(&get("/articles".into(), query)).await?;
        let items = take_list(&mut v, "data", what)?
            .into_iter()
            .map(Article::from_raw)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| malformed(what, e))?;
        let page = page_num(&v, "/pages/page").unwrap_or(page.max(1));
        let total_pages = page_num(&v, "/pages/total_pages").unwrap_or(page);
        let more = v.pointer("/pages/next").is_some_and(|n| !n.is_null() && n != "") || page < total_pages;
        let next = (more && !items.is_empty()).then(|| page.saturating_add(1).to_string());
        Ok(Page {
            items,
            next,
            total_count: v.get("total_count").and_then(Value::as_i64),
        })
    }

    /// Every page of `GET /articles`, newest first.
    pub fn article_pages(
        &self,
        per_page: u32,
    ) -> impl Stream<Item = Result<Page<Article>, ApiError>> + Send + 'static {
        let client = self.clone();
        cursor_pages(move |cursor: Option<String>| {
            let client = client.clone();
            let page = cursor.and_then(|c| c.parse().ok()).unwrap_or(1);
            async move { client.list_articles(page, per_page).await }
        })
    }

    /// `GET /articles/{id}`; `Ok(None)` on 404 (deleted).
    pub async fn get_article(&self, id: &str) -> Result<Option<Article>, ApiError> {
        let path = format!("/articles/{}", segment(id));
        let Some(v) = found(self.core.json(&get(path, vec![])).await)? else {
            return Ok(None);
        };
        Article::from_raw(v)
            .map(Some)
            .map_err(|e| malformed("GET /articles/{id}", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn translations_and_lenient_ids() {
        let a = Article::from_raw(json!({
            "type": "article", "id": 42, "title": "Reset 2FA", "author_id": 991, "state": "published",
            "updated_at": "100", "parent_ids": [7, "8"], "default_locale": "en",
            "translated_content": {"type": "article_translated_content",
                "en": {"title": "Reset 2FA"}, "fr": {"title": "Réinitialiser", "body": "<p>x</p>"}, "de": null}
        }))
        .unwrap();
        assert_eq!((a.id.as_str(), a.updated_at), ("42", Some(100)));
        assert_eq!(a.parent_ids, vec!["7", "8"]);
        assert_eq!(a.translations.len(), 1);
        assert_eq!(a.translations[0].locale, "fr");
        assert!(Article::from_raw(json!({"title": "no id"})).is_err());
    }
}
