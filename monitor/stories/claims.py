"""What a post claims, in a form that survives rewording and translation.

- ``figures``: numbers with what they count (300 soldiers, 11 tanks, 24 injured), the unit a
  language-independent name from a small bundled lexicon; dates and times («7 августа»,
  «08.00», 2024) are not figures.
- ``kinds``: the kinds of event the post speaks of (attack, shelling, evacuation, ...), from a
  multilingual lexicon of event terms (attack / атака / атака; shelling / обстрел / обстріл; ...).
- ``signature``: a MinHash of the post's normalised word 3-shingles, for near-duplicate lookup
  (locality-sensitive hashing in bands, so finding similar posts costs the same whatever the size
  of the archive).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..matching.normalise import folded

NUM_PERM = 64
SEED = 20240806  # fixed: signatures stored in the archive must stay comparable
BANDS = 16  # 16 bands of 4 rows: posts with Jaccard similarity >= 0.5 meet in some band with probability > 0.6..1
ROWS = NUM_PERM // BANDS

# Units: stems (folded, lower case) -> unit. Specific units name what happened to whom; GENERIC
# nouns (people, residents) count whatever the nearest event word says.
UNIT_STEMS: dict[str, tuple[str, ...]] = {
    "injured": ("пострада", "ранен", "ранили", "травмир", "травм", "постражд", "поранен", "травмован", "injur",
                "wound", "hurt"),
    "killed": ("погиб", "убит", "погибш", "загину", "загибл", "вбит", "killed", "dead", "died", "death", "fatalit"),
    "soldiers": ("военнослуж", "военных", "военные", "бойц", "солдат", "боевик", "военн", "військов", "бійц",
                 "вояк", "soldier", "troop", "servicem", "fighter"),
    "tanks": ("танк", "tank"),
    "armoured vehicles": ("ббм", "бронетехн", "бронемашин", "бтр", "бмп", "бронирован", "броньован", "бронетранспорт",
                          "бронеавтомоб", "armou", "armor"),
    "drones": ("беспилотн", "бпла", "дрон", "безпілотн", "бпла", "drone", "uav"),
    "missiles": ("ракет", "missile", "rocket"),
    "evacuated": ("эвакуир", "эвакуац", "евакуйов", "евакую", "евакуац", "евакуюв", "evacu"),
    "children": ("детей", "ребен", "ребён", "дет", "діт", "дитин", "child"),
    "houses": ("домов", "жилых", "дома", "здани", "будин", "будинк", "house", "home", "building"),
    "settlements": ("населенн", "населён", "насел", "сел", "посел", "village", "settlement"),
}
GENERIC_STEMS = ("человек", "люд", "жител", "осіб", "особ", "мешкан", "граждан", "people", "person",
                 "resident", "civilian", "individual")
# Words that may sit between a number and its noun.
FILLER = {"более", "менее", "около", "свыше", "до", "почти", "порядка", "понад", "близько", "майже", "about",
          "more", "than", "over", "nearly", "almost", "up", "to", "боевых", "бойових", "мирных", "мирних",
          "единиц", "одиниць", "units", "of", "украинских", "українських", "ukrainian", "russian", "российских",
          "російських", "вражеских", "ворожих", "enemy", "жилых", "житлових", "бронированных",
          "броньованих", "разных", "разведывательных", "ударных", "people"}
MONTHS = ("январ", "феврал", "март", "апрел", "мая", "май", "июн", "июл", "август", "сентябр", "октябр", "ноябр",
          "декабр", "січн", "лют", "берез", "квітн", "травн", "червн", "липн", "серпн", "вересн", "жовтн",
          "листопад", "грудн", "january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
          "sept", "oct", "nov", "dec")
NOT_FIGURES = ("год", "рок", "year", "час", "годин", "hour", "минут", "хвилин", "minute", "секунд", "second",
               "рубл", "гривн", "грн", "доллар", "долар", "евро", "євро", "dollar", "euro", "копе", "процент",
               "відсот", "percent", "км", "km", "метр", "meter", "сутк", "доб", "day", "день", "дня", "дней",
               "днів", "недел", "тижн", "week", "месяц", "місяц", "month", "раз", "times", "разів")

# Event kinds: stems -> kind (folded, lower case).
KIND_STEMS: dict[str, tuple[str, ...]] = {
    "attack": ("атак", "атаку", "attack", "напад", "штурм", "assault", "наступ", "offensive", "incursion",
               "вторжен", "вторгл", "прорыв", "прорив", "прорвал", "вторгн", "invasion", "raid"),
    "shelling": ("обстрел", "обстріл", "shell", "артиллер", "артилер", "artiller", "миномет", "міномет", "mortar"),
    "evacuation": ("эвакуа", "евакуа", "евакуй", "евакую", "эвакуир", "evacu"),
    "emergency": ("чс", "чрезвычайн", "надзвичайн", "emergency"),
    "drone": ("беспилот", "бпла", "дрон", "безпілот", "drone", "uav", "fpv"),
    "casualties": ("пострада", "ранен", "постражд", "поранен", "injur", "wound", "погиб", "загину", "загибл",
                   "killed", "dead"),
    "missile": ("ракет", "missile", "rocket", "балистич", "балістич", "ballistic"),
    "bombing": ("авиабомб", "авіабомб", "кааб", "бомб", "bomb"),
    "air alert": ("тревог", "тривог", "air raid", "alert"),
    "fire": ("пожар", "пожеж", "fire", "blaze"),
    "losses": ("потер", "втрат", "losses", "уничтож", "знищ", "destroy"),
}

_NUMBER = re.compile(r"(?<![\w.,:])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,:](\d+))?(?![\w])")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SENTENCE = re.compile(r"[.!?…\n;]")
_NON_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class Figure:
    unit: str
    value: int
    words: str  # as written: "31 человек", "24 people injured"

    def key(self) -> tuple[str, int]:
        return (self.unit, self.value)


@dataclass
class Claim:
    figures: list[Figure] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    signature: np.ndarray | None = None
    bands: list[int] = field(default_factory=list)
    shingles: int = 0
    _blob: bytes | None = field(default=None, repr=False, compare=False)

    def blob(self) -> bytes | None:
        """The signature as stored (``to_blob``), made once."""
        if self._blob is None and self.signature is not None:
            self._blob = to_blob(self.signature)
        return self._blob


_EVENT_UNITS = {k: UNIT_STEMS[k] for k in ("injured", "killed", "evacuated")}  # units an event word names


def _stem_of(word: str, table: dict[str, tuple[str, ...]]) -> str | None:
    for unit, stems in table.items():
        if word.startswith(stems):
            return unit
    return None


def _fold(word: str) -> str:  # normalise.fold through the matcher's cache: the same words recur in every post
    return folded(word)[0]


@lru_cache(maxsize=200_000)
def _unit(word: str) -> str | None:
    """The unit a folded word counts (UNIT_STEMS), cached: the same words recur in every post."""
    return _stem_of(word, UNIT_STEMS)


@lru_cache(maxsize=200_000)
def _kind(word: str) -> str | None:
    return _stem_of(word, KIND_STEMS)


def extract_figures(text: str) -> list[Figure]:
    """Numbers with what they count. See the module doc."""
    figures: list[Figure] = []
    seen: set[tuple[str, int]] = set()
    ends: list[int] | None = None  # where the text's sentences end, found at the first number
    words: list[tuple[int, int, str]] = []  # (start, end, folded) of the text's words, with ends
    starts: list[int] = []
    for m in _NUMBER.finditer(text):
        if m.group(2) is not None:
            continue  # 08.00, 12:30, 7.5, 1,5: times and fractions, not counts
        value = int(_NON_DIGIT.sub("", m.group(1)))
        # the sentence the number stands in
        if ends is None:
            ends = [s.end() for s in _SENTENCE.finditer(text)]
            words = [(w.start(), w.end(), _fold(w.group())) for w in _WORD.finditer(text)]
            starts = [w[0] for w in words]
        before_number = bisect_right(ends, m.start())
        left = ends[before_number - 1] if before_number else 0
        right_match = _SENTENCE.search(text, m.end())
        right = right_match.start() if right_match else len(text)
        # the first four words after the number and the last six before it, in its sentence (no
        # word runs across a number's edges or a sentence mark)
        at = bisect_left(starts, m.end())
        after = [w for w in words[at:at + 4] if w[1] <= right]
        upto = bisect_left(starts, m.start())
        before = words[max(upto - 6, bisect_left(starts, left, 0, upto)):upto]
        if after and after[0][2].startswith(MONTHS):
            continue  # 7 августа
        if before and before[-1][2].startswith(MONTHS) and value <= 31:
            continue  # August 7
        if m.group(1).isdigit() and 1900 <= value <= 2100 and (not after or not _unit(after[0][2])):
            continue  # a year
        unit = None
        noun = None
        generic = False
        for start, end, word in after[:3]:
            if word.startswith(NOT_FIGURES) and not _unit(word):
                break
            found = _unit(word)
            if found:
                unit, noun = found, (start, end)
                break
            if word.startswith(GENERIC_STEMS):
                generic, noun = True, (start, end)
                # "24 people injured": an event word right after the generic noun
                following = [w for w in after if w[0] > end and not text[end:w[0]].strip()
                             and w[2] not in ("were", "was", "are", "have", "been", "had")][:1]
                if following and _stem_of(following[0][2], _EVENT_UNITS):
                    unit = _unit(following[0][2])
                    noun = (start, following[0][1])
                break
            if word not in FILLER:
                break
        if unit is None:
            if after and after[0][2].startswith(NOT_FIGURES):
                continue
            for start, end, word in reversed(before):
                found = _stem_of(word, _EVENT_UNITS)
                if found:
                    unit = found
                    break
        if unit is None and generic:
            unit = "people"
        if unit is None:
            continue
        end = noun[1] if noun else m.end()
        figure = Figure(unit, value, " ".join(text[m.start():end].split()))
        if figure.key() not in seen:
            seen.add(figure.key())
            figures.append(figure)
    return figures


def extract_kinds(text: str) -> set[str]:
    """The event kinds a text speaks of (KIND_STEMS), links and mentions left out."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)  # composed first: a decomposed letter would split a word
    return _kinds_of(_words(text))


