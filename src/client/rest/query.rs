//! Intercom's search DSL for the client's questions: the window, the state, words in the opening message
//! (one `source.body ~ word` filter each), assignees, and the 15-filter limit; and which of the
//! [`ConversationFilters`] it can express, so the others are refused by name, never ignored.

use super::RestError;
use crate::client::DateField;
use crate::model::ConversationFilters;
use serde_json::{Value, json};

/// The filters a REST search can apply (`tag` and `contact_email` after looking up their ids).
pub const SEARCH_FILTERS: &[&str] = &["state", "admin_id", "team_id", "tag", "contact_email"];
/// The filters a REST count can apply.
pub const STATS_FILTERS: &[&str] = &["state", "admin_id", "team_id"];

/// The filters set in `f` that are not in `can`, each as `` `name` `` for a message.
pub fn unsupported(f: &ConversationFilters, can: &[&str]) -> Vec<String> {
    f.given()
        .into_iter()
        .filter(|n| !can.contains(n))
        .map(|n| format!("`{n}`"))
        .collect()
}

/// Refuse a search with a filter Intercom's search cannot express.
pub(super) fn refuse_search(f: &ConversationFilters) -> Result<(), RestError> {
    let cannot = unsupported(f, SEARCH_FILTERS);
    if cannot.is_empty() {
        return Ok(());
    }
    Err(RestError::Unsupported(format!(
        "Intercom's REST search cannot apply {} here",
        cannot.join(", ")
    )))
}

/// Refuse a count with a filter the REST count cannot apply.
pub(super) fn refuse_stats(f: &ConversationFilters) -> Result<(), RestError> {
    let cannot = unsupported(f, STATS_FILTERS);
    if cannot.is_empty() {
        return Ok(());
    }
    Err(RestError::Unsupported(format!(
        "Intercom's REST API cannot count with {} here",
        cannot.join(", ")
    )))
}

/// Intercom allows at most 15 filters per group; the window and state take up to 3.
const MAX_WORDS: usize = 12;

/// The search DSL for a window, a state and words (AND).
pub(super) fn search_query(
    since: Option<i64>,
    until: Option<i64>,
    field: DateField,
    state: Option<&str>,
    words: &[String],
) -> Result<Value, RestError> {
    if words.len() > MAX_WORDS {
        return Err(RestError::Unsupported(format!(
            "Intercom's search takes at most {MAX_WORDS} words, this query has {}",
            words.len()
        )));
    }
    let f = match field {
        DateField::CreatedAt => "created_at",
        DateField::UpdatedAt => "updated_at",
    };
    let mut filters = Vec::new();
    if let Some(s) = since {
        filters.push(json!({"field": f, "operator": ">=", "value": s}));
    }
    if let Some(u) = until {
        filters.push(json!({"field": f, "operator": "<", "value": u}));
    }
    if let Some(s) = state {
        filters.push(json!({"field": "state", "operator": "=", "value": s.trim().to_ascii_lowercase()}));
    }
    for w in words {
        filters.push(json!({"field": "source.body", "operator": "~", "value": w.to_lowercase()}));
    }
    Ok(match filters.len() {
        // Intercom needs a filter: this one matches every conversation.
        0 => json!({"field": "created_at", "operator": ">", "value": 0}),
        1 => filters.remove(0),
        _ => json!({"operator": "AND", "value": filters}),
    })
}

/// `admin_assignee_id` / `team_assignee_id` filters; `none` (as the cache reads it) asks for unassigned
/// (`= 0`).
pub(super) fn assignee_filters(f: &ConversationFilters) -> Vec<Value> {
    [
        ("admin_assignee_id", &f.admin_id),
        ("team_assignee_id", &f.team_id),
    ]
    .into_iter()
    .filter_map(|(field, v)| {
        let v = v.as_deref()?.trim();
        let none = matches!(v.to_ascii_lowercase().as_str(), "none" | "unassigned" | "0");
        // Intercom 2.16 gives unassigned conversations `0`, not null (see the API notes).
        Some(json!({"field": field, "operator": "=", "value": if none { json!(0) } else { json!(v) }}))
    })
    .collect()
}

