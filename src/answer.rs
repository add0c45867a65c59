//! The envelopes around tool results, shared by the MCP server (`serve`), the proxy and the client library:
//! every answer carries the cache's [`Freshness`] (and notes when an argument was adjusted), plus the list
//! wrappers and the opaque paging cursor.

use crate::model::{AdminInfo, ContactDetail, Freshness, SyncMeta, TagInfo, TeamInfo};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A tool result with the freshness of the cache it came from.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Answer<T> {
    #[serde(flatten)]
    pub result: T,
    /// When the data was last synced from Intercom and how stale it is now.
    pub freshness: Freshness,
    /// Adjustments made to the request (e.g. a limit reduced to the maximum).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// `get_sync_status`: the client library decides cache-or-REST from this.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SyncStatus {
    /// The `sync_metadata` rows, `overall` first.
    pub rows: Vec<SyncMeta>,
    pub freshness: Freshness,
    /// The server's clock (Unix seconds) when it answered.
    pub now: i64,
    /// What an assistant should know before trusting the cache (failed, interrupted or incomplete sync,
    /// data older than allowed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ContactList {
    pub contacts: Vec<ContactDetail>,
    /// True when more contacts matched than were returned.
    pub more: bool,
    /// Pass back as `cursor` for the next contacts; None on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AdminList {
    pub admins: Vec<AdminInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TeamList {
    pub teams: Vec<TeamInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TagList {
    pub tags: Vec<TagInfo>,
}

/// Largest answer budget a tool call may ask for (`max_bytes`); no answer is larger.
pub const HARD_CAP: usize = 128 * 1024;

/// A lookup that found nothing: what kind of object, which id (or email), and the sentence said to the
/// assistant. A tool error carries it as a second text block, `{"not_found":{"kind":…,"id":…}}`, which is
/// what the client library and the proxy read (never the sentence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    /// `conversation`, `part`, `contact`.
    pub kind: String,
    pub id: String,
    pub message: String,
}

impl NotFound {
    pub fn new(kind: &str, id: impl Into<String>, message: impl Into<String>) -> Self {
        NotFound {
            kind: kind.into(),
            id: id.into(),
            message: message.into(),
        }
    }

    /// The machine-readable block of a tool error.
    pub fn to_json(&self) -> serde_json::Value {
        json!({"not_found": {"kind": self.kind, "id": self.id}})
    }

    /// The not-found a tool error's text blocks carry, if any (the sentence is the other blocks, joined).
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Option<NotFound> {
        let mut found = None;
        let mut message = Vec::new();
        for t in texts {
            let parsed = serde_json::from_str::<serde_json::Value>(t).ok();
            match parsed.as_ref().and_then(|v| v.get("not_found")) {
                Some(nf) if found.is_none() => {
                    let field = |k: &str| nf.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
                    found = Some((field("kind"), field("id")));
                }
                _ => message.push(t),
            }
        }
        found.map(|(kind, id)| NotFound {
            kind,
            id,
            message: message.join(" "),
        })
    }
}

/// Why a tool gave no answer: a failure (bad arguments, the database, a deadline), said in one sentence,
/// or a lookup that found nothing ([`NotFound`], machine-readable too). Tools return
/// `Result<Json<T>, ToolError>`; rmcp turns the error into a result with `isError: true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolError {
    Failed(String),
    NotFound(NotFound),
}

impl ToolError {
    pub fn not_found(kind: &str, id: impl Into<String>, message: impl Into<String>) -> Self {
        ToolError::NotFound(NotFound::new(kind, id, message))
    }
}

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ToolError::Failed(m) => f.write_str(m),
            ToolError::NotFound(n) => f.write_str(&n.message),
        }
    }
}

impl From<String> for ToolError {
    fn from(m: String) -> Self {
        ToolError::Failed(m)
    }
}

impl From<&str> for ToolError {
    fn from(m: &str) -> Self {
        ToolError::Failed(m.to_string())
    }
}

impl rmcp::model::IntoContents for ToolError {
    fn into_contents(self) -> Vec<rmcp::model::ContentBlock> {
        use rmcp::model::ContentBlock;
        match self {
            ToolError::Failed(m) => vec![ContentBlock::text(m)],
            ToolError::NotFound(n) => vec![
                ContentBlock::text(n.message.clone()),
                ContentBlock::text(n.to_json().to_string()),
            ],
        }
    }
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The cursor is an offset, base64url so callers treat it as opaque.
pub fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

/// Largest offset a cursor may carry: far beyond any real result list, small enough that offset + limit
/// can neither overflow nor wrap when SQLite reads it as a signed integer.
pub const MAX_CURSOR_OFFSET: usize = 1_000_000_000;

/// The offset in a cursor; None for anything [`encode_cursor`] cannot have made (garbage, a negative or
/// out-of-range offset).
pub fn decode_cursor(c: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(c.trim()).ok()?;
    let s = std::str::from_utf8(&raw).ok()?;
    let n: usize = s.strip_prefix("o:")?.parse().ok()?;
    (n <= MAX_CURSOR_OFFSET).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_travels_as_its_own_block() {
        use rmcp::model::IntoContents;
        let e = ToolError::not_found("conversation", "42", "conversation 42 is not in the cache");
        let blocks = e.into_contents();
        let texts: Vec<String> = blocks
            .iter()
            .filter_map(|b| b.as_text().map(|t| t.text.clone()))
            .collect();
        assert_eq!(texts[0], "conversation 42 is not in the cache");
        let nf = NotFound::from_texts(texts.iter().map(String::as_str)).unwrap();
        assert_eq!((nf.kind.as_str(), nf.id.as_str()), ("conversation", "42"));
        assert_eq!(nf.message, "conversation 42 is not in the cache");
        // Prose alone is not a not-found, whatever it says.
        assert_eq!(
            NotFound::from_texts(["conversation 42 is not in the cache"]),
            None
        );
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(40)), Some(40));
        assert_eq!(decode_cursor("not a cursor"), None);
        assert_eq!(decode_cursor(""), None);
        // An offset that would wrap to a negative OFFSET in SQL is refused, not taken as page one.
        assert_eq!(
            decode_cursor(&URL_SAFE_NO_PAD.encode("o:18446744073709551615")),
            None
        );
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("o:-1")), None);
        assert_eq!(
            decode_cursor(&encode_cursor(MAX_CURSOR_OFFSET)),
            Some(MAX_CURSOR_OFFSET)
        );
    }
}
