-- Completeness check: after each run the sync compares what Intercom's search reports for the covered
-- window with what the store holds, and keeps the difference here instead of calling the run "ok".
ALTER TABLE sync_metadata ADD COLUMN shortfall INTEGER;             -- objects Intercom reports that the store lacks (NULL: never checked)
ALTER TABLE sync_metadata ADD COLUMN shortfall_checked_at INTEGER;  -- when that was last checked
ALTER TABLE sync_metadata ADD COLUMN last_heal INTEGER;             -- last re-read of the whole covered window to close a shortfall
