-- The columns conversation filters and sorts read, in one narrow index keyed by the primary key (issue #9,
-- search latency). A text search checks each match's filters in this index (~75 bytes an entry, ~0.5 µs a
-- match) instead of the match's table row, which holds the opening message and the stored JSON (1-4 KB,
-- ~1.5 µs and a page of its own). Columns a filter reads from the JSON (custom attributes, SLA, Fin) still
-- come from the table row.
CREATE INDEX conversations_filter_columns ON conversations(
    pk, state, admin_assignee_id, team_assignee_id, priority, source_type, waiting_since, rating,
    updated_at, created_at, id
);
