"""Hostile input and operator slips: what a desk relies on holds (a clear error, nothing lost, nothing
twice, a truthful status) against hostile servers on 127.0.0.1, malformed exports, two processes,
a crash mid-send, a full or read-only disk, and secrets at every log level."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.clock import FixedClock
from monitor.config import load_config
from monitor.importer import import_exports
from monitor.pipeline import Pipeline
from monitor.sources.feeds import FeedSource
from monitor.sources.health import TransientSourceError, archive_problems
from monitor.sources.telegram_export import ExportError, read_export
from monitor.sources.webpreview import WebPreviewSource
from monitor.status import status_report
from monitor.storage import Archive

from .conftest import ROOT, write_config
from .support.http import HttpServer, Stream
from .support.libretranslate import LibreServer
from .support.smtp import SmtpServer

T0 = datetime(2024, 8, 7, 12, 0, tzinfo=timezone.utc)

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Курские новости</title><link>https://news.example.org/</link>
<item><title>В Судже объявлена эвакуация</title><guid>kn-1</guid><pubDate>Tue, 06 Aug 2024 19:05:00 +0000</pubDate>
<description>Жителей вывозят в Курск.</description></item>
<item><title>Обстрел Глушково {bad}</title><guid>kn-2</guid><pubDate>Wed, 07 Aug 2024 07:10:00 +0000</pubDate>
<description>Пострадавших нет.</description></item>
<item><title>Тёткино без света</title><guid>kn-3</guid><pubDate>Wed, 07 Aug 2024 08:10:00 +0000</pubDate>
<description>Ремонт начнётся утром.</description></item>
</channel></rss>"""


@pytest.fixture
def server():
    s = HttpServer().start()
    yield s
    s.stop()


def feed(tmp_path, server, path="/feed.xml", **limits):
    config = load_config(write_config(tmp_path, f'[[feed]]\nname = "kursk_news"\nurl = "{server.url}{path}"\n'))
    archive = Archive(config.storage.path)
    pipeline = Pipeline(archive, config, stages=[])
    return config, archive, lambda client: FeedSource("kursk_news", server.url + path, archive, pipeline, client,
                                                      FixedClock(T0), **limits)


def poll(factory):
    async def run():
        async with httpx.AsyncClient(timeout=5, follow_redirects=True) as client:
            return await factory(client).poll()
    return asyncio.run(run())


def problems(archive, config):
    return status_report(archive, config, T0)["problems"]


def posts(archive) -> list[str]:
    return [r[0] for r in archive.conn.execute("SELECT text FROM posts ORDER BY date")]


# -- 1. work bounded by input -------------------------------------------------------------------

def test_a_feed_larger_than_the_cap_is_refused_by_name_and_status_says_so(tmp_path, server):
    server.route("/feed.xml", body=RSS.format(bad="") + " " * 300_000)
    config, archive, factory = feed(tmp_path, server, max_bytes=100_000)
    with pytest.raises(TransientSourceError, match=r"feed kursk_news: .*/feed.xml is too large \(30\d,\d{3} bytes"):
        poll(factory)
    assert posts(archive) == []
    assert any(p.startswith("feed:kursk_news: ") and "too large" in p for p in problems(archive, config))
    server.route("/feed.xml", body=RSS.format(bad=""))
    assert poll(factory) == 3 and problems(archive, config) == []


def test_a_body_of_unannounced_length_is_read_no_further_than_the_cap(tmp_path, server):
    server.route("/feed.xml", body=Stream(RSS.format(bad="").encode(), size=4096, total=5_000_000))
    config, archive, factory = feed(tmp_path, server, max_bytes=200_000)
    with pytest.raises(TransientSourceError, match="is more than 200,000 bytes; not read further"):
        poll(factory)
    assert posts(archive) == []


