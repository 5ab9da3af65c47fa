"""The matching stage of the pipeline, and the ``post_matches`` table it keeps.

For every new or edited post of a batch it sets ``item.match`` (a MatchResult,
read by the stages after it) and replaces the post's rows in ``post_matches``:
one row per watchlist the post fired, inside the batch's transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from monitor.config import Config
from monitor.pipeline import Item
from monitor.storage import NEW, Archive

from .matcher import Matcher, MatchResult, PlaceHit, matcher_for

log = logging.getLogger(__name__)


def _place_row(place: PlaceHit) -> dict[str, Any]:
    # what dataclasses.asdict gives, without its deep copies (this runs for every match)
    return {"id": place.id, "name": place.name, "region": place.region, "kind": place.kind, "words": list(place.words)}


def match_rows(result: MatchResult) -> list[tuple[str, str, str, str]]:
    """The ``post_matches`` columns after ``post_id`` of a result: one row per watchlist it fired."""
    return [
        (
            hit.name,
            json.dumps(hit.regions, ensure_ascii=False),
            json.dumps([_place_row(p) for p in hit.places], ensure_ascii=False),
            json.dumps(hit.keywords, ensure_ascii=False),
        )
        for hit in result.watchlists
    ]


def store_matches(archive: Archive, results: Iterable[tuple[int, MatchResult]], fresh: frozenset[int] = frozenset()
                  ) -> int:
    """Replace the ``post_matches`` rows of each post with its result's watchlists. Returns rows written.

    ``fresh``: ids of posts stored just now, which have no rows to replace.
    """
    # a post stored twice in one batch (a message and its edit) keeps the result of its last text
    results = list(dict(results).items())
    rows = [(post_id, *row) for post_id, result in results for row in match_rows(result)]
    with archive.transaction() as conn:
        replaced = [(post_id,) for post_id, _ in results if post_id not in fresh]
        conn.executemany("DELETE FROM post_matches WHERE post_id = ?", replaced)
        conn.executemany(
            "INSERT INTO post_matches (post_id, watchlist, regions, places, keywords) VALUES (?, ?, ?, ?, ?)", rows
        )
    return len(rows)


class MatchingStage:
    """Matches each new or edited post against the configuration's watchlists."""

    name = "matching"

    def __init__(self, config: Config, matcher: Matcher | None = None):
        self.config = config
        self._matcher = matcher

    @property
    def matcher(self) -> Matcher:
        if self._matcher is None:
            self._matcher = matcher_for(self.config)
        return self._matcher

    def process(self, archive: Archive, items: list[Item], *, alerts: bool) -> None:
        match = self.matcher.match
        results = []
        for item in items:
            post = item.post
            item.match = match(post.text or "", lang=post.lang, translation=post.translation)
            results.append((item.id, item.match))
        written = store_matches(archive, results, frozenset(i.id for i in items if i.stored.status == NEW))
        if written:
            log.debug("matching: %d posts, %d watchlist matches", len(results), written)


def rematch(archive: Archive, config: Config, post_ids: Iterable[int]) -> dict[int, MatchResult]:
    """Match stored posts again (e.g. once their translation has arrived) and store the results."""
    matcher = matcher_for(config)
    results: dict[int, MatchResult] = {}
    for post_id in post_ids:
        row = archive.conn.execute("SELECT text, lang, translation FROM posts WHERE id = ?", (post_id,)).fetchone()
        if row is None:
            continue
        results[post_id] = matcher.match(row[0] or "", lang=row[1], translation=row[2])
    store_matches(archive, results.items())
    return results
