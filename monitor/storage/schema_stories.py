"""Stories (one claim about one event, per watchlist), their posts, the keys that find them, and the
sentence vectors of matched posts."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("stories")

STORY_TABLES = """
CREATE TABLE IF NOT EXISTS {p}stories (
    id INTEGER PRIMARY KEY,
    watchlist TEXT NOT NULL,
    first_post_id INTEGER NOT NULL,
    first_seen TEXT NOT NULL,         -- date of the first post (UTC)
    last_seen TEXT NOT NULL,          -- date of the latest post
    posts INTEGER NOT NULL DEFAULT 1,
    sources INTEGER NOT NULL DEFAULT 1, -- distinct channels carrying it
    channels TEXT NOT NULL,           -- JSON list of source:channel
    languages TEXT NOT NULL,          -- JSON list
    regions TEXT NOT NULL,            -- JSON list of ISO 3166-2 codes
    places TEXT NOT NULL,             -- JSON list of gazetteer ids
    figures TEXT NOT NULL,            -- JSON object: unit -> values in the order seen
    kinds TEXT NOT NULL,              -- JSON list of event kinds
    title TEXT,
    actors TEXT NOT NULL DEFAULT '[]', -- JSON list of the speakers its posts name
    day TEXT                          -- the day its claim names, as "2024-11-20 night" (claims.When)
);
CREATE INDEX IF NOT EXISTS {p}stories_watchlist_last ON stories (watchlist, last_seen);
CREATE TABLE IF NOT EXISTS {p}story_posts (
    story_id INTEGER NOT NULL,
    post_id INTEGER NOT NULL,
    watchlist TEXT NOT NULL,
    decision TEXT NOT NULL,           -- new | update | repeat
    reason TEXT NOT NULL,
    similarity REAL,
    date TEXT NOT NULL,
    signature BLOB,
    PRIMARY KEY (watchlist, post_id)
);
CREATE INDEX IF NOT EXISTS {p}story_posts_story ON story_posts (story_id, date);
CREATE INDEX IF NOT EXISTS {p}story_posts_date ON story_posts (date);
CREATE TABLE IF NOT EXISTS {p}story_keys (
    watchlist TEXT NOT NULL,
    key INTEGER NOT NULL,             -- a place / region and event kind / figure unit key
    story_id INTEGER NOT NULL,
    post_id INTEGER NOT NULL,         -- 0: a claim key is kept once per story
    date TEXT NOT NULL,               -- the latest post of the story carrying it
    PRIMARY KEY (watchlist, key, story_id, post_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS {p}story_keys_lookup ON story_keys (watchlist, key, date);
CREATE TABLE IF NOT EXISTS {p}story_bands (
    watchlist TEXT NOT NULL,
    band INTEGER NOT NULL,            -- an LSH band key of the post's signature (claims.band_keys)
    date TEXT NOT NULL,               -- the post's date
    post_id INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    PRIMARY KEY (watchlist, band, date, post_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS {p}story_bands_post ON story_bands (watchlist, post_id);
CREATE TABLE IF NOT EXISTS {p}post_vectors (
    post_id INTEGER PRIMARY KEY,      -- a post that matched a watchlist
    vector BLOB NOT NULL              -- its sentence vector (stories.meaning), float16
);
"""
# Without a rowid, the lookup index carries the primary key's columns: a lookup by key reads
# story and post from the index alone, and an insert writes two b-trees, not three.


def create_story_tables(conn, schema: str = "main") -> None:
    """The story tables in ``schema`` (``main``, or an attached scratch database for replay)."""
    if getattr(conn, "dialect", "sqlite") == "postgresql":  # replay's scratch tables: temporary ones there
        conn.create_scratch_tables(["stories", "story_posts", "story_keys", "story_bands", "post_vectors"])
        return
    prefix = f"{schema}."
    for statement in STORY_TABLES.format(p=prefix).split(";"):
        if statement.strip():
            conn.execute(statement)


@migrations()
def m001_stories(db: Database) -> None:
    create_story_tables(db.conn)


def _keys_without_rowid(db: Database) -> bool:
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'story_keys'").fetchone()[0]
    return "WITHOUT ROWID" in sql.upper()


@migrations()
def m002_story_keys_unique(db: Database) -> None:
    """Claim keys (places, figure units, region and event kind) are kept once per story, not per post."""
    if _keys_without_rowid(db):
        return  # made by m001 as it is now: unique by its primary key
    db.execute("DELETE FROM story_keys WHERE rowid NOT IN"
               " (SELECT min(rowid) FROM story_keys GROUP BY watchlist, key, story_id, post_id)")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS story_keys_unique ON story_keys (watchlist, key, story_id, post_id)")


@migrations()
def m003_story_keys_without_rowid(db: Database) -> None:
    """story_keys becomes a WITHOUT ROWID table keyed by its unique columns (see STORY_TABLES)."""
    if _keys_without_rowid(db):
        return
    db.execute("ALTER TABLE story_keys RENAME TO story_keys_old")
    db.execute("DROP INDEX IF EXISTS story_keys_lookup")
    db.execute("DROP INDEX IF EXISTS story_keys_unique")
    create_story_tables(db.conn)
    db.execute("INSERT OR IGNORE INTO story_keys (watchlist, key, story_id, post_id, date)"
               " SELECT watchlist, key, story_id, post_id, date FROM story_keys_old")
    db.execute("DROP TABLE story_keys_old")


@migrations()
def m004_bands_from_signatures(db: Database) -> None:
    """Near-duplicates are found from the signatures in story_posts (band keys computed in memory,
    ``monitor.stories.window``): the band rows of story_keys go, story_posts gets a date index,
    and story_state holds the generation stamp of the detector's memory (dropped by m005)."""
    db.execute("DELETE FROM story_keys WHERE post_id != 0")
    create_story_tables(db.conn)


@migrations()
def m005_band_table(db: Database) -> None:
    """Near-duplicates are looked up in story_bands, indexed on (watchlist, band, date), filled here
    from the signatures in story_posts; the generation stamp of the detector's memory goes."""
    from monitor.stories.claims import band_keys, from_blob

    create_story_tables(db.conn)
    rows = db.execute("SELECT watchlist, post_id, story_id, date, signature FROM story_posts"
                      " WHERE signature IS NOT NULL").fetchall()
    db.conn.executemany(
        "INSERT OR IGNORE INTO story_bands (watchlist, band, date, post_id, story_id) VALUES (?, ?, ?, ?, ?)",
        [(watchlist, band, date, post_id, story_id) for watchlist, post_id, story_id, date, blob in rows
         for band in dict.fromkeys(band_keys(from_blob(blob)))])
    db.execute("DROP TABLE IF EXISTS story_state")
    db.execute("CREATE INDEX IF NOT EXISTS posts_username_message ON posts (lower(channel_username), message_id)")


@migrations()
def m006_claim_frame(db: Database) -> None:
    """Stories keep the speakers their posts name; matched posts keep their sentence vectors."""
    if "actors" not in db["stories"].columns_dict:
        db.execute("ALTER TABLE stories ADD COLUMN actors TEXT NOT NULL DEFAULT '[]'")
    create_story_tables(db.conn)


@migrations()
def m007_story_day(db: Database) -> None:
    """Stories keep the day (and part of day) their claim names: nightly counts of consecutive days
    are different claims."""
    if "day" not in db["stories"].columns_dict:
        db.execute("ALTER TABLE stories ADD COLUMN day TEXT")
