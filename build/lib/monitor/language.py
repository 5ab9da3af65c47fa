"""Language of a post: script cues first, langdetect only where they do not settle it.

Most posts are settled at once by letters and words that belong to one language:
і ї є ґ and the apostrophe inside a word are Ukrainian; ы э ъ ё are Russian;
ў is Belarusian; function words («и», «что», «это» against «та», «що», «це»)
settle most of the rest. langdetect (seeded, so the same text always gets the
same answer) decides only what remains: Latin-script text, and the few
Cyrillic posts without a single cue. It is slow (hundreds of posts a second)
and weak on one short sentence, which is why it comes last.

``detect(text)`` returns ``Language(code, confidence)``; text without letters
(a link, emoji, figures) is ``und`` with confidence 0.
"""

from __future__ import annotations

import re
import threading
from typing import NamedTuple

UNDETERMINED = "und"


class Language(NamedTuple):
    code: str
    confidence: float


_LINKS = r"https?://\S+|www\.\S+|t\.me/\S+"
_LINKS_ONLY = re.compile(_LINKS, re.IGNORECASE)
_NOISE = re.compile(_LINKS + r"|\S+@\S+\.\w+|@\w+", re.IGNORECASE)  # links, addresses, mentions
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")

_UK_LETTERS = set("іїєґ")
_RU_LETTERS = set("ыэъё")
_BE_LETTERS = set("ў")
_KK_LETTERS = set("әғқңөұүһ")
_SR_LETTERS = set("ђћџљњј")

# Function words and common words written only in one of the two languages
# (those with a cue letter need no entry).
_RU_WORDS = frozenset(
    """и что это как его ее или при после также только более если года году будет
    время против который которая которое которые человек результате ранены погибли
    мирных жителей города ночью сообщил сообщает сообщили заявил заявила заявили
    она они он мы вы нас вас них ему где когда уже сейчас тоже всего очень много
    была был было были ранее сегодня вчера завтра около между через чтобы потому
    нет есть здесь там свой своей свои нужно можно должен должны стало стал стала
    район района области область село поселок город пострадал пострадали погиб
    обстрел обстрела обстреляли атаки атака атаковали ударил удар беспилотник
    беспилотника беспилотников ракета ракеты сбиты сбит уничтожен уничтожены
    противник противника войска военные граница границы жилой дом дома около
    российские российских украинские украинских власти также кроме""".split()
)
_UK_WORDS = frozenset(
    """та що як це вже або чи його було буде року через зараз тому ворог ворога
    внаслідок також щодо дуже ще коли який яка яке вона вони ми ви нас вас них йому
    де тут там свою свого своє треба можна має мають стало став стала ранком вранці
    вночі ввечері вчора завтра село селище город місто область району районі
    постраждав постраждали загинув загинули обстрел обстріляли атакував атакували
    удару ударив безпілотник безпілотника безпілотників ракета ракети збито збили
    знищено знищили противник противника війська військові кордон кордону житловий
    будинок будинки близько проти людей людина громади громада наслідки повідомив
    повідомила повідомили заявив заявила заявили влада російські українські
    окупанти окупантів рашисти рух влучила влучив влучили влучання ухвалила ухвалив ухвалили житлову
    житловий житлова житлових закликав закликала закликали вибухи вибух вибухову ворожий ворожа ворожі
    наслідки триває тривога зараз щогодини""".split()
)
# Words spelled the same in both languages must not vote.
_SHARED = _RU_WORDS & _UK_WORDS
_RU_WORDS = _RU_WORDS - _SHARED
_UK_WORDS = _UK_WORDS - _SHARED

_EN_WORDS = frozenset(
    """the and of to in is are was were for on with by at from that this it as has
    have had be been will an not but which their they after near said says over
    into more than its about who new two three one out up during against
    """.split()
)

_lock = threading.Lock()
_factory_ready = False


def _detector_probabilities(text: str) -> list[tuple[str, float]]:
    """langdetect's probabilities, best first, deterministic (seed 0); [] if it finds no features."""
    global _factory_ready
    from langdetect import DetectorFactory, detector_factory
    from langdetect.lang_detect_exception import LangDetectException

    with _lock:
        if not _factory_ready:
            DetectorFactory.seed = 0
            detector_factory.init_factory()
            _factory_ready = True
    # detect() would hide the probabilities; a Detector per call is what it does inside.
    detector = detector_factory._factory.create()  # noqa: SLF001
    detector.append(text)
    try:
        return [(p.lang, p.prob) for p in detector.get_probabilities()]
    except LangDetectException:
        return []


def _clean(text: str) -> str:
    if "@" not in text and "://" not in text:
        lowered = text.lower()  # (no letter that IGNORECASE folds specially is in "www" or "t.me")
        if "www." not in lowered and "t.me/" not in lowered:
            return text  # nothing the patterns could match: most posts
    # the address and mention patterns are the slow part; most posts have no "@"
    return (_NOISE if "@" in text else _LINKS_ONLY).sub(" ", text)


