//! Help Center articles: one locale's content of an [`ArticleRecord`] into an [`ArticleSummary`] (a
//! search hit) or an [`ArticlePage`] (the text a page at a time, cut with [`super::TRUNCATION_MARKER`]).

use super::{Names, TRUNCATION_MARKER};
use crate::model::{ArticlePage, ArticleSummary};
use crate::record::{ArticleContentRecord, ArticleRecord};

/// The default locale's content of an article, as the store keeps it next to the translations.
pub fn default_content(a: &ArticleRecord) -> ArticleContentRecord {
    ArticleContentRecord {
        locale: a.default_locale.clone(),
        title: a.title.clone(),
        description: a.description.clone(),
        body: a.body.clone(),
        state: a.state.clone(),
        url: a.url.clone(),
        updated_at: Some(a.updated_at),
    }
}

/// The article's content in `locale` (its default locale when None); None when it has no such locale.
pub fn content(a: &ArticleRecord, locale: Option<&str>) -> Option<ArticleContentRecord> {
    match locale {
        None => Some(default_content(a)),
        Some(l) if l.eq_ignore_ascii_case(&a.default_locale) => Some(default_content(a)),
        Some(l) => a
            .translations
            .iter()
            .find(|t| t.locale.eq_ignore_ascii_case(l))
            .cloned(),
    }
}

/// One locale of an article as a list item; a translation without a state or time of its own takes
/// the article's.
pub fn summary(
    id: &str,
    article_state: Option<&str>,
    article_updated_at: i64,
    c: ArticleContentRecord,
    matched: Option<String>,
) -> ArticleSummary {
    ArticleSummary {
        id: id.to_string(),
        title: c.title,
        description: c.description,
        state: c.state.or(article_state.map(str::to_string)),
        locale: c.locale,
        url: c.url,
        updated_at: c.updated_at.unwrap_or(article_updated_at),
        matched,
    }
}

/// Every locale of an article, the default first, then the translations in the order given.
pub fn locales(a: &ArticleRecord) -> Vec<String> {
    std::iter::once(a.default_locale.clone())
        .chain(a.translations.iter().map(|t| t.locale.clone()))
        .collect()
}

/// The article in `locale` (default when None) as a page of its text: from `offset` characters, at
/// most about `max_text_bytes` bytes of text (cut at a space when one is near, at least one character),
/// then [`TRUNCATION_MARKER`] and `next_cursor` (made by `cursor` from the next offset). None when the
/// article has no such locale.
pub fn page(
    a: &ArticleRecord,
    locale: Option<&str>,
    offset: usize,
    max_text_bytes: usize,
    names: &mut impl Names,
    cursor: impl Fn(usize) -> String,
) -> Option<ArticlePage> {
    let c = content(a, locale)?;
    let whole = crate::text::html_to_text(c.body.as_deref().unwrap_or_default());
    let text_chars = whole.chars().count();
    let start = whole.char_indices().nth(offset).map_or(whole.len(), |(i, _)| i);
    let rest = &whole[start..];
    let (text, next) = if rest.len() <= max_text_bytes {
        (rest.to_string(), None)
    } else {
        let mut end = max_text_bytes.max(1);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if end == 0 {
            end = rest.chars().next().map_or(0, char::len_utf8);
        }
        // A space in the last eighth reads better than a cut word.
        if let Some(sp) = rest[..end].rfind(char::is_whitespace)
            && sp > end - end / 8
            && sp > 0
        {
            end = sp;
        }
        let kept = &rest[..end];
        let next = offset.min(text_chars) + kept.chars().count();
        (format!("{kept}{TRUNCATION_MARKER}"), Some(next))
    };
    let author = super::author(Some("admin".into()), a.author_id.clone(), None, None, names);
    Some(ArticlePage {
        id: a.id.clone(),
        title: c.title,
        description: c.description,
        state: c.state.or(a.state.clone()),
        locale: c.locale,
        default_locale: a.default_locale.clone(),
        locales: locales(a),
        url: c.url,
        author,
        created_at: a.created_at,
        updated_at: c.updated_at.unwrap_or(a.updated_at),
        parent_ids: a.parent_ids.clone(),
        text,
        text_chars,
        text_offset: offset.min(text_chars),
        truncated: next.is_some(),
        next_cursor: next.map(cursor),
    })
}

/// Length of `v` as compact JSON text.
fn json_len<T: serde::Serialize>(v: &T) -> usize {
    serde_json::to_vec(v).map_or(usize::MAX, |b| b.len())
}

/// The largest [`page`] whose JSON text fits `room` bytes (escaping included; at least a little text).
pub fn fit_page(
    a: &ArticleRecord,
    locale: Option<&str>,
    offset: usize,
    room: usize,
    names: &mut impl Names,
    cursor: impl Fn(usize) -> String,
) -> Option<ArticlePage> {
    let bare = page(a, locale, offset, 0, names, &cursor)?;
    let mut text_room = room.saturating_sub(json_len(&bare) + 64).max(256);
    loop {
        let p = page(a, locale, offset, text_room, names, &cursor)?;
        if json_len(&p) <= room || text_room <= 256 {
            return Some(p);
        }
        text_room = text_room * 4 / 5;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::NoNames;

    fn article() -> ArticleRecord {
        ArticleRecord {
            id: "9".into(),
            title: Some("Reset".into()),
            body: Some(format!("<p>{}</p>", "word ".repeat(100).trim_end())),
            state: Some("published".into()),
            default_locale: "en".into(),
            author_id: Some("7".into()),
            updated_at: 5,
            translations: vec![ArticleContentRecord {
                locale: "fr".into(),
                title: Some("Réinitialiser".into()),
                body: Some("<p>court</p>".into()),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn text_pages_join_up_to_the_whole_and_locales_are_chosen() {
        let a = article();
        let whole = crate::text::html_to_text(a.body.as_deref().unwrap());
        let mut got = String::new();
        let mut offset = 0;
        for _ in 0..100 {
            let p = page(&a, None, offset, 64, &mut NoNames, |n| n.to_string()).unwrap();
            assert_eq!(p.text_chars, whole.chars().count());
            match p.next_cursor {
                Some(n) => {
                    assert!(p.truncated && p.text.ends_with(TRUNCATION_MARKER));
                    got.push_str(p.text.strip_suffix(TRUNCATION_MARKER).unwrap());
                    offset = n.parse().unwrap();
                }
                None => {
                    got.push_str(&p.text);
                    break;
                }
            }
        }
        assert_eq!(got, whole);
        let fr = page(&a, Some("FR"), 0, 1000, &mut NoNames, |n| n.to_string()).unwrap();
        assert_eq!((fr.locale.as_str(), fr.text.as_str()), ("fr", "court"));
        assert_eq!(fr.state.as_deref(), Some("published"));
        assert_eq!(fr.locales, ["en", "fr"]);
        assert!(page(&a, Some("de"), 0, 10, &mut NoNames, |n| n.to_string()).is_none());
        assert_eq!(fr.author.unwrap().kind, "admin");
    }
}
