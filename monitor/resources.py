"""Where the bundled reference data and example exports are.

In a checkout they are the top-level ``config/`` and ``examples/`` folders; an installed
wheel carries them as ``monitor/reference`` and ``monitor/examples`` (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(installed: str, checkout: str) -> Path:
    inside = _PACKAGE / installed
    return inside if inside.is_dir() else _PACKAGE.parent / checkout


def reference_dir() -> Path:
    """The folder holding the gazetteer files, the systemd unit and Datasette metadata."""
    return _bundled("reference", "config")


def gazetteer_dir() -> Path:
    return reference_dir() / "gazetteer"


def examples_dir() -> Path:
    """The bundled Telegram Desktop exports that ``monitor demo`` imports."""
    return _bundled("examples", "examples")
