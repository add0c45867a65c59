//! Opaque keyset cursors and the page scan over a sorted index.
//!
//! A cursor is base64 of the JSON array `[sort_value, id, page]` (as Intercom's look). Time sort values
//! are in milliseconds. Scans resume strictly after `(sort_value, key)`, so pages stay stable while other
//! rows change: a row updated mid-walk moves later and is seen again (ascending) rather than skipped.

use std::collections::BTreeSet;
use std::ops::Bound;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// Message Intercom sends for a bad `starting_after`.
pub const BAD_CURSOR: &str =
    "Invalid starting_after param. Please try again using a starting_after value from a paginated response";

/// A decoded cursor: the last row of the previous page and the page number it leads to.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub sort_value: i64,
    pub id: String,
    pub page: u64,
}

pub fn encode(c: &Cursor) -> String {
    STANDARD.encode(json!([c.sort_value, c.id, c.page]).to_string())
}

/// Decode a cursor; `None` for anything we did not mint.
pub fn decode(s: &str) -> Option<Cursor> {
    let raw = STANDARD.decode(s.trim()).ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    let a = v.as_array()?;
    if a.len() != 3 {
        return None;
    }
    Some(Cursor {
        sort_value: a[0].as_i64()?,
        id: a[1].as_str()?.to_string(),
        page: a[2].as_u64()?.max(2),
    })
}

/// One page of keys in index order, and whether at least one more row matches after it.
pub struct Page {
    pub rows: Vec<(i64, u64)>,
    pub has_more: bool,
}

/// The rows of `index` within `bounds` (inclusive, on the sort value), after `after`, in order,
/// that satisfy `pred`. `limit` = None counts everything (returned in `rows` only when limited).
pub fn scan(
    index: &BTreeSet<(i64, u64)>,
    bounds: (i64, i64),
    descending: bool,
    after: Option<(i64, u64)>,
    limit: usize,
    mut pred: impl FnMut(u64) -> bool,
) -> Page {
    if bounds.0 > bounds.1 {
        return Page {
            rows: Vec::new(),
            has_more: false,
        };
    }
    let mut lo = Bound::Included((bounds.0, 0u64));
    let mut hi = Bound::Included((bounds.1, u64::MAX));
    if let Some(a) = after {
        if descending {
            if a < (bounds.1, u64::MAX) {
                hi = Bound::Excluded(a);
            }
        } else if a > (bounds.0, 0) {
            lo = Bound::Excluded(a);
        }
    }
    if let (Bound::Included(l) | Bound::Excluded(l), Bound::Included(h) | Bound::Excluded(h)) = (lo, hi)
        && l > h
    {
        return Page {
            rows: Vec::new(),
            has_more: false,
        };
    }
    let range = index.range((lo, hi));
    let mut rows = Vec::with_capacity(limit.min(256));
    let mut has_more = false;
    let mut take = |&(s, k): &(i64, u64)| -> bool {
        if !pred(k) {
            return true;
        }
        if rows.len() == limit {
            has_more = true;
            return false;
        }
        rows.push((s, k));
        true
    };
    if descending {
        for r in range.rev() {
            if !take(r) {
                break;
            }
        }
    } else {
        for r in range {
            if !take(r) {
                break;
            }
        }
    }
    Page { rows, has_more }
}

/// Count matching rows within bounds.
pub fn count(index: &BTreeSet<(i64, u64)>, bounds: (i64, i64), mut pred: impl FnMut(u64) -> bool) -> usize {
    if bounds.0 > bounds.1 {
        return 0;
    }
    index
        .range((bounds.0, 0)..=(bounds.1, u64::MAX))
        .filter(|&&(_, k)| pred(k))
        .count()
}

/// The `pages` object of a cursor-paginated response; `next` is omitted on the last page.
pub fn pages_json(page: u64, per_page: usize, total: usize, next: Option<String>) -> Value {
    let total_pages = total.div_ceil(per_page.max(1));
    let mut v = json!({"type": "pages", "page": page, "per_page": per_page, "total_pages": total_pages});
    if let Some(n) = next {
        v["next"] = json!({"page": page + 1, "starting_after": n});
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_junk() {
        let c = Cursor {
            sort_value: 1_772_633_377_000,
            id: "67570a878b6e26fe4ce6a894".into(),
            page: 2,
        };
        let s = encode(&c);
        assert_eq!(decode(&s), Some(c));
        assert_eq!(decode("junk!!"), None);
        assert_eq!(decode(&STANDARD.encode("[1,2]")), None);
        assert_eq!(decode(&STANDARD.encode("{\"a\":1}")), None);
    }

    #[test]
    fn scan_is_keyset() {
        let idx: BTreeSet<(i64, u64)> = (0..10).map(|i| (i / 2, i as u64)).collect();
        let p = scan(&idx, (i64::MIN, i64::MAX), false, None, 3, |_| true);
        assert_eq!(p.rows, vec![(0, 0), (0, 1), (1, 2)]);
        assert!(p.has_more);
        let p2 = scan(&idx, (i64::MIN, i64::MAX), false, Some((1, 2)), 100, |_| true);
        assert_eq!(p2.rows.len(), 7);
        assert!(!p2.has_more);
        let d = scan(&idx, (1, 3), true, Some((3, 6)), 10, |k| k != 4);
        assert_eq!(d.rows, vec![(2, 5), (1, 3), (1, 2)]);
        assert_eq!(count(&idx, (1, 3), |_| true), 6);
    }
}
