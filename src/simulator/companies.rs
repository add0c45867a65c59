//! Simulated companies: company ↔ contact links (some companies have no users), `GET /companies/scroll`
//! with its rules, `POST /companies/list` with its cap, `GET /companies/{id}`, and live changes.
//!
//! Scroll rules (API notes §3.8): one open scroll per workspace (a second one gets 400 "scroll already
//! exists for this workspace"), a scroll unused for `scroll_expiry` (60 s) expires (its `scroll_param`
//! then gets 400), an empty `data` ends it. [`Companies::fail_next_scroll`] makes the next scroll page after the first
//! answer 500 "... Please restart the scroll operation." and drops the scroll, as Intercom's network
//! errors do. `POST /companies/list` is sorted by `last_request_at` descending, leaves out companies
//! with no users and stops at 10,000 results. Choices where Intercom is unverified: a scroll page holds
//! 50 companies, in creation order; the scroll is not a snapshot (rows created meanwhile can appear).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fastrand::Rng;
use serde_json::{Value, json};

use super::routes::{ApiError, err};
use super::workspace::{DAY, Workspace, random_key};

/// Companies per scroll page.
pub const SCROLL_PAGE: usize = 50;
/// `POST /companies/list` stops here.
pub const LIST_CAP: usize = 10_000;

pub struct Company {
    pub key: u64,
    pub id: String,
    pub company_id: String,
    pub name: String,
    pub plan: &'static str,
    pub industry: &'static str,
    pub size: u32,
    pub monthly_spend: u32,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_request_at: Option<i64>,
    /// Contact indexes.
    pub contacts: Vec<usize>,
    /// Tag indexes.
    pub tags: Vec<usize>,
}

pub struct OpenScroll {
    pub param: String,
    /// The last company key handed out.
    pub after: Option<u64>,
    pub last_used: Instant,
}

#[derive(Default)]
pub struct Companies {
    pub rows: BTreeMap<u64, Company>,
    pub by_id: HashMap<String, u64>,
    /// Contact index → company keys.
    pub of_contact: HashMap<usize, Vec<u64>>,
    pub next_key: u64,
    pub scroll: Mutex<Option<OpenScroll>>,
    pub scroll_expiry: Duration,
    pub fail_next_scroll: AtomicBool,
}

const NAMES: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Vandelay",
    "Wonka",
    "Gringotts",
    "Oceanic",
    "Pied Piper",
    "Aperture",
];
const SUFFIX: &[&str] = &["Inc", "Ltd", "GmbH", "Labs", "Group", "Corp"];
const INDUSTRIES: &[&str] = &[
    "Software",
    "Retail",
    "Finance",
    "Healthcare",
    "Education",
    "Logistics",
];
const PLANS: &[&str] = &["free", "starter", "pro", "enterprise"];

impl Companies {
    pub fn generate(ws: &Workspace, n: usize, seed: u64, now: i64) -> Companies {
        let mut rng = Rng::with_seed(seed ^ 0x00C0_4A11);
        let mut c = Companies {
            next_key: 0x6762_f07a_1bb6_9f00,
            scroll_expiry: Duration::from_secs(60),
            ..Default::default()
        };
        let n_contacts = ws.contacts.len();
        for i in 0..n {
            let c_at = now - rng.i64(DAY..900 * DAY);
            let mut co = c.gen_company(ws, &mut rng, i, c_at, now);
            // About one company in seven has no users; the others share the contacts out.
            if rng.u8(..7) > 0 && n_contacts > 0 {
                for _ in 0..1 + rng.usize(..4) {
                    let contact = rng.usize(..n_contacts);
                    if !co.contacts.contains(&contact) {
                        co.contacts.push(contact);
                    }
                }
                co.last_request_at = Some(co.updated_at - rng.i64(0..DAY).min(co.updated_at - c_at));
            }
            c.insert(co);
        }
        c
    }

