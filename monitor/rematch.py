"""Watchlists that say what they do: a one-line description, and matching stored posts again.

``describe(watchlist)`` is what ``monitor check`` prints. The archive keeps, per watchlist, the
definition its stored matches were made with (``watchlist_versions``); ``changed_watchlists``
names those whose definition has changed since, and ``rematch`` matches stored posts again with
the current watchlists (matching, then stories without alerts: they are past posts), so stories
and the next UPDATE see them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from monitor.storage import UPDATED, Archive, Post, Stored, iso, parse_iso

from .clock import system_clock
from .matching.labels import PlaceLabels

log = logging.getLogger(__name__)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe(watchlist: Any, labels: PlaceLabels | None = None) -> str:
    """What a watchlist matches, in one line.

    "posts naming Kursk Oblast (RU-KRS) or a place in it, that also contain one of 3 keywords (...)".
    """
    regions = [f"{labels.region(code)} ({code})" if labels and labels.region(code) != code else code
               for code in watchlist.regions or []]
    keywords = list(watchlist.keywords or [])
    if regions:
        text = f"posts naming {' or '.join(regions)} or a place in {'it' if len(regions) == 1 else 'them'}"
        if keywords:
            text += f", that also contain {'the keyword' if len(keywords) == 1 else f'one of {len(keywords)} keywords'}"
    elif keywords:
        text = f"any post containing {'the keyword' if len(keywords) == 1 else f'one of {len(keywords)} keywords'}"
    else:
        text = "every post"
    if keywords:
        text += " (" + ", ".join(keywords[:5]) + (", ..." if len(keywords) > 5 else "") + ")"
    if watchlist.exclude:
        text += f", unless it contains {_count(len(watchlist.exclude), 'excluded phrase')}"
    return text


def definition(watchlist: Any) -> dict[str, list[str]]:
    return {"regions": sorted(watchlist.regions or []), "keywords": sorted(watchlist.keywords or []),
            "exclude": sorted(watchlist.exclude or [])}


def fingerprint(watchlist: Any) -> str:
    return hashlib.sha256(json.dumps(definition(watchlist), ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def changed_watchlists(archive: Archive, config: Any, *, clock: Callable[[], datetime] = system_clock) -> list[str]:
    """Watchlists whose definition differs from the one the stored posts were matched with.

    A watchlist seen for the first time is recorded as it is (the posts stored from now on are
    matched with it).
    """
    changed = []
    stored = {row[0]: row[1] for row in archive.conn.execute("SELECT watchlist, fingerprint FROM watchlist_versions")}
    new = []
    for watchlist in config.watchlists:
        mark = fingerprint(watchlist)
        if watchlist.name not in stored:
            new.append((watchlist.name, mark, json.dumps(definition(watchlist), ensure_ascii=False), iso(clock())))
        elif stored[watchlist.name] != mark:
            changed.append(watchlist.name)
    if new:
        with archive.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO watchlist_versions (watchlist, fingerprint, definition, since)"
                             " VALUES (?, ?, ?, ?)", new)
    return changed


def unmatched_warning(names: list[str]) -> str:
    return (f"watchlist{'s' if len(names) > 1 else ''} {', '.join(names)} changed since the stored posts were matched:"
            " posts stored before now are not matched against the new definition; 'monitor rematch --since 3d'"
            " matches them again")


@dataclass
class RematchReport:
    posts: int = 0
    matched_before: int = 0  # (post, watchlist) matches stored before
    matched_after: int = 0
    watchlists: tuple[str, ...] = ()


def _post(row: dict[str, Any]) -> Post:
    date = parse_iso(row["date"])
    assert date is not None  # posts.date is NOT NULL
    return Post(source=row["source"], channel=row["channel"], message_id=row["message_id"],
                date=date, text=row["text"] or "", lang=row["lang"],
                translation=row["translation"], url=row["url"])


def rematch(archive: Archive, config: Any, *, since: str | None = None, batch_size: int = 500,
            clock: Callable[[], datetime] = system_clock, progress: Callable[[int], None] | None = None) -> RematchReport:
    """Match the posts stored since ``since`` (ISO, UTC; None: all) again with the current watchlists.

    Each batch is one transaction: its ``post_matches`` rows are replaced, and posts that now match
    join stories (no alert is decided: they are past posts). Afterwards every watchlist is recorded
    as matched with its current definition.
    """
    from .matching.stage import MatchingStage
    from .pipeline import Item
    from .stories import StoriesStage

    matching, stories = MatchingStage(config), StoriesStage(config, clock)
    report = RematchReport(watchlists=tuple(w.name for w in config.watchlists))
    where = "WHERE date >= ?" if since else ""
    report.matched_before = archive.conn.execute(
        "SELECT count(*) FROM post_matches m JOIN posts p ON p.id = m.post_id" + (" WHERE p.date >= ?" if since else ""),
        [since] if since else []).fetchone()[0]
    last: tuple[str, int] | None = None
    while True:
        keyset = ("(date, id) > (?, ?)" if last else "")
        clause = " AND ".join(c for c in (where.replace("WHERE ", ""), keyset) if c)
        cursor = archive.conn.execute(
            "SELECT id, source, channel, message_id, date, text, lang, translation, url FROM posts"
            + (f" WHERE {clause}" if clause else "") + " ORDER BY date, id LIMIT ?",
            [*([since] if since else []), *(last or ()), batch_size])
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, values)) for values in cursor.fetchall()]
        if not rows:
            break
        with archive.transaction() as conn:
            items = [Item(Stored(row["id"], _post(row), UPDATED)) for row in rows]
            matching.process(archive, items, alerts=False)
            # only a match a post did not have goes to the stories: its place in a story stays as decided
            marks = ", ".join("?" for _ in rows)
            in_stories = set(conn.execute(f"SELECT watchlist, post_id FROM story_posts WHERE post_id IN ({marks})",
                                          [row["id"] for row in rows]).fetchall())
            for item in items:
                if item.match is not None:
                    item.match = replace(item.match, watchlists=[
                        hit for hit in item.match.watchlists if (hit.name, item.id) not in in_stories])
            stories.process(archive, items, alerts=False)
        report.posts += len(rows)
        last = (rows[-1]["date"], rows[-1]["id"])
        if progress:
            progress(len(rows))
    report.matched_after = archive.conn.execute(
        "SELECT count(*) FROM post_matches m JOIN posts p ON p.id = m.post_id" + (" WHERE p.date >= ?" if since else ""),
        [since] if since else []).fetchone()[0]
    with archive.transaction() as conn:
        conn.executemany(
            "INSERT INTO watchlist_versions (watchlist, fingerprint, definition, since) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(watchlist) DO UPDATE SET fingerprint = excluded.fingerprint,"
            " definition = excluded.definition, since = excluded.since",
            [(w.name, fingerprint(w), json.dumps(definition(w), ensure_ascii=False), iso(clock()))
             for w in config.watchlists])
    return report
