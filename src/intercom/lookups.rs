//! Lookups the client library's REST path asks (not the sync): `GET /companies?name=|company_id=|tag_id=|
//! segment_id=`, `GET /companies/{id}/contacts` and `GET /articles/search?phrase=&state=`.

use super::endpoints::{found, get, malformed, take_list};
use super::http::segment;
use super::{ApiError, Article, Company, Contact, IntercomClient};
use serde_json::Value;

/// At most this many pages of a company's contacts are read (50 a page).
const MAX_CONTACT_PAGES: u32 = 20;

/// Which companies `GET /companies` is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyLookup<'a> {
    Name(&'a str),
    CompanyId(&'a str),
    TagId(&'a str),
    SegmentId(&'a str),
}

impl IntercomClient {
    /// `GET /companies?…`: one page of the companies matching, and the total; an empty page when a name
    /// or company_id matches nothing (Intercom answers 404).
    pub async fn find_companies(
        &self,
        by: CompanyLookup<'_>,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<Company>, Option<i64>), ApiError> {
        let what = "GET /companies";
        let (key, value) = match by {
            CompanyLookup::Name(v) => ("name", v),
            CompanyLookup::CompanyId(v) => ("company_id", v),
            CompanyLookup::TagId(v) => ("tag_id", v),
            CompanyLookup::SegmentId(v) => ("segment_id", v),
        };
        let query = vec![
            (key, value.to_string()),
            ("page", page.max(1).to_string()),
            ("per_page", per_page.clamp(1, 60).to_string()),
        ];
        let Some(mut v) = found(self.core.json(&get("/companies".into(), query)).await)? else {
            return Ok((Vec::new(), Some(0)));
        };
        let items = take_list(&mut v, "data", what)?
            .into_iter()
            .map(Company::from_raw)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| malformed(what, e))?;
        Ok((items, v.get("total_count").and_then(Value::as_i64)))
    }

    /// `GET /companies/{id}/contacts`, every page (at most 20 of 50): the contacts and the total Intercom
    /// gives; `Ok(None)` on 404.
    pub async fn company_contacts(&self, id: &str) -> Result<Option<(Vec<Contact>, i64)>, ApiError> {
        let what = "GET /companies/{id}/contacts";
        let path = format!("/companies/{}/contacts", segment(id));
        let mut all = Vec::new();
        let mut total = 0;
        for page in 1..=MAX_CONTACT_PAGES {
            let call = get(path.clone(), vec![("page", page.to_string())]);
            let Some(mut v) = found(self.core.json(&call).await)? else {
                return Ok(None);
            };
            total = v.get("total_count").and_then(Value::as_i64).unwrap_or(0);
            let items = take_list(&mut v, "data", what)?;
            let n = items.len();
            for c in items {
                all.push(Contact::from_raw(c).map_err(|e| malformed(what, e))?);
            }
            let total_pages = v
                .pointer("/pages/total_pages")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if n == 0 || u64::from(page) >= total_pages {
                break;
            }
        }
        let total = total.max(all.len() as i64);
        Ok(Some((all, total)))
    }

    /// `GET /articles/search?phrase=&state=`: the first `per_page` articles matching and the total.
    pub async fn search_articles(
        &self,
        phrase: &str,
        state: Option<&str>,
        per_page: u32,
    ) -> Result<(Vec<Article>, Option<i64>), ApiError> {
        let what = "GET /articles/search";
        let query = vec![
            ("phrase", phrase.to_string()),
            ("state", state.unwrap_or("all").to_string()),
            ("per_page", per_page.clamp(1, 250).to_string()),
        ];
        let mut v = self.core.json(&get("/articles/search".into(), query)).await?;
        let total = v.get("total_count").and_then(Value::as_i64);
        let mut data = v.get_mut("data").map(Value::take).unwrap_or(Value::Null);
        let items = take_list(&mut data, "articles", what)?
            .into_iter()
            .map(Article::from_raw)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| malformed(what, e))?;
        Ok((items, total))
    }
}
