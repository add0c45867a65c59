//! Simulated Help Center articles: published and draft, some with a translation, listed by
//! `GET /articles` newest `updated_at` first with page-number pagination, retrieved by id, and changed
//! live (new, edited, published, deleted).
//!
//! Choices where Intercom is unverified: `per_page` defaults to 25 and is clamped to 250; `pages.next`
//! is left out (the 2.16 schema types it as a cursor object, older answers sent a URL), so clients loop
//! while `page < total_pages`; ties in `updated_at` are broken by the larger id first.

use std::collections::{BTreeMap, BTreeSet};

use fastrand::Rng;
use serde_json::{Value, json};

use super::workspace::{DAY, Workspace, random_key};

pub struct Translation {
    pub locale: &'static str,
    pub title: String,
    pub description: String,
    pub body: String,
    pub updated_at: i64,
}

pub struct Article {
    pub id: u64,
    pub title: String,
    pub description: String,
    /// HTML.
    pub body: String,
    pub author: usize,
    pub published: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub parent_id: u64,
    pub translation: Option<Translation>,
}

#[derive(Default)]
pub struct Articles {
    pub rows: BTreeMap<u64, Article>,
    pub by_updated: BTreeSet<(i64, u64)>,
    pub next_id: u64,
}

const SUBJECTS: &[(&str, &str)] = &[
    (
        "Resetting two-factor authentication",
        "two-factor codes, lost phones and backup codes",
    ),
    (
        "Understanding your invoice",
        "line items, proration and taxes on your bill",
    ),
    (
        "Requesting a refund",
        "when refunds are possible and how long they take",
    ),
    (
        "Exporting your data",
        "CSV exports, the API and scheduled reports",
    ),
    ("Inviting teammates", "seats, roles and pending invitations"),
    (
        "Connecting the Slack integration",
        "installing the app and choosing channels",
    ),
    (
        "Changing your plan",
        "upgrades, downgrades and what happens to your data",
    ),
    (
        "Troubleshooting login problems",
        "password resets, SSO and locked accounts",
    ),
];

const STEPS: &[&str] = &[
    "Open Settings and choose Security.",
    "Click the button at the top right of the page.",
    "Confirm the change with the code we email you.",
    "Wait a few minutes and refresh the page.",
    "If it still fails, contact support with a screenshot.",
    "Billing admins can do this from the Billing page.",
];

const FRENCH: &[&str] = &[
    "Réinitialiser l'authentification à deux facteurs",
    "Comprendre votre facture",
    "Demander un remboursement",
    "Exporter vos données",
    "Inviter des coéquipiers",
    "Connecter l'intégration Slack",
    "Changer de forfait",
    "Résoudre les problèmes de connexion",
];

impl Articles {
    pub fn generate(ws: &Workspace, n: usize, seed: u64, now: i64) -> Articles {
        let mut rng = Rng::with_seed(seed ^ 0x00A7_71C1);
        let mut a = Articles {
            next_id: 9_000_000,
            ..Default::default()
        };
        let mut times: Vec<i64> = (0..n).map(|_| now - rng.i64(DAY..720 * DAY)).collect();
        times.sort_unstable();
        for c_at in times {
            let art = a.gen_article(ws, &mut rng, c_at, now);
            a.insert(art);
        }
        a
    }

    fn gen_article(&mut self, ws: &Workspace, rng: &mut Rng, c_at: i64, now: i64) -> Article {
        self.next_id += 1 + rng.u64(..5);
        let k = rng.usize(..SUBJECTS.len());
        let (title, about) = SUBJECTS[k];
        let n = self.next_id % 1000;
        let steps: Vec<String> = (0..3)
            .map(|_| format!("<li>{}</li>", STEPS[rng.usize(..STEPS.len())]))
            .collect();
        let updated_at = (c_at + rng.i64(0..(now - c_at).max(1))).min(now);
        let translation = (rng.u8(..3) == 0).then(|| Translation {
            locale: "fr",
            title: format!("{} ({n})", FRENCH[k]),
            description: format!("Guide n° {n}"),
            body: format!("<p>{} : étape par étape &mdash; guide n° {n}.</p>", FRENCH[k]),
            updated_at,
        });
        Article {
            id: self.next_id,
            title: format!("{title} ({n})"),
            description: format!("All about {about}."),
            body: format!(
                "<h2>{title}</h2><p>This guide covers {about}.</p><ol>{}</ol><p>Still stuck? Reply to any email &amp; we&rsquo;ll help.</p>",
                steps.concat()
            ),
            author: rng.usize(..ws.admins.len()),
            published: rng.u8(..5) > 0,
            created_at: c_at,
            updated_at,
            parent_id: 100 + rng.u64(..4),
            translation,
        }
    }

