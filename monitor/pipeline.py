"""The one path every post takes: language, archive, then the stages after storage.

Live sources, ``monitor import`` and ``monitor replay`` all hand posts to
``Pipeline.ingest``. A batch is stored and processed in one transaction, so a
crash leaves either all of it or none of it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from monitor.config import Config
from monitor.storage import NEW, UNCHANGED, UPDATED, Archive, Post, Stored

from .clock import system_clock
from .language import detect

if TYPE_CHECKING:
    from .prepare import Prepared, Preparer

log = logging.getLogger(__name__)


class Stage(Protocol):
    """A step after storage (matching, stories, alerts, ...).

    ``process`` gets the posts of a batch that are new or whose text changed,
    inside the batch's transaction. ``alerts`` is False for imports.
    """

    name: str

    def process(self, archive: Archive, stored: list[Stored], *, alerts: bool) -> None: ...


@dataclass
class IngestSummary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    stored: list[Stored] = field(default_factory=list, repr=False)

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged

    def add(self, other: "IngestSummary") -> None:
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
    stages.append(MatchingStage(config))  # first: later stages read stored.match
    stages.append(StoriesStage(config, clock))  # decides alerts in the batch's transaction
    stages.append(TranslationStage(config))
    return stages


def _ahead(batches: Iterator[list[Post]], preparer: "Preparer", depth: int = 4
           ) -> Iterator[tuple[list[Post], "Prepared"]]:
    """Each batch with its preparation, with up to ``depth`` batches submitted ahead, so the
    worker never waits for this process to finish a batch before it starts the next."""
    queue: deque[tuple[list[Post], Any]] = deque()
    for batch in batches:
        queue.append((batch, preparer.submit(batch)))
        if len(queue) > depth:
            done, future = queue.popleft()
            yield done, preparer.collect(done, future)
    while queue:
        done, future = queue.popleft()
        yield done, preparer.collect(done, future)


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
        preparer: "Preparer | None" = None,
    ) -> IngestSummary:
        """Store posts and run every stage on the new and edited ones.

        Inside ``archive.transaction()`` the whole call is one transaction;
        otherwise each batch of ``batch_size`` posts is. ``keep`` keeps the
        ``Stored`` results in the summary. ``preparer`` (``monitor.prepare``)
        finds each batch's languages, matches and claims in a worker process, up to four
        batches ahead.
        """
        summary = IngestSummary()
        for batch, prepared in self._prepared_batches(posts, batch_size, preparer):
            if prepared is None:
                for post in batch:
                    annotate_language(post)
            with self.archive.transaction():
                stored = self.archive.store_posts(batch)
                changed = [s for s in stored if s.status != UNCHANGED]
                if prepared is not None:
                    for s in changed:
                        s.prepared, s.match, s.claim, s.match_rows = prepared.match_for(s.post)  # type: ignore[attr-defined]
                for stage in self.stages:
                    if changed:
                        stage.process(self.archive, changed, alerts=alerts)
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

    @staticmethod
    def _prepared_batches(posts: Iterable[Post], batch_size: int, preparer: "Preparer | None"
                          ) -> Iterator[tuple[list[Post], "Prepared | None"]]:
        batches = _chunks(posts, batch_size)
        if preparer is None:
            return ((batch, None) for batch in batches)
        return _ahead(batches, preparer)
