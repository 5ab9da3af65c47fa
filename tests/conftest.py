"""Shared fixtures: temporary configurations and the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def pytest_configure(config: pytest.Config) -> None:
    """One gazetteer terms cache for the session (never the user's), kept in pytest's cache folder from run
    to run (its files are named by the code and data they are built from), and built before any test
    starts: xdist workers, daemon and CLI subprocesses inherit the variable and read it."""
    if hasattr(config, "workerinput"):  # an xdist worker: its controller set the folder
        return
    cache = getattr(config, "cache", None)  # None under -p no:cacheprovider: a folder of this run only
    folder = None
    if cache is not None:
        try:
            folder = str(cache.mkdir("monitor-cache"))
        except OSError:  # an unwritable cache folder: pytest itself only warns
            folder = None
    if folder is None:
        folder = tempfile.mkdtemp(prefix="monitor-test-cache-")
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    os.environ["MONITOR_CACHE_DIR"] = folder
    from monitor.matching import Matcher, built
    from monitor.matching.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    if not built._path(built.terms_key(gazetteer.regions, gazetteer.places, gazetteer.exclusions)).exists():
        Matcher([], gazetteer)  # the bundled gazetteer's terms, built here once


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow run first (in collection order), so that under xdist no worker ends the run alone
    with one of them while the other has finished."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


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


def invoke(*args: str, config: Path | None = None, input: str | None = None,
           env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in this process (click's CliRunner), for commands that need no process of their own.

    Returns what ``run_cli`` returns; an exception that would print a traceback is raised instead."""
    import logging

    from click.testing import CliRunner

    from monitor.cli import main

    command = (["--config", str(config)] if config is not None else []) + list(args)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:  # the command configures logging on the runner's stderr: put back what was there
        result = CliRunner().invoke(main, command, input=input, env={"MONITOR_CONFIG": None, **(env or {})},
                                    catch_exceptions=False)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return subprocess.CompletedProcess(command, result.exit_code, result.stdout, result.stderr)


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


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of this test session (``tests/support/postgres.py``)."""
    from .support.postgres import PgServer

    server = PgServer()
    server.start()
    yield server
    server.stop()


def storage_section(engine: str, pg_server=None) -> str:
    """A [storage] section for a test archive on ``engine``: a SQLite file, or a new PostgreSQL database."""
    if engine == "postgresql":
        return f'[storage]\nurl = "{pg_server.database()}"\n'
    return '[storage]\npath = "archive.db"\n'