    pub fn insert(&mut self, a: Article) {
        self.by_updated.insert((a.updated_at, a.id));
        self.rows.insert(a.id, a);
    }

    pub fn remove(&mut self, id: u64) -> Option<Article> {
        let a = self.rows.remove(&id)?;
        self.by_updated.remove(&(a.updated_at, id));
        Some(a)
    }
}

/// Live changes: new articles, edits (some publish a draft), deletions. Returns (new, changed, deleted).
pub fn mutate(ws: &mut Workspace, fraction: f64) -> (usize, usize, usize) {
    let mut arts = std::mem::take(&mut ws.articles);
    let n = ((arts.rows.len() as f64 * fraction).round() as usize).max(1);
    let mut rng = Rng::with_seed(ws.rng.u64(..));
    let (mut new, mut changed, mut deleted) = (0, 0, 0);
    for _ in 0..n.div_ceil(3) {
        let t = ws.tick();
        let a = arts.gen_article(ws, &mut rng, t, t);
        arts.insert(a);
        new += 1;
    }
    for _ in 0..n {
        let Some(id) = random_key(&arts.rows, &mut rng) else {
            break;
        };
        let t = ws.tick();
        let Some(mut a) = arts.remove(id) else { continue };
        a.body
            .push_str(&format!("<p>Updated: {}</p>", STEPS[rng.usize(..STEPS.len())]));
        if !a.published {
            a.published = true;
        }
        a.updated_at = t;
        arts.insert(a);
        changed += 1;
    }
    if arts.rows.len() > 10 {
        for _ in 0..(n / 4).max(1) {
            if let Some(id) = random_key(&arts.rows, &mut rng)
                && arts.remove(id).is_some()
            {
                deleted += 1;
            }
        }
    }
    ws.articles = arts;
    ws.generation += 1;
    (new, changed, deleted)
}

fn content(ws: &Workspace, a: &Article, t: &Translation) -> Value {
    json!({"type": "article_content", "title": t.title, "description": t.description, "body": t.body,
           "author_id": ws.admins[a.author].id, "state": if a.published { "published" } else { "draft" },
           "created_at": a.created_at, "updated_at": t.updated_at,
           "url": format!("https://help.example.com/{}/articles/{}", t.locale, a.id)})
}

pub fn article_json(ws: &Workspace, a: &Article) -> Value {
    let state = if a.published { "published" } else { "draft" };
    let mut tc = json!({"type": "article_translated_content"});
    if let Some(t) = &a.translation {
        tc[t.locale] = content(ws, a, t);
    }
    json!({
        "type": "article", "id": a.id.to_string(), "workspace_id": "simapp01", "title": a.title,
        "description": a.description, "body": a.body, "author_id": ws.admins[a.author].id, "state": state,
        "created_at": a.created_at, "updated_at": a.updated_at,
        "url": a.published.then(|| format!("https://help.example.com/en/articles/{}", a.id)),
        "parent_ids": [a.parent_id], "default_locale": "en", "translated_content": tc,
        "tags": {"type": "tag.list", "tags": []},
    })
}

/// `GET /articles?page=&per_page=`: newest `updated_at` first.
pub fn list_json(ws: &Workspace, page: usize, per_page: usize) -> Value {
    let arts = &ws.articles;
    let total = arts.rows.len();
    let total_pages = total.div_ceil(per_page);
    let data: Vec<Value> = arts
        .by_updated
        .iter()
        .rev()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .filter_map(|(_, id)| arts.rows.get(id))
        .map(|a| article_json(ws, a))
        .collect();
    json!({"type": "list", "total_count": total, "data": data,
           "pages": {"type": "pages", "page": page, "per_page": per_page, "total_pages": total_pages}})
}
