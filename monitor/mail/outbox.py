"""The alert outbox: from a decided alert to a delivered mail, surviving crashes.

States of a delivery (one per alert and recipient):

    pending --claim--> sending --accepted--> sent
       ^                  |--4xx, network--> pending (retry later, backoff)
       |                  '--5xx-----------> failed (the server's answer kept)
    digest --digest built--> in_digest --digest accepted--> sent

A decided alert is in the ``alerts`` table from the decision's own transaction
on. ``expand()`` turns it into deliveries, ``deliver_due()`` sends what is due;
each step commits before the next begins, so a crash at any moment leaves a
state ``recover()`` resumes from. See the README for the exact guarantee.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from monitor.config import Config
from monitor.storage import Archive, iso

from ..clock import system_clock
from ..matching.labels import PlaceLabels, labels_for
from .compose import compose, compose_digest, load_alert
from .owner import current_owner, owner_alive
from .transport import PermanentError, TransientError, Transport, transport_for

log = logging.getLogger(__name__)

BACKOFF_FIRST = 30.0  # seconds before the first retry
BACKOFF_MAX = 3600.0  # retries never wait longer than this
MAILDIR_SENDER = "monitor@localhost"  # From: of Maildir mails; stable, since Message-IDs (and file names) use its domain
LEASE_SECONDS = 600.0  # a claim by a process on another host is taken back after this long


@dataclass
class MailSettings:
    sender: str
    timezone: str
    rate_limit: int
    rate_window: timedelta
    board_url: str = ""

    @classmethod
    def from_config(cls, config: Config) -> MailSettings:
        email = config.email
        board_url = config.serve.url
        if email is not None:
            return cls(email.sender, email.timezone, email.rate_limit, timedelta(minutes=email.rate_window_minutes),
                       board_url)
        from monitor.config import Email

        return cls(MAILDIR_SENDER, Email.timezone, Email.rate_limit, timedelta(minutes=Email.rate_window_minutes),
                   board_url)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    digests: int = 0


def backoff(attempts: int) -> float:
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


class Outbox:
    def __init__(self, archive: Archive, config: Config, *, transport: Transport | None = None,
                 clock: Callable[[], datetime] = system_clock,
                 before_compose: Callable[[int], object] | None = None):
        self.archive = archive
        self.config = config
        self.transport = transport or transport_for(config)
        self.clock = clock
        self.settings = MailSettings.from_config(config)
        self.before_compose = before_compose
        self._labels: PlaceLabels | None = None

    @property
    def labels(self) -> PlaceLabels:
        """Names of regions and places for the mails (the gazetteer beside the archive included)."""
        if self._labels is None:
            self._labels = labels_for(self.config.storage.path)
        return self._labels

    @property
    def db(self):
        return self.archive.db

    # -- crash recovery -------------------------------------------------------
    def recover(self) -> int:
        """Return to the queue the mails whose sender is gone (killed mid-send, or a claim from another
        host past its lease); a mail another live process is sending is left alone. Safe at any time."""
        now = self.clock()
        n = 0
        with self.archive.transaction() as conn:
            for table in ("deliveries", "digests"):
                rows = conn.execute(f"SELECT id, owner, lease_until FROM {table} WHERE status = 'sending'").fetchall()
                for row_id, owner, lease_until in rows:
                    alive = owner_alive(owner)
                    if alive is None:
                        alive = bool(lease_until) and lease_until > iso(now)
                    if not alive:
                        n += conn.execute(f"UPDATE {table} SET status = 'pending', owner = NULL, lease_until = NULL"
                                          " WHERE id = ? AND status = 'sending'", (row_id,)).rowcount
        if n:
            log.warning("%d mail(s) were being sent by a process that stopped; they are queued again", n)
        return n

    # -- alerts -> deliveries ------------------------------------------------------
    def expand(self) -> int:
        """Create the deliveries of alerts that have none yet."""
        now = self.clock()
        created = 0
        rows = list(self.db.query(
            "SELECT id, watchlist FROM alerts WHERE status = 'pending'"
            " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = alerts.id) ORDER BY id"
        ))
        for row in rows:
            watchlist = self.config.watchlist(row["watchlist"])
            with self.archive.transaction() as conn:
                if watchlist is None or not watchlist.recipients:
                    why = "watchlist is no longer configured" if watchlist is None else "watchlist has no recipients"
                    conn.execute("UPDATE alerts SET status = 'failed', settled_at = ? WHERE id = ?", (iso(now), row["id"]))
                    log.warning("alert %s (%s) not mailed: %s", row["id"], row["watchlist"], why)
                    continue
                for recipient in watchlist.recipients:
                    mode, status = watchlist.delivery, "pending"
                    if mode != "instant":
                        status = "digest"
                    elif self._over_rate(conn, recipient, now):
                        mode, status = "hourly", "digest"
                        log.info("rate limit for %s reached: alert %s goes into the next digest", recipient, row["id"])
                    cursor = conn.execute(
                        "INSERT OR IGNORE INTO deliveries (alert_id, recipient, mode, status, created_at)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (row["id"], recipient, mode, status, iso(now)),
                    )
                    created += cursor.rowcount
        return created

    def _over_rate(self, conn, recipient: str, now: datetime) -> bool:
        since = iso(now - self.settings.rate_window)
        limit = self.settings.rate_limit
        (count,) = conn.execute(  # counts at most `limit` rows, through (recipient, created_at)
            "SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE recipient = ? AND created_at > ? AND mode = 'instant'"
            " LIMIT ?) AS recent",
            (recipient, since, limit),
        ).fetchone()
        return count >= self.settings.rate_limit

    # -- sending ---------------------------------------------------------------------
    def deliver_due(self, *, limit: int | None = None, should_stop: Callable[[], bool] | None = None) -> DeliveryReport:
        """Send every delivery and digest that is due. Returns what happened."""
        report = DeliveryReport()
        self.recover()
        self.expand()
        report.failed += self.give_up()
        now_text = iso(self.clock())
        due = [r["id"] for r in self.db.query(
            "SELECT id FROM deliveries WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
            " ORDER BY id", [now_text]
        )]
        for delivery_id in due[:limit] if limit else due:
            if should_stop and should_stop():
                break
            self._deliver(delivery_id, report)
        for digest_id in [r["id"] for r in self.db.query(
            "SELECT id FROM digests WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
            " ORDER BY id", [now_text]
        )]:
            if should_stop and should_stop():
                break
            self._deliver_digest(digest_id, report)
        self.transport.close()
        return report

    def give_up(self) -> int:
        """Mark failed the mails still not delivered ``[delivery] give_up_hours`` after they were queued
        (each keeps its last error); ``monitor alerts resend`` queues them again. Returns how many."""
        hours = self.config.delivery.give_up_hours
        cutoff = iso(self.clock() - timedelta(hours=hours))
        why = f"not delivered within {hours:g} h"
        with self.archive.transaction() as conn:
            alert_ids = [r[0] for r in conn.execute(
                "SELECT DISTINCT alert_id FROM deliveries WHERE status = 'pending' AND created_at < ?", (cutoff,))]
            n = 0
            for table in ("deliveries", "digests"):
                n += conn.execute(
                    f"UPDATE {table} SET status = 'failed', last_error = ? || coalesce(' (last error: ' || last_error"
                    " || ')', '') WHERE status = 'pending' AND created_at < ?", (why, cutoff)).rowcount
        for alert_id in alert_ids:
            self._settle(alert_id)
        if n:
            log.error("%d alert mail(s) %s: marked failed; 'monitor alerts resend ID' sends one again", n, why)
        return n

    def _claim(self, table: str, row_id: int) -> bool:
        """Take a due mail for this process, until the lease ends; False when another took it first."""
        lease = iso(self.clock() + timedelta(seconds=LEASE_SECONDS))
        # on PostgreSQL, a row another node is claiming right now is skipped, not waited for
        pick = (f"(SELECT id FROM {table} WHERE id = ? AND status = 'pending' FOR UPDATE SKIP LOCKED)"
                if self.archive.dialect == "postgresql" else "?")
        with self.archive.transaction() as conn:
            return conn.execute(
                f"UPDATE {table} SET status = 'sending', attempts = attempts + 1, owner = ?, lease_until = ?"
                f" WHERE id = {pick} AND status = 'pending'",
                (current_owner(), lease, row_id),
            ).rowcount == 1

    def _deliver(self, delivery_id: int, report: DeliveryReport) -> None:
        row = next(iter(self.db.query("SELECT * FROM deliveries WHERE id = ?", [delivery_id])), None)
        if row is None:
            return
        if self.before_compose is not None:
            alert = next(iter(self.db.query("SELECT post_id FROM alerts WHERE id = ?", [row["alert_id"]])), None)
            if alert:
                try:
                    self.before_compose(alert["post_id"])
                except Exception:  # a translation problem never blocks a mail
                    log.exception("preparing alert %s failed; mailing it as it is", row["alert_id"])
        try:
            view = load_alert(self.db, row["alert_id"], self.labels)
            if view is None:
                return
            message = compose(view, recipient=row["recipient"], sender=self.settings.sender,
                              timezone=self.settings.timezone, now=self.clock(), board_url=self.settings.board_url)
        except Exception as exc:  # one mail that cannot be composed never holds back the others
            self._unsendable("deliveries", row, exc, report)
            self._settle(row["alert_id"])
            return
        if row["generation"]:
            message["X-Monitor-Copy"] = str(row["generation"])
        if not self._claim("deliveries", delivery_id):
            return
        self._send("deliveries", row, message, report)
        self._settle(row["alert_id"])

    def _unsendable(self, table: str, row: dict[str, Any], exc: Exception, report: DeliveryReport) -> None:
        error = f"cannot compose the mail: {exc.__class__.__name__}: {exc}"
        with self.archive.transaction() as conn:
            conn.execute(f"UPDATE {table} SET status = 'failed', last_error = ? WHERE id = ? AND status = 'pending'",
                         (error, row["id"]))
        log.error("%s row %s (to %s) failed for good: %s", table, row["id"], row["recipient"], error)
        report.failed += 1

    def _send(self, table: str, row: dict[str, Any], message: EmailMessage, report: DeliveryReport) -> bool:
        recipient = row["recipient"]
        attempts = row["attempts"] + 1
        try:
            self.transport.send(message, recipient)
        except PermanentError as exc:
            with self.archive.transaction() as conn:
                conn.execute(f"UPDATE {table} SET status = 'failed', last_error = ?, owner = NULL, lease_until = NULL"
                             " WHERE id = ?", (str(exc), row["id"]))
            log.error("mail %s to %s failed for good: %s", message["Message-ID"], recipient, exc)
            report.failed += 1
            return False
        except TransientError as exc:
            wait = backoff(attempts)
            retry_at = iso(self.clock() + timedelta(seconds=wait))
            with self.archive.transaction() as conn:
                conn.execute(
                    f"UPDATE {table} SET status = 'pending', last_error = ?, next_attempt_at = ?, owner = NULL,"
                    " lease_until = NULL WHERE id = ?",
                    (str(exc), retry_at, row["id"]),
                )
            log.warning("mail %s to %s not sent (attempt %d): %s; retry in %.0fs", message["Message-ID"], recipient,
                        attempts, exc, wait)
            report.retried += 1
            return False
        now = iso(self.clock())
        with self.archive.transaction() as conn:
            conn.execute(
                f"UPDATE {table} SET status = 'sent', sent_at = ?, message_id = ?, last_error = NULL, owner = NULL,"
                " lease_until = NULL WHERE id = ?",
                (now, str(message["Message-ID"]), row["id"]),
            )
            if table == "digests":
                conn.execute("UPDATE deliveries SET status = 'sent', sent_at = ? WHERE digest_id = ?", (now, row["id"]))
        log.info("mail %s sent to %s", message["Message-ID"], recipient)
        report.sent += 1
        return True

    def _settle(self, alert_id: int) -> None:
        statuses = [r["status"] for r in self.db.query("SELECT status FROM deliveries WHERE alert_id = ?", [alert_id])]
        if not statuses:
            return
        if all(s == "sent" for s in statuses):
            status = "sent"
        elif any(s == "failed" for s in statuses) and not any(s in ("pending", "sending", "digest", "in_digest") for s in statuses):
            status = "failed"
        else:
            status = "pending"
        with self.archive.transaction() as conn:
            conn.execute(
                "UPDATE alerts SET status = ?, settled_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END WHERE id = ?",
                (status, status, iso(self.clock()), alert_id),
            )

    # -- digests ---------------------------------------------------------------------
    def build_digests(self, mode: str) -> int:
        """Gather the deliveries waiting for a ``mode`` ("hourly" | "daily") digest, one digest per recipient."""
        now = iso(self.clock())
        built = 0
        with self.archive.transaction() as conn:
            recipients = [r[0] for r in conn.execute(
                "SELECT DISTINCT recipient FROM deliveries WHERE status = 'digest' AND mode = ? ORDER BY recipient", (mode,)
            )]
            for recipient in recipients:
                (start,) = conn.execute(
                    "SELECT min(created_at) FROM deliveries WHERE status = 'digest' AND mode = ? AND recipient = ?",
                    (mode, recipient),
                ).fetchone()
                cursor = conn.execute(
                    "INSERT INTO digests (recipient, period_start, period_end, status, created_at) VALUES (?, ?, ?, 'pending', ?)",
                    (recipient, start, now, now),
                )
                conn.execute(
                    "UPDATE deliveries SET status = 'in_digest', digest_id = ? WHERE status = 'digest' AND mode = ? AND recipient = ?",
                    (cursor.lastrowid, mode, recipient),
                )
                built += 1
        return built

    def run_digest(self, mode: str) -> DeliveryReport:
        """Build and send the ``mode`` digests now (the scheduled job)."""
        self.expand()
        self.build_digests(mode)
        return self.deliver_due()

    def _deliver_digest(self, digest_id: int, report: DeliveryReport) -> None:
        row = next(iter(self.db.query("SELECT * FROM digests WHERE id = ?", [digest_id])), None)
        if row is None:
            return
        views = []
        period = f"{(row['period_start'] or '')[:16].replace('T', ' ')} to {(row['period_end'] or '')[:16].replace('T', ' ')} UTC"
        try:
            for d in self.db.query("SELECT alert_id FROM deliveries WHERE digest_id = ? ORDER BY alert_id", [digest_id]):
                view = load_alert(self.db, d["alert_id"], self.labels)
                if view is not None:
                    views.append(view)
            message = compose_digest(views, recipient=row["recipient"], sender=self.settings.sender, digest_id=digest_id,
                                     period=period, timezone=self.settings.timezone, now=self.clock(),
                                     board_url=self.settings.board_url)
        except Exception as exc:  # one digest that cannot be composed never holds back the others
            self._unsendable("digests", row, exc, report)
            return
        if not self._claim("digests", digest_id):
            return
        if self._send("digests", row, message, report):
            report.digests += 1
        for view in views:
            self._settle(view.id)

    # -- operator actions ---------------------------------------------------------------
    def resend(self, alert_id: int) -> int:
        """Queue a fresh copy of an alert for every recipient. Returns how many."""
        with self.archive.transaction() as conn:
            if conn.execute("SELECT 1 FROM alerts WHERE id = ?", (alert_id,)).fetchone() is None:
                raise KeyError(alert_id)
            n = conn.execute(
                "UPDATE deliveries SET status = 'pending', mode = 'instant', next_attempt_at = NULL, last_error = NULL,"
                " generation = generation + 1, digest_id = NULL, created_at = ? WHERE alert_id = ?"
                " AND status IN ('sent', 'failed')",
                (iso(self.clock()), alert_id),
            ).rowcount
            conn.execute("UPDATE alerts SET status = 'pending', settled_at = NULL WHERE id = ?", (alert_id,))
        return n


def outbox_for(archive: Archive, config: Config, *, clock: Callable[[], datetime] = system_clock,
               transport: Transport | None = None) -> Outbox:
    """The outbox as the daemon and the CLI use it: an alert whose post still waits for its
    translation gives the translator up to ``translation.timeout_seconds`` before it is mailed."""
    before = None
    if config.translation.backend != "none":
        from ..translation import Translator

        translator = Translator(archive, config, clock=clock)
        before = translator.translate_post
    return Outbox(archive, config, transport=transport, clock=clock, before_compose=before)
