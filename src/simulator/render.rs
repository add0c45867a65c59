//! JSON shapes of the simulated objects (after the 2.16 schemas and the examples in the API notes §11).

use fastrand::Rng;
use serde::Serialize;
use serde_json::{Value, json};

use super::rows::{Author, Contact, Conv, ConvState, Part, PartKind, StatsMode};
use super::textgen;
use super::workspace::Workspace;

/// Which conversation parts to include when rendering a conversation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// List/search items: no `conversation_parts` key.
    None,
    /// Retrieve: the newest `n`, chronological, `total_count` = full count.
    Newest(usize),
}

pub fn admin_json(ws: &Workspace, i: usize) -> Value {
    let a = &ws.admins[i];
    json!({
        "type": "admin", "id": a.id.to_string(), "name": a.name, "email": a.email, "job_title": a.job_title,
        "away_mode_enabled": a.away, "away_mode_reassign": false, "away_status_reason_id": null,
        "has_inbox_seat": true, "team_ids": a.team_ids, "avatar": null,
        "team_priority_level": {"primary_team_ids": a.team_ids, "secondary_team_ids": null},
    })
}

pub fn team_json(ws: &Workspace, i: usize) -> Value {
    let t = &ws.teams[i];
    json!({
        "type": "team", "id": t.id.to_string(), "name": t.name, "admin_ids": t.admin_ids,
        "admin_priority_level": {"primary_admin_ids": t.admin_ids, "secondary_admin_ids": null},
        "assignment_limit": null, "distribution_method": "round_robin",
    })
}

pub fn tag_json(ws: &Workspace, i: usize) -> Value {
    let t = &ws.tags[i];
    json!({"type": "tag", "id": t.id.to_string(), "name": t.name})
}

pub fn me_json(ws: &Workspace) -> Value {
    let a = &ws.admins[0];
    json!({
        "type": "admin", "id": a.id.to_string(), "name": a.name, "email": a.email, "email_verified": true,
        "avatar": {"type": "avatar", "image_url": null}, "has_inbox_seat": true,
        "app": {"type": "app", "id_code": "simapp01", "name": "Simulated Workspace", "created_at": ws.now - 3 * 365 * 86_400,
                "secure": true, "identity_verification": false, "timezone": "UTC", "region": "US"},
    })
}

fn contact_author(ws: &Workspace, c: &Contact) -> Value {
    let _ = ws;
    json!({"type": c.role, "id": c.id, "name": c.name, "email": c.email})
}

/// Plain text for `display_as=plaintext`: tags stripped, links as "label (url)", entities decoded.
pub fn plaintext(html: &str) -> String {
    let mut s = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("<a href=\"") {
        s.push_str(&rest[..i]);
        let after = &rest[i + 9..];
        let Some(q) = after.find('"') else { break };
        let url = &after[..q];
        let Some(gt) = after.find('>') else { break };
        let Some(end) = after.find("</a>") else { break };
        let label = &after[gt + 1..end];
        s.push_str(&format!("{label} ({url})"));
        rest = &after[end + 4..];
    }
    s.push_str(rest);
    let s = s.replace("</p><p>", "\n").replace("<br>", "\n");
    super::plain::html_to_plain(&s)
}

fn body(html: &str, plain: bool) -> Value {
    if plain {
        Value::String(plaintext(html))
    } else {
        Value::String(html.to_string())
    }
}

/// The HTML body of part `k` (regenerated from its seed; `None` for event parts).
pub fn part_body(ws: &Workspace, conv: &Conv, k: usize, p: &Part) -> Option<String> {
    let mut rng = Rng::with_seed(Workspace::part_seed(conv, k));
    match (p.kind, p.author) {
        (PartKind::Comment, Author::Contact) | (PartKind::Open, Author::Contact) => {
            Some(textgen::followup(&mut rng, conv.topic))
        }
        (PartKind::Comment, Author::Admin(a)) => {
            let admin_first = ws.admins[a].name.split(' ').next().unwrap_or("");
            Some(textgen::reply(
                &mut rng,
                conv.topic,
                ws.contact_first_name(conv.contact),
                admin_first,
            ))
        }
        (PartKind::Note, _) => Some(textgen::note(&mut rng)),
        _ => None,
    }
}

