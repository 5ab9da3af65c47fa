"""monitor run as a service: readiness, reload on SIGHUP, a clean stop on SIGTERM, status while running."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, run_cli, write_config

BASE = '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n'


class Notifications:
    """A systemd notify socket: what the daemon tells systemd."""

    def __init__(self, folder: Path):
        self.path = str(folder / "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.seen: list[str] = []

    def wait_for(self, line: str, timeout: float = 30, *, count: int = 1) -> None:
        """Wait until ``count`` messages holding ``line`` have come."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(line in message for message in self.seen) >= count:
                return
            try:
                self.seen.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue
        raise AssertionError(f"no {line!r} from the daemon; got {self.seen}")

    def close(self) -> None:
        self.sock.close()


def start(config: Path, notify: Notifications) -> subprocess.Popen:
    env = dict(os.environ, NOTIFY_SOCKET=notify.path, PYTHONIOENCODING="utf-8")
    env.pop("MONITOR_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "--log-level", "info", "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))


@pytest.fixture
def daemon(tmp_path):
    config = write_config(tmp_path, BASE)
    notify = Notifications(tmp_path)
    proc = start(config, notify)
    yield config, notify, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    notify.close()


def test_ready_then_sigterm_stops_cleanly_with_a_summary(daemon):
    config, notify, proc = daemon
    notify.wait_for("READY=1")
    assert any("STATUS=" in m for m in notify.seen)
    status = run_cli("status", "--json", config=config)  # the archive is readable while the daemon runs
    assert status.returncode == 0 and json.loads(status.stdout)["healthy"] is True
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    notify.wait_for("STOPPING=1")
    assert "monitor stopped:" in stderr and "0 errors" in stderr


def test_sighup_rereads_the_configuration_and_refuses_a_bad_file(daemon):
    config, notify, proc = daemon
    notify.wait_for("READY=1")
    config.write_text(config.read_text() + BASE.replace("kursk", "belgorod").replace("RU-KRS", "RU-BEL"), encoding="utf-8")
    proc.send_signal(signal.SIGHUP)
    notify.wait_for("READY=1", count=2)  # the reload is done
    good = config.read_text()
    config.write_text(good + "[[watchlist]]\nname = \"x\"\nregoins = [\"RU-KRS\"]\n", encoding="utf-8")
    proc.send_signal(signal.SIGHUP)
    notify.wait_for("reload refused")
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "configuration reloaded" in stderr and "2 watchlists" in stderr
    assert "reload refused, the running configuration stays" in stderr and 'did you mean "regions"' in stderr


def test_run_without_a_valid_configuration_exits_with_the_errors(tmp_path):
    bad = write_config(tmp_path, '[[watchlist]]\nname = "k"\nregoins = ["RU-KRS"]\n')
    result = run_cli("run", config=bad)
    assert result.returncode == 1 and 'did you mean "regions"' in result.stderr and "Traceback" not in result.stderr