def _word_votes(word: str) -> tuple[float, float]:
    """What one lower-case Cyrillic word says: (Ukrainian votes, Russian votes)."""
    chars = set(word)
    if chars & _UK_LETTERS or ("'" in word or "’" in word or "ʼ" in word):
        return 1.0, 0.0
    if chars & _RU_LETTERS:
        return 0.0, 1.0
    if word in _UK_WORDS:
        return 0.75, 0.0
    if word in _RU_WORDS:
        return 0.0, 0.75
    if word.endswith(("ться", "ння")) and len(word) > 5:
        return 0.25, 0.0
    if word.endswith(("ував", "ював", "ав", "ив")) and len(word) > 5:
        return 0.3, 0.0  # Ukrainian masculine past tense (атакував, закликав); Russian has -ал, -ил
    if word.endswith(("ой", "ая", "ое", "ие", "ые", "ый")) and len(word) > 3:
        return 0.0, 0.35  # Russian adjective endings («-ый», «-ая», «-ое», «-ие» do not end Ukrainian adjectives)
    return 0.0, 0.0


_BE, _KK, _SR, _UK_OR_RU = 1, 2, 4, 8  # letter cues of a word, as bits


class _Word(NamedTuple):
    """What one word as written says, cached: its letters by script and its cues."""

    cyrillic: int  # Cyrillic letters
    latin: int  # Latin letters
    letters: int  # _BE | _KK | _SR | _UK_OR_RU bits of its lower-case letters
    uk: float  # Ukrainian votes (Cyrillic words)
    ru: float  # Russian votes
    english: bool  # an English function word (Latin words)
    ascii: bool


_words: dict[str, _Word] = {}
_WORDS_HELD = 200_000


def _word(word: str) -> _Word:
    found = _words.get(word)
    if found is not None:
        return found
    lower = word.lower()
    cyrillic = len(_CYRILLIC.findall(word))
    latin = len(_LATIN.findall(word))
    chars = set(lower)
    letters = ((_BE if chars & _BE_LETTERS else 0) | (_KK if chars & _KK_LETTERS else 0)
               | (_SR if chars & _SR_LETTERS else 0) | (_UK_OR_RU if chars & (_UK_LETTERS | _RU_LETTERS) else 0))
    uk, ru = _word_votes(lower) if cyrillic else (0.0, 0.0)
    found = _Word(cyrillic, latin, letters, uk, ru, lower in _EN_WORDS, lower.isascii())
    if len(_words) >= _WORDS_HELD:
        _words.clear()
    _words[word] = found
    return found


def _cyrillic(letters: int, uk: float, ru: float, text: str) -> Language:
    """Russian, Ukrainian (or Belarusian, Kazakh, Serbian) from the cues of the text's words."""
    if not letters & _UK_OR_RU:
        for cue, code in ((_BE, "be"), (_KK, "kk"), (_SR, "sr")):
            if letters & cue:
                return Language(code, 0.9)
    total = uk + ru
    if total >= 0.75 and uk != ru:
        code = "uk" if uk > ru else "ru"
        share = max(uk, ru) / total
        confidence = round(min(0.99, 0.5 + 0.5 * share * min(1.0, total / 2)), 2)
        if share >= 0.7:
            return Language(code, max(confidence, 0.8))
    # No decisive cue: ask the detector, between Russian and Ukrainian.
    probs = dict(_detector_probabilities(text))
    ru_p, uk_p = probs.get("ru", 0.0), probs.get("uk", 0.0)
    if total and uk != ru:
        (ru_p, uk_p) = (ru_p + 0.3 * ru / total, uk_p + 0.3 * uk / total)
    if not ru_p and not uk_p:
        # Bulgarian, Macedonian, Serbian guesses without their own letters: a short Russian or
        # Ukrainian text (their letters were checked above)
        return Language("uk" if uk > ru else "ru", 0.5)
    code = "uk" if uk_p > ru_p else "ru"
    return Language(code, round(min(0.95, max(ru_p, uk_p) / (ru_p + uk_p)), 2))


def _latin(words: list[_Word], text: str) -> Language:
    english = sum(1 for w in words if w.english)
    if english >= 2 and english / len(words) >= 0.15:
        return Language("en", round(min(0.99, 0.7 + english / len(words)), 2))
    if len(words) <= 3 and all(w.ascii for w in words):
        # a name or two ("Sudzha", "Kursk Oblast"): too little for the detector, and the
        # desk's Latin-script sources are English
        return Language("en", 0.5)
    probs = _detector_probabilities(text)
    if not probs:
        return Language(UNDETERMINED, 0.0)
    code, prob = probs[0]
    if english and code != "en" and prob < 0.9:
        return Language("en", 0.6)
    return Language(code, round(prob, 2))


def detect(text: str | None) -> Language:
    """The language of ``text`` as an ISO 639-1 code and a confidence between 0 and 1."""
    if not text:
        return Language(UNDETERMINED, 0.0)
    cleaned = _clean(text)
    raw = _WORD.findall(cleaned)
    get = _words.get
    words = [get(w) or _word(w) for w in raw]
    # one pass: letters by script, and the Cyrillic cues (a word without Cyrillic letters has none)
    cyrillic = latin = letters = 0
    uk = ru = 0.0
    for c, lat, cues, u, r, _, _ in words:
        cyrillic += c
        latin += lat
        letters |= cues
        uk += u
        ru += r
    if cyrillic + latin == 0:
        if not raw:
            return Language(UNDETERMINED, 0.0)
        probs = _detector_probabilities(cleaned)  # another script: Greek, Arabic, ...
        return Language(*probs[0]) if probs else Language(UNDETERMINED, 0.0)
    if cyrillic >= latin:
        return _cyrillic(letters, uk, ru, cleaned)
    return _latin([w for w in words if w.latin], cleaned)
