"""monitor alerts, monitor email: the outbox seen from the command line."""

from __future__ import annotations

from datetime import datetime, timezone
from email.message import EmailMessage

import click

from monitor.storage.alerts import STATUSES, alerts_since

from . import main
from .output import emit, output_options

COLUMNS = ["id", "decided_at", "watchlist", "kind", "status", "channel_username", "message_id", "deliveries", "reason", "last_error"]


@main.group(invoke_without_command=True)
@click.option("--since", help="only alerts decided at or after this date (YYYY-MM-DD or ISO time, UTC)")
@click.option("--status", type=click.Choice(STATUSES), help="only alerts in this state")
@click.option("--watchlist", help="only this watchlist's alerts")
@click.option("--limit", type=int, default=None, help="at most this many (newest first)")
@output_options
@click.pass_context
def alerts(ctx: click.Context, since: str | None, status: str | None, watchlist: str | None, limit: int | None, fmt: str) -> None:
    """List decided alerts and how their delivery went.

    A failed alert shows the mail server's answer in last_error.

    Example:

        monitor alerts --status failed --json
    """
    if ctx.invoked_subcommand is not None:
        return
    if since:
        try:
            parsed = datetime.fromisoformat(since)
            since = parsed.replace(tzinfo=parsed.tzinfo or timezone.utc).astimezone(timezone.utc).isoformat()
        except ValueError:
            raise click.BadParameter(f"{since!r} is not a date or ISO time (like 2024-08-06 or 2024-08-06T05:00)",
                                     param_hint="--since") from None
    archive = ctx.obj.archive()
    rows = alerts_since(archive.db, since=since, status=status, watchlist=watchlist, limit=limit)
    emit(rows, COLUMNS, fmt, wide=("reason",))


def _outbox(app):
    from ..mail import outbox_for

    return outbox_for(app.archive(), app.config)


@alerts.command()
@click.argument("alert_id", type=int)
@click.pass_obj
def resend(app, alert_id: int) -> None:
    """Queue a new copy of an alert for all its recipients, then deliver it.

    Example:

        monitor alerts resend 42
    """
    outbox = _outbox(app)
    try:
        count = outbox.resend(alert_id)
    except KeyError:
        raise click.ClickException(f"no alert with id {alert_id} (see 'monitor alerts')") from None
    report = outbox.deliver_due()
    click.echo(f"alert {alert_id}: {count} cop{'y' if count == 1 else 'ies'} queued; sent {report.sent}, "
               f"to retry {report.retried}, failed {report.failed}")


@alerts.command()
@click.pass_obj
def deliver(app) -> None:
    """Deliver every alert mail that is due now, then exit.

    Example:

        monitor alerts deliver
    """
    outbox = _outbox(app)
    outbox.recover()
    report = outbox.deliver_due()
    click.echo(f"sent {report.sent}, to retry {report.retried}, failed {report.failed}, digests {report.digests}")
    if report.failed:
        raise SystemExit(1)


@main.group()
def email() -> None:
    """Check the mail settings.

    Example:

        monitor email test --to desk@example.org
    """


@email.command("test")
@click.option("--to", "recipient", help="address to send to (default: every watchlist recipient)")
@click.pass_obj
def email_test(app, recipient: str | None) -> None:
    """Send a test message with the configured settings.

    Exits non-zero, with the server's answer, when it cannot be sent.

    Example:

        monitor email test --to desk@example.org
    """
    from ..mail import MailSettings, PermanentError, TransientError, transport_for

    config = app.config
    settings = MailSettings.from_config(config)
    recipients = [recipient] if recipient else sorted({r for w in config.watchlists for r in w.recipients})
    if not recipients:
        raise click.ClickException("no recipient: pass --to ADDRESS or give a watchlist recipients")
    transport = transport_for(config)
    failed = False
    for address in recipients:
        msg = EmailMessage()
        msg["Subject"] = "[monitor] test message"
        msg["From"] = settings.sender
        msg["To"] = address
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
        msg["Message-ID"] = f"<monitor.test-{stamp}@{settings.sender.rsplit('@', 1)[-1]}>"
        msg.set_content("This is a test message from monitor. If you can read it, alert mail reaches you.\n")
        try:
            transport.send(msg, address)
        except (PermanentError, TransientError) as exc:
            click.echo(f"error: {address}: {exc}", err=True)
            failed = True
        else:
            where = f"{config.email.host}:{config.email.port}" if config.email else f"Maildir {config.maildir}"
            click.echo(f"sent to {address} through {where}")
    transport.close()
    if failed:
        raise SystemExit(1)
