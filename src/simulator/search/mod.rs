//! The search query DSL (API notes §4): parse and type-check a query into a [`Query`] (`parse.rs`),
//! evaluate it against a row through the [`Row`] trait, and derive bounds on a sort field so scans stay
//! narrow.
//!
//! Choices where Intercom is unverified: `>`/`<` are strict and `>=`/`<=` inclusive; string comparisons
//! are case-insensitive; contact date filters are truncated to UTC days (the simulated workspace's
//! timezone is UTC, as `/me` says).

mod parse;

pub use parse::{parse, parse_sort};

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

/// `text` is lower-case plain text (see `Val::Text`).
fn has_word(text: &str, w: &str) -> bool {
    crate::simulator::textgen::words(text).any(|x| x == w)
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

#[cfg(test)]
mod tests;
