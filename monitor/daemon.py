"""``monitor run``: every source, the scheduler and the alert worker on one asyncio loop.

- Polling sources (feeds, the t.me/s web preview) are coroutines on the loop, scheduled by an
  APScheduler ``AsyncIOScheduler`` (interval plus jitter, ``max_instances=1``, coalescing). They
  hand posts to the one pipeline (language, archive, matching, stories, alerts, translation).
- Mail goes out from one worker thread with its own archive connection (SQLite connections
  belong to their thread; SMTP must not block the loop). It runs every few seconds and at once
  after a batch that decided alerts.
- systemd: READY=1 once the archive is open and the sources are scheduled, STATUS= lines, WATCHDOG=1
  pings, RELOADING=1 on SIGHUP, STOPPING=1 on SIGTERM.
- SIGTERM / SIGINT: no new work; the running poll and delivery finish (up to ``STOP_SECONDS``);
  one summary line; exit 0. SIGHUP: monitor.toml is read again; a file with errors is logged and
  the running configuration stays.

Crash safety comes from the storage: a batch of posts and its alert decisions commit together;
a mail is claimed, sent, then marked sent, and a crash between sending and marking is resolved by
the transports' exactly-once keys (see ``monitor.mail``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from monitor.config import Config, ConfigError, load_config
from monitor.storage import Archive

from .clock import system_clock
from .pipeline import Pipeline
from .systemd import Notifier, watchdog_interval

log = logging.getLogger(__name__)

STOP_SECONDS = 20
DELIVERY_SECONDS = 5


class SwallowedErrors(logging.Handler):
    """Counts the errors libraries log and carry on from (APScheduler job errors, Telethon handlers)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@dataclass
class RunSummary:
    polls: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    alerts: int = 0
    mails_sent: int = 0
    errors: int = 0
    sources: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        return (f"monitor stopped: {self.polls} polls, {self.posts_new} new and {self.posts_updated} edited posts,"
                f" {self.alerts} alerts decided, {self.mails_sent} mails sent, {self.errors} errors")


async def watch_reconnects(client: Any, catch_up: Callable[[], Any], *, every: float = 5.0) -> None:
    """Catch up on history after every reconnect: updates missed while disconnected are in the history."""
    was_connected = client.is_connected()
    while True:
        await asyncio.sleep(every)
        connected = client.is_connected()
        if connected and not was_connected:
            log.warning("telegram: reconnected; reading the history missed meanwhile")
            await catch_up()
        was_connected = connected


class MailWorker:
    """Delivers due alert mails from one thread with its own archive connection."""

    def __init__(self, config_ref: Callable[[], Config], clock: Callable[[], datetime]):
        self._config = config_ref
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.errors = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="monitor-mail", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_once(self) -> int:
        from .mail.outbox import outbox_for

        config = self._config()
        with Archive(config.storage.path, clock=self.clock) as archive:
            outbox = outbox_for(archive, config, clock=self.clock)
            report = outbox.deliver_due(should_stop=self._stop.is_set)
        self.sent += report.sent
        return report.sent

    def _run(self) -> None:
        from .mail.outbox import outbox_for

        config = self._config()
        with Archive(config.storage.path, clock=self.clock) as archive:
            outbox_for(archive, config, clock=self.clock).recover()
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - the worker must outlive one bad round
                self.errors += 1
                log.exception("alert delivery round failed; retrying in %d s", DELIVERY_SECONDS)
            self._wake.wait(DELIVERY_SECONDS)
            self._wake.clear()


