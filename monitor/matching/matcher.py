"""The Matcher: every watch term in one Aho-Corasick automaton over word classes.

Construction (once per configuration):

1. Every phrase to recognise (region names and adjectives, place names and their
   Latin spellings, the false friends of ``exclusions.json``, every watchlist's
   keywords and exclude phrases) is split into folded words.
2. Each word gets its keys (``morphology.analyse``: surface, lemmas, stem). Words
   sharing a key fall into one *word class* (union-find), so «Суджа», «Судже»
   and «Суджей» are one class, and «Курской» and «курский» another.
3. Each phrase becomes a string of class symbols, one fixed-width base-64 number
   per word; all of them go into one pyahocorasick automaton.

Matching a post: each token is mapped (cached per distinct token) to its word
classes, the post becomes a string of class symbols (a filler for words in no
phrase), and the automaton reports every phrase occurrence at token boundaries
in one pass (a match that does not start and end on a word boundary is
dropped). The cost per post depends on its length, never on the number of
watch terms: no trie node has more than 65 children. The rules that need
context (adjectives, ambiguous places, false friends, street names) then look
only at the few hits found.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import weakref
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import ahocorasick

from monitor.matching.gazetteer import Gazetteer, imported_dir, load_gazetteer

from . import built
from .evidence import FEATURE_WORDS, place_ambiguity
from .morphology import analyse, lemmas
from .normalise import Token, find_words, fold, folded, languages_of, tokenize
from .normalise import words as folded_words
from .resolve import (
    ADJECTIVE,
    CONJ,
    CUE_DIRECTION,
    CUE_FEATURE,
    CUE_REGION,
    CUE_SETTLEMENT,
    CUE_SETTLEMENT_ABBR,
    CUE_STREET,
    CUE_STREET_ABBR,
    EXCLUDE,
    FALSE_FRIEND,
    KEYWORD,
    PLACE,
    REGION,
    Resolution,
)
from .translit import variants

if TYPE_CHECKING:
    from monitor.config import Config

log = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 20_000  # what matching reads of one post; the post is stored whole

# Nouns that make a region adjective mean the region: «Курской области», «курский губернатор».
REGION_CUES = {
    "ru": ["область", "край", "район", "регион", "губернатор", "губерния", "граница",
           "приграничье", "погранзона", "территория", "аэс", "власть", "округ", "облвласть", "оперштаб", "громада",
           "сельсовет"],
    "uk": ["область", "край", "район", "регіон", "губернатор", "кордон", "прикордоння",
           "територія", "аес", "влада", "округ", "ова", "ода", "громада", "отг", "тг", "сільрада"],
    "en": ["oblast", "region", "regional", "province", "governor", "border", "area"],
}
# A front direction is named after a place: it names a region only where the gazetteer knows its places.
DIRECTION_CUES = {"ru": ["направление"], "uk": ["напрямок", "напрям"], "en": ["direction", "axis"]}
REGION_CUE_ABBREVIATIONS = ["обл"]
# Words that mark the next (or previous) name as a settlement («населённый пункт», «населений пункт»: «пункт»).
SETTLEMENT_CUES = {
    "ru": ["село", "поселок", "посёлок", "деревня", "хутор", "город", "пгт", "станица", "слобода", "поселение", "пункт"],
    "uk": ["село", "селище", "смт", "місто", "хутір", "слобода", "пункт"],
    "en": ["village", "town", "city", "settlement", "hamlet"],
}
SETTLEMENT_ABBREVIATIONS = ["с", "пос", "д", "х", "г", "сл", "ст", "м", "сел", "смт", "пгт"]
# Street words: a name next to one is a street (улица Курская, вулиця Сумська, Kursk Street).
STREET_WORDS = {
    "ru": ["улица", "проспект", "переулок", "бульвар", "шоссе", "набережная", "проезд", "тупик"],
    "uk": ["вулиця", "проспект", "провулок", "бульвар", "шосе", "набережна", "узвіз"],
    "en": ["street", "avenue", "road", "lane", "boulevard", "square"],
}
STREET_ABBREVIATIONS = ["ул", "пр", "просп", "пер", "наб", "вул", "пров", "бульв", "пл", "st", "ave", "rd", "blvd"]
CONJUNCTIONS = ["и", "й", "та", "і", "а", "или", "або", "чи", "and", "or"]
_EN_REGION_WORDS = (" oblast", " region", " province")
# Generated spellings that in English name something else: "Moskva" is the river or the cruiser (Moscow is the city).
_OTHER_THINGS_SPELLED = frozenset({"moskva"})

# Word classes are written as fixed-width numbers in base 64, so that no trie node has
# more than 65 children (pyahocorasick looks a character up among a node's children
# one by one: one character per class would make the root thousands wide).
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/"
_FILLER = "\x01"  # a word in no phrase
_LINK_HINT = re.compile(r"[@/]|www\.", re.IGNORECASE)
# links, @mentions and the text of links to Telegram channels («[Подписаться на Москву](https://t.me/...)»)
_LINKS = re.compile(r"\[[^\]\n]{0,300}\]\((?:https?://)?t\.me/[^)\s]*\)|(?:https?://|www\.|t\.me/)\S+|(?<!\w)@\w+",
                    re.IGNORECASE)


def _symbol(class_id: int, width: int) -> str:
    digits = []
    for _ in range(width):
        class_id, digit = divmod(class_id, len(_DIGITS))
        digits.append(_DIGITS[digit])
    return "".join(digits)


def _width(classes: int) -> int:
    width = 1
    while len(_DIGITS) ** width < classes:
        width += 1
    return width


# -- results -------------------------------------------------------------------


@dataclass
class PlaceHit:
    id: str
    name: str  # canonical English
    region: str
    kind: str
    words: list[str]  # the words as written in the post


@dataclass
class WatchlistHit:
    name: str
    regions: list[str]
    places: list[PlaceHit]
    keywords: list[str]  # keywords as written in the watchlist


@dataclass
class MatchResult:
    lang: str
    regions: list[str]  # every region mentioned, directly or through a place
    places: list[PlaceHit]
    keywords: list[str]
    watchlists: list[WatchlistHit]
    excluded: list[str] = field(default_factory=list)  # watchlists ruled out by an exclude phrase

    @property
    def matched(self) -> bool:
        return bool(self.watchlists)

    @property
    def named_regions(self) -> list[str]:
        """``regions``, then the regions of places that label none but made a watchlist match («в Коломне» for a
        Moscow Oblast watchlist): every region the post is about for its watchlists."""
        return list(dict.fromkeys([*self.regions, *(p.region for hit in self.watchlists for p in hit.places)]))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Term:
    kind: int
    ref: Any
    length: int
    capital: bool  # the first word must be written with a capital (generated Latin spellings)


@dataclass
class _Watch:
    name: str
    regions: list[str]
    keywords: list[str]
    exclude: list[str]
    exclude_places: list[str] = field(default_factory=list)  # place ids or names this watchlist never counts


def _field(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        return node.get(name)
    return getattr(node, name, None)


# -- building --------------------------------------------------------------------


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        parent = self.parent
        root = key
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[key] != root:
            parent[key], key = root, parent[key]
        return root

    def union(self, keys: list[str]) -> None:
        first = self.find(keys[0])
        for k in keys[1:]:
            other = self.find(k)
            if other != first:
                self.parent[other] = first


def _cue_keys(words: dict[str, list[str]] | list[str]) -> set[str]:
    """A cue word's surface form and first lemma in each of its languages."""
    out: set[str] = set()
    items = [w for ws in words.values() for w in ws] if isinstance(words, dict) else list(words)
    for word in items:
        norm = fold(word).rstrip(".")
        out.add(norm)
        for lang in languages_of(word, norm):
            if lang in ("ru", "uk"):
                found = lemmas(norm, lang)
                if found:
                    out.add(found[0])
    return out


