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
considered, but for a post retelling two or more of an older story's counts unchanged (RETOLD_DAYS).
A digest of several regions' items is read, for each watchlist, from its items about
the watched regions only (``items.concerning``); named weapons (ATACMS, Storm Shadow) are part of
the frame: different ones tell claims apart. Meaning (a cosine of sentence vectors) weighs more or
less by what the frames share (``StoryDetector._compare``); a story post in another language counts
CROSS_LANGUAGE nearer when the frames do not conflict.
Decisions: MENTION when the post names the watched regions only in passing (``items.in_passing``:
no story, no alert), or only as background (outside its lead, in no sentence of an event or figure, with a
lead telling no event or about another region);
NEW when the post opens a story; UPDATE when it adds a figure or a place the
story did not have, a count added to a toll («ещё двое ранены»), a happening its lead is first to tell
(a fire, an evacuation, a regime declared, a power outage: ``ASPECT_KINDS``) or a day of mourning, an
airport or airfield the story has not named (closed, hit), tells the story's first denial, or first
confirms a story told only as unconfirmed; otherwise the post is corroboration (recorded,
the story's source count grows). Every decision has its reason in plain words, stored with the story (a
mention's is logged, and listed by ``replay(mentions=True)``).

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
import re
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import lru_cache
from typing import Any

import numpy as np

from monitor.config.schema import Stories
from monitor.storage import iso, parse_iso

from .claims import (
    GENERAL_KINDS,
    PERSON_UNITS,
    SHOT_DOWN_UNITS,
    STATEMENT_KINDS,
    TELLING_KINDS,
    TOLL_UNITS,
    WEAPON_KINDS,
    Claim,
    Figure,
    claim_of,
    extract_actor,
    extract_facilities,
    extract_figures,
    extract_kinds,
    folded_text,
    lead,
    same_time,
    similarities,
    with_parents,
)
from .items import concerning, in_passing, may_name_in_passing, sentences_of
from .meaning import closeness
from .places import PlaceTree

log = logging.getLogger(__name__)

MAX_VALUES = 30  # figure values remembered per unit and story
CANDIDATES = 25  # stories (or posts) compared per decision: the best-connected ones, whatever the window holds
BAND_ROWS = 10  # posts read per LSH band: the most recent ones (posts sharing a band are mostly one story)
PER_KEY = 50  # index rows read per claim key: the most recent ones
LATEST = 10  # the watchlist's latest stories compared by meaning, whatever their keys
STORY_VECTORS = 20  # a story's latest posts whose meaning a post is compared with
# Cosine of sentence vectors (multilingual-e5-small) at which a post carries a story's claim:
OBJECT = "object:"  # a named object in a story's ``kinds`` column ("object:ATACMS")
FACILITY = "facility:"  # an airport or airfield named, in a story's ``kinds`` column ("facility:wrmtv", Sheremetyevo)
# In a story's ``kinds`` column: the story is told so far only as unconfirmed («якобы», "reportedly")
TOLD = "told:"
UNCONFIRMED = TOLD + "unconfirmed"
DENIED = TOLD + "denied"  # a post of the story says a party denies or refutes it
ADDED = TOLD + "added:"  # a count added to its toll, told by a post of the story ("told:added:injured:2")
MEANING_WITH_FRAME = 0.85  # when the claim frames agree (a shared figure, or place and event)
MEANING_WITH_REGION = 0.88  # when they agree on region and event only
MEANING_ALONE = 0.93  # when the frames neither agree nor differ (a count retold in other words)
MEANING_DESPITE_FRAME = 0.94  # when the frames differ (another event, place or speaker): a near copy only
# Added to the cosine of posts in two languages: the model puts texts of one language nearer each
# other, so a translation scores about as far below a same-language retelling
CROSS_LANGUAGE = 0.06
# What may happen in an event besides its strike: told first in a post's lead, news of its own (an update)
ASPECT_KINDS = frozenset({"fire", "evacuation", "emergency", "counter-terrorism", "capture", "outage"})
# What is declared after an event (a day of mourning): news of its own wherever a post tells it first
DECLARED_KINDS = frozenset({"mourning"})
RETOLD_DAYS = 14  # how long after a story's first post its counts, retold without change, still join it
# How a reason names the kinds whose name alone says too little
ASPECT_NAMES = {"mourning": "a day of mourning", "counter-terrorism": "a counter-terrorism regime"}


@dataclass
class Decision:
    watchlist: str
    kind: str  # "new" | "update" | "repeat" | "mention" (named in passing: in no story)
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


def _rounded(figure: Figure, known: list[int]) -> bool:
    """Whether a figure is a known count rounded down: told as approximate, a multiple of ten from 20, at
    most a fifth below it («более 120 пострадавших» after 124, "over 150" after 151); a correction (9 -> 8,
    «уточнил: 120» after 124) is not."""
    value = figure.value
    return figure.approximate and value >= 20 and value % 10 == 0 and any(0.8 * v <= value < v for v in known)


def _over_regions(figure: Figure, known: list[int] | None) -> bool:
    """Whether a count of drones or missiles told as a total over several regions (``Frame.totals``) is larger than
    any the story has (or the first): the total over all of them (a defence ministry's 42 drones over six regions
    after the region's 2; 130 drones over the country), not the region's count risen."""
    return figure.value > max(known or [0])


# Words naming the whole country a count is told over («над территорией России», "across the country")
WHOLE_COUNTRY = frozenset({"россии", "россией", "россия", "стране", "страны", "країни", "країні", "україною", "україні",
                           "україна", "україни", "украина", "украины", "украине", "russia", "ukraine", "country",
                           "регионами", "регионах", "регіонами", "регіонах", "regions"})
_CLAUSE_MARK = re.compile(r"[,;—–]")


def _total_over_regions(figure: Figure, regions: list[str], named: Callable[[str], list[str]]) -> bool:
    """Whether a count of drones or missiles is a total over several regions: its own sentence names two regions
    or more, one of them not watched, or the whole country, and gives no part for the watched ``regions`` (its
    clause names none but them: «Над Курской областью сбиты 7 беспилотников, ещё 3 — над Белгородской» tells
    Kursk's 7; drones flying to Moscow downed in Moscow region are the watched regions' own)."""
    if figure.unit.removesuffix(" shot down") not in SHOT_DOWN_UNITS or figure.parts or not figure.sentence:
        return False
    clause = next((c for c in _CLAUSE_MARK.split(figure.sentence) if figure.words in " ".join(c.split())),
                  figure.sentence)
    if set(named(clause)) and set(named(clause)) <= set(regions):
        return False  # the watched region's own count, told beside another region's
    told = set(named(figure.sentence))
    return (len(told) >= 2 and bool(told - set(regions))) or bool(WHOLE_COUNTRY & set(folded_text(figure.sentence).split()))


def _heard(figure: Figure, known: dict[str, list[int]]) -> bool:
    """Whether a figure is a count of explosions heard, told of a strike whose toll the story has: colour of
    the first reports, no news once the dead or the injured are counted."""
    return figure.unit == "explosions" and any(unit in known for unit in TOLL_UNITS)


def _not_news(frame: Frame, known: dict[str, list[int]]) -> str:
    """The figures of a post that are no change of a story's counts, in words, for the decision's reason."""
    totals = [f for f in frame.totals if _over_regions(f, known.get(f.unit))]
    heard = [f for f in frame.figures if _heard(f, known) and f.value not in known.get(f.unit, [])]
    return "".join([f"; {_figure_text(f)}: a total over several regions, not the region's count" for f in totals]
                   + [f"; {_figure_text(f)}: explosions heard, no news once the toll is known" for f in heard])


def _tells_event(text: str) -> bool:
    """Whether a text (a post's lead) tells an event or a figure: a kind besides telling and statements, or a count
    of what happened (a bare count of people, «125 тысяч человек», may be a population)."""
    return bool(extract_kinds(text) - TELLING_KINDS - STATEMENT_KINDS
                or any(f.unit != "people" for f in extract_figures(text)))


def _label(post: dict[str, Any]) -> str:
    channel = post.get("channel_username") or post.get("channel_title") or post.get("channel")
    return f"{channel}/{post.get('message_id')}"


def _nearest(same: float | None, across: float | None, bonus: float = CROSS_LANGUAGE) -> float:
    """The nearer of a cosine to posts in one language and one to posts in others, the latter
    counting ``bonus`` nearer (the model sets texts of one language nearer each other)."""
    return max(c for c in (same, None if across is None else min(1.0, across + bonus)) if c is not None)


def _added(frame: Frame) -> set[str]:
    """The counts a post adds to a toll, as a story's ``kinds`` column keeps them (ADDED)."""
    return {f"{ADDED}{f.unit}:{f.value}" for f in frame.increments}


def _figure_text(f: Figure) -> str:
    return f.words if f.unit in f.words or not f.words else f"{f.words} ({f.unit})"


def same_unit(one: str, other: str) -> bool:
    """Whether two figure units may count the same thing: equal, those hospitalised and those still in hospital,
    or a generic count of people ("300 человек") and a count of some people ("300 военнослужащих")."""
    if one.removesuffix(" shot down") == other.removesuffix(" shot down"):
        return True  # a count shot down, told with or without the word (42 drones, 42 drones shot down)
    if {one, other} == {"hospitalised", "in hospital"}:
        return True  # "30 hospitalized", «в больницах находятся 30 пострадавших»: the same people in hospital
    return one == other or ("people" in (one, other) and one in PERSON_UNITS and other in PERSON_UNITS)


@dataclass
class Frame:
    """The claim of one post for one watchlist: what happened, where, how many, who says so, when."""

    kinds: set[str]
    places: list[str]  # gazetteer ids of settlements and districts
    regions: list[str]
    figures: list[Figure]
    actor: str | None
    date: str
    day: str | None = None  # the day (and part of day) the post names for its claim (claims.When)
    spoken: bool = False  # the speaker is named beside a word of speech in the post's lead
    clock: str | None = None  # the time of day the lead names for the claim («около 10.30»)
    objects: set[str] = field(default_factory=set)  # the named weapons it speaks of (ATACMS, Storm Shadow)
    lang: str | None = None  # the post's language, to weigh meaning across languages
    confirms: bool = False  # its lead says a party confirms the event
    hedged: bool = False  # its lead tells the event as unconfirmed («якобы», "reportedly", «сообщают СМИ»)
    # the post names regions besides the watched ones: a total may count those too (34 drones, 27 of them over Kursk)
    wider: bool = False
    increments: list[Figure] = field(default_factory=list)  # counts told as added to a toll («ещё двое ранены»)
    lead_kinds: set[str] = field(default_factory=set)  # the event kinds its lead names
    facilities: dict[str, str] = field(default_factory=dict)  # airports and airfields it names: key -> name
    denies: bool = False  # it says a party denies or refutes what was told
    totals: list[Figure] = field(default_factory=list)  # counts told as totals over several regions (_total_over_regions)

    def confirming(self) -> bool:
        """Whether it confirms the claim: a party says so, or a named speaker tells it as fact."""
        return self.confirms or bool(self.spoken and self.actor and not self.hedged)

    def stored_kinds(self) -> set[str]:
        """Its event kinds, named objects and facilities, and whether it tells a denial, as a story's ``kinds``
        column keeps them."""
        return (self.kinds | {OBJECT + o for o in self.objects} | {FACILITY + f for f in self.facilities}
                | ({DENIED} if self.denies else set()))

    def figure_keys(self) -> list[tuple[str, int]]:
        return [f.key() for f in self.figures]

    def describe(self, tree: PlaceTree) -> str:
        parts = []
        if self.kinds - TELLING_KINDS:
            parts.append("event " + ", ".join(sorted(self.kinds - TELLING_KINDS)))
        if self.objects:
            parts.append("object " + ", ".join(sorted(self.objects)))
        if self.places:
            parts.append("place " + ", ".join(tree.name(p) for p in self.places))
        elif self.regions:
            parts.append("region " + ", ".join(self.regions))
        if self.figures:
            parts.append("figures " + ", ".join(f"{f.unit} {f.value}" for f in self.figures))
        if self.actor:
            parts.append(f"speaker {self.actor}")
        if self.day:
            parts.append(f"day {self.day}")
        return "; ".join(parts)


@dataclass
class Comparison:
    same: bool
    score: float
    parts: list[str]  # what the frames share, in words
    conflicts: list[str]  # where they differ, in words
    meaning: float | None
    first_post: int = 0  # the story's first post: its id, and its label ("channel/message")
    label: str = ""
    figures_shared: int = 0  # how many figures the frames share


class StoryDetector:
    """Story decisions read from and written to the story tables of ``schema`` as they are made,
    inside the caller's transaction: nothing is held between posts."""

    def __init__(self, conn, *, window_hours: float = Stories.window_hours, threshold: float = Stories.similarity,
                 story_hours: float = Stories.story_hours, schema: str = "main", places: PlaceTree | None = None,
                 regions_of: Callable[[str, str | None], list[str]] | None = None):
        self.conn = conn
        # the regions a piece of text names (the matcher's), to read a digest's items apart
        self.regions_of = regions_of
        self.window = timedelta(hours=window_hours)
        self.span = timedelta(hours=story_hours)
        self.threshold = threshold
        self.tables = f"{schema}."
        self.places = places or PlaceTree.empty()

    # -- lookups -----------------------------------------------------------------------------
    def _story(self, story_id: int) -> dict[str, Any]:
        cursor = self.conn.execute(f"SELECT * FROM {self.tables}stories WHERE id = ?", (story_id,))
        story = dict(zip([d[0] for d in cursor.description], cursor.fetchone()))
        for column in ("channels", "languages", "regions", "places", "figures", "kinds", "actors"):
            story[column] = json.loads(story[column])
        return story

    def _save(self, story: dict[str, Any]) -> None:
        self.conn.execute(
            f"UPDATE {self.tables}stories SET last_seen = ?, posts = ?, sources = ?, channels = ?,"
            " languages = ?, regions = ?, places = ?, figures = ?, kinds = ?, actors = ?, day = ? WHERE id = ?",
            (story["last_seen"], story["posts"], story["sources"], json.dumps(story["channels"]),
             json.dumps(story["languages"]), json.dumps(story["regions"]),
             json.dumps(story["places"], ensure_ascii=False), json.dumps(story["figures"], ensure_ascii=False),
             json.dumps(story["kinds"]), json.dumps(story["actors"]), story.get("day"), story["id"]),
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

    def _candidates(self, watchlist: str, claim: Claim, places: list[str], regions: list[str], since: str,
                    until: str, *, latest: bool) -> list[int]:
        """Stories that may carry the claim: those sharing the most claim keys, then (``latest``:
        when meaning can tell) the latest of the watchlist, for claims told without a place,
        figure or event word in common."""
        hits: dict[int, int] = {}
        for key in dict.fromkeys(self._claim_keys(claim, places, regions)):
            for story_id in self._stories_of_key(watchlist, key, since, until):
                hits[story_id] = hits.get(story_id, 0) + 1
        ranked = [story_id for story_id, _ in sorted(hits.items(), key=lambda kv: (-kv[1], -kv[0]))[:CANDIDATES]]
        if latest:
            ranked += [row[0] for row in self.conn.execute(
                f"SELECT id FROM {self.tables}stories WHERE watchlist = ? AND last_seen BETWEEN ? AND ?"
                " ORDER BY last_seen DESC, id DESC LIMIT ?", (watchlist, since, until, LATEST))]
        return list(dict.fromkeys(ranked))

    def _stories_in_span(self, story_ids: list[int], date: str, reach: timedelta | None = None) -> list[dict[str, Any]]:
        """The stories of ``story_ids`` (in that order) whose first post lies within ``reach`` of
        ``date`` (by default ``story_hours`` and ``window_hours``): one read. Those beyond ``story_hours``
        are marked ``late``: a post may only retell them, never change them."""
        if not story_ids:
            return []
        moment = parse_iso(date)
        reach = reach or self.span + self.window
        cursor = self.conn.execute(
            f"SELECT * FROM {self.tables}stories WHERE id IN ({','.join('?' * len(story_ids))})"
            " AND first_seen BETWEEN ? AND ?", (*story_ids, iso(moment - reach), iso(moment + reach)))
        names = [d[0] for d in cursor.description]
        found = {}
        for row in cursor:
            story = dict(zip(names, row))
            for column in ("channels", "languages", "regions", "places", "figures", "kinds", "actors"):
                story[column] = json.loads(story[column])
            story["late"] = not self._in_span(story, date)
            found[story["id"]] = story
        return [found[story_id] for story_id in story_ids if story_id in found]

    def _meanings(self, story_ids: list[int], vector: np.ndarray | None, lang: str | None = None) -> dict[int, float]:
        """How near the post's meaning is to each story's, a story post in another language than
        ``lang`` counting CROSS_LANGUAGE nearer (``_closeness``)."""
        return {story_id: _nearest(*near) for story_id, near in self._closeness(story_ids, vector, lang).items()}

    def _closeness(self, story_ids: list[int], vector: np.ndarray | None,
                   lang: str | None = None) -> dict[int, tuple[float | None, float | None]]:
        """How near the post's meaning is to each story's (its latest STORY_VECTORS posts), to its
        posts in ``lang`` and to those in other languages apart: one read for all candidates; a
        story without vectors (or a post without one) is left out."""
        if vector is None or not story_ids:
            return {}
        blobs: dict[int, tuple[list[bytes], list[bytes]]] = {}
        for story_id, blob, other in self.conn.execute(
                f"SELECT story_id, vector, other FROM (SELECT sp.story_id, v.vector, row_number() OVER"
                " (PARTITION BY sp.story_id ORDER BY sp.date DESC, sp.post_id DESC) AS latest,"
                " coalesce(p.lang, '') NOT IN ('', ?) AND ? != '' AS other"
                f" FROM {self.tables}story_posts sp JOIN {self.tables}post_vectors v ON v.post_id = sp.post_id"
                " LEFT JOIN posts p ON p.id = sp.post_id"
                f" WHERE sp.story_id IN ({','.join('?' * len(story_ids))})) AS recent WHERE latest <= ?",
                (lang or "", lang or "", *story_ids, STORY_VECTORS)):
            blobs.setdefault(story_id, ([], []))[1 if other else 0].append(blob)
        found: dict[int, tuple[float | None, float | None]] = {}
        for story_id, (same, others) in blobs.items():
            near = (closeness(vector, same), closeness(vector, others))
            if near != (None, None):
                found[story_id] = near
        return found

    def _shared(self, frame: Frame, story: dict[str, Any], kinds: set[str], objects: set[str], places: list[str],
                figures: list[tuple[str, int]], units: set[str]) -> list[str]:
        """What a post's frame shares with a story's, in words (for the decision's reason)."""
        parts = []
        if kinds:
            parts.append("event " + ", ".join(sorted(kinds)))
        if objects:
            parts.append("object " + ", ".join(sorted(objects)))
        if places:
            parts.append("place " + ", ".join(self.places.name(p) for p in places))
        if figures:
            parts.append("figures " + ", ".join(f"{u} {v}" for u, v in figures))
        elif units:
            parts.append("counts of " + ", ".join(sorted(units)))
        if frame.actor and frame.actor in (story.get("actors") or []):
            parts.append(f"speaker {frame.actor}")
        if frame.day and frame.day == story.get("day"):
            parts.append(f"day {frame.day}")
        return parts

    def _compare(self, frame: Frame, story: dict[str, Any],
                 near: float | tuple[float | None, float | None] | None) -> Comparison:
        """Whether the post's claim frame and meaning are the story's claim, and what they share.
        ``near``: the cosines to the story's posts in the post's language and in others
        (``_closeness``); those in others count CROSS_LANGUAGE nearer only when the frames do not
        conflict (a translation, not another place's claim told in another language)."""
        tree = self.places
        story_figures = [(unit, v) for unit, values in story["figures"].items() for v in values]
        shared_figures = sorted({(unit, v) for unit, v in frame.figure_keys()
                                 for other, w in story_figures if v == w and same_unit(unit, other)})
        shared_places = tree.overlap(frame.places, story["places"])
        story_objects = {k.removeprefix(OBJECT) for k in story["kinds"] if k.startswith(OBJECT)}
        shared_objects = frame.objects & story_objects
        # an airport or airfield both name: where it happened, as a shared place
        shared_facilities = {k for k in frame.facilities if FACILITY + k in story["kinds"]}
        kinds = frame.kinds - TELLING_KINDS
        story_kinds = {k for k in story["kinds"] if not k.startswith((OBJECT, TOLD, FACILITY))} - TELLING_KINDS
        # a kind named more or less specifically is shared (an attack, a drone attack)
        shared_kinds = (with_parents(kinds) & with_parents(story_kinds)) if kinds and story_kinds else set()
        shared_units = ({f.unit for f in frame.figures} - {"people"}) & set(story["figures"])
        shared_regions = set(frame.regions) & set(story["regions"])
        telling_kinds = shared_kinds - GENERAL_KINDS  # kinds that tell a region's claims apart
        actors = story.get("actors") or []
        statement = not frame.figures  # a claim told without figures: its content and its speaker
        conflicts = []
        if kinds - GENERAL_KINDS and story_kinds - GENERAL_KINDS and not shared_kinds - {"attack", "strike"}:
            conflicts.append(f"event {', '.join(sorted(kinds))}, not {', '.join(sorted(story_kinds))}")
        elif kinds & WEAPON_KINDS and story_kinds & WEAPON_KINDS and not kinds & story_kinds & WEAPON_KINDS:
            conflicts.append(f"struck by {', '.join(sorted(kinds & WEAPON_KINDS))}, not "
                             + ", ".join(sorted(story_kinds & WEAPON_KINDS)))
        if frame.objects and story_objects and not shared_objects:  # ATACMS, not Storm Shadow: another strike
            conflicts.append(f"object {', '.join(sorted(frame.objects))}, not {', '.join(sorted(story_objects))}")
        if frame.places and story["places"] and not shared_places and len(shared_figures) < 2:
            conflicts.append(f"place {', '.join(tree.name(p) for p in frame.places)}, not "
                             + ", ".join(tree.name(p) for p in story["places"]))
        other_day = not same_time(frame.day, story.get("day"))  # a template retold daily: never one claim
        if other_day:
            conflicts.append(f"day {frame.day}, not {story.get('day')}")
        if statement and frame.clock and story["figures"]:  # a report of its own moment, not that count's news
            conflicts.append(f"a report of {frame.clock} without figures, not a story of figures")
        # a speaker of its own with no figure but the story's: what they say is the claim (a statement)
        retold = bool(frame.figures) and len(shared_figures) == len(set(frame.figure_keys()))
        if (statement or retold) and frame.spoken and frame.actor and actors and frame.actor not in actors:
            conflicts.append(f"speaker {frame.actor}, not {', '.join(actors)}")
        # a statement of what is done about an event (a court's arrest, a response promised) is its own
        # claim: it never retells a story without it; a statement without it retells a statement with
        # it only near word for word (a conflict)
        said = (kinds - story_kinds) & STATEMENT_KINDS if statement else set()
        if said:
            conflicts.append(f"a statement of {', '.join(sorted(said))}, which the story does not tell")
        elif statement and not story["figures"] and (unsaid := (story_kinds - kinds) & STATEMENT_KINDS):
            conflicts.append(f"no statement of {', '.join(sorted(unsaid))}, which the story tells")
        if isinstance(near, tuple):
            apart_figures = bool(frame.figures and story["figures"] and not shared_figures)
            meaning: float | None = _nearest(*near, bonus=0.0 if conflicts or apart_figures else CROSS_LANGUAGE)
        else:
            meaning = near
        # the frames agree: on figures, or on place and event
        frame_agrees = bool(
            len(shared_figures) >= 2
            or (shared_figures and (shared_places or shared_kinds or shared_regions))
            or (shared_places and telling_kinds)
            or (shared_facilities and shared_kinds)
            or (shared_units and shared_kinds and shared_places)  # the same count changing (24 injured after 5)
            # the same count of a strike by the same weapon on a region told without a place in it (a city
            # region: Sevastopol's injured by missiles, whoever counts them)
            or (shared_units and shared_regions and kinds & story_kinds & WEAPON_KINDS and not frame.places
                and not story["places"])
        )
        # or only on region and event: a count changing across the region, a claim about the whole
        # region (a state of emergency), or about a place in it, told once with the place and once
        # with the region only, in any language
        region_agrees = bool(
            (shared_units and shared_kinds and shared_regions and not frame.places)
            or (shared_places and shared_kinds)
            or (shared_objects and shared_regions)  # the same named weapon in the same region
            # or a speaker's statement about the region, told again
            or (statement and shared_regions and frame.actor in actors and not story["figures"])
            or (shared_regions and telling_kinds and (not frame.places or not story["places"])
                and not shared_units and not (frame.figures and story["figures"]))
        )
        # what the decision rests on, and the nearness of meaning it then needs
        if other_day and not said and len(shared_figures) >= 2:  # two counts retold under a later day's date
            # only the story's counts, within its span: what that day's post retells (a regime declared the day after)
            basis, needed = "conflict", MEANING_WITH_REGION if retold and not story.get("late") else MEANING_DESPITE_FRAME
        elif other_day or said:  # a near copy in words joins still (rule 2: MinHash), not one in meaning only
            basis, needed = "apart", None
        elif conflicts:
            basis, needed = "conflict", MEANING_DESPITE_FRAME
        elif frame_agrees:
            basis, needed = "frame", MEANING_WITH_FRAME
        # a report of its own moment («около 10.30» a drone downed) agreeing on region and event
        # only joins when it reads as a retelling (MEANING_ALONE)
        elif region_agrees and not (statement and frame.clock):
            basis, needed = "region", MEANING_WITH_REGION
        else:  # a statement sharing nothing of the frame (speaker, place, event) is retold only near word for word
            basis, needed = "meaning", MEANING_DESPITE_FRAME if statement else MEANING_ALONE
        if needed is None:
            same = False
        elif meaning is None:  # the frame alone (meaning switched off)
            same = basis != "conflict" and (frame_agrees or region_agrees)
        else:
            same = meaning >= needed
        parts = self._shared(frame, story, shared_kinds, shared_objects, shared_places, shared_figures, shared_units)
        parts += [f"facility {', '.join(frame.facilities[k] for k in sorted(shared_facilities))}"] if shared_facilities else []
        score = (3 * len(shared_figures) + 2 * len(shared_places) + len(shared_kinds) + len(shared_units)
                 + 10 * (meaning or 0.0))
        return Comparison(same, score, parts, conflicts, meaning, figures_shared=len(shared_figures))

    def _same_claim(self, watchlist: str, frame: Frame, claim: Claim, vector: np.ndarray | None, since: str,
                    until: str) -> tuple[int, str] | Comparison | None:
        """The story carrying the post's claim, with the reason; or else the nearest story the frame
        told apart (for the reason of a new story), or None."""
        best: tuple[float, int, Comparison] | None = None
        nearest: Comparison | None = None
        candidates = self._candidates(watchlist, claim, frame.places, frame.regions, since, until,
                                      latest=vector is not None)
        stories = self._stories_in_span(candidates, frame.date)
        meanings = self._closeness([story["id"] for story in stories], vector, frame.lang)
        for story in stories:
            story_id = story["id"]
            found = self._compare(frame, story, meanings.get(story_id))
            found.first_post = story["first_post_id"]
            if found.same and story["late"]:
                if self._adds(frame, story) or not (found.figures_shared >= 2 or (found.meaning or 0) >= MEANING_DESPITE_FRAME):
                    continue  # past its story's span, only a retelling of its figures or a near copy joins it
                found.parts.append("told again after the story's span")
            if found.same and (best is None or found.score > best[0]):
                best = (found.score, story_id, found)
            elif not found.same and found.meaning is not None and (nearest is None or found.meaning > (nearest.meaning or 0)):
                nearest = found
        if best is None and (retold := self._retold(watchlist, frame, vector)) is not None:
            return retold
        if best is None:
            if nearest is not None:
                nearest.label = self._post_label(nearest.first_post)
            return nearest
        found = best[2]
        found.label = self._post_label(found.first_post)
        what = "; ".join(found.parts)
        if found.meaning is not None:
            what = f"{what}; meaning {found.meaning:.2f}" if what else f"meaning {found.meaning:.2f}"
        return best[1], f"same claim as {found.label}: {what}"

    def _retold(self, watchlist: str, frame: Frame, vector: np.ndarray | None) -> tuple[int, str] | None:
        """The story, closed for RETOLD_DAYS at most, whose counts a post retells: two or more of its
        figures, nothing added (a week-old toll told again in a review is no news)."""
        if len(frame.figures) < 2:
            return None
        since = iso(parse_iso(frame.date) - timedelta(days=RETOLD_DAYS))
        units: Counter[int] = Counter()  # how many of the post's figure units each story counts
        for f in frame.figures:
            units.update(self._stories_of_key(watchlist, _key("u", f.unit), since, frame.date))
        stories = [s for s in self._stories_in_span([k for k, n in units.items() if n >= 2], frame.date,
                                                    timedelta(days=RETOLD_DAYS)) if s["late"] and not self._adds(frame, s)]
        meanings = self._closeness([story["id"] for story in stories], vector, frame.lang)
        compared = [(self._compare(frame, story, meanings.get(story["id"])), story) for story in stories]
        best = max(((c, s) for c, s in compared if c.same and c.figures_shared >= 2),
                   key=lambda cs: (cs[0].score, cs[1]["id"]), default=None)
        if best is None:
            return None
        found, story = best
        what = "; ".join([*found.parts, "told again after the story's window"])
        if found.meaning is not None:
            what += f"; meaning {found.meaning:.2f}"
        return story["id"], f"same claim as {self._post_label(story['first_post_id'])}: {what}"

    def _adds(self, frame: Frame, story: dict[str, Any]) -> bool:
        """Whether the post's frame tells the story something new: a figure or a place."""
        return bool(self._figure_changes(frame.figures, story["figures"], wider=frame.wider, totals=frame.totals)
                    or [p for p in frame.places if not self.places.overlap([p], story["places"] + story["regions"])])

    def _in_span(self, story: dict[str, Any], date: str) -> bool:
        """Whether a post of ``date`` lies within ``story_hours`` of the story's first post."""
        first = parse_iso(story["first_seen"])
        return abs(parse_iso(date) - first) <= self.span

    def prune(self, before: str) -> None:
        """Delete stories whose latest post is older than ``before`` (they can no longer be
        joined), and every story's posts and keys older than ``before``.

        Used by replay, whose scratch database would otherwise grow with the archive, with ``before`` the
        post's date less the window or RETOLD_DAYS, whichever is longer (a retelling of an older story's
        counts still joins it); the live archive keeps its stories for browsing. (A forward of a post older than the window then
        joins its story only if the story is found another way: by text, places or figures.)
        """
        for table, column in (("story_keys", "date"), ("story_bands", "date"), ("story_posts", "date"),
                              ("stories", "last_seen")):
            self.conn.execute(f"DELETE FROM {self.tables}{table} WHERE {column} < ?", (before,))

    # -- decisions ----------------------------------------------------------------------------
    def process(self, post: dict[str, Any], hits: list[Any], *, claim: Claim | None = None,
                vector: np.ndarray | None = None, post_regions: list[str] | None = None) -> list[Decision]:
        """Decide for each watchlist hit of ``post`` (a posts row as a dict) and write the
        decisions to the story tables (inside the caller's transaction).

        :param post: the stored post (``id``, ``date``, ``text``, ``translation``, channel fields).
        :param hits: the watchlists it matched (``MatchResult.watchlists``).
        :param claim: the claim of its text and translation, if the caller has it already.
        :param post_regions: every region the post names (``MatchResult.named_regions``); when none is outside a
            watchlist's, the post's items need not be read one by one for it (not a digest of elsewhere).
        :param vector: its sentence vector (``meaning.Meaning``), stored in ``post_vectors`` by the
            caller; None when meaning is switched off (the claim frame alone decides).
        """
        if not hits:
            return []
        date = parse_iso(post["date"]) if isinstance(post["date"], str) else post["date"]
        if claim is None:
            claim = claim_of(post.get("text") or "", post.get("translation"), date)
        text_date = iso(date)
        if post["date"] != text_date:
            post = post | {"date": text_date}  # the archive's form, whatever the caller gave
        since, until = iso(date - self.window), iso(date + self.window)
        decisions = []
        named: dict[str, list[str]] = {}  # the regions each item names, read once for all hits
        for hit in hits:
            places = [p.id for p in hit.places if p.kind != "region"]
            regions = list(dict.fromkeys([*hit.regions, *(p.region for p in hit.places)]))
            outside = post_regions is None or bool(set(post_regions) - set(regions))
            if mention := self._mention(post, regions, places, hit.places, named, outside=outside):
                # about another region: it joins no story and raises nothing for this watchlist
                decisions.append(Decision(hit.name, "mention", 0, post["id"], mention,
                                          regions=regions, keywords=list(hit.keywords)))
                continue
            own = self._claim_for(post, regions, claim, date, named) if outside else claim
            frame = Frame(set(own.kinds), places, regions, own.figures, own.actor, text_date,
                          own.when.day(date), own.spoken, own.when.clock, own.objects, post.get("lang"),
                          own.confirms, own.hedged, outside, own.increments, own.lead_kinds, own.facilities,
                          own.denies)
            if self.regions_of is not None:
                cached = self._regions_cached(post, named)
                frame.totals = [f for f in own.figures if _total_over_regions(f, regions, cached)]
            decision = self._decide(hit.name, post, own, frame, vector, since, until)
            decision.regions = regions
            decision.keywords = list(hit.keywords)
            decisions.append(decision)
        return decisions

    def _regions_cached(self, post: dict[str, Any], named: dict[str, list[str]]) -> Callable[[str], list[str]]:
        """The regions a piece of the post names (the matcher's), each piece read once per post."""
        regions_of = self.regions_of
        assert regions_of is not None

        def cached(item: str) -> list[str]:
            if item not in named:
                named[item] = regions_of(item, post.get("lang"))
            return named[item]
        return cached

    def _mention(self, post: dict[str, Any], regions: list[str], places: list[str], hits: list[Any],
                 named: dict[str, list[str]], *, outside: bool) -> str | None:
        """Why the post only mentions the watched ``regions`` (in passing, or as background), or None."""
        if outside or may_name_in_passing(post.get("text") or ""):
            if elsewhere := self._in_passing(post, regions, places, hits, named):
                return f"named in passing: {elsewhere}"
        return self._background(post, regions, places, hits, named)

    def _in_passing(self, post: dict[str, Any], regions: list[str], places: list[str], hits: list[Any],
                    named: dict[str, list[str]]) -> str | None:
        """Why the post names the watched ``regions`` only in passing (``items.in_passing``), or None.
        A sentence with a figure, or with a place of the watched regions (``places``, as the
        watchlist hit's ``hits`` write them), tells of its own event there: never in passing."""
        if self.regions_of is None or not regions:
            return None
        text = post.get("text") or ""
        cached = self._regions_cached(post, named)
        top = lead(text)
        written = {w.lower() for p in hits if p.id in places for w in p.words if w}

        def own(sentence: str) -> bool:
            """A figure, or a place of the watched regions in a sentence naming no other region."""
            if extract_figures(sentence):
                return True
            lowered = sentence.lower()
            return any(w in lowered for w in written) and not set(cached(sentence)) - set(regions)
        if not in_passing(text, top, regions, cached, own):
            return None
        elsewhere = cached(top)
        return (f"the post's lead is about {', '.join(elsewhere)}" if elsewhere
                else "named only recalling earlier news or as where something did not happen")

    def _background(self, post: dict[str, Any], regions: list[str], places: list[str], hits: list[Any],
                    named: dict[str, list[str]]) -> str | None:
        """Why the watched ``regions`` are only the background of the post, or None: its lead names none of
        them (nor a place of theirs, nor an airport) and tells no event or is about another region, and no sentence
        naming them tells an event or a figure there or names a speaker (an actor's flat in Odesa, people who moved
        from it): no event in the region is told. A lead's event told without a place is where the region is named."""
        if self.regions_of is None or not regions:
            return None
        text = post.get("text") or ""
        cached = self._regions_cached(post, named)
        written = {w.lower() for p in hits if p.id in places for w in p.words if w}

        def naming(sentence: str) -> bool:
            lowered = sentence.lower()
            return bool(set(cached(sentence)) & set(regions)) or any(w in lowered for w in written)
        top = lead(text)
        if naming(top) or extract_facilities(top):  # an airport of the lead may be the region's
            return None
        if _tells_event(top) and not set(cached(top)) - set(regions):
            return None  # the lead tells an event, and the sentence naming the region says where it was
        told = [sentence for sentence in sentences_of(text) if naming(sentence)]
        if not told or any(extract_figures(sentence) or extract_kinds(sentence) or extract_actor(sentence)
                           for sentence in told):
            return None  # an event or a figure there, or the region's speaker («рассказал губернатор Курской области»)
        return "background: no event or figure in the sentences naming it"

    def _claim_for(self, post: dict[str, Any], regions: list[str], claim: Claim, date, named: dict[str, list[str]]) -> Claim:
        """The claim of the post's items about ``regions`` when it is a digest of several regions'
        items (``items.concerning``); else the post's whole claim."""
        if self.regions_of is None or not regions:
            return claim
        part = concerning(post.get("text") or "", regions, self._regions_cached(post, named))
        # the items' claim, at the time the post names (a digest dates its items in its headline)
        return claim if part is None else replace(claim_of(part, None, date), when=claim.when)

    def _decide(self, watchlist: str, post: dict[str, Any], claim: Claim, frame: Frame, vector: np.ndarray | None,
                since: str, until: str) -> Decision:
        post_id = post["id"]
        existing = self.conn.execute(f"SELECT story_id, signature FROM {self.tables}story_posts"
                                     " WHERE watchlist = ? AND post_id = ?", (watchlist, post_id)).fetchone()
        sim = None
        if existing:  # an edit of a post already in a story: only what it adds counts
            story_id, reason = existing[0], "edited post"
        elif (forwarded := self._forwarded_story(watchlist, post)) is not None:
            story_id, reason = forwarded[0], f"forward of {self._post_label(forwarded[1])}"
            if frame.describe(self.places):
                reason += f": {frame.describe(self.places)}"
        elif (near := self._near_duplicate(watchlist, claim, since, until, post_id)) is not None \
                and same_time(frame.day, (near_story := self._story(near[0])).get("day")) \
                and (self._in_span(near_story, frame.date) or not self._adds(frame, near_story)):
            story_id, sim = near[0], near[2]
            reason = f"repeat of {self._post_label(near[1])}, similarity {near[2]:.2f}"
        else:
            same = self._same_claim(watchlist, frame, claim, vector, since, until)
            if isinstance(same, tuple):
                story_id, reason = same
            else:
                story_id = self._open(watchlist, post, frame)
                reason = "new claim" + (f": {frame.describe(self.places)}" if frame.describe(self.places) else "")
                if same is not None and same.conflicts:  # the nearest story in meaning, told apart by the frame
                    reason += f" (not {same.label}: {'; '.join(same.conflicts)}; meaning {same.meaning:.2f})"
                self._record(watchlist, story_id, post, claim, frame, "new", reason, None)
                return Decision(watchlist, "new", story_id, post_id, reason,
                                {"figures": [f.as_change() for f in frame.figures], "places": frame.places})
        story = self._story(story_id)
        figures = self._figure_changes(frame.figures, story["figures"], wider=frame.wider, totals=frame.totals)
        new_places = [p for p in frame.places if not self.places.overlap([p], story["places"] + story["regions"])]
        # the first confirmation of a story told so far only as unconfirmed
        confirmation = frame.confirming() and UNCONFIRMED in story["kinds"]
        # a count added to a toll by a post giving no count of that unit («ещё двое ранены»): a change
        # too, once (a retelling of it is no news); beside a count («100 погибли, а ещё 215 ранены») a part
        added = [f for f in frame.increments if not any(same_unit(f.unit, g.unit) for g in frame.figures)
                 and not any(k.startswith(ADDED) and same_unit(k[len(ADDED):].rpartition(":")[0], f.unit)
                             and k.rpartition(":")[2] == str(f.value) for k in story["kinds"])]
        elsewhere = [(f, told) for f, _ in figures
                     if (told := self._told_elsewhere(watchlist, story_id, f, frame, vector, since, until))]
        if elsewhere:  # a count the stream has from another story of the same event: no news
            figures = [(f, was) for f, was in figures if f not in [g for g, _ in elsewhere]]
            reason += "; " + "; ".join(f"{_figure_text(f)} told before by {told}" for f, told in elsewhere)
        reason += _not_news(frame, story["figures"])
        aspects = self._new_aspects(watchlist, story, frame, since, until)
        aspects += [f"facility {frame.facilities[key]}" for key in self._new_facilities(story, frame)]
        if frame.denies and DENIED not in story["kinds"]:  # the story's first denial, whatever other stories told
            aspects.append("a denial, the first told")
        kind = "update" if (figures or new_places or confirmation or added or aspects) else "repeat"
        if kind == "update":
            parts = [f"new figure: {_figure_text(f)}" + (f" (was {was})" if was is not None else "") for f, was in figures]
            parts += [f"added: +{_figure_text(f)}" for f in added]
            parts += [f"new place: {self.places.name(p)}" for p in new_places]
            parts += [f"new: {ASPECT_NAMES.get(aspect, aspect)}" for aspect in aspects]
            parts += ["confirmed for the first time" + (f" ({frame.actor})" if frame.actor else "")] if confirmation else []
            reason = "; ".join(parts) + f" ({reason})"
        self._merge(story, post, frame, edit=existing is not None)
        self._record(watchlist, story_id, post, claim, frame, kind, reason, sim, replaces=existing)
        changes: dict[str, Any] = {"figures": [f.as_change() | {"was": was} for f, was in figures]
                                   + [f.as_change() | {"added": True} for f in added], "places": new_places}
        if confirmation:
            changes["confirmed"] = frame.actor or "yes"
        return Decision(watchlist, kind, story_id, post_id, reason, changes if kind == "update" else {}, sim)

    def _new_aspects(self, watchlist: str, story: dict[str, Any], frame: Frame,
                     since: str, until: str) -> list[str]:
        """The ASPECT_KINDS the post's lead tells (and DECLARED_KINDS it tells anywhere) that neither its story
        nor any story of the region in the window has told: a fire, an evacuation, an emergency regime, a day
        of mourning after a strike is news of its own."""
        told = frame.lead_kinds & ASPECT_KINDS | frame.kinds & DECLARED_KINDS
        return sorted(kind for kind in told - set(story["kinds"])
                      if not any(self._stories_of_key(watchlist, _key("k", f"{region}:{kind}"), since, until)
                                 for region in frame.regions))

    @staticmethod
    def _new_facilities(story: dict[str, Any], frame: Frame) -> list[str]:
        """The airports and airfields the post names that the story it joins has not named: another airport
        closed, an airfield hit, is news of its own (whatever another story of the region named)."""
        return sorted(key for key in frame.facilities if FACILITY + key not in story["kinds"])

    def _told_elsewhere(self, watchlist: str, story_id: int, figure: Figure, frame: Frame,
                        vector: np.ndarray | None, since: str, until: str) -> str | None:
        """The label of the first post of another story of the same day that counts the figure's unit and
        already holds its value (in that unit or one ``same_unit`` with it), and tells the same event: as
        near in meaning as MEANING_WITH_REGION, at a shared place when the post names one. A claim split
        over two stories adds nothing when retold."""
        others = [s for s in self._stories_of_key(watchlist, _key("u", figure.unit), since, until) if s != story_id]
        holding = [story for story in self._stories_in_span(others, frame.date)
                   if any(figure.value in values for unit, values in story["figures"].items() if same_unit(figure.unit, unit))
                   and same_time(frame.day, story.get("day"))
                   and (not frame.places or self.places.overlap(frame.places, story["places"] + story["regions"]))]
        meanings = self._meanings([story["id"] for story in holding], vector, frame.lang)  # one read for all
        return next((self._post_label(story["first_post_id"]) for story in holding
                     if meanings.get(story["id"], 0.0) >= MEANING_WITH_REGION), None)

    @staticmethod
    def _figure_changes(figures: list[Figure], known: dict[str, list[int]], *,
                        wider: bool = True, totals: list[Figure] | None = None) -> list[tuple[Figure, int | None]]:
        """The figures that tell the story something new, each with the value it replaces (None:
        a count of something not counted before). A value the story has had (a stale figure,
        retold after an update) is no news, nor a value given as a part of a larger one the story
        knows ("2 drones over Moscow region, 42 in all"), nor a larger total told with a part the story
        knows ("34 drones, 27 of them over Kursk region") in a post naming other regions too
        (``wider``; with the watched ones alone, the total is the story's own count risen: 45 drones
        in a day, 27 of them at night), nor a known count rounded down (``_rounded``); any other value
        is, upwards or downwards."""
        changes: list[tuple[Figure, int | None]] = []
        for f in figures:
            # the headline value, and the post's larger values of the unit (of which it is a part)
            told = [v for v in f.values() if v >= f.value]
            if any(v in values for unit, values in known.items() if unit != f.unit and same_unit(f.unit, unit)
                   for v in told):
                continue  # the same count, named more or less precisely (300 people, 300 soldiers)
            values = known.get(f.unit)
            if wider and values and any(v in values for v in f.parts):
                continue  # a larger total of which the story's count is a part (34 drones, 27 of them over Kursk)
            if f in (totals or []) and _over_regions(f, values):
                continue  # drones or missiles over several regions: a total, not the region's count risen
            if values and _rounded(f, values):
                continue  # "more than 120 injured" after 124: the known count rounded
            if _heard(f, known):
                continue  # explosions heard: no news once the strike's toll is known
            if values is None:
                changes.append((f, None))
            elif not any(v in values for v in told):
                changes.append((f, values[-1]))
            elif not wider and f.value in values \
                    and (other := [v for v in f.voiced if v > f.value and v not in f.parts and v not in values]):
                # the story's count told with a larger one of another party («власти: 6 раненых; ГСЧС: 8»)
                changes.append((replace(f, value=max(other), words=f"{max(other)} ({f.unit}) from another source"),
                                values[-1]))
        return changes

    def _open(self, watchlist: str, post: dict[str, Any], frame: Frame) -> int:
        figures: dict[str, list[int]] = {}
        for f in frame.figures:
            figures.setdefault(f.unit, []).extend(v for v in f.values() if v not in figures.get(f.unit, []))
        cursor = self.conn.execute(
            f"INSERT INTO {self.tables}stories (watchlist, first_post_id, first_seen, last_seen, posts, sources, channels,"
            " languages, regions, places, figures, kinds, title, actors, day)"
            " VALUES (?, ?, ?, ?, 1, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (watchlist, post["id"], post["date"], post["date"],
             json.dumps([f"{post['source']}:{post['channel']}"]), json.dumps([post.get("lang") or "und"]),
             json.dumps(frame.regions), json.dumps(frame.places, ensure_ascii=False),
             json.dumps(figures, ensure_ascii=False), json.dumps(sorted(frame.stored_kinds() | self._told(frame))),
             (post.get("text") or "")[:200],
             json.dumps([frame.actor] if frame.actor else []), frame.day),
        )
        return cursor.lastrowid

    @staticmethod
    def _told(frame: Frame) -> set[str]:
        """How a story's first post tells its claim: UNCONFIRMED when hedged and confirmed by nobody;
        the counts it adds to a toll (ADDED)."""
        return ({UNCONFIRMED} if frame.hedged and not frame.confirming() else set()) | _added(frame)

    def _merge(self, story: dict[str, Any], post: dict[str, Any], frame: Frame, *, edit: bool) -> None:
        channels = story["channels"]
        channel = f"{post['source']}:{post['channel']}"
        if channel not in channels:
            channels.append(channel)
        languages = story["languages"]
        if (post.get("lang") or "und") not in languages:
            languages.append(post.get("lang") or "und")
        for f in frame.figures:
            if f in frame.totals and _over_regions(f, story["figures"].get(f.unit)):
                story["figures"].setdefault(f.unit, []).insert(0, f.value)  # known, the region's own count stays the latest
                continue
            values = story["figures"].setdefault(f.unit, [])
            # the headline value last: the latest one known; but a total of which the story knows a
            # part (a count over more regions) first, the story's own count staying the latest
            told = (f.value, *f.also) if frame.wider and any(v in values for v in f.parts) else (*f.also, f.value)
            for value in told:
                if value == f.value and _rounded(f, values):
                    continue  # a known count rounded down: the count stays the latest
                if value in values and value in f.parts:
                    values.remove(value)
                if value not in values:
                    values.append(value)
            del values[:-MAX_VALUES]  # the latest values are what a repeat is checked against
        story["last_seen"] = max(story["last_seen"], post["date"])
        story["posts"] += 0 if edit else 1  # an edit is counted once, not once per edit
        story["sources"] = len(channels)
        story["regions"] = list(dict.fromkeys([*story["regions"], *frame.regions]))
        story["places"] = list(dict.fromkeys([*story["places"], *frame.places]))
        kinds = set(story["kinds"]) | frame.stored_kinds() | _added(frame)
        if frame.confirming():
            kinds.discard(UNCONFIRMED)
        story["kinds"] = sorted(kinds)
        if frame.actor and frame.actor not in story["actors"]:
            story["actors"].append(frame.actor)
        story["day"] = story.get("day") or frame.day
        self._save(story)

    @staticmethod
    def _claim_keys(claim: Claim, places: list[str], regions: list[str]) -> list[int]:
        """Index keys of a post's claim: its places, its figure units, and (region, event kind) pairs."""
        keys = [_key("p", p) for p in places] + [_key("u", f.unit) for f in claim.figures]
        keys += [_key("k", f"{r}:{k}") for r in regions for k in sorted(claim.kinds)]
        keys += [_key("o", f"{r}:{o}") for r in regions for o in sorted(claim.objects)]
        keys += [_key("f", f"{r}:{f}") for r in regions for f in sorted(claim.facilities)]
        keys += [_key("d", r) for r in regions] if claim.denies else []
        return keys

    def _record(self, watchlist: str, story_id: int, post: dict[str, Any], claim: Claim, frame: Frame,
                decision: str, reason: str, sim: float | None,
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
            [(watchlist, key, story_id, post["date"]) for key in dict.fromkeys(self._claim_keys(claim, frame.places, frame.regions))])
