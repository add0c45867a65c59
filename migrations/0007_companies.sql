-- Companies, segments, and the links between companies and contacts, tags and segments.

CREATE TABLE companies (
    id                  TEXT PRIMARY KEY,       -- Intercom's id
    company_id          TEXT,                   -- the workspace's own id for the company
    name                TEXT,
    plan                TEXT,                   -- plan.name
    size                INTEGER,
    website             TEXT,
    industry            TEXT,
    monthly_spend       REAL,
    session_count       INTEGER,
    user_count          INTEGER,
    created_at          INTEGER,
    updated_at          INTEGER NOT NULL,
    remote_created_at   INTEGER,
    last_request_at     INTEGER,
    custom_attributes   TEXT NOT NULL DEFAULT '{}',  -- JSON object
    raw                 TEXT NOT NULL
);
CREATE INDEX companies_name ON companies(name COLLATE NOCASE);
CREATE INDEX companies_company_id ON companies(company_id);
CREATE INDEX companies_plan ON companies(plan);
CREATE INDEX companies_updated ON companies(updated_at);

CREATE TABLE company_tags (
    company_id      TEXT NOT NULL,
    tag_id          TEXT NOT NULL,
    PRIMARY KEY (company_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX company_tags_tag ON company_tags(tag_id);

CREATE TABLE company_segments (
    company_id      TEXT NOT NULL,
    segment_id      TEXT NOT NULL,
    PRIMARY KEY (company_id, segment_id)
) WITHOUT ROWID;
CREATE INDEX company_segments_segment ON company_segments(segment_id);

-- From each contact's `companies` list (written with the contact; capped at 10 by Intercom, then only
-- added to, like contact_tags).
CREATE TABLE contact_companies (
    contact_id      TEXT NOT NULL,
    company_id      TEXT NOT NULL,
    PRIMARY KEY (contact_id, company_id)
) WITHOUT ROWID;
CREATE INDEX contact_companies_company ON contact_companies(company_id);

CREATE TABLE segments (
    id              TEXT PRIMARY KEY,
    name            TEXT,
    person_type     TEXT,                   -- contact | user
    created_at      INTEGER,
    updated_at      INTEGER,
    count           INTEGER,
    raw             TEXT NOT NULL
);
