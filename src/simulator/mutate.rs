//! Workspace changes driven by tests or `--mutate-every`: new conversations, replies, state changes,
//! contact edits, new contacts and deletions. Timestamps come from the real clock, max(now, last), so no
//! change is older than one a sync has already seen, and none is dated in the future.

use super::config::MutationReport;
use super::rows::{Author, ConvState, Part, PartKind};
use super::workspace::{Workspace, random_key};

/// Append a part at `t`; `bump` moves the conversation's `updated_at` to `t`.
pub fn add_part(ws: &mut Workspace, id: u64, kind: PartKind, author: Author, t: i64, bump: bool) -> bool {
    let pid = ws.next_part_id;
    let Some(c) = ws.convs.get_mut(&id) else {
        return false;
    };
    c.parts.push(Part {
        id: pid,
        created_at: t,
        kind,
        author,
    });
    ws.next_part_id += 1;
    if bump {
        ws.set_conv_updated(id, t);
    } else {
        ws.generation += 1;
    }
    true
}

/// Change about `fraction` of the workspace now.
pub fn mutate(ws: &mut Workspace, fraction: f64) -> MutationReport {
    let mut rep = MutationReport::default();
    let n = ((ws.convs.len() as f64 * fraction).round() as usize).max(1);
    let n_new = (n / 5).max(1);
    let n_parts = (n * 2 / 5).max(1);
    let n_change = (n / 5).max(1);
    let n_delete = if ws.convs.len() > 20 { (n / 10).max(1) } else { 0 };
    let n_contacts = ((ws.contacts.len() as f64 * fraction).round() as usize).max(1);

    for _ in 0..n_new {
        let t = ws.tick();
        let mut rng = fastrand::Rng::with_seed(ws.rng.u64(..));
        let mut c = ws.gen_conversation(&mut rng, t, 0, t);
        c.state = ConvState::Open;
        c.updated_at = t;
        c.waiting_since = Some(t);
        c.snoozed_until = None;
        c.rating = None;
        ws.insert_conv(c);
        rep.new_conversations += 1;
    }
    for _ in 0..n_parts {
        let Some(id) = random_key(&ws.convs, &mut ws.rng) else {
            break;
        };
        let t = ws.tick();
        let admin = ws.rng.usize(..ws.admins.len());
        let author = if ws.rng.bool() {
            Author::Contact
        } else {
            Author::Admin(admin)
        };
        add_part(ws, id, PartKind::Comment, author, t, true);
        if let Some(c) = ws.convs.get_mut(&id) {
            if author == Author::Contact {
                c.waiting_since = Some(t);
                c.read = false;
                if c.state == ConvState::Closed {
                    c.state = ConvState::Open;
                }
            } else {
                c.waiting_since = None;
            }
        }
        rep.new_parts += 1;
    }
    for _ in 0..n_change {
        let Some(id) = random_key(&ws.convs, &mut ws.rng) else {
            break;
        };
        let t = ws.tick();
        let admin = ws.rng.usize(..ws.admins.len());
        let Some(state) = ws.convs.get(&id).map(|c| c.state) else {
            continue;
        };
        let kind = match (state, ws.rng.u8(..3)) {
            (_, 0) => PartKind::Assignment,
            (ConvState::Closed, _) => PartKind::Open,
            _ => PartKind::Close,
        };
        add_part(ws, id, kind, Author::Admin(admin), t, true);
        if let Some(c) = ws.convs.get_mut(&id) {
            match kind {
                PartKind::Assignment => c.admin = Some(admin),
                PartKind::Open => c.state = ConvState::Open,
                _ => {
                    c.state = ConvState::Closed;
                    c.waiting_since = None;
                    c.snoozed_until = None;
                    c.read = true;
                }
            }
        }
        rep.changed_conversations += 1;
    }
    for _ in 0..n_contacts {
        let i = ws.rng.usize(..ws.contacts.len());
        let t = ws.tick();
        let seats = ws.rng.u32(1..500);
        let c = &mut ws.contacts[i];
        c.seats = seats;
        c.last_seen_at = Some(t);
        ws.set_contact_updated(i, t);
        rep.changed_contacts += 1;
    }
    for _ in 0..(n_contacts / 4).max(1) {
        ws.add_contact();
        rep.new_contacts += 1;
    }
    for _ in 0..n_delete {
        let Some(id) = random_key(&ws.convs, &mut ws.rng) else {
            break;
        };
        let t = ws.tick();
        if ws.delete_conv(id, t) {
            rep.deleted_conversations += 1;
        }
    }
    (rep.new_tickets, rep.changed_tickets, rep.deleted_tickets) = super::tickets::mutate(ws, fraction);
    (rep.new_articles, rep.changed_articles, rep.deleted_articles) = super::articles::mutate(ws, fraction);
    (rep.new_companies, rep.changed_companies, rep.deleted_companies) =
        super::companies::mutate(ws, fraction);
    rep.changed_segments = super::segments::mutate(ws);
    rep
}
