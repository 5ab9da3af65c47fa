"""``monitor import``: Telegram Desktop exports into the archive, through the pipeline, without alerts.

Each file is read as a stream and checked completely into a temporary staging database first: a
broken file stores nothing, and the other files of the same command are still imported. Then the
posts of all the files go through the pipeline in publication order (so a story's first post is
the earliest one, whichever file holds it), committed a batch at a time: the write lock is never
held longer than one batch, and the write-ahead log is checkpointed as the import goes.
"""

from __future__ import annotations

import logging
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from itertools import islice
from pathlib import Path

from monitor.storage import NEW, UPDATED, Archive, Post

from .pipeline import IngestSummary, Pipeline
from .sources.telegram_export import ExportCounts, ExportError, iter_export

log = logging.getLogger(__name__)

Progress = Callable[[str, int], Callable[[int], None]]  # (label, total) -> advance(done)
CHECKPOINT_EVERY = 20_000  # posts stored between two checkpoints of the write-ahead log


@dataclass
class FileResult:
    path: Path
    chats: int = 0
    summary: IngestSummary = field(default_factory=IngestSummary)
    skipped_service: int = 0
    error: str | None = None


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.error]

    def totals(self) -> IngestSummary:
        total = IngestSummary()
        for f in self.files:
            total.add(f.summary)
        return total


def known_usernames(archive: Archive) -> dict[int, str]:
    """Usernames the archive has seen for channel ids (from live sources), to give exports public links."""
    rows = archive.conn.execute(
        "SELECT channel_id, max(channel_username) FROM posts"
        " WHERE channel_id IS NOT NULL AND channel_username IS NOT NULL GROUP BY channel_id"
    ).fetchall()
    return {channel_id: username for channel_id, username in rows}


class _Staging:
    """The posts of the files read so far, in a temporary SQLite database (on disk, not in memory),
    read back in publication order."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect("", isolation_level=None)  # "": a private temporary file
        self.conn.execute("CREATE TABLE staged (date REAL, channel TEXT, message_id INTEGER, file INTEGER,"
                          " seq INTEGER PRIMARY KEY, post BLOB)")

    def add(self, file: int, posts: Iterable[Post]) -> int:
        """Stage one file's posts; if reading them fails, none of them stay. Returns how many."""
        rows = ((post.date.timestamp(), post.channel, post.message_id, file,
                 pickle.dumps(post, pickle.HIGHEST_PROTOCOL)) for post in posts)
        self.conn.execute("BEGIN")
        try:
            count = self.conn.executemany(
                "INSERT INTO staged (date, channel, message_id, file, post) VALUES (?, ?, ?, ?, ?)", rows).rowcount
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return count

    def ordered(self) -> Iterator[tuple[int, Post]]:
        """(file, post) of every staged post, the earliest first; one post's copies in file order."""
        cursor = self.conn.execute("SELECT file, post FROM staged ORDER BY date, channel, message_id, file, seq")
        for file, blob in cursor:
            yield file, pickle.loads(blob)

    def close(self) -> None:
        self.conn.close()


def _stage_file(staging: _Staging, result: FileResult, index: int, *, usernames: dict[int, str], local_tz: tzinfo,
                progress: Progress | None) -> int:
    """Read one export into the staging database; a failure goes to ``result.error``. Returns its posts."""
    path = result.path
    counts = ExportCounts()
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # iter_export reports it
    advance = progress(f"reading {path.name}", size) if progress else None
    posts = iter_export(path, counts, local_tz=local_tz, usernames=usernames)
    if advance:
        posts = _reporting(posts, counts, advance)
    try:
        staged = staging.add(index, posts)
    except ExportError as exc:
        result.error = str(exc)
        log.error("%s", exc)
        return 0
    result.chats, result.skipped_service = counts.chats, counts.skipped_service
    return staged


def _reporting(posts: Iterator[Post], counts: ExportCounts, advance: Callable[[int], None]) -> Iterator[Post]:
    done = 0
    for post in posts:
        yield post
        if counts.offset - done >= 1 << 20:
            advance(counts.offset - done)
            done = counts.offset
    advance(counts.offset - done)


def _store(archive: Archive, pipeline: Pipeline, staging: _Staging, report: ImportReport, total: int,
           progress: Progress | None, batch_size: int = 500) -> None:
    """Everything staged through the pipeline in publication order, one transaction per batch."""
    advance = progress("storing", total) if progress else None
    ordered = staging.ordered()
    since_checkpoint = 0
    while batch := list(islice(ordered, batch_size)):
        summary = pipeline.ingest([post for _, post in batch], alerts=False, batch_size=batch_size, keep=True)
        for (file, _), stored in zip(batch, summary.stored):
            counts = report.files[file].summary
            if stored.status == NEW:
                counts.new += 1
            elif stored.status == UPDATED:
                counts.updated += 1
            else:
                counts.unchanged += 1
        since_checkpoint += len(batch)
        if since_checkpoint >= CHECKPOINT_EVERY:
            archive.checkpoint()
            since_checkpoint = 0
        if advance:
            advance(len(batch))
    archive.checkpoint()


def import_exports(
    archive: Archive,
    pipeline: Pipeline,
    paths: Iterable[str | os.PathLike],
    *,
    local_tz: tzinfo = timezone.utc,
    progress: Progress | None = None,
    batch_size: int = 500,
) -> ImportReport:
    """Import export files: each is read and checked, then all their posts are stored in publication order.

    :param local_tz: the time zone of an old export's dates that carry no offset.
    :param progress: ``progress(label, total)`` may return a callback fed with how much is done (bytes
        while a file is read, posts while they are stored).
    :param batch_size: posts stored per transaction.
    """
    report = ImportReport()
    usernames = known_usernames(archive)
    staging = _Staging()
    try:
        total = 0
        for index, raw in enumerate(paths):
            result = FileResult(Path(raw))
            report.files.append(result)
            total += _stage_file(staging, result, index, usernames=usernames, local_tz=local_tz, progress=progress)
        try:
            _store(archive, pipeline, staging, report, total, progress, batch_size)
        except Exception as exc:  # the batch being stored rolled back; the batches before it stay
            for result in report.files:
                if result.error is None:
                    result.error = (f"{result.path}: import stopped: {exc} (what was stored before stays;"
                                    " importing again adds the rest)")
            log.exception("import stopped")
            return report
    finally:
        staging.close()
    for result in report.files:
        if result.error is None:
            log.info("%s: %d chats, %d new, %d updated, %d unchanged posts", result.path, result.chats,
                     result.summary.new, result.summary.updated, result.summary.unchanged)
    return report
