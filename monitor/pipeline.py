"""The one path every post takes: language, archive, then the stages after storage.

Live sources, ``monitor import`` and ``monitor replay`` all hand posts to
``Pipeline.ingest``. A batch is stored and processed in one transaction, so a
crash leaves either all of it or none of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Protocol

from monitor.config import Config
from monitor.storage import NEW, UNCHANGED, UPDATED, Archive, Post, Stored

from .clock import system_clock
from .language import detect

if TYPE_CHECKING:
    from .matching.matcher import MatchResult

log = logging.getLogger(__name__)


@dataclass
class Item:
    """One new or edited post of a batch, as the stages after storage see it.

    The pipeline makes one per post and hands the batch's list to each stage in turn; a stage
    reads what the stages before it set and sets its own field.
    """

    stored: Stored  # what storing the post did (its id, the post, NEW or UPDATED)
    match: MatchResult | None = None  # set by the matching stage

    @property
    def id(self) -> int:
        return self.stored.id

    @property
    def post(self) -> Post:
        return self.stored.post

    @property
    def matched(self) -> bool:
        """Whether the post fired at least one watchlist."""
        return self.match is not None and bool(self.match.watchlists)


class Stage(Protocol):
    """A step after storage (matching, stories, translation).

    ``process`` gets the batch's new and edited posts in the order they were stored, inside the
    batch's transaction: whatever it writes is committed with the posts or not at all.
    ``alerts`` is False for imports and replays (no alert may be decided).
    """

    name: str

    def process(self, archive: Archive, items: list[Item], *, alerts: bool) -> None: ...


@dataclass
class IngestSummary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    stored: list[Stored] = field(default_factory=list, repr=False)

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged

    def add(self, other: IngestSummary) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


def annotate_language(post: Post) -> None:
    if post.lang is None:
        found = detect(post.text)
        post.lang, post.lang_confidence = found.code, found.confidence


def _chunks(items: Iterable[Post], size: int) -> Iterator[list[Post]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def default_stages(archive: Archive, config: Config, clock: Callable[[], datetime]) -> list[Stage]:
    """The stages after storage, in order. Each capability adds itself here."""
    from .matching.stage import MatchingStage
    from .stories import StoriesStage
    from .translation import TranslationStage

    stages: list[Stage] = []
    stages.append(MatchingStage(config))  # first: later stages read item.match
    stages.append(StoriesStage(config, clock))  # decides alerts in the batch's transaction
    stages.append(TranslationStage(config))
    return stages


class Pipeline:
    def __init__(
        self,
        archive: Archive,
        config: Config,
        *,
        clock: Callable[[], datetime] = system_clock,
        stages: list[Stage] | None = None,
    ):
        self.archive = archive
        self.config = config
        self.clock = clock
        self.stages = default_stages(archive, config, clock) if stages is None else stages

    def ingest(
        self,
        posts: Iterable[Post],
        *,
        alerts: bool = True,
        batch_size: int = 500,
        keep: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> IngestSummary:
        """Store posts and run every stage on the new and edited ones.

        :param posts: the posts, in the order they are to be stored and decided.
        :param alerts: whether the stories stage may decide alerts (False for imports).
        :param batch_size: posts per transaction; inside ``archive.transaction()`` the whole call
            is one transaction instead.
        :param keep: keep the ``Stored`` results in the summary.
        :param progress: called with the size of each batch once it is stored.
        """
        summary = IngestSummary()
        for batch in _chunks(posts, batch_size):
            for post in batch:
                annotate_language(post)
            with self.archive.transaction():
                stored = self.archive.store_posts(batch)
                items = [Item(s) for s in stored if s.status != UNCHANGED]
                if items:
                    for stage in self.stages:
                        stage.process(self.archive, items, alerts=alerts)
            for s in stored:
                if s.status == NEW:
                    summary.new += 1
                elif s.status == UPDATED:
                    summary.updated += 1
                else:
                    summary.unchanged += 1
            if keep:
                summary.stored.extend(stored)
            if progress:
                progress(len(batch))
        return summary
