"""Secrets come from the environment or from systemd credentials, never from monitor.toml.

``read_secret("MONITOR_SMTP_PASSWORD")`` returns the variable's value, else the
content of ``$CREDENTIALS_DIRECTORY/MONITOR_SMTP_PASSWORD`` (systemd's
LoadCredential=), else None. Values are never logged.
"""

from __future__ import annotations

import os
from pathlib import Path


def read_secret(name: str) -> str | None:
    if not name:
        return None
    value = os.environ.get(name)
    if value:
        return value
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if directory:
        path = Path(directory) / name
        try:
            return path.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None
    return None
