//! The conversation filters search and stats share: state, assignees, tag, contact, priority, channel,
//! rating, waiting for a reply, SLA status, a custom attribute, Fin/AI participation. Each adds a condition
//! with numbered placeholders (`?N`) to a query's `WHERE`.

use rusqlite::types::Value;

/// Which conversations a search or a count covers (all when empty).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub state: Option<String>,
    /// Admin assignee id; `none` matches unassigned.
    pub admin_id: Option<String>,
    /// Team assignee id; `none` matches unassigned.
    pub team_id: Option<String>,
    /// Tag id or name (case-insensitive).
    pub tag: Option<String>,
    pub contact_email: Option<String>,
    /// Priority as stored (case-insensitive), e.g. `urgent`, `priority`.
    pub priority: Option<String>,
    /// Some(true): only conversations waiting for a teammate's reply; Some(false): only those not waiting.
    pub waiting: Option<bool>,
    /// Rating (CSAT) at least / at most.
    pub min_rating: Option<i64>,
    pub max_rating: Option<i64>,
    /// The channel the conversation started on (`source.type`, e.g. `conversation`, `email`).
    pub channel: Option<String>,
    /// A custom attribute equal to a value: (name, value).
    pub custom_attribute: Option<(String, String)>,
    /// The applied SLA's status (`hit`, `missed`, `cleared`, `active`).
    pub sla_status: Option<String>,
    /// Some(true): only conversations Fin / an AI agent took part in; Some(false): only the others.
    pub ai_participated: Option<bool>,
}

fn is_none_word(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "none" | "unassigned" | "0"
    )
}

impl Filters {
    /// Append this filter's conditions to `conds` and their values to `args`.
    pub fn push(&self, args: &mut Vec<Value>, conds: &mut Vec<String>) {
        if let Some(s) = &self.state {
            args.push(Value::Text(s.trim().to_ascii_lowercase()));
            conds.push(format!("c.state = ?{}", args.len()));
        }
        for (val, column) in [
            (&self.admin_id, "c.admin_assignee_id"),
            (&self.team_id, "c.team_assignee_id"),
        ] {
            if let Some(v) = val {
                if is_none_word(v) {
                    conds.push(format!("{column} IS NULL"));
                } else {
                    args.push(Value::Text(v.trim().to_string()));
                    conds.push(format!("{column} = ?{}", args.len()));
                }
            }
        }
        if let Some(t) = &self.tag {
            args.push(Value::Text(t.trim().to_string()));
            let n = args.len();
            conds.push(format!(
                "c.id IN (SELECT ct.conversation_id FROM conversation_tags ct WHERE ct.tag_id = ?{n} \
                 OR ct.tag_id IN (SELECT id FROM tags WHERE name = ?{n} COLLATE NOCASE))"
            ));
        }
        if let Some(e) = &self.contact_email {
            args.push(Value::Text(e.trim().to_string()));
            let n = args.len();
            conds.push(format!(
                "c.id IN (SELECT cc.conversation_id FROM conversation_contacts cc WHERE cc.contact_id IN \
                   (SELECT id FROM contacts WHERE email = ?{n} COLLATE NOCASE) \
                 UNION SELECT c3.id FROM conversations c3 WHERE c3.contact_id IN \
                   (SELECT id FROM contacts WHERE email = ?{n} COLLATE NOCASE))"
            ));
        }
        if let Some(p) = &self.priority {
            args.push(Value::Text(p.trim().to_string()));
            conds.push(format!("c.priority = ?{} COLLATE NOCASE", args.len()));
        }
        if let Some(ch) = &self.channel {
            args.push(Value::Text(ch.trim().to_string()));
            conds.push(format!("c.source_type = ?{} COLLATE NOCASE", args.len()));
        }
        // These read the stored JSON of each candidate row: slower than the indexed filters.
        if let Some((k, v)) = &self.custom_attribute {
            args.push(Value::Text(format!(
                "$.custom_attributes.\"{}\"",
                k.replace('"', "")
            )));
            args.push(Value::Text(v.clone()));
            conds.push(format!(
                "CAST(json_extract(c.raw, ?{}) AS TEXT) = ?{} COLLATE NOCASE",
                args.len() - 1,
                args.len()
            ));
        }
        if let Some(s) = &self.sla_status {
            args.push(Value::Text(s.clone()));
            conds.push(format!(
                "json_extract(c.raw, '$.sla_applied.sla_status') = ?{}",
                args.len()
            ));
        }
        match self.ai_participated {
            Some(true) => {
                conds.push("coalesce(json_extract(c.raw, '$.ai_agent_participated'), 0) = 1".into())
            }
            Some(false) => {
                conds.push("coalesce(json_extract(c.raw, '$.ai_agent_participated'), 0) != 1".into())
            }
            None => {}
        }
        match self.waiting {
            Some(true) => conds.push("c.waiting_since IS NOT NULL".into()),
            Some(false) => conds.push("c.waiting_since IS NULL".into()),
            None => {}
        }
        for (bound, op) in [(self.min_rating, ">="), (self.max_rating, "<=")] {
            if let Some(r) = bound {
                args.push(Value::Integer(r));
                conds.push(format!("c.rating {op} ?{}", args.len()));
            }
        }
    }
}
