"""Where ``monitor export`` may write: never over the archive or any SQLite database, never over an
existing file unless asked, and never a half-written file (written beside the target, then renamed)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

SQLITE_HEADER = b"SQLite format 3\x00"


class ExportTargetError(Exception):
    """The export's output file cannot or must not be written; the message says why."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def check_target(output: Path, *, archive: Path, force: bool = False) -> None:
    """Raise ExportTargetError unless ``output`` may be (re)written."""
    resolved = output.expanduser().resolve()
    archive = archive.expanduser().resolve()
    companions = [archive, Path(f"{archive}-wal"), Path(f"{archive}-shm"), Path(f"{archive}-journal"),
                  Path(f"{archive}.lock")]
    if resolved in companions or any(_same_file(resolved, c) for c in companions):
        raise ExportTargetError(f"{output} is the archive itself (or one of its files); export to another file")
    if resolved.is_dir():
        raise ExportTargetError(f"{output} is a folder; give a file name, e.g. {output / 'posts.ndjson'}")
    if not resolved.parent.is_dir():
        raise ExportTargetError(f"cannot write {output}: the folder {resolved.parent} does not exist")
    if not os.access(resolved.parent, os.W_OK):
        raise ExportTargetError(f"cannot write {output}: the folder {resolved.parent} is not writable")
    if resolved.exists():
        if _is_sqlite(resolved):
            raise ExportTargetError(f"{output} is an SQLite database; an export never replaces one")
        if not force:
            raise ExportTargetError(f"{output} exists; use --force to replace it")


@contextmanager
def replace_atomically(output: Path) -> Iterator[TextIO]:
    """A text file written beside ``output`` and renamed over it once complete; removed on any error."""
    folder = output.expanduser().resolve().parent
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise ExportTargetError(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, output)
    except OSError as exc:
        _remove(temporary)
        raise ExportTargetError(f"cannot write {output}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
