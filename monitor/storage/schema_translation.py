"""Translation: the cache, the daily budget and the backends' health."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("translation")


@migrations()
def m001_translation(db: Database) -> None:
    db["translation_cache"].create(
        {"key": str, "backend": str, "source": str, "target": str, "translation": str, "created_at": str},
        pk="key",
    )
    db["translation_usage"].create({"day": str, "backend": str, "characters": int}, pk=("day", "backend"))
    db["translation_state"].create(
        {
            "backend": str,
            "backoff_until": str,
            "backoff_seconds": float,
            "last_error": str,
            "last_error_at": str,
            "last_success_at": str,
        },
        pk="backend",
    )
    db["posts"].create_index(["translation_status"], index_name="posts_translation_status")


@migrations()
def m002_pending_index(db: Database) -> None:
    """Only the posts waiting for a translation are indexed, in the order they are taken:
    an index over every post's status cost each insert more than it saved."""
    db.executescript(
        """
        DROP INDEX IF EXISTS posts_translation_status;
        CREATE INDEX IF NOT EXISTS posts_translation_pending ON posts (date, id) WHERE translation_status = 'pending';
        """
    )


@migrations()
def m003_unsupported_languages(db: Database) -> None:
    """Languages a backend cannot translate, recorded once: their posts are marked 'unsupported', not retried."""
    db["translation_unsupported"].create(
        {"backend": str, "source": str, "target": str, "reason": str, "at": str},
        pk=("backend", "source", "target"),
    )