def test_a_gzip_bomb_stops_at_the_decompressed_cap(tmp_path, server):
    bomb = gzip.compress(RSS.format(bad="").encode() + b" " * 64_000_000, compresslevel=9)
    assert len(bomb) < 200_000
    server.route("/feed.xml", body=bomb, headers={"Content-Encoding": "gzip"})
    config, archive, factory = feed(tmp_path, server, max_bytes=1_000_000)
    with pytest.raises(TransientSourceError, match="decompresses to more than 1,000,000 bytes"):
        poll(factory)
    assert server.requests[-1][1].get("Accept-Encoding") == "gzip, deflate"
    server.route("/feed.xml", body=gzip.compress(RSS.format(bad="").encode()), headers={"Content-Encoding": "gzip"})
    assert poll(factory) == 3  # a sane compressed feed is read as before


def test_a_server_trickling_one_byte_at_a_time_meets_the_deadline_and_the_next_poll_runs(tmp_path, server):
    server.route("/feed.xml", body=Stream(RSS.format(bad="").encode(), size=1, delay=0.25))
    config, archive, factory = feed(tmp_path, server, deadline=1.0)
    with pytest.raises(TransientSourceError, match=r"did not answer completely within 1 s"):
        poll(factory)
    assert any("did not answer completely" in p for p in problems(archive, config))
    server.route("/feed.xml", body=RSS.format(bad=""))
    assert poll(factory) == 3


def test_a_trickled_t_me_page_meets_the_deadline_too(tmp_path, server):
    server.route("/s/kursk", body=Stream(b"<html>" + b" " * 1000, size=1, delay=0.25))
    config = load_config(write_config(tmp_path, ""))
    archive = Archive(config.storage.path)
    source = WebPreviewSource("kursk", archive, Pipeline(archive, config, stages=[]), None, base_url=server.url,
                              clock=FixedClock(T0), deadline=1.0)

    async def run():
        async with httpx.AsyncClient(timeout=5) as client:
            source.client = client
            return await source.poll()

    with pytest.raises(TransientSourceError, match=r"t.me/s/kursk: .* did not answer completely within 1 s"):
        asyncio.run(run())


def test_retry_after_far_in_the_future_is_capped_not_an_overflow(tmp_path, server):
    server.route("/feed.xml", status=429, headers={"Retry-After": "999999999999"})
    config, archive, factory = feed(tmp_path, server)
    with pytest.raises(TransientSourceError) as info:
        poll(factory)
    assert info.value.retry_after == 86400.0


# -- 2. one bad item never blocks a source ------------------------------------------------------

def test_an_entry_with_a_reference_to_no_character_does_not_cost_the_others(tmp_path, server):
    server.route("/feed.xml", body=RSS.format(bad="&#xD800;"))
    config, archive, factory = feed(tmp_path, server)
    assert poll(factory) == 3
    texts = posts(archive)
    assert texts[0].startswith("В Судже") and texts[2].startswith("Тёткино")
    assert texts[1].startswith("Обстрел Глушково \ufffd")
    assert problems(archive, config) == []


def page(*messages: str) -> str:
    return ('<html><body><div class="tgme_channel_info_header_title">Курск</div>'
            + "".join(messages) + "</body></html>")


def message(post: str, date: str, text: str) -> str:
    return (f'<div class="tgme_widget_message" data-post="{post}"><div class="tgme_widget_message_text">{text}</div>'
            f'<div class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/{post}">'
            f'<time datetime="{date}"></time></a></div></div>')


