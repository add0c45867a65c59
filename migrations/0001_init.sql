-- fastintercom schema, version 1. Migrations are append-only: never edit a released file, add 0002_*.sql.
-- Ids from Intercom are stored as TEXT (the API mixes numbers and strings for the same ids).
-- Unassigned admin/team (Intercom sends 0) is stored as NULL.

CREATE TABLE admins (
    id              TEXT PRIMARY KEY,
    name            TEXT,
    email           TEXT,
    job_title       TEXT,
    away_mode       INTEGER NOT NULL DEFAULT 0,
    has_inbox_seat  INTEGER NOT NULL DEFAULT 0,
    raw             TEXT NOT NULL           -- the object as Intercom sent it (JSON)
);

CREATE TABLE teams (
    id              TEXT PRIMARY KEY,
    name            TEXT,
    raw             TEXT NOT NULL
);

CREATE TABLE team_admins (
    team_id         TEXT NOT NULL,
    admin_id        TEXT NOT NULL,
    PRIMARY KEY (team_id, admin_id)
) WITHOUT ROWID;
CREATE INDEX team_admins_admin ON team_admins(admin_id);

CREATE TABLE tags (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL
);

CREATE TABLE contacts (
    id              TEXT PRIMARY KEY,
    external_id     TEXT,
    role            TEXT,
    email           TEXT,
    name            TEXT,
    phone           TEXT,
    owner_id        TEXT,
    created_at      INTEGER,
    updated_at      INTEGER,
    last_seen_at    INTEGER,
    raw             TEXT NOT NULL
);
CREATE INDEX contacts_email ON contacts(email COLLATE NOCASE);
CREATE INDEX contacts_updated ON contacts(updated_at);

CREATE TABLE contact_tags (
    contact_id      TEXT NOT NULL,
    tag_id          TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag_id)
) WITHOUT ROWID;

CREATE TABLE conversations (
    pk                  INTEGER PRIMARY KEY,    -- stable rowid, shared with conversation_fts
    id                  TEXT NOT NULL UNIQUE,
    title               TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    state               TEXT NOT NULL,          -- open | closed | snoozed
    open                INTEGER NOT NULL,
    read                INTEGER NOT NULL DEFAULT 0,
    priority            TEXT,
    admin_assignee_id   TEXT,                   -- NULL when unassigned (Intercom: 0)
    team_assignee_id    TEXT,
    waiting_since       INTEGER,
    snoozed_until       INTEGER,
    source_type         TEXT,
    source_subject      TEXT,
    source_body         TEXT,                   -- HTML as sent
    source_author_type  TEXT,
    source_author_id    TEXT,
    source_author_name  TEXT,
    source_author_email TEXT,
    contact_id          TEXT,                   -- first contact, for quick joins
    rating              INTEGER,
    parts_count         INTEGER NOT NULL DEFAULT 0,  -- parts stored locally
    parts_total         INTEGER,                -- conversation_parts.total_count last seen
    parts_truncated     INTEGER NOT NULL DEFAULT 0,  -- over Intercom's 500-part cap: older parts unreachable
    parts_updated_at    INTEGER,                -- the conversation updated_at whose parts are stored
    raw                 TEXT NOT NULL           -- conversation JSON without conversation_parts
);
CREATE INDEX conversations_updated ON conversations(updated_at);
CREATE INDEX conversations_created ON conversations(created_at);
CREATE INDEX conversations_state ON conversations(state, updated_at);
CREATE INDEX conversations_admin ON conversations(admin_assignee_id, updated_at);
CREATE INDEX conversations_team ON conversations(team_assignee_id, updated_at);
CREATE INDEX conversations_contact ON conversations(contact_id, updated_at);

CREATE TABLE conversation_contacts (
    conversation_id TEXT NOT NULL,
    contact_id      TEXT NOT NULL,
    PRIMARY KEY (conversation_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX conversation_contacts_contact ON conversation_contacts(contact_id);

CREATE TABLE conversation_tags (
    conversation_id TEXT NOT NULL,
    tag_id          TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX conversation_tags_tag ON conversation_tags(tag_id);

CREATE TABLE conversation_parts (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    part_type       TEXT NOT NULL,
    body            TEXT,                   -- HTML as sent, NULL for most events
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER,
    author_type     TEXT,
    author_id       TEXT,
    author_name     TEXT,
    author_email    TEXT,
    assigned_to_id  TEXT,
    state           TEXT,
    redacted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversation_parts_conv ON conversation_parts(conversation_id, created_at, id);

-- Full text over each conversation: subject + source body + every part body, HTML stripped.
-- rowid = conversations.pk.
CREATE VIRTUAL TABLE conversation_fts USING fts5(
    title, body, tokenize = 'porter unicode61 remove_diacritics 2'
);

-- One row per resource ('conversations', 'contacts', 'admins', 'teams', 'tags') and one 'overall' row.
-- This is the row the client library reads to decide between the cache (MCP) and the live REST API.
-- Times are Unix seconds.
CREATE TABLE sync_metadata (
    resource            TEXT PRIMARY KEY,
    status              TEXT NOT NULL DEFAULT 'never',  -- never | running | ok | error
    last_attempt_start  INTEGER,
    last_attempt_end    INTEGER,
    last_success        INTEGER,    -- end time of the last successful run
    last_error          TEXT,
    high_water_mark     INTEGER,    -- max updated_at fully committed
    coverage_start      INTEGER,    -- every object updated at or after this is in the cache ...
    coverage_end        INTEGER,    -- ... up to this moment (start of the last successful run)
    row_count           INTEGER NOT NULL DEFAULT 0,
    requests            INTEGER NOT NULL DEFAULT 0,  -- HTTP requests made by the last run
    rate_limited        INTEGER NOT NULL DEFAULT 0,  -- 429s seen by the last run
    duration_ms         INTEGER,
    last_reconcile      INTEGER,    -- last full id walk (deletion reconciliation)
    last_deleted_poll   INTEGER     -- last GET /conversations/deleted
);
