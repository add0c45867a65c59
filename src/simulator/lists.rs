//! The list and search endpoints: pagination parameters (query string or body), keyset scans over the
//! sort indexes with cached `total_count`s, and the deleted-conversations feed.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::cursor::{self, Cursor};
use super::fields::{ContactRow, ConvRow};
use super::render::{self, Parts};
use super::routes::{ApiError, Shared, err, to_vec};
use super::search::{self, Kind, Query as DslQuery, Sort};
use super::workspace::Workspace;

fn id_sort() -> Sort {
    Sort {
        field: "id".into(),
        descending: false,
    }
}

pub(super) fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        err(
            400,
            "parameter_invalid",
            format!("Request body is not valid JSON: {e}"),
        )
    })?;
    if !v.is_object() {
        return Err(err(
            400,
            "parameter_invalid",
            "Request body must be a JSON object",
        ));
    }
    Ok(v)
}

fn clamp_per_page(n: i64) -> usize {
    n.clamp(1, 150) as usize
}

fn parse_cursor(s: Option<&str>) -> Result<Option<Cursor>, ApiError> {
    match s {
        None => Ok(None),
        Some("") => Ok(None),
        Some(s) => cursor::decode(s)
            .map(Some)
            .ok_or_else(|| err(400, "client_error", cursor::BAD_CURSOR)),
    }
}

fn list_params(q: &HashMap<String, String>, default: usize) -> Result<(usize, Option<Cursor>), ApiError> {
    let per_page = match q.get("per_page") {
        Some(p) => clamp_per_page(
            p.parse()
                .map_err(|_| err(400, "parameter_invalid", "per_page must be an integer"))?,
        ),
        None => default,
    };
    Ok((
        per_page,
        parse_cursor(q.get("starting_after").map(String::as_str))?,
    ))
}

fn body_pagination(b: &Value, default: usize) -> Result<(usize, Option<Cursor>), ApiError> {
    let p = b.get("pagination");
    let per_page = match p.and_then(|p| p.get("per_page")) {
        None | Some(Value::Null) => default,
        Some(v) => clamp_per_page(
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| err(400, "parameter_invalid", "pagination.per_page must be an integer"))?,
        ),
    };
    let after = p.and_then(|p| p.get("starting_after")).and_then(Value::as_str);
    Ok((per_page, parse_cursor(after)?))
}

/// `GET /conversations` and `GET /contacts`: every row in id (creation) order, cursor in the query string.
pub(super) fn plain_list(
    sh: &Shared,
    ws: &Workspace,
    kind: Kind,
    q: &HashMap<String, String>,
    default_per_page: usize,
) -> Result<Vec<u8>, ApiError> {
    let (per_page, after) = list_params(q, default_per_page)?;
    let sort = id_sort();
    let list = Search {
        query: &DslQuery::All,
        cache_key: "",
        sort: &sort,
        indexed_only: false,
    };
    list_search(sh, ws, kind, list, per_page, after)
}

/// `POST /conversations/search` and `POST /contacts/search`: query DSL, sort and cursor in the body.
pub(super) fn search_endpoint(
    sh: &Shared,
    ws: &Workspace,
    kind: Kind,
    body: &[u8],
    default_per_page: usize,
    indexed_only: bool,
) -> Result<Vec<u8>, ApiError> {
    let b = json_body(body)?;
    let query = search::parse(kind, b.get("query"))?;
    let sort = search::parse_sort(
        b.get("sort"),
        &["updated_at", "created_at", "id"],
        Sort {
            field: "updated_at".into(),
            descending: true,
        },
    )?;
    let (per_page, after) = body_pagination(&b, default_per_page)?;
    let ck = format!(
        "{}{}",
        b.get("query").map(|v| v.to_string()).unwrap_or_default(),
        sort.field
    );
    let search = Search {
        query: &query,
        cache_key: &ck,
        sort: &sort,
        indexed_only,
    };
    list_search(sh, ws, kind, search, per_page, after)
}

/// What to list: the query, its cache key for `total_count`, the sort, and whether rows not yet
/// indexed for search (new contacts) are hidden.
struct Search<'a> {
    query: &'a DslQuery,
    cache_key: &'a str,
    sort: &'a Sort,
    indexed_only: bool,
}

