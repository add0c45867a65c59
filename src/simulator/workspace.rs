//! The simulated workspace: compact in-memory rows, their sort indexes, and deterministic generation.
//!
//! Conversations keep only what search and rendering need; part bodies are regenerated lazily from
//! `(text_seed, part index)` (see [`super::render`]), so 100k conversations x 10 parts stay small.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use fastrand::Rng;

use super::config::SimConfig;
use super::textgen;

pub const DAY: i64 = 86_400;

pub struct Admin {
    pub id: u64,
    pub id_str: String,
    pub name: String,
    pub email: String,
    pub job_title: &'static str,
    pub team_ids: Vec<u64>,
    pub away: bool,
}

pub struct Team {
    pub id: u64,
    pub name: String,
    pub admin_ids: Vec<u64>,
}

pub struct Tag {
    pub id: u64,
    pub name: String,
}

pub struct Contact {
    pub id: String,
    pub external_id: Option<String>,
    pub role: &'static str,
    pub name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    pub owner: Option<usize>,
    pub created_at: i64,
    pub updated_at: i64,
    pub signed_up_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub city: usize,
    pub plan: &'static str,
    pub seats: u32,
    /// (tag index, applied_at)
    pub tags: Vec<(usize, i64)>,
    pub browser: &'static str,
    /// Set when this contact was merged into another (index); it then answers 410.
    pub merged_into: Option<usize>,
    /// Unix time from which `/contacts/search` finds it (Intercom indexes new contacts late).
    pub searchable_at: i64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PartKind {
    Comment,
    Note,
    Assignment,
    Open,
    Close,
    Snoozed,
}

impl PartKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartKind::Comment => "comment",
            PartKind::Note => "note",
            PartKind::Assignment => "assignment",
            PartKind::Open => "open",
            PartKind::Close => "close",
            PartKind::Snoozed => "snoozed",
        }
    }
}

/// Who wrote a part: an admin (index) or the conversation's contact.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Author {
    Admin(usize),
    Contact,
}

#[derive(Clone, Copy, Debug)]
pub struct Part {
    pub id: u64,
    pub created_at: i64,
    pub kind: PartKind,
    pub author: Author,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ConvState {
    Open,
    Closed,
    Snoozed,
}

impl ConvState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConvState::Open => "open",
            ConvState::Closed => "closed",
            ConvState::Snoozed => "snoozed",
        }
    }
}

/// How `statistics` appears on a conversation (Intercom quirk §10.13).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StatsMode {
    Full,
    Null,
    Missing,
}

pub const PRIORITIES: &[&str] = &["none", "low", "medium", "high", "urgent"];

pub struct Conv {
    pub id: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub topic: usize,
    pub contact: usize,
    pub state: ConvState,
    pub read: bool,
    pub priority: usize,
    pub admin: Option<usize>,
    pub team: Option<usize>,
    /// (tag index, applied_at, admin index)
    pub tags: Vec<(usize, i64, usize)>,
    pub subject: String,
    /// Opening message, HTML.
    pub body: String,
    /// The opening message as lower-case plain text, for `source.body` search.
    pub body_plain: String,
    pub parts: Vec<Part>,
    pub waiting_since: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub stats: StatsMode,
    pub rating: Option<u8>,
    pub text_seed: u64,
    pub source_id: u64,
}

impl Conv {
    pub fn last_admin_close(&self) -> Option<&Part> {
        self.parts.iter().rev().find(|p| p.kind == PartKind::Close)
    }
}

pub struct Workspace {
    pub seed: u64,
    pub now: i64,
    pub admins: Vec<Admin>,
    pub teams: Vec<Team>,
    pub tags: Vec<Tag>,
    pub contacts: Vec<Contact>,
    pub contact_by_id: HashMap<String, usize>,
    pub convs: BTreeMap<u64, Conv>,
    /// (updated_at, id) and (created_at, id) for keyset scans.
    pub conv_by_updated: BTreeSet<(i64, u64)>,
    pub conv_by_created: BTreeSet<(i64, u64)>,
    /// (id, id): id order in the same shape as the other indexes.
    pub conv_by_id: BTreeSet<(i64, u64)>,
    /// (index, index): contacts in id (= creation) order.
    pub contact_by_idx: BTreeSet<(i64, u64)>,
    /// (updated_at, contact index) and (created_at, contact index).
    pub contact_by_updated: BTreeSet<(i64, u64)>,
    pub contact_by_created: BTreeSet<(i64, u64)>,
    /// (conversation id, deleted_at), oldest first.
    pub deleted: Vec<(u64, i64)>,
    pub next_conv_id: u64,
    pub next_part_id: u64,
    /// Last timestamp handed out by a mutation (mutations use max(clock, last)).
    pub last_ts: i64,
    /// Bumped on every change; invalidates cached search counts.
    pub generation: u64,
    pub rng: Rng,
    /// Seconds before a newly created contact shows up in `/contacts/search` (default 0).
    pub contact_search_delay: i64,
    /// The latest `searchable_at` of any contact (search counts are not cached before it).
    pub max_searchable_at: i64,
    /// Tickets, their types and states.
    pub tickets: super::tickets::Tickets,
    /// Help Center articles.
    pub articles: super::articles::Articles,
    pub companies: super::companies::Companies,
    pub segments: Vec<super::segments::Segment>,
}