/// A conversation part, serialised straight to bytes (parts dominate response size).
#[derive(Serialize)]
pub struct PartOut<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    id: String,
    part_type: &'static str,
    body: Option<String>,
    created_at: i64,
    updated_at: i64,
    notified_at: i64,
    assigned_to: Option<RefOut>,
    author: AuthorOut<'a>,
    attachments: &'static [()],
    external_id: Option<()>,
    redacted: bool,
    email_message_metadata: Option<()>,
    state: &'static str,
    tags: &'static [()],
    event_details: Option<()>,
    app_package_code: Option<()>,
}

#[derive(Serialize)]
struct RefOut {
    #[serde(rename = "type")]
    ty: &'static str,
    id: String,
}

#[derive(Serialize)]
struct AuthorOut<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    id: &'a str,
    name: Option<&'a str>,
    email: &'a str,
}

fn part_out<'a>(ws: &'a Workspace, conv: &'a Conv, k: usize, p: &Part, plain: bool) -> PartOut<'a> {
    let author = match p.author {
        Author::Admin(a) => {
            let a = &ws.admins[a];
            AuthorOut {
                ty: "admin",
                id: &a.id_str,
                name: Some(&a.name),
                email: &a.email,
            }
        }
        Author::Contact => {
            let c = &ws.contacts[conv.contact];
            AuthorOut {
                ty: c.role,
                id: &c.id,
                name: c.name.as_deref(),
                email: &c.email,
            }
        }
    };
    let state = match p.kind {
        PartKind::Close => "closed",
        PartKind::Snoozed => "snoozed",
        _ => "open",
    };
    let assigned_to = match (p.kind, conv.admin) {
        (PartKind::Assignment, Some(a)) => Some(RefOut {
            ty: "admin",
            id: ws.admins[a].id_str.clone(),
        }),
        _ => None,
    };
    let body = part_body(ws, conv, k, p).map(|b| if plain { plaintext(&b) } else { b });
    PartOut {
        ty: "conversation_part",
        id: p.id.to_string(),
        part_type: p.kind.as_str(),
        body,
        created_at: p.created_at,
        updated_at: p.created_at,
        notified_at: p.created_at,
        assigned_to,
        author,
        attachments: &[],
        external_id: None,
        redacted: false,
        email_message_metadata: None,
        state,
        tags: &[],
        event_details: None,
        app_package_code: None,
    }
}

#[derive(Serialize)]
pub struct PartsOut<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    conversation_parts: Vec<PartOut<'a>>,
    total_count: usize,
}

/// A conversation: the small nested objects as JSON values, the parts as [`PartOut`].
#[derive(Serialize)]
pub struct ConvOut<'a> {
    #[serde(flatten)]
    head: serde_json::Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statistics: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_parts: Option<PartsOut<'a>>,
}

fn statistics(ws: &Workspace, c: &Conv) -> Value {
    let first_admin = c
        .parts
        .iter()
        .find(|p| matches!(p.author, Author::Admin(_)) && p.kind == PartKind::Comment);
    let last_close = c.last_admin_close();
    let closer = last_close.and_then(|p| match p.author {
        Author::Admin(a) => Some(ws.admins[a].id),
        Author::Contact => None,
    });
    let n_assign = c.parts.iter().filter(|p| p.kind == PartKind::Assignment).count();
    // Quirk §10.6: last_closed_by_id comes back as a number on some conversations.
    let closer_v = match closer {
        Some(id) if c.id.is_multiple_of(2) => json!(id),
        Some(id) => json!(id.to_string()),
        None => Value::Null,
    };
    let mut v = json!({
        "type": "conversation_statistics",
        "time_to_assignment": if n_assign > 0 { json!(c.parts[0].created_at - c.created_at) } else { Value::Null },
        "time_to_admin_reply": first_admin.map(|p| p.created_at - c.created_at),
        "time_to_first_close": last_close.map(|p| p.created_at - c.created_at),
        "time_to_last_close": last_close.map(|p| p.created_at - c.created_at),
        "median_time_to_reply": first_admin.map(|p| p.created_at - c.created_at),
        "first_contact_reply_at": c.created_at,
        "first_assignment_at": if n_assign > 0 { json!(c.parts[0].created_at) } else { Value::Null },
        "first_admin_reply_at": first_admin.map(|p| p.created_at),
        "first_close_at": last_close.map(|p| p.created_at),
        "last_assignment_at": if n_assign > 0 { json!(c.parts[0].created_at) } else { Value::Null },
        "last_assignment_admin_reply_at": first_admin.map(|p| p.created_at),
        "last_contact_reply_at": c.parts.iter().rev().find(|p| p.author == Author::Contact).map(|p| p.created_at),
        "last_admin_reply_at": c.parts.iter().rev().find(|p| matches!(p.author, Author::Admin(_)) && p.kind == PartKind::Comment).map(|p| p.created_at),
        "last_close_at": last_close.map(|p| p.created_at),
        "last_closed_by_id": closer_v,
        "count_reopens": c.parts.iter().filter(|p| p.kind == PartKind::Open).count(),
        "count_assignments": n_assign,
        "count_conversation_parts": c.parts.len() + 1,
    });
    // The spec types these as plain integers: a value that does not apply is left out, not null.
    if let Value::Object(m) = &mut v {
        m.retain(|_, x| !x.is_null());
    }
    v
}

