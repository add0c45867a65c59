-- Covering indexes for time-window counts and filters (issue #3, `conversation_stats`): counting the
-- conversations created or updated in a window, grouped by state, team or admin (or joined to their tags by
-- id), reads only the index instead of every row (rows carry the raw JSON and are large).
CREATE INDEX conversations_created_cover
    ON conversations(created_at, state, team_assignee_id, admin_assignee_id, id);
CREATE INDEX conversations_updated_cover
    ON conversations(updated_at, state, team_assignee_id, admin_assignee_id, id);