class _Tokens:
    """The words of a text as Tokens, each made when first asked for: a post with a hit
    needs only the few around it.

    Offsets come from ``str.find`` of each word (as ``findall`` gave them) after the end of the
    one before: a word begins with a letter and the gap before it holds none, so the first
    occurrence is the regex's own match, without running the regex again."""

    __slots__ = ("_text", "_raws", "_starts", "_made")

    def __init__(self, text: str, raws: list[str]) -> None:
        self._text = text
        self._raws = raws
        self._starts: list[int] = []
        self._made: dict[int, Token] = {}

    def __len__(self) -> int:
        return len(self._raws)

    def __getitem__(self, i: int) -> Token:
        token = self._made.get(i)
        if token is None:
            raws, starts = self._raws, self._starts
            if i < 0 or i >= len(raws):
                raise IndexError(i)
            if len(starts) <= i:
                find = self._text.find
                cursor = starts[-1] + len(raws[len(starts) - 1]) if starts else 0
                for j in range(len(starts), i + 1):
                    at = find(raws[j], cursor)
                    starts.append(at)
                    cursor = at + len(raws[j])
            raw = raws[i]
            start = starts[i]
            norm, script = folded(raw)
            token = self._made[i] = Token(start, start + len(raw), raw, norm, script, raw[:1].isupper())
        return token


