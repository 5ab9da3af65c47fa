"""Schema of the archive, as an ordered list of migrations.

Every archive is upgraded in place when it is opened (``Archive.__init__``).
A migration is never edited once released: change the schema by adding one.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("monitor")


def all_sets() -> list[Migrations]:
    """Every migration set, applied in this order when an archive is opened.

    The core set (this module) comes first; each capability keeps its tables in
    a set of its own, in ``storage/schema_<capability>.py``.
    """
    sets = [migrations]
    for module in _CAPABILITY_SETS:
        sets.append(__import__(f"monitor.storage.{module}", fromlist=["migrations"]).migrations)
    return sets


# Modules of storage/ holding a capability's migration set, in order.
_CAPABILITY_SETS: list[str] = ["schema_alerts", "schema_translation", "schema_matching", "schema_stories", "schema_sources",
                               "schema_nodes"]


@migrations()
def m001_posts(db: Database) -> None:
    db["posts"].create(
        {
            "id": int,
            "source": str,
            "channel": str,
            "message_id": int,
            "channel_id": int,
            "channel_username": str,
            "channel_title": str,
            "date": str,
            "edit_date": str,
            "text": str,
            "entities": str,
            "fwd_from_name": str,
            "fwd_from_channel": str,
            "fwd_from_id": int,
            "reply_to": int,
            "views": int,
            "media_kind": str,
            "grouped_id": int,
            "url": str,
            "lang": str,
            "lang_confidence": float,
            "translation": str,
            "ingested_at": str,
        },
        pk="id",
        not_null={"source", "channel", "message_id"},
    )
    db["posts"].create_index(["source", "channel", "message_id"], unique=True, index_name="posts_key")
    db["posts"].create_index(["date"], index_name="posts_date")
    db["post_revisions"].create(
        {"id": int, "post_id": int, "text": str, "entities": str, "edit_date": str, "recorded_at": str},
        pk="id",
        foreign_keys=[("post_id", "posts", "id")],
    )
    db["post_revisions"].create_index(["post_id"], index_name="post_revisions_post")
    db["posts"].enable_fts(["text", "translation"], fts_version="FTS5", create_triggers=True)


@migrations()
def m002_post_state(db: Database) -> None:
    """Deletions, feed entry ids, translation state and update times."""
    posts = db["posts"]
    posts.add_column("deleted", int, not_null_default=0)
    posts.add_column("external_id", str)
    posts.add_column("translation_lang", str)
    posts.add_column("translation_status", str)
    posts.add_column("updated_at", str)
    posts.create_index(["channel", "date"], index_name="posts_channel_date")


@migrations()
def m003_lighter_updates(db: Database) -> None:
    """The full-text index is rewritten only when text or translation change, not when
    views, deletion or translation state do."""
    db.executescript(
        """
        DROP TRIGGER IF EXISTS posts_au;
        CREATE TRIGGER posts_au AFTER UPDATE OF text, translation ON posts BEGIN
          INSERT INTO posts_fts (posts_fts, rowid, text, translation) VALUES ('delete', old.rowid, old.text, old.translation);
          INSERT INTO posts_fts (rowid, text, translation) VALUES (new.rowid, new.text, new.translation);
        END;
        """
    )


@migrations()
def m004_drop_channel_date_index(db: Database) -> None:
    """No query reads ``posts (channel, date)`` (a source's latest post is found through the key),
    and keeping it up to date slowed every insert."""
    db.execute("DROP INDEX IF EXISTS posts_channel_date")