/// A conversation as list/search/retrieve return it.
pub fn conversation_json(ws: &Workspace, c: &Conv, parts: Parts, plain: bool) -> Value {
    serde_json::to_value(conversation_out(ws, c, parts, plain)).expect("serialize")
}

/// A conversation as list/search/retrieve return it, ready to serialise.
pub fn conversation_out<'a>(ws: &'a Workspace, c: &'a Conv, parts: Parts, plain: bool) -> ConvOut<'a> {
    let contact = &ws.contacts[c.contact];
    let tags: Vec<Value> = c
        .tags
        .iter()
        .map(|&(t, at, a)| {
            json!({"type": "tag", "id": ws.tags[t].id.to_string(), "name": ws.tags[t].name, "applied_at": at,
                   "applied_by": {"type": "admin", "id": ws.admins[a].id.to_string()}})
        })
        .collect();
    let teammates: Vec<Value> = {
        let mut ids: Vec<u64> = Vec::new();
        for p in &c.parts {
            if let Author::Admin(a) = p.author
                && !ids.contains(&ws.admins[a].id)
            {
                ids.push(ws.admins[a].id);
            }
        }
        ids.into_iter()
            .map(|id| json!({"type": "admin", "id": id.to_string()}))
            .collect()
    };
    let rating = match c.rating {
        Some(r) => {
            let at = c.last_admin_close().map(|p| p.created_at).unwrap_or(c.updated_at);
            json!({"rating": r, "remark": if r >= 4 { "Great help, thanks!" } else { "Took too long." },
                   "created_at": at, "updated_at": at,
                   "contact": {"type": "contact", "id": contact.id, "external_id": contact.external_id},
                   "teammate": {"type": "admin", "id": ws.admins[c.admin.unwrap_or(0)].id.to_string()}})
        }
        None => Value::Null,
    };
    let url = format!("https://app.example.com/{}", textgen::topic_tag(c.topic));
    let v = json!({
        "type": "conversation", "id": c.id.to_string(),
        "title": if c.subject.is_empty() { Value::Null } else { body(&c.subject, plain) },
        "created_at": c.created_at, "updated_at": c.updated_at,
        "waiting_since": c.waiting_since, "snoozed_until": c.snoozed_until,
        "open": c.state != ConvState::Closed, "state": c.state.as_str(), "read": c.read,
        "priority": super::rows::PRIORITIES[c.priority],
        "admin_assignee_id": c.admin.map(|a| ws.admins[a].id).unwrap_or(0),
        "team_assignee_id": c.team.map(|t| ws.teams[t].id).unwrap_or(0),
        "company": null,
        "tags": {"type": "tag.list", "tags": tags},
        "conversation_rating": rating,
        "source": {"type": "conversation", "id": c.source_id.to_string(), "delivered_as": "customer_initiated",
                   "subject": body(&c.subject, plain), "body": body(&c.body, plain),
                   "author": contact_author(ws, contact), "attachments": [], "url": url, "redacted": false},
        "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": contact.id, "external_id": contact.external_id}]},
        "teammates": {"type": "admin.list", "teammates": teammates},
        "custom_attributes": {"Plan": contact.plan, "Topic": textgen::topic_tag(c.topic)},
        "first_contact_reply": {"created_at": c.created_at, "type": "conversation", "url": url},
        "sla_applied": null,
        "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": false},
        "ai_agent_participated": false, "ai_agent": null,
        "channel": {"initial": "chat", "current": "chat"},
        "external_references": [],
    });
    let Value::Object(head) = v else {
        unreachable!("json! object")
    };
    let statistics = match c.stats {
        StatsMode::Full => Some(statistics(ws, c)),
        StatsMode::Null => Some(Value::Null),
        StatsMode::Missing => None,
    };
    let conversation_parts = match parts {
        Parts::None => None,
        Parts::Newest(n) => {
            let start = c.parts.len().saturating_sub(n);
            let list: Vec<PartOut<'a>> = c
                .parts
                .iter()
                .enumerate()
                .skip(start)
                .map(|(k, p)| part_out(ws, c, k, p, plain))
                .collect();
            Some(PartsOut {
                ty: "conversation_part.list",
                conversation_parts: list,
                total_count: c.parts.len(),
            })
        }
    };
    ConvOut {
        head,
        statistics,
        conversation_parts,
    }
}

