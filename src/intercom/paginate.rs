//! Pagination as streams, and bounded-concurrency conversation fetches.
//!
//! Every cursor walk of the sync goes through [`cursor_pages`]: it follows `pages.next.starting_after`
//! until it is absent, and ends with [`ApiError::Malformed`] instead of looping when Intercom hands back
//! any cursor it already gave in this walk (not only the previous one: `a → b → a` is a loop too) or
//! when the walk passes [`MAX_PAGES`]. A page with no items but a fresh `next` is followed (the guards
//! bound it). A stream ends after its first error (the request was already retried as far as the
//! policy allows).

use super::{ApiError, Contact, Conversation, IntercomClient, Page};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::Value;
use std::collections::HashSet;
use std::future::Future;

/// The most pages one walk may take: 150 items a page makes 15 million rows, far beyond any workspace we
/// sync; a walk that gets there is a cursor going round in a circle Intercom's way, not data.
pub const MAX_PAGES: usize = 100_000;

enum Cursor {
    Next(Option<String>),
    Fail(ApiError),
    Done,
}

struct Walk<F> {
    fetch: F,
    seen: HashSet<String>,
    pages: usize,
    max_pages: usize,
}

/// Pages from `fetch(cursor)`, starting with no cursor, with the repeated-cursor guard and [`MAX_PAGES`].
pub fn cursor_pages<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<Page<T>, ApiError>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    cursor_pages_capped(fetch, MAX_PAGES)
}

/// [`cursor_pages`] with its page cap given.
pub fn cursor_pages_capped<T, F, Fut>(
    fetch: F,
    max_pages: usize,
) -> impl Stream<Item = Result<Page<T>, ApiError>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    let walk = Walk {
        fetch,
        seen: HashSet::new(),
        pages: 0,
        max_pages,
    };
    stream::unfold((walk, Cursor::Next(None)), |(mut walk, state)| async move {
        let cursor = match state {
            Cursor::Done => return None,
            Cursor::Fail(e) => return Some((Err(e), (walk, Cursor::Done))),
            Cursor::Next(c) => c,
        };
        match (walk.fetch)(cursor).await {
            Err(e) => Some((Err(e), (walk, Cursor::Done))),
            Ok(page) => {
                walk.pages += 1;
                let next = match &page.next {
                    None => Cursor::Done,
                    Some(n) if walk.seen.contains(n) => Cursor::Fail(ApiError::Malformed(format!(
                        "Intercom returned a pagination cursor it had already given in this walk (after {} \
                         pages); stopping to avoid a loop",
                        walk.pages
                    ))),
                    Some(_) if walk.pages >= walk.max_pages => Cursor::Fail(ApiError::Malformed(format!(
                        "Intercom kept returning more pages after {} pages; stopping this walk",
                        walk.pages
                    ))),
                    Some(n) => {
                        walk.seen.insert(n.clone());
                        Cursor::Next(Some(n.clone()))
                    }
                };
                Some((Ok(page), (walk, next)))
            }
        }
    })
}

