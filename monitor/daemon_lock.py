"""One daemon per archive: an exclusive lock on ``<archive>.lock`` beside it, holding the owner's pid.

The kernel releases the lock when the process ends, however it ends (kill -9 included), so a
stale file never blocks a restart.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class ArchiveLocked(Exception):
    """Another process holds the archive's daemon lock."""


class DaemonLock:
    def __init__(self, archive_path: str | os.PathLike):
        self.path = Path(f"{archive_path}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise ArchiveLocked(
                f"another monitor daemon (pid {holder}) is running on the archive {str(self.path)[:-5]};"
                " stop it first, or give this one a different storage.path") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    def __enter__(self) -> DaemonLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