/// A contact; nested tags are an addressable list capped at 10 (`has_more`).
pub fn contact_json(ws: &Workspace, c: &Contact) -> Value {
    let (country, region, city, cc, cont) = textgen::CITIES[c.city];
    let tag_refs: Vec<Value> = c
        .tags
        .iter()
        .take(10)
        .map(|&(t, _)| json!({"type": "tag", "id": ws.tags[t].id.to_string(), "url": format!("/tags/{}", ws.tags[t].id)}))
        .collect();
    let domain = c.email.split('@').nth(1).unwrap_or("");
    let sub_url = format!("/contacts/{}/subscriptions", c.id);
    json!({
        "type": "contact", "id": c.id, "workspace_id": "simapp01", "external_id": c.external_id, "role": c.role,
        "email": c.email, "email_domain": domain, "phone": c.phone, "name": c.name, "avatar": null,
        "owner_id": c.owner.map(|a| ws.admins[a].id.to_string()),
        "has_hard_bounced": false, "marked_email_as_spam": false, "unsubscribed_from_emails": false,
        "created_at": c.created_at, "updated_at": c.updated_at, "signed_up_at": c.signed_up_at,
        "last_seen_at": c.last_seen_at, "last_replied_at": null, "last_contacted_at": null,
        "last_email_opened_at": null, "last_email_clicked_at": null, "language_override": null,
        "browser": c.browser, "browser_version": "131.0.0.0", "browser_language": "en-GB", "os": "OS X 14.6",
        "location": {"type": "location", "country": country, "region": region, "city": city,
                     "country_code": cc, "continent_code": cont},
        "custom_attributes": {"plan": c.plan, "seats": c.seats},
        "tags": {"type": "list", "data": tag_refs, "url": format!("/contacts/{}/tags", c.id),
                 "total_count": c.tags.len(), "has_more": c.tags.len() > 10},
        "notes": {"type": "list", "data": [], "url": format!("/contacts/{}/notes", c.id), "total_count": 0, "has_more": false},
    "companies": super::companies::contact_companies_json(ws, ws.contact_by_id.get(&c.id).copied().unwrap_or(usize::MAX), &c.id),
        "social_profiles": {"type": "list", "data": []},
        "opted_out_subscription_types": {"type": "list", "data": [], "url": sub_url, "total_count": 0, "has_more": false},
        "opted_in_subscription_types": {"type": "list", "data": [], "url": sub_url, "total_count": 0, "has_more": false},
        "utm_campaign": null, "utm_content": null, "utm_medium": null, "utm_source": null, "utm_term": null, "referrer": null,
    })
}

/// `GET /contacts/{id}/tags`: every tag of the contact (full tag objects).
pub fn contact_tags_json(ws: &Workspace, c: &Contact) -> Value {
    let data: Vec<Value> = c
        .tags
        .iter()
        .map(|&(t, at)| json!({"type": "tag", "id": ws.tags[t].id.to_string(), "name": ws.tags[t].name, "applied_at": at}))
        .collect();
    json!({"type": "list", "data": data})
}
