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


@migrations()
def m002_deliveries(db: Database) -> None:
    """One row per (alert, recipient): the outbox the delivery worker drains."""
    db["deliveries"].create(
        {
            "id": int,
            "alert_id": int,
            "recipient": str,
            "mode": str,  # "instant" | "digest"
            "status": str,  # "pending" | "sending" | "sent" | "failed" | "digest" (waiting for the next digest) | "in_digest"
            "attempts": int,
            "generation": int,  # raised by "monitor alerts resend": a new copy, not a retry
            "next_attempt_at": str,
            "last_error": str,
            "message_id": str,
            "digest_id": int,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"alert_id", "recipient", "status", "created_at"},
        defaults={"attempts": 0, "generation": 0},
        foreign_keys=[("alert_id", "alerts", "id")],
    )
    db["deliveries"].create_index(["alert_id", "recipient"], unique=True, index_name="deliveries_alert_recipient")
    db["deliveries"].create_index(["status", "next_attempt_at"], index_name="deliveries_due")
    db["deliveries"].create_index(["recipient", "sent_at"], index_name="deliveries_recipient_sent")
    db["digests"].create(
        {
            "id": int,
            "recipient": str,
            "period_start": str,
            "period_end": str,
            "status": str,  # "pending" | "sending" | "sent" | "failed"
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "message_id": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"recipient", "status", "created_at"},
        defaults={"attempts": 0},
    )
    db["alerts"].add_column("settled_at", str)


@migrations()
def m003_alerts_per_revision(db: Database) -> None:
    """An edit that changes a claim's figures is alerted again: one alert per (watchlist, post, revision)."""
    db["alerts"].add_column("revision", int, not_null_default=0)
    db.execute("DROP INDEX IF EXISTS alerts_watchlist_post")
    db["alerts"].create_index(["watchlist", "post_id", "revision"], unique=True, index_name="alerts_watchlist_post_revision")


@migrations()
def m004_rate_index(db: Database) -> None:
    """The per-recipient rate limit counts recent deliveries through an index, whatever the outbox's size."""
    db["deliveries"].create_index(["recipient", "created_at"], index_name="deliveries_recipient_created",
                                  if_not_exists=True)


@migrations()
def m005_delivery_owner(db: Database) -> None:
    """A mail being sent names the process sending it and until when its claim holds: recovery puts
    back only the mails whose sender is gone, never one another process is sending right now."""
    for table in ("deliveries", "digests"):
        db[table].add_column("owner", str)
        db[table].add_column("lease_until", str)