class Daemon:
    def __init__(self, config_path: Path, *, clock: Callable[[], datetime] = system_clock,
                 notifier: Notifier | None = None):
        self.config_path = Path(config_path)
        self.config = load_config(self.config_path)
        self.clock = clock
        self.notifier = notifier or Notifier()
        self.summary = RunSummary()
        self.archive: Archive | None = None
        self.pipeline: Pipeline | None = None
        self.sources: dict[str, Any] = {}
        self.stopped: dict[str, str] = {}  # sources given up on (permanent errors), with why
        self.mail = MailWorker(lambda: self.config, clock)
        self.swallowed = SwallowedErrors()
        self._client = None

    # -- set-up ----------------------------------------------------------------------------
    def _open(self) -> None:
        self.archive = Archive(self.config.storage.path, clock=self.clock)
        self.pipeline = Pipeline(self.archive, self.config, clock=self.clock)
        self._note_changed_watchlists()

    def _build_sources(self) -> dict[str, Any]:
        sources: dict[str, Any] = {}
        if self.config.feeds:
            from .sources.feeds import FeedSource
        for feed in self.config.feeds:
            sources[f"feed:{feed.name}"] = (
                FeedSource(feed.name, feed.url, self.archive, self.pipeline, self._client, self.clock),
                float(feed.interval_seconds),
            )
        preview = self.config.webpreview
        if preview is not None:
            from .sources.webpreview import WebPreviewSource

            for channel in preview.channels:
                name = channel.rsplit("/", 1)[-1].lstrip("@")
                sources[f"webpreview:{name}"] = (
                    WebPreviewSource(name, self.archive, self.pipeline, self._client, base_url=preview.base_url,
                                     clock=self.clock),
                    float(preview.interval_seconds),
                )
        return sources

    async def poll(self, key: str) -> int:
        """Poll one source once; errors are logged and recorded, never raised."""
        from .sources.health import PermanentSourceError, TransientSourceError

        source = self.sources.get(key, (None,))[0]
        if source is None or key in self.stopped:
            return 0
        before = self._alert_count()
        try:
            new = await source.poll()
        except PermanentSourceError as exc:
            self.stopped[key] = str(exc)
            self.summary.errors += 1
            log.error("%s: %s; not polled again until the configuration is reloaded", key, exc)
            return 0
        except TransientSourceError as exc:
            self.summary.errors += 1
            log.warning("%s: %s", key, exc)
            if getattr(exc, "retry_after", None) and self.scheduler is not None:
                job = self.scheduler.get_job(key)
                if job is not None:
                    job.modify(next_run_time=datetime.now(timezone.utc) + timedelta(seconds=float(exc.retry_after)))
            return 0
        except Exception:  # noqa: BLE001 - one source's bug must not stop the others
            self.summary.errors += 1
            log.exception("%s: poll failed", key)
            return 0
        self.summary.polls += 1
        self.summary.posts_new += new or 0
        decided = self._alert_count() - before
        if decided:
            self.summary.alerts += decided
            self.mail.wake()
        return new or 0

    def _alert_count(self) -> int:
        return self.archive.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]

    def _status(self) -> str:
        posts = self.archive.conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        pending = self.archive.conn.execute(
            "SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending')").fetchone()[0]
        return (f"{len(self.sources) - len(self.stopped)} sources, {posts} posts, {self.summary.alerts} alerts"
                f" decided, {pending} mails queued")

    # -- Telegram (Telethon) -------------------------------------------------------------------
    telegram = None
    telegram_client = None
    exit_code = 0
    _stopping_telegram = False

    async def _start_telegram(self) -> None:
        """Connect the user session; without an authorised session, stop with how to log in."""
        if self.config.telegram is None or not self.config.telegram.channels:
            return
        from .sources.telegram import TelegramSetupError, TelegramSource, make_client

        session = Path(self.config.telegram.session)
        if not session.exists() and not Path(str(session) + ".session").exists():
            raise TelegramSetupError(f"no Telegram session at {session}: run 'monitor telegram login' once first")
        self.telegram_client = make_client(self.config)
        await self.telegram_client.connect()
        if not await self.telegram_client.is_user_authorized():
            await self.telegram_client.disconnect()
            raise TelegramSetupError(f"the Telegram session {session} is not logged in: run 'monitor telegram login'")
        self.telegram = TelegramSource(self.config.telegram.channels, self.archive, self.pipeline, self.telegram_client)
        resolved = await self.telegram.resolve()
        self.telegram.register()
        log.warning("telegram: following %d of %d channels", len(resolved), len(self.config.telegram.channels))

    async def _telegram_catch_up(self) -> None:
        try:
            new = await self.telegram.catch_up()
            self.summary.posts_new += new
            if new:
                self.mail.wake()
        except Exception:  # noqa: BLE001
            self.summary.errors += 1
            log.exception("telegram: catch-up failed")

    def _telegram_lost(self, stop: asyncio.Event) -> None:
        if self._stopping_telegram:
            return
        log.error("telegram: the connection is lost and reconnecting failed; stopping so the service restarts")
        self.exit_code = 1
        stop.set()

    async def _stop_telegram(self) -> None:
        if self.telegram_client is not None:
            self._stopping_telegram = True
            await self.telegram_client.disconnect()

    # -- scheduling -----------------------------------------------------------------------------
    scheduler = None

    def _schedule(self) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        for key, (_, interval) in self.sources.items():
            self.scheduler.add_job(
                self.poll, IntervalTrigger(seconds=interval, jitter=max(1, int(interval * 0.1))), args=[key], id=key,
                name=f"poll {key}", max_instances=1, coalesce=True, misfire_grace_time=int(interval),
                replace_existing=True, next_run_time=datetime.now(timezone.utc) + timedelta(seconds=random.random()),
            )
        if self.telegram is not None:
            self.scheduler.add_job(self._telegram_catch_up, IntervalTrigger(seconds=self.config.telegram.poll_seconds,
                                                                            jitter=10),
                                   id="telegram-catch-up", name="telegram history safety poll", max_instances=1,
                                   coalesce=True, replace_existing=True)
        if self.config.translation.backend != "none":
            self.scheduler.add_job(self._translate, IntervalTrigger(seconds=60), id="translation",
                                   name="translation backlog", max_instances=1, coalesce=True, replace_existing=True)
        from .mail.jobs import digest_triggers

        for mode, triggers in digest_triggers(self.config).items():
            for n, trigger in enumerate(triggers):
                self.scheduler.add_job(self._digest, trigger, args=[mode], id=f"digest-{mode}-{n}",
                                       name=f"{mode} digest", max_instances=1, coalesce=True,
                                       misfire_grace_time=3600, replace_existing=True)

    def _translate(self) -> None:
        from .translation import Translator

        with Archive(self.config.storage.path, clock=self.clock) as archive:
            Translator(archive, self.config, clock=self.clock).drain(limit=200)

    def _digest(self, mode: str) -> None:
        from .mail.outbox import outbox_for

        with Archive(self.config.storage.path, clock=self.clock) as archive:
            report = outbox_for(archive, self.config, clock=self.clock).run_digest(mode)
        self.summary.mails_sent += report.sent

    def _note_changed_watchlists(self) -> None:
        """Say when stored posts were matched with an older definition of a watchlist."""
        from .rematch import changed_watchlists, unmatched_warning

        changed = changed_watchlists(self.archive, self.config, clock=self.clock)
        if changed:
            log.warning("%s", unmatched_warning(changed))

    # -- signals ----------------------------------------------------------------------------------
    def reload(self) -> bool:
        """Read monitor.toml again; keep the running configuration if the new file has errors."""
        self.notifier.reloading()
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            log.error("reload refused, the running configuration stays: %s", exc)
            self.notifier.ready(f"reload refused: {len(exc.errors)} errors in {self.config_path}")
            return False
        if config.storage.path != self.config.storage.path:
            log.error("reload: storage.path cannot change while running (%s); restart to move the archive",
                      config.storage.path)
            self.notifier.ready("reload refused: storage.path changed")
            return False
        self.config = config
        self.pipeline = Pipeline(self.archive, config, clock=self.clock)
        for key in list(self.sources):
            if self.scheduler.get_job(key):
                self.scheduler.remove_job(key)
        self.stopped.clear()
        self.sources = self._build_sources()
        self._schedule()
        log.warning("configuration reloaded from %s: %d sources, %d watchlists", self.config_path,
                    len(self.sources), len(config.watchlists))
        self._note_changed_watchlists()
        self.notifier.ready(self._status())
        return True

    # -- running ----------------------------------------------------------------------------------
    async def run(self, *, once: bool = False) -> RunSummary:
        import httpx
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        logging.getLogger("apscheduler").addHandler(self.swallowed)
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        self._open()
        async with httpx.AsyncClient(timeout=httpx.Timeout(20.0), follow_redirects=True,
                                     headers={"User-Agent": "monitor/0.1 (news desk monitoring)"}) as client:
            self._client = client
            self.sources = self._build_sources()
            await self._start_telegram()
            if once:
                if self.telegram is not None:
                    self.summary.posts_new += await self.telegram.catch_up()
                for key in list(self.sources):
                    await self.poll(key)
                if self.config.translation.backend != "none":
                    await asyncio.to_thread(self._translate)
                self.summary.mails_sent += await asyncio.to_thread(self.mail.run_once)
                await self._stop_telegram()
                self.archive.close()
                return self.summary
            self.scheduler = AsyncIOScheduler(event_loop=loop, timezone=timezone.utc)
            self._schedule()
            self.scheduler.start()
            self.mail.start()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            loop.add_signal_handler(signal.SIGHUP, self.reload)
            if self.telegram is not None:
                self._catch_up_task = asyncio.create_task(self._telegram_catch_up())
                self._watch_task = asyncio.create_task(watch_reconnects(self.telegram_client, self._telegram_catch_up))
                lost = asyncio.ensure_future(self.telegram_client.disconnected)
                lost.add_done_callback(lambda _: self._telegram_lost(stop))
            self.notifier.ready(self._status())
            log.warning("monitor running: %s", self._status())
            interval = watchdog_interval()
            last_status = 0.0
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), timeout=min(interval or 10.0, 10.0))
                except asyncio.TimeoutError:
                    pass
                if interval:
                    self.notifier.watchdog()
                if time.monotonic() - last_status > 30:
                    self.notifier.status(self._status())
                    last_status = time.monotonic()
            self.notifier.stopping()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            self.scheduler.shutdown(wait=False)
            running = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if running:
                await asyncio.wait(running, timeout=STOP_SECONDS)
            await asyncio.to_thread(self.mail.stop, STOP_SECONDS)
            await self._stop_telegram()
        self.summary.mails_sent += self.mail.sent
        self.summary.errors += self.mail.errors + self.swallowed.count
        if self.telegram is not None:
            self.summary.errors += self.telegram.handler_errors
        self.archive.close()
        log.warning("%s", self.summary.line())
        return self.summary
