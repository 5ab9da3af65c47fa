"""Reading stories: the list, one story's timeline, and matched posts and alerts per hour.

Shared by ``monitor stories`` / ``monitor story`` and the story board; rows are plain dicts
with the JSON columns decoded.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

_JSON_COLUMNS = ("channels", "languages", "regions", "places", "figures", "kinds")


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values)) for values in cursor.fetchall()]


# In a story's ``kinds`` column, how its claim is told («told:unconfirmed»), not an event kind
_TOLD = "told:"


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_COLUMNS:
        if key in row:
            row[key] = json.loads(row[key]) if row[key] else ([] if key != "figures" else {})
    if "kinds" in row:  # how the claim is told, apart from what happened
        row["unconfirmed"] = f"{_TOLD}unconfirmed" in row["kinds"]
        row["kinds"] = [k for k in row["kinds"] if not k.startswith(_TOLD)]
    return row


def latest_figures(figures: dict[str, list[int]]) -> str:
    """"31 injured, 5 killed": each figure's latest value."""
    return ", ".join(f"{values[-1]} {unit}" for unit, values in figures.items() if values)


def figure_changes(figures: dict[str, list[int]]) -> str:
    """"injured 5 -> 24 -> 31": the figures that changed, with every value in the order seen."""
    return "; ".join(f"{unit} {' -> '.join(str(v) for v in values)}" for unit, values in figures.items() if len(values) > 1)


def list_stories(conn: sqlite3.Connection, *, since: str | None = None, watchlist: str | None = None,
                 limit: int | None = 50) -> list[dict[str, Any]]:
    """Stories by their latest post, newest first, with their first post's channel, id and link."""
    where, params = [], []
    if since:
        where.append("s.last_seen >= ?")
        params.append(since)
    if watchlist:
        where.append("s.watchlist = ?")
        params.append(watchlist)
    sql = ("SELECT s.*, p.url AS first_url, coalesce(p.channel_username, p.channel_title, p.channel) AS first_channel,"
           " p.message_id AS first_message_id FROM stories s JOIN posts p ON p.id = s.first_post_id"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY s.last_seen DESC, s.id DESC")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = [_decode(row) for row in _rows(conn.execute(sql, params))]
    for row in rows:
        row["latest_figures"] = latest_figures(row["figures"])
        row["changed"] = figure_changes(row["figures"])
        row["first_post"] = f"{row['first_channel']}/{row['first_message_id']}"
    return rows


def get_story(conn: sqlite3.Connection, story_id: int) -> dict[str, Any] | None:
    rows = _rows(conn.execute("SELECT * FROM stories WHERE id = ?", (story_id,)))
    return _decode(rows[0]) if rows else None


def story_timeline(conn: sqlite3.Connection, story_id: int) -> list[dict[str, Any]]:
    """The story's posts in the order they were published, each with the decision taken and why."""
    return _rows(conn.execute(
        "SELECT sp.date, sp.decision, sp.reason, sp.similarity, p.id AS post_id, p.source, p.channel,"
        " coalesce(p.channel_username, p.channel_title, p.channel) AS channel_name, p.channel_title,"
        " p.channel_username, p.message_id, p.lang, p.url, p.text, p.translation, p.translation_lang"
        " FROM story_posts sp JOIN posts p ON p.id = sp.post_id WHERE sp.story_id = ? ORDER BY sp.date, p.id",
        (story_id,),
    ))


def hourly_activity(conn: sqlite3.Connection, since: str, until: str) -> dict[str, dict[str, dict[str, int]]]:
    """Per watchlist, matched posts and alerts per hour (UTC, "2024-08-06T05") between ``since`` and ``until``."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for watchlist, hour, count in conn.execute(
        "SELECT m.watchlist, substr(p.date, 1, 13), count(*) FROM post_matches m JOIN posts p ON p.id = m.post_id"
        " WHERE p.date >= ? AND p.date < ? GROUP BY 1, 2", (since, until),
    ):
        out.setdefault(watchlist, {"posts": {}, "alerts": {}})["posts"][hour] = count
    for watchlist, hour, count in conn.execute(
        "SELECT a.watchlist, substr(p.date, 1, 13), count(*) FROM alerts a JOIN posts p ON p.id = a.post_id"
        " WHERE p.date >= ? AND p.date < ? GROUP BY 1, 2", (since, until),
    ):
        out.setdefault(watchlist, {"posts": {}, "alerts": {}})["alerts"][hour] = count
    return out


def newest_match(conn: sqlite3.Connection) -> str | None:
    """The date of the newest post any watchlist matched."""
    row = conn.execute("SELECT max(p.date) FROM post_matches m JOIN posts p ON p.id = m.post_id").fetchone()
    return row[0] if row else None
