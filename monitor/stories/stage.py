"""The stories stage of the pipeline, and replay.

Runs after matching, inside the batch's transaction: every watchlist hit of a new or edited post
gets a decision, and NEW / UPDATE decisions become rows of the alert outbox (``alerts``) in the
same transaction, so a decided alert can neither be lost nor decided twice. Imports
(``alerts=False``) build stories without alerts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from monitor.config import Config
from monitor.pipeline import Item
from monitor.storage import Archive, iso, utc
from monitor.storage.queries import Filters, iter_posts, posts_by_id
from monitor.storage.schema_stories import create_story_tables

from .detector import Decision, StoryDetector

log = logging.getLogger(__name__)


def write_alert(archive: Archive, decision: Decision, revision: int, now: datetime) -> int | None:
    cursor = archive.conn.execute(
        "INSERT OR IGNORE INTO alerts (watchlist, kind, story_id, post_id, reason, changes, decided_at, status, revision)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
        (decision.watchlist, decision.kind, decision.story_id, decision.post_id, decision.reason,
         json.dumps(decision.changes, ensure_ascii=False), iso(now), revision),
    )
    return cursor.lastrowid if cursor.rowcount else None


class StoriesStage:
    name = "stories"

    def __init__(self, config: Config, clock: Callable[[], datetime] | None = None):
        self.config = config
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.window_hours, self.threshold = config.stories.window_hours, config.stories.similarity
        # one detector per archive connection, kept from batch to batch (what it holds in memory
        # is checked against the archive at the start of each batch)
        self._detector: StoryDetector | None = None

    def detector(self, archive: Archive) -> StoryDetector:
        if self._detector is None or self._detector.conn is not archive.conn:
            self._detector = StoryDetector(archive.conn, window_hours=self.window_hours, threshold=self.threshold)
        return self._detector

    def process(self, archive: Archive, items: list[Item], *, alerts: bool) -> None:
        matched = [i for i in items if i.matched]
        if not matched:
            return
        # a post inserted by this batch is the row it was inserted as; the others (edits, also of a
        # post inserted earlier in the batch) are read back
        read = {i.id for i in matched if i.stored.inserted is None}
        rows = posts_by_id(archive.conn, sorted(read))
        for item in matched:
            row = item.stored.row() if item.id not in read else None
            if row is not None:
                rows[item.id] = row
        with self.detector(archive).batch() as detector:
            for item in sorted(matched, key=lambda i: (i.post.date, i.id)):
                assert item.match is not None
                for decision in detector.process(rows[item.id], item.match.watchlists):
                    log.info("%s %s: %s", decision.watchlist, decision.kind, decision.reason)
                    if alerts and decision.alerts:
                        revision = archive.conn.execute(
                            "SELECT count(*) FROM post_revisions WHERE post_id = ?", (item.id,)).fetchone()[0]
                        write_alert(archive, decision, revision, self.clock())


def replay(archive: Archive, config: Config, *, filters: Filters | None = None,
           watchlist: str | None = None) -> Iterator[dict[str, Any]]:
    """Detection afresh over the archived posts in time order; yields the alerts it would raise.

    Stories live in a scratch database attached for the run: nothing stored changes.
    """
    from ..matching import matcher_for

    window, threshold = config.stories.window_hours, config.stories.similarity
    conn = archive.conn
    conn.execute("ATTACH DATABASE ':memory:' AS replay")
    try:
        create_story_tables(conn, "replay")
        detector = StoryDetector(conn, window_hours=window, threshold=threshold, schema="replay")
        matcher = matcher_for(config)
        with detector.batch():
            for count, post in enumerate(iter_posts(conn, filters or Filters()), 1):
                if count % 1000 == 0:  # memory bounded by the window, not by the archive
                    detector.prune(iso(utc(datetime.fromisoformat(post["date"])) - timedelta(hours=window)))
                result = matcher.match(post["text"] or "", lang=post["lang"], translation=post["translation"])
                hits = [h for h in result.watchlists if watchlist is None or h.name == watchlist]
                for d in detector.process(post, hits):
                    if not d.alerts:
                        continue
                    yield {
                        "kind": d.kind, "watchlist": d.watchlist, "story_id": d.story_id, "source": post["source"],
                        "channel": post["channel_username"] or post["channel"],
                        "channel_title": post["channel_title"], "message_id": post["message_id"],
                        "post_id": post["id"], "url": post["url"], "date": post["date"], "lang": post["lang"],
                        "regions": d.regions, "keywords": d.keywords, "reason": d.reason, "changes": d.changes,
                        "text": post["text"],
                    }
    finally:
        conn.execute("DETACH DATABASE replay")
