"""Inflection-aware full-text search: a query word becomes an OR-group of its forms.

``expand_query("Суджа")`` gives ``("суджа" OR "суджи" OR "судже" OR ... OR "судж"*)``,
so searching a name finds every case it was written in. The archive's FTS5 index
(tokenizer unicode61) keeps ё and the modifier-letter apostrophe ʼ as they were
written, so forms are offered with ё and е, and with ' and ʼ.

Syntax kept as typed: "quoted phrases", AND / OR / NOT, parentheses, ``column:``
filters and ``word*`` prefixes. Other punctuation is dropped.
"""

from __future__ import annotations

import re
import unicodedata

from .morphology import analyse, english_fold, ru_stem, uk_stem
from .normalise import APOSTROPHES, fold, languages_of

_TOKEN = re.compile(
    r'(?P<phrase>"(?:[^"]|"")*"\*?)'
    r"|(?P<open>\()|(?P<close>\))"
    r"|(?P<column>\b(?:text|translation)\s*:)"
    r"|(?P<word>[^\W_](?:[\w" + APOSTROPHES + r"\-]*[^\W_])?\*?)"
)
_OPERATORS = {"AND", "OR", "NOT"}
_MAX_FORMS = 60


def _quote(form: str) -> str:
    return '"' + form.replace('"', '""') + '"'


def _spellings(form: str) -> list[str]:
    """The form, without ё, and with its apostrophe written as ʼ (a letter for unicode61)."""
    out = [form]
    if "ё" in form:
        out.append(form.replace("ё", "е"))
    if "'" in form:
        out += [f.replace("'", "ʼ") for f in list(out)]
    return out


def _word_forms(word: str) -> tuple[list[str], str | None]:
    """(forms, stem prefix or None) of one word as typed."""
    raw = unicodedata.normalize("NFC", word).lower().translate(str.maketrans(APOSTROPHES, "'" * len(APOSTROPHES)))
    norm = fold(word)
    langs = languages_of(word, norm)
    forms: list[str] = []

    def add(form: str) -> None:
        for spelled in _spellings(form):
            if spelled not in forms and len(forms) < _MAX_FORMS:
                forms.append(spelled)

    add(raw)
    add(norm)
    prefix = None
    if langs == ("en",):
        base = english_fold(norm)
        plural = base[:-1] + "ies" if base.endswith("y") else base + ("es" if base.endswith(("s", "x", "ch", "sh", "z")) else "s")
        for form in (base, plural):
            if form not in forms:
                forms.append(form)
        return forms, None
    cyrillic = [lang for lang in langs if lang in ("ru", "uk")]
    if not cyrillic:
        return forms, None
    from .morphology import analyzer, is_known

    for lang in cyrillic:
        parses = analyzer(lang).parse(raw)
        for p in parses[: 2 if is_known(norm, lang) else 1]:
            yo = [i for i, c in enumerate(p.normal_form) if c == "ё"]
            for form in p.lexeme:
                word = form.word
                for i in yo:
                    if i < len(word) and word[i] == "е" and word[:i] == p.normal_form[:i].replace("ё", "е"):
                        add(word[:i] + "ё" + word[i + 1 :])
                add(word)
    _, name_like = analyse(norm, tuple(langs))
    if name_like:
        stems = [ru_stem(norm) if lang == "ru" else uk_stem(norm) for lang in cyrillic]
        stem = min(stems, key=len)
        if len(stem) >= 4:
            prefix = stem
            for p in analyzer(cyrillic[0]).parse(norm)[:4]:
                i = p.normal_form.find("ё")
                if 0 <= i < len(stem) and p.normal_form[:i] == stem[:i]:
                    prefix = stem + "|" + stem[:i] + "ё" + stem[i + 1 :]
                    break
    return forms, prefix


def _expand_word(word: str) -> str:
    if word.endswith("*"):
        return _quote(word[:-1]) + "*"
    parts = [p for p in re.split(r"[-‐‑]", word) if p]
    if len(parts) > 1:
        written = " ".join(fold(p) for p in parts)
        last_forms, last_prefix = _word_forms(parts[-1])
        head = " ".join(fold(p) for p in parts[:-1])
        options = [_quote(written)]
        for form in last_forms[:20]:
            phrase = _quote(f"{head} {form}")
            if phrase not in options:
                options.append(phrase)
        if last_prefix:
            options.append(_quote(f"{head} {last_prefix}") + "*")
        return "(" + " OR ".join(options) + ")"
    forms, prefix = _word_forms(word)
    options = [_quote(f) for f in forms]
    if prefix:
        options += [_quote(p) + "*" for p in prefix.split("|")]
    if len(options) == 1:
        return options[0]
    return "(" + " OR ".join(options) + ")"


def expand_query(query: str) -> str:
    """An FTS5 MATCH expression finding every inflected form of each word of ``query``."""
    out: list[str] = []
    for m in _TOKEN.finditer(query or ""):
        kind = m.lastgroup
        text = m.group()
        if kind == "word" and text in _OPERATORS:
            if out and out[-1] not in ("(",) and out[-1] not in _OPERATORS:
                out.append(text)
            continue
        if kind == "word":
            out.append(_expand_word(text))
        elif kind == "phrase":
            out.append(text)
        elif kind == "column":
            out.append(text.replace(" ", "").rstrip(":") + " :")
        elif kind in ("open", "close"):
            out.append(text)
    while out and out[-1] in _OPERATORS:
        out.pop()
    balanced: list[str] = []
    depth = 0
    for item in out:
        if item == ")":
            if depth == 0 or (balanced and balanced[-1] == "("):
                if balanced and balanced[-1] == "(":
                    balanced.pop()
                    depth -= 1
                continue
            depth -= 1
        elif item == "(":
            depth += 1
        balanced.append(item)
    out = balanced + [")"] * depth
    joined: list[str] = []
    for item in out:  # FTS5 takes implicit AND between phrases, not between groups: spell it out
        if joined and item not in _OPERATORS and item != ")" and joined[-1] not in _OPERATORS and joined[-1] != "(" \
                and not joined[-1].endswith(":"):
            joined.append("AND")
        joined.append(item)
    out = joined
    return " ".join(out).replace("( ", "(").replace(" )", ")")