/// `query` AND every filter of `extra`, within Intercom's 15 filters per group.
pub(super) fn and_also(query: Value, extra: Vec<Value>) -> Result<Value, RestError> {
    if extra.is_empty() {
        return Ok(query);
    }
    let mut all = match query {
        Value::Object(o) if o.get("operator").and_then(Value::as_str) == Some("AND") => {
            match o.get("value") {
                Some(Value::Array(v)) => v.clone(),
                _ => Vec::new(),
            }
        }
        // The match-everything filter adds nothing.
        q if q.get("operator").and_then(Value::as_str) == Some(">") && q.get("value") == Some(&json!(0)) => {
            Vec::new()
        }
        q => vec![q],
    };
    all.extend(extra);
    if all.len() > 15 {
        return Err(RestError::Unsupported(format!(
            "Intercom's search takes at most 15 filters, this question needs {}: use fewer words",
            all.len()
        )));
    }
    Ok(match all.len() {
        1 => all.remove(0),
        _ => json!({"operator": "AND", "value": all}),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_for_window_state_and_words() {
        let q = search_query(
            Some(10),
            Some(20),
            DateField::UpdatedAt,
            Some("Open"),
            &["Refund".into(), "twice".into()],
        )
        .unwrap();
        assert_eq!(
            q,
            json!({"operator": "AND", "value": [
                {"field": "updated_at", "operator": ">=", "value": 10},
                {"field": "updated_at", "operator": "<", "value": 20},
                {"field": "state", "operator": "=", "value": "open"},
                {"field": "source.body", "operator": "~", "value": "refund"},
                {"field": "source.body", "operator": "~", "value": "twice"},
            ]})
        );
        let one = search_query(Some(10), None, DateField::CreatedAt, None, &[]).unwrap();
        assert_eq!(one, json!({"field": "created_at", "operator": ">=", "value": 10}));
        let all = search_query(None, None, DateField::UpdatedAt, None, &[]).unwrap();
        assert_eq!(all["operator"], ">");
        let many: Vec<String> = (0..13).map(|i| format!("w{i}")).collect();
        assert!(matches!(
            search_query(None, None, DateField::UpdatedAt, None, &many),
            Err(RestError::Unsupported(_))
        ));
    }

    #[test]
    fn assignee_and_tag_filters_join_the_query() {
        let req = ConversationFilters {
            admin_id: Some("42".into()),
            team_id: Some("none".into()),
            ..Default::default()
        };
        let q = search_query(Some(10), None, DateField::UpdatedAt, None, &[]).unwrap();
        assert_eq!(
            and_also(q, assignee_filters(&req)).unwrap(),
            json!({"operator": "AND", "value": [
                {"field": "updated_at", "operator": ">=", "value": 10},
                {"field": "admin_assignee_id", "operator": "=", "value": "42"},
                {"field": "team_assignee_id", "operator": "=", "value": 0},
            ]})
        );
        let all = search_query(None, None, DateField::UpdatedAt, None, &[]).unwrap();
        let tag = json!({"field": "tag_ids", "operator": "=", "value": "7"});
        assert_eq!(and_also(all.clone(), vec![tag.clone()]).unwrap(), tag);
        assert_eq!(and_also(all.clone(), Vec::new()).unwrap(), all);
        let words: Vec<String> = (0..12).map(|i| format!("w{i}")).collect();
        let q = search_query(Some(1), Some(2), DateField::UpdatedAt, Some("open"), &words).unwrap();
        assert!(matches!(and_also(q, vec![tag]), Err(RestError::Unsupported(_))));
    }

    #[test]
    fn filters_rest_cannot_express_are_refused_by_name() {
        let f = ConversationFilters {
            state: Some("open".into()),
            tag: Some("vip".into()),
            waiting: Some(true),
            custom_attribute: Some(("Plan".into(), "pro".into())),
            ..Default::default()
        };
        let RestError::Unsupported(msg) = refuse_search(&f).unwrap_err() else {
            panic!("not Unsupported")
        };
        assert_eq!(
            msg,
            "Intercom's REST search cannot apply `waiting`, `custom_attribute` here"
        );
        let RestError::Unsupported(msg) = refuse_stats(&f).unwrap_err() else {
            panic!("not Unsupported")
        };
        assert!(msg.contains("`tag`, `waiting`, `custom_attribute`"), "{msg}");
        assert!(refuse_search(&ConversationFilters::state("open")).is_ok());
        assert!(refuse_stats(&ConversationFilters::state("open")).is_ok());
    }
}