/// Cursor list and search for both kinds: keyset scan over the sort index within the query's bounds.
fn list_search(
    sh: &Shared,
    ws: &Workspace,
    kind: Kind,
    search: Search<'_>,
    per_page: usize,
    after: Option<Cursor>,
) -> Result<Vec<u8>, ApiError> {
    let Search {
        query,
        cache_key,
        sort,
        indexed_only,
    } = search;
    let now_s = chrono::Utc::now().timestamp();
    // Newly created contacts reach search late (quirk §10.12); counts are not cached meanwhile.
    let hide_new = indexed_only && ws.max_searchable_at > now_s;
    let index = match (kind, sort.field.as_str()) {
        (Kind::Conversation, "updated_at") => &ws.conv_by_updated,
        (Kind::Conversation, "created_at") => &ws.conv_by_created,
        (Kind::Conversation, _) => &ws.conv_by_id,
        (Kind::Contact, "updated_at") => &ws.contact_by_updated,
        (Kind::Contact, "created_at") => &ws.contact_by_created,
        (Kind::Contact, _) => &ws.contact_by_idx,
        (Kind::Ticket, "updated_at") => &ws.tickets.by_updated,
        (Kind::Ticket, "created_at") => &ws.tickets.by_created,
        (Kind::Ticket, _) => &ws.tickets.by_id,
    };
    let time_sort = sort.field != "id";
    let bounds = if sort.field == "id" && kind == Kind::Contact {
        (i64::MIN, i64::MAX)
    } else {
        query.bounds(&sort.field)
    };
    let after_key = match &after {
        None => None,
        Some(c) => {
            let key = match kind {
                Kind::Conversation | Kind::Ticket => c.id.parse::<u64>().ok(),
                Kind::Contact => ws.contact_by_id.get(&c.id).map(|i| *i as u64),
            };
            let key = key.ok_or_else(|| err(400, "client_error", cursor::BAD_CURSOR))?;
            let sv = if time_sort {
                c.sort_value.div_euclid(1000)
            } else {
                c.sort_value
            };
            Some((sv, key))
        }
    };
    let matches = |k: u64| -> bool {
        if hide_new && ws.contacts[k as usize].searchable_at > now_s {
            return false;
        }
        if matches!(query, DslQuery::All) {
            return true;
        }
        match kind {
            Kind::Conversation => ws
                .convs
                .get(&k)
                .is_some_and(|c| query.matches(&ConvRow { ws, c })),
            Kind::Contact => query.matches(&ContactRow {
                ws,
                c: &ws.contacts[k as usize],
            }),
            Kind::Ticket => ws
                .tickets
                .rows
                .get(&k)
                .is_some_and(|t| query.matches(&super::tickets::TicketRow { ws, t })),
        }
    };
    let page = cursor::scan(index, bounds, sort.descending, after_key, per_page, matches);
    let total = if matches!(query, DslQuery::All) && !hide_new {
        index.len()
    } else if hide_new {
        cursor::count(index, bounds, matches)
    } else {
        let ck = format!("{kind:?}|{cache_key}");
        let cached = sh.counts.lock().expect("counts").get(&ck).copied();
        match cached {
            Some((g, n)) if g == ws.generation => n,
            _ => {
                let n = cursor::count(index, bounds, matches);
                let mut m = sh.counts.lock().expect("counts");
                if m.len() > 4096 {
                    m.clear();
                }
                m.insert(ck, (ws.generation, n));
                n
            }
        }
    };
    let page_no = after.as_ref().map(|c| c.page).unwrap_or(1);
    let next = if page.has_more {
        page.rows.last().map(|&(s, k)| {
            let id = match kind {
                Kind::Conversation | Kind::Ticket => k.to_string(),
                Kind::Contact => ws.contacts[k as usize].id.clone(),
            };
            cursor::encode(&Cursor {
                sort_value: if time_sort { s * 1000 } else { s },
                id,
                page: page_no + 1,
            })
        })
    } else {
        None
    };
    let pages = cursor::pages_json(page_no, per_page, total, next);
    match kind {
        Kind::Conversation => {
            let items: Vec<render::ConvOut<'_>> = page
                .rows
                .iter()
                .filter_map(|&(_, k)| ws.convs.get(&k))
                .map(|c| render::conversation_out(ws, c, Parts::None, false))
                .collect();
            let v = ConvList {
                ty: "conversation.list",
                pages,
                total_count: total,
                conversations: items,
            };
            serde_json::to_vec(&v).map_err(|e| err(500, "server_error", e.to_string()))
        }
        Kind::Contact => {
            let items: Vec<Value> = page
                .rows
                .iter()
                .map(|&(_, k)| render::contact_json(ws, &ws.contacts[k as usize]))
                .collect();
            to_vec(&json!({"type": "list", "data": items, "total_count": total, "pages": pages}))
        }
        Kind::Ticket => {
            let items: Vec<Value> = page
                .rows
                .iter()
                .filter_map(|&(_, k)| ws.tickets.rows.get(&k))
                .map(|t| super::tickets::ticket_json(ws, t))
                .collect();
            to_vec(&json!({"type": "ticket.list", "tickets": items, "total_count": total, "pages": pages}))
        }
    }
}

#[derive(serde::Serialize)]
struct ConvList<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    pages: Value,
    total_count: usize,
    conversations: Vec<render::ConvOut<'a>>,
}

/// `GET /conversations/deleted`: page-number pagination, `next` is a URL or null.
pub(super) fn deleted_feed(sh: &Shared, ws: &Workspace, q: &HashMap<String, String>) -> Value {
    let per_page = q
        .get("per_page")
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(20)
        .clamp(1, 60) as usize;
    let page = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let asc = q.get("order").is_some_and(|o| o == "asc");
    let total = ws.deleted.len();
    let total_pages = total.div_ceil(per_page);
    let ordered: Box<dyn Iterator<Item = &(u64, i64)>> = if asc {
        Box::new(ws.deleted.iter())
    } else {
        Box::new(ws.deleted.iter().rev())
    };
    let items: Vec<Value> = ordered
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|&(id, at)| json!({"type": "conversation", "id": id.to_string(), "metrics_retained": false, "deleted_at": at}))
        .collect();
    let next = if page < total_pages {
        json!(format!(
            "{}/conversations/deleted?per_page={per_page}&order={}&page={}",
            sh.base_url,
            if asc { "asc" } else { "desc" },
            page + 1
        ))
    } else {
        Value::Null
    };
    json!({"type": "conversations.list", "total_count": total,
           "pages": {"type": "pages", "next": next, "page": page, "per_page": per_page, "total_pages": total_pages},
           "conversations": items})
}
