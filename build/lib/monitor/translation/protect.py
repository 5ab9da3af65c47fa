"""Place names keep the gazetteer's English name through machine translation.

Before translating, each recognised place is replaced by its canonical English
name (a Latin proper noun that translators leave alone): «под Николаево-Дарьино»
goes out as «под Nikolayevo-Daryino», so every mail spells it the same way.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def place_spans(config, text: str, lang: str | None) -> list[tuple[int, int, str]]:
    """(start, end, canonical English name) of each place in ``text``."""
    try:
        from ..matching import matcher_for
    except ImportError:  # matching not installed in this build
        return []
    matcher = matcher_for(config)
    spans = []
    for start, end, hit in matcher.find_places(text, lang):
        spans.append((start, end, hit.name))
    return spans


def protect(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace each span with its canonical name (spans may come in any order; overlaps are skipped)."""
    out, last = [], 0
    for start, end, name in sorted(spans):
        if start < last:
            continue
        out.append(text[last:start])
        out.append(name)
        last = end
    out.append(text[last:])
    return "".join(out)