def _kinds_of(words: list[str]) -> set[str]:
    kinds = {kind for kind in map(_kind, words) if kind}
    if "air" in words and "air raid" in " ".join(words):
        kinds.add("air alert")
    return kinds


_URL = re.compile(r"https?://\S+|t\.me/\S+|[@#]\w+")


def _words(text: str) -> list[str]:
    """The folded words of a text, links and mentions left out (each word folded alone)."""
    return [_fold(w) for w in _WORD.findall(_URL.sub(" ", text))]


def shingles(text: str) -> set[str]:
    return _shingles_of(_words(text))


def _shingles_of(words: list[str]) -> set[str]:
    if len(words) < 3:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # a * h + b modulo 2**32 with odd a: datasketch 2's "affine32" scheme and its draws for SEED,
    # so that signatures stored by earlier versions (made with datasketch) stay comparable
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_PERM_A, _PERM_B = _permutations()


_hashes: dict[str, int] = {}  # shingle -> its hash: the same phrases recur from post to post
_HASHES_HELD = 200_000


def _hash(item: str) -> int:
    h = int.from_bytes(hashlib.sha1(item.encode("utf-8")).digest()[:4], "little")
    # MurmurHash3's finaliser, in plain ints: a handful of numpy calls on a few values cost more
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    if len(_hashes) >= _HASHES_HELD:
        _hashes.clear()
    _hashes[item] = h
    return h


