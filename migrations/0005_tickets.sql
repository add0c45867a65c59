-- Tickets, their parts, types and states. Ids are TEXT like everywhere; unassigned (Intercom: 0) is NULL.
-- `tickets.id` is the API id (what GET /tickets/{id} takes); `ticket_id` is the number the inbox shows.

CREATE TABLE ticket_types (
    id              TEXT PRIMARY KEY,
    name            TEXT,
    category        TEXT,                   -- Customer | Back-office | Tracker
    description     TEXT,
    archived        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER,
    updated_at      INTEGER,
    raw             TEXT NOT NULL
);

CREATE TABLE ticket_states (
    id              TEXT PRIMARY KEY,
    category        TEXT,                   -- submitted | in_progress | waiting_on_customer | resolved
    internal_label  TEXT,
    external_label  TEXT,
    archived        INTEGER NOT NULL DEFAULT 0,
    raw             TEXT NOT NULL           -- without the ticket_types list it carries
);

CREATE TABLE tickets (
    pk                  INTEGER PRIMARY KEY,    -- stable rowid, shared with ticket_fts
    id                  TEXT NOT NULL UNIQUE,   -- API id
    ticket_id           TEXT,                   -- inbox-visible number
    title               TEXT,
    description         TEXT,
    category            TEXT,                   -- Customer | Back-office | Tracker
    ticket_type_id      TEXT,
    ticket_type_name    TEXT,
    ticket_state_id     TEXT,
    state_category      TEXT,                   -- submitted | in_progress | waiting_on_customer | resolved
    state_label         TEXT,                   -- the state's internal label
    open                INTEGER NOT NULL,
    admin_assignee_id   TEXT,
    team_assignee_id    TEXT,
    contact_id          TEXT,                   -- first contact, for quick joins
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    snoozed_until       INTEGER,
    is_shared           INTEGER NOT NULL DEFAULT 0,
    previous_ticket_state_id TEXT,
    parts_count         INTEGER NOT NULL DEFAULT 0,  -- parts stored locally
    parts_total         INTEGER,                -- ticket_parts.total_count last seen
    parts_truncated     INTEGER NOT NULL DEFAULT 0,  -- over Intercom's 500-part cap
    raw                 TEXT NOT NULL           -- ticket JSON without ticket_parts
);
CREATE INDEX tickets_updated ON tickets(updated_at);
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_state ON tickets(state_category, updated_at);
CREATE INDEX tickets_category ON tickets(category, updated_at);
CREATE INDEX tickets_type ON tickets(ticket_type_id, updated_at);
CREATE INDEX tickets_admin ON tickets(admin_assignee_id, updated_at);
CREATE INDEX tickets_team ON tickets(team_assignee_id, updated_at);
CREATE INDEX tickets_contact ON tickets(contact_id, updated_at);
CREATE INDEX tickets_inbox_id ON tickets(ticket_id);

CREATE TABLE ticket_contacts (
    ticket_id       TEXT NOT NULL,
    contact_id      TEXT NOT NULL,
    PRIMARY KEY (ticket_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX ticket_contacts_contact ON ticket_contacts(contact_id);

-- linked_objects: conversations (and other tickets) a ticket is linked to.
CREATE TABLE ticket_links (
    ticket_id       TEXT NOT NULL,
    object_type     TEXT NOT NULL,          -- conversation | ticket
    object_id       TEXT NOT NULL,
    PRIMARY KEY (ticket_id, object_type, object_id)
) WITHOUT ROWID;
CREATE INDEX ticket_links_object ON ticket_links(object_type, object_id);

CREATE TABLE ticket_parts (
    id              TEXT PRIMARY KEY,
    ticket_id       TEXT NOT NULL,          -- tickets.id
    part_type       TEXT NOT NULL,
    body            TEXT,                   -- HTML as sent
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER,
    author_type     TEXT,
    author_id       TEXT,
    author_name     TEXT,
    author_email    TEXT,
    assigned_to_id  TEXT,
    ticket_state    TEXT,                   -- state category after this part
    previous_ticket_state TEXT,
    redacted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ticket_parts_ticket ON ticket_parts(ticket_id, created_at, id);

-- Full text over each ticket: title, then description and every part body, HTML stripped.
-- rowid = tickets.pk.
CREATE VIRTUAL TABLE ticket_fts USING fts5(
    title, body, tokenize = 'porter unicode61 remove_diacritics 2'
);
