"""Alert mail through a real SMTP server on 127.0.0.1: content, threading, TLS, outages, refusals."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import ssl
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor.clock import FixedClock
from monitor.config import load_config
from monitor.mail import Outbox, SmtpTransport
from monitor.storage import Archive, Post

from .conftest import ROOT, invoke, write_config
from .support.smtp import SmtpServer, free_port, make_certificate

T0 = datetime(2024, 8, 6, 9, 0, tzinfo=timezone.utc)


def email_config(folder: Path, port: int, *, extra: str = "", starttls: bool = False, watch_extra: str = "", recipients=("desk@example.org",)) -> Path:
    rcpts = ", ".join(f'"{r}"' for r in recipients)
    return write_config(
        folder,
        f"""
        [email]
        host = "127.0.0.1"
        port = {port}
        sender = "monitor@example.org"
        starttls = {"true" if starttls else "false"}
        timezone = "Europe/Kyiv"
        {extra}

        [[watchlist]]
        name = "kursk"
        regions = ["RU-KRS"]
        recipients = [{rcpts}]
        {watch_extra}
        """,
    )


def add_alert(archive: Archive, message_id: int, text: str, *, kind: str = "new", story_id: int = 1,
              watchlist: str = "kursk", reason: str = "opens a story", changes: dict | None = None,
              translation: str | None = None, translation_status: str | None = None, url: str | None = None) -> int:
    post = Post(
        source="telegram", channel="1006745", message_id=message_id, date=T0 + timedelta(minutes=message_id % 1000),
        text=text, channel_title="Минобороны России", channel_username="mod_russia",
        url=url if url is not None else f"https://t.me/mod_russia/{message_id}", lang="ru", lang_confidence=1.0,
        translation=translation,
    )
    with archive.transaction() as conn:
        (stored,) = archive.store_posts([post])
        if translation_status:
            conn.execute("UPDATE posts SET translation_status = ? WHERE id = ?", (translation_status, stored.id))
        cursor = conn.execute(
            "INSERT INTO alerts (watchlist, kind, story_id, post_id, reason, changes, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (watchlist, kind, story_id, stored.id, reason, json.dumps(changes or {}), T0.isoformat()),
        )
    return cursor.lastrowid


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def test_alert_mail_has_plain_and_html_parts_with_source_link_and_times(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port))
    archive = Archive(config.storage.path)
    add_alert(archive, 40001, "Попытка прорыва в районе Суджи отражена.\nПодробности позже.",
              translation="Breakthrough attempt near Sudzha repelled.\nDetails later.")
    report = Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    assert report.sent == 1
    (rcpts, msg), = smtp.wait_for(1)
    assert rcpts == ["desk@example.org"]
    assert msg["Subject"] == "[kursk] NEW: Breakthrough attempt near Sudzha repelled."
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for part in (plain, html):
        assert "https://t.me/mod_russia/40001" in part
        assert "Попытка прорыва в районе Суджи" in part
        assert "machine translation" in part
        assert "Минобороны России (@mod_russia)" in part
        assert "2024-08-06 09:01 UTC" in part
        assert "2024-08-06 12:01 Europe/Kyiv" in part
    assert msg["Message-ID"].startswith("<monitor.story-1.")


def test_subject_uses_original_text_and_says_translation_pending_while_one_is_awaited(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port))
    archive = Archive(config.storage.path)
    add_alert(archive, 40002, "\n  Губернатор: введён режим ЧС  \nвторая строка", translation_status="pending")
    Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    (_, msg), = smtp.wait_for(1)
    assert msg["Subject"] == "[kursk] NEW: Губернатор: введён режим ЧС"
    assert "Translation pending" in msg.get_body(("plain",)).get_content()
    assert "Translation pending" in msg.get_body(("html",)).get_content()


def test_mail_promises_no_translation_when_translation_is_off(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port))
    assert config.translation.backend == "none"
    archive = Archive(config.storage.path)
    add_alert(archive, 40002, "Губернатор: введён режим ЧС")
    Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    (_, msg), = smtp.wait_for(1)
    for part in (msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()):
        assert "pending" not in part.lower()
        assert "Губернатор: введён режим ЧС" in part


def test_post_text_is_escaped_in_html_and_loads_nothing_remote(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port))
    archive = Archive(config.storage.path)
    add_alert(archive, 40003, '<script>alert(1)</script> <img src="http://evil.example/x.png"> & <b>bold</b> http://evil.example/page')
    Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    (_, msg), = smtp.wait_for(1)
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img" in html
    assert "<b>bold</b>" not in html and "&amp;" in html
    assert 'href="http://evil.example/page"' not in html  # links in the post stay text
    assert "<script>alert(1)</script>" in msg.get_body(("plain",)).get_content()


def test_update_threads_under_the_story_first_mail_and_says_what_changed(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port))
    archive = Archive(config.storage.path)
    add_alert(archive, 40010, "Пострадали 5 человек", story_id=7)
    changes = {"figures": [{"unit": "injured", "value": 24, "words": "24 пострадавших", "was": 5},
                           {"unit": "killed", "value": 2, "words": "2 погибших", "was": None}],
               "places": ["RU-KRS:sudzha"]}
    add_alert(archive, 40011, "Число пострадавших выросло до 24", kind="update", story_id=7, changes=changes,
              reason="new figure: 24 пострадавших (injured) (was 5); new place: RU-KRS:sudzha (same claim as RU-KRS)")
    Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    first, update = (m for _, m in smtp.wait_for(2))
    assert update["Subject"] == "[kursk] UPDATE injured 5 -> 24, killed 2, new place Sudzha: Число пострадавших выросло до 24"
    assert update["In-Reply-To"] == first["Message-ID"]
    assert update["References"] == first["Message-ID"]
    assert update["Message-ID"] != first["Message-ID"]
    plain = update.get_body(("plain",)).get_content()
    assert "  - injured: 5 -> 24\n  - killed: 2 (new)\n  - new place: Sudzha (Kursk Oblast)\n" in plain.replace("\r\n", "\n")
    assert "Why:       new figure: 24 пострадавших (injured) (was 5); new place: Sudzha (Kursk Oblast)" \
           " (same claim as Kursk Oblast)" in plain
    assert "RU-KRS" not in plain and "RU-KRS" not in update.get_body(("html",)).get_content()
    assert "Story:     monitor story 7" in plain


def test_server_down_then_up_delivers_once(tmp_path):
    port = free_port()
    config = load_config(email_config(tmp_path, port))
    archive = Archive(config.storage.path)
    clock = FixedClock(T0)
    alert = add_alert(archive, 40020, "Атака отражена")
    outbox = Outbox(archive, config, clock=clock)
    for hours in range(3):  # hours of outage: retries, nothing lost
        report = outbox.deliver_due()
        assert report.sent == 0
        clock.advance(hours=1)
    row = next(archive.db.query("SELECT * FROM deliveries WHERE alert_id = ?", [alert]))
    assert row["status"] == "pending" and row["attempts"] == 3 and "cannot reach" in row["last_error"]
    server = SmtpServer(port=port).start()
    try:
        assert outbox.deliver_due().sent == 1
        assert outbox.deliver_due().sent == 0
        clock.advance(hours=5)
        assert outbox.deliver_due().sent == 0
        assert len(server.wait_for(1)) == 1
        time.sleep(0.2)
        assert len(server.messages) == 1
    finally:
        server.stop()
    assert next(archive.db.query("SELECT status FROM alerts WHERE id = ?", [alert]))["status"] == "sent"


def test_retries_back_off_exponentially(tmp_path):
    config = load_config(email_config(tmp_path, free_port()))
    archive = Archive(config.storage.path)
    clock = FixedClock(T0)
    add_alert(archive, 40021, "Атака отражена")
    outbox = Outbox(archive, config, clock=clock)
    waits = []
    for _ in range(4):
        outbox.deliver_due()
        row = next(archive.db.query("SELECT next_attempt_at FROM deliveries"))
        due = datetime.fromisoformat(row["next_attempt_at"])
        waits.append((due - clock.now).total_seconds())
        assert outbox.deliver_due().retried == 0  # not due yet: no attempt before the backoff ends
        clock.now = due
    assert waits == [30, 60, 120, 240]


def test_permanent_refusal_is_marked_failed_with_the_server_answer(tmp_path, smtp):
    smtp.handler.data_reply = "554 5.7.1 Message rejected as spam"
    path = email_config(tmp_path, smtp.port)
    config = load_config(path)
    archive = Archive(config.storage.path)
    alert = add_alert(archive, 40030, "Атака отражена")
    report = Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    assert report.failed == 1 and report.sent == 0
    archive.close()
    result = invoke("alerts", "--status", "failed", "--json", config=path)
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["id"] == alert and row["status"] == "failed"
    assert "554 5.7.1 Message rejected as spam" in row["last_error"]


def test_temporary_refusal_is_retried(tmp_path, smtp):
    smtp.handler.data_reply = "451 4.3.0 Try again later"
    config = load_config(email_config(tmp_path, smtp.port))
    archive = Archive(config.storage.path)
    clock = FixedClock(T0)
    add_alert(archive, 40031, "Атака отражена")
    outbox = Outbox(archive, config, clock=clock)
    assert outbox.deliver_due().retried == 1
    smtp.handler.data_reply = None
    clock.advance(minutes=1)
    assert outbox.deliver_due().sent == 1
    assert len(smtp.wait_for(1)) == 1


def test_starttls_verifies_the_certificate_and_logs_in_with_the_password_from_the_environment(tmp_path, monkeypatch):
    cert, key = make_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = SmtpServer(tls_context=context, credentials=("monitor", "s3cret")).start()
    try:
        good = load_config(email_config(tmp_path, server.port, starttls=True, extra=f'ca_file = "{cert}"\nusername = "monitor"\npassword_env = "TEST_SMTP_PASSWORD"'))
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
        archive = Archive(good.storage.path)
        add_alert(archive, 40040, "Атака отражена")
        assert Outbox(archive, good, clock=FixedClock(T0)).deliver_due().sent == 1
        assert len(server.wait_for(1)) == 1

        # Without the CA file the self-signed certificate is refused: nothing is sent in clear.
        (tmp_path / "b").mkdir()
        unverified = load_config(email_config(tmp_path / "b", server.port, starttls=True, extra='username = "monitor"\npassword_env = "TEST_SMTP_PASSWORD"'))
        archive_b = Archive(unverified.storage.path)
        add_alert(archive_b, 40041, "Атака отражена")
        report = Outbox(archive_b, unverified, clock=FixedClock(T0)).deliver_due()
        assert report.sent == 0 and report.retried == 1
        error = next(archive_b.db.query("SELECT last_error FROM deliveries"))["last_error"]
        assert "certificate" in error.lower()
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_missing_password_is_a_clear_error_and_the_mail_waits(tmp_path, smtp, monkeypatch):
    monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    config = load_config(email_config(tmp_path, smtp.port, extra='username = "monitor"\npassword_env = "TEST_SMTP_PASSWORD"'))
    archive = Archive(config.storage.path)
    add_alert(archive, 40042, "Атака отражена")
    assert Outbox(archive, config, clock=FixedClock(T0)).deliver_due().retried == 1
    error = next(archive.db.query("SELECT last_error FROM deliveries"))["last_error"]
    assert "$TEST_SMTP_PASSWORD" in error
    assert smtp.messages == []


def test_password_from_a_systemd_credential(tmp_path, monkeypatch):
    cert, key = make_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = SmtpServer(tls_context=context, credentials=("monitor", "cred-pass")).start()
    try:
        creds = tmp_path / "creds"
        creds.mkdir()
        (creds / "MONITOR_SMTP_PASSWORD").write_text("cred-pass\n")
        monkeypatch.delenv("MONITOR_SMTP_PASSWORD", raising=False)
        monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
        transport = SmtpTransport(host="127.0.0.1", port=server.port, sender="monitor@example.org", starttls=True,
                                  ca_file=str(cert), username="monitor", password_env="MONITOR_SMTP_PASSWORD")
        msg = email.message.EmailMessage()
        msg["Subject"], msg["From"], msg["To"], msg["Message-ID"] = "x", "monitor@example.org", "desk@example.org", "<x@example.org>"
        msg.set_content("x")
        transport.send(msg, "desk@example.org")
        transport.close()
        assert len(server.wait_for(1)) == 1
    finally:
        server.stop()


def test_rate_limit_overflows_into_the_digest_and_nothing_is_dropped(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port, extra="rate_limit = 3\nrate_window_minutes = 10"))
    archive = Archive(config.storage.path)
    clock = FixedClock(T0)
    for i in range(7):
        add_alert(archive, 40100 + i, f"Сообщение номер {i} об атаке", story_id=100 + i)
    outbox = Outbox(archive, config, clock=clock)
    assert outbox.deliver_due().sent == 3
    assert len(smtp.wait_for(3)) == 3
    waiting = archive.db.execute("SELECT count(*) FROM deliveries WHERE status = 'digest'").fetchone()[0]
    assert waiting == 4
    clock.advance(hours=1)
    report = outbox.run_digest("hourly")
    assert report.digests == 1
    messages = smtp.wait_for(4)
    assert len(messages) == 4
    digest = messages[-1][1]
    assert "DIGEST" in digest["Subject"] and "4 stories" in digest["Subject"]
    plain = digest.get_body(("plain",)).get_content()
    for i in range(3, 7):
        assert f"Сообщение номер {i}" in plain
    assert archive.db.execute("SELECT count(*) FROM alerts WHERE status = 'sent'").fetchone()[0] == 7


def test_daily_watchlist_goes_only_into_the_daily_digest(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port, watch_extra='delivery = "daily"'))
    archive = Archive(config.storage.path)
    add_alert(archive, 40200, "Первое", story_id=1)
    add_alert(archive, 40201, "Второе", story_id=2)
    outbox = Outbox(archive, config, clock=FixedClock(T0))
    assert outbox.deliver_due().sent == 0
    assert outbox.run_digest("hourly").digests == 0
    assert outbox.run_digest("daily").digests == 1
    (_, digest), = smtp.wait_for(1)
    assert "2 stories" in digest["Subject"]


def test_maildir_is_the_default_without_an_email_section(tmp_path):
    path = write_config(tmp_path, '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n')
    config = load_config(path)
    archive = Archive(config.storage.path)
    add_alert(archive, 40300, "Атака <b>отражена</b>")
    outbox = Outbox(archive, config, clock=FixedClock(T0))
    assert outbox.deliver_due().sent == 1
    maildir = tmp_path / "maildir"
    files = list((maildir / "new").iterdir())
    assert len(files) == 1
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == "desk@example.org" and msg["Subject"].startswith("[kursk] NEW:")
    assert msg["From"] == "monitor@localhost"  # the same on every host, as the Message-IDs (file names) are
    # A crash after the file was written but before it was marked sent: the retry writes nothing new.
    archive.conn.execute("UPDATE deliveries SET status = 'sending'")
    outbox.recover()
    assert outbox.deliver_due().sent == 1
    assert len(list((maildir / "new").iterdir())) == 1


def test_resend_sends_a_new_copy(tmp_path, smtp):
    path = email_config(tmp_path, smtp.port)
    config = load_config(path)
    archive = Archive(config.storage.path)
    alert = add_alert(archive, 40400, "Атака отражена")
    Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    archive.close()
    result = invoke("alerts", "resend", str(alert), config=path)
    assert result.returncode == 0, result.stderr
    assert "sent 1" in result.stdout
    assert len(smtp.wait_for(2)) == 2
    missing = invoke("alerts", "resend", "999", config=path)
    assert missing.returncode == 1 and "no alert with id 999" in missing.stderr


def test_email_test_command_reports_success_and_failure(tmp_path, smtp):
    path = email_config(tmp_path, smtp.port)
    ok = invoke("email", "test", "--to", "ops@example.org", config=path)
    assert ok.returncode == 0, ok.stderr
    assert f"sent to ops@example.org through 127.0.0.1:{smtp.port}" in ok.stdout
    (rcpts, msg), = smtp.wait_for(1)
    assert rcpts == ["ops@example.org"] and msg["Subject"] == "[monitor] test message"
    (tmp_path / "down").mkdir()
    down = invoke("email", "test", config=email_config(tmp_path / "down", free_port()))
    assert down.returncode == 1 and "cannot reach SMTP server" in down.stderr


def test_alert_for_a_watchlist_without_recipients_is_marked_failed(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port))
    archive = Archive(config.storage.path)
    alert = add_alert(archive, 40500, "Атака", watchlist="removed")
    Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    assert next(archive.db.query("SELECT status FROM alerts WHERE id = ?", [alert]))["status"] == "failed"


DELIVER_SCRIPT = """
import sys
from monitor.config import load_config
from monitor.mail import Outbox
from monitor.storage import Archive
config = load_config(sys.argv[1])
outbox = Outbox(Archive(config.storage.path), config)
outbox.recover()
print(outbox.deliver_due(), flush=True)
"""


@pytest.mark.slow
def test_killed_mid_delivery_and_restarted_mails_each_alert_once(tmp_path):
    server = SmtpServer().start()
    server.handler.rcpt_delay = 0.3  # each mail takes a while before the server accepts it
    try:
        path = email_config(tmp_path, server.port)
        config = load_config(path)
        archive = Archive(config.storage.path)
        ids = [add_alert(archive, 40600 + i, f"Сообщение {i}", story_id=600 + i) for i in range(8)]
        archive.close()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        kills = 0
        for _ in range(6):
            proc = subprocess.Popen([sys.executable, "-c", DELIVER_SCRIPT, str(path)], env=env, cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            before = len(server.messages)
            deadline = time.monotonic() + 20
            while len(server.messages) == before and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.15)  # inside the next mail's exchange
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
        final = subprocess.run([sys.executable, "-c", DELIVER_SCRIPT, str(path)], env=env, cwd=ROOT,
                               capture_output=True, text=True, timeout=60)
        assert final.returncode == 0, final.stderr
        assert kills >= 3
        ids_sent = [m["X-Monitor-Alert"] for _, m in server.messages]
        assert sorted(ids_sent) == sorted(str(i) for i in ids), ids_sent
    finally:
        server.stop()


def test_digest_jobs_fire_at_the_configured_desk_times(tmp_path):
    from apscheduler.schedulers.background import BackgroundScheduler

    from monitor.mail.jobs import digest_triggers, schedule_outbox

    config = load_config(email_config(tmp_path, free_port(), extra='digest_times = ["07:30", "19:00"]'))
    triggers = digest_triggers(config)
    now = datetime(2024, 8, 6, 3, 10, tzinfo=timezone.utc)  # 06:10 in Kyiv
    fires = sorted(t.get_next_fire_time(None, now).astimezone(timezone.utc) for t in triggers["daily"])
    assert fires == [datetime(2024, 8, 6, 4, 30, tzinfo=timezone.utc), datetime(2024, 8, 6, 16, 0, tzinfo=timezone.utc)]
    assert triggers["hourly"][0].get_next_fire_time(None, now).astimezone(timezone.utc) == datetime(2024, 8, 6, 4, 0, tzinfo=timezone.utc)
    scheduler = BackgroundScheduler(timezone="UTC")
    archive = Archive(config.storage.path)
    jobs = schedule_outbox(scheduler, Outbox(archive, config), config)
    assert {j.id for j in jobs} == {"outbox-deliver", "digest-hourly-0", "digest-daily-0", "digest-daily-1"}


def add_match(archive: Archive, alert_id: int, *, regions=(), places=(), keywords=()) -> None:
    post_id = archive.conn.execute("SELECT post_id FROM alerts WHERE id = ?", (alert_id,)).fetchone()[0]
    with archive.transaction() as conn:
        conn.execute("INSERT INTO post_matches (post_id, watchlist, regions, places, keywords) VALUES (?, 'kursk', ?, ?, ?)",
                     (post_id, json.dumps(list(regions)), json.dumps(list(places), ensure_ascii=False),
                      json.dumps(list(keywords), ensure_ascii=False)))


def test_mail_names_regions_and_places_in_words_and_says_how_to_see_the_story(tmp_path, smtp):
    config_path = email_config(tmp_path, smtp.port)
    config_path.write_text(config_path.read_text() + '\n[serve]\nurl = "http://desk.example.org:8750/"\n')
    config = load_config(config_path)
    archive = Archive(config.storage.path)
    alert = add_alert(archive, 40030, "Обстрел Суджи", story_id=12, reason="new claim: places RU-KRS:sudzha")
    add_match(archive, alert, regions=["RU-KRS"],
              places=[{"id": "RU-KRS:sudzha", "name": "Суджа", "region": "RU-KRS", "kind": "town", "words": ["Суджи"]}])
    Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    (_, msg), = smtp.wait_for(1)
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Regions:   Kursk Oblast" in plain
    assert "Places:    Sudzha (Kursk Oblast)" in plain
    assert "Why:       new claim: places Sudzha (Kursk Oblast)" in plain
    assert "Story:     monitor story 12 or http://desk.example.org:8750/story/12" in plain
    assert '<a href="http://desk.example.org:8750/story/12">' in html
    assert "RU-KRS" not in plain and "RU-KRS" not in html
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Precedence"] == "bulk"


def test_digest_lists_stories_newest_first_with_latest_figures_and_links(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port, watch_extra='delivery = "daily"'))
    archive = Archive(config.storage.path)
    add_alert(archive, 40400, "Старая история", story_id=1)
    add_alert(archive, 40410, "Новая история: 24 пострадавших", story_id=2)
    with archive.transaction() as conn:
        for story, last, figures in ((1, "2024-08-06T09:00:00+00:00", {}),
                                     (2, "2024-08-06T09:10:00+00:00", {"injured": [5, 24], "killed": [2]})):
            conn.execute("INSERT INTO stories (id, watchlist, first_post_id, first_seen, last_seen, channels, languages,"
                         " regions, places, figures, kinds) VALUES (?, 'kursk', 1, ?, ?, '[]', '[]', '[]', '[]', ?, '[]')",
                         (story, last, last, json.dumps(figures)))
    outbox = Outbox(archive, config, clock=FixedClock(T0))
    assert outbox.run_digest("daily").digests == 1
    (_, digest), = smtp.wait_for(1)
    plain = digest.get_body(("plain",)).get_content()
    assert plain.index("Новая история") < plain.index("Старая история")
    assert "latest figures: 24 injured, 2 killed" in plain
    assert "story: monitor story 2" in plain and "story: monitor story 1" in plain
    assert digest["Auto-Submitted"] == "auto-generated"


def test_only_http_https_and_tg_links_become_links(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port))
    archive = Archive(config.storage.path)
    hostile = ["javascript:alert(document.cookie)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)",
               "JaVaScRiPt:alert(1)", "https://t.me/x/1\u202e"]
    for n, url in enumerate(hostile):
        add_alert(archive, 40500 + n, "Атака", story_id=500 + n, url=url)
    add_alert(archive, 40510, "Атака", story_id=510, url="tg://resolve?domain=mod_russia&post=1")
    add_alert(archive, 40511, "Атака", story_id=511, url="https://t.me/mod_russia/40511")
    Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    messages = [m for _, m in smtp.wait_for(len(hostile) + 2)]
    by_alert = {int(m["X-Monitor-Alert"]): m.get_body(("html",)).get_content() for m in messages}
    for alert_id in range(1, len(hostile) + 1):
        html = by_alert[alert_id]
        assert "href=" not in html.split("<h3>Original")[0], hostile[alert_id - 1]
    assert '<a href="tg://resolve?domain=mod_russia&amp;post=1">' in by_alert[len(hostile) + 1]
    assert '<a href="https://t.me/mod_russia/40511">' in by_alert[len(hostile) + 2]


def test_control_characters_never_reach_headers_and_show_in_the_text(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port))
    archive = Archive(config.storage.path)
    text = "Обстрел\x00 Суджи\x1b[31m \u202eверх\u202c\r\nBcc: victim@example.org"
    add_alert(archive, 40600, text)
    Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    (rcpts, msg), = smtp.wait_for(1)
    assert rcpts == ["desk@example.org"] and msg["Bcc"] is None
    for name, value in msg.items():
        assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f or 0x202a <= ord(c) <= 0x202e for c in str(value)), name
    assert msg["Subject"] == "[kursk] NEW: Обстрел Суджи [31m верх"
    plain = msg.get_body(("plain",)).get_content()
    assert "Обстрел[U+0000] Суджи[U+001B][31m [U+202E]верх[U+202C]" in plain
    assert "\x00" not in plain and "\x1b" not in plain and "\u202e" not in plain


def test_one_mail_that_cannot_be_made_never_blocks_the_others(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port))
    archive = Archive(config.storage.path)
    bad = add_alert(archive, 40700, "Первая", story_id=1)
    good = add_alert(archive, 40701, "Вторая", story_id=2)
    with archive.transaction() as conn:  # a delivery written before addresses were checked
        conn.execute("INSERT INTO deliveries (alert_id, recipient, mode, status, created_at)"
                     " VALUES (?, 'desk@example.org\r\nBcc: x@example.org', 'instant', 'pending', ?)", (bad, T0.isoformat()))
    report = Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    assert report.sent == 1 and report.failed == 1
    (_, msg), = smtp.wait_for(1)
    assert msg["X-Monitor-Alert"] == str(good)
    row = next(archive.db.query("SELECT status, last_error FROM deliveries WHERE alert_id = ?", [bad]))
    assert row["status"] == "failed" and "cannot compose the mail" in row["last_error"]


def test_check_refuses_a_watchlist_name_with_a_line_break(tmp_path):
    path = write_config(tmp_path, '[[watchlist]]\nname = "kursk\\r\\nBcc: x@example.org"\nregions = ["RU-KRS"]\n')
    result = invoke("check", config=path)
    assert result.returncode != 0
    assert "watchlist[0].name" in result.stderr and "no line breaks or control characters" in result.stderr


def test_mail_says_why_no_translation_will_come(tmp_path, smtp):
    config = load_config(email_config(tmp_path, smtp.port))
    archive = Archive(config.storage.path)
    add_alert(archive, 40800, "Обстріл під Суджею", translation_status="unsupported")
    with archive.transaction() as conn:
        conn.execute("INSERT INTO translation_unsupported (backend, source, target, reason, at)"
                     " VALUES ('libre', 'ru', 'en', 'ru not supported by libre', ?)", (T0.isoformat(),))
    Outbox(archive, config, clock=FixedClock(T0)).deliver_due()
    (_, msg), = smtp.wait_for(1)
    for part in (msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()):
        assert "Not translated: ru not supported by libre." in part and "pending" not in part.lower()


def test_alerts_table_names_places_in_words_and_json_keeps_the_stored_reason(tmp_path):
    from click.testing import CliRunner

    from monitor.cli import main

    path = email_config(tmp_path, free_port())
    archive = Archive(load_config(path).storage.path)
    add_alert(archive, 40900, "Обстрел Суджи", reason="new claim: places RU-KRS:sudzha")
    table = CliRunner().invoke(main, ["--config", str(path), "alerts"], env={"COLUMNS": "200"}).stdout  # wide enough for the reason
    assert "new claim: places Sudzha (Kursk Oblast)" in table and "RU-KRS" not in table
    as_json = CliRunner().invoke(main, ["--config", str(path), "alerts", "--json"]).stdout
    assert json.loads(as_json.splitlines()[0])["reason"] == "new claim: places RU-KRS:sudzha"
