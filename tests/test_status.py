"""What the operator is told: `monitor status`, `run --once` exit codes, mail that does not go out, metrics."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import urllib.request
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from monitor.cli import main
from monitor.clock import FixedClock
from monitor.config import load_config
from monitor.mail import Outbox
from monitor.storage import Archive

from .conftest import run_cli, write_config
from .support.smtp import SmtpServer, free_port
from .support.telegram import FakeTelegram, channel, message
from .test_mail_delivery import T0, add_alert, email_config

MOD = channel(1006503122, "Минобороны России", "mod_russia")


def status(path):
    return CliRunner().invoke(main, ["--config", str(path), "status"])


def test_an_smtp_outage_makes_status_unhealthy_then_mail_is_failed_and_resent(tmp_path):
    port = free_port()
    path = email_config(tmp_path, port, extra="")
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n[delivery]\npending_alarm_minutes = 20\ngive_up_hours = 2\n")
    config = load_config(path)
    archive = Archive(config.storage.path)
    clock = FixedClock(datetime.now(timezone.utc) - timedelta(hours=3))
    alert = add_alert(archive, 40020, "Атака отражена")
    outbox = Outbox(archive, config, clock=clock)
    assert outbox.deliver_due().retried == 1  # the server is down: retried later
    result = status(path)
    assert result.exit_code == 1
    assert "1 alert mails waiting, the oldest for 180 min (more than 20)" in result.output
    assert "cannot reach" in result.output

    clock.advance(hours=3)  # past give_up_hours
    report = outbox.deliver_due()
    assert report.failed == 1
    row = next(archive.db.query("SELECT status, last_error FROM deliveries WHERE alert_id = ?", [alert]))
    assert row["status"] == "failed" and row["last_error"].startswith("not delivered within 2 h (last error:")
    result = status(path)
    assert result.exit_code == 1 and "1 alert mails failed" in result.output

    assert outbox.resend(alert) == 1
    server = SmtpServer(port=port).start()
    try:
        assert outbox.deliver_due().sent == 1  # queued again now: not given up at once
        assert len(server.wait_for(1)) == 1
    finally:
        server.stop()
    assert status(path).exit_code == 0


def test_a_mail_being_retried_is_a_problem_even_before_the_alarm_age(tmp_path):
    path = email_config(tmp_path, free_port())
    config = load_config(path)
    archive = Archive(config.storage.path)
    add_alert(archive, 40021, "Атака отражена")
    Outbox(archive, config, clock=FixedClock(datetime.now(timezone.utc))).deliver_due()
    result = status(path)
    assert result.exit_code == 1 and "1 alert mails failing, retried" in result.output


def test_status_lists_telegram_channels_with_membership_and_failures(tmp_path):
    from monitor.pipeline import Pipeline
    from monitor.sources.telegram import TelegramSource

    path = write_config(tmp_path, '[telegram]\nchannels = ["mod_russia", "secret_one"]\npoll_seconds = 120\n')
    config = load_config(path)
    network = FakeTelegram()
    network.add_channel(channel(MOD.id, MOD.title, MOD.username, member=False))
    from telethon import errors

    network.errors["secret_one"] = errors.ChannelPrivateError(request=None)
    network.publish(message(MOD.id, 5, "Сводка", datetime.now(timezone.utc) - timedelta(minutes=3)), live=False)
    archive = Archive(config.storage.path)
    source = TelegramSource(config.telegram.channels, archive, Pipeline(archive, config), network)

    async def read():
        await source.resolve()
        await source.catch_up()

    asyncio.run(read())
    archive.close()
    result = CliRunner().invoke(main, ["--config", str(path), "status", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output.splitlines()[0])
    telegram = {s["channel"]: s for s in report["sources"] if s["source"] == "telegram"}
    assert telegram["mod_russia"]["membership"] == "not a member: live updates off, polled every 120 s"
    assert telegram["mod_russia"]["healthy"] and 150 <= telegram["mod_russia"]["lag_seconds"] < 3600
    assert telegram["mod_russia"]["complete_to"] == 5
    assert not telegram["secret_one"]["healthy"] and "is private" in telegram["secret_one"]["last_error"]
    assert any(p.startswith("telegram:secret_one:") for p in report["problems"])
    table = status(path).output
    assert "mod_russia" in table and "not a member" in table and "sources: none configured" not in table


def test_run_once_exits_non_zero_when_a_source_fails_and_says_it_once(tmp_path):
    path = write_config(tmp_path, f'[[feed]]\nname = "down"\nurl = "http://127.0.0.1:{free_port()}/rss"\n')
    result = run_cli("run", "--once", config=path)
    assert result.returncode == 1
    assert "1 errors" in result.stdout
    assert result.stderr.count("feed:down") == 1, result.stderr


def test_run_once_exits_non_zero_when_a_mail_is_not_delivered(tmp_path):
    path = email_config(tmp_path, free_port())
    with Archive(load_config(path).storage.path) as archive:
        add_alert(archive, 40022, "Атака отражена")
    result = run_cli("run", "--once", config=path)
    assert result.returncode == 1 and "1 not delivered" in result.stdout, result.stdout + result.stderr


def test_metrics_are_served_over_http_while_the_daemon_runs(tmp_path):
    from monitor.daemon import Daemon

    port = free_port()
    path = write_config(tmp_path, f'[telegram]\nchannels = ["mod_russia"]\n\n[metrics]\nlisten = "127.0.0.1:{port}"\n')
    network = FakeTelegram()
    network.add_channel(channel(MOD.id, MOD.title, MOD.username))
    network.publish(message(MOD.id, 1, "Сводка 1", T0), live=False)
    daemon = Daemon(path, telegram_client=network)

    async def scenario():
        run = asyncio.create_task(daemon.run())
        await daemon.ready.wait()
        while daemon._work:
            await asyncio.sleep(0.02)
        network.publish(message(MOD.id, 2, "Сводка 2", T0))
        await network.settle()
        body = await asyncio.to_thread(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode())
        os.kill(os.getpid(), signal.SIGTERM)
        await run
        return body

    body = asyncio.run(scenario())
    assert 'monitor_posts{source="telegram"} 2.0' in body
    assert 'monitor_telegram_posts_total{via="live"} 1.0' in body
    assert 'monitor_telegram_posts_total{via="history"} 1.0' in body
    assert 'monitor_source_lag_seconds{channel="mod_russia",source="telegram"}' in body
    assert 'monitor_mails{state="failed"} 0.0' in body and "monitor_errors_total 0.0" in body
    assert "monitor_healthy 1.0" in body and "monitor_alerts_decided 0.0" in body


def test_metrics_are_off_by_default(tmp_path):
    assert load_config(write_config(tmp_path, "")).metrics.listen == ""