    fn gen_company(&mut self, ws: &Workspace, rng: &mut Rng, i: usize, c_at: i64, now: i64) -> Company {
        self.next_key += 1 + rng.u64(..1000);
        let key = self.next_key;
        let name = format!(
            "{} {}{}",
            NAMES[i % NAMES.len()],
            SUFFIX[rng.usize(..SUFFIX.len())],
            if i >= NAMES.len() {
                format!(" {i}")
            } else {
                String::new()
            }
        );
        let slug: String = name
            .to_lowercase()
            .chars()
            .map(|ch| if ch.is_alphanumeric() { ch } else { '-' })
            .collect();
        Company {
            key,
            id: format!("{key:024x}"),
            company_id: slug,
            name,
            plan: PLANS[rng.usize(..PLANS.len())],
            industry: INDUSTRIES[rng.usize(..INDUSTRIES.len())],
            size: rng.u32(1..5000),
            monthly_spend: rng.u32(0..20_000),
            created_at: c_at,
            updated_at: (c_at + rng.i64(0..(now - c_at).max(1))).min(now),
            last_request_at: None,
            contacts: Vec::new(),
            tags: (0..rng.usize(..3)).map(|_| rng.usize(..ws.tags.len())).collect(),
        }
    }

    pub fn insert(&mut self, co: Company) {
        for &c in &co.contacts {
            self.of_contact.entry(c).or_default().push(co.key);
        }
        self.by_id.insert(co.id.clone(), co.key);
        self.rows.insert(co.key, co);
    }

    pub fn remove(&mut self, key: u64) -> Option<Company> {
        let co = self.rows.remove(&key)?;
        self.by_id.remove(&co.id);
        for c in &co.contacts {
            if let Some(v) = self.of_contact.get_mut(c) {
                v.retain(|k| *k != key);
            }
        }
        Some(co)
    }
}

/// Live changes: new companies (without users), edits, a contact joining a company (both move their
/// `updated_at`), deletions. Returns (new, changed, deleted).
pub fn mutate(ws: &mut Workspace, fraction: f64) -> (usize, usize, usize) {
    let mut cos = std::mem::take(&mut ws.companies);
    let n = ((cos.rows.len() as f64 * fraction).round() as usize).max(1);
    let mut rng = Rng::with_seed(ws.rng.u64(..));
    let (mut new, mut changed, mut deleted) = (0, 0, 0);
    for _ in 0..n.div_ceil(3) {
        let t = ws.tick();
        let i = cos.rows.len();
        let co = cos.gen_company(ws, &mut rng, i, t, t);
        cos.insert(co);
        new += 1;
    }
    for k in 0..n {
        let Some(key) = random_key(&cos.rows, &mut rng) else {
            break;
        };
        let t = ws.tick();
        let Some(mut co) = cos.remove(key) else { continue };
        co.monthly_spend = rng.u32(0..20_000);
        co.updated_at = t;
        if k % 2 == 0 && !ws.contacts.is_empty() {
            let contact = rng.usize(..ws.contacts.len());
            if ws.contacts[contact].merged_into.is_none() && !co.contacts.contains(&contact) {
                co.contacts.push(contact);
                co.last_request_at = Some(t);
                ws.set_contact_updated(contact, t);
            }
        }
        cos.insert(co);
        changed += 1;
    }
    if cos.rows.len() > 10 {
        for _ in 0..(n / 4).max(1) {
            if let Some(key) = random_key(&cos.rows, &mut rng)
                && let Some(co) = cos.remove(key)
            {
                // A contact's company list changes with it.
                let t = ws.tick();
                for c in co.contacts {
                    ws.set_contact_updated(c, t);
                }
                deleted += 1;
            }
        }
    }
    ws.companies = cos;
    ws.generation += 1;
    (new, changed, deleted)
}

pub fn company_json(ws: &Workspace, co: &Company) -> Value {
    let tags: Vec<Value> = co
        .tags
        .iter()
        .map(|&t| json!({"type": "tag", "id": ws.tags[t].id.to_string(), "name": ws.tags[t].name}))
        .collect();
    let segments: Vec<Value> = super::segments::of_company(ws, co);
    let mut v = json!({
        "type": "company", "id": co.id, "name": co.name, "app_id": "simapp01",
        "plan": {"type": "plan", "id": format!("{}", PLANS.iter().position(|p| *p == co.plan).unwrap_or(0) + 1), "name": co.plan},
        "company_id": co.company_id, "remote_created_at": co.created_at, "created_at": co.created_at,
        "updated_at": co.updated_at, "size": co.size,
        "website": format!("https://{}.example.com", co.company_id), "industry": co.industry,
        "monthly_spend": co.monthly_spend, "session_count": co.contacts.len() * 3,
        "user_count": co.contacts.len(),
        "custom_attributes": {"tier": if co.monthly_spend > 10_000 { "gold" } else { "standard" }},
        "tags": {"type": "tag.list", "tags": tags},
        "segments": {"type": "segment.list", "segments": segments},
    });
    if let Some(t) = co.last_request_at {
        v["last_request_at"] = json!(t);
    }
    v
}

