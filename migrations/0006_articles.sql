-- Help Center articles. `article_contents` holds one row per article and locale (the default locale's
-- text, then each translation); `article_fts` indexes those rows (rowid = article_contents.pk), so a
-- search can filter by locale and state.

CREATE TABLE articles (
    id              TEXT PRIMARY KEY,
    title           TEXT,
    description     TEXT,
    body            TEXT,                   -- HTML as sent (default locale)
    state           TEXT,                   -- published | draft
    author_id       TEXT,
    default_locale  TEXT,
    url             TEXT,
    parent_ids      TEXT NOT NULL DEFAULT '[]',  -- JSON array of collection/section ids
    created_at      INTEGER,
    updated_at      INTEGER NOT NULL,
    raw             TEXT NOT NULL
);
CREATE INDEX articles_updated ON articles(updated_at);
CREATE INDEX articles_state ON articles(state, updated_at);

CREATE TABLE article_contents (
    pk              INTEGER PRIMARY KEY,    -- shared with article_fts
    article_id      TEXT NOT NULL,
    locale          TEXT NOT NULL,
    title           TEXT,
    description     TEXT,
    body            TEXT,                   -- HTML as sent
    state           TEXT,
    url             TEXT,
    updated_at      INTEGER,
    UNIQUE (article_id, locale)
);
CREATE INDEX article_contents_locale ON article_contents(locale, state);

CREATE VIRTUAL TABLE article_fts USING fts5(
    title, body, tokenize = 'porter unicode61 remove_diacritics 2'
);
