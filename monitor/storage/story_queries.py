"""Reads of the story tables for the CLI: the list of stories and one story's timeline."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

_JSON_COLUMNS = ("channels", "languages", "regions", "places", "figures", "kinds")


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values)) for values in cursor.fetchall()]


def list_stories(conn: sqlite3.Connection, *, since: str | None = None, watchlist: str | None = None,
                 limit: int = 50) -> list[dict[str, Any]]:
    """Stories seen since ``since`` (an archive time), latest first, each with its first post's
    channel, message id and URL (``first_channel``, ``first_message_id``, ``first_url``)."""
    where, params = [], []
    if since:
        where.append("s.last_seen >= ?")
        params.append(since)
    if watchlist:
        where.append("s.watchlist = ?")
        params.append(watchlist)
    rows = _rows(conn.execute(
        "SELECT s.*, p.url AS first_url, coalesce(p.channel_username, p.channel_title, p.channel) AS first_channel,"
        " p.message_id AS first_message_id FROM stories s JOIN posts p ON p.id = s.first_post_id"
        + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY s.last_seen DESC LIMIT ?",
        [*params, limit],
    ))
    for row in rows:
        for key in _JSON_COLUMNS:
            row[key] = json.loads(row[key])
    return rows


def story_head(conn: sqlite3.Connection, story_id: int) -> dict[str, Any] | None:
    """A story's watchlist, first_seen, sources, figures and places, or None."""
    rows = _rows(conn.execute("SELECT watchlist, first_seen, sources, figures, places FROM stories WHERE id = ?",
                              (story_id,)))
    if not rows:
        return None
    head = rows[0]
    head["figures"], head["places"] = json.loads(head["figures"]), json.loads(head["places"])
    return head


def story_timeline(conn: sqlite3.Connection, story_id: int) -> list[dict[str, Any]]:
    """The posts of a story in time order, each with the decision taken and its reason."""
    return _rows(conn.execute(
        "SELECT sp.date, coalesce(p.channel_username, p.channel_title, p.channel) AS channel, p.message_id, p.lang,"
        " sp.decision, sp.reason, sp.similarity, p.url, p.text FROM story_posts sp JOIN posts p ON p.id = sp.post_id"
        " WHERE sp.story_id = ? ORDER BY sp.date, p.id",
        (story_id,),
    ))
