//! Companies and segments, normalized.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompanyRecord {
    pub id: String,
    pub company_id: Option<String>,
    pub name: Option<String>,
    pub plan: Option<String>,
    pub size: Option<i64>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub monthly_spend: Option<f64>,
    pub session_count: Option<i64>,
    pub user_count: Option<i64>,
    pub created_at: Option<i64>,
    pub updated_at: i64,
    pub remote_created_at: Option<i64>,
    pub last_request_at: Option<i64>,
    /// JSON object.
    pub custom_attributes: String,
    pub tag_ids: Vec<String>,
    pub segment_ids: Vec<String>,
    pub raw: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentRecord {
    pub id: String,
    pub name: Option<String>,
    pub person_type: Option<String>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub count: Option<i64>,
    pub raw: String,
}
