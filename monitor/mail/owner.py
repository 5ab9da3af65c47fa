"""Which process holds a claim: an owner tag that outlives pid reuse, and whether its process is alive."""

from __future__ import annotations

import os
import socket
from functools import lru_cache


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().decode("ascii", "replace").rsplit(")", 1)[-1].split()
    except OSError:
        return None


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    fields = _stat(pid)
    return fields[19] if fields else None


@lru_cache(maxsize=1)
def _host() -> str:
    return socket.gethostname() or "localhost"


def current_owner() -> str:
    """``host:pid:start`` of this process."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_ticks(pid) or '-'}"


def owner_alive(owner: str | None) -> bool | None:
    """True or False for an owner on this host; None when it cannot be told (another host): the lease decides."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != _host() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    fields = _stat(pid)
    if fields is None:  # no /proc, or the process is hidden from us (ProtectProc): the lease decides
        return None
    if fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent
        return False
    return start in ("-", fields[19])  # the same pid started later is another process
