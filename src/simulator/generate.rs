//! Deterministic generation of the workspace from a seed and `now`: admins, teams, tags, contacts,
//! conversations with their parts, then tickets, articles, companies and segments from their own seeds.

use std::collections::{BTreeMap, BTreeSet};

use fastrand::Rng;

use super::config::SimConfig;
use super::rows::{Admin, Author, Contact, Conv, ConvState, Part, PartKind, StatsMode, Tag, Team};
use super::textgen;
use super::workspace::{DAY, Workspace, mix};

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
            .map(|i| Team {
                id: 5_017_691 + i as u64,
                name: nth_name(textgen::TEAM_NAMES, i, " "),
                admin_ids: Vec::new(),
            })
            .collect();
        for (i, a) in admins.iter_mut().enumerate() {
            let t = i % n_teams;
            a.team_ids.push(teams[t].id);
            teams[t].admin_ids.push(a.id);
        }
        let tags: Vec<Tag> = (0..cfg.tags.max(1))
            .map(|i| Tag {
                id: 102 + i as u64,
                name: nth_name(textgen::TAG_NAMES, i, "-"),
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
}

/// The `i`-th of `names`, numbered (`{name}{sep}{i}`) once the list is used up, so names stay unique.
fn nth_name(names: &[&str], i: usize, sep: &str) -> String {
    let base = names[i % names.len()];
    if i < names.len() {
        base.to_string()
    } else {
        format!("{base}{sep}{i}")
    }
}

/// One contact created at `c_at`, last updated no later than `now`; `i` is its index.
pub(super) fn gen_contact(
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