impl IntercomClient {
    /// Fetch each conversation (with parts) at most [`IntercomClient::concurrency`] at a time. Items come
    /// in completion order, each with its id; `Ok(None)` means deleted (404).
    pub fn get_conversations(
        &self,
        ids: Vec<String>,
    ) -> impl Stream<Item = (String, Result<Option<Conversation>, ApiError>)> + Send + 'static {
        let client = self.clone();
        let n = self.concurrency();
        stream::iter(ids)
            .map(move |id| {
                let client = client.clone();
                async move {
                    let r = client.get_conversation(&id).await;
                    (id, r)
                }
            })
            .buffer_unordered(n)
    }

    /// Every page of `GET /conversations`.
    pub fn conversation_pages(
        &self,
        per_page: u32,
    ) -> impl Stream<Item = Result<Page<Conversation>, ApiError>> + Send + 'static {
        let client = self.clone();
        cursor_pages(move |cursor: Option<String>| {
            let client = client.clone();
            async move { client.list_conversations(per_page, cursor.as_deref()).await }
        })
    }

    /// Every page of `POST /conversations/search` for `query` and `sort`.
    pub fn conversation_search_pages(
        &self,
        query: Value,
        sort: Option<Value>,
        per_page: u32,
    ) -> impl Stream<Item = Result<Page<Conversation>, ApiError>> + Send + 'static {
        let client = self.clone();
        cursor_pages(move |cursor: Option<String>| {
            let (client, query, sort) = (client.clone(), query.clone(), sort.clone());
            async move {
                client
                    .search_conversations(&query, sort.as_ref(), per_page, cursor.as_deref())
                    .await
            }
        })
    }

    /// Every page of `GET /contacts`.
    pub fn contact_pages(
        &self,
        per_page: u32,
    ) -> impl Stream<Item = Result<Page<Contact>, ApiError>> + Send + 'static {
        let client = self.clone();
        cursor_pages(move |cursor: Option<String>| {
            let client = client.clone();
            async move { client.list_contacts(per_page, cursor.as_deref()).await }
        })
    }

    /// Every page of `POST /contacts/search` for `query` and `sort`.
    pub fn contact_search_pages(
        &self,
        query: Value,
        sort: Option<Value>,
        per_page: u32,
    ) -> impl Stream<Item = Result<Page<Contact>, ApiError>> + Send + 'static {
        let client = self.clone();
        cursor_pages(move |cursor: Option<String>| {
            let (client, query, sort) = (client.clone(), query.clone(), sort.clone());
            async move {
                client
                    .search_contacts(&query, sort.as_ref(), per_page, cursor.as_deref())
                    .await
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: Vec<u32>, next: Option<&str>) -> Result<Page<u32>, ApiError> {
        Ok(Page {
            items,
            next: next.map(str::to_string),
            total_count: None,
        })
    }

    #[tokio::test]
    async fn follows_cursors_to_the_end() {
        let pages: Vec<_> = cursor_pages(|c: Option<String>| async move {
            match c.as_deref() {
                None => page(vec![1, 2], Some("a")),
                Some("a") => page(vec![3], Some("b")),
                _ => page(vec![], None),
            }
        })
        .collect()
        .await;
        let items: Vec<u32> = pages.into_iter().flat_map(|p| p.unwrap().items).collect();
        assert_eq!(items, vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn a_repeated_cursor_ends_with_an_error() {
        let pages: Vec<_> = cursor_pages(|_c: Option<String>| async move { page(vec![1], Some("same")) })
            .collect()
            .await;
        assert_eq!(pages.len(), 3);
        assert!(matches!(pages[2], Err(ApiError::Malformed(_))));
    }

    #[tokio::test]
    async fn a_cursor_cycle_ends_with_an_error() {
        let pages: Vec<_> = cursor_pages(|c: Option<String>| async move {
            match c.as_deref() {
                None => page(vec![1], Some("a")),
                Some("a") => page(vec![2], Some("b")),
                _ => page(vec![3], Some("a")),
            }
        })
        .collect()
        .await;
        assert_eq!(pages.len(), 4, "{pages:?}");
        assert!(matches!(pages[3], Err(ApiError::Malformed(_))));
    }

    #[tokio::test]
    async fn empty_pages_with_a_fresh_cursor_are_followed() {
        let pages: Vec<_> = cursor_pages(|c: Option<String>| async move {
            match c.as_deref() {
                None => page(vec![], Some("a")),
                Some("a") => page(vec![], Some("b")),
                _ => page(vec![7], None),
            }
        })
        .collect()
        .await;
        let items: Vec<u32> = pages.into_iter().flat_map(|p| p.unwrap().items).collect();
        assert_eq!(items, vec![7]);
    }

    #[tokio::test]
    async fn an_endless_walk_stops_at_the_page_cap() {
        let pages: Vec<_> = cursor_pages_capped(
            |c: Option<String>| async move {
                let n: u64 = c.as_deref().map_or(0, |c| c.parse().unwrap());
                page(vec![1], Some(&(n + 1).to_string()))
            },
            50,
        )
        .collect()
        .await;
        assert_eq!(pages.len(), 51);
        assert!(matches!(pages[50], Err(ApiError::Malformed(_))));
    }

    #[tokio::test]
    async fn stops_after_an_error() {
        let pages: Vec<_> = cursor_pages(|c: Option<String>| async move {
            match c {
                None => page(vec![1], Some("a")),
                Some(_) => Err(ApiError::NotFound),
            }
        })
        .collect()
        .await;
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1], Err(ApiError::NotFound));
    }
}
