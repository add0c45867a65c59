//! One Intercom object, normalized: what [`wire`] makes from Intercom's answers, what the store keeps
//! ([`crate::store::write`]), and what the projection ([`crate::project`]) shapes into answers.
//!
//! Records are plain data (no wire types, no SQL): ids are strings, times Unix seconds, HTML bodies as
//! Intercom sent them, `raw` the object's JSON as received.
//!
//! - [`conversation`]: holds [`ConversationRecord`], [`PartRecord`].
//! - [`directory`]: holds [`ContactRecord`], [`AdminRecord`], [`TeamRecord`], [`TagRecord`].
//! - [`tickets`]: holds [`TicketRecord`], [`TicketPartRecord`], [`TicketTypeRecord`], [`TicketStateRecord`].
//! - [`articles`]: holds [`ArticleRecord`], [`ArticleContentRecord`].
//! - [`companies`]: holds [`CompanyRecord`], [`SegmentRecord`].
//! - [`wire`]: Intercom's wire models into records (the sync and the client's REST path use it).

pub mod articles;
pub mod companies;
pub mod conversation;
pub mod directory;
pub mod tickets;
pub mod wire;

pub use articles::{ArticleContentRecord, ArticleRecord};
pub use companies::{CompanyRecord, SegmentRecord};
pub use conversation::{ConversationRecord, PartRecord};
pub use directory::{AdminRecord, ContactRecord, TagRecord, TeamRecord};
pub use tickets::{TicketPartRecord, TicketRecord, TicketStateRecord, TicketTypeRecord};

/// Intercom returns at most this many parts per conversation or ticket (the newest).
pub const PARTS_CAP: i64 = 500;

/// Whether Intercom's part cap hid older parts from an answer that returned `returned` parts, said the
/// list holds `total` (`conversation_parts.total_count`) and, for conversations, counted `stats_parts`
/// (`statistics.count_conversation_parts`, which counts the opening message too). The one place this rule
/// lives: the store keeps its result (`parts_truncated`), the REST path projects it.
pub fn parts_truncated(returned: usize, total: Option<i64>, stats_parts: Option<i64>) -> bool {
    let returned = i64::try_from(returned).unwrap_or(i64::MAX);
    total.is_some_and(|t| t > returned)
        || stats_parts.is_some_and(|s| s.saturating_sub(1) > PARTS_CAP)
        || (returned >= PARTS_CAP && total.is_none_or(|t| t > PARTS_CAP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_when_intercom_says_more_than_it_sent() {
        assert!(!parts_truncated(3, Some(3), Some(4)));
        assert!(parts_truncated(3, Some(4), None));
        assert!(parts_truncated(3, None, Some(502)));
        assert!(!parts_truncated(3, None, Some(501)));
        assert!(parts_truncated(500, None, None));
        assert!(!parts_truncated(500, Some(500), None));
        assert!(!parts_truncated(0, None, Some(i64::MIN)));
    }
}
