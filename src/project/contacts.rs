//! Contacts: a record into [`ContactDetail`].

use super::Names;
use crate::model::{ContactDetail, ConversationSummary};
use crate::record::ContactRecord;

/// A contact with its tags (names via `names`, else the id, sorted) and its most recent conversations.
pub fn contact(
    c: ContactRecord,
    recent_conversations: Vec<ConversationSummary>,
    names: &mut impl Names,
) -> ContactDetail {
    let tags = super::tag_names(
        c.tag_ids.into_iter().map(|id| (id, String::new())).collect(),
        names,
    );
    ContactDetail {
        id: c.id,
        external_id: c.external_id,
        role: c.role,
        name: c.name,
        email: c.email,
        phone: c.phone,
        created_at: c.created_at,
        updated_at: c.updated_at,
        last_seen_at: c.last_seen_at,
        tags,
        recent_conversations,
    }
}
