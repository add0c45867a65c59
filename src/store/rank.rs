//! Relevance for conversation search: `fi_bm25()`, FTS5's own bm25 (same formula, constants and ties)
//! with one change: each query term's document count, which bm25 needs for the term's weight (IDF), is
//! remembered per connection for [`DOC_COUNT_TTL`] instead of being counted again on every query.
//!
//! Why: FTS5 counts a term's documents by walking its whole posting list on every query. For a word in
//! most conversations ("thanks": 72k of 100k) that is 2-3 ms, the largest single cost of a two-word search
//! that is otherwise narrow; and such a word weighs next to nothing (bm25 floors its IDF at 1e-6). A count
//! up to ten minutes old changes a weight by a rounding error; the row count and document lengths are always
//! current. Registered on every connection by [`register`]; SQL calls it as
//! `fi_bm25(conversation_fts, 'conversations', ?match)`, where `?match` is the MATCH text built by
//! [`super::read::fts_query`] (one quoted term per phrase), which names the terms for the cache.
//!
//! FTS5's extension API is C only (rusqlite does not wrap it), hence the `unsafe` here, kept to this file.

use anyhow::{Result, bail};
use rusqlite::Connection;
use rusqlite::ffi;
use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a term's document count is reused.
pub const DOC_COUNT_TTL: Duration = Duration::from_secs(600);
/// Terms remembered per connection (the cache is emptied when full).
const MAX_TERMS: usize = 20_000;

/// The per-connection cache: (table, quoted term) → (when counted, documents).
#[derive(Default)]
struct DocCounts(Mutex<HashMap<(String, String), (Instant, i64)>>);

/// Register `fi_bm25` on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    // SAFETY: `handle` is this open connection's; the statement is finalized before returning; the fts5_api
    // pointer FTS5 writes is valid for the connection's life; `counts` is owned by SQLite from a successful
    // xCreateFunction on (freed by `drop_counts`), and freed here otherwise.
    unsafe {
        let db = conn.handle();
        let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        let rc = ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut stmt,
            std::ptr::null_mut(),
        );
        if rc != ffi::SQLITE_OK {
            bail!("FTS5 is not available in this SQLite (code {rc})");
        }
        let mut api: *mut ffi::fts5_api = std::ptr::null_mut();
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&raw mut api).cast::<c_void>(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
        let Some(create) = api.as_ref().and_then(|a| a.xCreateFunction) else {
            bail!("FTS5 did not give its API");
        };
        let counts = Box::into_raw(Box::<DocCounts>::default());
        let rc = create(
            api,
            c"fi_bm25".as_ptr(),
            counts.cast(),
            Some(fi_bm25),
            Some(drop_counts),
        );
        if rc != ffi::SQLITE_OK {
            drop(Box::from_raw(counts));
            bail!("registering fi_bm25 failed (code {rc})");
        }
    }
    Ok(())
}

unsafe extern "C" fn drop_counts(p: *mut c_void) {
    // SAFETY: `p` is the Box registered in `register`, handed back once by SQLite.
    drop(unsafe { Box::from_raw(p.cast::<DocCounts>()) });
}

/// What bm25 computes once per query: the average document length and each phrase's IDF.
struct QueryData {
    avgdl: f64,
    idf: Vec<f64>,
}

unsafe extern "C" fn free_query_data(p: *mut c_void) {
    // SAFETY: `p` is the Box set with xSetAuxdata in `query_data`, handed back once by FTS5.
    drop(unsafe { Box::from_raw(p.cast::<QueryData>()) });
}

unsafe extern "C" fn count_cb(
    _: *const ffi::Fts5ExtensionApi,
    _: *mut ffi::Fts5Context,
    n: *mut c_void,
) -> c_int {
    // SAFETY: `n` is the i64 `query_data` passes to xQueryPhrase.
    unsafe { *n.cast::<i64>() += 1 };
    ffi::SQLITE_OK
}

/// The quoted terms of a MATCH text made by `fts_query` (`"a" "b""c"` → `"a"`, `"b""c"`); None when it is
/// not of that form.
fn quoted_terms(m: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = m.trim_start();
    while !rest.is_empty() {
        let body = rest.strip_prefix('"')?;
        let mut end = None;
        let mut i = 0;
        let b = body.as_bytes();
        while i < b.len() {
            if b[i] == b'"' {
                if b.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                end = Some(i);
                break;
            }
            i += 1;
        }
        let end = end?;
        out.push(&rest[..end + 2]);
        rest = body[end + 1..].trim_start();
    }
    Some(out)
}

