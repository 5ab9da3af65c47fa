"""Reads behind ``monitor status`` and the metrics endpoint: source health, newest posts, mail backlog."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from typing import Any

from .engine import dialect


def _rows(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    if dialect(conn) == "postgresql":
        return conn.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0]
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def source_health(conn: sqlite3.Connection) -> dict[tuple[str, str], dict[str, Any]]:
    """Last success, last error and posts today per (source, channel)."""
    if not has_table(conn, "source_health"):
        return {}
    return {(r["source"], r["channel"]): r for r in _rows(conn, "SELECT * FROM source_health")}


def newest_post(conn: sqlite3.Connection, source: str, channel: str) -> tuple[str | None, str | None]:
    """(date of the newest post, when the last one was stored) of one channel."""
    row = conn.execute("SELECT max(date), max(ingested_at) FROM posts WHERE source = ? AND channel = ?",
                       (source, channel)).fetchone()
    return row[0], row[1]


def posts_by_source(conn: sqlite3.Connection) -> dict[str, int]:
    return {row[0]: row[1] for row in conn.execute("SELECT source, count(*) FROM posts GROUP BY source")}


def post_count(conn: sqlite3.Connection) -> int:
    (count,) = conn.execute("SELECT count(*) FROM posts").fetchone()
    return count


def alert_count(conn: sqlite3.Connection) -> int:
    (count,) = conn.execute("SELECT count(*) FROM alerts").fetchone()
    return count


def last_alert_id(conn: sqlite3.Connection) -> int:
    """The newest alert's id (alerts are only appended): the difference across a write is the alerts it decided."""
    (value,) = conn.execute("SELECT coalesce(max(id), 0) FROM alerts").fetchone()
    return value


def translation_error(conn: sqlite3.Connection) -> str | None:
    """The translator's last error, if it came after its last success."""
    if not has_table(conn, "translation_state"):
        return None
    state = conn.execute("SELECT backend, last_error, last_error_at, last_success_at FROM translation_state"
                         " ORDER BY coalesce(last_error_at, '') DESC LIMIT 1").fetchone()
    if state and state[1] and (not state[3] or state[2] > state[3]):
        return f"{state[0]}: {state[1]}"
    return None


@dataclass(frozen=True)
class MailBacklog:
    waiting: int  # deliveries pending or being sent (digests waiting for their time excluded)
    oldest: str | None  # created_at of the oldest of them
    retrying: int  # of them, how many have failed at least once
    last_error: str | None  # the newest error among them
    failed: int


def mail_backlog(conn: sqlite3.Connection) -> MailBacklog:
    row = conn.execute("SELECT count(*), min(created_at), count(last_error) FROM deliveries"
                       " WHERE status IN ('pending', 'sending')").fetchone()
    digests = conn.execute("SELECT count(*), min(created_at), count(last_error) FROM digests"
                           " WHERE status IN ('pending', 'sending')").fetchone()
    error = conn.execute("SELECT last_error FROM (SELECT last_error, id FROM deliveries WHERE status IN"
                         " ('pending', 'sending') AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS latest").fetchone()
    (failed,) = conn.execute("SELECT count(*) FROM deliveries WHERE status = 'failed'").fetchone()
    (failed_digests,) = conn.execute("SELECT count(*) FROM digests WHERE status = 'failed'").fetchone()
    oldest = min((t for t in (row[1], digests[1]) if t), default=None)
    return MailBacklog(row[0] + digests[0], oldest, row[2] + digests[2], error[0] if error else None,
                       failed + failed_digests)


def archive_bytes(path: str | os.PathLike) -> int:
    return sum(os.path.getsize(p) for p in (str(path), f"{path}-wal") if os.path.exists(p))