def minhash(items: set[str]) -> np.ndarray | None:
    """A NUM_PERM-value MinHash of a set of strings, or None for an empty set.

    Each string's hash is the first 4 bytes of its SHA-1 (little-endian), spread by the
    MurmurHash3 finaliser, then put through NUM_PERM affine permutations; the signature keeps
    each permutation's minimum. The values are those of datasketch 2's MinHash (scheme
    "affine32", seed SEED), which made the signatures stored by earlier versions.
    """
    if not items:
        return None
    cached = _hashes.get
    hv = np.array([cached(item) or _hash(item) for item in items], dtype=np.uint32)
    return (hv[:, None] * _PERM_A + _PERM_B).min(axis=0).astype(np.uint64)


# Band keys mix a band's ROWS values with fixed odd multipliers (arithmetic modulo 2**64) and a
# salt per band. They are computed, never stored (stored signatures give them again), so this
# mixing may change between versions.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93][:ROWS],
                dtype=np.uint64)
_SALT = (np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0xFF51AFD7ED558CCD))
_ONE = np.uint64(1)


def band_keys(signature: np.ndarray) -> list[int]:
    """One 63-bit key per band: posts sharing a key are candidates for near-duplicates."""
    # a matrix product sums each band's products (integer arithmetic wraps, without a warning)
    return (((signature.reshape(BANDS, ROWS) @ _MIX) ^ _SALT) >> _ONE).tolist()


def similarities(signature: np.ndarray, blobs: list[bytes]) -> np.ndarray:
    """The estimated Jaccard similarity of one signature with each of many stored ones, at once."""
    others = np.frombuffer(b"".join(blobs), dtype="<u8").reshape(len(blobs), NUM_PERM)
    return np.count_nonzero(others == signature, axis=1) / NUM_PERM


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u8")


def to_blob(signature: np.ndarray | None) -> bytes | None:
    return None if signature is None else signature.astype("<u8").tobytes()


def claim_of(text: str, translation: str | None = None) -> Claim:
    words = _words(text)  # once, for the shingles and the event kinds
    items = _shingles_of(words)
    signature = minhash(items)
    figures = extract_figures(text)
    kinds = _kinds_of(words) if unicodedata.is_normalized("NFC", text) else extract_kinds(text)
    if translation:
        known = {f.key() for f in figures}
        figures += [f for f in extract_figures(translation) if f.key() not in known]
        kinds |= extract_kinds(translation)
    return Claim(figures, kinds, signature, band_keys(signature) if signature is not None else [], len(items))
