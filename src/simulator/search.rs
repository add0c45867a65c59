//! The search query DSL (API notes §4): parse and type-check a query into a [`Query`], evaluate it
//! against a row through the [`Row`] trait, and derive bounds on a sort field so scans stay narrow.
//!
//! Choices where Intercom is unverified: `>`/`<` are strict and `>=`/`<=` inclusive; string comparisons
//! are case-insensitive; contact date filters are truncated to UTC days (the simulated workspace's
//! timezone is UTC, as `/me` says).

use serde_json::Value;

use super::workspace::DAY;

/// Which endpoint's field table and date semantics apply.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Conversation,
    Contact,
    Ticket,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FType {
    /// Unix seconds (numbers or numeric strings).
    Date,
    Int,
    /// A numeric id sent as a string or number, compared numerically.
    NumId,
    Str,
    Bool,
    /// Tokenised text (`source.body`): `=` matches one word.
    Text,
    /// A set of ids: `=` means "contains".
    List,
}

/// Searchable fields per kind, with their types.
pub fn field_type(kind: Kind, field: &str) -> Option<FType> {
    use FType::*;
    Some(match (kind, field) {
        (Kind::Conversation, "id") => NumId,
        (Kind::Conversation, "created_at" | "updated_at" | "waiting_since" | "snoozed_until") => Date,
        (Kind::Conversation, "admin_assignee_id" | "team_assignee_id") => Int,
        (Kind::Conversation, "state" | "priority") => Str,
        (Kind::Conversation, "open" | "read" | "ai_agent_participated") => Bool,
        (Kind::Conversation, "tag_ids" | "contact_ids" | "teammate_ids") => List,
        (Kind::Conversation, "source.body") => Text,
        (
            Kind::Conversation,
            "source.subject"
            | "source.author.email"
            | "source.author.name"
            | "source.author.id"
            | "source.author.type"
            | "source.delivered_as"
            | "source.type"
            | "source.id"
            | "channel_initiated",
        ) => Str,
        (Kind::Conversation, "statistics.count_conversation_parts") => Int,
        (Kind::Contact, "created_at" | "updated_at" | "signed_up_at" | "last_seen_at") => Date,
        (
            Kind::Contact,
            "id"
            | "email"
            | "name"
            | "role"
            | "external_id"
            | "email_domain"
            | "phone"
            | "owner_id"
            | "location.country"
            | "location.city"
            | "location.region"
            | "browser"
            | "custom_attributes.plan",
        ) => Str,
        (Kind::Contact, "custom_attributes.seats") => Int,
        (Kind::Contact, "tag_id") => List,
        (Kind::Ticket, "id" | "admin_assignee_id" | "team_assignee_id" | "ticket_type_id") => Int,
        (Kind::Ticket, "created_at" | "updated_at" | "snoozed_until") => Date,
        (Kind::Ticket, "title" | "description" | "category" | "state") => Str,
        (Kind::Ticket, "open") => Bool,
        (Kind::Ticket, "contact_ids" | "teammate_ids") => List,
        _ => return None,
    })
}

/// A field value read from a row.
pub enum Val<'a> {
    Int(Option<i64>),
    Str(Option<std::borrow::Cow<'a, str>>),
    Bool(bool),
    /// Lower-case plain text; tokenised on demand.
    Text(&'a str),
    List(Vec<String>),
}

/// A row that can be searched.
pub trait Row {
    fn get(&self, field: &str) -> Val<'_>;
}

/// A bad query: HTTP 400 with this code and message.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    pub code: &'static str,
    pub message: String,
}

