"""What the archive knows of each Telegram channel: how far its history is complete, and membership.

``complete_to``: every message id of the channel at or below it is in the archive or known to be
absent (deleted at the source, or a service message with no text). Message ids of a channel are
consecutive, so the ids above it that are not stored are exactly the holes still to read.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from .model import iso

SOURCE = "telegram"


@dataclass(frozen=True)
class ChannelState:
    channel: str
    ref: str | None
    username: str | None
    title: str | None
    member: bool | None
    complete_to: int | None
    absent: int


def channel_state(conn: sqlite3.Connection, channel: str) -> ChannelState | None:
    row = conn.execute("SELECT channel, ref, username, title, member, complete_to, absent FROM telegram_channels"
                       " WHERE channel = ?", (channel,)).fetchone()
    if row is None:
        return None
    return ChannelState(row[0], row[1], row[2], row[3], None if row[4] is None else bool(row[4]), row[5], row[6] or 0)


def channel_states(conn: sqlite3.Connection) -> dict[str, ChannelState]:
    """Every known channel, keyed by the reference it was configured with."""
    rows = conn.execute("SELECT channel, ref, username, title, member, complete_to, absent FROM telegram_channels")
    return {row[1]: ChannelState(row[0], row[1], row[2], row[3], None if row[4] is None else bool(row[4]), row[5],
                                 row[6] or 0) for row in rows}


def save_channel(conn: sqlite3.Connection, channel: str, ref: str, username: str | None, title: str | None,
                 member: bool, now: datetime) -> None:
    """Record a resolved channel (keeps how far its history is complete)."""
    conn.execute(
        "INSERT INTO telegram_channels (channel, ref, username, title, member, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (channel) DO UPDATE SET ref = excluded.ref, username = excluded.username,"
        " title = excluded.title, member = excluded.member, updated_at = excluded.updated_at",
        (channel, ref, username, title, int(member), iso(now)),
    )


def advance(conn: sqlite3.Connection, channel: str, complete_to: int, now: datetime) -> int:
    """Move ``complete_to`` up to ``complete_to`` (never down). Returns how many ids it passed that
    the archive does not hold (known absent), which are counted in ``absent``."""
    row = conn.execute("SELECT complete_to FROM telegram_channels WHERE channel = ?", (channel,)).fetchone()
    if row is None:
        return 0
    before = row[0]
    if before is not None and complete_to <= before:
        return 0
    absent = 0
    if before is not None:
        (stored,) = conn.execute(
            "SELECT count(*) FROM posts WHERE source = ? AND channel = ? AND message_id > ? AND message_id <= ?",
            (SOURCE, channel, before, complete_to)).fetchone()
        absent = complete_to - before - stored
    conn.execute("UPDATE telegram_channels SET complete_to = ?, absent = absent + ?, updated_at = ? WHERE channel = ?",
                 (complete_to, absent, iso(now), channel))
    return absent


def start_at(conn: sqlite3.Connection, channel: str, complete_to: int, now: datetime) -> None:
    """The first read of a channel: complete from ``complete_to`` on (older history is not wanted)."""
    conn.execute("UPDATE telegram_channels SET complete_to = ?, updated_at = ? WHERE channel = ? AND complete_to IS NULL",
                 (complete_to, iso(now), channel))


def stored_ids(conn: sqlite3.Connection, channel: str, above: int, up_to: int) -> set[int]:
    """Message ids of the channel the archive holds in (above, up_to]."""
    return {row[0] for row in conn.execute(
        "SELECT message_id FROM posts WHERE source = ? AND channel = ? AND message_id > ? AND message_id <= ?",
        (SOURCE, channel, above, up_to))}


def newest_id(conn: sqlite3.Connection, channel: str) -> int | None:
    (value,) = conn.execute("SELECT max(message_id) FROM posts WHERE source = ? AND channel = ?",
                            (SOURCE, channel)).fetchone()
    return value
