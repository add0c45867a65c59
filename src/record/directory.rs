//! Contacts and the workspace directory (admins, teams, tags), normalized.

/// One contact. `tags_complete` is false when Intercom's nested list said `has_more` (capped at 10):
/// then tags are only added, never removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactRecord {
    pub id: String,
    pub external_id: Option<String>,
    pub role: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<String>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub tag_ids: Vec<String>,
    pub tags_complete: bool,
    /// Company ids from the contact's nested list; `companies_complete` false when it said `has_more`
    /// (then links are only added, never removed).
    pub company_ids: Vec<String>,
    pub companies_complete: bool,
    pub raw: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdminRecord {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub job_title: Option<String>,
    pub away_mode: bool,
    pub has_inbox_seat: bool,
    pub team_ids: Vec<String>,
    pub raw: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamRecord {
    pub id: String,
    pub name: Option<String>,
    pub admin_ids: Vec<String>,
    pub raw: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagRecord {
    pub id: String,
    pub name: String,
}
