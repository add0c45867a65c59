//! Help Center articles with their translations, normalized.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticleRecord {
    pub id: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub state: Option<String>,
    pub author_id: Option<String>,
    pub default_locale: String,
    pub url: Option<String>,
    pub parent_ids: Vec<String>,
    pub created_at: Option<i64>,
    pub updated_at: i64,
    /// Other locales.
    pub translations: Vec<ArticleContentRecord>,
    pub raw: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticleContentRecord {
    pub locale: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub state: Option<String>,
    pub url: Option<String>,
    pub updated_at: Option<i64>,
}
