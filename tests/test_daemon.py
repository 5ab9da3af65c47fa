"""monitor run as a service: readiness, reload on SIGHUP, a clean stop on SIGTERM, status while running."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.daemon import Daemon
from monitor.storage import Archive

from .conftest import ROOT, invoke, write_config
from .support.telegram import FakeTelegram, channel, message

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
    status = invoke("status", "--json", config=config)  # the archive is readable while the daemon runs
    assert status.returncode == 0 and json.loads(status.stdout)["healthy"] is True
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    notify.wait_for("STOPPING=1")
    assert "monitor stopped:" in stderr and "0 errors" in stderr
    assert "INFO monitor.daemon: monitor running:" in stderr and "INFO monitor.daemon: monitor stopped:" in stderr
    assert "Adding job tentatively" not in stderr and "WARNING" not in stderr


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
    result = invoke("run", config=bad)
    assert result.returncode == 1 and 'did you mean "regions"' in result.stderr and "Traceback" not in result.stderr


# -- in process, with Telegram on the test network -------------------------------------------------

T0 = datetime(2024, 8, 6, 11, 5, tzinfo=UTC)
MOD = channel(1006503122, "Минобороны России", "mod_russia")
GOV = channel(1004460003, "Губернатор Белгородской области", "vvgladkov")
TELEGRAM = '[telegram]\nchannels = ["mod_russia"]\n'


def network_with_channels() -> FakeTelegram:
    network = FakeTelegram()
    network.add_channel(channel(MOD.id, MOD.title, MOD.username))
    network.add_channel(channel(GOV.id, GOV.title, GOV.username))
    return network


async def until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.02)


def ids_of(path, channel_id) -> list[int]:
    with Archive(path) as archive:
        return sorted(r[0] for r in archive.conn.execute(
            "SELECT message_id FROM posts WHERE channel = ?", (str(channel_id),)))


def test_sighup_gives_telegram_the_new_watchlists_and_channels(tmp_path):
    config = write_config(tmp_path, BASE + TELEGRAM)
    network = network_with_channels()
    network.publish(message(GOV.id, 7, "Губернатор: обстановка спокойная", T0), live=False)
    daemon = Daemon(config, telegram_client=network)

    async def scenario():
        run = asyncio.create_task(daemon.run())
        await daemon.ready.wait()
        write_config(tmp_path, BASE + BASE.replace("kursk", "belgorod").replace("RU-KRS", "RU-BEL")
                     + '[telegram]\nchannels = ["mod_russia", "vvgladkov"]\n')
        os.kill(os.getpid(), signal.SIGHUP)
        await until(lambda: GOV.id in daemon.telegram.by_id and ids_of(daemon.config.storage.path, GOV.id))
        network.publish(message(MOD.id, 1, "В Белгороде объявлена ракетная опасность", T0))
        await network.settle()
        os.kill(os.getpid(), signal.SIGTERM)
        return await run

    summary = asyncio.run(scenario())
    with Archive(tmp_path / "archive.db") as archive:
        watchlists = [r[0] for r in archive.conn.execute(
            "SELECT a.watchlist FROM alerts a JOIN posts p ON p.id = a.post_id WHERE p.message_id = 1")]
    assert watchlists == ["belgorod"]  # the watchlist added by the reload decided on a live Telegram post
    assert ids_of(tmp_path / "archive.db", GOV.id) == [7]  # the channel added by the reload was read
    assert summary.telegram_live == 1 and summary.alerts == 1 and summary.errors == 0
    assert "telegram 2 channels (1 live posts, 1 from history)" in summary.line()


def test_sigterm_when_idle_does_not_wait_for_telegram_or_the_scheduler(tmp_path, monkeypatch):
    import monitor.daemon

    monkeypatch.setattr(monitor.daemon, "STOP_SECONDS", 3600)  # a wait for endless tasks would hang the test
    config = write_config(tmp_path, BASE + TELEGRAM)
    daemon = Daemon(config, telegram_client=network_with_channels())

    async def scenario():
        updates = asyncio.create_task(asyncio.Event().wait())  # endless, as Telethon's update loop
        run = asyncio.create_task(daemon.run())
        await daemon.ready.wait()
        await until(lambda: not daemon._work)
        os.kill(os.getpid(), signal.SIGTERM)
        summary = await run
        updates.cancel()
        return summary

    assert asyncio.run(scenario()).errors == 0


class GatedHistory(FakeTelegram):
    """History reads that stop half-way through the second page until the test lets them go on."""

    def __init__(self):
        super().__init__()
        self.paused = asyncio.Event()
        self.gate = asyncio.Event()

    async def iter_messages(self, entity, limit=None, min_id=0, reverse=False):
        n = 0
        async for m in super().iter_messages(entity, limit=limit, min_id=min_id, reverse=reverse):
            n += 1
            if n == 150 and not self.gate.is_set():
                self.paused.set()
                await self.gate.wait()
            yield m


def test_sigterm_during_a_catch_up_ends_it_at_a_page_and_the_next_start_reads_on(tmp_path, caplog):
    config = write_config(tmp_path, BASE + TELEGRAM)
    with Archive(tmp_path / "archive.db") as archive, archive.transaction() as conn:
        conn.execute("INSERT INTO telegram_channels (channel, ref, member, complete_to) VALUES (?, 'mod_russia', 1, 0)",
                     (str(MOD.id),))
    network = GatedHistory()
    network.add_channel(channel(MOD.id, MOD.title, MOD.username))
    for i in range(1, 251):
        network.publish(message(MOD.id, i, f"Сводка {i}", T0), live=False)

    async def first_run():
        daemon = Daemon(config, telegram_client=network)
        run = asyncio.create_task(daemon.run())
        await network.paused.wait()
        os.kill(os.getpid(), signal.SIGTERM)
        await until(lambda: daemon.telegram.stopping)
        network.gate.set()
        return await run

    with caplog.at_level(logging.INFO):
        asyncio.run(first_run())
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "CancelledError" not in caplog.text
    assert ids_of(tmp_path / "archive.db", MOD.id) == list(range(1, 201))  # two whole pages kept

    async def second_run():
        daemon = Daemon(config, telegram_client=network)
        run = asyncio.create_task(daemon.run())
        await daemon.ready.wait()
        await until(lambda: not daemon._work)
        os.kill(os.getpid(), signal.SIGTERM)
        return await run

    asyncio.run(second_run())
    assert ids_of(tmp_path / "archive.db", MOD.id) == list(range(1, 251))


@pytest.mark.slow
def test_live_posts_keep_arriving_while_an_import_holds_the_archive(tmp_path):
    """An import's transaction holds the write lock: the loop goes on reading updates, and the posts
    are stored once the lock is free; status stays healthy."""
    from monitor.config import load_config
    from monitor.pipeline import Pipeline
    from monitor.sources.telegram import ChannelRef, message_to_post
    from monitor.status import status_report

    config = write_config(tmp_path, BASE + TELEGRAM)
    network = network_with_channels()
    daemon = Daemon(config, telegram_client=network)
    exported = ChannelRef("kursk_export", 555, "kursk_export", "Курск")
    posts = [message_to_post(message(555, i, f"Архивная запись {i} о Курской области", T0), exported)
             for i in range(1, 3001)]
    locked, release = threading.Event(), threading.Event()

    def import_export():
        with Archive(tmp_path / "archive.db") as archive:
            pipeline = Pipeline(archive, load_config(config))
            with archive.transaction():
                pipeline.ingest(posts, alerts=False)
                locked.set()
                release.wait(60)

    async def scenario():
        run = asyncio.create_task(daemon.run())
        await daemon.ready.wait()
        await until(lambda: not daemon._work)
        importer = threading.Thread(target=import_export)
        importer.start()
        await asyncio.to_thread(locked.wait, 120)
        for i in (1, 2, 3):
            network.publish(message(MOD.id, i, f"Сводка {i}", T0))
        ticks = 0
        for _ in range(5):  # the loop is free while the archive is locked: this coroutine runs on it
            await asyncio.sleep(0)
            ticks += 1
        stored_meanwhile = daemon.telegram.live_posts
        release.set()
        await asyncio.to_thread(importer.join)
        await network.settle()
        os.kill(os.getpid(), signal.SIGTERM)
        return ticks, stored_meanwhile, await run

    ticks, stored_meanwhile, summary = asyncio.run(scenario())
    assert ticks == 5 and stored_meanwhile == 0  # nothing could be stored while the import held the lock
    assert ids_of(tmp_path / "archive.db", MOD.id) == [1, 2, 3] and summary.telegram_live == 3
    assert ids_of(tmp_path / "archive.db", 555)[-1] == 3000 and summary.errors == 0
    with Archive(tmp_path / "archive.db") as archive:
        report = status_report(archive, load_config(config), datetime.now(UTC))
    assert report["healthy"], report["problems"]
    assert [s["membership"] for s in report["sources"] if s["source"] == "telegram"] == ["member"]


def test_the_shipped_unit_passes_systemd_analyze_verify(tmp_path):
    import shutil

    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    unit = (ROOT / "config" / "monitor.service").read_text(encoding="utf-8")
    assert "Type=notify\n" in unit and "ExecReload=/bin/kill -HUP $MAINPID" in unit
    assert "CacheDirectory=monitor\n" in unit and "Environment=MONITOR_CACHE_DIR=/var/cache/monitor\n" in unit
    monitor = Path(sys.executable).parent / "monitor"
    (tmp_path / "monitor.service").write_text(unit.replace("/opt/monitor/.venv/bin/monitor", str(monitor)))
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "monitor.service")], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "Failed to parse" not in result.stderr, result.stderr


def test_what_the_first_post_needs_is_loaded_before_the_daemon_reports_running(tmp_path, caplog):
    config = write_config(tmp_path, BASE + TELEGRAM)
    daemon = Daemon(config, telegram_client=network_with_channels())

    async def scenario():
        run = asyncio.create_task(daemon.run())
        await daemon.ready.wait()
        os.kill(os.getpid(), signal.SIGTERM)
        return await run

    with caplog.at_level(logging.INFO, logger="monitor.daemon"):
        asyncio.run(scenario())
    said = [r.getMessage() for r in caplog.records if r.name == "monitor.daemon"]
    loaded = next(i for i, line in enumerate(said) if line.startswith("matching and stories loaded"))
    running = next(i for i, line in enumerate(said) if line.startswith("monitor running"))
    assert loaded < running  # the first poll's posts wait for no dictionary, terms or model
