"""The story posts of a time window, in memory: what near-duplicate lookups read.

``story_posts`` keeps each post's MinHash signature; the LSH band keys that find near-duplicates
are computed from it, so they need not be stored. A ``Window`` holds every story post whose date
lies in ``[lo, hi]`` (all watchlists), with its band keys indexed: a lookup is a few dictionary
reads instead of an index range per band. The detector widens the window before each decision
(``cover``) and it reads what it lacks from ``story_posts``; what the detector writes it adds
here too. Posts far behind the newest decision are dropped, so memory follows the window, not
the archive.
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from datetime import datetime
from typing import NamedTuple

from .claims import band_keys, from_blob

_LAST = sys.maxsize
SCAN_FROM = 1_000  # posts held before the first pass that drops those out of reach


def _shift(date: str, towards: str, other: str) -> str:
    """``date`` moved by the width of ``[other, towards]`` in the direction of ``towards``."""
    step = datetime.fromisoformat(towards) - datetime.fromisoformat(other)
    return (datetime.fromisoformat(date) + step).isoformat()


class WindowPost(NamedTuple):
    date: str
    story_id: int
    signature: bytes | None
    bands: tuple[int, ...]


class Window:
    def __init__(self, schema: str = "main"):
        self.s = f"{schema}."
        self.lo: str | None = None
        self.hi: str | None = None
        self.posts: dict[tuple[str, int], WindowPost] = {}
        # (watchlist, band key) -> [(date, post_id, story_id)], in date order
        self.bands: dict[tuple[str, int], list[tuple[str, int, int]]] = {}
        self._scan_at = SCAN_FROM

    def clear(self) -> None:
        self.lo = self.hi = None
        self.posts.clear()
        self.bands.clear()
        self._scan_at = SCAN_FROM

    def __len__(self) -> int:
        return len(self.posts)

    def cover(self, conn, since: str, until: str, *, span: str) -> None:
        """Make sure every story post dated in ``[since, until]`` is held; ``span``: the date
        below which posts may be dropped (those the coming decisions can no longer reach)."""
        if self.lo is None or until < self.lo or since > self.hi:  # first, or elsewhere in time: afresh
            self.clear()
            self._load(conn, since, until, lower=True, upper=True)
            self.lo, self.hi = since, until
            return
        # widened by a whole window at a time, not post by post: one read per window of time
        if since < self.lo:
            start = min(since, _shift(self.lo, since, until))
            self._load(conn, start, self.lo, lower=True, upper=False)
            self.lo = start
        if until > self.hi:
            end = max(until, _shift(self.hi, until, since))
            self._load(conn, self.hi, end, lower=False, upper=True)
            self.hi = end
        if len(self.posts) >= self._scan_at and span > self.lo:
            self._drop_before(span)
            # the next pass once the window has doubled again: memory at most twice what the
            # decisions can reach, at a constant cost per post
            self._scan_at = max(SCAN_FROM, 2 * len(self.posts))

    def _load(self, conn, start: str, end: str, *, lower: bool, upper: bool) -> None:
        sql = (f"SELECT watchlist, post_id, story_id, date, signature FROM {self.s}story_posts"
               f" WHERE date {'>=' if lower else '>'} ? AND date {'<=' if upper else '<'} ?")
        for watchlist, post_id, story_id, date, blob in conn.execute(sql, (start, end)):
            bands = tuple(band_keys(from_blob(blob))) if blob is not None else ()
            self.add(watchlist, post_id, story_id, date, blob, bands)

    def _drop_before(self, date: str) -> None:
        gone = [key for key, post in self.posts.items() if post.date < date]
        for key in gone:
            del self.posts[key]
        for band, entries in list(self.bands.items()):
            kept = entries[bisect_left(entries, (date,)):]
            if kept:
                self.bands[band] = kept
            else:
                del self.bands[band]
        self.lo = date

    def add(self, watchlist: str, post_id: int, story_id: int, date: str, signature: bytes | None,
            bands: tuple[int, ...]) -> None:
        key = (watchlist, post_id)
        if key in self.posts:
            self.remove(watchlist, post_id)
        self.posts[key] = WindowPost(date, story_id, signature, bands)
        entry = (date, post_id, story_id)
        for band in bands:
            entries = self.bands.get((watchlist, band))
            if not entries:
                self.bands[(watchlist, band)] = [entry]
            elif entries[-1] <= entry:
                entries.append(entry)
            else:
                entries.insert(bisect_right(entries, entry), entry)

    def remove(self, watchlist: str, post_id: int) -> None:
        post = self.posts.pop((watchlist, post_id), None)
        if post is None:
            return
        entry = (post.date, post_id, post.story_id)
        for band in post.bands:
            entries = self.bands.get((watchlist, band))
            if entries:
                i = bisect_left(entries, entry)
                if i < len(entries) and entries[i] == entry:
                    del entries[i]
                if not entries:
                    del self.bands[(watchlist, band)]

    def get(self, watchlist: str, post_id: int) -> WindowPost | None:
        return self.posts.get((watchlist, post_id))

    def recent(self, watchlist: str, band: int, since: str, until: str, limit: int) -> list[tuple[str, int, int]]:
        """The latest ``limit`` posts of a band dated in ``[since, until]``: (date, post_id, story_id)."""
        entries = self.bands.get((watchlist, band))
        if not entries:
            return []
        end = bisect_right(entries, (until, _LAST))
        start = max(bisect_left(entries, (since,)), end - limit)
        return entries[start:end]
