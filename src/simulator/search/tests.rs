use super::*;
use crate::simulator::workspace::DAY;
use serde_json::Value;
use serde_json::json;
use std::borrow::Cow;

struct R {
    updated_at: i64,
    state: &'static str,
    tags: Vec<String>,
    body: &'static str,
}
impl Row for R {
    fn get(&self, f: &str) -> Val<'_> {
        match f {
            "updated_at" => Val::Int(Some(self.updated_at)),
            "state" => Val::Str(Some(Cow::Borrowed(self.state))),
            "tag_ids" => Val::List(self.tags.clone()),
            "source.body" => Val::Text(self.body),
            _ => Val::Int(None),
        }
    }
}
fn r(u: i64, s: &'static str) -> R {
    R {
        updated_at: u,
        state: s,
        tags: vec!["102".into()],
        body: "i need support now",
    }
}
fn q(v: Value) -> Result<Query, QueryError> {
    parse(Kind::Conversation, Some(&v))
}

#[test]
fn ranges_are_strict_and_inclusive() {
    let gt = q(json!({"field": "updated_at", "operator": ">", "value": 10})).unwrap();
    assert!(!gt.matches(&r(10, "open")) && gt.matches(&r(11, "open")));
    let le = q(json!({"field": "updated_at", "operator": "<=", "value": "10"})).unwrap();
    assert!(le.matches(&r(10, "open")) && !le.matches(&r(11, "open")));
}

#[test]
fn groups_in_words_and_bounds() {
    let query = q(json!({"operator": "AND", "value": [
        {"operator": "OR", "value": [
            {"field": "updated_at", "operator": ">", "value": 10},
            {"field": "updated_at", "operator": "=", "value": 10}]},
        {"field": "updated_at", "operator": "<", "value": 20},
        {"field": "state", "operator": "IN", "value": ["open", "Snoozed"]}]}))
    .unwrap();
    assert!(query.matches(&r(10, "open")) && query.matches(&r(19, "snoozed")));
    assert!(!query.matches(&r(20, "open")) && !query.matches(&r(15, "closed")));
    assert_eq!(query.bounds("updated_at"), (10, 19));
    assert_eq!(query.bounds("created_at"), (i64::MIN, i64::MAX));
    let w = q(json!({"field": "source.body", "operator": "=", "value": "support"})).unwrap();
    assert!(w.matches(&r(1, "open")));
    let w2 = q(json!({"field": "source.body", "operator": "=", "value": "need support"})).unwrap();
    assert!(!w2.matches(&r(1, "open")));
    let c = q(json!({"field": "state", "operator": "~", "value": "pe"})).unwrap();
    assert!(c.matches(&r(1, "open")));
    let t = q(json!({"field": "tag_ids", "operator": "=", "value": "102"})).unwrap();
    assert!(t.matches(&r(1, "open")));
}

#[test]
fn errors() {
    let deep = json!({"operator": "AND", "value": [{"operator": "OR", "value": [
        {"operator": "AND", "value": [{"field": "id", "operator": "=", "value": "1"}]}]}]});
    assert_eq!(q(deep).unwrap_err().code, "parameter_invalid");
    let many: Vec<Value> = (0..16)
        .map(|i| json!({"field": "id", "operator": "=", "value": i}))
        .collect();
    assert!(
        q(json!({"operator": "OR", "value": many}))
            .unwrap_err()
            .message
            .contains("15")
    );
    let tm = q(json!({"field": "created_at", "operator": ">", "value": "foobar"})).unwrap_err();
    assert_eq!(tm.code, "type_mismatch");
    assert!(q(json!({"field": "nope", "operator": "=", "value": 1})).is_err());
    assert!(q(json!({"field": "open", "operator": ">", "value": true})).is_err());
    let cd = parse(
        Kind::Contact,
        Some(&json!({"field": "updated_at", "operator": ">=", "value": 1})),
    )
    .unwrap_err();
    assert_eq!(cd.code, "parameter_invalid");
    let e = parse_sort(
        Some(&json!({"field": "updated_at", "order": "desc"})),
        &["updated_at"],
        Sort {
            field: "updated_at".into(),
            descending: true,
        },
    )
    .unwrap_err();
    assert_eq!(e.code, "invalid_sort_order");
}

#[test]
fn contact_dates_are_days() {
    let t = 10 * DAY + 500;
    let gt = parse(
        Kind::Contact,
        Some(&json!({"field": "updated_at", "operator": ">", "value": t})),
    )
    .unwrap();
    assert_eq!(gt.bounds("updated_at"), (11 * DAY, i64::MAX));
    let eq = parse(
        Kind::Contact,
        Some(&json!({"field": "updated_at", "operator": "=", "value": t})),
    )
    .unwrap();
    assert_eq!(eq.bounds("updated_at"), (10 * DAY, 11 * DAY - 1));
}
