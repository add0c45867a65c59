-- A tiny workspace for MCP tests, inserted into a database migrated by fastintercom (schema v1+).
-- Times: 1767225600 = 2026-01-01T00:00:00Z.
INSERT INTO admins (id, name, email, job_title, away_mode, has_inbox_seat, raw) VALUES
  ('101', 'Ada Admin', 'ada@example.com', 'Support lead', 0, 1, '{}'),
  ('102', 'Bob Builder', 'bob@example.com', NULL, 1, 1, '{}');
INSERT INTO teams (id, name, raw) VALUES ('201', 'Billing', '{}'), ('202', 'Tech', '{}');
INSERT INTO team_admins (team_id, admin_id) VALUES ('201', '101'), ('202', '101'), ('202', '102');
INSERT INTO tags (id, name) VALUES ('301', 'refund'), ('302', 'VIP');
INSERT INTO contacts (id, external_id, role, email, name, phone, created_at, updated_at, last_seen_at, raw) VALUES
  ('c1', 'ext-1', 'user', 'carol@example.com', 'Carol Customer', '+100', 1767225600, 1767400000, 1767400000, '{}'),
  ('c2', NULL, 'lead', 'dan@example.org', 'Dan Lead', NULL, 1767225600, 1767300000, NULL, '{}');
INSERT INTO contact_tags (contact_id, tag_id) VALUES ('c1', '302');
INSERT INTO conversations (pk, id, title, created_at, updated_at, state, open, priority, admin_assignee_id,
  team_assignee_id, source_type, source_subject, source_body, source_author_type, source_author_id,
  source_author_name, source_author_email, contact_id, parts_count, raw) VALUES
  (1, '9001', NULL, 1767225600, 1767312000, 'open', 1, 'priority', '101', '201', 'email',
   'Charged twice', '<p>I was charged <b>twice</b> for my plan &amp; want a refund.</p>', 'user', 'c1',
   'Carol Customer', 'carol@example.com', 'c1', 3, '{}'),
  (2, '9002', 'Login broken', 1767312000, 1767398400, 'closed', 0, NULL, '102', '202', 'conversation',
   NULL, '<p>I cannot log in since the update.</p>', 'lead', 'c2', 'Dan Lead', 'dan@example.org', 'c2', 1, '{}'),
  (3, '9003', NULL, 1767398400, 1767398500, 'snoozed', 0, NULL, NULL, NULL, 'conversation',
   NULL, '<p>Question about invoices and VAT.</p>', 'user', 'c1', 'Carol Customer', 'carol@example.com', 'c1', 0, '{}');
INSERT INTO conversation_contacts (conversation_id, contact_id) VALUES ('9001', 'c1'), ('9002', 'c2'), ('9003', 'c1');
INSERT INTO conversation_tags (conversation_id, tag_id) VALUES ('9001', '301'), ('9001', '302'), ('9003', '302');
INSERT INTO conversation_parts (id, conversation_id, part_type, body, created_at, author_type, author_id,
  author_name, author_email, assigned_to_id) VALUES
  ('p1', '9001', 'assignment', NULL, 1767226000, 'admin', '101', 'Ada (stale name)', NULL, '101'),
  ('p2', '9001', 'comment', '<p>Sorry about that! I have issued a refund.</p>', 1767227000, 'admin', '101', NULL, NULL, NULL),
  ('p3', '9001', 'comment', '<p>Thank you &lt;3</p>', 1767312000, 'user', 'c1', NULL, NULL, NULL),
  ('p4', '9002', 'close', NULL, 1767398400, 'admin', '102', 'Bob Builder', NULL, NULL);
INSERT INTO conversation_fts (rowid, title, body) VALUES
  (1, 'Charged twice', 'I was charged twice for my plan & want a refund. Sorry about that! I have issued a refund. Thank you <3'),
  (2, 'Login broken', 'I cannot log in since the update.'),
  (3, '', 'Question about invoices and VAT.');
INSERT INTO sync_metadata (resource, status, last_attempt_start, last_attempt_end, last_success, high_water_mark,
  coverage_start, coverage_end, row_count) VALUES
  ('overall', 'ok', 1767400000, 1767400100, 1767400100, 1767398500, 1767000000, 1767400000, 3),
  ('conversations', 'ok', 1767400000, 1767400100, 1767400100, 1767398500, 1767000000, 1767400000, 3);
