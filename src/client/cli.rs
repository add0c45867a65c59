//! `fastintercom search`, `conversation`, `contact`, `ticket` ([`tickets`]): the client library on the
//! command line. The first line
//! says which source answered, how old its data is and why; `--json` prints the whole [`Answer`] instead:
//! `{"source","data_as_of","age_seconds","reason","stale","data"}`.

use super::{Answer, CallOptions, Client, ClientConfig, SearchRequest};
use crate::config::Settings;
use crate::model::{ContactDetail, ConversationDetail, ConversationSummary, PersonRef};
use crate::timespec::{fmt_age, fmt_time, parse_time};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;

/// `writeln!` into a `String` (which cannot fail).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

pub mod tickets;
pub use tickets::{TicketOptions, ticket};

/// Where the command-line client reads and how it prints, shared by `search`, `conversation`, `contact`.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Cache older than this many minutes -> REST; `None`: from the settings.
    pub max_staleness: Option<u64>,
    /// A `fastintercom serve` endpoint to use as the cache; `None`: from the settings, else the database.
    pub mcp_url: Option<String>,
    /// Never answer with stale data: fail instead.
    pub no_stale: bool,
    /// Print the whole answer as JSON.
    pub json: bool,
    /// Database path; `None`: from the settings.
    pub db: Option<PathBuf>,
}

/// `fastintercom search`'s question.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    /// Full-text query (blank: every conversation in the window).
    pub query: String,
    /// Start of the window: `YYYY-MM-DD`, Unix seconds, or relative like `7d`.
    pub since: Option<String>,
    /// End of the window (same forms as `since`).
    pub until: Option<String>,
    /// Maximum results.
    pub limit: u32,
    /// Search tickets instead of conversations, with these filters.
    pub tickets: Option<crate::model::TicketFilters>,
    pub client: ClientOptions,
}

/// `fastintercom conversation`'s question.
#[derive(Debug, Clone, Default)]
pub struct ConversationOptions {
    /// Conversation id.
    pub id: String,
    pub client: ClientOptions,
}

/// `fastintercom contact`'s question.
#[derive(Debug, Clone, Default)]
pub struct ContactOptions {
    /// Contact email (or id).
    pub email: String,
    pub client: ClientOptions,
}

pub(super) fn client(a: &ClientOptions) -> Result<(Client, CallOptions)> {
    let settings = Settings::load()?;
    let cfg = ClientConfig::from_settings(&settings, a.mcp_url.as_deref(), a.db.as_deref(), a.max_staleness)?;
    let opts = CallOptions {
        max_staleness: None,
        allow_stale: Some(!a.no_stale),
    };
    Ok((Client::new(cfg), opts))
}

/// `source: cache (data as of 2026-11-25 14:02 UTC, 3 min old; fresh and window inside coverage)`.
pub fn source_line<T>(a: &Answer<T>) -> String {
    let mut s = format!("source: {}", a.source);
    if a.stale {
        s.push_str(", STALE");
    }
    s.push_str(" (");
    match (a.data_as_of, a.age_seconds) {
        (Some(t), Some(age)) => {
            let _ = write!(s, "data as of {}, {} old; ", fmt_time(t), fmt_age(age));
        }
        _ => s.push_str("data age unknown; "),
    }
    let _ = write!(s, "{})", a.reason);
    s
}

pub(super) fn print_json<T: Serialize>(a: &Answer<T>) -> Result<()> {
    emit(&format!("{}\n", serde_json::to_string_pretty(a)?))
}

/// Write everything to stdout at once; a closed pipe (`| head`) is not an error.
pub(super) fn emit(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to stdout"),
    }
}

fn who(p: &Option<PersonRef>) -> String {
    match p {
        None => "-".into(),
        Some(p) => p
            .name
            .clone()
            .or_else(|| p.email.clone())
            .unwrap_or_else(|| format!("{} {}", p.kind, p.id)),
    }
}

pub(super) fn summary_line(c: &ConversationSummary) -> String {
    let what = c.title.clone().unwrap_or_else(|| c.snippet.clone());
    let contact = c
        .contact
        .as_ref()
        .and_then(|p| p.email.clone().or_else(|| p.name.clone()))
        .map(|e| format!("  <{e}>"))
        .unwrap_or_default();
    format!(
        "{:>10}  {:<7}  {}  {}{}",
        c.id,
        c.state,
        fmt_time(c.updated_at),
        crate::text::snippet(&what, 80),
        contact
    )
}

/// `fastintercom search QUERY [--since WHEN] [--until WHEN] [--limit N]`.
pub async fn search(a: SearchOptions) -> Result<u8> {
    let now = crate::timespec::now();
    let since = a
        .since
        .as_deref()
        .map(|s| parse_time(s, now))
        .transpose()
        .context("--since")?;
    let until = a
        .until
        .as_deref()
        .map(|s| parse_time(s, now))
        .transpose()
        .context("--until")?;
    if let Some(s) = since.filter(|s| *s > now) {
        bail!(
            "--since {} is in the future ({}): nothing can match; use a past time such as 7d or YYYY-MM-DD",
            a.since.as_deref().unwrap_or_default(),
            crate::timespec::fmt_time(s)
        );
    }
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        bail!("--since is after --until: nothing can match; swap them");
    }
    if let Some(filters) = a.tickets {
        let text = Some(a.query.clone()).filter(|q| !q.trim().is_empty());
        return tickets::search(text, since, until, a.limit, filters, &a.client).await;
    }
    let (client, opts) = client(&a.client)?;
    let req = SearchRequest {
        text: Some(a.query.clone()).filter(|q| !q.trim().is_empty()),
        since,
        until,
        limit: Some(a.limit),
        ..Default::default()
    };
    let answer = client.search_conversations(&req, &opts).await?;
    if a.client.json {
        print_json(&answer)?;
        return Ok(0);
    }
    let mut out = String::new();
    outln!(out, "{}", source_line(&answer));
    let n = answer.data.conversations.len();
    for c in &answer.data.conversations {
        outln!(out, "{}", summary_line(c));
    }
    let more = if answer.data.next_cursor.is_some() {
        " (more match: raise --limit)"
    } else {
        ""
    };
    outln!(out, "{n} conversation{}{more}", if n == 1 { "" } else { "s" });
    emit(&out)?;
    Ok(0)
}

