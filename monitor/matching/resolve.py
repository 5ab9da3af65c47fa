"""Deciding which automaton hits of one post are places and regions, on evidence.

The automaton finds every phrase whose words share a key with a gazetteer name. Sharing a
lemma is not evidence: «зовут» meets «Званное» through «звать», «Дмитрия» meets «Дмитриев»
through a stem. A hit is taken only when the words give evidence that they name the place:

- rejected outright: part of a known name of a thing (``exclusions.json``: «Белый дом»,
  «Ту-95»), a street name, a name after a non-settlement noun («балка Журавка»), a model
  designation («Ту-160»), a lower-case word (place names are capitalised), a first name
  before a capitalised word or a surname after a first name («Игорь Краснов»), or a word
  the dictionary knows as another word (a stem-only match: «Климовске» is Климовск, not
  Климово);
- an ambiguous name (``evidence.place_ambiguity``) needs geographic context: a settlement
  word («село», «village», also for every name of a list after it: «сёла А, Б и В»), the
  place's region or district named in the same post, or for
  villages and person-like names a locative preposition or pymorphy's toponym tag on a
  capitalised word that does not begin the sentence;
- a region adjective is the region before a region noun («Курской области», «курский
  губернатор»), before any other noun («белгородскую многоэтажку», «курского вторжения»),
  or standing alone, capitalised and feminine, as one of a list («в Курской, 20 — в Брянской»);
  before «направление» only where the gazetteer knows the region's places (a front, not a railway line);
- hromada adjectives listed before a hromada taken by its full name are hromadas of its oblast
  («Бочечківську і Дубов'язівську громади»);
- a city and «и области» names the oblast around it or whose capital it is («в Москве и области»);
  a city region's name after a clock time and before a time word is a time zone; its adjective before «район» a borough;
- a name in quotes after a thing's noun («клуб «Алтай»», "the submarine “Belgorod”") is the thing, also where repeated;
- a city is not taken for a village of its name whose region is named (a village needs a settlement
  word); an adjective made from a noun name is not the place («Лебедине озеро»); a lower-case place
  adjective names a district or front only for an unambiguous place («на купянском направлении», not
  «у південних областях»), also listed after a direction word («направлениях — волчанском, курском»).

- a word is a place's only when it shares a form, lemma or stem with one of its names (the automaton's word
  classes join keys across names); a town of towns.json (``evidence.is_town_elsewhere``) never outranks a border
  place of its name, and named like a person or a word («Чехов», «Воробьёв») it is taken only after a preposition
  of place («в Чехове»), a settlement word, a facility, people or authority noun governing it («жители Раменского»)
  or before a municipality word («Раменского городского округа»); named like a word but no person, also after a verb
  of attack or in a post naming its region or another place of it (an airport's name too: «аэропорт «Домодедово»»).

Every step looks at a hit's neighbours only, so the cost is linear in the post's length.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from .evidence import EN_FIRST_NAMES, LOCATIVE_PREPOSITIONS, REASON_TEXT, is_town_elsewhere, place_rank
from .morphology import adjective_forms, agrees, analyse, feminine_adjective, is_known, noun_genitive, parses, word_tags
from .normalise import fold, is_initial, languages_of

if TYPE_CHECKING:
    from .matcher import Matcher

REGION, ADJECTIVE, PLACE, KEYWORD, EXCLUDE, FALSE_FRIEND = range(6)
CUE_REGION, CUE_SETTLEMENT, CUE_SETTLEMENT_ABBR, CUE_STREET, CUE_STREET_ABBR, CONJ, CUE_FEATURE, CUE_DIRECTION = (
    1, 2, 4, 8, 16, 32, 64, 128)
_OBLAST_WORDS = frozenset({"область", "обл", "областях", "oblast", "ова", "ода", "region"})
_DISTRICT_WORDS = ("район", "district", "raion")
# the noun «область» in its Russian and Ukrainian case forms and English: not «областных», "regional"
_OBLAST_NOUNS = frozenset({"область", "области", "областью", "областей", "областям", "областями", "областях",
                           "області", "областю", "oblast", "region"})
# «университет имени Губкина», «им. Невского», «імені Шевченка»: what follows is what a thing is named after.
_NAMED_AFTER = frozenset({"имени", "імені"})
_NAMED_AFTER_ABBR = frozenset({"им", "ім"})  # only with its dot: the bare «им» is the pronoun «Благодаря им»
# "the Belgorod nuclear submarine", "Moskva missile cruiser": a ship named after a place (English word order).
_VESSELS = frozenset({"submarine", "sub", "cruiser", "warship", "frigate", "destroyer", "corvette", "flagship",
                      "vessel", "tanker", "icebreaker", "ship"})
_VESSEL_WORDS = frozenset({"nuclear", "missile", "guided", "attack", "research", "landing", "patrol"})
# nouns of an amount that head a genitive of things: «Суми коштів», «Суммы выплат»
_QUANTITY_NOUNS = frozenset({"сума", "сумма", "кількість", "количество"})
_FUNCTION_WORDS = frozenset({"и", "в", "во", "на", "с", "со", "к", "у", "о", "а", "та", "і", "й", "з", "до", "по", "за"})
_MODEL = re.compile(r"[-‐‑–][0-9]")
_COMPOUND_AFTER = re.compile(r"-[^\W\d_]")  # Ростова-на-Дону, Хорошево-Мнёвники
_COMPOUND_BEFORE = re.compile(r"[^\W\d_]-")
_CLOCK_BEFORE = re.compile(r"\b\d{1,2}[:.]\d{2}\s*(?:по\s+)?$")  # «17:00 Moscow time», «в 17:00 по Москве»
_TIME_WORDS = frozenset({"time", "час", "часу", "времени", "мск"})  # what makes the name after a clock a time zone
_CUT_AT_END = re.compile(r"[ \t]*(?:…|\.\.\.)[ \t]*(?:\n|$)")  # "17:00 Moscow…" cut before "time" at a line's end
# The oblast around a city region: «в Москве и области» is Moscow Oblast.
_OBLAST_AROUND = {"RU-MOW": "RU-MOS", "RU-SPE": "RU-LEN", "UA-30": "UA-32"}
_FUNCTION_POS = frozenset({"NPRO", "PREP", "CONJ", "PRCL", "INTJ"})  # «Кому» is the pronoun, never «Коми»
_OPEN_QUOTES = "«\"“„"  # not the apostrophe: «'Курск'» is as often a word set off as a name
_CLOSE_QUOTES = "»\"”“"
# Nouns of things named after places: «клуб «Алтай»», «газета «Кубань сегодня»», «крейсер «Москва»».
_THING_NOUNS = ("клуб фк хк газета журнал издание крейсер корабль корабель судно подлодка лодка ледокол танкер "
                "операция операція команда фонд компания компанія завод фабрика комплекс жк тц трц бренд марка "
                "гостиница готель отель ресторан кафе стадион стадіон телеканал канал радио радіо фестиваль форум "
                "поезд поїзд потяг самолет літак банк ансамбль группа група холдинг агрохолдинг ооо ао пао тов "
                "трубопровод газопровод нефтепровод магазин сеть мережа проект програма программа снаряд ракета "
                "система дрон club team newspaper magazine cruiser submarine sub ship warship vessel frigate "
                "operation company plant factory brand hotel restaurant channel festival train plane bank project "
                "missile shell system")
_THING_KEYS: set[str] = set()
_PERSON_TAGS = frozenset({"Name", "Surn", "Patr"})
# Prepositions that put a name on the map («в Чехове», «під Жуковським», "near Pushkin"), not «с Пушкиным» (with)
# or «из Чехова» (a quote from): what a town named like a person or a word needs
PLACE_PREPOSITIONS = frozenset({"в", "во", "под", "подо", "у", "около", "возле", "близ", "вблизи", "під", "біля",
                                "коло", "поблизу", "поруч", "in", "near", "outside"})
# Nouns of a facility, of a town's people or of its authorities that govern a town's name in the genitive and so put it
# on the map as a settlement word does: «у порта Черноморска», «жители Раменского», «власти Раменского», "port of Yuzhne"
_PLACE_NOUNS = frozenset({"порт", "аэропорт", "аэродром", "житель", "жительница", "власть", "мэр", "глава",
                          "окрестность", "окраина", "администрация", "мешканець", "мешканка", "влада", "мер", "голова",
                          "околиця", "окраїна", "адміністрація", "аеропорт", "аеродром"})
_EN_PLACE_NOUNS = frozenset({"port", "airport", "airfield", "residents", "resident", "authorities", "mayor",
                             "outskirts", "people"})
_UNDECLINED_ENDINGS = ("ово", "ёво", "ево", "ино", "ыно")  # «Фрязино», «Щёлково»: often left undeclined
_TITLE_NOUNS = frozenset({"мэр", "глава", "мер", "голова"})  # also before a surname: the name must be no nominative
# an airport or airfield is named after the place it lies at: «аэропорт «Домодедово»» is in Moscow Oblast
_FACILITY_NOUNS = frozenset({"аэропорт", "аэродром", "аеропорт", "аеродром", "airport", "airfield"})
_PORT_NOUNS = frozenset({"порт", "port"})  # a port is named after its town in any case: «порт Південне», «порт Южный»
# Verbs of an attack whose object is its target: «Дрони атакували Раменське», "drones attacked Ramenskoye"
_ATTACK_VERBS = frozenset({"атаковать", "обстрелять", "обстреливать", "бомбить", "атакувати", "обстріляти",
                           "обстрілювати", "бомбардувати", "attacked", "attack", "attacks", "shelled", "struck"})
# Municipality words after a town's name: «Раменского городского округа», «Чорноморської міської громади»
_MUNICIPAL_ADJECTIVES = frozenset({"городской", "муниципальный", "сельский", "поселковый", "міський", "сільський",
                                   "селищний", "муніципальний", "urban", "municipal"})
_MUNICIPAL_NOUNS = frozenset({"округ", "район", "поселение", "громада"})
_EN_MUNICIPAL = frozenset({"district", "okrug", "hromada", "municipality", "community"})


_HROMADA_WORDS: WeakKeyDictionary[Any, dict[str, tuple[int, ...]]] = WeakKeyDictionary()


def hromada_words(m: Matcher) -> dict[str, tuple[int, ...]]:
    """The lemma keys of every generated hromada's adjective («бочечківський») -> its places, once per matcher."""
    found = _HROMADA_WORDS.get(m)
    if found is None:
        out: dict[str, set[int]] = {}
        for index, place in enumerate(m.places):
            if place["kind"] != "district" or not place.get("katottg"):
                continue
            for lang in ("uk", "ru"):
                for name in place["names"].get(lang, []):
                    first = fold(name.split()[0])
                    for key in analyse(first, (lang,))[0]:
                        if not key.startswith("~"):
                            out.setdefault(key, set()).add(index)
        found = _HROMADA_WORDS[m] = {k: tuple(sorted(v)) for k, v in out.items()}
    return found


