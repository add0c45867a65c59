//! Simulated tickets: ticket types, ticket states (with their categories), tickets with `ticket_parts`,
//! links to conversations, their JSON shapes, their searchable fields and their live changes.
//!
//! Ids: a ticket's API `id` (large numbers, what `GET /tickets/{id}` takes) and its inbox `ticket_id`
//! (small numbers, what people see) never coincide, so a client that uses the wrong one gets a 404.
//! Search `category` takes the terms `request`, `task` and `tracker` (the object says `Customer`,
//! `Back-office`, `Tracker`); search `state` takes the state's category.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use fastrand::Rng;
use serde_json::{Value, json};

use super::rows::Author;
use super::search::{Row, Val};
use super::textgen;
use super::workspace::{DAY, Workspace, random_key};

pub struct TicketType {
    pub id: u64,
    pub name: &'static str,
    pub description: &'static str,
    /// `Customer`, `Back-office` or `Tracker`.
    pub category: &'static str,
    pub icon: &'static str,
    pub created_at: i64,
    pub updated_at: i64,
}

pub struct TicketState {
    pub id: u64,
    /// `submitted`, `in_progress`, `waiting_on_customer` or `resolved`.
    pub category: &'static str,
    pub internal_label: &'static str,
    pub external_label: &'static str,
}

pub struct TicketPart {
    pub id: u64,
    pub created_at: i64,
    /// `comment`, `note` or `ticket_state_updated_by_admin`.
    pub kind: &'static str,
    pub author: Author,
    /// HTML; `None` for state changes.
    pub body: Option<String>,
    /// State indexes before and after this part.
    pub previous_state: Option<usize>,
    pub state: usize,
}

pub struct Ticket {
    pub id: u64,
    /// The inbox-visible number (not for API queries).
    pub ticket_id: u64,
    pub ttype: usize,
    pub state: usize,
    pub previous_state: Option<usize>,
    pub contact: usize,
    pub admin: Option<usize>,
    pub team: Option<usize>,
    pub created_at: i64,
    pub updated_at: i64,
    pub title: String,
    /// Plain text.
    pub description: String,
    pub topic: usize,
    pub parts: Vec<TicketPart>,
    /// Conversations this ticket is linked to.
    pub linked_conversations: Vec<u64>,
    pub is_shared: bool,
}

impl Ticket {
    pub fn open(&self, states: &[TicketState]) -> bool {
        states[self.state].category != "resolved"
    }
}

/// Every ticket, ticket type and state, with the sort indexes the search scans.
#[derive(Default)]
pub struct Tickets {
    pub types: Vec<TicketType>,
    pub states: Vec<TicketState>,
    pub rows: BTreeMap<u64, Ticket>,
    pub by_updated: BTreeSet<(i64, u64)>,
    pub by_created: BTreeSet<(i64, u64)>,
    pub by_id: BTreeSet<(i64, u64)>,
    pub next_id: u64,
    pub next_ticket_id: u64,
    pub next_part_id: u64,
}

const TYPES: &[(&str, &str, &str, &str)] = &[
    (
        "Bug report",
        "Something in the product does not work.",
        "Customer",
        "🐞",
    ),
    (
        "Billing question",
        "A question about an invoice or a charge.",
        "Customer",
        "💳",
    ),
    (
        "Refund approval",
        "Back-office approval of a refund.",
        "Back-office",
        "💸",
    ),
    (
        "Engineering issue",
        "A defect tracked by engineering.",
        "Tracker",
        "🛠",
    ),
];

const STATES: &[(&str, &str, &str)] = &[
    ("submitted", "Submitted", "Submitted"),
    ("in_progress", "In progress", "In progress"),
    ("in_progress", "With Dev Team", "In progress"),
    (
        "waiting_on_customer",
        "Waiting on customer",
        "Awaiting your reply",
    ),
    ("resolved", "Resolved", "Resolved"),
];

