//! `fastintercom ticket ID` and `fastintercom search --tickets`: tickets on the command line, printed like
//! conversations (the source line first; `--json` for the whole answer).

use super::{ClientOptions, client, emit, print_json, print_lookup, source_line, who};
use crate::client::TicketSearchRequest;
use crate::model::{TicketDetail, TicketFilters, TicketSummary};
use crate::timespec::fmt_time;
use anyhow::Result;
use std::fmt::Write as _;

/// `fastintercom ticket`'s question.
#[derive(Debug, Clone, Default)]
pub struct TicketOptions {
    /// The ticket's API id (the cache also takes the inbox number).
    pub id: String,
    pub client: ClientOptions,
}

fn ticket_line(t: &TicketSummary) -> String {
    let what = t.title.clone().unwrap_or_else(|| t.snippet.clone());
    let number = t
        .ticket_id
        .as_deref()
        .map(|n| format!("#{n}"))
        .unwrap_or_default();
    format!(
        "{:>10} {:>6}  {:<19}  {}  {}  <{}>",
        t.id,
        number,
        t.state.as_deref().unwrap_or("-"),
        fmt_time(t.updated_at),
        crate::text::snippet(&what, 70),
        who(&t.contact)
    )
}

/// Print one page of ticket search results (after the time window and words are checked by the caller).
pub(super) async fn search(
    text: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    limit: u32,
    filters: TicketFilters,
    a: &ClientOptions,
) -> Result<u8> {
    let (client, opts) = client(a)?;
    let req = TicketSearchRequest {
        text,
        since,
        until,
        filters,
        limit: Some(limit),
        ..Default::default()
    };
    let answer = client.search_tickets(&req, &opts).await?;
    if a.json {
        print_json(&answer)?;
        return Ok(0);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", source_line(&answer));
    for t in &answer.data.tickets {
        let _ = writeln!(out, "{}", ticket_line(t));
    }
    let n = answer.data.tickets.len();
    let more = if answer.data.next_cursor.is_some() {
        " (more match: raise --limit)"
    } else {
        ""
    };
    let _ = writeln!(out, "{n} ticket{}{more}", if n == 1 { "" } else { "s" });
    emit(&out)?;
    Ok(0)
}

fn print_ticket(out: &mut String, t: &TicketDetail) {
    let s = &t.summary;
    let _ = writeln!(
        out,
        "ticket {}{}: {}",
        s.id,
        s.ticket_id
            .as_deref()
            .map(|n| format!(" (#{n})"))
            .unwrap_or_default(),
        s.title.as_deref().unwrap_or("(no title)")
    );
    let _ = writeln!(
        out,
        "type: {}  category: {}  state: {} ({})  created: {}  updated: {}",
        s.ticket_type.as_deref().unwrap_or("-"),
        s.category.as_deref().unwrap_or("-"),
        s.state.as_deref().unwrap_or("-"),
        s.state_label.as_deref().unwrap_or("-"),
        fmt_time(s.created_at),
        fmt_time(s.updated_at)
    );
    let contacts: Vec<String> = t.contacts.iter().map(|c| who(&Some(c.clone()))).collect();
    let _ = writeln!(
        out,
        "admin: {}  team: {}  contacts: {}",
        who(&s.admin_assignee),
        who(&s.team_assignee),
        if contacts.is_empty() {
            "-".into()
        } else {
            contacts.join(", ")
        }
    );
    if !t.linked.is_empty() {
        let linked: Vec<String> = t.linked.iter().map(|l| format!("{} {}", l.kind, l.id)).collect();
        let _ = writeln!(out, "linked: {}", linked.join(", "));
    }
    if let Some(d) = &t.description {
        let _ = writeln!(out, "\n{d}");
    }
    for p in &t.parts {
        let state = p
            .ticket_state
            .as_deref()
            .map(|s| format!(", {s}"))
            .unwrap_or_default();
        let _ = write!(
            out,
            "\n[{}] {} ({}{state})",
            fmt_time(p.created_at),
            who(&p.author),
            p.part_type
        );
        match &p.body {
            Some(b) => {
                let _ = writeln!(out, ":\n{b}");
            }
            None => out.push('\n'),
        }
    }
    if t.parts_truncated {
        let _ = writeln!(
            out,
            "\n(older parts were not returned by Intercom: over its 500-part limit)"
        );
    }
}

/// `fastintercom ticket ID`. Exit 1 when neither source knows the ticket.
pub async fn ticket(a: TicketOptions) -> Result<u8> {
    let (client, opts) = client(&a.client)?;
    let answer = client.get_ticket(&a.id, &opts).await?;
    print_lookup(&answer, a.client.json, print_ticket, "ticket", &a.id)
}
