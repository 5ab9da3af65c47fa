"""The monitor's health as ``monitor status`` and the metrics endpoint report it, read from the archive.

Every configured source appears (feeds, web preview channels, Telegram channels), with its newest
post, lag, last success and last error; Telegram channels also with membership and how far their
history is complete. The report is unhealthy when a source is failing, a mail has failed, mail is
failing or has waited longer than ``[delivery] pending_alarm_minutes``, the translator fails
with posts waiting, or the archive cannot take posts (a read-only file system, a nearly full disk).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.config import Config
from monitor.storage import Archive, parse_iso
from monitor.storage.alerts import outbox_counts
from monitor.storage.channels import channel_states
from monitor.storage.status import archive_bytes, has_table, mail_backlog, newest_post, post_count, source_health, translation_error


def _failing(health: dict[str, Any]) -> bool:
    return bool(health.get("last_error_at") and (not health.get("last_success")
                                                 or health["last_error_at"] > health["last_success"]))


def _entry(conn, source: str, channel: str, key: str, health: dict, now: datetime) -> dict[str, Any]:
    last_post, last_ingested = newest_post(conn, source, key)
    posted = parse_iso(last_post)
    lag = int((now - posted).total_seconds()) if posted else None
    return {"source": source, "channel": channel, "last_post": last_post, "last_ingested": last_ingested,
            "lag_seconds": lag, "last_success": health.get("last_success"), "last_error": health.get("last_error"),
            "last_error_at": health.get("last_error_at"), "posts_today": health.get("posts_today") or 0,
            "healthy": not _failing(health)}


def source_report(archive: Archive, config: Config, now: datetime) -> list[dict[str, Any]]:
    """One entry per configured source channel."""
    conn = archive.conn
    health = source_health(conn)
    entries = []
    for feed in config.feeds:
        entries.append(_entry(conn, "feed", feed.name, feed.name, health.get(("feed", feed.name), {}), now))
    if config.webpreview is not None:
        for ref in config.webpreview.channels:
            name = ref.rsplit("/", 1)[-1].lstrip("@").lower()
            entries.append(_entry(conn, "webpreview", name, name, health.get(("webpreview", name), {}), now))
    if config.telegram is not None:
        states = channel_states(conn) if has_table(conn, "telegram_channels") else {}
        from .sources.telegram_accounts import followed_channels

        for ref in followed_channels(config.telegram, config.telegram_accounts):
            state = states.get(ref)
            entry = _entry(conn, "telegram", ref, state.channel if state else "", health.get(("telegram", ref), {}),
                           now)
            if state is None:
                membership = "not resolved yet" if entry["healthy"] else "unavailable"
            elif state.member:
                membership = "member"
            else:
                membership = f"not a member: live updates off, polled every {config.telegram.poll_seconds} s"
            entry.update(membership=membership, complete_to=state.complete_to if state else None,
                         absent=state.absent if state else 0)
            entries.append(entry)
    return entries


def mail_problems(archive: Archive, config: Config, now: datetime) -> list[str]:
    backlog = mail_backlog(archive.conn)
    problems = []
    if backlog.failed:
        problems.append(f"{backlog.failed} alert mails failed (monitor alerts --status failed;"
                        " monitor alerts resend ID)")
    oldest = parse_iso(backlog.oldest)
    if oldest:
        waited = (now - oldest).total_seconds() / 60
        if waited > config.delivery.pending_alarm_minutes:
            problems.append(f"{backlog.waiting} alert mails waiting, the oldest for {waited:.0f} min"
                            f" (more than {config.delivery.pending_alarm_minutes})"
                            + (f"; last error: {backlog.last_error}" if backlog.last_error else ""))
        elif backlog.retrying:
            problems.append(f"{backlog.retrying} alert mails failing, retried: {backlog.last_error}")
    return problems


def nodes_report(archive: Archive, now: datetime) -> list[dict[str, Any]]:
    from .nodes import nodes_report as report

    return report(archive, now)


def archive_size(archive: Archive) -> int:
    """Bytes the archive takes: its SQLite files, or its PostgreSQL database."""
    if archive.path is None:
        return archive.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return archive_bytes(archive.path)


def status_report(archive: Archive, config: Config, now: datetime) -> dict[str, Any]:
    conn = archive.conn
    sources = source_report(archive, config, now)
    from .sources.health import archive_problems

    problems = archive_problems(archive.path) if archive.path is not None else []
    problems += [f"{s['source']}:{s['channel']}: {s['last_error']}" for s in sources if not s["healthy"]]
    problems += mail_problems(archive, config, now)
    from .sources.telegram_accounts import account_problems, account_report

    accounts = account_report(archive, config, now)
    problems += account_problems(accounts, several=bool(config.telegram_accounts))
    backlog = 0
    error = None
    if config.translation.backend != "none":
        from .translation.service import backlog as translation_backlog

        backlog = translation_backlog(archive)
        error = translation_error(conn)
        if error and backlog:
            problems.append(f"translation: {error} ({backlog} posts waiting)")
    return {"healthy": not problems, "problems": problems, "sources": sources, "outbox": outbox_counts(archive.db),
            "telegram_accounts": accounts, "translation_backlog": backlog, "translation_error": error, "archive": archive.name,
            "nodes": nodes_report(archive, now),
            "archive_bytes": archive_size(archive), "posts": post_count(conn), "checked_at": now.isoformat()}