/// The per-query data, computed on the first row and kept by FTS5 for the rest.
///
/// # Safety
/// `api`, `fts` and `args` come from FTS5 for the current call.
unsafe fn query_data<'a>(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    args: &[*mut ffi::sqlite3_value],
) -> Result<&'a QueryData, c_int> {
    let (Some(get), Some(set), Some(user), Some(phrases), Some(rows), Some(total), Some(query)) = (
        api.xGetAuxdata,
        api.xSetAuxdata,
        api.xUserData,
        api.xPhraseCount,
        api.xRowCount,
        api.xColumnTotalSize,
        api.xQueryPhrase,
    ) else {
        return Err(ffi::SQLITE_MISUSE);
    };
    // SAFETY (whole block): FTS5's API on the context it gave; the aux data is ours (a QueryData).
    unsafe {
        let p = get(fts, 0).cast::<QueryData>();
        if let Some(d) = p.as_ref() {
            return Ok(d);
        }
        let n_phrase = usize::try_from(phrases(fts)).unwrap_or(0);
        let (mut n_row, mut n_token) = (0i64, 0i64);
        let rc = rows(fts, &mut n_row);
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        let rc = total(fts, -1, &mut n_token);
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        let avgdl = n_token as f64 / n_row.max(1) as f64;
        // The terms, to name cache entries: (table, MATCH text) are the two SQL arguments.
        let text = |v: *mut ffi::sqlite3_value| -> Option<String> {
            let t = ffi::sqlite3_value_text(v);
            (!t.is_null()).then(|| std::ffi::CStr::from_ptr(t.cast()).to_string_lossy().into_owned())
        };
        let table = args.first().and_then(|v| text(*v));
        let m = args.get(1).and_then(|v| text(*v));
        let terms: Option<Vec<String>> = m
            .as_deref()
            .and_then(quoted_terms)
            .filter(|t| t.len() == n_phrase)
            .map(|t| t.into_iter().map(str::to_string).collect());
        let counts = user(fts).cast::<DocCounts>().as_ref();
        let mut idf = Vec::with_capacity(n_phrase);
        for i in 0..n_phrase {
            let key = table.clone().zip(terms.as_ref().map(|t| t[i].clone()));
            let cached = key.as_ref().and_then(|k| {
                let map = counts?.0.lock().unwrap_or_else(|e| e.into_inner());
                map.get(k)
                    .filter(|(at, _)| at.elapsed() < DOC_COUNT_TTL)
                    .map(|(_, n)| *n)
            });
            let n_hit = match cached {
                Some(n) => n,
                None => {
                    let mut n = 0i64;
                    let rc = query(
                        fts,
                        c_int::try_from(i).unwrap_or(0),
                        (&raw mut n).cast(),
                        Some(count_cb),
                    );
                    if rc != ffi::SQLITE_OK {
                        return Err(rc);
                    }
                    if let (Some(k), Some(c)) = (key, counts) {
                        let mut map = c.0.lock().unwrap_or_else(|e| e.into_inner());
                        if map.len() >= MAX_TERMS {
                            map.clear();
                        }
                        map.insert(k, (Instant::now(), n));
                    }
                    n
                }
            };
            // As FTS5: IDF = ln((N - n + 0.5) / (n + 0.5)), floored at 1e-6. A cached count above today's
            // row count (rows deleted since) is clamped, so the ratio stays positive and the IDF finite.
            let n_hit = n_hit.clamp(0, n_row);
            let v = (((n_row - n_hit) as f64 + 0.5) / (n_hit as f64 + 0.5)).ln();
            idf.push(if v > 0.0 { v } else { 1e-6 });
        }
        let data = Box::into_raw(Box::new(QueryData { avgdl, idf }));
        let rc = set(fts, data.cast(), Some(free_query_data));
        if rc != ffi::SQLITE_OK {
            // FTS5 calls the destructor itself when xSetAuxdata fails.
            return Err(rc);
        }
        Ok(&*data)
    }
}

