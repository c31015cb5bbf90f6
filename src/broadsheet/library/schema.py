"""The library file's schema and its version."""

from __future__ import annotations

# "BSht" — marks a SQLite file as a broadsheet library.
APPLICATION_ID = 0x42536874
SCHEMA_VERSION = 4

SCHEMA = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sources (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('feed', 'saved', 'bundled')),
    url           TEXT UNIQUE,
    title         TEXT NOT NULL DEFAULT '',
    site_url      TEXT,
    etag          TEXT,
    last_modified TEXT,
    last_checked  TEXT,
    last_success  TEXT,
    last_error    TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,  -- "not found" answers in a row
    gone          INTEGER NOT NULL DEFAULT 0,  -- 410, or 404 three times: no longer polled
    created       TEXT NOT NULL,
    content_hash  TEXT  -- of the last document stored: the same one is not parsed again
);

CREATE TABLE stories (
    id        INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    guid      TEXT NOT NULL,
    url       TEXT,
    title     TEXT NOT NULL DEFAULT '',
    author    TEXT NOT NULL DEFAULT '',
    published TEXT,
    fetched   TEXT NOT NULL,
    sort_ts   REAL NOT NULL,
    summary   TEXT NOT NULL DEFAULT '',
    content   TEXT NOT NULL DEFAULT '',
    document  TEXT,
    read      INTEGER NOT NULL DEFAULT 0,
    starred   INTEGER NOT NULL DEFAULT 0,
    note      TEXT NOT NULL DEFAULT '',
    UNIQUE (source_id, guid)
);
CREATE INDEX stories_by_time ON stories (sort_ts DESC, id DESC);
CREATE INDEX stories_by_source ON stories (source_id, sort_ts DESC);
-- Newest first with every filter column, and the same by id: searches that
-- filter on read/starred/source never read the wide rows.
CREATE INDEX stories_time_state ON stories (sort_ts DESC, id DESC, read, starred, source_id);
CREATE INDEX stories_id_state ON stories (id, sort_ts, read, starred, source_id);
-- The few stories with a note of their own (has:notes never reads the wide rows).
CREATE INDEX stories_with_note ON stories (id) WHERE note != '';

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
);

CREATE TABLE story_tags (
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    tag_id   INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (story_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX story_tags_by_tag ON story_tags (tag_id, story_id);

CREATE TABLE source_tags (
    source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    tag_id    INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (source_id, tag_id)
) WITHOUT ROWID;

CREATE TABLE annotations (
    id        INTEGER PRIMARY KEY,
    uuid      TEXT NOT NULL UNIQUE,
    story_id  INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    exact     TEXT NOT NULL,
    prefix    TEXT NOT NULL DEFAULT '',
    suffix    TEXT NOT NULL DEFAULT '',
    start     INTEGER NOT NULL,
    "end"     INTEGER NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    color     TEXT NOT NULL DEFAULT 'yellow',
    orphaned  INTEGER NOT NULL DEFAULT 0,
    created   TEXT NOT NULL,
    updated   TEXT NOT NULL
);
CREATE INDEX annotations_by_story ON annotations (story_id, start);

-- Where the reader was in a story when it was left (the paragraph under its
-- cursor), to open it there again; it goes when the story's text changes.
CREATE TABLE reading_positions (
    story_id INTEGER PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
    block    INTEGER NOT NULL,
    updated  TEXT NOT NULL
);

-- Words are searched as prefixes; the prefix indexes keep short ones
-- ("po", "pol") from walking every term that starts with them.
CREATE VIRTUAL TABLE story_fts USING fts5 (
    title, body, tags, notes,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
"""