class Resolution:
    """One post's hits turned into regions and places (see the module doc)."""

    def __init__(self, matcher: Matcher, text: str, tokens: Any, flags: list[int], hits: list, out: dict,
                 explain: bool) -> None:
        self.m = matcher
        self.text = text
        self.tokens = tokens
        self.flags = flags
        self.hits = hits
        self.out = out
        self.explain = explain
        self.n = len(tokens)
        self.directions = any(f & CUE_DIRECTION for f in flags)  # a post with no direction word lists none

    # -- small helpers ---------------------------------------------------------------
    def has(self, i: int, flag: int, abbr_flag: int = 0) -> bool:
        if i < 0 or i >= self.n:
            return False
        f = self.flags[i]
        if f & flag:
            return True
        return bool(abbr_flag and f & abbr_flag and self.text[self.tokens[i].end : self.tokens[i].end + 1] == ".")

    def adjacent(self, i: int, j: int) -> bool:
        """Tokens i < j with only spaces between them (no punctuation, no line break)."""
        if i < 0 or j >= self.n:
            return False
        gap = self.text[self.tokens[i].end : self.tokens[j].start]
        return gap.strip(" \t\u00a0") == "" and "\n" not in gap

    def tags(self, i: int) -> tuple[frozenset[str], bool, frozenset[str]]:
        token = self.tokens[i]
        return word_tags(token.norm, languages_of(token.raw, token.norm))

    def note(self, s: int, e: int, kind: str, target: str, accepted: bool, evidence: str) -> None:
        if self.explain:
            words = self.text[self.tokens[s].start : self.tokens[e].end]
            self.out["decisions"].append({"words": words, "start": self.tokens[s].start, "end": self.tokens[e].end,
                                          "kind": kind, "target": target, "accepted": accepted, "evidence": evidence})

    # -- the steps -------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        regions, adjectives, place_spans = self.sort_hits()
        self.accepted: list[tuple[int, int, str, Any]] = []  # (start, end, "region"|"adjective"|"place", ref)
        self.evidence_regions: set[str] = set()
        self.evidence_districts: set[int] = set()
        self.take_regions(regions)
        self.take_adjectives(adjectives)
        self.named_regions = set(self.evidence_regions)  # regions the post names, not through a place
        self.place_evidence: list[tuple[int, int, str]] = []  # (start, end, region) of the places taken plainly
        self.facility_regions: set[str] = set()  # regions of places an airport or airfield is named after
        self.cued_regions: set[str] = set()  # regions of places taken on words of their own («в Чехове», «село X»)
        pending = self.take_plain_places(place_spans)
        self.take_ambiguous_places(pending)
        self.take_elliptic_hromadas()
        return self.outermost()

    def sort_hits(self) -> tuple[list, list, dict]:
        """Keywords and excludes into the result; false friends by token; the geographic hits by kind."""
        out = self.out
        self.friend_at: dict[int, int] = {}  # token -> the false friend phrase covering it
        regions: list = []
        adjectives: list = []
        place_spans: dict[tuple[int, int], dict[int, Any]] = {}
        self.geo_starts: set[int] = set()
        self.geo_ends: set[int] = set()
        for s, e, term in self.hits:
            kind = term.kind
            if kind == KEYWORD:
                out["keywords"].add(term.ref)
            elif kind == EXCLUDE:
                out["excludes"].add(term.ref)
            elif kind == FALSE_FRIEND:
                for i in range(s, e + 1):
                    self.friend_at.setdefault(i, term.ref)
            else:
                self.geo_starts.add(s)
                self.geo_ends.add(e)
                if kind == REGION:
                    regions.append((s, e, term))
                elif kind == ADJECTIVE:
                    adjectives.append((s, e, term))
                else:
                    place_spans.setdefault((s, e), {}).setdefault(term.ref, term)  # one term per place
        return regions, adjectives, place_spans

    def take_regions(self, regions: list) -> None:
        self.region_tokens: set[int] = set()
        for s, e, term in regions:
            why = (self.blocked(s, e) or (term.capital and not self.tokens[s].capital and "written in lower case")
                   or self.other_word(s, e, self.m._region_keys(term.ref)) or self.clock_before(s, e, term.ref)
                   or self.quoted(s, e))
            self.note(s, e, "region", term.ref, not why, why or "region name")
            if not why:
                self.accepted.append((s, e, "region", term.ref))
                self.evidence_regions.add(term.ref)
                self.region_tokens.update(range(s, e + 1))
                around = _OBLAST_AROUND.get(term.ref)
                if around and self.and_oblast(e):
                    self.accepted_region(e + 2, e + 2, around, f"«{self.and_oblast_words(e)}»: the oblast around the city")
                    self.evidence_regions.add(around)

    def quoted(self, s: int, e: int) -> str | None:
        """«клуб «Алтай»», «газета «Кубань»»: a name in quotes after a thing's noun is the thing, not the region."""
        if self.quoted_thing(s, e):
            return "a name in quotes after a thing's noun: the name of a thing, not the region"
        return None

    def quoted_thing(self, s: int, e: int) -> bool:
        """The words s..e in quotes, right after a noun of a thing (a club, a newspaper, a ship, a company), or
        the same words in quotes after such a noun elsewhere in the post ("the submarine “Belgorod”")."""
        text, start, end = self.text, self.tokens[s].start, self.tokens[e].end
        if not (start > 0 and text[start - 1] in _OPEN_QUOTES and text[end : end + 1] and text[end] in _CLOSE_QUOTES):
            return False
        if self.thing_noun_before(s, e):
            return True
        starts = [t.start for t in self.tokens]
        for other in re.finditer(re.escape(text[start:end]), text):
            i = bisect_left(starts, other.start())
            j = i + e - s
            if i != s and j < self.n and starts[i] == other.start() and self.tokens[j].end == other.end() and (
                    other.start() > 0 and text[other.start() - 1] in _OPEN_QUOTES
                    and text[other.end() : other.end() + 1] in tuple(_CLOSE_QUOTES)) and self.thing_noun_before(i, j):
                return True
        return False

    def thing_noun_before(self, s: int, e: int) -> bool:
        """A noun of a thing before the opening quote of the words s..e, past commas and articles only."""
        text, start = self.text, self.tokens[s].start
        if not _THING_KEYS:
            _THING_KEYS.update(k for word in _THING_NOUNS.split() for k in analyse(word, ("ru", "uk", "en"))[0]
                               if not k.startswith("~"))
        j = s - 1
        while j >= 0 and s - j <= 3:  # «снарядов "Краснополь"», "the submarine, the "Belgorod""
            gap = text[self.tokens[j].end : self.tokens[j + 1].start if j + 1 < s else start - 1]
            if gap.strip(" \t\u00a0,") or "\n" in gap:
                return False
            before = self.tokens[j]
            keys = analyse(before.norm, languages_of(before.raw, before.norm))[0]
            if before.norm in _THING_KEYS or keys & _THING_KEYS:
                return True
            if before.norm not in ("the", "a"):
                return False
            j -= 1
        return False

    def clock_before(self, s: int, e: int, code: str) -> str | None:
        """«17:00 Moscow time», «в 17:00 по Москве», "17:00 Moscow…" cut at a line's end: a city region's name
        after a clock time is its time zone; a clock time heading a sentence («Станом на 08:00 Київ») is not."""
        start = self.tokens[s].start
        if code not in self.m._city_regions or not _CLOCK_BEFORE.search(self.text, max(0, start - 15), start):
            return None
        by = start >= 3 and self.text[start - 3 : start - 1].lower() == "по"
        nxt = e + 1
        zone = (by or (nxt < self.n and self.tokens[nxt].norm in _TIME_WORDS and self.adjacent(e, nxt))
                or bool(_CUT_AT_END.match(self.text, self.tokens[e].end)))
        return "after a clock time and before a time word: a time zone, not a place" if zone else None

    def and_oblast(self, e: int) -> bool:
        """The words after a city are «и области» / «і область» / "and region": the oblast named by ellipsis."""
        return (e + 2 < self.n and self.has(e + 1, CONJ) and self.adjacent(e, e + 1) and self.adjacent(e + 1, e + 2)
                and self.tokens[e + 2].norm in _OBLAST_NOUNS)

    def and_oblast_words(self, e: int) -> str:
        """The words «Москве и области» / "Kyiv and region" as written, for the explanation."""
        return self.text[self.tokens[e].start : self.tokens[e + 2].end]

    def take_adjectives(self, adjectives: list) -> None:
        self.adjective_starts = {s for s, _, _ in adjectives}
        self.adjective_list = sorted(self.adjective_starts)
        shared: dict[tuple[int, int], int] = {}
        for s, e, _ in adjectives:
            shared[(s, e)] = shared.get((s, e), 0) + 1
        for s, e, term in adjectives:
            why = self.blocked(s, e) or self.borough(e, term.ref)
            if not why and shared[(s, e)] > 1:
                why = self.city_or_oblast(s, e, term.ref)
            taken = None if why else self.adjective_evidence(s, e, term.ref, self.adjective_starts)
            self.note(s, e, "adjective", term.ref, bool(taken),
                      taken or why or "a region adjective with no region noun, other noun or list after it")
            if taken:
                self.accepted.append((s, e, "adjective", term.ref))
                self.evidence_regions.add(term.ref)

    def take_plain_places(self, place_spans: dict) -> list[tuple[int, int, list]]:
        """Takes or rejects what needs no other evidence; returns the ambiguous names left."""
        m = self.m
        pending: list[tuple[int, int, list]] = []
        for (s, e), by_ref in sorted(place_spans.items()):
            terms = [by_ref[ref] for ref in sorted(by_ref)]
            if s in self.region_tokens and e in self.region_tokens:
                continue  # «Харківщині» is the region, not a village of a similar name
            if s == e and s in self.adjective_starts:
                # «курского губернатора», «Курском направлении»: the region's adjective, not the city
                cued = self.has(e + 1, CUE_REGION | CUE_DIRECTION)  # «под Курском» is the city
                terms = [t for t in terms if not cued and m._noun_form(self.tokens[s], m.places[t.ref])]
                if not terms:
                    continue
            chained = [t for t in terms if not self.shares_keys(s, e, t.ref)]
            for t in chained:
                self.note(s, e, "place", m.places[t.ref]["id"], False,
                          "shares no form, lemma or stem with the name (met through other names' words only)")
            terms = [t for t in terms if t not in chained]
            if not terms:
                continue
            why = self.place_rejection(s, e, terms)
            if why == "region":
                continue
            if not why and s == e:
                terms, stems = self.own_forms(s, e, terms)
                terms, others = self.same_gender(s, terms)
                for t, reason in stems + others:
                    self.note(s, e, "place", m.places[t.ref]["id"], False, reason)
                if not terms:
                    continue
            if why:
                for t in terms:
                    self.note(s, e, "place", m.places[t.ref]["id"], False, why)
                regions = {m.places[t.ref]["region"] for t in terms}
                if len(regions) == 1 and self.has(s - 1, CUE_FEATURE) and self.lemmas_at(s - 1) & _FACILITY_NOUNS:
                    self.facility_regions |= regions  # «аэропорт «Домодедово»»: the airport, at a place of its region
            elif len(terms) == 1 and not m._ambiguity[terms[0].ref] and not (
                    is_town_elsewhere(m.places[terms[0].ref]) and self.person_word(s)):
                self.take(s, e, terms[0], "an unambiguous place name, capitalised", self.accepted)
                self.evidence_regions.add(m.places[terms[0].ref]["region"])
                self.place_evidence.append((s, e, m.places[terms[0].ref]["region"]))
                if m.places[terms[0].ref]["kind"] == "district":
                    self.evidence_districts.add(terms[0].ref)
            else:
                pending.append((s, e, terms))
        return pending

    def lemmas_at(self, j: int) -> frozenset[str]:
        """The lemmas of the Cyrillic word at j by its first parses in Russian and Ukrainian; its folded form if Latin."""
        token = self.tokens[j]
        if token.script != "cyr":
            return frozenset({token.norm})
        return frozenset(fold(p.normal_form) for lang in languages_of(token.raw, token.norm) if lang in ("ru", "uk")
                         for p in parses(token.norm, lang)[:6])

    def cases_at(self, s: int) -> frozenset[str]:
        """The grammatical cases the Cyrillic word at s can be in, by its first parses."""
        token = self.tokens[s]
        return frozenset(p.tag.case for lang in languages_of(token.raw, token.norm) if lang in ("ru", "uk")
                         for p in parses(token.norm, lang)[:6] if p.tag.case)

    def place_noun_before(self, s: int) -> bool:
        """«у порта Черноморска», «жители Раменского», "the port of Yuzhne": a noun of a facility, of a town's people
        or of its authorities right before the name, governing it in the genitive (a port's name is its town's in any
        case: «порт Південне»); after a title («мэр», «глава») the name must be no nominative, as a surname would be."""
        tokens, j = self.tokens, s - 1
        if j < 0 or not self.adjacent(j, s):
            return False
        if tokens[s].script == "lat":
            if tokens[j].norm == "of":
                return j > 0 and self.adjacent(j - 1, j) and tokens[j - 1].norm in _EN_PLACE_NOUNS
            return tokens[j].norm in _PORT_NOUNS
        nouns = self.lemmas_at(j) & _PLACE_NOUNS
        if not nouns or tokens[s].script != "cyr":
            return False
        if nouns & _PORT_NOUNS or self.undeclined_toponym(s):
            return True
        cases = self.cases_at(s)
        return "gent" in cases and not (nouns & _TITLE_NOUNS and "nomn" in cases)

    def undeclined_toponym(self, s: int) -> bool:
        """A town's name in -ово, -ино the press leaves undeclined («Власти Фрязино», «мэр Щёлково»), likeliest a
        toponym: the dictionary declines it, so it has no genitive reading there."""
        return self.tokens[s].norm.endswith(_UNDECLINED_ENDINGS) and self.likeliest_toponym(s)

    def municipality_after(self, e: int) -> bool:
        """«Раменского городского округа», «Раменского района», «Чорноморської міської громади», "Ramenskoye urban
        district": a municipality word right after the name, which is the municipality's town."""
        j = e + 1
        if j < self.n and self.adjacent(e, j) and self.lemmas_at(j) & _MUNICIPAL_ADJECTIVES:
            j += 1
        if j >= self.n or not self.adjacent(j - 1, j):
            return False
        token = self.tokens[j]
        return token.norm in _EN_MUNICIPAL if token.script == "lat" else bool(self.lemmas_at(j) & _MUNICIPAL_NOUNS)

    def place_cue(self, s: int, e: int) -> bool:
        """A settlement word, a facility's, people's or authority's noun governing the name, or a municipality word
        after it: geographic evidence for an ambiguous name."""
        return self.settlement_cue(s, e) or self.place_noun_before(s) or self.municipality_after(e)

    def place_preposition(self, s: int) -> bool:
        """A preposition of place right before the word at s («в Чехове», «під Жуковським», "near Pushkin")."""
        return s > 0 and self.tokens[s - 1].norm in PLACE_PREPOSITIONS and self.adjacent(s - 1, s)

    def person_word(self, s: int) -> bool:
        """The Cyrillic word at s can be a first name, surname or patronymic: by any of its likelier parses for a word
        the dictionary knows («Воробьёв», also «воробей»), by the likeliest guess for another («Суровикин», not
        «Инкермане», which is likelier the place)."""
        token = self.tokens[s]
        if token.script != "cyr":
            return False
        langs = [lang for lang in languages_of(token.raw, token.norm) if lang in ("ru", "uk")]
        known = [lang for lang in langs if is_known(token.norm, lang)]
        if known:
            return any(_PERSON_TAGS & p.tag.grammemes for lang in known for p in parses(token.norm, lang)[:6])
        # the Ukrainian guesser calls every unknown word a surname; the Russian one tells toponyms
        found = parses(token.norm, langs[0]) if langs else []
        return bool(found and _PERSON_TAGS & found[0].tag.grammemes)

    def shares_keys(self, s: int, e: int, ref: int) -> bool:
        """Every word at s..e shares a key with a word of the place's names: the automaton's word classes join the
        keys of all names, so «Заболотье» meets Заболотове through Заболотов, which shares a stem with each."""
        keys = self.m._place_word_keys(ref)
        for token in (self.tokens[i] for i in range(s, e + 1)):
            if token.norm not in keys and not analyse(token.norm, languages_of(token.raw, token.norm))[0] & keys:
                return False
        return True

    def take_ambiguous_places(self, pending: list[tuple[int, int, list]]) -> None:
        """Ambiguous names, decided on the evidence the rest of the post gives, again while it grows."""
        m = self.m
        undecided: list[tuple[int, int, list, list]] = []
        for _ in range(3):
            undecided = []
            for s, e, terms in pending:
                kept, rejected = self.ambiguous_evidence(s, e, terms, self.evidence_regions, self.evidence_districts)
                if not kept:
                    undecided.append((s, e, terms, rejected))
                    continue
                for t, why in kept:
                    self.take(s, e, t, why, self.accepted)
                    if m.places[t.ref]["kind"] == "district":
                        self.evidence_districts.add(t.ref)
                    if self.place_cue(s, e) or self.place_preposition(s):
                        self.cued_regions.add(m.places[t.ref]["region"])
                    # a place taken on context alone gives no evidence for others: no chains of guesses
                for t, why in rejected:
                    self.note(s, e, "place", m.places[t.ref]["id"], False, why)
            if len(undecided) == len(pending):
                break
            pending = [(s, e, terms) for s, e, terms, _ in undecided]
        for s, e, _terms, rejected in undecided:
            for t, why in rejected:
                self.note(s, e, "place", m.places[t.ref]["id"], False, why)

    def take_elliptic_hromadas(self) -> None:
        """«Ольховатську і Шевченківську громади»: the adjectives listed before a hromada taken by its full
        name are hromadas of the same oblast (one hromada of that adjective there, else none)."""
        m, tokens = self.m, self.tokens
        for s, _e, kind, ref in list(self.accepted):
            place = m.places[ref] if kind == "place" else None
            if place is None or place["kind"] != "district" or not place.get("katottg") or s == _e:
                continue
            j = s - 1
            while j >= 1 and (self.has(j, CONJ) or "," in self.text[tokens[j].end : tokens[j + 1].start]):
                word = j - 1 if self.has(j, CONJ) else j
                gap = self.text[tokens[word].end : tokens[word + 1].start]
                if "\n" in gap or gap.strip(" \t\u00a0,") or not tokens[word].capital:
                    break
                keys = {k for k in analyse(tokens[word].norm, languages_of(tokens[word].raw, tokens[word].norm))[0]
                        if not k.startswith("~")}
                found = sorted({i for k in keys for i in hromada_words(m).get(k, ()) if m.places[i]["region"] == place["region"]})
                if len(found) != 1:
                    break
                self.accepted.append((word, word, "place", found[0]))
                self.evidence_districts.add(found[0])
                self.note(word, word, "place", m.places[found[0]]["id"], True,
                          f"a hromada listed before «{tokens[_e].raw}» (its noun left implied)")
                j = word - 1

    def outermost(self) -> dict[str, Any]:
        """A hit inside a longer one is part of it (Kursk in «Kursk Oblast»): one sweep over sorted spans."""
        out = self.out
        self.accepted.sort(key=lambda h: (h[0], -h[1]))
        reach = -1
        last_span = None
        for s, e, kind, ref in self.accepted:
            span = (s, e)
            if span != last_span and e <= reach:
                continue
            reach = max(reach, e)
            last_span = span
            chars = (self.tokens[s].start, self.tokens[e].end)
            if kind == "place":
                out["places"].append((chars, ref))
            else:
                out["regions"].append((chars, kind, ref))
        return out

    def take(self, s: int, e: int, term: Any, why: str, accepted: list) -> None:
        m = self.m
        place = m.places[term.ref]
        region = m.regions.get(place["region"], {})
        if self.has(e + 1, CUE_REGION) and place["kind"] == "city" and place["en"] == region.get("capital"):
            # "Kursk governor", «Сумская ОВА»: the capital's name standing for the region
            accepted.append((s, e, "region", place["region"]))
            self.note(s, e, "region", place["region"], True, "the region's capital before a region word")
            return
        if place["kind"] == "city" and place["en"] == region.get("capital") and self.and_oblast(e):
            # «в Воронеже и области»: the oblast of its capital, named by ellipsis
            self.accepted_region(e + 2, e + 2, place["region"], f"«{self.and_oblast_words(e)}»: the capital's oblast")
        accepted.append((s, e, "place", term.ref))
        self.note(s, e, "place", place["id"], True, why)

    def blocked(self, s: int, e: int) -> str | None:
        if s in self.friend_at or e in self.friend_at:
            phrase = self.m._phrases[self.friend_at[s] if s in self.friend_at else self.friend_at[e]]
            note = phrase.get("note")
            return f"part of «{phrase['text']}»" + (f" ({note})" if note else "") + ": not a place"
        if self.has(s - 1, CUE_STREET, CUE_STREET_ABBR) or self.has(e + 1, CUE_STREET, CUE_STREET_ABBR):
            return "a street name"
        return None

    def adjective_evidence(self, s: int, e: int, code: str, adjective_starts: set[int]) -> str | None:
        n, flags = self.n, self.flags
        j, steps = e + 1, 0
        while j < n and steps < 5:
            if flags[j] & CUE_REGION and code not in self.m._covered and self.tokens[j].norm.startswith(_DISTRICT_WORDS):
                break  # «Полтавський район» is a district of an oblast watched at region level only, not the oblast
            if flags[j] & CUE_REGION:
                return f"a region adjective before «{self.tokens[j].raw}»"
            if flags[j] & CUE_DIRECTION and code in self.m._covered:
                return f"a region adjective before «{self.tokens[j].raw}» (a front direction)"
            if flags[j] & CONJ or j in adjective_starts:
                j += 1
                steps += 1
                continue
            break
        first = self.tokens[s]
        langs = languages_of(first.raw, first.norm)
        if self.directions and code in self.m._covered and self.listed_after_direction(s, langs):
            return "a region adjective listed after a front direction word (a front direction)"
        nxt = e + 1
        j = nxt
        # «Ярославского направления» of a region with no front is a railway line out of Moscow, not the region
        while j < n and j - nxt <= 2 and self.adjacent(j - 1, j) and not flags[j] & (CUE_STREET | CONJ | CUE_DIRECTION):
            word = self.tokens[j]
            if word.norm in _FUNCTION_WORDS or len(word.norm) < 2:
                break
            if j == nxt and len(word.raw) >= 2 and word.raw.isupper() and word.script == "cyr":
                return f"a region adjective before the abbreviation «{word.raw}»"
            if code not in self.m._covered and word.norm.startswith(_DISTRICT_WORDS):
                break
            if agrees(first.norm, word.norm, "NOUN", langs) and (not word.capital or not first.capital):
                return f"a region adjective before the noun «{word.raw}»"
            if not agrees(first.norm, word.norm, "ADJF", langs):
                break
            j += 1
        if self.elliptic_list(s, e):
            return "a capitalised feminine region adjective in a list: the region (oblast) left implied"
        return None

    def listed_after_direction(self, s: int, langs: tuple[str, ...]) -> bool:
        """«на нескольких направлениях — волчанском, курском и соледарском»: a lower-case adjective in a list
        that follows a direction word, each word of the list an adjective agreeing with it."""
        first, tokens = self.tokens[s], self.tokens
        if first.capital:
            return False
        j = s - 1
        while j >= 0 and s - j <= 8:
            gap = self.text[tokens[j].end : tokens[j + 1].start]
            if "\n" in gap or gap.strip(" \t\u00a0,:—–-*_"):  # markdown emphasis marks may wrap the words
                return False
            if self.has(j, CUE_DIRECTION):
                return True
            adjective = not tokens[j].capital and (j in self.geo_starts or agrees(first.norm, tokens[j].norm, "ADJF", langs))
            if not (self.has(j, CONJ) or adjective):
                return False
            j -= 1
        return False

    def other_word(self, s: int, e: int, name_keys: frozenset[str]) -> str | None:
        """Why a one-word hit is another word the dictionary knows («Кому» is not «Коми»), or None."""
        token = self.tokens[s]
        if s != e or token.script != "cyr":
            return None
        key = (token.raw, id(name_keys))
        cache = self.m._other_word_cache
        if key in cache:
            return cache[key]
        if len(cache) > 200_000:
            cache.clear()
        found = cache[key] = self._other_word(s, name_keys)
        return found

    def _other_word(self, s: int, name_keys: frozenset[str]) -> str | None:
        token = self.tokens[s]
        _, known, lemmas = self.tags(s)
        if not known:
            return None
        for lang in languages_of(token.raw, token.norm):
            found = parses(token.norm, lang)
            if found and found[0].tag.POS in _FUNCTION_POS and found[0].score > 0.5:
                return f"the {found[0].tag.POS} «{found[0].normal_form}», not a form of the name"
        own = {k for k in analyse(token.norm, languages_of(token.raw, token.norm))[0] if not k.startswith("~")}
        if own & name_keys:
            return None
        return f"the word «{sorted(lemmas)[0] if lemmas else token.norm}», not a form of the name"

    def borough(self, e: int, code: str) -> str | None:
        """«Киевский район Харькова», «Московский район»: a city region's adjective before a district word is a
        borough named after the city (the city regions have no raion of their own name)."""
        if code in self.m._city_regions and e + 1 < self.n and self.tokens[e + 1].norm.startswith(_DISTRICT_WORDS):
            return f"before «{self.tokens[e + 1].raw}»: a borough named after the city, not the city"
        return None

    def elliptic_list(self, s: int, e: int) -> bool:
        """A capitalised feminine region adjective standing alone in a list of region adjectives
        («над Брянской, Московской и Смоленской»): the oblast left implied."""
        first, n = self.tokens[s], self.n
        if not first.capital or is_initial(self.text, first.start):
            return False
        if not feminine_adjective(first.norm, languages_of(first.raw, first.norm)):
            return False
        nxt = e + 1
        alone = nxt >= n or not self.adjacent(e, nxt) or bool(self.flags[nxt] & CONJ)
        at = bisect_left(self.adjective_list, s)
        listed = (at > 0 and s - self.adjective_list[at - 1] <= 15) or (
            at + 1 < len(self.adjective_list) and self.adjective_list[at + 1] - s <= 15)
        return alone and listed

    def city_or_oblast(self, s: int, e: int, code: str) -> str | None:
        """«киевский» is the adjective of Kyiv and of Kyiv Oblast: the oblast before an oblast word or alone in
        a list of oblasts («над Брянской, Московской и Смоленской»), else the city."""
        oblast_next = any(self.tokens[j].norm.rstrip(".") in _OBLAST_WORDS
                          or self.has(j, CUE_REGION) and self.tokens[j].norm.startswith("обл")
                          for j in range(e + 1, min(e + 6, self.n))) or self.elliptic_list(s, e) or self.oblast_adjective(e)
        city = code in self.m._city_regions
        if oblast_next and city:
            return "the adjective of the city and of its oblast: the oblast, before an oblast word"
        if not oblast_next and not city:
            return "the adjective of the city and of its oblast: the city, with no oblast word after it"
        return None

    def oblast_adjective(self, e: int) -> bool:
        """«Московского областного суда»: an oblast-level adjective right after the adjective, agreeing with it."""
        first, nxt = self.tokens[e], e + 1
        if nxt >= self.n or not self.adjacent(e, nxt) or not self.tokens[nxt].norm.startswith(("областн", "обласн")):
            return False
        return agrees(first.norm, self.tokens[nxt].norm, "ADJF", languages_of(first.raw, first.norm))

    def place_rejection(self, s: int, e: int, terms: list) -> str | None:
        """Why the words at s..e name no place whatever the place, or None; "region" when taken as a region."""
        m, tokens, text = self.m, self.tokens, self.text
        first, last = tokens[s], tokens[e]
        if s in self.friend_at or e in self.friend_at:
            return self.blocked(s, e)
        why = self.words_around(s, e, terms)
        if why:
            return why
        if _MODEL.match(text, last.end):
            return "a model designation (a name followed by a hyphen and a number)"
        if ((_COMPOUND_AFTER.match(text, last.end) and e + 1 not in self.geo_starts)
                or (first.start >= 2 and _COMPOUND_BEFORE.match(text, first.start - 2) and s - 1 not in self.geo_ends)):
            return "part of a longer hyphenated name"
        if self.quoted_thing(s, e):
            return "a name in quotes: the name of a thing (a brand, a complex, a pipeline)"
        if (s == e and first.capital and self.has(e + 1, CUE_REGION | CUE_DIRECTION)
                and not any(m._noun_form(first, m.places[t.ref]) for t in terms)):
            return f"an adjective before «{tokens[e + 1].raw}»: a district, community or direction named after a place"
        if any(t.capital for t in terms) and not first.capital:
            return "written in lower case"
        if not first.capital and first.script in ("cyr", "lat"):
            direction = s == e and (self.has(e + 1, CUE_DIRECTION) or (
                self.directions and self.listed_after_direction(s, languages_of(first.raw, first.norm))))
            cued = direction or s == e and self.has(e + 1, CUE_REGION)
            if direction:  # a front direction is named after a place of a region with a front, not a namesake elsewhere
                terms = [t for t in terms if m.places[t.ref]["region"] in m._covered
                         and m.places[t.ref].get("labels_region", True)] or terms
            top = max(place_rank(m.places[t.ref]) for t in terms) if cued else 0
            largest = [t for t in terms if place_rank(m.places[t.ref]) == top]  # «волчанском» is Vovchansk's
            regions = {m.places[t.ref]["region"] for t in largest}
            if cued and len(regions) == 1:
                if any({"common", "listed"} & set(m._ambiguity[t.ref]) if direction else m._ambiguity[t.ref]
                       or not m.places[t.ref].get("labels_region", True) for t in largest):
                    # «у південних областях» is not Південне: an ordinary word's adjective names no district or front
                    return "written in lower case before a region or direction word: the adjective of an ambiguous name"
                code = regions.pop()
                self.accepted_region(s, e, code, "a place adjective of a district, community or front direction")
                return "region"
            return "written in lower case: a common word, not a name"
        if first.script == "lat":
            person = self.english_person_context(s, e)
            if person:
                return person
        if first.script == "cyr":
            grams, known, _ = self.tags(s)
            person = self.person_context(s, e, grams) or self.noun_before_genitive(s, e)
            if person:
                return person
            if s == e and known:
                reasons = [self.other_word(s, e, m._name_keys(t.ref)) for t in terms]
                if all(reasons):
                    return reasons[0]
        return None

    def person_context(self, s: int, e: int, grams: frozenset[str]) -> str | None:
        """Why the words at s..e are part of a person's name («Игорь Краснов», «Макарова И. М.»), or None."""
        tokens, text = self.tokens, self.text
        nxt, prev = e + 1, s - 1
        if ("Name" in grams and nxt < self.n and tokens[nxt].capital and self.adjacent(e, nxt)
                and (nxt not in self.geo_starts  # «с Дмитрием Тарасовым»: a surname that is also a place
                     or ("Surn" in self.tags(nxt)[0] and nxt not in self.adjective_starts))
                and not self.has(nxt, CUE_REGION | CUE_SETTLEMENT)):
            return f"a first name before «{tokens[nxt].raw}»"
        if nxt < self.n and self.adjacent(e, nxt) and "Patr" in self.tags(nxt)[0] and tokens[nxt].capital:
            return f"a first name before the patronymic «{tokens[nxt].raw}»"
        # «Александр Пушкин»: a first name before a surname, even where the first name is a place's name too
        if (prev >= 0 and tokens[prev].capital and self.adjacent(prev, s)
                and (prev not in self.geo_ends or "Surn" in grams)):
            prev_tags = self.tags(prev)[0]
            initial = len(tokens[prev].raw) == 1 and text[tokens[prev].end : tokens[prev].end + 1] == "."
            # «Власти Раменского» (authorities), not the first name Влас: a place noun governing the name
            first_name = "Name" in prev_tags and tokens[prev].script == "cyr" and not self.place_noun_before(s)
            if first_name or (initial and grams & {"Surn", "Patr"}):
                return f"a surname after «{tokens[prev].raw}»"
        if (nxt < self.n and len(tokens[nxt].raw) == 1 and tokens[nxt].capital
                and text[tokens[nxt].end : tokens[nxt].end + 1] == "." and self.adjacent(e, nxt)):
            return f"a surname before the initial «{tokens[nxt].raw}.»"
        return None

    def words_around(self, s: int, e: int, terms: list) -> str | None:
        """Why the words next to s..e make it a street, a feature, a namesake's honour or ordinary words, or None."""
        m, tokens = self.m, self.tokens
        first = tokens[s]
        if self.has(s - 1, CUE_STREET, CUE_STREET_ABBR) and first.capital and s == e:
            lemmas = {n.lower() for t in terms for ns in m.places[t.ref]["names"].values() for n in ns}
            langs = [lang for lang in languages_of(first.raw, first.norm) if lang in ("ru", "uk")]
            if not any(noun_genitive(first.norm, lang, lemma) for lang in langs for lemma in lemmas):
                return "a street name"
        elif self.has(s - 1, CUE_STREET, CUE_STREET_ABBR) or self.has(e + 1, CUE_STREET, CUE_STREET_ABBR):
            return "a street name"
        if self.has(s - 1, CUE_FEATURE):
            return f"after «{tokens[s - 1].raw}»: the name of something else, not the settlement"
        if self.named_after(s):
            return f"after «{tokens[s - 1].raw}»: the person or thing something is named after, not the place"
        if e > s and first.capital and self.lower_later_word(s, e, terms):
            return "a later word in lower case: ordinary words, not the name («Ясные зори»)"
        if first.script == "lat":
            for j in range(e + 1, min(e + 4, self.n)):
                if tokens[j].norm in _VESSELS:
                    return f"before «{tokens[j].raw}»: a ship named after the place"
                if tokens[j].norm not in _VESSEL_WORDS or not self.adjacent(j - 1, j):
                    break
        return None

    def named_after(self, s: int) -> bool:
        """«имени Губкина», «им. Невского» with the name right after: what something is named after."""
        prev = s - 1
        if prev < 0:
            return False
        norm = self.tokens[prev].norm
        if norm in _NAMED_AFTER:
            return self.adjacent(prev, s)
        return norm in _NAMED_AFTER_ABBR and self.adjacent_after_dot(prev, s)

    def lower_later_word(self, s: int, e: int, terms: list) -> bool:
        """A word after the first written in lower case where every name of the places capitalises it."""
        lower = [j for j in range(s + 1, e + 1) if not self.tokens[j].capital and len(self.tokens[j].norm) > 2]
        if not lower:
            return False
        return not any(t.ref in self.m._lower_word_names for t in terms)

    def noun_before_genitive(self, s: int, e: int) -> str | None:
        """«Суми коштів» at a sentence's start: a quantity noun (сума) heading the genitive of a thing, not the city
        («Суми ворога не бояться» is the city); only at a sentence's start, where the capital letter is no evidence."""
        first, nxt = self.tokens[s], e + 1
        if s != e or not is_initial(self.text, first.start) or nxt >= self.n or not self.adjacent(e, nxt):
            return None
        if self.tokens[nxt].capital or nxt in self.geo_starts:
            return None
        for lang in languages_of(first.raw, first.norm):
            if lang not in ("ru", "uk") or not is_known(first.norm, lang):
                continue
            head, following = parses(first.norm, lang), parses(self.tokens[nxt].norm, lang)
            if not head or not following or head[0].tag.POS != "NOUN" or "Geox" in head[0].tag.grammemes:
                continue
            if head[0].normal_form not in _QUANTITY_NOUNS:
                continue
            if following[0].tag.POS == "NOUN" and following[0].tag.case == "gent" and "inan" in following[0].tag:
                return f"the word «{head[0].normal_form}» before the genitive «{self.tokens[nxt].raw}», not a name"
        return None

    def english_person_context(self, s: int, e: int) -> str | None:
        """Why Latin words at s..e are part of a person's name ("Joe Rogan", "Rohan Smith"), or None."""
        tokens = self.tokens
        prev, nxt = s - 1, e + 1
        if (prev >= 0 and tokens[prev].capital and self.adjacent(prev, s) and prev not in self.geo_ends
                and tokens[prev].norm in EN_FIRST_NAMES):
            return f"a surname after the first name «{tokens[prev].raw}»"
        if (s == e and tokens[s].norm in EN_FIRST_NAMES and nxt < self.n and tokens[nxt].capital
                and self.adjacent(e, nxt) and nxt not in self.geo_starts
                and not self.has(nxt, CUE_REGION | CUE_SETTLEMENT)):
            return f"a first name before «{tokens[nxt].raw}»"
        return None

    def accepted_region(self, s: int, e: int, code: str, why: str) -> None:
        chars = (self.tokens[s].start, self.tokens[e].end)
        self.out["regions"].append((chars, "region", code))
        self.note(s, e, "region", code, True, why)

    def ambiguous_evidence(self, s: int, e: int, terms: list, evidence_regions: set[str],
                           evidence_districts: set[int]) -> tuple[list, list]:
        """(taken, rejected) places at s..e, each with why: the place's district or region named in
        the post picks among namesakes; else the largest place of the name, if it is one region's;
        then an ambiguous name needs the context its kind of ambiguity asks for."""
        m, tokens = self.m, self.tokens
        first = tokens[s]
        regions = sorted({m.places[t.ref]["region"] for t in terms})
        by_district = [(t, f"its district ({m.places[m._district_of[t.ref]]['en']}) named in the post") for t in terms
                       if m._district_of.get(t.ref) in evidence_districts]
        if not by_district and evidence_districts:
            communities = {fold(n): d for d in sorted(evidence_districts) for n in m.places[d]["names"].get("uk", [])}
            by_district = [(t, f"its hromada ({m.places[communities[fold(m.places[t.ref]['hromada'])]]['en']}) named "
                               "in the post") for t in terms
                           if fold(m.places[t.ref].get("hromada") or "-") in communities]
        proper = self.proper(s)

        def strict(t: Any) -> bool:  # an ordinary word: its region alone is evidence only for a proper name
            ambiguity = m._ambiguity[t.ref]
            return "listed" in ambiguity or "common" in ambiguity

        # «В Подмосковье ... заявил Жуковский»: a town elsewhere named like a person needs words of its own
        surname = any(self.person_like(s, t) for t in terms) and not (self.place_cue(s, e) or self.place_preposition(s))
        named = by_district or [(t, f"its region ({m.places[t.ref]['region']}) named in the post") for t in terms
                                if m.places[t.ref]["region"] in evidence_regions and (proper or not strict(t))
                                and not ((surname or self.adjective_of_next_noun(s)) and is_town_elsewhere(m.places[t.ref]))]
        # a namesake city far away (Mikhaylovka of Volgograd Oblast) does not outweigh a village whose region is named
        city = any(m.places[t.ref]["kind"] == "city" and not m._ambiguity[t.ref] and not m.places[t.ref].get("namesake")
                   for t in terms)
        city_word = s > 0 and tokens[s - 1].norm.startswith(("міст", "город", "city"))
        if city and (city_word or not self.settlement_cue(s, e)):
            # «Харків» is the city even in a post naming the oblast of a village Харкове: a village of a
            # city's name needs a settlement word, not just its region named
            named = [(t, why) for t, why in named if place_rank(m.places[t.ref]) > 1]
        if named:
            named_regions = {m.places[t.ref]["region"] for t, _ in named}
            if len(named_regions) > 1:
                return [], [(t, f"names places in {', '.join(regions)}: the post names several of them") for t in terms]
            chosen = self.one_per_region(named)
            taken = {id(t) for t, _ in chosen}
            return chosen, [(t, "a namesake in another region or district") for t in terms if id(t) not in taken]
        terms, rejected = self.without_towns_elsewhere(terms)
        regions = sorted({m.places[t.ref]["region"] for t in terms})
        candidates = terms
        if len(regions) > 1:
            top = max(place_rank(m.places[t.ref]) for t in terms)
            candidates = [t for t in terms if place_rank(m.places[t.ref]) == top]
            if top <= 1 or len({m.places[t.ref]["region"] for t in candidates}) > 1:
                return [], rejected + [(t, f"names places in {', '.join(regions)}: none of these regions named in "
                                           "the post") for t in terms]
            larger = m.places[candidates[0].ref]
            which = "a well-known namesake" if larger.get("namesake") else "a smaller place of the same name"
            rejected += [(t, f"{which}: {larger['en']} ({larger['region']}) is meant unless "
                             "this one's region is named") for t in terms if t not in candidates]
        cue = self.place_cue(s, e)
        prep = s > 0 and tokens[s - 1].norm in LOCATIVE_PREPOSITIONS and self.adjacent(s - 1, s)
        geox = first.script == "cyr" and "Geox" in self.tags(s)[0]
        kept: list[tuple[Any, str]] = []
        for t in candidates:
            # a Latin spelling is no Russian or Ukrainian word: "Derhachi" is the town, «дергачи» the birds
            ambiguity = [a for a in m._ambiguity[t.ref] if (a != "shared" or len(regions) == 1 and len(terms) == 1)
                         and not (a == "common" and first.script == "lat")
                         and not (a == "person_like" and first.script == "cyr" and not self.person_word(s))]
            about = ", ".join(REASON_TEXT[a] for a in ambiguity)
            kind = m.places[t.ref]["kind"]
            if "minor" in ambiguity and "shared" not in ambiguity and "listed" not in ambiguity:
                ok, why = self.minor_evidence(s, e, t, ambiguity, len(terms), evidence_regions)
                (kept if ok else rejected).append((t, f"ambiguous ({about}){why}"))
            elif is_town_elsewhere(m.places[t.ref]) and (
                    self.person_word(s) or {"common", "person", "person_like"} & set(ambiguity)):
                # «Как писал Чехов», «губернатор Воробьёв»: a town elsewhere named like a person or a word is taken
                # only after a preposition of place or a settlement word (a toponym tag is no evidence)
                if first.capital and (cue or self.place_preposition(s)):
                    kept.append((t, f"a town named like a person or a word, after «{tokens[s - 1].raw}»"))
                elif first.capital and not self.person_like(s, t) and self.attack_verb_before(s):
                    kept.append((t, f"a town named like a word, the object of «{tokens[s - 1].raw}»"))
                elif self.town_region_evidence(s, t, evidence_regions):
                    kept.append((t, f"a town named like a word, its region ({m.places[t.ref]['region']}) or another "
                                    "place of it named in the post"))
                else:
                    rejected.append((t, "a town named like a person or a word: no preposition of place or "
                                        "settlement word before it"))
            elif not ambiguity:
                kept.append((t, "an unambiguous place name, capitalised" if len(regions) == 1
                             else "the largest place of that name"))
            elif "shared" in ambiguity:
                rejected.append((t, f"ambiguous ({about}): its region is not named in the post"))
            elif "listed" in ambiguity or ("common" in ambiguity and kind in ("village", "district")):
                rejected.append((t, f"ambiguous ({about}): neither its district nor its region named"))
            elif cue and first.capital:
                kept.append((t, f"ambiguous ({about}) but after a settlement word"))
            elif (proper and prep) or (geox and "person_like" not in ambiguity and (
                    proper or first.capital and not {"common", "person"} & set(ambiguity))):
                # at a sentence's start the toponym tag counts only for a name that is no ordinary word or person
                kept.append((t, f"ambiguous ({about}) but a capitalised name "
                                + (f"after «{tokens[s - 1].raw}»" if prep and proper else "tagged as a toponym")))
            else:
                rejected.append((t, f"ambiguous ({about}): no settlement word, locative preposition or region named"))
        if not kept:
            return [], rejected
        chosen = self.one_per_region(kept)
        taken = {id(t) for t, _ in chosen}
        return chosen, rejected + [(t, "a namesake of another place of the region, taken instead")
                                   for t, _ in kept if id(t) not in taken]

    def minor_evidence(self, s: int, e: int, t: Any, ambiguity: list[str], count: int,
                       evidence_regions: set[str]) -> tuple[bool, str]:
        """(taken, why) for a small place generated in bulk: a settlement word before it in a post about no other
        region, or, for a town of towns.json named like no other place, word or person, a preposition of place."""
        m, tokens, first = self.m, self.tokens, self.tokens[s]
        cue = self.place_cue(s, e)
        # a place inside this name («Самбир» of «Великий Самбир») is part of it, no other region named
        outside = self.named_regions | {r for ps, pe, r in self.place_evidence if not s <= ps <= pe <= e}
        elsewhere = sorted(evidence_regions & outside - {m.places[t.ref]["region"]})
        if cue and first.capital and not elsewhere:
            return True, " but after a settlement word"
        if cue and first.capital:
            return False, f": after a settlement word, but the post is about {', '.join(elsewhere)}, not its region"
        if count == 1 and self.town_region_evidence(s, t, evidence_regions):
            return True, f": its region ({m.places[t.ref]['region']}) or another place of it named in the post"
        if (self.place_preposition(s) and first.capital and count == 1 and ambiguity == ["minor"]
                and is_town_elsewhere(m.places[t.ref]) and not self.person_word(s)):
            # «в Инкермане», «в Болграді»: a town of towns.json named like no other place, word or person
            return True, f" but a town of a name no other place has, after «{tokens[s - 1].raw}»"
        if (self.place_preposition(s) and self.proper(s) and count == 1 and set(ambiguity) <= {"minor", "common"}
                and is_town_elsewhere(m.places[t.ref]) and not self.person_word(s) and self.likeliest_toponym(s)):
            # «Пожар в Судаке»: the dictionary's likeliest reading is the toponym, not the fish
            return True, f" but after «{tokens[s - 1].raw}», not a sentence's first word, likeliest a toponym"
        return False, ": no settlement word, and neither its district nor its region named"

    def attack_verb_before(self, s: int) -> bool:
        """A verb of an attack right before the word at s, which it governs in the accusative («атакували Раменське»),
        after its subject: not at a sentence's start."""
        j = s - 1
        if j < 0 or not self.adjacent(j, s) or not self.lemmas_at(j) & _ATTACK_VERBS:
            return False
        if is_initial(self.text, self.tokens[j].start):
            return False  # «Атаковали Зарю в чате»: a verb without its subject before it tells of no strike
        return self.tokens[s].script != "cyr" or "accs" in self.cases_at(s)

    def person_like(self, s: int, t: Any) -> bool:
        """The word at s can be a person's name, or is a Latin spelling of a place whose Russian name can be one."""
        return self.person_word(s) or (self.tokens[s].script == "lat" and "person_like" in self.m._ambiguity[t.ref])

    def likeliest_toponym(self, s: int) -> bool:
        """The Russian dictionary's likeliest reading of the word at s is a toponym («Судаке», not «судак»)."""
        token = self.tokens[s]
        found = parses(token.norm, "ru") if token.script == "cyr" and "ru" in languages_of(token.raw, token.norm) else ()
        return bool(found) and "Geox" in found[0].tag.grammemes

    def town_region_evidence(self, s: int, t: Any, evidence_regions: set[str]) -> bool:
        """A capitalised town of towns.json named like no person, in a post naming its region or another place of it:
        taken plainly, on words of its own («в Чехове»), or as an airport's name («аэропорт «Домодедово»»)."""
        region = self.m.places[t.ref]["region"]
        if not (is_town_elsewhere(self.m.places[t.ref]) and self.tokens[s].capital and not self.person_like(s, t)):
            return False
        if self.adjective_of_next_noun(s) or not (self.proper(s) or self.likeliest_name(s)):
            return False  # «Советский Союз», «Заря окрасила небо»: ordinary words, wherever the region is named
        return region in evidence_regions | self.facility_regions | self.cued_regions

    def adjective_of_next_noun(self, s: int) -> bool:
        """The Cyrillic word at s, likeliest an adjective, agrees with the noun right after it («Советский Союз»,
        «Южный ветер»): it qualifies that noun, no town named like an adjective (Раменское, Свободный)."""
        token, nxt = self.tokens[s], s + 1
        if token.script != "cyr" or nxt >= self.n or not self.adjacent(s, nxt) or self.tokens[nxt].script != "cyr":
            return False
        found = parses(token.norm, "ru")
        return bool(found) and found[0].tag.POS == "ADJF" and agrees(token.norm, self.tokens[nxt].norm, "NOUN", ("ru",))

    def likeliest_name(self, s: int) -> bool:
        """At a sentence's start, where the capital letter tells nothing: the Russian dictionary's likeliest reading of
        the word at s is a toponym or an adjective (a town named like one: «Раменское атаковано»), not a common noun
        («Заря окрасила небо»); a Latin word passes."""
        token = self.tokens[s]
        if token.script != "cyr":
            return True
        found = parses(token.norm, "ru") if "ru" in languages_of(token.raw, token.norm) else []
        return bool(found) and ("Geox" in found[0].tag.grammemes or found[0].tag.POS == "ADJF")

    def without_towns_elsewhere(self, terms: list) -> tuple[list, list]:
        """(terms, (town, why) left out): a bulk-generated town of a region watched at region level only (towns.json)
        is no rival for a border place of its name, whatever its size, nor for a larger place: «Ясные Зори» is the
        Belgorod village, not a settlement of Mykolaiv Oblast; «В селе Алексино» the Sumy village, not Aleksin."""
        m = self.m
        border = [t for t in terms if m.places[t.ref].get("labels_region", True)]
        top = max(place_rank(m.places[t.ref]) for t in border or terms)
        weak = [t for t in terms if is_town_elsewhere(m.places[t.ref]) and (border or place_rank(m.places[t.ref]) < top)]
        if not weak or len(weak) == len(terms):
            return terms, []
        larger = next(m.places[t.ref] for t in terms if t not in weak and place_rank(m.places[t.ref]) == top)
        return [t for t in terms if t not in weak], [
            (t, f"a town elsewhere named so: {larger['en']} ({larger['region']}) is meant unless this one's region "
                "is named") for t in weak]

    def own_forms(self, s: int, e: int, terms: list) -> tuple[list, list]:
        """(places the word is a form of, (place, why) met through a shared stem only): «Шевченко» is the
        village Шевченко, not Шевченкове, when the gazetteer holds both."""
        token = self.tokens[s]
        if token.script != "cyr" or len(terms) < 2 or not self.tags(s)[1]:
            return terms, []
        reasons = [self.other_word(s, e, self.m._name_keys(t.ref)) for t in terms]
        if all(reasons) or not any(reasons):
            return terms, []
        return ([t for t, why in zip(terms, reasons) if not why],
                [(t, f"{why}, while other places are named so") for t, why in zip(terms, reasons) if why])

    def same_gender(self, s: int, terms: list) -> tuple[list, list]:
        """(places whose adjective name the word can be a form of, (place, why) of the others): «посёлок
        Светлый» is not Світле / Светлое, «Шевченківську (громаду)» not Шевченківське."""
        token = self.tokens[s]
        if token.script != "cyr":
            return terms, []
        langs = languages_of(token.raw, token.norm)
        word = adjective_forms(token.norm, langs)
        if not word:
            return terms, []
        kept, rejected = [], []
        for t in terms:
            names = [fold(n) for lang in langs for n in self.m.places[t.ref]["names"].get(lang, [])
                     if " " not in n and "-" not in n]
            forms = [adjective_forms(n, langs, nominative=True) for n in names]
            if forms and all(f and not f & word for f in forms):
                rejected.append((t, f"the adjective «{token.raw}» differs in gender or number from the name"))
            elif forms and not any(forms) and not self.m._noun_form(token, self.m.places[t.ref]) and not (
                    self.same_stem(token, names, langs)):
                # «Лебедине озеро» (swan's) is not Лебедин: an adjective made from a noun name is not the name
                rejected.append((t, f"the adjective «{token.raw}», not a form of the noun name"))
            else:
                kept.append(t)
        return kept, rejected

    def same_stem(self, token: Any, names: list[str], langs: tuple[str, ...]) -> bool:
        """A noun name the dictionary does not know, whose stem the word has: «Ногінську» (в Ногінську) is a
        case of «Ногінськ», though the dictionary reads it as the adjective «ногінський» only."""
        stems = {k for k in analyse(token.norm, langs)[0] if k.startswith("~")}
        return any(not is_known(name, lang) and stems & analyse(name, (lang,))[0]
                   for name in names for lang in langs if lang in ("ru", "uk"))

    def proper(self, s: int) -> bool:
        """A capitalised word that does not begin a sentence; the dot of an abbreviation before it
        («с. Андріївка», «г. Сумы», «ул. Курская») ends no sentence."""
        token = self.tokens[s]
        if not token.capital:
            return False
        if not is_initial(self.text, token.start):
            return True
        return self.has(s - 1, 0, CUE_SETTLEMENT_ABBR | CUE_STREET_ABBR) and self.adjacent_after_dot(s - 1, s)

    def adjacent_after_dot(self, i: int, j: int) -> bool:
        """Token i, its abbreviation dot, then token j after spaces only."""
        gap = self.text[self.tokens[i].end : self.tokens[j].start]
        return gap[:1] == "." and gap[1:].strip(" \t\u00a0") == "" and "\n" not in gap

    def settlement_cue(self, s: int, e: int) -> bool:
        """A settlement word before the name («село», «с.», "village of") or after it («Андріївка село»).
        A capital letter and a dot inside a sentence is an initial («заявив С. Анютин»), not «с.»."""
        if s > 0 and self.has(s - 1, 0, CUE_SETTLEMENT_ABBR):
            before = self.tokens[s - 1]
            if not (len(before.raw) == 1 and before.capital and not is_initial(self.text, before.start)):
                return True
        if self.has(s - 1, CUE_SETTLEMENT) or self.has(e + 1, CUE_SETTLEMENT):
            return True
        if s >= 2 and self.tokens[s - 1].norm == "of" and self.has(s - 2, CUE_SETTLEMENT):
            return True
        return self.listed_after_settlement_word(s)

    def listed_after_settlement_word(self, s: int) -> bool:
        """A name of a list that follows a settlement word: «сёла Гуево, Плехово и Мартыновка», «населённые
        пункты А и Б», "the villages of A, B and C". Walks back over capitalised names, commas and
        conjunctions (a dozen words at most) to the settlement word."""
        tokens, text = self.tokens, self.text
        j, listed = s - 1, False
        while j >= 0 and s - j <= 12:
            gap = text[tokens[j].end : tokens[j + 1].start]
            if "\n" in gap or gap.strip(" \t\u00a0,") or gap.count(",") > 1:
                return False
            listed = listed or "," in gap
            if self.has(j, CUE_SETTLEMENT) or (tokens[j].norm == "of" and self.has(j - 1, CUE_SETTLEMENT)):
                return listed
            if self.has(j, CONJ):
                listed = True
            elif not tokens[j].capital or self.has(j, CUE_REGION):
                return False
            j -= 1
        return False

    def one_per_region(self, kept: list) -> list:
        """Namesakes in one region are one mention: the largest, else the first listed (hand-checked first)."""
        m = self.m
        best: dict[str, tuple] = {}
        for t, why in kept:
            region = m.places[t.ref]["region"]
            have = best.get(region)
            if have is None or place_rank(m.places[t.ref]) > place_rank(m.places[have[0].ref]):
                best[region] = (t, why)
        return [best[r] for r in sorted(best)]

