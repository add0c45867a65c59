//! Tickets: a record (and its parts) into [`TicketSummary`], [`TicketPart`] and [`TicketDetail`]. The
//! rules: the snippet is the description as text, about 200 characters; the contact is the first one;
//! bodies are cut at [`super::MAX_BODY_CHARS`]; parts are oldest first (then by id); other contacts and
//! `linked` are in id order.

use super::{Names, author, body_text_cut};
use crate::model::{LinkedObject, PersonRef, TicketDetail, TicketPart, TicketSummary};
use crate::record::{TicketPartRecord, TicketRecord};

/// Characters of the description a summary's snippet keeps (about).
pub const SNIPPET_CHARS: usize = 200;

fn contact_ref(id: &str, names: &mut impl Names) -> PersonRef {
    let k = names.contact(id).unwrap_or_default();
    PersonRef {
        id: id.to_string(),
        kind: k.role.unwrap_or_else(|| "contact".into()),
        name: k.name,
        email: k.email,
    }
}

/// The summary of a ticket. Reads the record's ids, title, category, type, state, times, assignees, first
/// contact and description; takes the strings it can.
pub fn summary(t: &mut TicketRecord, names: &mut impl Names) -> TicketSummary {
    let snippet = crate::text::snippet(
        &crate::text::html_to_text(t.description.as_deref().unwrap_or("")),
        SNIPPET_CHARS,
    );
    let admin_assignee = t.admin_assignee_id.take().map(|id| {
        let k = names.admin(&id).unwrap_or_default();
        PersonRef {
            id,
            kind: "admin".into(),
            name: k.name,
            email: k.email,
        }
    });
    let team_assignee = t.team_assignee_id.take().map(|id| PersonRef {
        name: names.team(&id),
        id,
        kind: "team".into(),
        email: None,
    });
    let contact = t.contact_ids.first().map(|id| contact_ref(id, names));
    TicketSummary {
        id: std::mem::take(&mut t.id),
        ticket_id: t.ticket_id.take(),
        title: t.title.take().filter(|s| !s.trim().is_empty()),
        category: t.category.take(),
        ticket_type_id: t.ticket_type_id.take(),
        ticket_type: t.ticket_type_name.take(),
        state: t.state_category.take(),
        state_label: t.state_label.take(),
        open: t.open,
        created_at: t.created_at,
        updated_at: t.updated_at,
        admin_assignee,
        team_assignee,
        contact,
        snippet,
        matched: None,
    }
}

/// One part as readable text, its body cut at `max_chars`.
pub fn part(p: TicketPartRecord, max_chars: usize, names: &mut impl Names) -> TicketPart {
    let p = p.part;
    TicketPart {
        author: author(p.author_type, p.author_id, p.author_name, p.author_email, names),
        id: p.id,
        part_type: p.part_type,
        created_at: p.created_at,
        body: p
            .body
            .filter(|b| !b.trim().is_empty())
            .map(|b| body_text_cut(&b, max_chars)),
        assigned_to: p.assigned_to_id,
        ticket_state: p.state,
    }
}

/// The order parts are shown in: oldest first, then by id (shorter first, as Intercom's numeric ids).
pub fn sort_parts(parts: &mut [TicketPart]) {
    parts.sort_by(|a, b| (a.created_at, a.id.len(), &a.id).cmp(&(b.created_at, b.id.len(), &b.id)));
}

/// A ticket with its description, contacts, links and `parts` (already projected, in order).
/// `parts_truncated`: what the store recorded, or [`TicketRecord::parts_truncated`] for a fresh answer.
pub fn detail(
    mut t: TicketRecord,
    parts: Vec<TicketPart>,
    parts_truncated: bool,
    names: &mut impl Names,
) -> TicketDetail {
    // The first contact stays first; the others, and the links, in id order (the store keeps no order).
    let mut contact_ids = t.contact_ids.clone();
    if contact_ids.len() > 2 {
        contact_ids[1..].sort();
    }
    contact_ids.dedup();
    let mut links = std::mem::take(&mut t.links);
    links.sort_by(|a, b| (&a.0, a.1.len(), &a.1).cmp(&(&b.0, b.1.len(), &b.1)));
    links.dedup();
    let summary = summary(&mut t, names);
    TicketDetail {
        description: t
            .description
            .as_deref()
            .map(super::body_text)
            .filter(|d| !d.is_empty()),
        contacts: contact_ids.iter().map(|id| contact_ref(id, names)).collect(),
        linked: links
            .into_iter()
            .map(|(kind, id)| LinkedObject { kind, id })
            .collect(),
        parts,
        parts_truncated,
        summary,
    }
}

/// A ticket record with its parts (as Intercom answered it) into the detail the cache would give.
pub fn detail_with_parts(mut t: TicketRecord, names: &mut impl Names) -> TicketDetail {
    let truncated = t.parts_truncated();
    let mut parts: Vec<TicketPart> = std::mem::take(&mut t.parts)
        .into_iter()
        .map(|p| part(p, super::MAX_BODY_CHARS, names))
        .collect();
    sort_parts(&mut parts);
    detail(t, parts, truncated, names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::NoNames;
    use crate::record::PartRecord;

    #[test]
    fn summary_and_detail_from_a_record() {
        let t = TicketRecord {
            id: "600".into(),
            ticket_id: Some("12".into()),
            title: Some("Refund".into()),
            description: Some("<p>charged twice</p>".into()),
            state_category: Some("submitted".into()),
            open: true,
            contact_ids: vec!["u1".into(), "u2".into()],
            links: vec![("conversation".into(), "215".into())],
            parts: vec![
                TicketPartRecord {
                    part: PartRecord {
                        id: "10".into(),
                        part_type: "comment".into(),
                        body: Some("<b>later</b>".into()),
                        created_at: 5,
                        ..Default::default()
                    },
                    previous_ticket_state: None,
                },
                TicketPartRecord {
                    part: PartRecord {
                        id: "9".into(),
                        part_type: "note".into(),
                        body: Some(" ".into()),
                        created_at: 5,
                        state: Some("in_progress".into()),
                        ..Default::default()
                    },
                    previous_ticket_state: None,
                },
            ],
            parts_total: Some(2),
            ..Default::default()
        };
        let d = detail_with_parts(t, &mut NoNames);
        assert_eq!(d.summary.snippet, "charged twice");
        assert_eq!(d.description.as_deref(), Some("charged twice"));
        assert_eq!(d.summary.contact.as_ref().map(|c| c.id.as_str()), Some("u1"));
        assert_eq!(d.contacts.len(), 2);
        let ids: Vec<&str> = d.parts.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["9", "10"]);
        assert_eq!(d.parts[0].body, None);
        assert_eq!(d.parts[0].ticket_state.as_deref(), Some("in_progress"));
        assert_eq!(d.linked[0].kind, "conversation");
        assert!(!d.parts_truncated);
    }
}
