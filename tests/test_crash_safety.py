"""kill -9 at random moments while the daemon ingests a feed and mails alerts; restart; nothing lost, nothing twice."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from .conftest import ROOT, write_config
from .support.http import HttpServer
from .support.smtp import SmtpServer

VILLAGES = ["Гуево", "Плехово", "Олешня", "Горналь", "Свердликово", "Мартыновка", "Малая Локня", "Махновка",
            "Камышевка", "Любимовка", "Погребки", "Снагость", "Званное", "Тёткино", "Глушково", "Коренево"]


class GrowingFeed:
    """An RSS feed that gains entries while the test runs."""

    def __init__(self):
        self.entries: list[tuple[str, str, datetime]] = []
        self.lock = threading.Lock()
        self.start = datetime(2024, 8, 6, 6, 0, tzinfo=timezone.utc)

    def add(self, count: int) -> None:
        with self.lock:
            for _ in range(count):
                n = len(self.entries)
                village = VILLAGES[n % len(VILLAGES)]
                text = f"Обстрел: в селе {village} Курской области пострадали {n + 1} человек, сообщение номер {n}."
                self.entries.append((f"urn:entry:{n}", text, self.start + timedelta(minutes=n)))

    def render(self, handler):
        with self.lock:
            items = "".join(
                f"<item><title>{text}</title><guid>{guid}</guid><link>https://news.example.org/{guid}</link>"
                f"<pubDate>{format_datetime(when)}</pubDate></item>" for guid, text, when in self.entries)
        body = f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Курск</title>{items}</channel></rss>'
        return 200, body.encode(), {"Content-Type": "application/rss+xml"}


def start_daemon(config, log) -> subprocess.Popen:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    env.pop("NOTIFY_SOCKET", None)
    with open(log, "wb") as handle:
        return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "--log-level", "info", "run"],
                                stdout=subprocess.DEVNULL, stderr=handle, env=env, cwd=str(ROOT))


def wait_running(proc: subprocess.Popen, log, timeout: float = 90) -> None:
    """Until the daemon logs that it runs (its sources scheduled), so that a kill lands in its work."""
    deadline = time.monotonic() + timeout
    while "monitor running" not in log.read_text(encoding="utf-8", errors="replace"):
        assert proc.poll() is None, log.read_text(encoding="utf-8", errors="replace")[-2000:]
        assert time.monotonic() < deadline, "the daemon did not start"
        time.sleep(0.05)


def wait_stored(proc: subprocess.Popen, db, before: int, timeout: float = 90) -> None:
    """Until the daemon has stored a post more than the archive held before it started."""
    deadline = time.monotonic() + timeout
    while count_posts(db) <= before:
        assert proc.poll() is None and time.monotonic() < deadline, "the daemon stored nothing"
        time.sleep(0.05)


def count_posts(db) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    except sqlite3.OperationalError:  # no table yet: the first daemon was killed before creating it
        return 0
    finally:
        conn.close()


@pytest.mark.slow
def test_killed_ten_times_every_entry_stored_once_and_every_alert_mailed_once(tmp_path):
    feed = GrowingFeed()
    http = HttpServer().start()
    http.route("/feed.xml", body=feed.render)
    smtp = SmtpServer().start()
    config = write_config(tmp_path, f"""
        [email]
        host = "127.0.0.1"
        port = {smtp.port}
        sender = "monitor@example.org"
        starttls = false
        rate_limit = 1000
        [[watchlist]]
        name = "kursk"
        regions = ["RU-KRS"]
        recipients = ["desk@example.org", "night@example.org"]
        [[feed]]
        name = "kursk_news"
        url = "{http.url}/feed.xml"
        interval_seconds = 1
        """)
    rnd = random.Random(8)
    stored_by_killed_runs = 0  # rounds whose daemon stored posts before its kill
    try:
        for round_ in range(10):
            feed.add(rnd.randint(2, 6))
            before = count_posts(tmp_path / "archive.db")
            log = tmp_path / f"run-{round_}.log"
            proc = start_daemon(config, log)
            wait_running(proc, log)
            if round_ % 2:  # every other daemon dies while it decides and mails what it has just stored
                wait_stored(proc, tmp_path / "archive.db", before)
                time.sleep(rnd.uniform(0.0, 1.0))
            else:  # the others die at any moment of their start and first poll
                time.sleep(rnd.uniform(0.0, 2.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            stored_by_killed_runs += count_posts(tmp_path / "archive.db") > before
        assert stored_by_killed_runs >= 5, "the kills did not land in the daemons' work"
        feed.add(3)
        proc = start_daemon(config, tmp_path / "final.log")
        db = tmp_path / "archive.db"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                conn = sqlite3.connect(db, timeout=5)
                posts = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
                unsettled = conn.execute(
                    "SELECT count(*) FROM alerts WHERE status = 'pending'").fetchone()[0]
                conn.close()
            except sqlite3.OperationalError:
                continue
            if posts == len(feed.entries) and unsettled == 0:
                break
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        stderr = (tmp_path / "final.log").read_text(encoding="utf-8")
        assert proc.returncode == 0, stderr[-2000:]
        assert "monitor stopped:" in stderr
    finally:
        http.stop()

    try:
        conn = sqlite3.connect(tmp_path / "archive.db")
        stored = [r[0] for r in conn.execute("SELECT external_id FROM posts")]
        assert sorted(stored) == sorted(guid for guid, _, _ in feed.entries)  # every entry, once
        alerts = conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
        sent = conn.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'").fetchone()[0]
        assert alerts > 0 and sent == 2 * alerts
        decided = conn.execute("SELECT count(*) FROM story_posts WHERE decision IN ('new', 'update')").fetchone()[0]
        assert decided == alerts  # every alert decision has its outbox row, none without
        conn.close()
        received = [(tuple(rcpt), msg["Message-ID"]) for rcpt, msg in smtp.messages]
        distinct = set(received)
        assert len(distinct) == 2 * alerts  # every alert reached both recipients
        repeats = len(received) - len(distinct)
        print(f"\ncrash test: {len(feed.entries)} entries, {alerts} alerts, {len(received)} mails received,"
              f" {repeats} resent with the same Message-ID (the documented window)")
        assert repeats <= 2  # at most the mail in flight at a kill, and always under the same Message-ID
    finally:
        smtp.stop()