fn print_conversation(out: &mut String, c: &ConversationDetail) {
    let s = &c.summary;
    outln!(
        out,
        "conversation {}: {}",
        s.id,
        s.title.as_deref().unwrap_or("(no title)")
    );
    outln!(
        out,
        "state: {}  priority: {}  created: {}  updated: {}",
        s.state,
        s.priority.as_deref().unwrap_or("-"),
        fmt_time(s.created_at),
        fmt_time(s.updated_at)
    );
    outln!(
        out,
        "admin: {}  team: {}  contact: {}",
        who(&s.admin_assignee),
        who(&s.team_assignee),
        who(&s.contact)
    );
    if !s.tags.is_empty() {
        outln!(out, "tags: {}", s.tags.join(", "));
    }
    outln!(
        out,
        "\n[{}] {}:\n{}",
        fmt_time(s.created_at),
        who(&c.author),
        c.body
    );
    for p in &c.parts {
        match &p.body {
            Some(b) => outln!(
                out,
                "\n[{}] {} ({}):\n{}",
                fmt_time(p.created_at),
                who(&p.author),
                p.part_type,
                b
            ),
            None => outln!(
                out,
                "\n[{}] {} ({})",
                fmt_time(p.created_at),
                who(&p.author),
                p.part_type
            ),
        }
    }
    if c.parts_truncated {
        outln!(
            out,
            "\n(older parts were not returned by Intercom: over its 500-part limit)"
        );
    }
}

/// `fastintercom conversation ID`. Exit 1 when neither source knows the id.
pub async fn conversation(a: ConversationOptions) -> Result<u8> {
    let (client, opts) = client(&a.client)?;
    let answer = client.get_conversation(&a.id, &opts).await?;
    print_lookup(&answer, a.client.json, print_conversation, "conversation", &a.id)
}

/// Print a lookup answer (JSON, or the source line then the object); exit 1 when neither source knows it.
pub(super) fn print_lookup<T: Serialize>(
    answer: &Answer<Option<T>>,
    json: bool,
    print: fn(&mut String, &T),
    what: &str,
    key: &str,
) -> Result<u8> {
    if json {
        print_json(answer)?;
    } else {
        let mut out = String::new();
        outln!(out, "{}", source_line(answer));
        if let Some(c) = &answer.data {
            print(&mut out, c);
        }
        emit(&out)?;
        if answer.data.is_none() {
            eprintln!("{what} {} not found", key.trim());
        }
    }
    Ok(if answer.data.is_some() { 0 } else { 1 })
}

fn print_contact(out: &mut String, c: &ContactDetail) {
    outln!(
        out,
        "contact {}: {} <{}>",
        c.id,
        c.name.as_deref().unwrap_or("(no name)"),
        c.email.as_deref().unwrap_or("-")
    );
    outln!(
        out,
        "role: {}  phone: {}  created: {}  last seen: {}",
        c.role.as_deref().unwrap_or("-"),
        c.phone.as_deref().unwrap_or("-"),
        c.created_at.map(fmt_time).unwrap_or_else(|| "-".into()),
        c.last_seen_at.map(fmt_time).unwrap_or_else(|| "-".into())
    );
    if !c.tags.is_empty() {
        outln!(out, "tags: {}", c.tags.join(", "));
    }
    outln!(out, "recent conversations:");
    for s in &c.recent_conversations {
        outln!(out, "{}", summary_line(s));
    }
}

/// `fastintercom contact EMAIL|ID`. Exit 1 when neither source knows the contact.
pub async fn contact(a: ContactOptions) -> Result<u8> {
    let (client, opts) = client(&a.client)?;
    let answer = client.get_contact(&a.email, &opts).await?;
    print_lookup(&answer, a.client.json, print_contact, "contact", &a.email)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{Reason, Source};

    #[test]
    fn source_line_reads_like_the_issue() {
        let now = crate::timespec::now();
        let a = Answer {
            source: Source::Cache,
            data_as_of: Some(1_795_615_320),
            age_seconds: Some(180),
            reason: Reason::FreshWindowInsideCoverage,
            stale: false,
            data: (),
        };
        assert_eq!(
            source_line(&a),
            "source: cache (data as of 2026-11-25 14:02 UTC, 3 min old; fresh and window inside coverage)"
        );
        let b = Answer {
            source: Source::Rest,
            data_as_of: Some(now),
            age_seconds: Some(0),
            reason: Reason::NeverSynced,
            stale: false,
            data: (),
        };
        assert!(
            source_line(&b).starts_with("source: rest (data as of "),
            "{}",
            source_line(&b)
        );
        assert!(source_line(&b).ends_with(", 0 s old; the cache was never synced)"));
    }

    #[test]
    fn json_answer_has_the_documented_keys() {
        let a = Answer {
            source: Source::Cache,
            data_as_of: Some(1),
            age_seconds: Some(2),
            reason: Reason::Fresh,
            stale: true,
            data: vec![1],
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"source": "cache", "data_as_of": 1, "age_seconds": 2, "reason": "fresh",
                "stale": true, "data": [1]})
        );
    }
}
