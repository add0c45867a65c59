//! Companies and segments on the wire (API 2.16): `GET /companies/scroll`, `GET /companies/{id}`,
//! `GET /segments` and `GET /segments/{id}`.
//!
//! The scroll hands back the same `scroll_param` on every page and ends with an empty `data`. Its walk
//! goes through [`cursor_pages`] with "page number:scroll_param" as the cursor, so it has the page cap of
//! every walk; the page number keeps the repeated-cursor guard from mistaking the constant param for a
//! loop. Only one scroll may be open per workspace: a second gets 400 "scroll already exists", which
//! [`ApiError::is_scroll_busy`] recognises.

use super::endpoints::{found, get, malformed, take_list};
use super::http::segment;
use super::lenient::{id_string, ids_in, opt_i64, opt_string, opt_ts};
use super::paginate::cursor_pages;
use super::{ApiError, IntercomClient, Page};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Company {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_string")]
    pub company_id: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "opt_i64")]
    pub size: Option<i64>,
    #[serde(deserialize_with = "opt_string")]
    pub website: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub industry: Option<String>,
    #[serde(deserialize_with = "opt_i64")]
    pub session_count: Option<i64>,
    #[serde(deserialize_with = "opt_i64")]
    pub user_count: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub updated_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub remote_created_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub last_request_at: Option<i64>,
    /// `plan.name`.
    #[serde(skip)]
    pub plan: Option<String>,
    #[serde(skip)]
    pub monthly_spend: Option<f64>,
    #[serde(skip)]
    pub tag_ids: Vec<String>,
    #[serde(skip)]
    pub segment_ids: Vec<String>,
    #[serde(skip)]
    pub custom_attributes: Value,
    #[serde(skip)]
    pub raw: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Segment {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub person_type: Option<String>,
    #[serde(deserialize_with = "opt_ts")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "opt_ts")]
    pub updated_at: Option<i64>,
    #[serde(deserialize_with = "opt_i64")]
    pub count: Option<i64>,
    #[serde(skip)]
    pub raw: Value,
}

fn check_object(raw: &Value) -> Result<(), serde_json::Error> {
    use serde::de::Error;
    if !raw.is_object() || raw.get("id").is_none_or(Value::is_null) {
        return Err(serde_json::Error::custom(format!(
            "expected an object with an id, got {raw}"
        )));
    }
    Ok(())
}

impl Company {
    pub fn from_raw(raw: Value) -> Result<Self, serde_json::Error> {
        check_object(&raw)?;
        let mut c = Company::deserialize(&raw)?;
        c.plan = match raw.get("plan") {
            Some(Value::Object(p)) => p.get("name").and_then(Value::as_str).map(str::to_string),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        c.monthly_spend = raw.get("monthly_spend").and_then(|v| {
            v.as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        });
        c.tag_ids = ids_in(raw.get("tags"), "tags");
        c.segment_ids = ids_in(raw.get("segments"), "segments");
        c.custom_attributes = raw
            .get("custom_attributes")
            .filter(|v| v.is_object())
            .cloned()
            .unwrap_or_else(|| Value::Object(Default::default()));
        c.raw = raw;
        Ok(c)
    }
}

impl Segment {
    pub fn from_raw(raw: Value) -> Result<Self, serde_json::Error> {
        check_object(&raw)?;
        let mut s = Segment::deserialize(&raw)?;
        s.raw = raw;
        Ok(s)
    }
}

impl ApiError {
    /// 400 "scroll already exists for this workspace": another companies scroll is open (ours from a
    /// killed run, or another client's); it expires after a minute unused.
    pub fn is_scroll_busy(&self) -> bool {
        matches!(self, ApiError::BadRequest { message, .. } if message.to_lowercase().contains("scroll already exists"))
    }
}

impl IntercomClient {
    /// One page of `GET /companies/scroll` (`scroll_param` None opens a scroll). Returns the page, whose
    /// `next` is the `scroll_param` to pass on, or None when `data` came back empty (the end).
    pub async fn scroll_companies(&self, scroll_param: Option<&str>) -> Result<Page<Company>, ApiError> {
        let what = "GET /companies/scroll";
        let query = scroll_param
            .map(|p| vec![("scroll_param", p.to_string())])
            .unwrap_or_default();
        let mut v = self.core.json(&get("/companies/scroll".into(), query)).await?;
        let items = take_list(&mut v, "data", what)?
            .into_iter()
            .map(Company::from_raw)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| malformed(what, e))?;
        let param = v
            .get("scroll_param")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if !items.is_empty() && param.is_none() {
            return Err(ApiError::Malformed(format!(
                "{what}: a page of companies without a scroll_param"
            )));
        }
        Ok(Page {
            next: param.filter(|_| !items.is_empty()),
            items,
            total_count: v.get("total_count").and_then(Value::as_i64),
        })
    }

