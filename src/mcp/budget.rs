//! Answer budgets: every tool answer fits an assistant's context. A call's answer (its JSON text, which is
//! what the assistant reads) stays within a budget, [`DEFAULT_BUDGET`] unless the call asks for less or
//! more (up to [`HARD_CAP`]); lists stop at the budget with a cursor and a note, and `get_conversation`
//! pages its parts, lists each author once, and leaves whole long bodies to a per-part fetch.

use crate::model::{ConversationDetail, ConversationPage, PartView, PersonRef};
use crate::project::TRUNCATION_MARKER;
use serde::Serialize;
use std::collections::BTreeMap;

/// Default answer budget: about 32 KB of JSON text, roughly 8k tokens.
pub const DEFAULT_BUDGET: usize = 32 * 1024;
/// Smallest budget a call may ask for.
pub const MIN_BUDGET: usize = 4 * 1024;
// The largest budget, defined with the envelopes (the client library asks for answers up to it too).
pub use crate::answer::HARD_CAP;
/// Room kept for the freshness stamp and notes, which are added after the result is cut to size.
pub const RESERVE: usize = 3 * 1024;
/// Longest body returned when one part is asked for whole (characters): well inside [`HARD_CAP`].
pub const WHOLE_PART_CHARS: usize = 30_000;

/// A `max_bytes` argument checked: below [`MIN_BUDGET`] refused, above [`HARD_CAP`] reduced (with a note).
pub fn check_budget(v: Option<u64>, notes: &mut Vec<String>) -> Result<usize, String> {
    match v {
        None => Ok(DEFAULT_BUDGET),
        Some(n) if n < MIN_BUDGET as u64 => Err(format!(
            "bad `max_bytes` {n}: give {MIN_BUDGET} to {HARD_CAP} (default {DEFAULT_BUDGET})"
        )),
        Some(n) if n > HARD_CAP as u64 => {
            notes.push(format!("max_bytes {n} was reduced to the hard cap of {HARD_CAP}"));
            Ok(HARD_CAP)
        }
        Some(n) => Ok(n as usize),
    }
}

/// Length of `v` as compact JSON text.
pub fn json_len<T: Serialize>(v: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    match serde_json::to_writer(&mut c, v) {
        Ok(()) => c.0,
        Err(_) => usize::MAX,
    }
}

/// How many leading `items` fit in `room` bytes of a JSON array (at least `min`, at most all).
pub fn fitting<T: Serialize>(items: &[T], room: usize, min: usize) -> usize {
    let mut used = 0usize;
    for (i, item) in items.iter().enumerate() {
        used = used.saturating_add(json_len(item) + 1);
        if used > room && i >= min {
            return i;
        }
    }
    items.len()
}

/// The note for a list cut at the budget.
pub fn cut_note(kept: usize, asked: usize, budget: usize, what: &str) -> String {
    format!(
        "only {kept} of the {asked} {what} asked for fit the answer budget of {budget} bytes: pass \
         next_cursor for the rest, or a larger max_bytes (at most {HARD_CAP})"
    )
}

/// Which end of a conversation a page starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

impl Order {
    pub const NAMES: &[&str] = &["oldest_first", "newest_first"];

    pub fn parse(s: &str) -> Option<Order> {
        match s.trim().to_ascii_lowercase().as_str() {
            "oldest_first" => Some(Order::OldestFirst),
            "newest_first" => Some(Order::NewestFirst),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Order::OldestFirst => "oldest_first",
            Order::NewestFirst => "newest_first",
        }
    }
}

/// A part as a detail holds it (its author whole) and as a page lists it (the author by key, listed once
/// in the page's `authors`): conversation and ticket parts page alike through [`fill_parts`].
pub trait PagedPart {
    type View: Serialize;
    fn author(&self) -> Option<&PersonRef>;
    /// The part as a page lists it, its author entered in `authors`.
    fn view(self, authors: &mut BTreeMap<String, PersonRef>) -> Self::View;
    /// The view's body and its `truncated` flag.
    fn body_mut(v: &mut Self::View) -> (Option<&mut String>, &mut bool);
}

/// The key an author is listed under, entering it in `authors` the first time.
pub fn author_key(a: Option<PersonRef>, authors: &mut BTreeMap<String, PersonRef>) -> Option<String> {
    a.map(|a| {
        let k = a.key();
        authors.entry(k.clone()).or_insert(a);
        k
    })
}

/// True when a body ends with the projection's cut marker.
pub fn is_cut(body: Option<&str>) -> bool {
    body.is_some_and(|b| b.ends_with(TRUNCATION_MARKER))
}

impl PagedPart for crate::model::ConversationPart {
    type View = PartView;
    fn author(&self) -> Option<&PersonRef> {
        self.author.as_ref()
    }
    fn view(self, authors: &mut BTreeMap<String, PersonRef>) -> PartView {
        PartView {
            truncated: is_cut(self.body.as_deref()),
            id: self.id,
            part_type: self.part_type,
            created_at: self.created_at,
            author: author_key(self.author, authors),
            body: self.body,
            assigned_to: self.assigned_to,
        }
    }
    fn body_mut(v: &mut PartView) -> (Option<&mut String>, &mut bool) {
        (v.body.as_mut(), &mut v.truncated)
    }
}

