"""The story posts of a time window, in memory: what near-duplicate lookups read.

``story_posts`` keeps each post's MinHash signature; the LSH band keys that find near-duplicates
are computed from it, so they need not be stored. A ``Window`` holds every story post whose date
lies in ``[lo, hi]`` (all watchlists), with its band keys indexed: a lookup is a few dictionary
reads instead of an index range per band. The detector widens the window before each decision
(``cover``) and it reads what it lacks from ``story_posts``; what the detector writes it adds
here too. Posts far behind the newest decision are dropped, so memory follows the window, not
the archive; and it holds at most HELD posts: a window holding more (a flood of matching posts)
is searched among its latest HELD, like the bounded reads per band and per claim key.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from .claims import band_keys, from_blob

SCAN_FROM = 1_000  # posts held before the first pass that drops those out of reach
HELD = 20_000  # posts held at most (some 60 MB): beyond, near-duplicates are sought among the latest


def _shift(date: str, towards: str, other: str) -> str:
    """``date`` moved by the width of ``[other, towards]`` in the direction of ``towards``."""
    step = datetime.fromisoformat(towards) - datetime.fromisoformat(other)
    return (datetime.fromisoformat(date) + step).isoformat()


class WindowPost(NamedTuple):
    date: str
    story_id: int
    signature: bytes | None
    bands: tuple[int, ...]


class _Band:
    """The posts sharing one band key, in (date, post id) order: dates and post ids side by side
    (plain strings to bisect, no tuple per entry)."""

    __slots__ = ("dates", "posts")

    def __init__(self) -> None:
        self.dates: list[str] = []
        self.posts: list[int] = []

    def add(self, date: str, post_id: int) -> None:
        dates, posts = self.dates, self.posts
        if not dates or dates[-1] < date or (dates[-1] == date and posts[-1] <= post_id):
            dates.append(date)
            posts.append(post_id)
            return
        i = bisect_right(dates, date)
        while i > 0 and dates[i - 1] == date and posts[i - 1] > post_id:
            i -= 1
        dates.insert(i, date)
        posts.insert(i, post_id)

    def remove(self, date: str, post_id: int) -> None:
        dates, posts = self.dates, self.posts
        i = bisect_left(dates, date)
        while i < len(dates) and dates[i] == date:
            if posts[i] == post_id:
                del dates[i]
                del posts[i]
                return
            i += 1

    def drop_before(self, date: str) -> None:
        i = bisect_left(self.dates, date)
        if i:
            del self.dates[:i]
            del self.posts[:i]


class Window:
    def __init__(self, schema: str = "main"):
        self.s = f"{schema}."
        self.lo: str | None = None
        self.hi: str | None = None
        self.posts: dict[str, dict[int, WindowPost]] = {}  # watchlist -> post id -> its entry
        self._count = 0
        self.bands: dict[str, dict[int, _Band]] = {}  # watchlist -> band key -> its posts
        self._scan_at = SCAN_FROM
        self.capped = False  # posts older than lo were left out for room, not because there are none

    def clear(self) -> None:
        self.lo = self.hi = None
        self.posts.clear()
        self._count = 0
        self.bands.clear()
        self._scan_at = SCAN_FROM
        self.capped = False

    def __len__(self) -> int:
        return self._count

    def cover(self, conn, since: str, until: str, *, span: str) -> None:
        """Make sure the story posts dated in ``[since, until]`` are held (the latest HELD of them,
        if there are more); ``span``: the date below which posts may be dropped (those the coming
        decisions can no longer reach)."""
        if self.lo is None or until < self.lo or since > self.hi:  # first, or elsewhere in time: afresh
            self.clear()
            self.hi = until
            self.lo = self._load(conn, since, until, lower=True) or since
            return
        if since >= self.lo:
            self.capped = False
        # widened by a whole window at a time, not post by post: one read per window of time
        if since < self.lo and not self.capped:
            start = min(since, _shift(self.lo, since, until))
            self.lo = self._load(conn, start, self.lo, lower=False) or start
        if until > self.hi:
            end = max(until, _shift(self.hi, until, since))
            self._load(conn, self.hi, end, lower=None)
            self.hi = end
        if self._count > HELD:
            # more than memory is given for: the oldest go, and stay out until the window moves on
            dates = sorted(post.date for held in self.posts.values() for post in held.values())
            self._drop_before(dates[len(dates) - HELD * 3 // 4])
            self.capped = True
        elif self._count >= self._scan_at and span > self.lo:
            self._drop_before(span)
            # the next pass once the window has doubled again: memory at most twice what the
            # decisions can reach, at a constant cost per post
            self._scan_at = max(SCAN_FROM, 2 * self._count)

    def _load(self, conn, start: str, end: str, *, lower: bool | None) -> str | None:
        """Read the story posts dated from ``start`` to ``end`` (both included when ``lower``, the
        end excluded when False, the start excluded when None), the latest first and at most as
        many as there is room for; returns the date of the oldest read if room ran out."""
        room = HELD - self._count if lower is not None else HELD
        if room <= 0:
            self.capped = True
            return self.lo
        sql = (f"SELECT watchlist, post_id, story_id, date, signature FROM {self.s}story_posts"
               f" WHERE date {'>' if lower is None else '>='} ? AND date {'<' if lower is False else '<='} ?"
               " ORDER BY date DESC LIMIT ?")
        count, oldest = 0, None
        for watchlist, post_id, story_id, date, blob in conn.execute(sql, (start, end, room)):
            bands = tuple(band_keys(from_blob(blob))) if blob is not None else ()
            self.add(watchlist, post_id, story_id, date, blob, bands)
            count, oldest = count + 1, date
        if count == room and lower is not None:
            self.capped = True
            return oldest
        return None

    def _drop_before(self, date: str) -> None:
        for watchlist, held in self.posts.items():
            gone = [post_id for post_id, post in held.items() if post.date < date]
            touched: set[int] = set()
            for post_id in gone:
                touched.update(held.pop(post_id).bands)
            self._count -= len(gone)
            bands = self.bands.get(watchlist, {})
            for key in touched:
                entries = bands.get(key)
                if entries is not None:
                    entries.drop_before(date)
                    if not entries.posts:
                        del bands[key]
        self.lo = date

    def add(self, watchlist: str, post_id: int, story_id: int, date: str, signature: bytes | None,
            bands: tuple[int, ...]) -> None:
        held = self.posts.get(watchlist)
        if held is None:
            held = self.posts[watchlist] = {}
        elif post_id in held:
            self.remove(watchlist, post_id)
        held[post_id] = WindowPost(date, story_id, signature, bands)
        self._count += 1
        of_watchlist = self.bands.setdefault(watchlist, {})
        for band in bands:
            entries = of_watchlist.get(band)
            if entries is None:
                entries = of_watchlist[band] = _Band()
            entries.add(date, post_id)

    def remove(self, watchlist: str, post_id: int) -> None:
        post = self.posts.get(watchlist, {}).pop(post_id, None)
        if post is None:
            return
        self._count -= 1
        of_watchlist = self.bands.get(watchlist, {})
        for band in post.bands:
            entries = of_watchlist.get(band)
            if entries is not None:
                entries.remove(post.date, post_id)
                if not entries.posts:
                    del of_watchlist[band]

    def get(self, watchlist: str, post_id: int) -> WindowPost | None:
        held = self.posts.get(watchlist)
        return held.get(post_id) if held is not None else None

    def covers(self, date: str) -> bool:
        """Whether every story post dated ``date`` is held (not so below ``lo`` once capped)."""
        return self.lo is not None and self.lo <= date <= self.hi

    def held(self, watchlist: str) -> dict[int, WindowPost]:
        """The posts held for one watchlist, by id (read only)."""
        return self.posts.get(watchlist) or {}

    def candidates(self, watchlist: str, bands: Iterable[int], since: str, until: str, limit: int) -> list[int]:
        """For each band, its latest ``limit`` posts dated in ``[since, until]``, all in one list
        (a post appears once for each band it shares)."""
        of_watchlist = self.bands.get(watchlist)
        if not of_watchlist:
            return []
        found: list[int] = []
        for band in bands:
            entries = of_watchlist.get(band)
            if entries is None:
                continue
            dates = entries.dates
            # posts come mostly in time order: the last ones are usually those wanted, bisect otherwise
            end = len(dates) if dates[-1] <= until else bisect_right(dates, until)
            start = end - limit if end > limit else 0
            if start < end and dates[start] < since:
                start = bisect_left(dates, since, start, end)
            found += entries.posts[start:end]
        return found