    /// Every page of one companies scroll, from a fresh start.
    pub fn company_scroll_pages(
        &self,
    ) -> impl Stream<Item = Result<Page<Company>, ApiError>> + Send + 'static {
        let client = self.clone();
        cursor_pages(move |cursor: Option<String>| {
            let client = client.clone();
            async move {
                let (n, param) = match cursor.as_deref().and_then(|c| c.split_once(':')) {
                    Some((n, p)) => (n.parse::<u64>().unwrap_or(1), Some(p.to_string())),
                    None => (1, None),
                };
                let mut page = client.scroll_companies(param.as_deref()).await?;
                page.next = page.next.map(|p| format!("{}:{p}", n + 1));
                Ok(page)
            }
        })
    }

    /// `GET /companies/{id}`; `Ok(None)` on 404.
    pub async fn get_company(&self, id: &str) -> Result<Option<Company>, ApiError> {
        let path = format!("/companies/{}", segment(id));
        let Some(v) = found(self.core.json(&get(path, vec![])).await)? else {
            return Ok(None);
        };
        Company::from_raw(v)
            .map(Some)
            .map_err(|e| malformed("GET /companies/{id}", e))
    }

    /// `GET /segments` (one response).
    pub async fn segments(&self) -> Result<Vec<Segment>, ApiError> {
        let what = "GET /segments";
        let mut v = self.core.json(&get("/segments".into(), vec![])).await?;
        take_list(&mut v, "segments", what)?
            .into_iter()
            .map(Segment::from_raw)
            .collect::<Result<_, _>>()
            .map_err(|e| malformed(what, e))
    }

    /// `GET /segments/{id}`: whether Intercom still has it (`false` on 404).
    pub async fn segment_exists(&self, id: &str) -> Result<bool, ApiError> {
        let path = format!("/segments/{}", segment(id));
        Ok(found(self.core.json(&get(path, vec![])).await)?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_company_with_plan_tags_and_segments() {
        let c = Company::from_raw(json!({
            "type": "company", "id": "6762f07a1bb69f9f2193baea", "name": "Acme", "plan": {"name": "pro"},
            "monthly_spend": "120.5", "updated_at": 10, "user_count": 0,
            "tags": {"type": "tag.list", "tags": [{"id": 102}]},
            "segments": {"type": "segment.list", "segments": [{"id": "s1"}]}
        }))
        .unwrap();
        assert_eq!(c.plan.as_deref(), Some("pro"));
        assert_eq!(c.monthly_spend, Some(120.5));
        assert_eq!(
            (c.tag_ids.clone(), c.segment_ids.clone()),
            (vec!["102".into()], vec!["s1".into()])
        );
        assert!(c.custom_attributes.is_object());
        let busy = ApiError::BadRequest {
            code: "bad_request".into(),
            message: "scroll already exists for this workspace".into(),
        };
        assert!(busy.is_scroll_busy());
    }
}