/// Fill a page with `parts` in `order` from `offset`: as many as fit in `budget` bytes beside the `used`
/// bytes the page's other fields take (at least one, cut to stay under the hard cap even when read whole),
/// each new author entered in `authors`. Returns the offset a next page starts at, when parts remain.
pub fn fill_parts<P: PagedPart>(
    mut parts: Vec<P>,
    order: Order,
    offset: usize,
    budget: usize,
    mut used: usize,
    authors: &mut BTreeMap<String, PersonRef>,
    out: &mut Vec<P::View>,
) -> Option<usize> {
    if order == Order::NewestFirst {
        parts.reverse();
    }
    let room = budget.saturating_sub(RESERVE);
    for p in parts.into_iter().skip(offset) {
        let new_author = p
            .author()
            .filter(|a| !authors.contains_key(&a.key()))
            .map(|a| json_len(a) + a.key().len() + 4)
            .unwrap_or(0);
        let mut with = authors.clone();
        let mut v = p.view(&mut with);
        if out.is_empty()
            && let (Some(b), truncated) = P::body_mut(&mut v)
        {
            // The first part is always answered: never past the hard cap, even read whole.
            *truncated |= fit_text(b, HARD_CAP.saturating_sub(RESERVE + used + new_author + 512));
        }
        let cost = json_len(&v) + 1 + new_author;
        if !out.is_empty() && used + cost > room {
            return Some(offset + out.len());
        }
        used += cost;
        *authors = with;
        out.push(v);
    }
    None
}

/// Cut `s` (with the truncation marker) so its JSON text takes at most `room` bytes: control characters
/// escape six-fold, so a character count alone does not bound an answer. True when it was cut.
pub fn fit_text(s: &mut String, room: usize) -> bool {
    if json_len(&*s) <= room {
        return false;
    }
    let chars: Vec<char> = s.chars().collect();
    let mut n = chars.len();
    loop {
        n = n * 4 / 5;
        let cut: String = chars[..n]
            .iter()
            .copied()
            .chain(TRUNCATION_MARKER.chars())
            .collect();
        if n == 0 || json_len(&cut) <= room {
            *s = cut;
            return true;
        }
    }
}

/// One page of `d`'s parts in `order` from `offset`, as many as fit in `budget` bytes (at least one).
/// `cursor` makes the cursor for a next offset.
pub fn page_conversation(
    d: ConversationDetail,
    order: Order,
    offset: usize,
    budget: usize,
    cursor: impl Fn(usize) -> String,
) -> ConversationPage {
    let total = d.parts.len();
    let mut authors = BTreeMap::new();
    let first = offset == 0;
    let author = first.then(|| {
        d.author.map(|a| {
            let k = a.key();
            authors.insert(k.clone(), a);
            k
        })
    });
    let mut page = ConversationPage {
        summary: d.summary,
        body: first.then_some(d.body),
        author: author.flatten(),
        authors,
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
    use crate::model::{ConversationPart, ConversationSummary};

    fn detail(n: usize, body_chars: usize) -> ConversationDetail {
        let person = |i: usize| PersonRef {
            id: (i % 3).to_string(),
            kind: "admin".into(),
            name: Some(format!("Admin {}", i % 3)),
            email: Some("a@example.com".into()),
        };
        ConversationDetail {
            summary: ConversationSummary {
                id: "1".into(),
                title: None,
                state: "open".into(),
                priority: None,
                created_at: 0,
                updated_at: 0,
                admin_assignee: None,
                team_assignee: None,
                contact: None,
                tags: vec![],
                snippet: String::new(),
                matched: None,
                waiting_since: None,
                rating: None,
            },
            body: "hello".into(),
            author: Some(person(1)),
            parts: (0..n)
                .map(|i| ConversationPart {
                    id: i.to_string(),
                    part_type: "comment".into(),
                    created_at: i as i64,
                    author: Some(person(i)),
                    body: Some("x".repeat(body_chars)),
                    assigned_to: None,
                })
                .collect(),
            parts_truncated: false,
        }
    }

    #[test]
    fn pages_fit_the_budget_and_cover_every_part_once() {
        for order in [Order::OldestFirst, Order::NewestFirst] {
            let d = detail(500, 2000);
            let mut seen = Vec::new();
            let mut offset = 0;
            loop {
                let page = page_conversation(d.clone(), order, offset, DEFAULT_BUDGET, |o| o.to_string());
                assert!(json_len(&page) + RESERVE <= DEFAULT_BUDGET, "{}", json_len(&page));
                assert!(page.authors.len() <= 3);
                seen.extend(page.parts.iter().map(|p| p.id.parse::<usize>().unwrap()));
                match page.next_cursor {
                    Some(c) => offset = c.parse().unwrap(),
                    None => break,
                }
            }
            let mut want: Vec<usize> = (0..500).collect();
            if order == Order::NewestFirst {
                want.reverse();
            }
            assert_eq!(seen, want);
        }
    }

    #[test]
    fn budgets_are_checked() {
        let mut notes = Vec::new();
        assert_eq!(check_budget(None, &mut notes), Ok(DEFAULT_BUDGET));
        assert!(check_budget(Some(100), &mut notes).is_err());
        assert_eq!(check_budget(Some(10_000_000), &mut notes), Ok(HARD_CAP));
        assert_eq!(notes.len(), 1);
        assert_eq!(fitting(&[1, 2, 3], 0, 1), 1);
        assert_eq!(fitting(&["aaaa", "bbbb"], 7, 0), 1);
    }
}
