"""monitor run (the daemon) and monitor status (its health, read from the archive)."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime, timezone

import click

from monitor.storage import parse_iso

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
    from ..sources.telegram import TelegramSetupError

    from ..daemon_lock import ArchiveLocked

    try:
        summary = asyncio.run(daemon.run(once=once))
    except (TelegramSetupError, ArchiveLocked) as exc:
        raise click.ClickException(str(exc)) from None
    if once:
        click.echo(f"{summary.polls} polls, {summary.posts_new} new posts, {summary.alerts} alerts,"
                   f" {summary.mails_sent} mails sent, {summary.errors} errors")
        if daemon.stopped:
            for key, why in daemon.stopped.items():
                click.echo(f"{key}: {why}", err=True)
    if daemon.exit_code:
        raise SystemExit(daemon.exit_code)


def _table_exists(conn, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def status_report(archive, config, now: datetime) -> dict:
    from monitor.storage.alerts import outbox_counts

    conn = archive.conn
    sources = []
    health = {}
    if _table_exists(conn, "source_health"):
        cursor = conn.execute("SELECT * FROM source_health")
        for values in cursor.fetchall():
            row = dict(zip([d[0] for d in cursor.description], values))
            health[(row["source"], row["channel"])] = row
    configured = [("feed", f.name) for f in config.feeds]
    if config.webpreview is not None:
        configured += [("webpreview", c.rsplit("/", 1)[-1].lstrip("@").lower()) for c in config.webpreview.channels]
    from ..sources.health import archive_problems

    problems = archive_problems(archive.path)
    for source, channel in configured:
        last = conn.execute("SELECT max(date), max(ingested_at) FROM posts WHERE source = ? AND channel = ?",
                            (source, channel)).fetchone()
        h = health.get((source, channel), {})
        lag = None
        if last[0]:
            lag = int((now - parse_iso(last[0])).total_seconds())
        failing = bool(h.get("last_error_at") and (not h.get("last_success") or h["last_error_at"] > h["last_success"]))
        if failing:
            problems.append(f"{source}:{channel}: {h.get('last_error')}")
        sources.append({"source": source, "channel": channel, "last_post": last[0], "last_ingested": last[1],
                        "lag_seconds": lag, "last_success": h.get("last_success"), "last_error": h.get("last_error"),
                        "last_error_at": h.get("last_error_at"), "posts_today": h.get("posts_today") or 0,
                        "healthy": not failing})
    outbox = outbox_counts(archive.db)
    if outbox.get("failed"):
        problems.append(f"{outbox['failed']} alert mails failed (monitor alerts --status failed)")
    backlog = 0
    translation_error = None
    if config.translation.backend != "none":
        from ..translation.service import backlog as translation_backlog

        backlog = translation_backlog(archive)
        if _table_exists(conn, "translation_state"):
            state = conn.execute("SELECT backend, last_error, last_error_at, last_success_at FROM translation_state"
                                 " ORDER BY coalesce(last_error_at, '') DESC LIMIT 1").fetchone()
            if state and state[1] and (not state[3] or state[2] > state[3]):
                translation_error = f"{state[0]}: {state[1]}"
                if backlog:
                    problems.append(f"translation: {translation_error} ({backlog} posts waiting)")
    path = archive.path
    size = sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))
    return {"healthy": not problems, "problems": problems, "sources": sources, "outbox": outbox,
            "translation_backlog": backlog, "translation_error": translation_error, "archive": str(path), "archive_bytes": size,
            "posts": conn.execute("SELECT count(*) FROM posts").fetchone()[0], "checked_at": now.isoformat()}


@main.command()
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
@click.pass_obj
def status(app, as_json: bool) -> None:
    """Health of a running (or stopped) monitor, read from the archive.

    Per source: last post, last success and error, lag. The alert outbox (queued,
    failed), the translation backlog and the archive's size. Exits 1 when something is
    unhealthy (a failing source, failed mails), for monitoring systems.
    """
    archive = app.archive(readonly=True)
    report = status_report(archive, app.config, datetime.now(timezone.utc))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        click.echo(f"archive: {report['archive']} ({report['archive_bytes'] / 1e6:.1f} MB, {report['posts']} posts)")
        click.echo("outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(report["outbox"].items())) or "empty"))
        click.echo(f"translation backlog: {report['translation_backlog']}"
                   + (f" (last error: {report['translation_error']})" if report["translation_error"] else ""))
        if report["sources"]:
            emit(report["sources"], ["source", "channel", "last_post", "lag_seconds", "last_success", "last_error",
                                     "posts_today"], "table")
        else:
            click.echo("sources: none configured")
        for problem in report["problems"]:
            click.echo(f"unhealthy: {problem}", err=True)
    if not report["healthy"]:
        raise SystemExit(1)
