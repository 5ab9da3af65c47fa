"""Shared fixtures: temporary configurations and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def write_config(folder: Path, body: str = "", *, name: str = "monitor.toml") -> Path:
    """Write a monitor.toml into ``folder``; the archive defaults to folder/archive.db."""
    text = textwrap.dedent(body)
    if "[storage]" not in text:
        text = '[storage]\npath = "archive.db"\n' + text
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(
        tmp_path,
        """
        [[watchlist]]
        name = "kursk"
        regions = ["RU-KRS"]
        recipients = ["desk@example.org"]
        """,
    )


def run_cli(*args: str, config: Path | None = None, input: str | None = None, env: dict | None = None,
            cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m monitor`` for real, as an operator would."""
    command = [sys.executable, "-m", "monitor"]
    if config is not None:
        command += ["--config", str(config)]
    command += list(args)
    full_env = dict(os.environ)
    full_env.pop("MONITOR_CONFIG", None)
    full_env["PYTHONIOENCODING"] = "utf-8"
    if env:
        full_env.update(env)
    return subprocess.run(command, input=input, capture_output=True, text=True, env=full_env,
                          cwd=str(cwd or ROOT), timeout=timeout)


@pytest.fixture
def cli():
    return run_cli
