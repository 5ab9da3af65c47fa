"""Per-source state (HTTP validators) and health (last success, last error, posts today)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("sources")


@migrations()
def m001_sources(db: Database) -> None:
    db["source_state"].create({"source": str, "channel": str, "etag": str, "last_modified": str},
                              pk=("source", "channel"))
    db["source_health"].create(
        {"source": str, "channel": str, "last_success": str, "last_error": str, "last_error_at": str,
         "posts_today": int, "day": str},
        pk=("source", "channel"),
    )


@migrations()
def m002_telegram_channels(db: Database) -> None:
    """Per Telegram channel: up to which message id the archive is complete (every id at or below
    ``complete_to`` is stored or known absent: deleted, or a service message), and membership."""
    db["telegram_channels"].create(
        {"channel": str, "ref": str, "username": str, "title": str, "member": int, "complete_to": int,
         "absent": int, "updated_at": str},
        pk="channel", defaults={"absent": 0},
    )
    db["telegram_channels"].create_index(["ref"], index_name="telegram_channels_ref")
