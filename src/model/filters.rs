//! The one vocabulary of conversation filters: what `search_conversations` and `conversation_stats` (MCP),
//! the cache's SQL (`store::read::filters`), the client library's requests and its REST query builder
//! (`client::rest::query`) all mean by "which conversations". Plain data: each side reads it its own way,
//! and a side that cannot express a filter says so by its name ([`ConversationFilters::given`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Which conversations a search or a count covers (all when empty). The field names are the MCP tools'
/// argument names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConversationFilters {
    /// `open`, `closed` or `snoozed` (lower case once checked).
    pub state: Option<String>,
    /// Admin assignee id; `none` matches unassigned.
    pub admin_id: Option<String>,
    /// Team assignee id; `none` matches unassigned.
    pub team_id: Option<String>,
    /// Tag id or name (case-insensitive).
    pub tag: Option<String>,
    /// A contact's email address (case-insensitive).
    pub contact_email: Option<String>,
    /// Priority as stored (case-insensitive), e.g. `urgent`, `priority`.
    pub priority: Option<String>,
    /// Some(true): only conversations waiting for a teammate's reply; Some(false): only those not waiting.
    pub waiting: Option<bool>,
    /// Rating (CSAT, 1-5) at least.
    pub min_rating: Option<i64>,
    /// Rating (CSAT, 1-5) at most.
    pub max_rating: Option<i64>,
    /// The channel the conversation started on (`source.type`, e.g. `conversation`, `email`).
    pub channel: Option<String>,
    /// A custom attribute equal to a value (case-insensitive): `(name, value)`.
    pub custom_attribute: Option<(String, String)>,
    /// The applied SLA's status (`hit`, `missed`, `cleared`, `active`).
    pub sla_status: Option<String>,
    /// Some(true): only conversations Fin / an AI agent took part in; Some(false): only the others.
    pub ai_participated: Option<bool>,
}

impl ConversationFilters {
    /// Only conversations in this state.
    pub fn state(state: impl Into<String>) -> Self {
        ConversationFilters {
            state: Some(state.into()),
            ..Default::default()
        }
    }

    /// The argument names of the filters that are set, in declaration order.
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("state", self.state.is_some()),
            ("admin_id", self.admin_id.is_some()),
            ("team_id", self.team_id.is_some()),
            ("tag", self.tag.is_some()),
            ("contact_email", self.contact_email.is_some()),
            ("priority", self.priority.is_some()),
            ("waiting", self.waiting.is_some()),
            ("min_rating", self.min_rating.is_some()),
            ("max_rating", self.max_rating.is_some()),
            ("channel", self.channel.is_some()),
            ("custom_attribute", self.custom_attribute.is_some()),
            ("sla_status", self.sla_status.is_some()),
            ("ai_participated", self.ai_participated.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }

    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.given().is_empty()
    }

    /// Add these filters to MCP tool arguments, in the forms the tools take (`custom_attribute` as
    /// `name=value`).
    pub fn to_tool_args(&self, args: &mut Map<String, Value>) {
        for (name, v) in [
            ("state", &self.state),
            ("admin_id", &self.admin_id),
            ("team_id", &self.team_id),
            ("tag", &self.tag),
            ("contact_email", &self.contact_email),
            ("priority", &self.priority),
            ("channel", &self.channel),
            ("sla_status", &self.sla_status),
        ] {
            if let Some(v) = v {
                args.insert(name.into(), json!(v));
            }
        }
        for (name, v) in [
            ("waiting", self.waiting),
            ("ai_participated", self.ai_participated),
        ] {
            if let Some(v) = v {
                args.insert(name.into(), json!(v));
            }
        }
        for (name, v) in [("min_rating", self.min_rating), ("max_rating", self.max_rating)] {
            if let Some(v) = v {
                args.insert(name.into(), json!(v));
            }
        }
        if let Some((k, v)) = &self.custom_attribute {
            args.insert("custom_attribute".into(), json!(format!("{k}={v}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_becomes_the_tool_argument_of_its_name() {
        let f = ConversationFilters {
            state: Some("open".into()),
            admin_id: Some("1".into()),
            team_id: Some("none".into()),
            tag: Some("VIP".into()),
            contact_email: Some("a@b.c".into()),
            priority: Some("urgent".into()),
            waiting: Some(true),
            min_rating: Some(2),
            max_rating: Some(4),
            channel: Some("email".into()),
            custom_attribute: Some(("Plan".into(), "pro".into())),
            sla_status: Some("missed".into()),
            ai_participated: Some(false),
        };
        let mut args = Map::new();
        f.to_tool_args(&mut args);
        let mut keys: Vec<&str> = args.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut given = f.given();
        given.sort_unstable();
        assert_eq!(keys, given);
        assert_eq!(given.len(), 13);
        assert_eq!(args["custom_attribute"], "Plan=pro");
        assert_eq!(args["waiting"], true);
        assert_eq!(args["min_rating"], 2);
        assert!(ConversationFilters::default().is_empty());
        assert_eq!(ConversationFilters::state("open").given(), ["state"]);
    }
}
