"""A cache on disk of what a Matcher builds from the gazetteer, like Python's .pyc files.

Building the gazetteer's terms runs thousands of names through the morphology (seconds of
CPU); every new process (the daemon, each CLI command) would pay it. The built terms are
pickled under ``$MONITOR_CACHE_DIR`` (default ``$XDG_CACHE_HOME/monitor``, else
``~/.cache/monitor``), in a file named by a sha256 over everything they are made from:
the gazetteer's content (bundled and imported), the source of ``monitor/matching/``,
the versions of pymorphy3, its dictionaries and the stemmer, and Python's version.
A file that cannot be read, or holds another key, is ignored and the terms are built
again; a cache that cannot be written (a read-only home) is skipped. The newest few files are kept.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

FORMAT = "gazetteer-terms-1"
_SOURCES = Path(__file__).resolve().parent


def _sources_digest() -> bytes:
    """The matching code as this process loaded it (read once at import: a later edit on disk must not
    name terms built by the code already running)."""
    digest = hashlib.sha256()
    for source in sorted(_SOURCES.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.digest()


_SOURCES_DIGEST = _sources_digest()
KEEP = 8  # files kept: a few gazetteers (archives with their own imports) side by side
_PACKAGES = ("pymorphy3", "pymorphy3-dicts-ru", "pymorphy3-dicts-uk", "snowballstemmer")


def cache_dir() -> Path:
    """Where monitor keeps derived files: $MONITOR_CACHE_DIR, $XDG_CACHE_HOME/monitor or ~/.cache/monitor."""
    explicit = os.environ.get("MONITOR_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "monitor"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def terms_key(regions: Any, places: Any, exclusions: Any) -> str:
    """The sha256 naming the terms built from this gazetteer content by this code."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{sys.version_info[:2]}\0".encode())
    for package in _PACKAGES:
        digest.update(f"{package}={_version(package)}\0".encode())
    digest.update(_SOURCES_DIGEST)
    content = json.dumps([regions, places, exclusions], ensure_ascii=False, sort_keys=True, default=str)
    digest.update(content.encode())
    return digest.hexdigest()


def load_or_build(key: str, build: Callable[[], T]) -> T:
    """The value stored under ``key``, else ``build()`` stored; a process building the same key meanwhile
    is waited for (a file lock), so two processes starting together build once."""
    found = load(key)
    if found is not None:
        return found
    with _building():
        found = load(key)
        if found is None:
            found = build()
            save(key, found)
    return found


@contextmanager
def _building() -> Iterator[None]:
    try:
        cache_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = open(cache_dir() / ".building", "a")  # noqa: SIM115 (held for the with block)
    except OSError:  # no cache to share: build unlocked
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _path(key: str) -> Path:
    return cache_dir() / f"terms-{key}.pickle"


def load(key: str) -> Any | None:
    """The terms stored under ``key``, or None (no file, unreadable, corrupt or another key)."""
    path = _path(key)
    try:
        with path.open("rb") as file:
            stored_format, stored_key, value = pickle.load(file)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except Exception as error:  # a truncated or foreign file: built again and replaced
        log.debug("gazetteer terms cache %s unreadable (%s): building again", path, error)
        return None
    if (stored_format, stored_key) != (FORMAT, key):
        log.debug("gazetteer terms cache %s holds another key: building again", path)
        return None
    return value


def save(key: str, value: Any) -> None:
    """Store the terms under ``key``, atomically (a temporary file renamed); skipped if it cannot be written."""
    path = _path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(prefix=".terms-", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump((FORMAT, key, value), file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        _prune(path.parent)
    except OSError as error:
        log.debug("gazetteer terms cache not written to %s: %s", path.parent, error)


def _prune(folder: Path) -> None:
    """Remove all but the KEEP most recently written terms files (older code or gazetteers)."""
    files = []
    for file in folder.glob("terms-*.pickle"):
        try:
            files.append((file.stat().st_mtime_ns, file))
        except FileNotFoundError:  # removed by another process meanwhile
            continue
    for _, file in sorted(files, reverse=True)[KEEP:]:
        file.unlink(missing_ok=True)
