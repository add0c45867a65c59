//! `get_ticket`'s pages: like a conversation's ([`super::budget::page_conversation`]), parts in the asked
//! order from an offset, as many as fit the answer budget (at least one), each author listed once.

use super::budget::{Order, RESERVE, json_len};
use crate::model::{PersonRef, TicketDetail, TicketPage, TicketPart, TicketPartView};
use crate::project::TRUNCATION_MARKER;
use std::collections::BTreeMap;

fn view(p: TicketPart, authors: &mut BTreeMap<String, PersonRef>) -> TicketPartView {
    let author = p.author.map(|a| {
        let k = a.key();
        authors.entry(k.clone()).or_insert(a);
        k
    });
    let truncated = p.body.as_deref().is_some_and(|b| b.ends_with(TRUNCATION_MARKER));
    TicketPartView {
        id: p.id,
        part_type: p.part_type,
        created_at: p.created_at,
        author,
        body: p.body,
        truncated,
        assigned_to: p.assigned_to,
        ticket_state: p.ticket_state,
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
    let mut parts = d.parts;
    if order == Order::NewestFirst {
        parts.reverse();
    }
    let room = budget.saturating_sub(RESERVE);
    let mut used = json_len(&page);
    for p in parts.into_iter().skip(offset) {
        let new_author = p
            .author
            .as_ref()
            .filter(|a| !page.authors.contains_key(&a.key()))
            .map(|a| json_len(a) + a.key().len() + 4)
            .unwrap_or(0);
        let mut authors = page.authors.clone();
        let v = view(p, &mut authors);
        let cost = json_len(&v) + 1 + new_author;
        if !page.parts.is_empty() && used + cost > room {
            page.next_cursor = Some(cursor(offset + page.parts.len()));
            break;
        }
        used += cost;
        page.authors = authors;
        page.parts.push(v);
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::budget::DEFAULT_BUDGET;
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
