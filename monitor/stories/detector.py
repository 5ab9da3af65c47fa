"""Stories and alert decisions: one alert per new claim, another only when its figures or places change.

For each watchlist a post matched, the post joins the story that carries the same claim, or
opens a new one. Same claim, first rule that applies:

1. a forward (Telegram ``fwd_from``) of a post already in a story;
2. near-identical text: MinHash similarity >= ``similarity`` (default 0.5) with a post of the
   window, found through LSH band keys (an index lookup, whatever the archive's size);
3. the same claim reworded or translated: shared places (gazetteer ids) with a shared figure or
   event kind; or two shared figures; or the same figure unit and event kind in the same region
   with a changed value (24 injured after 5).

Only stories whose latest post is within ``window_hours`` of the post (before or after it) are
considered.
Decisions: NEW when the post opens a story; UPDATE when it adds a figure or a place the story did
not have; otherwise the post is corroboration (recorded, the story's source count grows). Every
decision is stored with its reason in plain words.

The detector keeps its state in the story tables of a schema: ``main`` for the live archive, an
attached scratch database for ``monitor replay`` (so a dry run changes nothing stored). It works in
batches (``with detector.batch(): ...``), one per transaction, and keeps what it read in memory
from one batch to the next: the window's posts with their band keys (``window.Window``) and the
stories it has seen. Each batch that writes stamps ``story_state.generation`` with a fresh random
value; the next batch finds its own stamp there or drops what it holds and reads afresh, so a batch
rolled back, or stories written by another process (an import beside the daemon), are never
answered from memory.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import random
import struct
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

import numpy as np

from monitor.config.schema import Stories
from monitor.storage import iso, parse_iso

from .claims import Claim, Figure, claim_of, similarities
from .window import Window, WindowPost

log = logging.getLogger(__name__)

MAX_VALUES = 30  # figure values remembered per unit and story
CANDIDATES = 25  # stories (or posts) compared per decision: the best-connected ones, whatever the window holds
BAND_ROWS = 10  # posts read per LSH band: the most recent ones (posts sharing a band are mostly one story)
STORY_CACHE = 5_000  # stories held in memory by one detector
LABELS = 50_000  # post labels ("channel/message") held in memory
PER_KEY = 50  # index rows read per claim key: the most recent ones
KEYS_HELD = 20_000  # claim keys whose stories are held in memory
USERNAMES_TTL = 3600  # seconds a detector trusts its map of channel usernames (forwards by username)
_LOW = (1 << 63) - 1


@dataclass
class Decision:
    watchlist: str
    kind: str  # "new" | "update" | "repeat"
    story_id: int
    post_id: int
    reason: str
    changes: dict[str, Any] = field(default_factory=dict)
    similarity: float | None = None
    regions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)

    @property
    def alerts(self) -> bool:
        return self.kind in ("new", "update")


@lru_cache(maxsize=65_536)  # places, units and event kinds recur in every post
def _key(kind: str, value: str) -> int:
    return struct.unpack("<q", hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=8).digest())[0] >> 1


def _label(post: dict[str, Any]) -> str:
    channel = post.get("channel_username") or post.get("channel_title") or post.get("channel")
    return f"{channel}/{post.get('message_id')}"


def _figure_text(f: Figure) -> str:
    return f.words if f.unit in f.words or not f.words else f"{f.words} ({f.unit})"


class StoryDetector:
    def __init__(self, conn, *, window_hours: float = Stories.window_hours, threshold: float = Stories.similarity,
                 schema: str = "main"):
        self.conn = conn
        self.window = timedelta(hours=window_hours)
        self.threshold = threshold
        self.s = f"{schema}."
        # What this detector has read or written, valid while story_state.generation is the value
        # it last wrote there (None: not known to be valid, read everything afresh).
        self._generation: int | None = None
        self._stories: dict[int, dict[str, Any]] = {}
        self._window = Window(schema)
        self._labels: dict[int, str] = {}
        # written at the end of the batch: stories changed, claim keys (watchlist, key, story) -> date
        self._dirty: set[int] = set()
        self._keys: dict[tuple[str, int, int], str] = {}
        self._pending_of: dict[tuple[str, int], set[int]] = {}
        # claim key -> [date read from, {story: date of its latest post carrying the key}]
        self._key_stories: dict[tuple[str, int], list[Any]] = {}
        self._wrote = False  # whether this batch has written anything (then the stamp changes)
        self._in_batch = False
        # for forwards: the archive's sources, and (source, channel) by lower-case username
        self._sources: list[str] | None = None
        self._usernames: dict[str, set[tuple[str, str]]] | None = None
        self._usernames_read = 0.0

    @property
    def held(self) -> int:
        """Story posts held in memory (the window of the latest decisions, and at most as much again)."""
        return len(self._window)

    # -- batches ------------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[StoryDetector]:
        """Decisions inside one transaction: what they change is written when the block ends."""
        self._begin()
        try:
            yield self
            self.flush()
        except BaseException:
            self._forget()  # the transaction will not keep what this batch wrote
            raise
        finally:
            self._in_batch = False

    def _begin(self) -> None:
        row = self.conn.execute(f"SELECT generation FROM {self.s}story_state WHERE id = 1").fetchone()
        if self._generation is None or row is None or row[0] != self._generation:
            self._forget()
        self._in_batch = True

    def _forget(self) -> None:
        self._generation = None
        self._stories.clear()
        self._window.clear()
        self._labels.clear()
        self._dirty.clear()
        self._keys.clear()
        self._pending_of.clear()
        self._key_stories.clear()
        self._wrote = False
        self._sources = None  # (usernames are kept: they name channels, whatever the stories)

    def flush(self) -> None:
        """Write the batch's pending changes (story rows, claim keys) and stamp the generation."""
        if not self._wrote and self._generation is not None:
            return
        for story_id in sorted(self._dirty):
            story = self._stories[story_id]
            self.conn.execute(
                f"UPDATE {self.s}stories SET last_seen = ?, posts = ?, sources = ?, channels = ?,"
                " languages = ?, regions = ?, places = ?, figures = ?, kinds = ? WHERE id = ?",
                (story["last_seen"], story["posts"], story["sources"], json.dumps(story["channels"]),
                 json.dumps(story["languages"]), json.dumps(story["regions"]),
                 json.dumps(story["places"], ensure_ascii=False), json.dumps(story["figures"], ensure_ascii=False),
                 json.dumps(story["kinds"]), story_id),
            )
        self.conn.executemany(
            f"INSERT INTO {self.s}story_keys (watchlist, key, story_id, post_id, date) VALUES (?, ?, ?, 0, ?)"
            " ON CONFLICT (watchlist, key, story_id, post_id) DO UPDATE SET date = max(date, excluded.date)",
            [(*key, date) for key, date in sorted(self._keys.items())],
        )
        self._dirty.clear()
        self._keys.clear()
        self._pending_of.clear()
        self._wrote = False
        self._generation = random.getrandbits(62)
        self.conn.execute(f"INSERT OR REPLACE INTO {self.s}story_state (id, generation) VALUES (1, ?)",
                          (self._generation,))

    # -- lookups -----------------------------------------------------------------------------
    def _story(self, story_id: int) -> dict[str, Any]:
        story = self._stories.get(story_id)
        if story is not None:
            return story
        cursor = self.conn.execute(f"SELECT * FROM {self.s}stories WHERE id = ?", (story_id,))
        row = cursor.fetchone()
        story = dict(zip([d[0] for d in cursor.description], row))
        for column in ("channels", "languages", "regions", "places", "figures", "kinds"):
            story[column] = json.loads(story[column])
        self._remember(story)
        return story

    def _remember(self, story: dict[str, Any]) -> None:
        if len(self._stories) >= STORY_CACHE:  # those with unwritten changes stay
            self._stories = {story_id: self._stories[story_id] for story_id in self._dirty}
        self._stories[story["id"]] = story

    def _post_label(self, post_id: int) -> str:
        label = self._labels.get(post_id)
        if label is not None:
            return label
        row = self.conn.execute(
            "SELECT channel, channel_username, channel_title, message_id FROM posts WHERE id = ?", (post_id,)
        ).fetchone()
        if row is None:
            return f"post {post_id}"
        label = _label(dict(zip(("channel", "channel_username", "channel_title", "message_id"), row)))
        self._remember_label(post_id, label)
        return label

    def _remember_label(self, post_id: int, label: str) -> None:
        if len(self._labels) >= LABELS:
            self._labels.clear()
        self._labels[post_id] = label

    def _forwarded_story(self, watchlist: str, post: dict[str, Any]) -> tuple[int, int] | None:
        channel, message_id = post.get("fwd_from_channel"), post.get("fwd_from_id")
        if not channel or not message_id:
            return None
        for original in self._posts_of(str(channel), int(message_id)):
            held = self._window.get(watchlist, original)
            if held is not None:
                return held.story_id, original
            row = self.conn.execute(f"SELECT story_id FROM {self.s}story_posts WHERE watchlist = ? AND post_id = ?",
                                    (watchlist, original)).fetchone()
            if row is not None:
                return row[0], original
        return None

    def _posts_of(self, channel: str, message_id: int) -> list[int]:
        """The stored posts that are message ``message_id`` of ``channel``: a channel key (the id
        Telegram forwards name) or a username (what the web preview links to), in any case.
        Point lookups on the posts key, never a scan: forwards are a good part of what
        channels post."""
        if self._sources is None:  # the few distinct sources, read off the posts key one by one
            self._sources = [row[0] for row in self.conn.execute(
                "WITH RECURSIVE s(source) AS (SELECT min(source) FROM posts UNION ALL"
                " SELECT (SELECT min(source) FROM posts WHERE source > s.source) FROM s WHERE s.source IS NOT NULL)"
                " SELECT source FROM s WHERE source IS NOT NULL")]
        keys = {(source, key) for source in self._sources for key in (channel, channel.lower())}
        if not channel.isdigit():  # a username (they begin with a letter); Telegram's forwards name ids
            keys.update(self._channels_named(channel.lower()))
        found = []
        for source, key in sorted(keys):
            row = self.conn.execute("SELECT id FROM posts WHERE source = ? AND channel = ? AND message_id = ?",
                                    (source, key, message_id)).fetchone()
            if row is not None:
                found.append(row[0])
        return sorted(found)

    def _channels_named(self, username: str) -> set[tuple[str, str]]:
        """(source, channel) of the channels stored under a (lower-case) username: read (a scan of
        the posts) at most once an hour, kept up to date in between from the posts this detector
        decides."""
        if self._usernames is None or time.monotonic() - self._usernames_read > USERNAMES_TTL:
            self._usernames, self._usernames_read = {}, time.monotonic()
            for source, channel, name in self.conn.execute(
                    "SELECT DISTINCT source, channel, lower(channel_username) FROM posts"
                    " WHERE channel_username IS NOT NULL"):
                self._usernames.setdefault(name, set()).add((source, channel))
        return self._usernames.get(username, set())

    def _saw_channel(self, post: dict[str, Any]) -> None:
        if self._usernames is not None and post.get("channel_username"):
            self._usernames.setdefault(post["channel_username"].lower(), set()).add((post["source"], post["channel"]))
        if self._sources is not None and post["source"] not in self._sources:
            self._sources.append(post["source"])

    def _near_duplicate(self, watchlist: str, claim: Claim, since: str, until: str,
                        post_id: int) -> tuple[int, int, float] | None:
        if claim.signature is None or claim.shingles < 3:
            return None
        # the most recent posts of each band (bounded, whatever the window holds); those sharing the
        # most bands are the likeliest near-duplicates, the latest first among equals
        bands = dict.fromkeys(claim.bands)
        found = self._window.candidates(watchlist, bands, since, until, BAND_ROWS)
        if not found:
            return None
        shared = Counter(found)
        shared.pop(post_id, None)
        # (shared bands, post id) packed in one int: sorting plain ints is what costs least
        ranked = sorted([count << 63 | other for other, count in shared.items()], reverse=True)[:CANDIDATES]
        held = self._window.held(watchlist)
        if ranked and ranked[0] >> 63 == len(bands):
            # the first shares every band: if its signature is this one, no other can score higher
            # (and the first of equal scores is the one taken below)
            first = held.get(ranked[0] & _LOW)
            if first is not None and first.signature == claim.blob():
                return first.story_id, ranked[0] & _LOW, 1.0
        rows = []
        for packed in ranked:
            other_post = packed & _LOW
            entry = held.get(other_post)
            if entry is not None and entry.signature is not None:
                rows.append((other_post, entry.story_id, entry.signature))
        if not rows:
            return None
        scores = similarities(claim.signature, [blob for _, _, blob in rows])
        best = int(np.argmax(scores))  # among equals, the one sharing the most bands
        if scores[best] < self.threshold:
            return None
        other_post, story_id, _ = rows[best]
        return story_id, other_post, float(scores[best])

    def _stories_of_key(self, watchlist: str, key: int, since: str, until: str) -> list[int]:
        """The stories (at most PER_KEY, the latest) carrying a claim key in ``[since, until]``,
        those of this batch's unwritten keys included.

        A key's stories from ``since`` on are read once and kept (with what this detector adds
        to them); a lookup further back in time reads them again."""
        held = self._key_stories.get((watchlist, key))
        if held is None or since < held[0]:
            stories = dict(self.conn.execute(
                f"SELECT story_id, date FROM {self.s}story_keys WHERE watchlist = ? AND key = ? AND date >= ?"
                " AND post_id = 0", (watchlist, key, since)))
            for story_id in self._pending_of.get((watchlist, key), ()):
                date = self._keys[(watchlist, key, story_id)]
                if date > stories.get(story_id, ""):
                    stories[story_id] = date
            if len(self._key_stories) >= KEYS_HELD:
                self._key_stories.clear()
            held = self._key_stories[(watchlist, key)] = [since, stories]
        stories = held[1]
        if len(stories) > 4 * PER_KEY:  # stories behind the window go (the lower bound follows)
            for story_id in [story_id for story_id, date in stories.items() if date < since]:
                del stories[story_id]
            held[0] = since
        found = [story_id for story_id, date in stories.items() if since <= date <= until]
        if len(found) > PER_KEY:
            return heapq.nlargest(PER_KEY, found, key=lambda story_id: (stories[story_id], story_id))
        return found

    def _same_claim(self, watchlist: str, claim: Claim, places: list[str], regions: list[str], since: str,
                    until: str) -> tuple[int, str] | None:
        keys = self._claim_keys(claim, places, regions)
        if not keys:
            return None
        hits: dict[int, int] = {}
        for key in dict.fromkeys(keys):  # per key, the stories seen most recently (bounded)
            for story_id in self._stories_of_key(watchlist, key, since, until):
                hits[story_id] = hits.get(story_id, 0) + 1
        candidates = [story_id for story_id, _ in sorted(hits.items(), key=lambda kv: (-kv[1], -kv[0]))[:CANDIDATES]]
        best = None
        post_figures = {f.key() for f in claim.figures}
        post_units = {f.unit for f in claim.figures} - {"people"}
        for story_id in candidates:
            story = self._story(story_id)
            story_figures = story.get("_figure_set")
            if story_figures is None:  # kept until the story's figures change (_merge)
                story_figures = story["_figure_set"] = {(unit, v) for unit, values in story["figures"].items()
                                                        for v in values}
            shared_places = set(places) & set(story["places"])
            shared_figures = post_figures & story_figures
            shared_units = post_units & set(story["figures"])
            shared_kinds = claim.kinds & set(story["kinds"])
            shared_regions = set(regions) & set(story["regions"])
            same = (
                (shared_places and (shared_figures or shared_kinds))
                or len(shared_figures) >= 2
                or (shared_figures and shared_regions and shared_kinds)
                or (shared_units and shared_kinds and (shared_places or (shared_regions and not places)))
                # a claim about a whole region (a state of emergency), in any language
                or (shared_regions and shared_kinds and not places and not story["places"] and not shared_units
                    and not (post_units and set(story["figures"])))
            )
            if not same:
                continue
            score = 3 * len(shared_figures) + 2 * len(shared_places) + len(shared_kinds) + len(shared_units)
            if best is None or score > best[0]:
                parts = []
                if shared_places:
                    parts.append("places " + ", ".join(sorted(shared_places)))
                if shared_figures:
                    parts.append("figures " + ", ".join(f"{v} {u}" for u, v in sorted(shared_figures)))
                elif shared_units:
                    parts.append("counts of " + ", ".join(sorted(shared_units)))
                if shared_kinds:
                    parts.append("event " + ", ".join(sorted(shared_kinds)))
                best = (score, story_id, "; ".join(parts))
        if best is None:
            return None
        story = self._story(best[1])
        return best[1], f"same claim as {self._post_label(story['first_post_id'])}: {best[2]}"

    def prune(self, before: str) -> None:
        """Forget stories whose latest post is older than ``before`` (they can no longer be joined),
        and every story's posts older than ``before``.

        Used by replay, whose scratch database would otherwise grow with the archive; the live
        archive keeps its stories for browsing. (A forward of a post older than the window then
        joins its story only if the story is found another way: by text, places or figures.)
        """
        self.flush()
        self.conn.execute(f"DELETE FROM {self.s}story_keys WHERE date < ?", (before,))
        # a story may live for weeks (a claim repeated daily): its posts older than the window are
        # no longer looked up either, so they go too, or such stories would grow with the archive
        self.conn.execute(f"DELETE FROM {self.s}story_posts WHERE date < ?", (before,))
        self.conn.execute(f"DELETE FROM {self.s}stories WHERE last_seen < ?", (before,))
        self._forget()
        self._generation = self.conn.execute(f"SELECT generation FROM {self.s}story_state WHERE id = 1").fetchone()[0]

    # -- decisions ----------------------------------------------------------------------------
    def process(self, post: dict[str, Any], hits: list[Any], *, claim: Claim | None = None) -> list[Decision]:
        """Decide for each watchlist hit of ``post`` (a posts row as a dict). ``claim``: the claim
        of its text and translation, if the caller has it already. Only
        inside ``batch()``."""
        if not self._in_batch:
            raise RuntimeError("StoryDetector.process() outside a batch(): its changes would not be written")
        if not hits:
            return []
        if claim is None:
            claim = claim_of(post.get("text") or "", post.get("translation"))
        date = parse_iso(post["date"]) if isinstance(post["date"], str) else post["date"]
        text_date = iso(date)
        if post["date"] != text_date:
            post = post | {"date": text_date}  # the archive's form, whatever the caller gave
        since, until = iso(date - self.window), iso(date + self.window)
        self._window.cover(self.conn, since, until, span=since)
        decisions = []
        for hit in hits:
            watchlist = hit.name
            places = [p.id for p in hit.places if p.kind != "region"]
            regions = list(dict.fromkeys([*hit.regions, *(p.region for p in hit.places)]))
            decision = self._decide(watchlist, post, claim, places, regions, since, until)
            decision.regions = regions
            decision.keywords = list(hit.keywords)
            decisions.append(decision)
        return decisions

    def _decide(self, watchlist: str, post: dict[str, Any], claim: Claim, places: list[str], regions: list[str],
                since: str, until: str) -> Decision:
        post_id = post["id"]
        existing = self._window.get(watchlist, post_id)  # the window holds the post's own date ...
        if existing is None and (self._window.capped or not self._window.covers(post["date"])):  # ... or was capped
            row = self.conn.execute(f"SELECT date, story_id, signature FROM {self.s}story_posts"
                                    " WHERE watchlist = ? AND post_id = ?", (watchlist, post_id)).fetchone()
            existing = WindowPost(*row, ()) if row is not None else None
        sim = None
        if existing:  # an edit of a post already in a story: only what it adds counts
            story_id, reason = existing.story_id, "edited post"
        elif (forwarded := self._forwarded_story(watchlist, post)) is not None:
            story_id, reason = forwarded[0], f"forward of {self._post_label(forwarded[1])}"
        elif (near := self._near_duplicate(watchlist, claim, since, until, post_id)) is not None:
            story_id, sim = near[0], near[2]
            reason = f"repeat of {self._post_label(near[1])}, similarity {near[2]:.2f}"
        elif (same := self._same_claim(watchlist, claim, places, regions, since, until)) is not None:
            story_id, reason = same
        else:
            story_id = self._open(watchlist, post, claim, places, regions)
            self._record(watchlist, story_id, post, claim, places, regions, "new", "first post of a new story", None, existing=False)
            what = []
            if claim.figures:
                what.append("figures " + ", ".join(_figure_text(f) for f in claim.figures))
            if places:
                what.append("places " + ", ".join(places))
            elif regions:
                what.append("regions " + ", ".join(regions))
            return Decision(watchlist, "new", story_id, post_id,
                            "new claim" + (f": {'; '.join(what)}" if what else ""),
                            {"figures": [f.__dict__ for f in claim.figures], "places": places})
        story = self._story(story_id)
        new_figures, changed = [], []
        for f in claim.figures:
            values = story["figures"].get(f.unit)
            if values is None:
                new_figures.append(f)
            elif f.value not in values:
                changed.append((f, values[-1]))
        new_places = [p for p in places if p not in story["places"]]
        kind = "update" if (new_figures or changed or new_places) else "repeat"
        if kind == "update":
            parts = [f"new figure: {_figure_text(f)}" for f in new_figures]
            parts += [f"new figure: {_figure_text(f)} (was {old})" for f, old in changed]
            parts += [f"new place: {p}" for p in new_places]
            reason = "; ".join(parts) + f" ({reason})"
        self._merge(story, post, claim, places, regions)
        self._record(watchlist, story_id, post, claim, places, regions, kind, reason, sim, existing=bool(existing))
        changes = {"figures": [f.__dict__ | ({"was": None}) for f in new_figures]
                   + [f.__dict__ | {"was": old} for f, old in changed], "places": new_places}
        return Decision(watchlist, kind, story_id, post_id, reason, changes if kind == "update" else {}, sim)

    def _open(self, watchlist: str, post: dict[str, Any], claim: Claim, places: list[str], regions: list[str]) -> int:
        figures: dict[str, list[int]] = {}
        for f in claim.figures:
            figures.setdefault(f.unit, []).append(f.value)
        cursor = self.conn.execute(
            f"INSERT INTO {self.s}stories (watchlist, first_post_id, first_seen, last_seen, posts, sources, channels,"
            " languages, regions, places, figures, kinds, title) VALUES (?, ?, ?, ?, 1, 1, ?, ?, ?, ?, ?, ?, ?)",
            (watchlist, post["id"], post["date"], post["date"],
             json.dumps([f"{post['source']}:{post['channel']}"]), json.dumps([post.get("lang") or "und"]),
             json.dumps(regions), json.dumps(places, ensure_ascii=False), json.dumps(figures, ensure_ascii=False),
             json.dumps(sorted(claim.kinds)), (post.get("text") or "")[:200]),
        )
        self._remember({
            "id": cursor.lastrowid, "watchlist": watchlist, "first_post_id": post["id"], "first_seen": post["date"],
            "last_seen": post["date"], "posts": 1, "sources": 1, "channels": [f"{post['source']}:{post['channel']}"],
            "languages": [post.get("lang") or "und"], "regions": list(regions), "places": list(places),
            "figures": figures, "kinds": sorted(claim.kinds), "title": (post.get("text") or "")[:200],
        })
        return cursor.lastrowid

    def _merge(self, story: dict[str, Any], post: dict[str, Any], claim: Claim, places: list[str], regions: list[str]) -> None:
        channels = story["channels"]
        channel = f"{post['source']}:{post['channel']}"
        if channel not in channels:
            channels.append(channel)
        languages = story["languages"]
        if (post.get("lang") or "und") not in languages:
            languages.append(post.get("lang") or "und")
        for f in claim.figures:
            story.pop("_figure_set", None)
            values = story["figures"].setdefault(f.unit, [])
            if f.value not in values:
                values.append(f.value)
                del values[:-MAX_VALUES]  # the latest values are what a repeat is checked against
        story["last_seen"] = max(story["last_seen"], post["date"])
        story["posts"] += 1
        story["sources"] = len(channels)
        story["regions"] = list(dict.fromkeys([*story["regions"], *regions]))
        story["places"] = list(dict.fromkeys([*story["places"], *places]))
        story["kinds"] = sorted(set(story["kinds"]) | claim.kinds)
        self._dirty.add(story["id"])  # written when the batch ends

    @staticmethod
    def _claim_keys(claim: Claim, places: list[str], regions: list[str]) -> list[int]:
        """Index keys of a post's claim: its places, its figure units, and (region, event kind) pairs."""
        keys = [_key("p", p) for p in places] + [_key("u", f.unit) for f in claim.figures]
        keys += [_key("k", f"{r}:{k}") for r in regions for k in sorted(claim.kinds)]
        return keys

    def _record(self, watchlist: str, story_id: int, post: dict[str, Any], claim: Claim, places: list[str],
                regions: list[str], decision: str, reason: str, sim: float | None, *, existing: bool) -> None:
        signature = claim.blob()
        self._wrote = True
        if existing:
            self.conn.execute(
                f"UPDATE {self.s}story_posts SET signature = ?, reason = ? WHERE watchlist = ? AND post_id = ?",
                (signature, reason, watchlist, post["id"]),
            )
            self._story(story_id)["posts"] -= 1  # counted once, not once per edit
            self._dirty.add(story_id)
        else:
            self.conn.execute(
                f"INSERT INTO {self.s}story_posts (story_id, post_id, watchlist, decision, reason, similarity, date, signature)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (story_id, post["id"], watchlist, decision, reason, sim, post["date"], signature),
            )
        self._window.add(watchlist, post["id"], story_id, post["date"], signature, tuple(dict.fromkeys(claim.bands)))
        self._remember_label(post["id"], _label(post))
        self._saw_channel(post)
        # claim keys once per story, with the date of its latest post carrying them
        for key in dict.fromkeys(self._claim_keys(claim, places, regions)):
            pending = (watchlist, key, story_id)
            if post["date"] > self._keys.get(pending, ""):
                self._keys[pending] = post["date"]
                self._pending_of.setdefault((watchlist, key), set()).add(story_id)
                held = self._key_stories.get((watchlist, key))
                if held is not None and post["date"] > held[1].get(story_id, ""):
                    held[1][story_id] = post["date"]
