"""Reads of the alert outbox, for `monitor alerts` and `monitor status`."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

STATUSES = ("pending", "sent", "failed")


def alerts_since(db: Database, *, since: str | None = None, status: str | None = None,
                 watchlist: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Alerts newest first, each with its post and a summary of its deliveries."""
    where, params = [], []
    if since:
        where.append("a.decided_at >= ?")
        params.append(since)
    if status:
        where.append("a.status = ?")
        params.append(status)
    if watchlist:
        where.append("a.watchlist = ?")
        params.append(watchlist)
    sql = (
        "SELECT a.id, a.decided_at, a.watchlist, a.kind, a.status, a.story_id, a.reason,"
        " p.source, p.channel, p.channel_username, p.message_id, p.url, p.date,"
        " (SELECT group_concat(d.recipient || ':' || d.status, ', ') FROM deliveries d WHERE d.alert_id = a.id) AS deliveries,"
        " (SELECT d.last_error FROM deliveries d WHERE d.alert_id = a.id AND d.last_error IS NOT NULL"
        "  ORDER BY d.id DESC LIMIT 1) AS last_error"
        " FROM alerts a LEFT JOIN posts p ON p.id = a.post_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY a.id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return list(db.query(sql, params))


def outbox_counts(db: Database) -> dict[str, int]:
    """Deliveries by status, plus alerts not yet expanded into deliveries."""
    counts = {row["status"]: row["n"] for row in db.query("SELECT status, count(*) AS n FROM deliveries GROUP BY status")}
    (unexpanded,) = db.execute(
        "SELECT count(*) FROM alerts WHERE status = 'pending' AND NOT EXISTS"
        " (SELECT 1 FROM deliveries d WHERE d.alert_id = alerts.id)"
    ).fetchone()
    counts["undelivered_alerts"] = unexpanded
    return counts