/// A contact's companies as its nested addressable list (at most 10, `has_more` beyond).
pub fn contact_companies_json(ws: &Workspace, contact: usize, contact_id: &str) -> Value {
    let keys = ws
        .companies
        .of_contact
        .get(&contact)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let data: Vec<Value> = keys
        .iter()
        .take(10)
        .filter_map(|k| ws.companies.rows.get(k))
        .map(|co| json!({"type": "company", "id": co.id, "url": format!("/companies/{}", co.id)}))
        .collect();
    json!({"type": "list", "data": data, "url": format!("/contacts/{contact_id}/companies"),
           "total_count": keys.len(), "has_more": keys.len() > 10})
}

/// `GET /companies/scroll[?scroll_param=]`.
pub fn scroll(ws: &Workspace, param: Option<&str>) -> Result<Value, ApiError> {
    let cos = &ws.companies;
    let mut open = cos.scroll.lock().expect("scroll");
    let now = Instant::now();
    if open
        .as_ref()
        .is_some_and(|s| now.duration_since(s.last_used) >= cos.scroll_expiry)
    {
        *open = None;
    }
    let after = match (param.filter(|p| !p.is_empty()), open.as_ref()) {
        (None, Some(_)) => {
            return Err(err(
                400,
                "bad_request",
                "scroll already exists for this workspace",
            ));
        }
        (None, None) => None,
        (Some(p), Some(s)) if s.param == p => s.after,
        (Some(_), _) => {
            return Err(err(
                400,
                "parameter_invalid",
                "scroll_param is invalid or has expired; start a new scroll",
            ));
        }
    };
    // Mid-scroll (a page asked for with its scroll_param), like Intercom's network errors.
    if after.is_some() && cos.fail_next_scroll.swap(false, Ordering::SeqCst) {
        *open = None;
        return Err(err(
            500,
            "server_error",
            "Request failed due to an internal network error. Please restart the scroll operation.",
        ));
    }
    let lower = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
    let page: Vec<&Company> = cos
        .rows
        .range((lower, std::ops::Bound::Unbounded))
        .take(SCROLL_PAGE)
        .map(|(_, c)| c)
        .collect();
    let param = match open.as_ref() {
        Some(s) => s.param.clone(),
        None => format!("{:032x}", fastrand::u128(..)),
    };
    if page.is_empty() {
        // The end: the scroll is closed, a new one may start.
        *open = None;
    } else {
        *open = Some(OpenScroll {
            param: param.clone(),
            after: page.last().map(|c| c.key),
            last_used: now,
        });
    }
    let data: Vec<Value> = page.iter().map(|c| company_json(ws, c)).collect();
    Ok(json!({"type": "list", "data": data, "pages": null, "total_count": null, "scroll_param": param}))
}

/// `POST /companies/list?page=&per_page=`: companies with users, newest `last_request_at` first.
pub fn list(ws: &Workspace, page: usize, per_page: usize) -> Result<Value, ApiError> {
    if (page - 1).saturating_mul(per_page) >= LIST_CAP {
        return Err(err(
            400,
            "bad_request",
            "page limit reached, please use scroll API",
        ));
    }
    let mut with_users: Vec<&Company> = ws
        .companies
        .rows
        .values()
        .filter(|c| !c.contacts.is_empty())
        .collect();
    with_users.sort_by_key(|c| (std::cmp::Reverse(c.last_request_at), c.key));
    let total = with_users.len().min(LIST_CAP);
    let data: Vec<Value> = with_users
        .iter()
        .take(total)
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|c| company_json(ws, c))
        .collect();
    Ok(json!({"type": "list", "total_count": total, "data": data,
              "pages": {"type": "pages", "page": page, "per_page": per_page, "total_pages": total.div_ceil(per_page)}}))
}
