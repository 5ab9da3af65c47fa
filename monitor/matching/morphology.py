"""Keys of a word: the forms under which two inflections of it meet.

A word's keys are its folded surface form, every lemma pymorphy3 proposes for it
(Russian and/or Ukrainian dictionaries, chosen by its letters), and, for proper
nouns and words neither dictionary knows (village names), a stem: Snowball's
Russian stemmer, or a small Ukrainian ending stripper. English words are folded
for case, possessive and plural. Two words match when their keys meet; everything
is cached per word, so a corpus costs one analysis per distinct word.
"""

from __future__ import annotations

import threading
import warnings
from functools import lru_cache

from .normalise import fold

_PROPER = frozenset({"Geox", "Name", "Surn", "Patr", "Orgn", "Trad"})
_TAGS = frozenset({"Name", "Surn", "Patr", "Geox", "NOUN", "ADJF", "femn", "gent", "VERB", "ADVB", "PRTF"})
_lock = threading.Lock()
_analyzers: dict[str, object] = {}
_stemmer = None

# Ukrainian inflectional endings, longest first (no Snowball stemmer exists for Ukrainian).
_UK_ENDINGS = tuple(
    sorted(
        {
            "ями", "ами", "ових", "евих", "ого", "ому", "ими", "іми", "ій", "ий", "ої", "ою", "ею", "єю", "ів",
            "їв", "ах", "ях", "ам", "ям", "ом", "ем", "єм", "им", "ім", "их", "іх", "ові", "еві", "єві", "а", "я",
            "у", "ю", "і", "ї", "и", "е", "є", "о", "ь", "й",
        },
        key=len,
        reverse=True,
    )
)


def analyzer(lang: str):
    """The pymorphy3 MorphAnalyzer of ``lang`` ("ru" or "uk"), loaded once."""
    found = _analyzers.get(lang)
    if found is None:
        with _lock:
            found = _analyzers.get(lang)
            if found is None:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", category=DeprecationWarning)
                    import pymorphy3

                    found = pymorphy3.MorphAnalyzer(lang=lang)
                _analyzers[lang] = found
    return found


def ru_stem(word: str) -> str:
    global _stemmer
    if _stemmer is None:
        import snowballstemmer

        _stemmer = snowballstemmer.stemmer("russian")
    return _stemmer.stemWord(word)


def uk_stem(word: str) -> str:
    for ending in _UK_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def english_fold(word: str) -> str:
    """Case, possessive and plural folding: Kursk's -> kursk, regions -> region, cities -> city."""
    w = word.lower()
    if w.endswith("'s"):
        w = w[:-2]
    elif w.endswith("s'"):
        w = w[:-1]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes", "zes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


@lru_cache(maxsize=32_768)
def parses(norm: str, lang: str) -> tuple:
    """pymorphy3's parses of a folded word in ``lang``, most likely first (one parse per word and language
    while a gazetteer's names go through ``analyse`` and then its ambiguity check)."""
    return tuple(analyzer(lang).parse(norm))


@lru_cache(maxsize=32_768)
def is_known(norm: str, lang: str) -> bool:
    return analyzer(lang).word_is_known(norm)


@lru_cache(maxsize=400_000)
def analyse(norm: str, langs: tuple[str, ...]) -> tuple[frozenset[str], bool]:
    """(keys, is_proper_or_unknown) of a folded word analysed in ``langs``."""
    keys = {norm}
    if "en" in langs:
        keys.add(english_fold(norm))
    cyrillic = [lang for lang in langs if lang in ("ru", "uk")]
    if not cyrillic:
        return frozenset(keys), False
    known_any = False
    stems: list[tuple[str, bool, bool]] = []
    for lang in cyrillic:
        found = parses(norm, lang)
        for p in found[:6]:
            keys.add(fold(p.normal_form))
        known = is_known(norm, lang)
        known_any = known_any or known
        proper = any(_PROPER & p.tag.grammemes for p in found[:3])
        stems.append((lang, known, proper))
    name_like = False
    for lang, known, proper in stems:
        if proper or not known_any:
            stem = ru_stem(norm) if lang == "ru" else uk_stem(norm)
            if len(stem) >= 3:
                keys.add(f"~{lang}:{stem}")
            name_like = True
    return frozenset(keys), name_like


def keys_of(norm: str, langs: tuple[str, ...]) -> frozenset[str]:
    return analyse(norm, langs)[0]


def lemmas(norm: str, lang: str) -> list[str]:
    """Distinct lemmas of a folded word, most likely first."""
    seen: list[str] = []
    for p in analyzer(lang).parse(norm):
        lemma = fold(p.normal_form)
        if lemma not in seen:
            seen.append(lemma)
    return seen