impl Tickets {
    /// About `n` tickets over the last 180 days, made after the conversations and contacts exist.
    pub fn generate(ws: &Workspace, n: usize, seed: u64, now: i64) -> Tickets {
        let mut rng = Rng::with_seed(seed ^ 0x0071_C4E7);
        let mut t = Tickets {
            types: TYPES
                .iter()
                .enumerate()
                .map(|(i, &(name, description, category, icon))| TicketType {
                    id: 1_295 + i as u64,
                    name,
                    description,
                    category,
                    icon,
                    created_at: now - 400 * DAY,
                    updated_at: now - 300 * DAY,
                })
                .collect(),
            states: STATES
                .iter()
                .enumerate()
                .map(|(i, &(category, internal_label, external_label))| TicketState {
                    id: 7_490 + i as u64,
                    category,
                    internal_label,
                    external_label,
                })
                .collect(),
            next_id: 600_000_000,
            next_ticket_id: 1_000,
            next_part_id: 90_000_000_001,
            ..Default::default()
        };
        let mut times: Vec<i64> = (0..n).map(|_| now - rng.i64(120..180 * DAY)).collect();
        times.sort_unstable();
        let conv_ids: Vec<u64> = ws.convs.keys().copied().collect();
        for c_at in times {
            let tk = t.gen_ticket(ws, &mut rng, c_at, now, &conv_ids);
            t.insert(tk);
        }
        t
    }

    fn gen_ticket(&mut self, ws: &Workspace, rng: &mut Rng, c_at: i64, now: i64, convs: &[u64]) -> Ticket {
        self.next_id += 1 + rng.u64(..7);
        self.next_ticket_id += 1;
        let topic = rng.usize(..textgen::topic_count());
        let contact = rng.usize(..ws.contacts.len());
        let mut trng = Rng::with_seed(rng.u64(..));
        let mut title = textgen::subject(&mut trng, topic);
        if title.is_empty() {
            title = format!(
                "{} from {}",
                TYPES[topic % TYPES.len()].0,
                ws.contact_first_name(contact)
            );
        }
        let description =
            super::plain::html_to_plain(&textgen::opener(&mut trng, topic, ws.contact_first_name(contact)));
        let admin = (rng.u8(..10) < 7).then(|| rng.usize(..ws.admins.len()));
        let mut tk = Ticket {
            id: self.next_id,
            ticket_id: self.next_ticket_id,
            ttype: rng.usize(..self.types.len()),
            state: 0,
            previous_state: None,
            contact,
            admin,
            team: (rng.u8(..10) < 6).then(|| rng.usize(..ws.teams.len())),
            created_at: c_at,
            updated_at: c_at,
            title,
            description,
            topic,
            parts: Vec::new(),
            linked_conversations: if !convs.is_empty() && rng.bool() {
                vec![convs[rng.usize(..convs.len())]]
            } else {
                Vec::new()
            },
            is_shared: rng.u8(..4) > 0,
        };
        let span = (now - c_at).clamp(1, 20 * DAY);
        let mut times: Vec<i64> = (0..rng.usize(0..=6))
            .map(|_| c_at + 1 + rng.i64(0..span))
            .collect();
        times.sort_unstable();
        for at in times {
            self.add_part(ws, &mut tk, rng, at);
        }
        tk
    }

    /// Append a reply, a note or a state change at `at`; moves `updated_at`.
    pub fn add_part(&mut self, ws: &Workspace, tk: &mut Ticket, rng: &mut Rng, at: i64) {
        let admin = tk.admin.unwrap_or_else(|| rng.usize(..ws.admins.len()));
        let admin_first = ws.admins[admin].name.split(' ').next().unwrap_or("");
        let (kind, author, body) = match rng.u8(..10) {
            0..3 => ("comment", Author::Contact, Some(textgen::followup(rng, tk.topic))),
            3..6 => (
                "comment",
                Author::Admin(admin),
                Some(textgen::reply(
                    rng,
                    tk.topic,
                    ws.contact_first_name(tk.contact),
                    admin_first,
                )),
            ),
            6 => ("note", Author::Admin(admin), Some(textgen::note(rng))),
            _ => ("ticket_state_updated_by_admin", Author::Admin(admin), None),
        };
        let previous = tk.state;
        if body.is_none() {
            let mut next = rng.usize(..self.states.len());
            if next == tk.state {
                next = (next + 1) % self.states.len();
            }
            tk.previous_state = Some(tk.state);
            tk.state = next;
        }
        tk.parts.push(TicketPart {
            id: self.next_part_id,
            created_at: at,
            kind,
            author,
            body,
            previous_state: (kind == "ticket_state_updated_by_admin").then_some(previous),
            state: tk.state,
        });
        self.next_part_id += 1;
        tk.updated_at = tk.updated_at.max(at);
    }

