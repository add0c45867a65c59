-- Deletions the sync refused to make: when a run would have deleted more of a table than
-- reconcile_max_delete_percent because Intercom stopped listing the rows, it keeps them and records the
-- one-line reason here (per resource). NULL once a later check of that resource passes.
ALTER TABLE sync_metadata ADD COLUMN deletions_refused TEXT;
ALTER TABLE sync_metadata ADD COLUMN deletions_refused_at INTEGER;
