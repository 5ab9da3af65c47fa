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

The detector keeps no state of its own: every lookup is a bounded, indexed read of the story
tables of a schema (``main`` for the live archive, an attached scratch database for ``monitor
replay``, so a dry run changes nothing stored), and every decision is written there at once,
inside the caller's transaction. Near-duplicates are found through ``story_bands`` (the LSH band
keys of each story post, indexed on (watchlist, band, date)); reworded claims through
``story_keys`` (places, figure units, region and event kind, indexed on (watchlist, key, date)).
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from monitor.storage import iso, parse_iso

import numpy as np

from .claims import Claim, Figure, claim_of, similarities

log = logging.getLogger(__name__)

MAX_VALUES = 30  # figure values remembered per unit and story
CANDIDATES = 25  # stories (or posts) compared per decision: the best-connected ones, whatever the window holds
BAND_ROWS = 10  # posts read per LSH band: the most recent ones (posts sharing a band are mostly one story)
PER_KEY = 50  # index rows read per claim key: the most recent ones


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
    """Story decisions read from and written to the story tables of ``schema`` as they are made,
    inside the caller's transaction: nothing is held between posts."""

    def __init__(self, conn, *, window_hours: float = 72, threshold: float = 0.5, schema: str = "main"):
        self.conn = conn
        self.window = timedelta(hours=window_hours)
        self.threshold = threshold
        self.tables = f"{schema}."

    # -- lookups -----------------------------------------------------------------------------
    def _story(self, story_id: int) -> dict[str, Any]:
        cursor = self.conn.execute(f"SELECT * FROM {self.tables}stories WHERE id = ?", (story_id,))
        story = dict(zip([d[0] for d in cursor.description], cursor.fetchone()))
        for column in ("channels", "languages", "regions", "places", "figures", "kinds"):
            story[column] = json.loads(story[column])
        return story

    def _save(self, story: dict[str, Any]) -> None:
        self.conn.execute(
            f"UPDATE {self.tables}stories SET last_seen = ?, posts = ?, sources = ?, channels = ?,"
            " languages = ?, regions = ?, places = ?, figures = ?, kinds = ? WHERE id = ?",
            (story["last_seen"], story["posts"], story["sources"], json.dumps(story["channels"]),
             json.dumps(story["languages"]), json.dumps(story["regions"]),
             json.dumps(story["places"], ensure_ascii=False), json.dumps(story["figures"], ensure_ascii=False),
             json.dumps(story["kinds"]), story["id"]),
        )

    def _post_label(self, post_id: int) -> str:
        row = self.conn.execute(
            "SELECT channel, channel_username, channel_title, message_id FROM posts WHERE id = ?", (post_id,)
        ).fetchone()
        if row is None:
            return f"post {post_id}"
        return _label(dict(zip(("channel", "channel_username", "channel_title", "message_id"), row)))

    def _forwarded_story(self, watchlist: str, post: dict[str, Any]) -> tuple[int, int] | None:
        channel, message_id = post.get("fwd_from_channel"), post.get("fwd_from_id")
        if not channel or not message_id:
            return None
        for original in self._posts_of(str(channel), int(message_id)):
            row = self.conn.execute(f"SELECT story_id FROM {self.tables}story_posts WHERE watchlist = ? AND post_id = ?",
                                    (watchlist, original)).fetchone()
            if row is not None:
                return row[0], original
        return None

    def _posts_of(self, channel: str, message_id: int) -> list[int]:
        """The stored posts that are message ``message_id`` of ``channel``: a channel key (the id
        Telegram forwards name) or a username (what the web preview links to), in any case; point
        lookups on the posts key and the username index."""
        sources = [row[0] for row in self.conn.execute(  # the few distinct sources, one index step each
            "WITH RECURSIVE s(source) AS (SELECT min(source) FROM posts UNION ALL"
            " SELECT (SELECT min(source) FROM posts WHERE source > s.source) FROM s WHERE s.source IS NOT NULL)"
            " SELECT source FROM s WHERE source IS NOT NULL")]
        found = set()
        for source in sources:
            for key in dict.fromkeys((channel, channel.lower())):
                row = self.conn.execute("SELECT id FROM posts WHERE source = ? AND channel = ? AND message_id = ?",
                                        (source, key, message_id)).fetchone()
                if row is not None:
                    found.add(row[0])
        if not channel.isdigit():  # a username (they begin with a letter); Telegram's forwards name ids
            found.update(row[0] for row in self.conn.execute(
                "SELECT id FROM posts WHERE lower(channel_username) = ? AND message_id = ?",
                (channel.lower(), message_id)))
        return sorted(found)

    def _near_duplicate(self, watchlist: str, claim: Claim, since: str, until: str,
                        post_id: int) -> tuple[int, int, float] | None:
        if claim.signature is None or claim.shingles < 3:
            return None
        # the latest posts of each band (bounded); those sharing the most bands are the likeliest
        # near-duplicates, the latest first among equals
        bands = list(dict.fromkeys(claim.bands))
        shared: Counter[int] = Counter()
        for band in bands:
            shared.update(row[0] for row in self.conn.execute(
                f"SELECT post_id FROM {self.tables}story_bands WHERE watchlist = ? AND band = ?"
                " AND date BETWEEN ? AND ? ORDER BY date DESC, post_id DESC LIMIT ?",
                (watchlist, band, since, until, BAND_ROWS)))
        shared.pop(post_id, None)
        if not shared:
            return None
        ranked = sorted(shared, key=lambda other: (-shared[other], -other))[:CANDIDATES]
        marks = ",".join("?" * len(ranked))
        found = {row[0]: row[1:] for row in self.conn.execute(
            f"SELECT post_id, story_id, signature FROM {self.tables}story_posts"
            f" WHERE watchlist = ? AND post_id IN ({marks}) AND signature IS NOT NULL", (watchlist, *ranked))}
        rows = [(other, *found[other]) for other in ranked if other in found]
        if not rows:
            return None
        scores = similarities(claim.signature, [blob for _, _, blob in rows])
        best = int(np.argmax(scores))  # among equals, the one sharing the most bands
        if scores[best] < self.threshold:
            return None
        other_post, story_id, _ = rows[best]
        return story_id, other_post, float(scores[best])

    def _stories_of_key(self, watchlist: str, key: int, since: str, until: str) -> list[int]:
        """The stories (at most PER_KEY, the latest) carrying a claim key in ``[since, until]``."""
        return [row[0] for row in self.conn.execute(
            f"SELECT story_id FROM {self.tables}story_keys WHERE watchlist = ? AND key = ? AND date BETWEEN ? AND ?"
            " AND post_id = 0 ORDER BY date DESC, story_id DESC LIMIT ?", (watchlist, key, since, until, PER_KEY))]

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
            story_figures = {(unit, v) for unit, values in story["figures"].items() for v in values}
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
        """Delete stories whose latest post is older than ``before`` (they can no longer be
        joined), and every story's posts and keys older than ``before``.

        Used by replay, whose scratch database would otherwise grow with the archive; the live
        archive keeps its stories for browsing. (A forward of a post older than the window then
        joins its story only if the story is found another way: by text, places or figures.)
        """
        for table, column in (("story_keys", "date"), ("story_bands", "date"), ("story_posts", "date"),
                              ("stories", "last_seen")):
            self.conn.execute(f"DELETE FROM {self.tables}{table} WHERE {column} < ?", (before,))

    # -- decisions ----------------------------------------------------------------------------
    def process(self, post: dict[str, Any], hits: list[Any], *, claim: Claim | None = None) -> list[Decision]:
        """Decide for each watchlist hit of ``post`` (a posts row as a dict) and write the
        decisions to the story tables (inside the caller's transaction).

        :param post: the stored post (``id``, ``date``, ``text``, ``translation``, channel fields).
        :param hits: the watchlists it matched (``MatchResult.watchlists``).
        :param claim: the claim of its text and translation, if the caller has it already.
        """
        if not hits:
            return []
        if claim is None:
            claim = claim_of(post.get("text") or "", post.get("translation"))
        date = parse_iso(post["date"]) if isinstance(post["date"], str) else post["date"]
        text_date = iso(date)
        if post["date"] != text_date:
            post = post | {"date": text_date}  # the archive's form, whatever the caller gave
        since, until = iso(date - self.window), iso(date + self.window)
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
        existing = self.conn.execute(f"SELECT story_id, signature FROM {self.tables}story_posts"
                                     " WHERE watchlist = ? AND post_id = ?", (watchlist, post_id)).fetchone()
        sim = None
        if existing:  # an edit of a post already in a story: only what it adds counts
            story_id, reason = existing[0], "edited post"
        elif (forwarded := self._forwarded_story(watchlist, post)) is not None:
            story_id, reason = forwarded[0], f"forward of {self._post_label(forwarded[1])}"
        elif (near := self._near_duplicate(watchlist, claim, since, until, post_id)) is not None:
            story_id, sim = near[0], near[2]
            reason = f"repeat of {self._post_label(near[1])}, similarity {near[2]:.2f}"
        elif (same := self._same_claim(watchlist, claim, places, regions, since, until)) is not None:
            story_id, reason = same
        else:
            story_id = self._open(watchlist, post, claim, places, regions)
            self._record(watchlist, story_id, post, claim, places, regions, "new", "first post of a new story", None)
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
        self._merge(story, post, claim, places, regions, edit=existing is not None)
        self._record(watchlist, story_id, post, claim, places, regions, kind, reason, sim, replaces=existing)
        changes = {"figures": [f.__dict__ | ({"was": None}) for f in new_figures]
                   + [f.__dict__ | {"was": old} for f, old in changed], "places": new_places}
        return Decision(watchlist, kind, story_id, post_id, reason, changes if kind == "update" else {}, sim)

    def _open(self, watchlist: str, post: dict[str, Any], claim: Claim, places: list[str], regions: list[str]) -> int:
        figures: dict[str, list[int]] = {}
        for f in claim.figures:
            figures.setdefault(f.unit, []).append(f.value)
        cursor = self.conn.execute(
            f"INSERT INTO {self.tables}stories (watchlist, first_post_id, first_seen, last_seen, posts, sources, channels,"
            " languages, regions, places, figures, kinds, title) VALUES (?, ?, ?, ?, 1, 1, ?, ?, ?, ?, ?, ?, ?)",
            (watchlist, post["id"], post["date"], post["date"],
             json.dumps([f"{post['source']}:{post['channel']}"]), json.dumps([post.get("lang") or "und"]),
             json.dumps(regions), json.dumps(places, ensure_ascii=False), json.dumps(figures, ensure_ascii=False),
             json.dumps(sorted(claim.kinds)), (post.get("text") or "")[:200]),
        )
        return cursor.lastrowid

    def _merge(self, story: dict[str, Any], post: dict[str, Any], claim: Claim, places: list[str], regions: list[str],
               *, edit: bool) -> None:
        channels = story["channels"]
        channel = f"{post['source']}:{post['channel']}"
        if channel not in channels:
            channels.append(channel)
        languages = story["languages"]
        if (post.get("lang") or "und") not in languages:
            languages.append(post.get("lang") or "und")
        for f in claim.figures:
            values = story["figures"].setdefault(f.unit, [])
            if f.value not in values:
                values.append(f.value)
                del values[:-MAX_VALUES]  # the latest values are what a repeat is checked against
        story["last_seen"] = max(story["last_seen"], post["date"])
        story["posts"] += 0 if edit else 1  # an edit is counted once, not once per edit
        story["sources"] = len(channels)
        story["regions"] = list(dict.fromkeys([*story["regions"], *regions]))
        story["places"] = list(dict.fromkeys([*story["places"], *places]))
        story["kinds"] = sorted(set(story["kinds"]) | claim.kinds)
        self._save(story)

    @staticmethod
    def _claim_keys(claim: Claim, places: list[str], regions: list[str]) -> list[int]:
        """Index keys of a post's claim: its places, its figure units, and (region, event kind) pairs."""
        keys = [_key("p", p) for p in places] + [_key("u", f.unit) for f in claim.figures]
        keys += [_key("k", f"{r}:{k}") for r in regions for k in sorted(claim.kinds)]
        return keys

    def _record(self, watchlist: str, story_id: int, post: dict[str, Any], claim: Claim, places: list[str],
                regions: list[str], decision: str, reason: str, sim: float | None,
                replaces: tuple[int, bytes | None] | None = None) -> None:
        """Write the post's story row, its band keys and its claim keys (``replaces``: the story
        row of the same post already stored, for an edit)."""
        signature = claim.blob()
        if replaces is not None:
            self.conn.execute(
                f"UPDATE {self.tables}story_posts SET signature = ?, reason = ? WHERE watchlist = ? AND post_id = ?",
                (signature, reason, watchlist, post["id"]),
            )
            self.conn.execute(f"DELETE FROM {self.tables}story_bands WHERE watchlist = ? AND post_id = ?",
                              (watchlist, post["id"]))
        else:
            self.conn.execute(
                f"INSERT INTO {self.tables}story_posts (story_id, post_id, watchlist, decision, reason, similarity, date,"
                " signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (story_id, post["id"], watchlist, decision, reason, sim, post["date"], signature),
            )
        self.conn.executemany(
            f"INSERT OR IGNORE INTO {self.tables}story_bands (watchlist, band, date, post_id, story_id)"
            " VALUES (?, ?, ?, ?, ?)",
            [(watchlist, band, post["date"], post["id"], story_id) for band in dict.fromkeys(claim.bands)])
        # claim keys once per story, with the date of its latest post carrying them
        self.conn.executemany(
            f"INSERT INTO {self.tables}story_keys (watchlist, key, story_id, post_id, date) VALUES (?, ?, ?, 0, ?)"
            " ON CONFLICT (watchlist, key, story_id, post_id) DO UPDATE SET date = max(date, excluded.date)",
            [(watchlist, key, story_id, post["date"]) for key in dict.fromkeys(self._claim_keys(claim, places, regions))])
