"""monitor run (the daemon) and monitor status (its health, read from the archive)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import click

from . import main
from .output import emit


@main.command()
@click.option("--once", is_flag=True, help="poll every source once, process, deliver due mail, and exit")
@click.pass_obj
def run(app, once: bool) -> None:
    """Run the daemon: every configured source, the scheduler and the alert worker.

    Runs until SIGTERM or SIGINT; SIGHUP rereads the configuration. Under systemd
    (Type=notify) it reports readiness, status and watchdog pings.

    Example:

        monitor --log-level info run
    """
    from monitor.config import ConfigError

    from ..daemon import Daemon

    try:
        daemon = Daemon(app.config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    from ..daemon_lock import ArchiveLocked
    from ..sources.telegram import TelegramSetupError

    try:
        summary = asyncio.run(daemon.run(once=once))
    except (TelegramSetupError, ArchiveLocked) as exc:
        raise click.ClickException(str(exc)) from None
    if once:  # each error was logged once where it happened; this is the count
        click.echo(f"{summary.sources_text()}: {summary.polls} polls, {summary.posts_new} new posts,"
                   f" {summary.alerts} alerts, {summary.mails_sent} mails sent, {summary.mails_failed} not delivered,"
                   f" {summary.errors} errors")
        if summary.errors or summary.mails_failed:
            raise SystemExit(1)
    if daemon.exit_code:
        raise SystemExit(daemon.exit_code)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
@click.pass_obj
def status(app, as_json: bool) -> None:
    """Health of a running (or stopped) monitor, read from the archive.

    Per configured source (feeds, web preview and Telegram channels): last post, lag,
    last success and error; for Telegram channels also membership, and per Telegram
    account the channels it reads, its flood wait and why it is lost. The alert outbox
    (queued, failed), the translation backlog and the archive's size. Exits 1 when
    something is unhealthy (a failing source, failed mails, mail failing or waiting
    longer than [delivery] pending_alarm_minutes), for monitoring systems.

    Example:

        monitor status --json | jq .problems
    """
    from ..status import status_report

    archive = app.archive(readonly=True)
    report = status_report(archive, app.config, datetime.now(UTC))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        click.echo(f"archive: {report['archive']} ({report['archive_bytes'] / 1e6:.1f} MB, {report['posts']} posts)")
        click.echo("outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(report["outbox"].items())) or "empty"))
        if report["nodes"]:
            emit([{**n, "sources": len(n["sources"])} for n in report["nodes"]],
                 ["name", "host", "pid", "heartbeat_at", "heartbeat_age_seconds", "alive", "sources"], "table")
        click.echo(f"translation backlog: {report['translation_backlog']}"
                   + (f" (last error: {report['translation_error']})" if report["translation_error"] else ""))
        if report["sources"]:
            for entry in report["sources"]:
                entry.setdefault("membership", "")
            emit(report["sources"], ["source", "channel", "last_post", "lag_seconds", "membership", "last_success",
                                     "last_error", "posts_today"], "table")
        else:
            click.echo("sources: none configured")
        accounts = report["telegram_accounts"]
        if len(accounts) > 1 or any(a["lost"] or a["flood_wait_until"] for a in accounts):
            emit(accounts, ["account", "channels", "flood_wait_until", "lost", "lost_since"], "table")
        for problem in report["problems"]:
            click.echo(f"unhealthy: {problem}", err=True)
    if not report["healthy"]:
        raise SystemExit(1)