fn mix(a: u64, b: u64) -> u64 {
    let mut x = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 33)
}

impl Workspace {
    /// Generate the workspace deterministically from `cfg.seed` and `now`.
    pub fn generate(cfg: &SimConfig, now: i64) -> Workspace {
        let mut rng = Rng::with_seed(cfg.seed);
        let n_admins = cfg.admins.max(1);
        let n_teams = cfg.teams.max(1);
        let mut admins: Vec<Admin> = (0..n_admins)
            .map(|i| {
                let first = textgen::FIRST_NAMES[(i * 7 + cfg.seed as usize) % textgen::FIRST_NAMES.len()];
                let last = textgen::LAST_NAMES[(i * 11 + 3) % textgen::LAST_NAMES.len()];
                Admin {
                    id: 991_267_715 + i as u64 * 13,
                    id_str: (991_267_715 + i as u64 * 13).to_string(),
                    name: format!("{first} {last}"),
                    email: format!(
                        "{}.{}{}@example.com",
                        first.to_lowercase(),
                        last.to_lowercase(),
                        i
                    ),
                    job_title: ["Support", "Support Lead", "Billing Specialist", "Engineer"][i % 4],
                    team_ids: Vec::new(),
                    away: rng.u8(..10) == 0,
                }
            })
            .collect();
        let mut teams: Vec<Team> = (0..n_teams)
            .map(|i| {
                let base = textgen::TEAM_NAMES[i % textgen::TEAM_NAMES.len()];
                let name = if i < textgen::TEAM_NAMES.len() {
                    base.to_string()
                } else {
                    format!("{base} {i}")
                };
                Team {
                    id: 5_017_691 + i as u64,
                    name,
                    admin_ids: Vec::new(),
                }
            })
            .collect();
        for (i, a) in admins.iter_mut().enumerate() {
            let t = i % n_teams;
            a.team_ids.push(teams[t].id);
            teams[t].admin_ids.push(a.id);
        }
        let tags: Vec<Tag> = (0..cfg.tags.max(1))
            .map(|i| {
                let base = textgen::TAG_NAMES[i % textgen::TAG_NAMES.len()];
                let name = if i < textgen::TAG_NAMES.len() {
                    base.to_string()
                } else {
                    format!("{base}-{i}")
                };
                Tag {
                    id: 102 + i as u64,
                    name,
                }
            })
            .collect();

        let n_contacts = cfg.contacts.unwrap_or(cfg.conversations / 3 + 10).max(1);
        let mut created: Vec<i64> = (0..n_contacts)
            .map(|_| now - rng.i64(DAY..2 * 365 * DAY))
            .collect();
        created.sort_unstable();
        let mut contacts = Vec::with_capacity(n_contacts);
        for (i, &c_at) in created.iter().enumerate() {
            contacts.push(gen_contact(&mut rng, i, c_at, now, admins.len(), tags.len()));
        }

        let mut ws = Workspace {
            seed: cfg.seed,
            now,
            admins,
            teams,
            tags,
            contact_by_id: contacts
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.clone(), i))
                .collect(),
            contacts,
            convs: BTreeMap::new(),
            conv_by_updated: BTreeSet::new(),
            conv_by_created: BTreeSet::new(),
            conv_by_id: BTreeSet::new(),
            contact_by_idx: BTreeSet::new(),
            contact_by_updated: BTreeSet::new(),
            contact_by_created: BTreeSet::new(),
            deleted: Vec::new(),
            next_conv_id: 215_469_031_000,
            next_part_id: 31_415_926_001,
            last_ts: now,
            generation: 0,
            rng: Rng::with_seed(cfg.seed ^ 0x5EED),
            contact_search_delay: 0,
            max_searchable_at: 0,
            tickets: Default::default(),
            articles: Default::default(),
            companies: Default::default(),
            segments: super::segments::generate(now),
        };
        for (i, c) in ws.contacts.iter().enumerate() {
            ws.contact_by_updated.insert((c.updated_at, i as u64));
            ws.contact_by_created.insert((c.created_at, i as u64));
            ws.contact_by_idx.insert((i as i64, i as u64));
        }

        // Conversations: created over the year before now, ids increasing with creation.
        let n = cfg.conversations;
        let mut c_times: Vec<i64> = (0..n).map(|_| now - rng.i64(60..365 * DAY)).collect();
        c_times.sort_unstable();
        let big_every = if n >= 100 { 200 } else { usize::MAX };
        let big_first = if n >= 100 {
            rng.usize(..n.min(200))
        } else {
            usize::MAX
        };
        for (i, &c_at) in c_times.iter().enumerate() {
            let big = i == big_first || (big_every != usize::MAX && i % big_every == big_first % big_every);
            let n_parts = if big {
                rng.usize(520..=700)
            } else {
                rng.usize(0..=cfg.parts_per_conversation * 2)
            };
            let conv = ws.gen_conversation(&mut rng, c_at, n_parts, now);
            ws.insert_conv(conv);
        }
        // The rest of the workspace draws from its own seeds, so the conversations above stay the same.
        let n_tickets = cfg.tickets.unwrap_or(n / 10);
        ws.tickets = super::tickets::Tickets::generate(&ws, n_tickets, cfg.seed, now);
        let n_articles = cfg.articles.unwrap_or(n / 20 + 5);
        ws.articles = super::articles::Articles::generate(&ws, n_articles, cfg.seed, now);
        let n_companies = cfg.companies.unwrap_or(n / 10 + 5);
        ws.companies = super::companies::Companies::generate(&ws, n_companies, cfg.seed, now);
        ws.companies.scroll_expiry = std::time::Duration::from_millis(cfg.scroll_expiry_ms);
        ws
    }

    /// Build one conversation created at `c_at` with `n_parts` parts, all no later than `now`.
    pub fn gen_conversation(&mut self, rng: &mut Rng, c_at: i64, n_parts: usize, now: i64) -> Conv {
        self.next_conv_id += 1 + rng.u64(..9);
        let id = self.next_conv_id;
        let topic = rng.usize(..textgen::topic_count());
        let contact = rng.usize(..self.contacts.len());
        let state = match rng.u8(..100) {
            0..55 => ConvState::Closed,
            55..90 => ConvState::Open,
            _ => ConvState::Snoozed,
        };
        let admin = if rng.u8(..10) < 8 {
            Some(rng.usize(..self.admins.len()))
        } else {
            None
        };
        let team = if rng.u8(..10) < 7 {
            Some(rng.usize(..self.teams.len()))
        } else {
            None
        };
        let span_max = (now - c_at).max(1);
        let span = [3600, DAY, 7 * DAY, 30 * DAY][rng.usize(..4)].min(span_max);
        let mut times: Vec<i64> = (0..n_parts).map(|_| c_at + 1 + rng.i64(0..span)).collect();
        times.sort_unstable();
        let mut parts = Vec::with_capacity(n_parts);
        let admin_or_any = admin.unwrap_or_else(|| rng.usize(..self.admins.len()));
        for (k, &t) in times.iter().enumerate() {
            let last = k + 1 == n_parts;
            let (kind, author) = if last && state == ConvState::Closed {
                (PartKind::Close, Author::Admin(admin_or_any))
            } else if last && state == ConvState::Snoozed {
                (PartKind::Snoozed, Author::Admin(admin_or_any))
            } else if k == 0 && admin.is_some() {
                (PartKind::Assignment, Author::Admin(admin_or_any))
            } else {
                match rng.u8(..20) {
                    0 => (PartKind::Note, Author::Admin(admin_or_any)),
                    1 => (PartKind::Open, Author::Contact),
                    2..10 => (PartKind::Comment, Author::Contact),
                    _ => (PartKind::Comment, Author::Admin(admin_or_any)),
                }
            };
            parts.push(Part {
                id: self.next_part_id,
                created_at: t,
                kind,
                author,
            });
            self.next_part_id += 1;
        }
        let last_t = times.last().copied().unwrap_or(c_at);
        let updated_at = (last_t + rng.i64(0..60)).min(now).max(c_at);
        let mut tags = Vec::new();
        if let Some(t) = self.tags.iter().position(|t| t.name == textgen::topic_tag(topic))
            && rng.u8(..3) > 0
        {
            tags.push((t, c_at + rng.i64(0..(updated_at - c_at).max(1)), admin_or_any));
        }
        for _ in 0..rng.usize(..3) {
            let t = rng.usize(..self.tags.len());
            if !tags.iter().any(|x| x.0 == t) {
                tags.push((t, c_at + rng.i64(0..(updated_at - c_at).max(1)), admin_or_any));
            }
        }
        let waiting_since = match (state, parts.last()) {
            (ConvState::Open, Some(p)) if p.author == Author::Contact => Some(p.created_at),
            (ConvState::Open, None) => Some(c_at),
            _ => None,
        };
        let first = self.contacts[contact]
            .name
            .clone()
            .unwrap_or_else(|| "there".into());
        let first = first.split(' ').next().unwrap_or("").to_string();
        let text_seed = mix(self.seed, id);
        let mut trng = Rng::with_seed(text_seed);
        let subject = textgen::subject(&mut trng, topic);
        let body = textgen::opener(&mut trng, topic, &first);
        Conv {
            id,
            created_at: c_at,
            updated_at,
            topic,
            contact,
            state,
            read: state == ConvState::Closed || rng.bool(),
            priority: if rng.u8(..5) == 0 { 1 + rng.usize(..4) } else { 0 },
            admin,
            team,
            tags,
            subject,
            body_plain: super::plain::html_to_plain(&body).to_lowercase(),
            body,
            parts,
            waiting_since,
            snoozed_until: if state == ConvState::Snoozed {
                Some(now + rng.i64(3600..3 * DAY))
            } else {
                None
            },
            stats: match rng.u8(..20) {
                0 | 1 => StatsMode::Null,
                2 => StatsMode::Missing,
                _ => StatsMode::Full,
            },
            rating: if state == ConvState::Closed && rng.u8(..4) == 0 {
                Some(1 + rng.u8(..5))
            } else {
                None
            },
            text_seed,
            source_id: 403_918_320 + id % 1_000_000_000,
        }
    }

    pub fn insert_conv(&mut self, c: Conv) {
        self.conv_by_updated.insert((c.updated_at, c.id));
        self.conv_by_created.insert((c.created_at, c.id));
        self.conv_by_id.insert((c.id as i64, c.id));
        self.convs.insert(c.id, c);
        self.generation += 1;
    }

    /// Move a conversation's `updated_at`, keeping the index in step.
    pub fn set_conv_updated(&mut self, id: u64, ts: i64) {
        if let Some(c) = self.convs.get_mut(&id) {
            self.conv_by_updated.remove(&(c.updated_at, id));
            c.updated_at = ts;
            self.conv_by_updated.insert((ts, id));
            self.generation += 1;
        }
    }

    pub fn set_contact_updated(&mut self, idx: usize, ts: i64) {
        let c = &mut self.contacts[idx];
        self.contact_by_updated.remove(&(c.updated_at, idx as u64));
        c.updated_at = ts;
        self.contact_by_updated.insert((ts, idx as u64));
        self.generation += 1;
    }

    /// Remove a conversation and record it in the deleted feed. Returns false if unknown.
    pub fn delete_conv(&mut self, id: u64, at: i64) -> bool {
        let Some(c) = self.convs.remove(&id) else {
            return false;
        };
        self.conv_by_updated.remove(&(c.updated_at, id));
        self.conv_by_created.remove(&(c.created_at, id));
        self.conv_by_id.remove(&(id as i64, id));
        self.deleted.push((id, at));
        self.generation += 1;
        true
    }

    /// Merge contact `from` into `into`: `from` leaves lists and search and answers 410 with a
    /// canonical `Link`; its conversations move to `into` (their `updated_at` is bumped).
    pub fn merge_contact(&mut self, from: usize, into: usize) -> bool {
        if from == into
            || self.contacts[from].merged_into.is_some()
            || self.contacts[into].merged_into.is_some()
        {
            return false;
        }
        let t = self.tick();
        let c = &mut self.contacts[from];
        c.merged_into = Some(into);
        self.contact_by_updated.remove(&(c.updated_at, from as u64));
        self.contact_by_created.remove(&(c.created_at, from as u64));
        self.contact_by_idx.remove(&(from as i64, from as u64));
        let moved: Vec<u64> = self
            .convs
            .values()
            .filter(|c| c.contact == from)
            .map(|c| c.id)
            .collect();
        for id in moved {
            if let Some(c) = self.convs.get_mut(&id) {
                c.contact = into;
            }
            self.set_conv_updated(id, t);
        }
        self.set_contact_updated(into, t);
        true
    }

    /// Follow merges (up to 3 hops, like Intercom) to the contact that now holds the data.
    pub fn canonical_contact(&self, mut idx: usize) -> usize {
        for _ in 0..3 {
            match self.contacts[idx].merged_into {
                Some(n) => idx = n,
                None => break,
            }
        }
        idx
    }

    /// Create a contact now; it becomes searchable `contact_search_delay` seconds later.
    pub fn add_contact(&mut self) -> usize {
        let t = self.tick();
        let i = self.contacts.len();
        let mut rng = Rng::with_seed(self.rng.u64(..));
        let mut c = gen_contact(&mut rng, i, t, t, self.admins.len(), self.tags.len());
        if self.contact_search_delay > 0 {
            c.searchable_at = t + self.contact_search_delay;
        }
        self.max_searchable_at = self.max_searchable_at.max(c.searchable_at);
        self.contact_by_id.insert(c.id.clone(), i);
        self.contact_by_updated.insert((c.updated_at, i as u64));
        self.contact_by_created.insert((c.created_at, i as u64));
        self.contact_by_idx.insert((i as i64, i as u64));
        self.contacts.push(c);
        self.generation += 1;
        i
    }

    /// A mutation timestamp: max(real clock, last). Never behind an earlier mutation, and never ahead of
    /// the real clock (several changes in one second share it, as on Intercom), so a long-running
    /// simulator does not drift into the future.
    pub fn tick(&mut self) -> i64 {
        let t = chrono::Utc::now().timestamp().max(self.last_ts);
        self.last_ts = t;
        t
    }

    /// Seed for the text of part `k` of a conversation.
    pub fn part_seed(conv: &Conv, k: usize) -> u64 {
        mix(conv.text_seed, k as u64 + 1)
    }

    pub fn contact_first_name(&self, idx: usize) -> &str {
        self.contacts[idx]
            .name
            .as_deref()
            .and_then(|n| n.split(' ').next())
            .unwrap_or("there")
    }
}

