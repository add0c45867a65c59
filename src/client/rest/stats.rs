//! `conversation_stats` over REST: the conversations of a window, grouped here as the cache groups them.

use super::Directory;
use crate::client::{DateField, GroupBy, StatsRequest};
use crate::intercom::Conversation;
use crate::model::{Stats, StatsBucket};
use std::collections::{BTreeMap, HashSet};

/// Group conversations the way `store::read::stats` does: count descending then key; days ascending;
/// unassigned and untagged in a `none` bucket.
pub(super) fn group(convs: &[Conversation], req: &StatsRequest, dir: &Directory) -> Stats {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    let mut untagged = 0;
    for c in convs {
        match req.group_by {
            GroupBy::State => {
                let s = c
                    .state
                    .clone()
                    .unwrap_or_else(|| if c.open { "open" } else { "closed" }.to_string());
                *counts.entry(s).or_default() += 1;
            }
            GroupBy::Team => {
                *counts
                    .entry(c.team_assignee_id.clone().unwrap_or_else(|| "none".into()))
                    .or_default() += 1
            }
            GroupBy::Admin => {
                *counts
                    .entry(c.admin_assignee_id.clone().unwrap_or_else(|| "none".into()))
                    .or_default() += 1
            }
            GroupBy::Tag => {
                let ids: HashSet<&String> = c.tags.iter().map(|t| &t.id).collect();
                if ids.is_empty() {
                    untagged += 1;
                }
                for id in ids {
                    *counts.entry(id.clone()).or_default() += 1;
                }
            }
            g @ (GroupBy::Day | GroupBy::Week | GroupBy::Month) => {
                let updated = c.updated_at.or(c.created_at).unwrap_or(0);
                let t = match req.field() {
                    DateField::CreatedAt => c.created_at.unwrap_or(updated),
                    DateField::UpdatedAt => updated,
                };
                *counts.entry(g.period_key(t).unwrap_or_default()).or_default() += 1;
            }
        }
    }
    let label = |key: &str| -> Option<String> {
        match req.group_by {
            GroupBy::Team => dir.teams.get(key).cloned().flatten(),
            GroupBy::Admin => dir.admins.get(key).and_then(|a| a.0.clone()),
            GroupBy::Tag => dir.tags.get(key).cloned(),
            _ => None,
        }
    };
    let mut buckets: Vec<StatsBucket> = counts
        .into_iter()
        .map(|(key, count)| StatsBucket {
            label: label(&key),
            key,
            count,
            ..StatsBucket::default()
        })
        .collect();
    if !req.group_by.is_period() {
        buckets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    }
    if req.group_by == GroupBy::Tag && untagged > 0 {
        buckets.push(StatsBucket {
            key: "none".into(),
            label: None,
            count: untagged,
            ..StatsBucket::default()
        });
    }
    Stats {
        group_by: req.group_by.name().into(),
        since: req.since,
        until: req.until,
        total: convs.len() as i64,
        buckets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(id: &str, state: &str, team: Option<&str>, tags: &[&str], updated: i64) -> Conversation {
        Conversation {
            id: id.into(),
            state: Some(state.into()),
            team_assignee_id: team.map(str::to_string),
            tags: tags
                .iter()
                .map(|t| crate::intercom::TagRef {
                    id: t.to_string(),
                    name: String::new(),
                })
                .collect(),
            created_at: Some(updated - 100),
            updated_at: Some(updated),
            ..Default::default()
        }
    }

    #[test]
    fn grouping_matches_the_cache_rules() {
        let mut dir = Directory::default();
        dir.tags.insert("t1".into(), "billing".into());
        dir.teams.insert("9".into(), Some("Support".into()));
        let convs = vec![
            conv("1", "open", Some("9"), &["t1"], 86_400),
            conv("2", "closed", None, &[], 2 * 86_400),
            conv("3", "open", Some("9"), &["t1"], 2 * 86_400 + 5),
        ];
        let mut req = StatsRequest::new(GroupBy::State);
        let s = group(&convs, &req, &dir);
        assert_eq!(s.total, 3);
        assert_eq!(
            s.buckets
                .iter()
                .map(|b| (b.key.as_str(), b.count))
                .collect::<Vec<_>>(),
            vec![("open", 2), ("closed", 1)]
        );
        req.group_by = GroupBy::Team;
        let s = group(&convs, &req, &dir);
        assert_eq!(s.buckets[0].label.as_deref(), Some("Support"));
        assert_eq!((s.buckets[1].key.as_str(), s.buckets[1].count), ("none", 1));
        req.group_by = GroupBy::Tag;
        let s = group(&convs, &req, &dir);
        assert_eq!(
            s.buckets
                .iter()
                .map(|b| (b.key.as_str(), b.count))
                .collect::<Vec<_>>(),
            vec![("t1", 2), ("none", 1)]
        );
        req.group_by = GroupBy::Day;
        req.date_field = Some(DateField::UpdatedAt);
        let s = group(&convs, &req, &dir);
        assert_eq!(
            s.buckets
                .iter()
                .map(|b| (b.key.as_str(), b.count))
                .collect::<Vec<_>>(),
            vec![("1970-01-02", 1), ("1970-01-03", 2)]
        );
    }
}
