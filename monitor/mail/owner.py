"""Which process holds a claim: an owner tag that outlives pid reuse, and whether its process is alive."""

from __future__ import annotations

import os
import socket
from functools import lru_cache


def _start_ticks(pid: int) -> str | None:
    """The process's start time since boot (Linux /proc), or None where there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22: after the name in parentheses, the 20th field


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
    if os.path.isdir("/proc"):
        ticks = _start_ticks(pid)
        return ticks is not None and start in ("-", ticks)  # the same pid started later is another process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
