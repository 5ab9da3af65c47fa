"""The items of a post that concern a watchlist: a digest tells of several regions, one paragraph
each, and only the paragraphs about the watched regions make the watchlist's claim."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_PARAGRAPH = re.compile(r"\n\s*")


def items_of(text: str) -> list[str]:
    """The post's items: its paragraphs and bullets (one a line), empty ones left out."""
    return [item for item in _PARAGRAPH.split(text) if item.strip()]


def concerning(text: str, watched: Iterable[str], regions_of: Callable[[str], list[str]]) -> str | None:
    """The items of ``text`` about the ``watched`` regions, or None when the post is one item or
    names no item about other regions only (the whole post is the claim then).

    An item naming a watched region is kept, one naming only other regions is left out, and an
    item naming no region is kept (a headline, a total over all regions, a line running on).
    """
    items = items_of(text)
    if len(items) < 2:
        return None
    wanted = set(watched)
    named = [set(regions_of(item)) for item in items]
    if not any(regions and not regions & wanted for regions in named):
        return None  # no item is about elsewhere only
    kept = [item for item, regions in zip(items, named) if not regions or regions & wanted]
    if not any(regions & wanted for regions in named):
        return None  # the watchlist matched the post, not an item of it (a keyword): the whole post
    return "\n".join(kept)


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n\s*")
_WORDS = re.compile(r"[^\W\d_]+")
# Words opening a sentence that tells of an earlier time («Ранее режим КТО был введен», "Earlier, ...")
RECALLING = ("ранее", "раніше", "прежде", "earlier", "previously")
# Words opening a sentence that dates an event the day before («Накануне вечером ВСУ атаковали»): a
# recall only when it retells a report («Накануне Минобороны заявило»)
DAY_BEFORE = ("накануне", "напередодні")
# Stems of the verbs of telling that make such a sentence a retold report («сообщал», «заявило», "reported")
TELLING = ("сообщ", "заяв", "писал", "рассказ", "говорил", "информир", "повідом", "заявл", "писав", "розповід",
           "report", "said", "announc", "told", "stated", "claimed", "wrote")


# Where something did not happen: «и не был в Курской области», "not in Kursk region"
_NOT_THERE = re.compile(r"\b(?:не|ні|not)\s+(?:(?:был[аои]?|було|був|була|was|were)\s+)?(?:в|во|у|на|in|at)"
                        r"(?:\s+[^\s,.;:!?]+){1,3}", re.IGNORECASE)  # the place: the next words, at most three


# A wire's dateline: where the story was filed («МОСКВА, 26 ноя - ПРАЙМ.», "MOSCOW, November 1. /TASS/."), not what it is about
_DATELINE = re.compile(r"^\s*[*_]{0,2}[A-ZА-ЯЁІЇЄ][A-ZА-ЯЁІЇЄ\-]+(?:[ -][A-ZА-ЯЁІЇЄ\-]+)?,\s*"
                       r"(?:\d{1,2}\s+[^\W\d_]+|[^\W\d_]+\s+\d{1,2})\.?\s*"
                       # the agency: «- ПРАЙМ.», «/ТАСС/.», "(Reuters) -"
                       r"(?:[-–—]\s*[A-ZА-ЯЁІЇЄ][\w-]*(?:\s+[A-ZА-ЯЁІЇЄ][\w-]*){0,2}\.|/[^/]{1,30}/\.?"
                       r"|\([A-ZА-ЯЁ][\w ]{1,20}\)\s*[-–—])")


def without_dateline(text: str) -> str:
    """The text with its dateline left out (the text as it is when it has none)."""
    return _DATELINE.sub(" ", text, count=1)


def sentences_of(text: str) -> list[str]:
    """The post's sentences (and its lines), empty ones left out."""
    return [sentence for sentence in _SENTENCE_END.split(text) if sentence.strip()]


def recalls(sentence: str) -> bool:
    """Whether a sentence tells of earlier news: it opens with a word of an earlier time («Ранее»,
    "Earlier"), or with «Накануне» and tells of a report («Накануне Минобороны заявило»), not an
    event of the day before («Накануне вечером ВСУ атаковали»)."""
    words = [word.lower() for word in _WORDS.findall(sentence)]
    return any(word in RECALLING for word in words[:2]) or (
        any(word in DAY_BEFORE for word in words[:2]) and any(word.startswith(TELLING) for word in words))


def in_passing(text: str, lead: str, watched: Iterable[str], regions_of: Callable[[str], list[str]],
               own: Callable[[str], bool] = lambda sentence: False) -> bool:
    """Whether ``text`` names the ``watched`` regions only in passing: no sentence naming them
    carries its own figure or place there (``own``), its ``lead`` (headline and first sentence)
    names none of them but as where something did not happen, and either it names other regions
    and each sentence naming a watched region names other regions too (a list of regions, a
    comparison), none being about it alone; or every sentence naming a watched region retells
    earlier reports (``recalls``) or names it as where something did not happen."""
    wanted = set(watched)
    body = without_dateline(text)
    if body != text:  # a region named only where the wire filed the story: no event there
        if not set(regions_of(body)) & wanted:
            return True
        text, lead = body, without_dateline(lead)
    told = set(regions_of(_NOT_THERE.sub(" ", lead)))
    if told & wanted:
        return False
    naming = [sentence for sentence in sentences_of(text) if set(regions_of(sentence)) & wanted]
    if any(own(_NOT_THERE.sub(" ", sentence)) for sentence in naming):
        return False  # a figure or a place of the watched region: an event there, whatever else the post tells
    if told and not any(not set(regions_of(sentence)) - wanted for sentence in naming):
        return True
    return bool(naming) and all(
        recalls(sentence) or not set(regions_of(_NOT_THERE.sub(" ", sentence))) & wanted for sentence in naming)


def may_name_in_passing(text: str) -> bool:
    """Whether a text says where something did not happen, or opens with a dateline (a cheap test
    before ``in_passing``)."""
    return _NOT_THERE.search(text) is not None or _DATELINE.match(text) is not None