    pub fn insert(&mut self, tk: Ticket) {
        self.by_updated.insert((tk.updated_at, tk.id));
        self.by_created.insert((tk.created_at, tk.id));
        self.by_id.insert((tk.id as i64, tk.id));
        self.rows.insert(tk.id, tk);
    }

    pub fn remove(&mut self, id: u64) -> Option<Ticket> {
        let tk = self.rows.remove(&id)?;
        self.by_updated.remove(&(tk.updated_at, id));
        self.by_created.remove(&(tk.created_at, id));
        self.by_id.remove(&(id as i64, id));
        Some(tk)
    }
}

/// Live changes: new tickets, replies and state changes (moving `updated_at`), and deletions.
/// Returns (created, changed, deleted).
pub fn mutate(ws: &mut Workspace, fraction: f64) -> (usize, usize, usize) {
    let n = ((ws.tickets.rows.len() as f64 * fraction).round() as usize).max(1);
    let mut rng = Rng::with_seed(ws.rng.u64(..));
    let mut tickets = std::mem::take(&mut ws.tickets);
    let convs: Vec<u64> = ws.convs.keys().rev().take(50).copied().collect();
    let (mut created, mut changed, mut deleted) = (0, 0, 0);
    for _ in 0..n.div_ceil(3) {
        let t = ws.tick();
        let tk = tickets.gen_ticket(ws, &mut rng, t, t, &convs);
        tickets.insert(tk);
        created += 1;
    }
    for _ in 0..n {
        let Some(id) = random_key(&tickets.rows, &mut rng) else {
            break;
        };
        let t = ws.tick();
        let Some(mut tk) = tickets.remove(id) else {
            continue;
        };
        tickets.add_part(ws, &mut tk, &mut rng, t);
        tk.updated_at = t;
        tickets.insert(tk);
        changed += 1;
    }
    if tickets.rows.len() > 10 {
        for _ in 0..(n / 5).max(1) {
            if let Some(id) = random_key(&tickets.rows, &mut rng)
                && tickets.remove(id).is_some()
            {
                deleted += 1;
            }
        }
    }
    ws.tickets = tickets;
    ws.generation += 1;
    (created, changed, deleted)
}

fn state_json(s: &TicketState) -> Value {
    json!({"type": "ticket_state", "id": s.id.to_string(), "category": s.category,
           "internal_label": s.internal_label, "external_label": s.external_label})
}

/// One ticket type (`GET /ticket_types` items), with its states.
pub fn type_json(t: &Tickets, i: usize) -> Value {
    let ty = &t.types[i];
    let states: Vec<Value> = t.states.iter().map(state_json).collect();
    json!({
        "type": "ticket_type", "id": ty.id.to_string(), "category": ty.category, "name": ty.name,
        "description": ty.description, "icon": ty.icon, "workspace_id": "simapp01",
        "ticket_type_attributes": {"type": "list", "data": []},
        "ticket_states": {"type": "list", "data": states},
        "archived": false, "created_at": ty.created_at, "updated_at": ty.updated_at,
    })
}

/// `GET /ticket_states`: every state with the types that use it.
pub fn states_json(t: &Tickets) -> Value {
    let types: Vec<Value> = t
        .types
        .iter()
        .map(|ty| {
            json!({"type": "ticket_type", "id": ty.id.to_string(), "category": ty.category, "name": ty.name,
                   "description": ty.description, "icon": ty.icon, "workspace_id": "simapp01",
                   "archived": false, "created_at": ty.created_at, "updated_at": ty.updated_at})
        })
        .collect();
    let data: Vec<Value> = t
        .states
        .iter()
        .map(|s| {
            let mut v = state_json(s);
            v["archived"] = json!(false);
            v["ticket_types"] = json!({"type": "list", "data": types});
            v
        })
        .collect();
    json!({"type": "list", "data": data})
}

fn author_json(ws: &Workspace, tk: &Ticket, a: Author) -> Value {
    match a {
        Author::Admin(i) => {
            let ad = &ws.admins[i];
            json!({"type": "admin", "id": ad.id.to_string(), "name": ad.name, "email": ad.email})
        }
        Author::Contact => {
            let c = &ws.contacts[tk.contact];
            json!({"type": "user", "id": c.id, "name": c.name, "email": c.email})
        }
    }
}

