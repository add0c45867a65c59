//! The simulated workspace: its rows ([`super::rows`]), their sort indexes, and the changes that keep
//! them in step; generation is in [`super::generate`].
//!
//! Conversations keep only what search and rendering need; part bodies are regenerated lazily from
//! `(text_seed, part index)` (see [`super::render`]), so 100k conversations x 10 parts stay small.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use fastrand::Rng;

use super::generate::gen_contact;
use super::rows::{Admin, Contact, Conv, Tag, Team};

pub const DAY: i64 = 86_400;

/// A random key of `rows` (O(log n), keys need not be dense); `None` if there are none.
pub fn random_key<V>(rows: &BTreeMap<u64, V>, rng: &mut Rng) -> Option<u64> {
    let lo = *rows.keys().next()?;
    let hi = *rows.keys().next_back()?;
    let x = rng.u64(lo..=hi);
    rows.range(x..).next().map(|(k, _)| *k)
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

pub(super) fn mix(a: u64, b: u64) -> u64 {
    let mut x = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 33)
}

impl Workspace {
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
