//! The one projection from [`crate::record`]s to the answer types in [`crate::model`]: the cache path
//! (`store::read`, records read back from SQLite rows) and the REST path (`client::rest`, records made
//! from Intercom's answers by [`crate::record::wire`]) both call these functions, so every rule that
//! shapes an answer exists once, here:
//!
//! - a conversation's title falls back to the opening message's subject; its snippet is the opening
//!   message as text, about 200 characters ([`conversations::summary`]);
//! - the contact's name and email fall back to the opening message's author when it is that contact;
//! - tag names come from the directory, else the name the record carries, else the id; they are sorted;
//! - an author's name and email come from the directory or the contacts, else from the message;
//! - bodies are plain text cut at [`MAX_BODY_CHARS`] with [`TRUNCATION_MARKER`] ([`body_text`]);
//! - parts are ordered oldest first (`created_at`, then id); the 500-part cap and the `parts_truncated`
//!   rule are [`crate::record::parts_truncated`], which the store applies when it writes.
//!
//! Names are looked up through [`Names`]: the cache answers from the columns its SQL joined (or from its
//! tables), the REST path from the directory and contacts it fetched.
//!
//! - [`conversations`]: summaries, parts, details: [`conversations::summary`], [`conversations::detail`], [`conversations::part`].
//! - [`contacts`]: a contact with its tags and recent conversations, [`contacts::contact`].
//! - [`tickets`]: ticket summaries, parts, details: [`tickets::summary`], [`tickets::detail`], [`tickets::part`].
//! - [`companies`]: a company, and one with its contacts, conversations and tickets.
//! - [`articles`]: a Help Center article's locale as a search hit, or its text a page at a time.

pub mod articles;
pub mod companies;
pub mod contacts;
pub mod conversations;
pub mod tickets;

use crate::model::PersonRef;

/// Longest part or message body returned, in characters; longer ones end with [`TRUNCATION_MARKER`].
pub const MAX_BODY_CHARS: usize = 4000;
/// Appended to a body cut at [`MAX_BODY_CHARS`].
pub const TRUNCATION_MARKER: &str = "… [truncated]";

/// What is known about a person (admin, team, contact) or a tag beyond its id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known {
    pub name: Option<String>,
    pub email: Option<String>,
    /// A contact's role (`user` | `lead`).
    pub role: Option<String>,
}

/// Name lookups for the projection. Each answer is taken (`&mut self`), so a lookup built from one row's
/// joined columns can hand its strings over without copying them.
pub trait Names {
    /// An admin (or bot) by id.
    fn admin(&mut self, id: &str) -> Option<Known>;
    /// A team by id (its name).
    fn team(&mut self, id: &str) -> Option<String>;
    /// A contact by id.
    fn contact(&mut self, id: &str) -> Option<Known>;
    /// A tag by id (its name).
    fn tag(&mut self, id: &str) -> Option<String>;
}

/// No names known: every lookup falls back to what the record carries.
pub struct NoNames;

impl Names for NoNames {
    fn admin(&mut self, _: &str) -> Option<Known> {
        None
    }
    fn team(&mut self, _: &str) -> Option<String> {
        None
    }
    fn contact(&mut self, _: &str) -> Option<Known> {
        None
    }
    fn tag(&mut self, _: &str) -> Option<String> {
        None
    }
}

/// HTML to text, cut to [`MAX_BODY_CHARS`] with a marker.
pub fn body_text(html: &str) -> String {
    body_text_cut(html, MAX_BODY_CHARS)
}

/// HTML to text, cut to `max_chars` with [`TRUNCATION_MARKER`].
pub fn body_text_cut(html: &str, max_chars: usize) -> String {
    let text = crate::text::html_to_text(html);
    match text.char_indices().nth(max_chars) {
        None => text,
        Some((at, _)) => {
            let mut cut = text[..at].to_string();
            cut.push_str(TRUNCATION_MARKER);
            cut
        }
    }
}

/// The author of a message or part: kind (`unknown` when absent), with the name and email the directory
/// (admins, bots) or the contacts (users, leads) know, else those the message carried.
pub fn author(
    kind: Option<String>,
    id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    names: &mut impl Names,
) -> Option<PersonRef> {
    let id = id?;
    let kind = kind.unwrap_or_else(|| "unknown".into());
    let known = match kind.as_str() {
        "admin" | "bot" => names.admin(&id),
        "user" | "lead" | "contact" => names.contact(&id),
        _ => None,
    }
    .unwrap_or_default();
    Some(PersonRef {
        id,
        kind,
        name: known.name.or(name),
        email: known.email.or(email),
    })
}

/// Tag names for these `(id, name)` pairs: the directory's name, else the record's, else the id; sorted.
/// (A record read back from the cache carries resolved names with empty ids.)
pub fn tag_names(tags: Vec<(String, String)>, names: &mut impl Names) -> Vec<String> {
    let mut out: Vec<String> = tags
        .into_iter()
        .map(|(id, name)| match names.tag(&id) {
            Some(n) => n,
            None if !name.is_empty() => name,
            None => id,
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_text_truncates_with_marker() {
        let long = "a".repeat(MAX_BODY_CHARS + 10);
        let t = body_text(&long);
        assert!(t.ends_with(TRUNCATION_MARKER));
        assert_eq!(
            t.chars().count(),
            MAX_BODY_CHARS + TRUNCATION_MARKER.chars().count()
        );
        assert_eq!(body_text("<p>hi</p>"), "hi");
    }

    #[test]
    fn tags_fall_back_to_the_record_then_the_id_and_are_sorted() {
        let tags = vec![("2".into(), "zeta".into()), ("1".into(), String::new())];
        assert_eq!(tag_names(tags, &mut NoNames), vec!["1", "zeta"]);
    }
}
