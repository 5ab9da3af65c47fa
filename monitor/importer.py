"""``monitor import``: Telegram Desktop exports into the archive, through the pipeline, without alerts.

Each file is read and checked completely, then stored in one transaction: a
broken file leaves the archive exactly as it was, and the other files of the
same command are still imported.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from pathlib import Path

from monitor.storage import Archive

from .pipeline import IngestSummary, Pipeline
from .sources.telegram_export import ExportError, read_export

log = logging.getLogger(__name__)


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


def _chronological(post) -> tuple:
    # Across the channels of a full-account export, in the order things happened: the first post
    # of a story is then the earliest one, not the first in the file's order of chats.
    return (post.date is None, post.date or 0, post.source, post.channel, post.message_id)


def _import_file(archive: Archive, pipeline: Pipeline, result: FileResult, *, index: int, usernames: dict[int, str],
                 local_tz: tzinfo, progress: Callable[[int, int], Callable[[int], None]] | None) -> None:
    """Read one export and store it in one transaction; a failure goes to ``result.error``."""
    path = result.path
    try:
        export = read_export(path, local_tz=local_tz, usernames=usernames)
    except ExportError as exc:
        result.error = str(exc)
        log.error("%s", exc)
        return
    result.chats = export.chats
    result.skipped_service = export.skipped_service
    advance = progress(index, len(export.posts)) if progress else None
    try:
        with archive.transaction():
            result.summary = pipeline.ingest(sorted(export.posts, key=_chronological), alerts=False,
                                             progress=advance)
    except Exception as exc:  # the transaction rolled back: nothing of this file is stored
        result.summary = IngestSummary()
        result.error = f"{path}: not imported: {exc}"
        log.exception("import of %s failed; nothing of it was stored", path)
        return
    log.info(
        "%s: %d chats, %d new, %d updated, %d unchanged posts",
        path, export.chats, result.summary.new, result.summary.updated, result.summary.unchanged,
    )


def import_exports(
    archive: Archive,
    pipeline: Pipeline,
    paths: Iterable[str | os.PathLike],
    *,
    local_tz: tzinfo = timezone.utc,
    progress: Callable[[int, int], Callable[[int], None]] | None = None,
) -> ImportReport:
    """Import each export file; ``progress(file_index, posts)`` may return a callback fed with batch sizes."""
    report = ImportReport()
    usernames = known_usernames(archive)
    for index, raw in enumerate(paths):
        result = FileResult(Path(raw))
        report.files.append(result)
        _import_file(archive, pipeline, result, index=index, usernames=usernames, local_tz=local_tz,
                     progress=progress)
    return report
