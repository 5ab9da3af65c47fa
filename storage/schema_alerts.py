"""The alert outbox: one row per decided alert, written in the decision's transaction."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("alerts")


@migrations()
def m001_alerts(db: Database) -> None:
    db["alerts"].create(
        {
            "id": int,
            "watchlist": str,
            "kind": str,  # "new" | "update"
            "story_id": int,
            "post_id": int,
            "reason": str,  # plain words: why this alert was raised
            "changes": str,  # JSON: {"figures": [...], "places": [...]} for updates
            "decided_at": str,
            "status": str,  # "pending" until the delivery worker settles it
        },
        pk="id",
        not_null={"watchlist", "kind", "post_id", "decided_at", "status"},
        defaults={"status": "pending"},
    )
    db["alerts"].create_index(["watchlist", "post_id"], unique=True, index_name="alerts_watchlist_post")
    db["alerts"].create_index(["status"], index_name="alerts_status")
