"""Language, matching and claims of the next batch in a second process, while this one stores the last.

All three depend on nothing but a post's text, its translation and the configuration, so a
long import can hand them to a worker process and keep the main process for what must
happen in order: the archive, stories and their decisions (the two halves cost about
the same, which is what keeps both cores busy). The worker comes from a fork server (a
fresh interpreter, never a fork of this process and whatever threads it runs) and builds
the Matcher itself, while this process reads the export; this process builds its own
only if the worker fails.

``Pipeline.ingest(preparer=...)`` submits batches up to four ahead of the one it stores. Whatever the
worker cannot do (it died, or it raised) is done in this process instead: a batch is
never lost, only slower. Live sources do not use this: their batches are small.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from monitor.storage import Post

from .language import detect
from .matching.matcher import Matcher, MatchResult, matcher_for
from .matching.stage import match_rows
from .stories.claims import Claim, claim_of

log = logging.getLogger(__name__)

MIN_BYTES = 2_000_000  # an export smaller than this (some 5,000 posts) is imported in one process

_Result = tuple[str | None, float | None, MatchResult | None, Claim | None, Any]  # what _prepare gives per post

_config: Any = None  # the worker's configuration (or this process's, after a worker failed)
_claims = True  # whether claims are wanted (only when the pipeline builds stories)
_matcher: Matcher | None = None


def _init(config: Any, claims: bool = True) -> None:
    global _config, _claims, _matcher
    _config, _claims, _matcher = config, claims, None


def _warm() -> Matcher:
    global _matcher
    if _matcher is None:
        _matcher = matcher_for(_config)
    return _matcher


COLLECT_EVERY = 20  # batches the worker prepares between two passes of the garbage collector
_worker_batches: int | None = None  # batches prepared since the last pass (None: not the worker)


def _warm_up() -> None:
    global _worker_batches
    _warm()  # (the Matcher stays in the worker: it is not sent back)
    # The Matcher's tables live as long as the worker: the garbage collector skips them (freeze).
    # Its automatic passes are replaced by one every COLLECT_EVERY batches, over what those
    # batches left (frozen in turn): preparing creates almost no reference cycles, and the
    # automatic passes walked the growing word caches again and again.
    gc.freeze()
    gc.disable()
    _worker_batches = 0


def _collect_now_and_then() -> None:
    global _worker_batches
    if _worker_batches is None:
        return
    _worker_batches += 1
    if _worker_batches >= COLLECT_EVERY:
        gc.collect()
        gc.freeze()
        _worker_batches = 0


def _prepare(items: list[tuple[str, str | None, str | None]]) -> list[_Result]:
    """(language, confidence, match, claim, rows) of each (text, lang, translation): the language
    only where the post had none; a match without a watchlist as None (nothing later needs it, and
    it need not be pickled); the claim (figures, event kinds, MinHash) of a post that matched, and
    its ``post_matches`` rows (``match_rows``)."""
    matcher = _warm()
    out = []
    match = matcher.match
    for text, lang, translation in items:
        confidence = None
        if lang is None:
            lang, confidence = detect(text)
        result = match(text, lang=lang, translation=translation)
        if result.watchlists:
            out.append((lang, confidence, result, claim_of(text, translation) if _claims else None,
                        match_rows(result)))
        else:
            out.append((lang, confidence, None, None, None))
    _collect_now_and_then()
    return out


def _items(batch: list[Post]) -> list[tuple[str, str | None, str | None]]:
    return [(post.text or "", post.lang, post.translation) for post in batch]


class Prepared:
    """What the worker found for one batch: matches keyed by the post object and what was matched."""

    def __init__(self) -> None:
        self._matches: dict[int, tuple[Post, str, str | None, MatchResult | None, Claim | None, Any]] = {}

    def add(self, post: Post, result: MatchResult | None, claim: Claim | None = None, rows: Any = None) -> None:
        self._matches[id(post)] = (post, post.text or "", post.translation, result, claim, rows)

    def match_for(self, post: Post) -> tuple[bool, MatchResult | None, Claim | None, Any]:
        """(found, match, claim, post_matches rows): found only if this very post, with this text,
        was prepared."""
        entry = self._matches.get(id(post))
        if entry is None or entry[0] is not post or entry[1] != (post.text or "") or entry[2] != post.translation:
            return False, None, None, None
        return True, entry[3], entry[4], entry[5]


class Preparer:
    """One worker process preparing batches ahead of the pipeline."""

    def __init__(self, config: Any, *, claims: bool = True):
        _init(config, claims)  # for _prepare here, if the worker fails
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_init, initargs=(config, claims)
        )
        self.batches = 0  # prepared by the worker
        self.fallbacks = 0  # prepared here, because the worker failed
        # Starting the worker waits for the fork server to import this module and what it needs
        # (half a second): a thread does it, and the worker builds its Matcher, while this process
        # reads the export. The first batch waits for the thread.
        self._starting: threading.Thread | None = threading.Thread(
            target=self._start, name="preparation worker start", daemon=True)
        self._starting.start()

    def _start(self) -> None:
        try:
            self._pool.submit(_warm_up)  # type: ignore[union-attr]
        except Exception as exc:  # a pool that cannot start: prepare here
            self._start_error = exc
        else:
            self._start_error = None

    def _started(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
            if self._start_error is not None:
                self._broken(self._start_error)

    def submit(self, batch: list[Post]) -> Future | None:
        self._started()
        if self._pool is None:
            return None
        try:
            return self._pool.submit(_prepare, _items(batch))
        except Exception as exc:  # the pool is broken: prepare here from now on
            self._broken(exc)
            return None

    def collect(self, batch: list[Post], future: Future | None) -> Prepared:
        """Wait for a batch's results (or find them here, if the worker failed): languages are set
        on the posts that had none, matches returned."""
        results = None
        if future is not None:
            try:
                results = future.result()
                self.batches += 1
            except Exception as exc:
                self._broken(exc)
        if results is None:
            self.fallbacks += 1
            results = _prepare(_items(batch))
        prepared = Prepared()
        for post, (lang, confidence, match, claim, rows) in zip(batch, results):
            if post.lang is None:
                post.lang, post.lang_confidence = lang, confidence
            prepared.add(post, match, claim, rows)
        return prepared

    def _broken(self, exc: BaseException) -> None:
        if self._pool is not None:
            log.warning("preparation worker failed (%s); going on in one process", exc)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        self._started()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "Preparer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def preparer_for(pipeline: Any, size: int, *, min_bytes: int = MIN_BYTES) -> Preparer | None:
    """A Preparer for an import of ``size`` bytes, or None when one process is the better choice
    (a small import, where starting a worker costs more than it saves; one core; no matching)."""
    if size < min_bytes or (os.cpu_count() or 1) < 2 or "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    names = {getattr(s, "name", None) for s in pipeline.stages}
    if "matching" not in names:
        return None
    try:
        return Preparer(pipeline.config, claims="stories" in names)
    except Exception as exc:  # no worker can be started here: one process does it all
        log.warning("cannot start a preparation worker (%s); importing in one process", exc)
        return None
