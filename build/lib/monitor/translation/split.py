"""Cut long posts at sentence boundaries under a backend's limit, and join the pieces back."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def split_text(text: str, limit: int) -> list[tuple[str, str]]:
    """Pieces of at most ``limit`` characters, each with the separator that followed it.

    Cuts between sentences (or lines); a single sentence longer than the limit
    is cut between words, and a word longer than the limit is cut hard.
    """
    if len(text) <= limit:
        return [(text, "")]
    units: list[tuple[str, str]] = []
    last = 0
    for m in _SENTENCE_END.finditer(text):
        units.append((text[last:m.start()], "\n" if "\n" in m.group(0) else " "))
        last = m.end()
    units.append((text[last:], ""))
    pieces: list[tuple[str, str]] = []
    current, current_sep = "", ""
    for unit, sep in units:
        for part, part_sep in _fit(unit, sep, limit):
            if not current:
                current, current_sep = part, part_sep
            elif len(current) + len(current_sep) + len(part) <= limit:
                current, current_sep = current + current_sep + part, part_sep
            else:
                pieces.append((current, current_sep))
                current, current_sep = part, part_sep
    if current:
        pieces.append((current, current_sep))
    return pieces


def _fit(unit: str, sep: str, limit: int) -> list[tuple[str, str]]:
    if len(unit) <= limit:
        return [(unit, sep)]
    out: list[tuple[str, str]] = []
    current = ""
    for word in unit.split(" "):
        while len(word) > limit:
            if current:
                out.append((current, " "))
                current = ""
            out.append((word[:limit], ""))
            word = word[limit:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= limit:
            current += " " + word
        else:
            out.append((current, " "))
            current = word
    out.append((current, sep))
    return out


def join_pieces(translated: list[str], separators: list[str]) -> str:
    return "".join(t + s for t, s in zip(translated, separators)).strip()