fn bad(code: &'static str, message: impl Into<String>) -> QueryError {
    QueryError {
        code,
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Inclusive range on an integer value.
    Range(i64, i64),
    NotRange(i64, i64),
    IntIn(Vec<i64>),
    IntNin(Vec<i64>),
    StrEq(String),
    StrNe(String),
    StrIn(Vec<String>),
    StrNin(Vec<String>),
    Contains(String),
    NotContains(String),
    Starts(String),
    Ends(String),
    IsNull,
    NotNull,
    BoolEq(bool),
    Word(String),
    NotWord(String),
    ListHas(String),
    ListLacks(String),
    ListAny(Vec<String>),
    ListNone(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    All,
    Filter { field: String, test: Test },
    And(Vec<Query>),
    Or(Vec<Query>),
}

pub const MAX_PER_GROUP: usize = 15;

/// Parse `query` (absent = match everything). Groups nest at most two levels (root + one).
pub fn parse(kind: Kind, q: Option<&Value>) -> Result<Query, QueryError> {
    match q {
        None | Some(Value::Null) => Ok(Query::All),
        Some(v) => parse_node(kind, v, 0),
    }
}

fn parse_node(kind: Kind, v: &Value, depth: usize) -> Result<Query, QueryError> {
    let obj = v
        .as_object()
        .ok_or_else(|| bad("parameter_invalid", "query must be an object"))?;
    let op = obj.get("operator").and_then(Value::as_str).unwrap_or("");
    if obj.get("field").is_none() && (op == "AND" || op == "OR") {
        if depth >= 2 {
            return Err(bad("parameter_invalid", "Nested queries are limited to 2 levels"));
        }
        let items = obj.get("value").and_then(Value::as_array).ok_or_else(|| {
            bad(
                "parameter_invalid",
                format!("{op} operator requires an array value"),
            )
        })?;
        if items.len() > MAX_PER_GROUP {
            return Err(bad(
                "parameter_invalid",
                format!(
                    "A maximum of {MAX_PER_GROUP} filters can be used in one {op} group, got {}",
                    items.len()
                ),
            ));
        }
        if items.is_empty() {
            return Err(bad(
                "parameter_invalid",
                format!("{op} operator requires at least one filter"),
            ));
        }
        let subs = items
            .iter()
            .map(|x| parse_node(kind, x, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(if op == "AND" {
            Query::And(subs)
        } else {
            Query::Or(subs)
        });
    }
    let field = obj.get("field").and_then(Value::as_str).ok_or_else(|| {
        bad(
            "parameter_invalid",
            "each filter needs a field, an operator and a value",
        )
    })?;
    let value = obj.get("value").unwrap_or(&Value::Null);
    let ftype = field_type(kind, field)
        .ok_or_else(|| bad("parameter_invalid", format!("{field} is not a searchable field")))?;
    let test = compile(kind, field, ftype, op, value)?;
    Ok(Query::Filter {
        field: field.to_string(),
        test,
    })
}

fn mismatch(field: &str, op: &str, value: &Value) -> QueryError {
    bad(
        "type_mismatch",
        format!("Value {value} for field {field} does not match its type (operator {op})"),
    )
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

fn day_start(t: i64) -> i64 {
    t.div_euclid(DAY) * DAY
}

fn compile(kind: Kind, field: &str, ft: FType, op: &str, v: &Value) -> Result<Test, QueryError> {
    let unsupported = || {
        bad(
            "parameter_invalid",
            format!("Operator {op} is not supported for field {field}"),
        )
    };
    let arr = |conv: &dyn Fn(&Value) -> Option<String>| -> Result<Vec<String>, QueryError> {
        let a = v.as_array().ok_or_else(|| mismatch(field, op, v))?;
        a.iter()
            .map(|x| conv(x).ok_or_else(|| mismatch(field, op, v)))
            .collect()
    };
    let int_arr = || -> Result<Vec<i64>, QueryError> {
        let a = v.as_array().ok_or_else(|| mismatch(field, op, v))?;
        a.iter()
            .map(|x| as_int(x).ok_or_else(|| mismatch(field, op, v)))
            .collect()
    };
    match ft {
        FType::Date | FType::Int | FType::NumId => {
            let contact_date = kind == Kind::Contact && ft == FType::Date;
            if contact_date && !matches!(op, "=" | ">" | "<") {
                return Err(bad(
                    "parameter_invalid",
                    format!("Operator {op} is not supported for date field {field}; use =, > or <"),
                ));
            }
            match op {
                "IN" => return Ok(Test::IntIn(int_arr()?)),
                "NIN" => return Ok(Test::IntNin(int_arr()?)),
                "=" | "!=" if v.is_null() => return Ok(if op == "=" { Test::IsNull } else { Test::NotNull }),
                _ => {}
            }
            let n = as_int(v).ok_or_else(|| mismatch(field, op, v))?;
            if contact_date {
                let d = day_start(n);
                return Ok(match op {
                    "=" => Test::Range(d, d + DAY - 1),
                    ">" => Test::Range(d + DAY, i64::MAX),
                    _ => Test::Range(i64::MIN, d - 1),
                });
            }
            Ok(match op {
                "=" => Test::Range(n, n),
                "!=" => Test::NotRange(n, n),
                ">" => Test::Range(n.saturating_add(1), i64::MAX),
                ">=" => Test::Range(n, i64::MAX),
                "<" => Test::Range(i64::MIN, n.saturating_sub(1)),
                "<=" => Test::Range(i64::MIN, n),
                _ => return Err(unsupported()),
            })
        }
        FType::Str => {
            match op {
                "IN" => return Ok(Test::StrIn(arr(&as_str)?)),
                "NIN" => return Ok(Test::StrNin(arr(&as_str)?)),
                "=" | "!=" if v.is_null() => return Ok(if op == "=" { Test::IsNull } else { Test::NotNull }),
                _ => {}
            }
            let s = as_str(v).ok_or_else(|| mismatch(field, op, v))?;
            Ok(match op {
                "=" => Test::StrEq(s),
                "!=" => Test::StrNe(s),
                "~" => Test::Contains(s),
                "!~" => Test::NotContains(s),
                "^" => Test::Starts(s),
                "$" => Test::Ends(s),
                _ => return Err(unsupported()),
            })
        }
        FType::Bool => {
            let b = as_bool(v).ok_or_else(|| mismatch(field, op, v))?;
            Ok(match op {
                "=" => Test::BoolEq(b),
                "!=" => Test::BoolEq(!b),
                _ => return Err(unsupported()),
            })
        }
        FType::Text => {
            let s = as_str(v).ok_or_else(|| mismatch(field, op, v))?;
            Ok(match op {
                "=" => Test::Word(s),
                "!=" => Test::NotWord(s),
                "~" => Test::Contains(s),
                "!~" => Test::NotContains(s),
                _ => return Err(unsupported()),
            })
        }
        FType::List => {
            let id = |x: &Value| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            if kind == Kind::Contact && !matches!(op, "=" | "!=") {
                return Err(unsupported());
            }
            match op {
                "IN" => Ok(Test::ListAny(arr(&id)?)),
                "NIN" => Ok(Test::ListNone(arr(&id)?)),
                "=" => Ok(Test::ListHas(id(v).ok_or_else(|| mismatch(field, op, v))?)),
                "!=" => Ok(Test::ListLacks(id(v).ok_or_else(|| mismatch(field, op, v))?)),
                _ => Err(unsupported()),
            }
        }
    }
}

/// `text` is lower-case plain text (see `Val::Text`).
fn has_word(text: &str, w: &str) -> bool {
    super::textgen::words(text).any(|x| x == w)
}

fn test_val(t: &Test, v: Val<'_>) -> bool {
    match (t, v) {
        (Test::Range(lo, hi), Val::Int(Some(x))) => *lo <= x && x <= *hi,
        (Test::Range(..), Val::Int(None)) => false,
        (Test::NotRange(lo, hi), Val::Int(x)) => x.is_none_or(|x| x < *lo || x > *hi),
        (Test::IntIn(xs), Val::Int(x)) => x.is_some_and(|x| xs.contains(&x)),
        (Test::IntNin(xs), Val::Int(x)) => !x.is_some_and(|x| xs.contains(&x)),
        (Test::IsNull, Val::Int(x)) => x.is_none(),
        (Test::NotNull, Val::Int(x)) => x.is_some(),
        (Test::IsNull, Val::Str(x)) => x.is_none(),
        (Test::NotNull, Val::Str(x)) => x.is_some(),
        (Test::BoolEq(b), Val::Bool(x)) => *b == x,
        (Test::Word(w), Val::Text(s)) => has_word(s, w),
        (Test::NotWord(w), Val::Text(s)) => !has_word(s, w),
        (Test::Contains(w), Val::Text(s)) => s.contains(w.as_str()),
        (Test::NotContains(w), Val::Text(s)) => !s.contains(w.as_str()),
        (Test::ListHas(x), Val::List(xs)) => xs.contains(x),
        (Test::ListLacks(x), Val::List(xs)) => !xs.contains(x),
        (Test::ListAny(ys), Val::List(xs)) => ys.iter().any(|y| xs.contains(y)),
        (Test::ListNone(ys), Val::List(xs)) => !ys.iter().any(|y| xs.contains(y)),
        (t, Val::Str(s)) => {
            let s = s.map(|s| s.to_lowercase());
            let s = s.as_deref();
            match t {
                Test::StrEq(x) => s == Some(x.as_str()),
                Test::StrNe(x) => s != Some(x.as_str()),
                Test::StrIn(xs) => s.is_some_and(|s| xs.iter().any(|x| x == s)),
                Test::StrNin(xs) => !s.is_some_and(|s| xs.iter().any(|x| x == s)),
                Test::Contains(x) => s.is_some_and(|s| s.contains(x.as_str())),
                Test::NotContains(x) => !s.is_some_and(|s| s.contains(x.as_str())),
                Test::Starts(x) => s.is_some_and(|s| s.starts_with(x.as_str())),
                Test::Ends(x) => s.is_some_and(|s| s.ends_with(x.as_str())),
                _ => false,
            }
        }
        _ => false,
    }
}

impl Query {
    pub fn matches(&self, row: &impl Row) -> bool {
        match self {
            Query::All => true,
            Query::Filter { field, test } => test_val(test, row.get(field)),
            Query::And(qs) => qs.iter().all(|q| q.matches(row)),
            Query::Or(qs) => qs.iter().any(|q| q.matches(row)),
        }
    }

    /// An inclusive interval that contains `field`'s value on every matching row (an over-approximation).
    pub fn bounds(&self, field: &str) -> (i64, i64) {
        const ALL: (i64, i64) = (i64::MIN, i64::MAX);
        match self {
            Query::Filter {
                field: f,
                test: Test::Range(lo, hi),
            } if f == field => (*lo, *hi),
            Query::Filter {
                field: f,
                test: Test::IntIn(xs),
            } if f == field && !xs.is_empty() => (
                *xs.iter().min().expect("non-empty"),
                *xs.iter().max().expect("non-empty"),
            ),
            Query::And(qs) => qs
                .iter()
                .map(|q| q.bounds(field))
                .fold(ALL, |a, b| (a.0.max(b.0), a.1.min(b.1))),
            Query::Or(qs) => qs
                .iter()
                .map(|q| q.bounds(field))
                .fold((i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1))),
            _ => ALL,
        }
    }
}

/// Parsed `sort`: field and direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    pub field: String,
    pub descending: bool,
}

/// Parse `sort` ({field, order}). Orders other than ascending/descending give 400 `invalid_sort_order`.
pub fn parse_sort(v: Option<&Value>, sortable: &[&str], default: Sort) -> Result<Sort, QueryError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    let field = v
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or(&default.field)
        .to_string();
    let descending = match v.get("order") {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) if s == "ascending" => false,
        Some(Value::String(s)) if s == "descending" => true,
        Some(o) => {
            let o = o.as_str().map(str::to_string).unwrap_or_else(|| o.to_string());
            return Err(bad(
                "invalid_sort_order",
                format!("Invalid sort order '{o}'. Must be one of: ascending, descending"),
            ));
        }
    };
    if !sortable.contains(&field.as_str()) {
        return Err(bad(
            "parameter_invalid",
            format!(
                "Sorting by {field} is not supported; use one of {}",
                sortable.join(", ")
            ),
        ));
    }
    Ok(Sort { field, descending })
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
