"""Source health for ``monitor status``, and the two kinds of source failure."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.storage import Archive, iso


class TransientSourceError(Exception):
    """Worth retrying later (network, 5xx, 429). ``retry_after``: seconds the server asked for."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSourceError(Exception):
    """Will not fix itself (404, 410, a channel without a public preview): reported, not retried."""


def record_success(archive: Archive, source: str, channel: str, posts: int, now: datetime) -> None:
    day = now.date().isoformat()
    with archive.transaction() as conn:
        conn.execute(
            "INSERT INTO source_health (source, channel, last_success, posts_today, day) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (source, channel) DO UPDATE SET last_success = excluded.last_success,"
            " posts_today = CASE WHEN source_health.day = excluded.day THEN coalesce(source_health.posts_today, 0)"
            " + excluded.posts_today ELSE excluded.posts_today END, day = excluded.day",
            (source, channel, iso(now), posts, day),
        )


def record_error(archive: Archive, source: str, channel: str, message: str, now: datetime) -> None:
    with archive.transaction() as conn:
        conn.execute(
            "INSERT INTO source_health (source, channel, last_error, last_error_at, posts_today, day)"
            " VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (source, channel) DO UPDATE SET last_error = excluded.last_error,"
            " last_error_at = excluded.last_error_at",
            (source, channel, message, iso(now), now.date().isoformat()),
        )


def record_partial(archive: Archive, source: str, channel: str, posts: int, message: str, now: datetime) -> None:
    """A poll that stored ``posts`` but had to skip items: counted, and the skip is the source's last error
    (``last_success`` stays the last poll that read everything, so status shows the source unhealthy)."""
    day = now.date().isoformat()
    with archive.transaction() as conn:
        conn.execute(
            "INSERT INTO source_health (source, channel, last_error, last_error_at, posts_today, day)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, channel) DO UPDATE SET last_error = excluded.last_error,"
            " last_error_at = excluded.last_error_at,"
            " posts_today = CASE WHEN source_health.day = excluded.day THEN coalesce(source_health.posts_today, 0)"
            " + excluded.posts_today ELSE excluded.posts_today END, day = excluded.day",
            (source, channel, message, iso(now), posts, day),
        )


MIN_FREE_BYTES = 64 * 1024 * 1024  # less free space beside the archive than this is reported


def archive_problems(path: str | os.PathLike, *, min_free: int = MIN_FREE_BYTES) -> list[str]:
    """What stops the archive taking new posts, whatever the sources say: a read-only file or file
    system, a (nearly) full disk. One line each, for ``monitor status``."""
    path = Path(path)
    problems = []
    try:
        fs = os.statvfs(path.parent)
    except OSError as exc:
        return [f"archive {path}: cannot inspect its folder: {exc.strerror or exc}"]
    if fs.f_flag & os.ST_RDONLY:
        problems.append(f"archive {path}: the file system is mounted read-only; no post can be stored")
    elif not os.access(path if path.exists() else path.parent, os.W_OK):
        problems.append(f"archive {path}: not writable by this user; no post can be stored")
    free = fs.f_bavail * fs.f_frsize
    if not fs.f_flag & os.ST_RDONLY and free < min_free:
        problems.append(f"archive {path}: only {free / 1e6:.1f} MB free on its disk (database or disk is full soon);"
                        " free space or move storage.path")
    return problems


def health_rows(archive: Archive) -> list[dict[str, Any]]:
    return list(archive.db.query("SELECT * FROM source_health ORDER BY source, channel"))


def get_state(archive: Archive, source: str, channel: str) -> tuple[str | None, str | None]:
    row = archive.conn.execute("SELECT etag, last_modified FROM source_state WHERE source = ? AND channel = ?",
                               (source, channel)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def set_state(archive: Archive, source: str, channel: str, etag: str | None, last_modified: str | None) -> None:
    with archive.transaction() as conn:
        conn.execute(
            "INSERT INTO source_state (source, channel, etag, last_modified) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (source, channel) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified",
            (source, channel, etag, last_modified),
        )
