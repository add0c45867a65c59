//! `get_ticket`'s pages: like a conversation's ([`super::budget::page_conversation`]), parts in the asked
//! order from an offset, as many as fit the answer budget (at least one), each author listed once.

use super::budget::{Order, PagedPart, author_key, fill_parts, is_cut, json_len};
use crate::model::{PersonRef, TicketDetail, TicketPage, TicketPart, TicketPartView};
use std::collections::BTreeMap;

impl PagedPart for TicketPart {
    type View = TicketPartView;
    fn author(&self) -> Option<&PersonRef> {
        self.author.as_ref()
    }
    fn view(self, authors: &mut BTreeMap<String, PersonRef>) -> TicketPartView {
        TicketPartView {
            truncated: is_cut(self.body.as_deref()),
            id: self.id,
            part_type: self.part_type,
            created_at: self.created_at,
            author: author_key(self.author, authors),
            body: self.body,
            assigned_to: self.assigned_to,
            ticket_state: self.ticket_state,
        }
    }
    fn body_mut(v: &mut TicketPartView) -> (Option<&mut String>, &mut bool) {
        (v.body.as_mut(), &mut v.truncated)
    }
}

/// One page of `d`'s parts in `order` from `offset`, within `budget` bytes; `cursor` makes the cursor for
/// a next offset. The description, contacts and links come on the first page only.
pub fn page_ticket(
    d: TicketDetail,
    order: Order,
    offset: usize,
    budget: usize,
    cursor: impl Fn(usize) -> String,
) -> TicketPage {
    let total = d.parts.len();
    let first = offset == 0;
    let mut page = TicketPage {
        summary: d.summary,
        description: if first { d.description } else { None },
        contacts: if first { d.contacts } else { Vec::new() },
        linked: if first { d.linked } else { Vec::new() },
        authors: BTreeMap::new(),
        order: order.name().into(),
        parts_total: total,
        parts_offset: offset.min(total),
        parts: Vec::new(),
        next_cursor: None,
        parts_truncated: d.parts_truncated,
    };
    let used = json_len(&page);
    let next = fill_parts(
        d.parts,
        order,
        offset,
        budget,
        used,
        &mut page.authors,
        &mut page.parts,
    );
    page.next_cursor = next.map(cursor);
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::budget::{DEFAULT_BUDGET, RESERVE};
    use crate::model::TicketSummary;

    #[test]
    fn pages_fit_and_cover_every_part_once() {
        let d = TicketDetail {
            summary: TicketSummary {
                id: "1".into(),
                ticket_id: None,
                title: None,
                category: None,
                ticket_type_id: None,
                ticket_type: None,
                state: None,
                state_label: None,
                open: true,
                created_at: 0,
                updated_at: 0,
                admin_assignee: None,
                team_assignee: None,
                contact: None,
                snippet: String::new(),
                matched: None,
            },
            description: Some("d".into()),
            contacts: vec![],
            linked: vec![],
            parts: (0..300)
                .map(|i| TicketPart {
                    id: i.to_string(),
                    part_type: "comment".into(),
                    created_at: i,
                    author: Some(PersonRef {
                        id: (i % 2).to_string(),
                        kind: "admin".into(),
                        name: None,
                        email: None,
                    }),
                    body: Some("x".repeat(1500)),
                    assigned_to: None,
                    ticket_state: None,
                })
                .collect(),
            parts_truncated: false,
        };
        let (mut offset, mut seen) = (0, 0);
        loop {
            let p = page_ticket(d.clone(), Order::OldestFirst, offset, DEFAULT_BUDGET, |o| {
                o.to_string()
            });
            assert!(json_len(&p) + RESERVE <= DEFAULT_BUDGET);
            assert_eq!(p.description.is_some(), offset == 0);
            assert_eq!(p.parts[0].id, offset.to_string());
            seen += p.parts.len();
            match p.next_cursor {
                Some(c) => offset = c.parse().unwrap(),
                None => break,
            }
        }
        assert_eq!(seen, 300);
    }
}