def test_a_t_me_post_that_cannot_be_read_is_skipped_recorded_and_the_rest_stored(tmp_path, server):
    server.route("/s/kursk", body=page(
        message("kursk/10", "2024-08-07T08:00:00+00:00", "Суджа: обстрел"),
        message("kursk/11", "not-a-date", "битая дата"),
        message("kursk/²", "2024-08-07T08:02:00+00:00", "битый номер"),
        message("kursk/13", "2024-08-07T08:03:00+00:00", "Глушково: тревога"),
    ))
    config = load_config(write_config(tmp_path, '[webpreview]\nchannels = ["kursk"]\n'))
    archive = Archive(config.storage.path)
    source = WebPreviewSource("kursk", archive, Pipeline(archive, config, stages=[]), None, base_url=server.url,
                              clock=FixedClock(T0))

    async def run():
        async with httpx.AsyncClient(timeout=5) as client:
            source.client = client
            return await source.poll()

    assert asyncio.run(run()) == 2
    assert posts(archive) == ["Суджа: обстрел", "Глушково: тревога"]
    (line,) = problems(archive, config)
    assert line.startswith("webpreview:kursk: t.me/s/kursk: 2 posts skipped: post 11: datetime 'not-a-date'")
    assert "data-post 'kursk/²' has no post number" in line
    server.route("/s/kursk", body=page(message("kursk/14", "2024-08-07T09:00:00+00:00", "Тёткино")))
    asyncio.run(run())
    assert problems(archive, config) == []  # a poll that reads every post makes the channel healthy again


def test_an_unexpected_poll_failure_is_recorded_and_status_shows_it(tmp_path, server):
    from monitor.daemon import Daemon

    server.route("/feed.xml", body=RSS.format(bad=""))
    config, archive, factory = feed(tmp_path, server)
    daemon = Daemon(tmp_path / "monitor.toml", clock=FixedClock(T0))

    def broken(*args, **kwargs):  # a stage with a bug: the generic path of the daemon's poll
        raise RuntimeError("stage bug")

    async def run():
        async with httpx.AsyncClient(timeout=5) as client:
            source = factory(client)
            source.pipeline.ingest = broken
            return await daemon._poll("feed:kursk_news", source)

    assert asyncio.run(run()) == 0
    assert problems(archive, config) == ["feed:kursk_news: feed:kursk_news: poll failed: RuntimeError: stage bug"]