/// One contact created at `c_at`, last updated no later than `now`; `i` is its index.
fn gen_contact(
    rng: &mut Rng,
    i: usize,
    c_at: i64,
    now: i64,
    n_admins: usize,
    n_tags_total: usize,
) -> Contact {
    let first = textgen::FIRST_NAMES[rng.usize(..textgen::FIRST_NAMES.len())];
    let last = textgen::LAST_NAMES[rng.usize(..textgen::LAST_NAMES.len())];
    let domain = textgen::DOMAINS[rng.usize(..textgen::DOMAINS.len())];
    let lead = rng.u8(..5) == 0;
    let updated_at = (c_at + rng.i64(0..(now - c_at).max(1))).min(now);
    // A few contacts (and always the second) carry more than 10 tags, past the nested-list cap.
    let n_tags = if i == 1 || rng.u16(..100) == 0 {
        11 + rng.usize(..5)
    } else {
        rng.usize(..3)
    };
    let mut order: Vec<usize> = (0..n_tags_total).collect();
    rng.shuffle(&mut order);
    let ctags: Vec<(usize, i64)> = order
        .into_iter()
        .take(n_tags)
        .map(|t| (t, c_at + rng.i64(0..(updated_at - c_at).max(1))))
        .collect();
    Contact {
        id: format!("{:08x}{:08x}{:08x}", c_at as u32, i as u32, rng.u32(..)),
        external_id: if lead { None } else { Some(format!("{}", 1000 + i)) },
        role: if lead { "lead" } else { "user" },
        name: if lead && rng.bool() {
            None
        } else {
            Some(format!("{first} {last}"))
        },
        email: format!("{}.{}{}@{}", first.to_lowercase(), last.to_lowercase(), i, domain),
        phone: if rng.u8(..3) == 0 {
            Some(format!("+1555{:07}", rng.u32(..10_000_000)))
        } else {
            None
        },
        owner: if rng.bool() {
            Some(rng.usize(..n_admins))
        } else {
            None
        },
        created_at: c_at,
        updated_at,
        signed_up_at: if lead { None } else { Some(c_at) },
        last_seen_at: Some(updated_at - rng.i64(0..3600).min(updated_at - c_at)),
        city: rng.usize(..textgen::CITIES.len()),
        plan: ["free", "starter", "pro", "enterprise"][rng.usize(..4)],
        seats: rng.u32(1..200),
        tags: ctags,
        browser: ["chrome", "firefox", "safari", "edge"][rng.usize(..4)],
        merged_into: None,
        searchable_at: 0,
    }
}
