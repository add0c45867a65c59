//! The cache's reading of [`ConversationFilters`] (the filters search and stats share: state, assignees,
//! tag, contact, priority, channel, rating, waiting for a reply, SLA status, a custom attribute, Fin/AI
//! participation): each adds a condition with numbered placeholders (`?N`) to a query's `WHERE`.

pub use crate::model::ConversationFilters;
use rusqlite::types::Value;

fn is_none_word(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "none" | "unassigned" | "0"
    )
}

impl ConversationFilters {
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
