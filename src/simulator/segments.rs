//! Simulated segments: a few contact and company segments (`GET /segments`, `GET /segments/{id}`), the
//! company segments each company belongs to, and live changes (a renamed segment, a new one).

use fastrand::Rng;
use serde_json::{Value, json};

use super::companies::Company;
use super::workspace::{DAY, Workspace};

pub struct Segment {
    pub id: String,
    pub name: String,
    /// `contact` or `user` (Intercom's two values); company segments use `user` too.
    pub person_type: &'static str,
    pub created_at: i64,
    pub updated_at: i64,
    /// Which companies belong (None: a contact segment).
    pub company_rule: Option<fn(&Company) -> bool>,
}

fn enterprise(c: &Company) -> bool {
    c.plan == "enterprise"
}

fn churn_risk(c: &Company) -> bool {
    c.monthly_spend < 1000
}

pub fn generate(now: i64) -> Vec<Segment> {
    let seg = |i: usize, name: &str, person_type, rule| Segment {
        id: format!("5f2c{:020x}", 0x5e6_0000 + i as u64),
        name: name.to_string(),
        person_type,
        created_at: now - (400 - i as i64) * DAY,
        updated_at: now - (200 - i as i64) * DAY,
        company_rule: rule,
    };
    vec![
        seg(0, "Active users", "user", None),
        seg(1, "Trial leads", "contact", None),
        seg(2, "VIP customers", "user", None),
        seg(
            3,
            "Enterprise accounts",
            "user",
            Some(enterprise as fn(&Company) -> bool),
        ),
        seg(4, "Churn risk", "user", Some(churn_risk as fn(&Company) -> bool)),
    ]
}

pub fn segment_json(s: &Segment) -> Value {
    json!({"type": "segment", "id": s.id, "name": s.name, "created_at": s.created_at,
           "updated_at": s.updated_at, "person_type": s.person_type})
}

pub fn list_json(ws: &Workspace) -> Value {
    let segments: Vec<Value> = ws.segments.iter().map(segment_json).collect();
    json!({"type": "segment.list", "segments": segments, "pages": {}})
}

/// The segments a company is in (for its `segments` list).
pub fn of_company(ws: &Workspace, co: &Company) -> Vec<Value> {
    ws.segments
        .iter()
        .filter(|s| s.company_rule.is_some_and(|r| r(co)))
        .map(segment_json)
        .collect()
}

/// Rename one segment; add one now and then. Returns how many changed or were added.
pub fn mutate(ws: &mut Workspace) -> usize {
    let mut rng = Rng::with_seed(ws.rng.u64(..));
    let t = ws.tick();
    let n = ws.segments.len();
    if n == 0 || rng.u8(..4) == 0 {
        let mut s = generate(t).swap_remove(0);
        s.id = format!("5f2d{:020x}", rng.u64(..));
        s.name = format!("New segment {}", n + 1);
        s.created_at = t;
        s.updated_at = t;
        ws.segments.push(s);
    } else {
        let s = &mut ws.segments[rng.usize(..n)];
        s.name = format!("{} (edited)", s.name.trim_end_matches(" (edited)"));
        s.updated_at = t;
    }
    1
}
