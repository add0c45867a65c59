//! Conversations: a record (and its parts) into [`ConversationSummary`], [`ConversationPart`] and
//! [`ConversationDetail`].

use super::{Names, author, body_text, body_text_cut, tag_names};
use crate::model::{ConversationDetail, ConversationPart, ConversationSummary, PersonRef};
use crate::record::{ConversationRecord, PartRecord};

/// Characters of the opening message a summary's snippet keeps (about).
pub const SNIPPET_CHARS: usize = 200;

/// The summary of a conversation. Reads the record's id, title, state, priority, times, assignees, first
/// contact, opening message (subject, body, author), tags, `waiting_since` and rating; takes them.
pub fn summary(c: &mut ConversationRecord, names: &mut impl Names) -> ConversationSummary {
    let title = c.title.take().filter(|t| !t.trim().is_empty()).or_else(|| {
        c.source_subject
            .as_deref()
            .map(crate::text::html_to_text)
            .filter(|s| !s.is_empty())
    });
    let snippet = crate::text::snippet(
        &crate::text::html_to_text(c.source_body.as_deref().unwrap_or("")),
        SNIPPET_CHARS,
    );
    let contact = c.contact_ids.first().map(|id| {
        let k = names.contact(id).unwrap_or_default();
        let (mut name, mut email) = (k.name, k.email);
        if c.source_author_id.as_deref() == Some(id.as_str()) {
            name = name.or_else(|| c.source_author_name.clone());
            email = email.or_else(|| c.source_author_email.clone());
        }
        PersonRef {
            id: id.clone(),
            kind: k.role.unwrap_or_else(|| "contact".into()),
            name,
            email,
        }
    });
    let admin_assignee = c.admin_assignee_id.take().map(|id| {
        let k = names.admin(&id).unwrap_or_default();
        PersonRef {
            id,
            kind: "admin".into(),
            name: k.name,
            email: k.email,
        }
    });
    let team_assignee = c.team_assignee_id.take().map(|id| PersonRef {
        name: names.team(&id),
        id,
        kind: "team".into(),
        email: None,
    });
    ConversationSummary {
        id: std::mem::take(&mut c.id),
        title,
        state: std::mem::take(&mut c.state),
        priority: c.priority.take(),
        created_at: c.created_at,
        updated_at: c.updated_at,
        admin_assignee,
        team_assignee,
        contact,
        tags: tag_names(std::mem::take(&mut c.tags), names),
        snippet,
        matched: None,
        waiting_since: c.waiting_since,
        rating: c.rating,
    }
}

/// One part as readable text, its body cut at `max_chars`.
pub fn part(p: PartRecord, max_chars: usize, names: &mut impl Names) -> ConversationPart {
    ConversationPart {
        author: author(p.author_type, p.author_id, p.author_name, p.author_email, names),
        id: p.id,
        part_type: p.part_type,
        created_at: p.created_at,
        body: p
            .body
            .filter(|b| !b.trim().is_empty())
            .map(|b| body_text_cut(&b, max_chars)),
        assigned_to: p.assigned_to_id,
    }
}

/// The order parts are shown in: oldest first, then by id (shorter first, as Intercom's numeric ids).
pub fn sort_parts(parts: &mut [ConversationPart]) {
    parts.sort_by(|a, b| (a.created_at, a.id.len(), &a.id).cmp(&(b.created_at, b.id.len(), &b.id)));
}

/// A conversation with its opening message and `parts` (already projected, in order).
/// `parts_truncated`: what the store recorded, or [`ConversationRecord::parts_truncated`] for a fresh
/// answer from Intercom.
pub fn detail(
    mut c: ConversationRecord,
    parts: Vec<ConversationPart>,
    parts_truncated: bool,
    names: &mut impl Names,
) -> ConversationDetail {
    let summary = summary(&mut c, names);
    ConversationDetail {
        body: c.source_body.as_deref().map(body_text).unwrap_or_default(),
        author: author(
            c.source_author_type,
            c.source_author_id,
            c.source_author_name,
            c.source_author_email,
            names,
        ),
        parts,
        parts_truncated,
        summary,
    }
}

/// A conversation record with its parts (as Intercom answered it) into the detail the cache would give.
pub fn detail_with_parts(mut c: ConversationRecord, names: &mut impl Names) -> ConversationDetail {
    let truncated = c.parts_truncated();
    let mut parts: Vec<ConversationPart> = std::mem::take(&mut c.parts)
        .into_iter()
        .map(|p| part(p, super::MAX_BODY_CHARS, names))
        .collect();
    sort_parts(&mut parts);
    detail(c, parts, truncated, names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::NoNames;

    #[test]
    fn title_falls_back_to_subject_and_contact_to_author() {
        let mut c = ConversationRecord {
            id: "1".into(),
            title: Some("  ".into()),
            source_subject: Some("<b>Refund</b>".into()),
            source_body: Some("<p>charged twice</p>".into()),
            source_author_type: Some("user".into()),
            source_author_id: Some("u1".into()),
            source_author_name: Some("Ann".into()),
            contact_ids: vec!["u1".into()],
            tags: vec![("t2".into(), "b".into()), ("t1".into(), "a".into())],
            ..Default::default()
        };
        let s = summary(&mut c, &mut NoNames);
        assert_eq!(s.title.as_deref(), Some("Refund"));
        assert_eq!(s.snippet, "charged twice");
        let contact = s.contact.unwrap();
        assert_eq!(
            (contact.kind.as_str(), contact.name.as_deref()),
            ("contact", Some("Ann"))
        );
        assert_eq!(s.tags, vec!["a", "b"]);
    }
}
