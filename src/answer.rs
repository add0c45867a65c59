//! The envelopes around tool results, shared by the MCP server (`serve`), the proxy and the client library:
//! every answer carries the cache's [`Freshness`] (and notes when an argument was adjusted), plus the list
//! wrappers and the opaque paging cursor.

use crate::model::{AdminInfo, ContactDetail, Freshness, SyncMeta, TagInfo, TeamInfo};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
