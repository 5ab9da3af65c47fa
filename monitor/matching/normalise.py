"""Tokens of a post: where each word is, how it is written, and its folded form.

Folding: lower case, NFC, ё -> е, every apostrophe variant (' ’ ʼ ` ′ ʹ) -> ',
Latin look-alike letters inside a Cyrillic word -> Cyrillic. Hyphenated names
(Николаево-Дарьино) are split into their parts, which stay adjacent tokens, so a
name written with a hyphen or a space matches the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

APOSTROPHES = "'’ʼ`′ʹ‘"
_LETTER = r"(?:[^\W_]|[\u0300-\u036f])"
WORD_RE = re.compile(rf"{_LETTER}+(?:[{APOSTROPHES}]{_LETTER}+)*")
# the same words in a text without combining marks (nearly every post), at half the cost
_WORD_PLAIN = re.compile(rf"[^\W_]+(?:[{APOSTROPHES}][^\W_]+)*")
_MARK = re.compile(r"[\u0300-\u036f]")
_APOSTROPHE_TABLE = str.maketrans({c: "'" for c in APOSTROPHES} | {"ё": "е", "\u00ad": None})
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
UK_LETTERS = frozenset("іїєґ")
RU_LETTERS = frozenset("ыэъё")
# Latin letters that look like Cyrillic ones, for words that mix both scripts.
_HOMOGLYPHS = str.maketrans(
    {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "k": "к", "m": "м",
     "t": "т", "i": "і", "b": "в", "h": "н"}
)
SENTENCE_END = ".!?…\n"
_OPENERS = " \t\r«\"'“„‘([—–-•*>"


@dataclass(slots=True)
class Token:
    start: int  # character offsets in the original text
    end: int
    raw: str  # as written
    norm: str  # folded
    script: str  # "cyr" | "lat" | "num" | "other"
    capital: bool  # first letter upper case


def fold(word: str) -> str:
    """The folded form of one word (see the module doc)."""
    text = unicodedata.normalize("NFC", word).lower().translate(_APOSTROPHE_TABLE)
    if _CYRILLIC.search(text) and _LATIN.search(text):
        text = text.translate(_HOMOGLYPHS)
    return text


def script_of(norm: str) -> str:
    if _CYRILLIC.search(norm):
        return "cyr"
    if _LATIN.search(norm):
        return "lat"
    if norm.isdigit():
        return "num"
    if any(c.isalpha() for c in norm):
        return "other"
    return "num"


@lru_cache(maxsize=200_000)
def languages_of(raw: str, norm: str | None = None) -> tuple[str, ...]:
    """Which analysers a word goes to: its letters decide, else ru and uk both."""
    norm = norm if norm is not None else fold(raw)
    script = script_of(norm)
    if script == "lat":
        return ("en",)
    if script != "cyr":
        return ()
    lower = raw.lower()
    if any(c in UK_LETTERS for c in norm):
        return ("uk",)
    if any(c in RU_LETTERS for c in lower):
        return ("ru",)
    return ("ru", "uk")


def is_initial(text: str, start: int) -> bool:
    """Whether the word at ``start`` begins a sentence (or the text)."""
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    return i < 0 or text[i] in SENTENCE_END


def find_words(text: str) -> list[str]:
    """``WORD_RE.findall(text)``, faster where the text has no combining mark."""
    return (WORD_RE if _MARK.search(text) else _WORD_PLAIN).findall(text)


@lru_cache(maxsize=200_000)
def folded(raw: str) -> tuple[str, str]:
    norm = fold(raw)
    return norm, script_of(norm)


def tokenize(text: str) -> list[Token]:
    tokens = []
    for m in WORD_RE.finditer(text):
        raw = m.group()
        norm, script = folded(raw)
        tokens.append(Token(m.start(), m.end(), raw, norm, script, raw[:1].isupper()))
    return tokens


def words(text: str) -> list[str]:
    """The folded words of a phrase."""
    return [fold(m.group()) for m in WORD_RE.finditer(text)]
