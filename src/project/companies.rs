//! Companies: a [`CompanyRecord`] into a [`CompanySummary`], and one company's detail with its contacts,
//! conversations and tickets. Both paths sort and cut the lists here, so they answer alike.

use crate::model::{CompanyContact, CompanyDetail, CompanySummary, CompanyTicket, ConversationSummary};
use crate::record::{CompanyRecord, ContactRecord, TicketRecord};

/// Contacts listed with a company (the first by name, then id); `contacts_total` counts them all.
pub const COMPANY_CONTACTS: usize = 25;
/// Recent conversations and tickets listed with a company.
pub const COMPANY_RECENT: usize = 10;

/// Names for `ids` through `lookup`, else the id; sorted.
fn named(ids: Vec<String>, mut lookup: impl FnMut(&str) -> Option<String>) -> Vec<String> {
    let mut out: Vec<String> = ids.into_iter().map(|id| lookup(&id).unwrap_or(id)).collect();
    out.sort();
    out
}

/// A company: tag and segment names through `tag` and `segment` (else the id, which the cache's
/// records already hold resolved), sorted; its custom attributes as the object stored.
pub fn summary(
    c: CompanyRecord,
    tag: impl FnMut(&str) -> Option<String>,
    segment: impl FnMut(&str) -> Option<String>,
) -> CompanySummary {
    let custom_attributes = match serde_json::from_str(&c.custom_attributes) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => Default::default(),
    };
    CompanySummary {
        id: c.id,
        company_id: c.company_id,
        name: c.name,
        plan: c.plan,
        industry: c.industry,
        website: c.website,
        size: c.size,
        monthly_spend: c.monthly_spend,
        user_count: c.user_count,
        session_count: c.session_count,
        created_at: c.created_at,
        updated_at: c.updated_at,
        last_request_at: c.last_request_at,
        tags: named(c.tag_ids, tag),
        segments: named(c.segment_ids, segment),
        custom_attributes,
    }
}

/// A contact of a company, slim.
pub fn contact(c: ContactRecord) -> CompanyContact {
    CompanyContact {
        id: c.id,
        name: c.name,
        email: c.email,
        role: c.role,
    }
}

/// A ticket of a company's contact, slim.
pub fn ticket(t: TicketRecord) -> CompanyTicket {
    CompanyTicket {
        id: t.id,
        ticket_id: t.ticket_id,
        title: t.title,
        ticket_type: t.ticket_type_name,
        state: t.state_category,
        open: t.open,
        updated_at: t.updated_at,
    }
}

/// One company with its contacts (sorted by name, then id; the first [`COMPANY_CONTACTS`]), and the
/// most recently updated conversations and tickets (newest first, at most [`COMPANY_RECENT`] each).
pub fn detail(
    company: CompanySummary,
    contacts: Vec<ContactRecord>,
    contacts_total: i64,
    mut conversations: Vec<ConversationSummary>,
    tickets: Vec<TicketRecord>,
) -> CompanyDetail {
    let mut contacts: Vec<CompanyContact> = contacts.into_iter().map(contact).collect();
    contacts.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    contacts.truncate(COMPANY_CONTACTS);
    conversations.truncate(COMPANY_RECENT);
    let mut tickets: Vec<CompanyTicket> = tickets.into_iter().map(ticket).collect();
    tickets.sort_by(|a, b| (b.updated_at, &b.id).cmp(&(a.updated_at, &a.id)));
    tickets.truncate(COMPANY_RECENT);
    CompanyDetail {
        company,
        contacts,
        contacts_total,
        recent_conversations: conversations,
        recent_tickets: tickets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fall_back_to_ids_and_lists_are_sorted_and_cut() {
        let c = CompanyRecord {
            id: "c1".into(),
            tag_ids: vec!["2".into(), "1".into()],
            segment_ids: vec!["s".into()],
            custom_attributes: r#"{"tier":"gold"}"#.into(),
            ..Default::default()
        };
        let s = summary(c, |id| (id == "2").then(|| "alpha".into()), |_| None);
        assert_eq!(s.tags, ["1", "alpha"]);
        assert_eq!(s.segments, ["s"]);
        assert_eq!(s.custom_attributes["tier"], "gold");
        let people: Vec<ContactRecord> = (0..30)
            .map(|i| ContactRecord {
                id: format!("k{i:02}"),
                name: Some(format!("n{}", 29 - i)),
                ..Default::default()
            })
            .collect();
        let d = detail(s, people, 30, Vec::new(), Vec::new());
        assert_eq!(d.contacts.len(), COMPANY_CONTACTS);
        assert_eq!(d.contacts[0].name.as_deref(), Some("n0"));
        assert_eq!(d.contacts_total, 30);
    }
}
