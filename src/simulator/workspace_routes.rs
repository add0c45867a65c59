//! Routes for the rest of the workspace: tickets (search, retrieve by API id, types, states), and
//! whatever else [`super::routes`] does not serve. Faults, auth and rate limits were already applied by
//! the one handler in front.

use std::collections::HashMap;

use axum::http::Method;
use serde_json::{Value, json};

use super::articles;
use super::companies;
use super::lists::search_endpoint;
use super::routes::{ApiError, Shared, err, not_found, to_vec};
use super::search::Kind;
use super::segments;
use super::tickets;
use super::workspace::Workspace;
use super::workspace_lookups;

pub fn dispatch(
    sh: &Shared,
    ws: &Workspace,
    method: &Method,
    segs: &[&str],
    q: &HashMap<String, String>,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let get = method == Method::GET;
    let post = method == Method::POST;
    let v: Value = match (segs, get, post) {
        (["tickets", "search"], _, true) => {
            return search_endpoint(sh, ws, Kind::Ticket, body, 20, false);
        }
        (["tickets", id], true, _) => {
            let t = id
                .parse::<u64>()
                .ok()
                .and_then(|id| ws.tickets.rows.get(&id))
                .ok_or_else(|| err(404, "ticket_not_found", "Ticket not found"))?;
            tickets::ticket_json(ws, t)
        }
        (["ticket_types"], true, _) => {
            let data: Vec<Value> = (0..ws.tickets.types.len())
                .map(|i| tickets::type_json(&ws.tickets, i))
                .collect();
            json!({"type": "list", "data": data})
        }
        (["ticket_types", id], true, _) => {
            let i = ws
                .tickets
                .types
                .iter()
                .position(|t| t.id.to_string() == *id)
                .ok_or_else(not_found)?;
            tickets::type_json(&ws.tickets, i)
        }
        (["ticket_states"], true, _) => tickets::states_json(&ws.tickets),
        (["articles"], true, _) => articles::list_json(
            ws,
            number(q, "page", 1)?.max(1),
            number(q, "per_page", 25)?.clamp(1, 250),
        ),
        (["articles", "search"], true, _) => workspace_lookups::search_articles(
            ws,
            q,
            number(q, "page", 1)?.max(1),
            number(q, "per_page", 10)?.clamp(1, 250),
        )?,
        (["articles", id], true, _) => {
            let a = id
                .parse::<u64>()
                .ok()
                .and_then(|id| ws.articles.rows.get(&id))
                .ok_or_else(not_found)?;
            articles::article_json(ws, a)
        }
        (["segments"], true, _) => segments::list_json(ws),
        (["segments", id], true, _) => ws
            .segments
            .iter()
            .find(|s| s.id == *id)
            .map(segments::segment_json)
            .ok_or_else(not_found)?,
        (["companies"], true, _) => workspace_lookups::companies(
            ws,
            q,
            number(q, "page", 1)?.max(1),
            number(q, "per_page", 15)?.clamp(1, 60),
        )?,
        (["companies", id, "contacts"], true, _) => {
            workspace_lookups::company_contacts(ws, id, number(q, "page", 1)?.max(1))?
        }
        (["companies", "scroll"], true, _) => {
            companies::scroll(ws, q.get("scroll_param").map(String::as_str))?
        }
        (["companies", "list"], _, true) => companies::list(
            ws,
            number(q, "page", 1)?.max(1),
            number(q, "per_page", 15)?.clamp(1, 60),
        )?,
        (["companies", id], true, _) => {
            let key = ws
                .companies
                .by_id
                .get(*id)
                .ok_or_else(|| err(404, "company_not_found", "Company Not Found"))?;
            companies::company_json(ws, &ws.companies.rows[key])
        }
        _ => return Err(not_found()),
    };
    to_vec(&v)
}

/// A page-number parameter from the query string (`default` when absent).
fn number(q: &HashMap<String, String>, key: &str, default: usize) -> Result<usize, ApiError> {
    q.get(key).map_or(Ok(default), |v| {
        v.parse::<usize>().map_err(|_| {
            err(
                400,
                "parameter_invalid",
                format!("{key} must be a positive integer"),
            )
        })
    })
}