/// A ticket with its parts (search items and `GET /tickets/{id}` alike).
pub fn ticket_json(ws: &Workspace, tk: &Ticket) -> Value {
    let t = &ws.tickets;
    let contact = &ws.contacts[ws.canonical_contact(tk.contact)];
    let parts: Vec<Value> = tk
        .parts
        .iter()
        .map(|p| {
            let mut v = json!({
                "type": "ticket_part", "id": p.id.to_string(), "part_type": p.kind, "body": p.body,
                "ticket_state": t.states[p.state].category, "created_at": p.created_at,
                "updated_at": p.created_at, "assigned_to": null, "author": author_json(ws, tk, p.author),
                "attachments": [], "external_id": null, "redacted": false,
            });
            if let Some(prev) = p.previous_state {
                v["previous_ticket_state"] = json!(t.states[prev].category);
            }
            v
        })
        .collect();
    let links: Vec<Value> = tk
        .linked_conversations
        .iter()
        .map(|id| json!({"type": "conversation", "id": id.to_string(), "category": null}))
        .collect();
    let mut ty = type_json(t, tk.ttype);
    if let Some(o) = ty.as_object_mut() {
        o.remove("ticket_states");
    }
    json!({
        "type": "ticket", "id": tk.id.to_string(), "ticket_id": tk.ticket_id.to_string(),
        "category": t.types[tk.ttype].category,
        "ticket_attributes": {"_default_title_": tk.title, "_default_description_": tk.description},
        "ticket_state": state_json(&t.states[tk.state]),
        "ticket_type": ty,
        "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": contact.id, "external_id": contact.external_id}]},
        "admin_assignee_id": tk.admin.map(|a| ws.admins[a].id).unwrap_or(0),
        "team_assignee_id": tk.team.map(|a| ws.teams[a].id).unwrap_or(0),
        "created_at": tk.created_at, "updated_at": tk.updated_at, "open": tk.open(&t.states),
        "linked_objects": {"type": "list", "total_count": links.len(), "has_more": false, "data": links},
        "ticket_parts": {"type": "ticket_part.list", "ticket_parts": parts, "total_count": tk.parts.len()},
        "is_shared": tk.is_shared,
        "previous_ticket_state_id": tk.previous_state.map(|s| t.states[s].id.to_string()),
    })
}

/// The searchable fields of a ticket (API notes §4.3).
pub struct TicketRow<'a> {
    pub ws: &'a Workspace,
    pub t: &'a Ticket,
}

impl Row for TicketRow<'_> {
    fn get(&self, field: &str) -> Val<'_> {
        let (ws, t) = (self.ws, self.t);
        let tickets = &ws.tickets;
        match field {
            "id" => Val::Int(Some(t.id as i64)),
            "created_at" => Val::Int(Some(t.created_at)),
            "updated_at" => Val::Int(Some(t.updated_at)),
            "snoozed_until" => Val::Int(None),
            "title" => Val::Str(Some(Cow::Borrowed(&t.title))),
            "description" => Val::Str(Some(Cow::Borrowed(&t.description))),
            "category" => Val::Str(Some(Cow::Borrowed(match tickets.types[t.ttype].category {
                "Customer" => "request",
                "Back-office" => "task",
                _ => "tracker",
            }))),
            "ticket_type_id" => Val::Int(Some(tickets.types[t.ttype].id as i64)),
            "state" => Val::Str(Some(Cow::Borrowed(tickets.states[t.state].category))),
            "open" => Val::Bool(t.open(&tickets.states)),
            "admin_assignee_id" => Val::Int(Some(t.admin.map(|a| ws.admins[a].id as i64).unwrap_or(0))),
            "team_assignee_id" => Val::Int(Some(t.team.map(|a| ws.teams[a].id as i64).unwrap_or(0))),
            "contact_ids" => Val::List(vec![ws.contacts[ws.canonical_contact(t.contact)].id.clone()]),
            "teammate_ids" => Val::List(
                t.parts
                    .iter()
                    .filter_map(|p| match p.author {
                        Author::Admin(a) => Some(ws.admins[a].id.to_string()),
                        Author::Contact => None,
                    })
                    .collect(),
            ),
            _ => Val::Int(None),
        }
    }
}
