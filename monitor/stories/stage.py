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

import numpy as np

from monitor.config import Config
from monitor.pipeline import Item
from monitor.storage import Archive, iso, utc
from monitor.storage.queries import Filters, iter_posts, posts_by_id
from monitor.storage.schema_stories import create_story_tables

from .detector import RETOLD_DAYS, Decision, StoryDetector
from .meaning import Meaning, from_blob, to_blob
from .places import PlaceTree

log = logging.getLogger(__name__)
PRUNE_EVERY = 1000  # posts between replay's prunes of its scratch tables


def detector_for(conn, config: Config, schema: str = "main") -> StoryDetector:
    """The story detector of a configuration's ``[stories]`` settings and gazetteer."""
    from ..matching import matcher_for

    stories = config.stories
    matcher = matcher_for(config)
    return StoryDetector(conn, window_hours=stories.window_hours, threshold=stories.similarity,
                         story_hours=stories.story_hours, schema=schema,
                         places=PlaceTree(matcher.gazetteer.places),
                         regions_of=lambda text, lang: matcher.match(text, lang=lang).named_regions)


def vectors_of(conn, config: Config, posts: list[dict[str, Any]], schema: str = "main") -> dict[int, np.ndarray]:
    """The sentence vectors of matched posts (``[stories] meaning``), encoded and written to
    ``post_vectors`` in one batch; those a replay finds in the archive are read, not encoded."""
    if not config.stories.meaning or not posts:
        return {}
    found: dict[int, np.ndarray] = {}
    if schema != "main":
        marks = ",".join("?" * len(posts))
        found = {row[0]: from_blob(row[1]) for row in conn.execute(
            f"SELECT post_id, vector FROM main.post_vectors WHERE post_id IN ({marks})", [p["id"] for p in posts])}
    todo = [p for p in posts if p["id"] not in found]
    texts = [" ".join(t for t in (p.get("text") or "", p.get("translation") or "") if t) for p in todo]
    for post, vector in zip(todo, Meaning().encode(texts)):
        found[post["id"]] = vector
    conn.executemany(f"INSERT OR REPLACE INTO {schema}.post_vectors (post_id, vector) VALUES (?, ?)",
                     [(post_id, to_blob(vector)) for post_id, vector in sorted(found.items(), key=lambda kv: kv[0])])
    return found


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
        # one detector per archive connection (it holds nothing but the connection)
        self._detector: StoryDetector | None = None

    def detector(self, archive: Archive) -> StoryDetector:
        if self._detector is None or self._detector.conn is not archive.conn:
            self._detector = detector_for(archive.conn, self.config)
        return self._detector

    def process(self, archive: Archive, items: list[Item], *, alerts: bool) -> None:
        matched = [i for i in items if i.matched]
        if not matched:
            return
        from ..nodes import lock_story_decisions

        # several nodes on one archive: one decides a watchlist's stories at a time
        lock_story_decisions(archive, {hit.name for i in matched if i.match for hit in i.match.watchlists})
        # a post inserted by this batch is the row it was inserted as; the others (edits, also of a
        # post inserted earlier in the batch) are read back
        read = {i.id for i in matched if i.stored.inserted is None}
        rows = posts_by_id(archive.conn, sorted(read))
        for item in matched:
            row = item.stored.row() if item.id not in read else None
            if row is not None:
                rows[item.id] = row
        detector = self.detector(archive)
        # encoded here, on the pipeline's thread (never the daemon's loop); not for imports, whose
        # transactions would hold the archive's write lock for the encoding too (the frame decides)
        vectors = vectors_of(archive.conn, self.config, [rows[i.id] for i in matched]) if alerts else {}
        for item in sorted(matched, key=lambda i: (i.post.date, i.id)):
            assert item.match is not None
            for decision in detector.process(rows[item.id], item.match.watchlists, vector=vectors.get(item.id),
                                                 post_regions=item.match.named_regions):
                log.info("%s %s: %s", decision.watchlist, decision.kind, decision.reason)
                if alerts and decision.alerts:
                    revision = archive.conn.execute(
                        "SELECT count(*) FROM post_revisions WHERE post_id = ?", (item.id,)).fetchone()[0]
                    write_alert(archive, decision, revision, self.clock())


def replay(archive: Archive, config: Config, *, filters: Filters | None = None,
           watchlist: str | None = None, mentions: bool = False) -> Iterator[dict[str, Any]]:
    """Detection afresh over the archived posts in time order; yields the alerts it would raise
    (and, with ``mentions``, the posts set aside as naming a watched region only in passing, kind
    "mention", with the reason: what the live pipeline only logs).

    Stories live in a scratch database attached for the run: nothing stored changes.
    """
    from ..matching import matcher_for

    # a retelling joins a story up to RETOLD_DAYS after its first post: kept as long as the window, or longer
    keep = max(timedelta(hours=config.stories.window_hours), timedelta(days=RETOLD_DAYS))
    conn = archive.conn
    conn.execute("ATTACH DATABASE ':memory:' AS replay")
    try:
        create_story_tables(conn, "replay")
        detector = detector_for(conn, config, schema="replay")
        matcher = matcher_for(config)
        for count, post in enumerate(iter_posts(conn, filters or Filters()), 1):
            if count % PRUNE_EVERY == 0:  # the scratch tables hold what a post may still join, not the archive
                detector.prune(iso(utc(datetime.fromisoformat(post["date"])) - keep))
            result = matcher.match(post["text"] or "", lang=post["lang"], translation=post["translation"])
            hits = [h for h in result.watchlists if watchlist is None or h.name == watchlist]
            vector = vectors_of(conn, config, [post], schema="replay").get(post["id"]) if hits else None
            for d in detector.process(post, hits, vector=vector, post_regions=result.named_regions):
                if not (d.alerts or mentions and d.kind == "mention"):
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
