"""Forward migrations of the library file, each after a backup copy.

A library written by an older broadsheet is brought up to the current schema
when it is opened.  Before the first change, the whole file is copied (with
SQLite's online backup, so the copy is consistent) to
``<name>.schema-<old>.bak`` beside it; the migration itself is one
transaction, so a crash leaves either the old schema or the new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

# version -> SQL that brings a library from that version to the next.
STEPS: dict[int, str] = {
    1: """
    CREATE TABLE source_tags (
        source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
        tag_id    INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
        PRIMARY KEY (source_id, tag_id)
    ) WITHOUT ROWID;
    ALTER TABLE stories ADD COLUMN note TEXT NOT NULL DEFAULT '';
    ALTER TABLE sources ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sources ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX IF NOT EXISTS stories_time_state
        ON stories (sort_ts DESC, id DESC, read, starred, source_id);
    CREATE INDEX IF NOT EXISTS stories_id_state
        ON stories (id, sort_ts, read, starred, source_id);
    """,
    # The search index gains prefix indexes (an FTS5 table's options cannot
    # change, so it is built again from its own rows); feeds remember the
    # hash of the last document stored; stories with a note get an index.
    2: """
    ALTER TABLE sources ADD COLUMN content_hash TEXT;
    CREATE INDEX IF NOT EXISTS stories_with_note ON stories (id) WHERE note != '';
    ALTER TABLE story_fts RENAME TO story_fts_v2;
    CREATE VIRTUAL TABLE story_fts USING fts5 (
        title, body, tags, notes,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
    );
    INSERT INTO story_fts (rowid, title, body, tags, notes)
        SELECT rowid, title, body, tags, notes FROM story_fts_v2;
    DROP TABLE story_fts_v2;
    """,
    # Stories remember where the reader left them.
    3: """
    CREATE TABLE IF NOT EXISTS reading_positions (
        story_id INTEGER PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
        block    INTEGER NOT NULL,
        updated  TEXT NOT NULL
    );
    """,
}


def backup_path(path: Path, version: int) -> Path:
    return path.with_name(f"{path.name}.schema-{version}.bak")


def migrate(db: sqlite3.Connection, path: Path, current: int, target: int,
            progress: Callable[[str], None] | None = None) -> Path | None:
    """Run every step from ``current`` to ``target``; returns the backup's path."""
    if current >= target:
        return None
    backup = backup_path(path, current)
    if progress:
        progress(f"Upgrading {path.name} from schema {current} to {target}; "
                 f"the old file is kept as {backup.name}")
    copy = sqlite3.connect(backup)
    try:
        db.backup(copy)
    finally:
        copy.close()
    script = "BEGIN IMMEDIATE;"
    for version in range(current, target):
        script += STEPS[version]
    script += f"PRAGMA user_version = {target};"
    script += f"UPDATE meta SET value = '{target}' WHERE key = 'schema_version';"
    script += "COMMIT;"
    try:
        db.executescript(script)
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return backup
