//! Pagination as streams, and bounded-concurrency conversation fetches.
//!
//! Cursor pages follow `pages.next.starting_after` until it is absent. A page that hands back the
//! cursor it was fetched with would loop forever; the stream ends with [`ApiError::Malformed`] instead.
//! A stream ends after its first error (the request was already retried as far as the policy allows).

use super::{ApiError, Contact, Conversation, IntercomClient, Page};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::Value;
use std::future::Future;

enum Cursor {
    Next(Option<String>),
    Fail(ApiError),
    Done,
}

/// Pages from `fetch(cursor)`, starting with no cursor.
pub fn cursor_pages<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<Page<T>, ApiError>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    stream::unfold((fetch, Cursor::Next(None)), |(mut fetch, state)| async move {
        let cursor = match state {
            Cursor::Done => return None,
            Cursor::Fail(e) => return Some((Err(e), (fetch, Cursor::Done))),
            Cursor::Next(c) => c,
        };
        match fetch(cursor.clone()).await {
            Err(e) => Some((Err(e), (fetch, Cursor::Done))),
            Ok(page) => {
                let next = match &page.next {
                    None => Cursor::Done,
                    Some(n) if Some(n) == cursor.as_ref() => Cursor::Fail(ApiError::Malformed(
                        "Intercom returned the same pagination cursor twice; stopping to avoid a loop".into(),
                    )),
                    Some(n) => Cursor::Next(Some(n.clone())),
                };
                Some((Ok(page), (fetch, next)))
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