/// `fi_bm25(fts_table, table_name, match_text)`: bm25 as FTS5 computes it (k1 1.2, b 0.75, every column
/// weighing 1, lower is better), with cached document counts.
unsafe extern "C" fn fi_bm25(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    n_val: c_int,
    ap_val: *mut *mut ffi::sqlite3_value,
) {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    // SAFETY (whole body): FTS5 calls this with its API, the current row's context, and n_val arguments.
    unsafe {
        let Some(api) = api.as_ref() else {
            return;
        };
        let args: &[*mut ffi::sqlite3_value] = match usize::try_from(n_val) {
            Ok(n) if n > 0 && !ap_val.is_null() => std::slice::from_raw_parts(ap_val, n),
            _ => &[],
        };
        let (Some(inst_count), Some(inst), Some(size)) = (api.xInstCount, api.xInst, api.xColumnSize) else {
            ffi::sqlite3_result_error_code(ctx, ffi::SQLITE_MISUSE);
            return;
        };
        let data = match query_data(api, fts, args) {
            Ok(d) => d,
            Err(rc) => {
                ffi::sqlite3_result_error_code(ctx, rc);
                return;
            }
        };
        let mut freq = vec![0f64; data.idf.len()];
        let mut n_inst: c_int = 0;
        let mut rc = inst_count(fts, &mut n_inst);
        for i in 0..n_inst {
            if rc != ffi::SQLITE_OK {
                break;
            }
            let (mut ip, mut ic, mut io) = (0, 0, 0);
            rc = inst(fts, i, &mut ip, &mut ic, &mut io);
            if let Some(f) = usize::try_from(ip).ok().and_then(|p| freq.get_mut(p)) {
                *f += 1.0;
            }
        }
        let mut n_tok: c_int = 0;
        if rc == ffi::SQLITE_OK {
            rc = size(fts, -1, &mut n_tok);
        }
        if rc != ffi::SQLITE_OK {
            ffi::sqlite3_result_error_code(ctx, rc);
            return;
        }
        let d = f64::from(n_tok);
        let mut score = 0.0;
        for (idf, f) in data.idf.iter().zip(&freq) {
            score += idf * ((f * (K1 + 1.0)) / (f + K1 * (1.0 - B + B * d / data.avgdl)));
        }
        ffi::sqlite3_result_double(ctx, -score);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A count cached before most rows were deleted is clamped: scores stay finite and ordered.
    #[test]
    fn a_stale_count_above_the_row_count_stays_finite() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch("CREATE VIRTUAL TABLE t USING fts5(body)")
            .unwrap();
        for i in 0..50 {
            conn.execute(
                "INSERT INTO t (body) VALUES (?1)",
                [format!("refund {}", "x ".repeat(i))],
            )
            .unwrap();
        }
        let scores = |conn: &Connection| -> Vec<f64> {
            conn.prepare("SELECT fi_bm25(t, 't', ?1) FROM t WHERE t MATCH ?1 ORDER BY rowid")
                .unwrap()
                .query_map([r#""refund""#], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        assert_eq!(scores(&conn).len(), 50); // counts 50 and caches it
        conn.execute("DELETE FROM t WHERE rowid > 5", []).unwrap();
        let after = scores(&conn);
        assert_eq!(after.len(), 5);
        assert!(after.iter().all(|s| s.is_finite()), "{after:?}");
    }

    #[test]
    fn quoted_terms_name_each_phrase() {
        assert_eq!(quoted_terms(r#""a" "b""c""#).unwrap(), [r#""a""#, r#""b""c""#]);
        assert_eq!(
            quoted_terms(r#""""foo" "AND""#).unwrap(),
            [r#""""foo""#, r#""AND""#]
        );
        assert_eq!(quoted_terms("").unwrap(), Vec::<&str>::new());
        assert_eq!(quoted_terms("a b"), None);
        assert_eq!(quoted_terms(r#""open"#), None);
    }

    /// Same scores as FTS5's bm25, to the last bits, for one- to three-term queries over rows of varied
    /// lengths and term counts, on first use (counted) and again (cached).
    #[test]
    fn scores_equal_fts5_bm25() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'porter unicode61')")
            .unwrap();
        for i in 0..300 {
            let body = format!(
                "{} {} {}",
                "refund ".repeat(i % 4),
                if i % 3 == 0 { "charged twice" } else { "hello" },
                "word ".repeat(i % 13)
            );
            conn.execute(
                "INSERT INTO t (title, body) VALUES (?1, ?2)",
                [if i % 5 == 0 { "Refund" } else { "" }, &body],
            )
            .unwrap();
        }
        for m in [
            r#""refund""#,
            r#""refund" "charged""#,
            r#""charges" "twice" "word""#,
            r#""word""#,
        ] {
            for _ in 0..2 {
                let mut stmt = conn
                    .prepare("SELECT rowid, bm25(t), fi_bm25(t, 't', ?1) FROM t WHERE t MATCH ?1")
                    .unwrap();
                let rows: Vec<(i64, f64, f64)> = stmt
                    .query_map([m], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap();
                assert!(!rows.is_empty(), "{m}");
                for (rowid, theirs, ours) in rows {
                    assert!(
                        (theirs - ours).abs() <= 1e-12 * theirs.abs().max(1.0),
                        "{m} row {rowid}: {theirs} vs {ours}"
                    );
                }
            }
        }
    }
}