class Matcher:
    """Matches posts against the gazetteer and a set of watchlists (see the module doc)."""

    def __init__(self, watchlists: list[Any] | tuple[Any, ...] = (), gazetteer: Gazetteer | str | os.PathLike | None = None,
                 *, max_chars: int = DEFAULT_MAX_CHARS, not_places: list[str] | tuple[str, ...] = ()):
        """``max_chars``: how much of a post (and of its translation) matching reads; ``not_places``:
        extra phrases that never name a place, beside the bundled ones."""
        self.max_chars = max_chars
        self.not_places = list(not_places)
        if gazetteer is None or isinstance(gazetteer, (str, os.PathLike)):
            gazetteer = load_gazetteer(gazetteer)
        self.gazetteer = gazetteer
        self.watchlists = [
            _Watch(str(_field(w, "name")), list(_field(w, "regions") or []), list(_field(w, "keywords") or []),
                   list(_field(w, "exclude") or []), list(_field(w, "exclude_places") or []))
            for w in watchlists
        ]
        phrases = list(not_places)
        for w in watchlists:
            phrases.extend(p for p in (_field(w, "not_places") or []) if p not in phrases)
        self.not_places = phrases
        self.regions = gazetteer.regions
        self.places = gazetteer.places
        self._lock = threading.Lock()
        self._token_cache: dict[str, tuple[str, tuple[int, ...], int]] = {}
        self._build()

    # -- construction ---------------------------------------------------------------
    def _build(self) -> None:
        base = _gazetteer_terms(self.gazetteer)
        self._terms = [_Term(t.kind, t.ref, t.length, t.capital) for t in base.terms]
        self._term_index = dict(base.term_index)
        self._sequences = {k: list(v) for k, v in base.sequences.items()}
        self._word_keys = dict(base.word_keys)
        phrases = self.gazetteer.exclusions.get("phrases", [])
        self._phrases = list(phrases) + [{"text": p, "note": "configured"} for p in self.not_places]
        for index, phrase in enumerate(self._phrases):
            self._add(phrase["text"], FALSE_FRIEND, index)
        self._ambiguity = base.ambiguity
        self._district_of = base.district_of
        self._name_key_cache = base.name_keys
        self._other_word_cache: dict[tuple[str, int], str | None] = {}  # (word, id of cached name keys)

        self._keywords: list[str] = []
        self._keyword_watch: list[list[int]] = []
        self._exclude_watch: list[list[int]] = []
        keyword_ids: dict[str, int] = {}
        exclude_ids: dict[str, int] = {}
        for w_index, watch in enumerate(self.watchlists):
            for keyword in watch.keywords:
                k = keyword_ids.get(keyword)
                if k is None:
                    k = keyword_ids[keyword] = len(self._keywords)
                    self._keywords.append(keyword)
                    self._keyword_watch.append([])
                    self._add(keyword, KEYWORD, k)
                self._keyword_watch[k].append(w_index)
            for phrase in watch.exclude:
                e = exclude_ids.get(phrase)
                if e is None:
                    e = exclude_ids[phrase] = len(self._exclude_watch)
                    self._exclude_watch.append([])
                    self._add(phrase, EXCLUDE, e)
                self._exclude_watch[e].append(w_index)
        self._watch_ignores = [self._place_ids(watch.exclude_places) for watch in self.watchlists]
        self._region_watch: dict[str, list[int]] = {}
        self._open_watch: list[int] = []  # watchlists without regions
        for w_index, watch in enumerate(self.watchlists):
            for code in watch.regions:
                self._region_watch.setdefault(code, []).append(w_index)
            if not watch.regions:
                self._open_watch.append(w_index)

        # word classes
        uf = _UnionFind()
        for keys in self._word_keys.values():
            uf.union(sorted(keys))
        roots: dict[str, int] = {}
        self._key_class: dict[str, int] = {}
        for key in uf.parent:
            root = uf.find(key)
            cid = roots.get(root)
            if cid is None:
                cid = roots[root] = len(roots)
            self._key_class[key] = cid
        self._width = width = _width(len(roots))
        self._symbols = [_symbol(i, width) for i in range(len(roots))]
        self._nothing = (_FILLER * width, (), 0)

        automaton = ahocorasick.Automaton()
        grouped: dict[str, list[int]] = {}
        for sequence, term_ids in self._sequences.items():
            pattern = "".join(self._symbols[self._key_class[word]] for word in sequence)
            grouped.setdefault(pattern, []).extend(term_ids)
        for pattern, term_ids in grouped.items():
            automaton.add_word(pattern, (len(pattern) // width, tuple(term_ids)))
        if grouped:
            automaton.make_automaton()
        self._automaton = automaton if grouped else None

        self._cues_region = _cue_keys(REGION_CUES)
        self._cues_direction = _cue_keys(DIRECTION_CUES)
        # a city region is its own capital (Moscow, Kyiv, Sevastopol): not an okrug named without a region word
        self._city_regions = {code for code, r in self.regions.items() if r.get("capital") == r["en"]}
        self._covered = {p["region"] for p in self.places if p["kind"] != "district" and p["labels_region"]}
        # places with a name holding a lower-case word («Ростов-на-Дону» aside): «Ясные зори» may be written so
        self._lower_word_names = frozenset(
            i for i, p in enumerate(self.places)
            if any(w[:1].islower() for ns in p["names"].values() for n in ns for w in n.split() if len(w) > 2))
        self._cues_settlement = _cue_keys(SETTLEMENT_CUES)
        self._cues_street = _cue_keys(STREET_WORDS)
        self._cues_feature = _cue_keys(FEATURE_WORDS)
        street_abbr = set(STREET_ABBREVIATIONS)
        for words in self.gazetteer.exclusions.get("street_words", {}).values():
            for word in words:
                if word.endswith("."):
                    street_abbr.add(fold(word).rstrip("."))
                else:
                    self._cues_street |= _cue_keys([word])
        self._abbr_region = set(REGION_CUE_ABBREVIATIONS)
        self._abbr_settlement = set(SETTLEMENT_ABBREVIATIONS)
        self._abbr_street = street_abbr
        self._conjunctions = set(CONJUNCTIONS)
        log.debug("matcher: %d phrases, %d word classes, %d patterns", len(self._terms), len(roots), len(grouped))

    def _add(self, phrase: str, kind: int, ref: Any, *, capital: bool = False) -> None:
        tokens = tokenize(phrase)
        if not tokens:
            return
        sequence = tuple(t.norm for t in tokens)
        for t in tokens:
            if t.norm not in self._word_keys:
                self._word_keys[t.norm] = analyse(t.norm, languages_of(t.raw, t.norm))[0]
        key = (sequence, kind, ref)
        existing = self._term_index.get(key)
        if existing is not None:
            self._terms[existing].capital = self._terms[existing].capital and capital
            return
        term_id = len(self._terms)
        self._terms.append(_Term(kind, ref, len(sequence), capital))
        self._term_index[key] = term_id
        self._sequences.setdefault(sequence, []).append(term_id)

    # -- per post -----------------------------------------------------------------------
    def _word_info(self, raw: str) -> tuple[str, tuple[int, ...], int]:
        """(automaton symbol, word classes, cue flags) of one word as written, cached."""
        found = self._token_cache.get(raw)
        if found is not None:
            return found
        norm, script = folded(raw)
        key_class = self._key_class
        if script == "num" and norm not in key_class:
            return self._nothing  # a figure no term contains ("Су-34" keeps its 34): not cached, or they would fill it
        keys = analyse(norm, languages_of(raw, norm))[0]
        classes: list[int] = []
        first = key_class.get(norm)
        if first is not None:
            classes.append(first)
        for k in sorted(keys):  # sorted: the order of a word's classes must not depend on the hash seed
            c = key_class.get(k)
            if c is not None and c not in classes:
                classes.append(c)
        flags = 0
        if keys & self._cues_region or norm in self._abbr_region:
            flags |= CUE_REGION
        if keys & self._cues_settlement:
            flags |= CUE_SETTLEMENT
        if norm in self._abbr_settlement:
            flags |= CUE_SETTLEMENT_ABBR
        if keys & self._cues_street:
            flags |= CUE_STREET
        if norm in self._abbr_street:
            flags |= CUE_STREET_ABBR
        if norm in self._conjunctions:
            flags |= CONJ
        if keys & self._cues_feature:
            flags |= CUE_FEATURE
        if keys & self._cues_direction:
            flags |= CUE_DIRECTION
        info = (self._symbols[classes[0]] if classes else self._nothing[0], tuple(classes), flags)
        if len(self._token_cache) > 500_000:
            self._token_cache.clear()
        self._token_cache[raw] = info
        return info

    def _scan(self, text: str) -> tuple[str, Any, list[int], list[tuple[int, int, _Term]]]:
        """The automaton's hits in one text, with its tokens and their cue flags.

        The words go through the automaton as plain strings; Token objects (offsets,
        capitals) are made only for a text that has a hit, which most posts do not.
        """
        if _LINK_HINT.search(text):
            # links and @mentions name no place (t.me/example_kursk_help): blanked, offsets kept
            text = _LINKS.sub(lambda m: " " * len(m.group()), text)
        if self._automaton is None:
            return text, [], [], []
        cache_get = self._token_cache.get
        word_info = self._word_info
        raws = find_words(text)
        infos = [cache_get(raw) or word_info(raw) for raw in raws]
        if not infos:
            return text, [], [], []
        primary = [info[0] for info in infos]
        strings = ["".join(primary)]
        multi = [(i, info[1]) for i, info in enumerate(infos) if len(info[1]) > 1]
        if multi:
            symbols = self._symbols
            for alt in range(1, max(len(c) for _, c in multi)):
                alt_symbols = list(primary)  # one copy per alternative: linear in the post's length
                for i, classes in multi:
                    if alt < len(classes):
                        alt_symbols[i] = symbols[classes[alt]]
                strings.append("".join(alt_symbols))
        found: set[tuple[int, int]] = set()
        hits: list[tuple[int, int, _Term]] = []
        terms = self._terms
        width = self._width
        for string in strings:
            for end, (words, term_ids) in self._automaton.iter(string):
                if (end + 1) % width:
                    continue  # a match across word boundaries
                end //= width
                for term_id in term_ids:
                    if (end, term_id) in found:
                        continue
                    found.add((end, term_id))
                    hits.append((end - words + 1, end, terms[term_id]))
        if not hits:
            return text, [], [], []
        return text, _Tokens(text, raws), [info[2] for info in infos], hits

    def _abbr(self, text: str, token: Token) -> bool:
        return text[token.end : token.end + 1] == "."

    def _resolve(self, text: str, explain: bool = False) -> dict[str, Any]:
        """Regions, places, keywords and excludes found in one text, with their spans.

        Reads at most ``max_chars`` characters of the text. Every step is linear in the
        number of hits: a hit is compared only with its neighbours, never with every other
        hit. With ``explain`` the result holds ``decisions``: every candidate place or region
        with the words and the evidence that took or rejected it."""
        if len(text) > self.max_chars:
            text = text[: self.max_chars]
        text, tokens, flags, hits = self._scan(text)
        out: dict[str, Any] = {"regions": [], "places": [], "keywords": set(), "excludes": set(), "decisions": []}
        if not hits:
            return out
        return Resolution(self, text, tokens, flags, hits, out, explain).run()

    def _place_ids(self, entries: list[str]) -> frozenset[str]:
        """The ids of the places named by ``exclude_places`` entries (an id, or a name in any language)."""
        wanted = {fold(e).strip() for e in entries}
        if not wanted:
            return frozenset()
        found = set()
        for place in self.places:
            names = {fold(place["id"]), fold(place["en"])} | {fold(n) for ns in place["names"].values() for n in ns}
            if names & wanted:
                found.add(place["id"])
        return frozenset(found)

    def unknown_places(self, entries: list[str]) -> list[str]:
        """The ``exclude_places`` entries that name no place of the gazetteer."""
        return [e for e in entries if not self._place_ids([e])]

    def watchlist_warnings(self) -> list[str]:
        """What ``monitor check`` reports about the watchlists: ``exclude_places`` entries naming no
        place, and keywords that are only an ambiguous place name (the watchlist would then fire on
        the word, with no evidence of the place)."""
        from .evidence import REASON_TEXT

        by_name: dict[str, list[int]] = {}
        for index, place in enumerate(self.places):
            for names in place["names"].values():
                for name in names:
                    by_name.setdefault(" ".join(folded_words(name)), []).append(index)
        out = []
        for watch in self.watchlists:
            for entry in self.unknown_places(watch.exclude_places):
                out.append(f"watchlist {watch.name}: exclude_places: \"{entry}\" is no place of the gazetteer")
            ambiguous = []
            for keyword in watch.keywords:
                refs = [r for r in by_name.get(" ".join(folded_words(keyword)), []) if self._ambiguity[r]]
                if refs:
                    reasons = sorted({REASON_TEXT[a] for r in refs for a in self._ambiguity[r]})
                    ids = ", ".join(self.places[r]["id"] for r in refs)
                    ambiguous.append(keyword)
                    out.append(f"watchlist {watch.name}: keyword \"{keyword}\" is an ambiguous place name ({ids}: "
                               f"{'; '.join(reasons)}): as a keyword it matches the word without evidence of the place")
            if ambiguous and len(ambiguous) == len(watch.keywords) and not watch.regions:
                out.append(f"watchlist {watch.name}: its only evidence would be an ambiguous name "
                           f"({', '.join(ambiguous)}): list the region in regions = [...] instead")
        return out

    def explain(self, text: str) -> list[dict[str, Any]]:
        """Every candidate place or region in ``text``: its words, what it would be, whether it was
        taken, and the evidence (or the missing evidence) that decided it; in text order."""
        decisions = self._resolve(text or "", explain=True)["decisions"]
        for d in decisions:
            if d["kind"] == "place":
                place = self.gazetteer.place(d["target"])
                d["name"], d["region"] = place["en"], place["region"]
            else:
                d["name"], d["region"] = self.regions.get(d["target"], {}).get("en", d["target"]), d["target"]
        decisions.sort(key=lambda d: (d["start"], -d["end"], not d["accepted"], d["target"]))
        return decisions

    def _districts(self) -> dict[int, int]:
        """Place index -> the index of its district's entry, where the gazetteer has one."""
        by_name: dict[tuple[str, str], int] = {}
        for index, place in enumerate(self.places):
            if place["kind"] == "district":
                for names in place["names"].values():
                    for name in names:
                        by_name[(place["region"], fold(name))] = index
        out = {}
        for index, place in enumerate(self.places):
            district = place.get("district")
            if district and place["kind"] != "district":
                found = by_name.get((place["region"], fold(district)))
                if found is not None:
                    out[index] = found
        return out

    def _name_keys(self, ref: int) -> frozenset[str]:
        """The surface forms and lemmas of a place's Cyrillic names (no stems)."""
        found = self._name_key_cache.get(ref)
        if found is None:
            keys: set[str] = set()
            for lang in ("ru", "uk"):
                for name in self.places[ref]["names"].get(lang, []):
                    for word in folded_words(name):
                        keys |= {k for k in analyse(word, languages_of(word, word))[0] if not k.startswith("~")}
            found = self._name_key_cache[ref] = frozenset(keys)
        return found

    def _place_word_keys(self, ref: int) -> frozenset[str]:
        """Every key (forms, lemmas, stems) of every word of a place's names and spellings, as the automaton has them."""
        key = ("words", ref)
        found = self._name_key_cache.get(key)
        if found is None:
            place = self.places[ref]
            names = [place["en"]] + [n for ns in place["names"].values() for n in ns]
            names += [v for lang in ("ru", "uk") for n in place["names"].get(lang, []) for v in variants(n, lang)]
            word_keys = self._word_keys
            found = frozenset(k for name in names for t in tokenize(name) for k in word_keys.get(t.norm, ()))
            self._name_key_cache[key] = found
        return found

    def _region_keys(self, code: str) -> frozenset[str]:
        """The surface forms and lemmas of a region's Cyrillic names and adjectives (no stems)."""
        found = self._name_key_cache.get(code)
        if found is None:
            region = self.regions[code]
            keys: set[str] = set()
            for group in (region["names"], region.get("adjectives", {})):
                for lang in ("ru", "uk"):
                    for name in group.get(lang, []):
                        for word in folded_words(name):
                            keys |= {k for k in analyse(word, languages_of(word, word))[0] if not k.startswith("~")}
            found = self._name_key_cache[code] = frozenset(keys)
        return found

    def _noun_form(self, token: Token, place: dict[str, Any]) -> bool:
        """Whether a word is a form of the place's own (one-word) name rather than an adjective made from it."""
        langs = languages_of(token.raw, token.norm)
        own = {k for k in analyse(token.norm, langs)[0] if not k.startswith("~")}
        for names in place["names"].values():
            for name in names:
                folded = fold(name)
                if " " in folded:
                    continue
                if folded in own or folded == token.norm:
                    return True
        return False

    # -- public API ---------------------------------------------------------------------------
    def find_places(self, text: str, lang: str | None = None) -> list[tuple[int, int, PlaceHit]]:
        """(start, end, PlaceHit) of every recognised place in ``text``, character offsets.

        Region names («Курской области», «на Курщині») are included as PlaceHits of
        kind "region" (id = ISO code, name = the region's English name); region
        adjectives are not.
        """
        found = self._resolve(text or "")
        spans = []
        for (start, end), ref in found["places"]:
            place = self.places[ref]
            spans.append((start, end, PlaceHit(place["id"], place["en"], place["region"], place["kind"], [text[start:end]])))
        for (start, end), kind, code in found["regions"]:
            if kind == "region":
                region = self.regions[code]
                spans.append((start, end, PlaceHit(code, region["en"], code, "region", [text[start:end]])))
        spans.sort(key=lambda s: s[0])
        return spans

    def match(self, text: str, lang: str | None = None, translation: str | None = None) -> MatchResult:
        """Regions, places, keywords and watchlists of one post (and its translation)."""
        text = text or ""
        if lang is None:
            from ..language import detect

            lang = detect(text).code if text.strip() else "und"
        regions: list[str] = []
        places: dict[str, PlaceHit] = {}
        keyword_ids: set[int] = set()
        exclude_ids: set[int] = set()
        sources: dict[str, set[str]] = {}  # region -> what named it: "" (the region itself) or place ids
        watched_only: set[str] = set()  # cities that label no region (Taganrog): places only for their region's watchlists
        for source in (text, translation):
            if not source:
                continue
            found = self._resolve(source)
            keyword_ids |= found["keywords"]
            exclude_ids |= found["excludes"]
            mentions = [(span[0], code) for span, _, code in found["regions"]]
            for _, _, code in found["regions"]:
                sources.setdefault(code, set()).add("")
            for (start, end), ref in found["places"]:
                place = self.places[ref]
                if place["labels_region"]:
                    mentions.append((start, place["region"]))
                    sources.setdefault(place["region"], set()).add(place["id"])
                else:
                    watched_only.add(place["id"])
                words = source[start:end]
                hit = places.get(place["id"])
                if hit is None:
                    places[place["id"]] = PlaceHit(place["id"], place["en"], place["region"], place["kind"], [words])
                elif words not in hit.words:
                    hit.words.append(words)
            for _, code in sorted(mentions):
                if code not in regions:
                    regions.append(code)
        place_list = [hit for ref, hit in places.items() if ref not in watched_only]
        keywords = [self._keywords[k] for k in sorted(keyword_ids)]
        excluded_watch = {w for e in exclude_ids for w in self._exclude_watch[e]}
        keyword_watch: dict[int, list[str]] = {}
        for k in sorted(keyword_ids):
            for w in self._keyword_watch[k]:
                keyword_watch.setdefault(w, []).append(self._keywords[k])
        candidates = set(self._open_watch)
        for code in regions:
            candidates.update(self._region_watch.get(code, ()))
        for ref in sorted(watched_only):
            candidates.update(self._region_watch.get(places[ref].region, ()))
        hits: list[WatchlistHit] = []
        excluded: list[str] = []
        for w in sorted(candidates):
            watch = self.watchlists[w]
            if watch.keywords and w not in keyword_watch:
                continue
            if w in excluded_watch:
                excluded.append(watch.name)
                continue
            if watch.regions:
                w_regions = [r for r in regions if r in watch.regions]
                w_places = [p for p in places.values() if p.region in watch.regions]
            else:
                w_regions, w_places = list(regions), list(place_list)
            ignored = self._watch_ignores[w]
            if ignored:
                w_places = [p for p in w_places if p.id not in ignored]
                w_regions = [r for r in w_regions if sources.get(r, set()) - ignored]
                if watch.regions and not w_regions and not w_places:
                    continue
            w_keywords = [k for k in watch.keywords if k in keyword_watch.get(w, ())]
            hits.append(WatchlistHit(watch.name, w_regions, w_places, w_keywords))
        return MatchResult(lang, regions, place_list, keywords, hits, excluded)


# -- the gazetteer's own terms, made once per gazetteer -------------------------------------------------


@dataclass
class _GazetteerTerms:
    terms: list[_Term]
    term_index: dict[tuple, int]
    sequences: dict[tuple[str, ...], list[int]]
    word_keys: dict[str, frozenset[str]]
    ambiguity: list[tuple[str, ...]]
    district_of: dict[int, int]
    name_keys: dict[Any, frozenset[str]]  # by place index, region code or ("words", place index)


_gazetteer_cache: dict[int, tuple[weakref.ref, _GazetteerTerms]] = {}
_gazetteer_lock = threading.Lock()


def _gazetteer_terms(gazetteer: Gazetteer) -> _GazetteerTerms:
    """Every region and place name (with its Latin spellings) as terms, their ambiguity and districts:
    the costly part of building a Matcher (thousands of names through the morphology), done once per
    gazetteer content (kept on disk by ``built``) and copied into each Matcher built on it."""
    with _gazetteer_lock:
        found = _gazetteer_cache.get(id(gazetteer))
        if found is not None and found[0]() is gazetteer:
            return found[1]
        key = built.terms_key(gazetteer.regions, gazetteer.places, gazetteer.exclusions)
        made = built.load_or_build(key, lambda: _build_gazetteer_terms(gazetteer))
        if len(_gazetteer_cache) > 4:
            _gazetteer_cache.clear()
        _gazetteer_cache[id(gazetteer)] = (weakref.ref(gazetteer), made)
        return made


def _build_gazetteer_terms(gazetteer: Gazetteer) -> _GazetteerTerms:
    builder = Matcher.__new__(Matcher)
    builder.gazetteer, builder.regions, builder.places = gazetteer, gazetteer.regions, gazetteer.places
    builder._terms, builder._term_index, builder._sequences, builder._word_keys = [], {}, {}, {}
    for code, region in builder.regions.items():
        for lang, names in region["names"].items():
            for name in names:
                builder._add(name, REGION, code)
                if lang == "en" and name.lower().endswith(_EN_REGION_WORDS):
                    stem = name[: name.lower().rindex(" ")]
                    for suffix in _EN_REGION_WORDS:
                        builder._add(stem + suffix, REGION, code)
                if lang in ("ru", "uk"):
                    for spelled in variants(name, lang):
                        if spelled.lower() not in _OTHER_THINGS_SPELLED:
                            builder._add(spelled, REGION, code, capital=True)
        if region.get("en"):
            builder._add(region["en"], REGION, code)
        for lang, adjectives in region.get("adjectives", {}).items():
            for adjective in adjectives:
                builder._add(adjective, ADJECTIVE, code)
    for index, place in enumerate(builder.places):
        builder._add(place["en"], PLACE, index)
        for lang, names in place["names"].items():
            for name in names:
                builder._add(name, PLACE, index)
                if lang in ("ru", "uk"):
                    for spelled in variants(name, lang):
                        builder._add(spelled, PLACE, index, capital=True)
    return _GazetteerTerms(builder._terms, builder._term_index, builder._sequences, builder._word_keys,
                           place_ambiguity(builder.places, frozenset(
                               (code, r["capital"]) for code, r in builder.regions.items() if r.get("capital"))),
                           builder._districts(), {})


# -- one Matcher per configuration -------------------------------------------------------------------

_matchers: dict[int, tuple[weakref.ref, Matcher]] = {}
_alike: dict[tuple, Matcher] = {}  # by (watchlists, gazetteer, max_chars): the two latest
_matchers_lock = threading.Lock()


def matcher_for(config: Config) -> Matcher:
    """The Matcher of a configuration (its watchlists, the bundled gazetteer and the imports
    beside its archive), looked up once per configuration object; configurations alike in
    these (a reload that left them alone) share one."""
    key = id(config)
    with _matchers_lock:
        found = _matchers.get(key)
        if found is not None and found[0]() is config:
            return found[1]
        gazetteer = load_gazetteer(imported_dir(config.storage.path))
        alike = (config.watchlists, id(gazetteer), config.matching.max_chars)
        matcher = _alike.pop(alike, None)
        if matcher is None or matcher.gazetteer is not gazetteer:
            matcher = Matcher(list(config.watchlists), gazetteer, max_chars=config.matching.max_chars)
            if len(_alike) >= 2:  # the running configuration and the one a reload brings
                del _alike[next(iter(_alike))]  # the least recently used
        _alike[alike] = matcher
        _matchers[key] = (weakref.ref(config), matcher)
        weakref.finalize(config, _matchers.pop, key, None)
        return matcher