def test_a_full_archive_stops_the_import_with_sqlites_words_and_importing_again_adds_the_rest(tmp_path):
    config = load_config(write_config(tmp_path, ""))
    archive = Archive(config.storage.path)
    chat = {"name": "X", "type": "public_channel", "id": 77, "messages": [
        {"id": i, "type": "message", "date_unixtime": str(1722938400 + i), "text": f"пост {i} " + "ъ" * 12000}
        for i in range(1, 60)]}
    export = tmp_path / "result.json"
    export.write_text(json.dumps(chat, ensure_ascii=False), encoding="utf-8")
    (pages,) = archive.conn.execute("PRAGMA page_count").fetchone()
    archive.conn.execute(f"PRAGMA max_page_count = {pages + 20}")
    pipeline = Pipeline(archive, config, stages=[])
    (result,) = import_exports(archive, pipeline, [export], batch_size=10).files
    assert result.error == (f"{export}: import stopped: the archive refused the write: database or disk is full"
                            " (what was stored before stays; importing again adds the rest)")
    assert archive.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    archive.conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    (again,) = import_exports(archive, pipeline, [export], batch_size=10).files
    assert again.error is None
    assert archive.conn.execute("SELECT count(*), count(DISTINCT message_id) FROM posts").fetchone() == (59, 59)


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs: a real full disk and a real read-only file system (needs the right to mount)."""
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)], capture_output=True)
    if done.returncode:
        pytest.skip("mounting a tmpfs is not permitted here")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_full_disk_fails_the_import_with_one_line_and_status_says_so_and_so_does_a_read_only_one(tmp_path, small_disk):
    path = write_config(tmp_path, f'[storage]\npath = "{small_disk}/archive.db"\n')
    config = load_config(path)
    export = tmp_path / "result.json"
    export.write_text(json.dumps({"name": "X", "type": "public_channel", "id": 77, "messages": [
        {"id": i, "type": "message", "date_unixtime": str(1722938400 + i), "text": f"пост {i} " + "ъ" * 12000}
        for i in range(1, 200)]}, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["--config", str(path), "import", str(export)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {export}: import stopped: the archive refused the write: database or disk is full"
        " (what was stored before stays; importing again adds the rest)")
    assert result.stdout.strip().splitlines()[-1].startswith("imported 0 of 1 files: ")
    result = runner.invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 1
    assert "MB free on its disk (database or disk is full soon)" in result.stderr
    with Archive(config.storage.path) as archive:
        assert archive.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert archive_problems(config.storage.path) == [
        f"archive {config.storage.path}: the file system is mounted read-only; no post can be stored"]


# -- 3. exactly once across processes -----------------------------------------------------------

def email_config(folder: Path, port: int) -> Path:
    return write_config(folder, f"""
        [email]
        host = "127.0.0.1"
        port = {port}
        sender = "monitor@example.org"
        starttls = false

        [[watchlist]]
        name = "kursk"
        regions = ["RU-KRS"]
        recipients = ["desk@example.org"]
        """)


def add_alert(config) -> None:
    from monitor.storage import Post

    with Archive(config.storage.path) as archive, archive.transaction() as conn:
        (stored,) = archive.store_posts([Post(source="telegram", channel="1006745", message_id=7, date=T0,
                                              text="Обстрел Суджи", channel_title="Курск")])
        conn.execute("INSERT INTO alerts (watchlist, kind, story_id, post_id, reason, changes, decided_at)"
                     " VALUES ('kursk', 'new', 1, ?, 'opens a story', '{}', ?)", (stored.id, T0.isoformat()))


def deliver_in_subprocess(config_path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("MONITOR_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config_path), "alerts", "deliver"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def smtp():
    s = SmtpServer().start()
    yield s
    s.stop()


def test_a_second_daemon_on_the_same_archive_is_refused_naming_the_holder(tmp_path):
    path = write_config(tmp_path, "")
    config = load_config(path)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("NOTIFY_SOCKET", None)
    daemon = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(path), "run"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = Path(f"{config.storage.path}.lock")
    try:
        for _ in range(600):  # until the daemon holds the lock and has written its pid
            if lock.exists() and lock.read_text().strip() == str(daemon.pid):
                break
            time.sleep(0.1)
        result = CliRunner().invoke(main, ["--config", str(path), "run", "--once"])
        assert result.exit_code == 1
        assert (f"another monitor daemon (pid {daemon.pid}) is running on the archive {config.storage.path}"
                in result.stderr)
        assert "Traceback" not in result.output
    finally:
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()
    result = CliRunner().invoke(main, ["--config", str(path), "run", "--once"])  # a killed daemon blocks nothing
    assert result.exit_code == 0, result.output


def test_alerts_deliver_beside_a_sender_leaves_its_mail_alone(tmp_path, smtp):
    path = email_config(tmp_path, smtp.port)
    config = load_config(path)
    add_alert(config)
    smtp.handler.data_delay = 3.0
    sender = deliver_in_subprocess(path)
    try:
        assert smtp.handler.in_data.wait(60)
        result = CliRunner().invoke(main, ["--config", str(path), "alerts", "deliver"])  # while the other waits
        assert result.exit_code == 0 and "sent 0" in result.stdout
        assert sender.wait(60) == 0
    finally:
        sender.kill()
        sender.wait()
    assert len(smtp.messages) == 1
    with Archive(config.storage.path) as archive:
        assert archive.conn.execute("SELECT status, owner FROM deliveries").fetchall() == [("sent", None)]


def test_kill_9_before_the_end_of_data_sends_once_and_after_it_at_most_twice_with_one_message_id(tmp_path, smtp):
    path = email_config(tmp_path, smtp.port)
    config = load_config(path)
    add_alert(config)
    smtp.handler.rcpt_delay = 30.0
    sender = deliver_in_subprocess(path)
    assert smtp.handler.in_rcpt.wait(60)
    sender.send_signal(signal.SIGKILL)
    sender.wait()
    smtp.handler.rcpt_delay = 0.0
    result = CliRunner().invoke(main, ["--config", str(path), "alerts", "deliver"])  # the sender is gone: sent now
    assert "sent 1" in result.stdout
    assert len(smtp.messages) == 1  # the server never had the end of data: no copy before

    with Archive(config.storage.path) as archive, archive.transaction() as conn:
        conn.execute("UPDATE deliveries SET status = 'pending', generation = generation + 1")
    smtp.handler.data_delay = 30.0
    sender = deliver_in_subprocess(path)
    assert smtp.handler.in_data.wait(60)  # the server has the mail and has not answered yet
    sender.send_signal(signal.SIGKILL)
    sender.wait()
    smtp.handler.data_delay = 0.0
    result = CliRunner().invoke(main, ["--config", str(path), "alerts", "deliver"])
    assert "sent 1" in result.stdout
    copies = [m for _, m in smtp.messages[1:]]
    assert len(copies) == 2  # the window the README states: the same mail again, with the same Message-ID
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]


def test_recovery_takes_back_only_mails_whose_sender_is_gone(tmp_path):
    from monitor.mail.outbox import Outbox
    from monitor.mail.owner import current_owner
    from monitor.mail.transport import MaildirTransport
    from monitor.storage import Post

    config = load_config(write_config(tmp_path, """
        [[watchlist]]
        name = "kursk"
        regions = ["RU-KRS"]
        recipients = ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]
        """))
    archive = Archive(config.storage.path)
    with archive.transaction() as conn:
        (stored,) = archive.store_posts([Post(source="telegram", channel="1", message_id=7, date=T0, text="Суджа")])
        conn.execute("INSERT INTO alerts (watchlist, kind, story_id, post_id, reason, changes, decided_at)"
                     " VALUES ('kursk', 'new', 1, ?, 'x', '{}', ?)", (stored.id, T0.isoformat()))
    clock = FixedClock(T0)
    outbox = Outbox(archive, config, transport=MaildirTransport(tmp_path / "mail"), clock=clock)
    assert outbox.expand() == 4
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # ended: its pid names no living process of that start
    host = current_owner().split(":")[0]
    owners = {"a@example.org": (current_owner(), "2024-08-07T12:10:00+00:00"),  # alive: this process
              "b@example.org": (f"{host}:{child.pid}:1", "2024-08-07T12:10:00+00:00"),  # gone
              "c@example.org": ("elsewhere:42:7", "2024-08-07T12:10:00+00:00"),  # another host, lease running
              "d@example.org": ("elsewhere:43:7", "2024-08-07T11:50:00+00:00")}  # another host, lease over
    with archive.transaction() as conn:
        for recipient, (owner, lease) in owners.items():
            conn.execute("UPDATE deliveries SET status = 'sending', owner = ?, lease_until = ? WHERE recipient = ?",
                         (owner, lease, recipient))
    assert outbox.recover() == 2
    assert dict(archive.conn.execute("SELECT recipient, status FROM deliveries")) == {
        "a@example.org": "sending", "b@example.org": "pending", "c@example.org": "sending", "d@example.org": "pending"}


# -- 4. the archive survives operator slips ------------------------------------------------------

@pytest.fixture
def archive_config(tmp_path):
    path = write_config(tmp_path, "")
    runner = CliRunner()
    result = runner.invoke(main, ["--config", str(path), "import", str(ROOT / "examples" / "kursk_governor" / "result.json")])
    assert result.exit_code == 0, result.output
    return path


def test_export_never_writes_over_the_archive_or_another_sqlite_file(tmp_path, archive_config, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where an operator types "-o archive.db"
    runner = CliRunner()
    archive = tmp_path / "archive.db"
    before = archive.read_bytes()
    for target in ("archive.db", str(archive), "archive.db-wal"):
        result = runner.invoke(main, ["--config", str(archive_config), "export", "-o", target, "--force"])
        assert result.exit_code == 1 and "is the archive itself" in result.stderr
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    result = runner.invoke(main, ["--config", str(archive_config), "export", "-o", str(other), "--force"])
    assert result.exit_code == 1 and "is an SQLite database; an export never replaces one" in result.stderr
    assert archive.read_bytes() == before and other.stat().st_size > 0


def test_export_replaces_an_existing_file_only_with_force_and_names_a_missing_folder(tmp_path, archive_config):
    runner = CliRunner()
    target = tmp_path / "posts.csv"
    target.write_text("keep me")
    result = runner.invoke(main, ["--config", str(archive_config), "export", "-o", str(target), "--format", "csv"])
    assert result.exit_code == 1 and "exists; use --force to replace it" in result.stderr
    assert target.read_text() == "keep me"
    result = runner.invoke(main, ["--config", str(archive_config), "export", "-o", str(target), "--format", "csv", "--force"])
    assert result.exit_code == 0 and target.read_text().startswith("id,source,channel")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    result = runner.invoke(main, ["--config", str(archive_config), "export", "-o", "/nonexistent/dir/x.csv"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: cannot write /nonexistent/dir/x.csv: the folder /nonexistent/dir does not exist"


def test_the_archive_is_created_readable_by_its_owner_alone(tmp_path):
    old = os.umask(0o022)
    try:
        Archive(tmp_path / "new" / "archive.db").close()
    finally:
        os.umask(old)
    assert (tmp_path / "new" / "archive.db").stat().st_mode & 0o777 == 0o600


# -- 6. every bad input gets one clear line --------------------------------------------------------

def chat(**message) -> dict:
    base = {"id": 1, "type": "message", "date_unixtime": "1722938400", "text": "Обстрел Суджи"}
    return {"name": "Курск", "type": "public_channel", "id": 1234, "messages": [{**base, **message}]}


BAD_EXPORTS = {
    "nested.json": ('{"name": "x", "type": "public_channel", "id": 5, "messages": ' + "[" * 100_000 + "]" * 100_000 + "}",
                    "the chat, messages[0]: expected an object"),
    "nested-top.json": ("[" * 100_000 + "]" * 100_000, "expected a JSON object (a Telegram Desktop export), got a list"),
    "digits.json": ('{"id": ' + "9" * 5000 + "}", "line 1: a number of 2^63 or more"),
    "type-list.json": (chat(type=[]), '"type" must be a string such as "message" or "service", got []'),
    "type-number.json": (chat(type=5), '"type" must be a string'),
    "big-id.json": (chat(id=2 ** 63), "line 1: a number of 2^63 or more; ids and dates of a Telegram Desktop export"),
    "negative-id.json": (chat(id=-5), '"id" must be a positive integer below 2^63, got -5'),
    "id-true.json": (chat(id=True), '"id" must be a positive integer below 2^63, got True'),
    "unixtime-true.json": (chat(date_unixtime=True), '"date_unixtime" must be epoch seconds as digits, got True'),
    "year-1.json": (chat(date_unixtime=None, date="0001-01-01T00:00:00"), '"date" is 0001-01-01T00:00:00+00:00, not a date'),
    "year-9999.json": (chat(date_unixtime="253402300000"), '"date_unixtime" is \'253402300000\', not a date'),
}


def test_each_bad_export_gets_one_line_and_the_other_files_are_imported(tmp_path):
    path = write_config(tmp_path, "")
    files = []
    for name, (content, _) in BAD_EXPORTS.items():
        (tmp_path / name).write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        files.append(str(tmp_path / name))
    (tmp_path / "good.json").write_text(json.dumps(chat(id=2)), encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "import", *files, str(tmp_path / "good.json")])
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == len(BAD_EXPORTS) and "Traceback" not in result.output
    for line, (name, (_, expected)) in zip(errors, BAD_EXPORTS.items()):
        assert line.startswith(f"error: {tmp_path / name}: ") and expected in line, line
    assert result.stdout.splitlines()[-1] == f"imported 1 of {len(BAD_EXPORTS) + 1} files: 1 new, 0 updated, 0 unchanged posts"


EXPORT_KEYS = st.sampled_from(["id", "type", "date", "date_unixtime", "text", "messages", "name", "chats", "list",
                               "poll", "question", "answers", "todo_list", "place_name", "edited_unixtime",
                               "reply_to_message_id", "forwarded_from"])
json_leaves = (st.none() | st.booleans() | st.integers(min_value=-2 ** 70, max_value=2 ** 70)
               | st.floats(allow_nan=False) | st.text(max_size=12))
json_inner = json_leaves | st.lists(json_leaves, max_size=3) | st.dictionaries(EXPORT_KEYS, json_leaves, max_size=5)
json_values = json_leaves | st.lists(json_inner, max_size=3) | st.dictionaries(EXPORT_KEYS, json_inner, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=st.lists(json_values, max_size=4), chat_id=json_values, chat_type=json_values)
def test_fuzzed_exports_are_read_or_refused_with_an_export_error(tmp_path, messages, chat_id, chat_type):
    export = tmp_path / "fuzz.json"
    export.write_text(json.dumps({"name": "x", "type": chat_type, "id": chat_id, "messages": messages}), encoding="utf-8")
    try:
        result = read_export(export)
    except ExportError as exc:
        assert str(exc).startswith(f"{export}: ")
        return
    for post in result.posts:
        assert 0 < post.message_id < 2 ** 63 and 2013 <= post.date.year < 2100


@pytest.mark.parametrize("args, expected", [
    (["search", "--exact", "Судж*"], "Судж"),
    (["search", "Суджа", "--since", "999999999999999d"], "Судж"),
    (["search", "Суджа", "--until", "9999-12-31"], "Судж"),
    (["export", "Суджа", "--until", "9999-12-31"], "Судж"),
])
def test_extreme_search_and_export_options_still_answer(archive_config, args, expected):
    result = CliRunner().invoke(main, ["--config", str(archive_config), *args])
    assert result.exit_code == 0, result.output
    assert expected in result.stdout


@pytest.mark.parametrize("args, expected", [
    (["search", "--exact", "NEAR(a b, abc)"], "Error: cannot search for 'NEAR(a b, abc)': expected integer, got \"abc\""),
    (["export", "--exact", "NEAR(a b, abc)"], "Error: cannot search for 'NEAR(a b, abc)': expected integer"),
    (["search", "Суджа", "--limit", "99999999999999999999"], "99999999999999999999 is not in the range 1<=x<=1000000"),
    (["search", "Суджа", "--since", "2024-13-45"], '"2024-13-45" is not a date or time'),
])
def test_impossible_search_and_export_options_get_one_clear_line(archive_config, args, expected):
    result = CliRunner().invoke(main, ["--config", str(archive_config), *args])
    assert result.exit_code != 0 and result.exception is None or isinstance(result.exception, SystemExit)
    assert expected in result.stderr and "Traceback" not in result.output


# -- 8. secrets at every log level ----------------------------------------------------------------

def test_the_libretranslate_key_never_reaches_a_url_or_a_debug_log(tmp_path, capfd):
    from monitor.logs import setup_logging
    from monitor.translation.backends import Backend

    libre = LibreServer(api_key="KEY-0123456789").start()
    try:
        setup_logging("debug")
        backend = Backend("libre", url=libre.url, api_key="KEY-0123456789")
        assert backend.translate("Обстрел Суджи", "ru", "en", timeout=10)
        logging.getLogger("monitor.test").debug("GET %s/translate?api_key=%s", libre.url, "KEY-0123456789")
    finally:
        libre.stop()
        setup_logging("warning")
    assert libre.requests[0]["api_key"] == "KEY-0123456789" and libre.paths == ["/languages", "/translate"]  # in the body
    err = capfd.readouterr().err
    assert "KEY-0123456789" not in err and "api_key=***" in err
    assert "urllib3" not in err  # its DEBUG lines (URLs, headers) are not shown even at --log-level debug