def lexeme(norm: str, lang: str, *, limit: int = 80) -> list[str]:
    """Every inflected form of the word's likeliest readings (folded), the word first."""
    forms = [norm]
    seen_lemmas: set[tuple[str, str | None]] = set()
    for p in analyzer(lang).parse(norm)[:4]:
        lemma = (p.normal_form, p.tag.POS)
        if lemma in seen_lemmas:
            continue
        seen_lemmas.add(lemma)
        for form in p.lexeme:
            word = fold(form.word)
            if word not in forms:
                forms.append(word)
                if len(forms) >= limit:
                    return forms
        if len(seen_lemmas) >= 2:
            break
    return forms


@lru_cache(maxsize=200_000)
def word_tags(norm: str, langs: tuple[str, ...]) -> tuple[frozenset[str], bool, frozenset[str]]:
    """(grammemes of interest, known to a dictionary, lemmas) of a folded word in ``langs``.

    The grammemes are those any of the word's first parses carries among Name, Surn,
    Patr (person names), Geox (toponym), NOUN, ADJF, femn, gent: evidence whether a
    capitalised word names a place, a person or a thing.
    """
    found: set[str] = set()
    known = False
    lemma_set: set[str] = set()
    for lang in langs:
        if lang not in ("ru", "uk"):
            continue
        morph = analyzer(lang)
        known = known or morph.word_is_known(norm)
        for p in morph.parse(norm)[:6]:
            found |= _TAGS & p.tag.grammemes
            lemma_set.add(fold(p.normal_form))
    return frozenset(found), known, frozenset(lemma_set)


def noun_genitive(norm: str, lang: str, lemma: str) -> bool:
    """Whether the word is a genitive noun form of ``lemma`` («Белгорода» of «белгород»)."""
    for p in analyzer(lang).parse(norm)[:6]:
        if fold(p.normal_form) == lemma and "gent" in p.tag.grammemes and "NOUN" in p.tag.grammemes:
            return True
    return False


def feminine_adjective(norm: str, langs: tuple[str, ...]) -> bool:
    """Whether the word can be a feminine singular adjective («Курской», «Брянській»)."""
    for lang in langs:
        if lang not in ("ru", "uk"):
            continue
        for p in analyzer(lang).parse(norm)[:8]:
            g = p.tag.grammemes
            if "ADJF" in g and "femn" in g and "plur" not in g:
                return True
    return False


# A noun's second locative, genitive or accusative agrees with the adjective's first: «в питерском аэропорту».
_CASE = {"loc2": "loct", "gen2": "gent", "acc2": "accs"}


@lru_cache(maxsize=100_000)
def agrees(adjective: str, word: str, pos: str, langs: tuple[str, ...]) -> bool:
    """Whether the adjective can agree with ``word`` read as ``pos`` (NOUN or ADJF): same case and
    number, and gender in the singular («курского вторжения», not «Полтавской обломки»)."""
    for lang in langs:
        if lang not in ("ru", "uk"):
            continue
        morph = analyzer(lang)
        adjectives = [p.tag for p in morph.parse(adjective)[:8] if "ADJF" in p.tag.grammemes]
        others = [p.tag for p in morph.parse(word)[:8] if pos in p.tag.grammemes]
        for a in adjectives:
            for o in others:
                if _CASE.get(a.case, a.case) != _CASE.get(o.case, o.case) or a.number != o.number:
                    continue
                if a.number == "sing" and o.gender and a.gender and a.gender != o.gender and "ms-f" not in o.grammemes:
                    continue
                return True
    return False


@lru_cache(maxsize=200_000)
def adjective_forms(norm: str, langs: tuple[str, ...], nominative: bool = False) -> frozenset[tuple[str, str]]:
    """(number, gender) of the word's adjective readings («светлый»: (sing, masc)); of its nominative
    readings only with ``nominative``; gender "" in the plural."""
    out = set()
    langs = tuple(lang for lang in langs if lang in ("ru", "uk"))
    known = tuple(lang for lang in langs if analyzer(lang).word_is_known(norm))
    for lang in known or langs:  # a dictionary that knows the word, not another one's guess
        for p in analyzer(lang).parse(norm)[:8]:
            tag = p.tag
            if "ADJF" not in tag.grammemes or (nominative and tag.case != "nomn"):
                continue
            number = tag.number or ("sing" if tag.gender else "plur")  # the Ukrainian dictionary leaves it out
            out.add((str(number), "" if number == "plur" else str(tag.gender)))
    return frozenset(out)
