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
