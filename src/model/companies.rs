//! Company answers: a company as a list item ([`CompanySummary`]), a page of them ([`CompanyList`]), and
//! one company with its contacts, recent conversations and tickets ([`CompanyDetail`]).

use super::ConversationSummary;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One company (no contacts or conversations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompanySummary {
    /// Intercom's id (what `get_company` takes).
    pub id: String,
    /// The workspace's own id for the company (`get_company` takes it too).
    pub company_id: Option<String>,
    pub name: Option<String>,
    /// The plan's name.
    pub plan: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    /// Employees, as the workspace set it.
    pub size: Option<i64>,
    pub monthly_spend: Option<f64>,
    pub user_count: Option<i64>,
    pub session_count: Option<i64>,
    pub created_at: Option<i64>,
    pub updated_at: i64,
    /// When one of its users was last seen.
    pub last_request_at: Option<i64>,
    /// Tag names (else ids), sorted.
    pub tags: Vec<String>,
    /// Segment names (else ids), sorted.
    pub segments: Vec<String>,
    /// The workspace's own attributes, as set.
    pub custom_attributes: serde_json::Map<String, serde_json::Value>,
}

/// A page of companies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompanyList {
    pub companies: Vec<CompanySummary>,
    /// Companies matching the filters (all pages).
    pub total: Option<i64>,
    /// Pass back as `cursor` for the next companies; None on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A contact of a company, slim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompanyContact {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// user | lead
    pub role: Option<String>,
}

/// A ticket of one of the company's contacts, slim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompanyTicket {
    /// The API id (what get_ticket takes).
    pub id: String,
    /// The number the inbox shows.
    pub ticket_id: Option<String>,
    pub title: Option<String>,
    /// The ticket type's name.
    pub ticket_type: Option<String>,
    /// submitted | in_progress | waiting_on_customer | resolved
    pub state: Option<String>,
    pub open: bool,
    pub updated_at: i64,
}

/// One company with its contacts (the first [`CompanyDetail::contacts`] by name), and the most recently
/// updated conversations and tickets of those contacts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompanyDetail {
    pub company: CompanySummary,
    /// Its contacts, ordered by name then id, at most a few dozen (see `contacts_total`).
    pub contacts: Vec<CompanyContact>,
    /// How many contacts the company has in all.
    pub contacts_total: i64,
    /// Its contacts' most recently updated conversations, newest first.
    pub recent_conversations: Vec<ConversationSummary>,
    /// Its contacts' most recently updated tickets, newest first.
    pub recent_tickets: Vec<CompanyTicket>,
}
