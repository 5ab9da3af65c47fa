"""Nodes: several daemons on one (PostgreSQL) archive, each with its own sources.

Each daemon is a node named by ``[node] name`` (default: the host name). It writes a heartbeat into
the ``nodes`` table when it starts and every ``HEARTBEAT_SECONDS``; ``monitor status`` lists every
node with its last heartbeat. What nodes share is decided in the archive itself: a post is stored
once (its key), story decisions are serialised per watchlist by an advisory lock (``STORIES_LOCK``
and the watchlist's name) held until the deciding transaction commits, and a mail is claimed by one node at a time (``FOR UPDATE SKIP
LOCKED`` and a lease, ``mail.outbox``).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .storage import Archive, iso, parse_iso

HEARTBEAT_SECONDS = 30
STORIES_LOCK = 7_201_003  # advisory lock class: one node decides a watchlist's stories at a time


def node_name(config: Any) -> str:
    node = getattr(config, "node", None)
    return (node.name if node is not None and node.name else "") or socket.gethostname() or "localhost"


def heartbeat(archive: Archive, name: str, sources: list[str], now: datetime, started_at: datetime) -> None:
    """Record that node ``name`` is alive now, following ``sources``."""
    with archive.transaction() as conn:
        conn.execute(
            "INSERT INTO nodes (name, host, pid, started_at, heartbeat_at, sources) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid,"
            " started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, sources = excluded.sources",
            (name, socket.gethostname(), os.getpid(), iso(started_at), iso(now), json.dumps(sorted(sources))),
        )


def lock_story_decisions(archive: Archive, watchlists: Iterable[str]) -> None:
    """Inside the deciding transaction: wait until no other node is deciding the stories of these
    watchlists (PostgreSQL; on SQLite the write transaction already excludes every other writer).

    A watchlist's decisions read and write its own stories alone, so watchlists are locked apart;
    in sorted order, so two batches never wait for each other in a circle (a deadlock)."""
    if archive.dialect == "postgresql":
        for name in sorted(set(watchlists)):  # a hash collision only serialises two watchlists together
            archive.conn.execute("SELECT pg_advisory_xact_lock(?::integer, hashtext(?))", (STORIES_LOCK, name))


def nodes_report(archive: Archive, now: datetime) -> list[dict[str, Any]]:
    """Every node that ever ran on this archive, with its last heartbeat and how long ago it was."""
    cursor = archive.conn.execute("SELECT name, host, pid, started_at, heartbeat_at, sources FROM nodes ORDER BY name")
    rows = []
    for name, host, pid, started_at, heartbeat_at, sources in cursor.fetchall():
        seen = parse_iso(heartbeat_at)
        age = (now - seen).total_seconds() if seen else None
        rows.append({"name": name, "host": host, "pid": pid, "started_at": started_at, "heartbeat_at": heartbeat_at,
                     "heartbeat_age_seconds": round(age) if age is not None else None,
                     "alive": age is not None and age <= 3 * HEARTBEAT_SECONDS,
                     "sources": json.loads(sources or "[]")})
    return rows
