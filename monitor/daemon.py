"""``monitor run``: every source, the scheduler and the alert worker; the event loop never waits on the archive.

- The main asyncio loop runs Telethon (live updates), the APScheduler ``AsyncIOScheduler``, signals,
  and systemd notifications. It never touches SQLite: an import in another process may hold the
  archive's write lock for a while, and the loop must keep reading updates and feeding the watchdog.
- The archive thread (``ArchiveWorker``) has its own event loop, archive connection and pipeline
  (language, archive, matching, stories, alerts, translation). Polling sources (feeds, the t.me/s
  web preview) run there, and the Telegram source hands it every read and write.
- Mail goes out from one worker thread with its own archive connection (SMTP must not block either).
  It runs every few seconds and at once after a batch that decided alerts.
- systemd: READY=1 once the archive is open and the sources are scheduled, STATUS= lines, WATCHDOG=1
  pings, RELOADING=1 on SIGHUP, STOPPING=1 on SIGTERM.
- SIGTERM / SIGINT: no new work; polls and Telegram history reads in flight end at their next page
  (what they stored is kept), delivery finishes its mail (up to ``STOP_SECONDS``); one summary line;
  exit 0. Idle, it stops at once. SIGHUP: monitor.toml is read again and applied to every source,
  Telegram included (watchlists, the channel list); a file with errors is logged and the running
  configuration stays.

Crash safety comes from the storage: a batch of posts and its alert decisions commit together;
a mail is claimed, sent, then marked sent, and a crash between sending and marking is resolved by
the transports' exactly-once keys (see ``monitor.mail``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import Config, ConfigError, load_config
from monitor.storage import Archive

from .clock import system_clock
from .pipeline import IngestSummary, Pipeline
from .systemd import Notifier, watchdog_interval

log = logging.getLogger(__name__)

STOP_SECONDS = 20
DELIVERY_SECONDS = 5
USER_AGENT = "monitor/0.1 (news desk monitoring)"


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
    mails_failed: int = 0  # deliveries refused or retried
    errors: int = 0
    telegram_channels: int = 0
    telegram_live: int = 0
    telegram_history: int = 0
    sources: dict[str, int] = field(default_factory=dict)  # kind -> how many configured

    def sources_text(self) -> str:
        parts = []
        if self.telegram_channels:
            parts.append(f"telegram {self.telegram_channels} channels ({self.telegram_live} live posts,"
                         f" {self.telegram_history} from history)")
        names = {"feed": "feeds", "webpreview": "web preview channels"}
        parts += [f"{count} {names.get(kind, kind)}" for kind, count in sorted(self.sources.items())]
        return ", ".join(parts) or "no sources"

    def line(self) -> str:
        return (f"monitor stopped: {self.sources_text()}; {self.polls} polls, {self.posts_new} new and"
                f" {self.posts_updated} edited posts, {self.alerts} alerts decided, {self.mails_sent} mails sent,"
                f" {self.errors} errors")


class ArchiveWorker:
    """One thread with its own event loop and archive connection: every archive read and write of the
    daemon happens here, so the main loop never waits on SQLite's lock."""

    def __init__(self, config: Config, clock: Callable[[], datetime], on_alerts: Callable[[], None] = lambda: None):
        self.config = config
        self.clock = clock
        self.on_alerts = on_alerts  # called (on this thread) after a write that decided alerts
        self.archive: Archive  # these three are made on the archive thread, before start() returns
        self.pipeline: Pipeline
        self.http: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = concurrent.futures.Future()  # type: concurrent.futures.Future[None]
        self.new = self.updated = self.alerts = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="monitor-archive", daemon=True)
        self._thread.start()
        self._ready.result()  # re-raises an archive that cannot be opened

    def _main(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._open())
        except BaseException as exc:  # noqa: BLE001 - handed to start()
            self._ready.set_exception(exc)
            self.loop.close()
            return
        self._ready.set_result(None)
        self.loop.run_forever()
        self.loop.run_until_complete(self._close())
        self.loop.close()

    async def _open(self) -> None:
        import httpx

        self.archive = Archive.of(self.config.storage, clock=self.clock)
        self.pipeline = Pipeline(self.archive, self.config, clock=self.clock)
        self.note_changed_watchlists()
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(20.0), follow_redirects=True,
                                      headers={"User-Agent": USER_AGENT})

    async def _close(self) -> None:
        await self.http.aclose()
        self.archive.close()

    def stop(self) -> None:
        if self.loop is not None and self._thread is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()

    # -- from the main loop -------------------------------------------------------------------
    async def run(self, coroutine: Any) -> Any:
        """Run a coroutine on the archive thread's loop; the caller's loop goes on meanwhile."""
        if self.loop is None:
            raise RuntimeError("the archive thread is not running")
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    async def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run a plain function on the archive thread."""
        async def inline() -> Any:
            return function(*args)

        return await self.run(inline())

    # -- on the archive thread ------------------------------------------------------------------
    def ingest(self, posts: list[Any], **options: Any) -> IngestSummary:
        """The pipeline as sources see it: always the newest configuration's."""
        from .storage.status import last_alert_id

        before = last_alert_id(self.archive.conn)
        summary = self.pipeline.ingest(posts, **options)
        self.new += summary.new
        self.updated += summary.updated
        decided = last_alert_id(self.archive.conn) - before
        if decided:
            self.alerts += decided
            self.on_alerts()
        return summary

    def reconfigure(self, config: Config) -> None:
        self.config = config
        self.pipeline = Pipeline(self.archive, config, clock=self.clock)
        self.note_changed_watchlists()

    def note_changed_watchlists(self) -> None:
        """Say when stored posts were matched with an older definition of a watchlist."""
        from .rematch import changed_watchlists, unmatched_warning

        changed = changed_watchlists(self.archive, self.config, clock=self.clock)
        if changed:
            log.warning("%s", unmatched_warning(changed))


class MailWorker:
    """Delivers due alert mails from one thread with its own archive connection."""

    def __init__(self, config_ref: Callable[[], Config], clock: Callable[[], datetime]):
        self._config = config_ref
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed = 0  # deliveries refused, given up, or to be retried
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
        with Archive.of(config.storage, clock=self.clock) as archive:
            outbox = outbox_for(archive, config, clock=self.clock)
            report = outbox.deliver_due(should_stop=self._stop.is_set)
        self.sent += report.sent
        self.failed += report.failed + report.retried
        return report.sent

    def _run(self) -> None:
        from .mail.outbox import outbox_for

        config = self._config()
        try:
            with Archive.of(config.storage, clock=self.clock) as archive:
                outbox_for(archive, config, clock=self.clock).recover()
        except Exception:  # noqa: BLE001 - the rounds below retry
            log.exception("alert delivery: recovering interrupted mails failed")
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
                 notifier: Notifier | None = None, telegram_client: Any = None,
                 telegram_clients: dict[str, Any] | None = None):
        self.config_path = Path(config_path)
        self.config = load_config(self.config_path)
        self.clock = clock
        self.notifier = notifier or Notifier()
        self.summary = RunSummary()
        self._started_at = clock()  # this node's start, in its heartbeats
        self.worker: ArchiveWorker | None = None
        self.sources: dict[str, Any] = {}  # key -> (source, interval); the sources live on the archive thread
        self.stopped: dict[str, str] = {}  # sources given up on (permanent errors), with why
        self.mail = MailWorker(lambda: self.config, clock)
        self.swallowed = SwallowedErrors()
        self.telegram: Any = None
        self.telegram_client = telegram_client
        self.telegram_clients = telegram_clients  # clients by account name (tests); None: connected from the sessions
        self.scheduler: Any = None
        self.metrics: Any = None
        self.exit_code = 0
        self.ready = asyncio.Event()  # set once running (tests wait on it)
        self._stop: asyncio.Event | None = None
        self._stopping_telegram = False
        self._work: set[asyncio.Task] = set()
        self._polls = 0
        self._errors = 0

    def _running_worker(self) -> ArchiveWorker:
        """The archive thread; there is one from the start of ``run`` on."""
        if self.worker is None:
            raise RuntimeError("the daemon is not running")
        return self.worker

    # -- sources ------------------------------------------------------------------------------
    def _build_sources(self) -> dict[str, Any]:
        """The polling sources; called on the archive thread (they use its archive, pipeline and HTTP client)."""
        worker = self._running_worker()
        sources: dict[str, Any] = {}
        if self.config.feeds:
            from .sources.feeds import FeedSource
        for feed in self.config.feeds:
            sources[f"feed:{feed.name}"] = (
                FeedSource(feed.name, feed.url, worker.archive, worker, worker.http, self.clock),
                float(feed.interval_seconds),
            )
        preview = self.config.webpreview
        if preview is not None:
            from .sources.webpreview import WebPreviewSource

            for channel in preview.channels:
                name = channel.rsplit("/", 1)[-1].lstrip("@")
                sources[f"webpreview:{name}"] = (
                    WebPreviewSource(name, worker.archive, worker, worker.http, base_url=preview.base_url,
                                     clock=self.clock),
                    float(preview.interval_seconds),
                )
        return sources

    def _count_sources(self) -> None:
        kinds: dict[str, int] = {}
        for key in self.sources:
            kind = key.split(":", 1)[0]
            kinds[kind] = kinds.get(kind, 0) + 1
        self.summary.sources = kinds
        if self.telegram is not None:
            self.summary.telegram_channels = len(self.telegram.by_id)

    async def poll(self, key: str) -> int:
        """Poll one source once, on the archive thread; errors are logged and recorded, never raised."""
        source = self.sources.get(key, (None,))[0]
        if source is None or key in self.stopped:
            return 0
        task = asyncio.current_task()
        if task is not None:
            self._work.add(task)
        try:
            return await self._running_worker().run(self._poll(key, source))
        finally:
            if task is not None:
                self._work.discard(task)

    async def _poll(self, key: str, source: Any) -> int:
        from .sources.health import PermanentSourceError, TransientSourceError

        try:
            new = await source.poll()
        except PermanentSourceError as exc:
            self.stopped[key] = str(exc)
            self._errors += 1
            log.error("%s: %s; not polled again until the configuration is reloaded", key, exc)
            return 0
        except TransientSourceError as exc:
            self._errors += 1
            log.warning("%s: %s", key, exc)
            if exc.retry_after and self.scheduler is not None:
                job = self.scheduler.get_job(key)
                if job is not None:
                    when = datetime.now(UTC) + timedelta(seconds=float(exc.retry_after))
                    self._main_loop.call_soon_threadsafe(lambda: job.modify(next_run_time=when))
            return 0
        except Exception as exc:  # noqa: BLE001 - one source's bug must not stop the others
            self._errors += 1
            log.exception("%s: poll failed", key)
            self._record_failure(source, key, exc)
            return 0
        self._polls += 1
        return new or 0

    def _record_failure(self, source: Any, key: str, exc: Exception) -> None:
        """An unexpected poll failure goes into the source's health record too (through the source's own
        archive connection, on the archive thread), so status shows it."""
        from .sources.health import record_error

        where = getattr(source, "health_key", None)
        if where is None:
            return
        try:
            kind, channel = where
            record_error(source.archive, kind, channel, f"{key}: poll failed: {type(exc).__name__}: {exc}",
                         self.clock())
        except Exception:  # noqa: BLE001 - a read-only or full archive cannot take the record either
            log.error("%s: the failure could not be recorded in the archive", key)

    def _status(self) -> str:
        """The systemd STATUS line: counts kept in memory (the loop does not read the archive)."""
        self._collect()
        return (f"{self.summary.sources_text()}; {self.summary.posts_new} new posts, {self.summary.alerts} alerts"
                f" decided, {self.mail.sent} mails sent")

    def _collect(self) -> RunSummary:
        """The summary from the counts of every part: polls, Telegram's live and history work, the
        archive thread's ingests, mail. Plain reads of counters, safe from any thread."""
        summary = self.summary
        self._count_sources()
        summary.polls = self._polls
        if self.worker is not None:
            summary.posts_new, summary.posts_updated, summary.alerts = (self.worker.new, self.worker.updated,
                                                                        self.worker.alerts)
        summary.mails_sent = self.mail.sent
        summary.mails_failed = self.mail.failed
        summary.errors = self._errors + self.mail.errors + self.swallowed.count
        if self.telegram is not None:
            summary.telegram_live = self.telegram.live_posts
            summary.telegram_history = self.telegram.history_posts
            summary.errors += (self.telegram.handler_errors + self.telegram.read_errors
                               + sum(1 for c in self.telegram.channels if c.error))
        return summary

    # -- Telegram (Telethon) -------------------------------------------------------------------
    async def _start_telegram(self) -> None:
        """Connect every account's session; without one authorised session, stop with how to log in."""
        from .sources.telegram_accounts import DEFAULT_ACCOUNT, TelegramAccounts, connect_accounts, followed_channels

        settings = self.config.telegram
        channels = followed_channels(settings, self.config.telegram_accounts)
        if settings is None or not channels:
            return
        given = self.telegram_clients
        if given is None and self.telegram_client is not None:
            given = {DEFAULT_ACCOUNT: self.telegram_client}
        clients, unusable = await connect_accounts(self.config, given)
        worker = self._running_worker()
        self.telegram = TelegramAccounts(self.config, clients, worker.archive, worker, unusable=unusable,
                                         offload=worker.call, clock=self.clock)
        resolved = await self.telegram.resolve()
        self.telegram.register()
        members = sum(1 for c in resolved if c.member)
        log.info("telegram: following %d of %d channels (%d with live updates) with %d accounts", len(resolved),
                 len(channels), members, len(clients))

    async def _telegram_catch_up(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._work.add(task)
        try:
            await self.telegram.catch_up()
        except Exception:  # noqa: BLE001
            self._errors += 1
            log.exception("telegram: catch-up failed")
        finally:
            if task is not None:
                self._work.discard(task)

    def _telegram_lost(self) -> None:
        if self._stopping_telegram:
            return
        log.error("telegram: the connection is lost and reconnecting failed; stopping so the service restarts")
        self.exit_code = 1
        if self._stop is not None:
            self._stop.set()

    async def _stop_telegram(self) -> None:
        self._stopping_telegram = True
        if self.telegram is not None:
            await self.telegram.stop(STOP_SECONDS)  # and disconnects every account's client

    # -- scheduling -----------------------------------------------------------------------------
    def _schedule(self) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        for key, (_, interval) in self.sources.items():
            self.scheduler.add_job(
                self.poll, IntervalTrigger(seconds=interval, jitter=max(1, int(interval * 0.1))), args=[key], id=key,
                name=f"poll {key}", max_instances=1, coalesce=True, misfire_grace_time=int(interval),
                replace_existing=True, next_run_time=datetime.now(UTC) + timedelta(seconds=random.random()),
            )
        if self.telegram is not None:
            self.scheduler.add_job(self.telegram.poll,
                                   IntervalTrigger(seconds=self.telegram.poll_seconds, jitter=10),
                                   id="telegram-catch-up", name="telegram history safety poll", max_instances=1,
                                   coalesce=True, replace_existing=True)
        from .nodes import HEARTBEAT_SECONDS

        self.scheduler.add_job(self._running_worker().call, IntervalTrigger(seconds=HEARTBEAT_SECONDS), args=[self._heartbeat],
                               id="heartbeat", name="node heartbeat", max_instances=1, coalesce=True,
                               replace_existing=True)
        if self.config.translation.backend != "none":
            self.scheduler.add_job(self._translate, IntervalTrigger(seconds=60), id="translation",
                                   name="translation backlog", max_instances=1, coalesce=True, replace_existing=True)
        from .mail.jobs import digest_triggers

        for mode, triggers in digest_triggers(self.config).items():
            for n, trigger in enumerate(triggers):
                self.scheduler.add_job(self._digest, trigger, args=[mode], id=f"digest-{mode}-{n}",
                                       name=f"{mode} digest", max_instances=1, coalesce=True,
                                       misfire_grace_time=3600, replace_existing=True)

    def _warm_up(self) -> None:
        """Load what the first post needs (the matcher's terms, the morphology dictionaries, the sentence model)
        before polling starts, so that the first alerts after a start wait for no loading (on the archive thread)."""
        from .language import detect
        from .matching import matcher_for

        started = time.monotonic()
        matcher = matcher_for(self.config)
        for text in ("Обстрел Суджи", "Обстріл Сум", "Shelling of Sumy"):
            matcher.match(text, lang=detect(text).code)
        if self.config.stories.meaning and self.config.watchlists:
            from .stories.meaning import Meaning

            Meaning().encode(["Обстрел Суджи"])
        log.info("matching and stories loaded in %.1f s", time.monotonic() - started)

    def _heartbeat(self) -> None:
        """This node is alive, with its sources (on the archive thread: ``worker.call``)."""
        from .nodes import heartbeat, node_name
        from .sources.telegram_accounts import followed_channels

        sources = list(self.sources) + [f"telegram:{c}" for c in followed_channels(self.config.telegram,
                                                                                   self.config.telegram_accounts)]
        heartbeat(self._running_worker().archive, node_name(self.config), sources, self.clock(), self._started_at)

    def _translate(self) -> None:
        from .translation import Translator

        with Archive.of(self.config.storage, clock=self.clock) as archive:
            Translator(archive, self.config, clock=self.clock).drain(limit=200)

    def _digest(self, mode: str) -> None:
        from .mail.outbox import outbox_for

        with Archive.of(self.config.storage, clock=self.clock) as archive:
            report = outbox_for(archive, self.config, clock=self.clock).run_digest(mode)
        self.mail.sent += report.sent
        self.mail.failed += report.failed + report.retried

    # -- signals ----------------------------------------------------------------------------------
    def reload(self) -> None:
        """SIGHUP: reload in a task (the new pipeline is built on the archive thread)."""
        task = asyncio.ensure_future(self._reload())
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def _reload(self) -> bool:
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
        worker = self._running_worker()
        await worker.call(worker.reconfigure, config)
        for key in list(self.sources):
            if self.scheduler.get_job(key):
                self.scheduler.remove_job(key)
        self.stopped.clear()
        self.sources = await worker.call(self._build_sources)
        if self.telegram is not None:
            await self.telegram.reconfigure(config)
        elif config.telegram is not None:
            try:
                await self._start_telegram()
                if self.telegram is not None:
                    self._spawn(self._telegram_catch_up())
            except Exception as exc:  # noqa: BLE001 - the rest of the reload stands
                log.error("reload: Telegram not started: %s", exc)
        self._schedule()
        self._count_sources()
        telegram = f", {len(self.telegram.by_id)} Telegram channels" if self.telegram is not None else ""
        log.info("configuration reloaded from %s: %d polled sources%s, %d watchlists", self.config_path,
                 len(self.sources), telegram, len(config.watchlists))
        self.notifier.ready(self._status())
        return True

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    # -- running ----------------------------------------------------------------------------------
    async def run(self, *, once: bool = False) -> RunSummary:
        """Run under the archive's daemon lock: a second daemon (or ``run --once``) on it is refused."""
        from .daemon_lock import DaemonLock

        with DaemonLock(self.config.storage.path):
            return await self._run(once=once)

    async def _run(self, *, once: bool = False) -> RunSummary:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        logging.getLogger("apscheduler").addHandler(self.swallowed)
        self._main_loop = loop = asyncio.get_running_loop()
        self._stop = stop = asyncio.Event()
        self.worker = ArchiveWorker(self.config, self.clock, on_alerts=self.mail.wake)
        await asyncio.to_thread(self.worker.start)
        try:
            self.sources = await self.worker.call(self._build_sources)
            await self.worker.call(self._warm_up)
            await self._start_telegram()
            self._count_sources()
            self._started_at = self.clock()
            await self.worker.call(self._heartbeat)
            if once:
                await self._run_once()
                return self.summary
            self.scheduler = AsyncIOScheduler(event_loop=loop, timezone=UTC)
            self._schedule()
            self.scheduler.start()
            self.mail.start()
            self._start_metrics()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            loop.add_signal_handler(signal.SIGHUP, self.reload)
            if self.telegram is not None:
                self._spawn(self._telegram_catch_up())
                self.telegram.watch_disconnects(self._telegram_lost)
            self.notifier.ready(self._status())
            log.info("monitor running: %s", self._status())
            self.ready.set()
            await self._wait(stop)
            await self._shutdown(loop)
        finally:
            await asyncio.to_thread(self.worker.stop)
            if self.metrics is not None:
                self.metrics.close()
        log.info("%s", self._collect().line())
        return self.summary

    async def _run_once(self) -> None:
        if self.telegram is not None:
            await self.telegram.catch_up()
            self.summary.telegram_channels = len(self.telegram.by_id)
        for key in list(self.sources):
            await self.poll(key)
        if self.config.translation.backend != "none":
            await asyncio.to_thread(self._translate)
        await asyncio.to_thread(self.mail.run_once)
        await self._stop_telegram()
        self._collect()

    async def _wait(self, stop: asyncio.Event) -> None:
        interval = watchdog_interval()
        last_status = 0.0
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=min(interval or 10.0, 10.0))
            except TimeoutError:
                pass
            if interval:
                self.notifier.watchdog()
            if time.monotonic() - last_status > 30:
                self.notifier.status(self._status())
                last_status = time.monotonic()

    async def _shutdown(self, loop: asyncio.AbstractEventLoop) -> None:
        """Stop taking work, let what runs end (bounded), then close."""
        self.notifier.stopping()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        self.scheduler.shutdown(wait=False)
        await self._stop_telegram()  # history reads end at their next page
        running = [t for t in self._work if not t.done()]
        if running:
            done, left = await asyncio.wait(running, timeout=STOP_SECONDS)
            for task in left:
                task.cancel()
            if left:
                await asyncio.wait(left)
                log.warning("%d polls did not finish within %d s and were stopped", len(left), STOP_SECONDS)
        await asyncio.to_thread(self.mail.stop, STOP_SECONDS)

    # -- metrics ------------------------------------------------------------------------------------
    def _start_metrics(self) -> None:
        listen = self.config.metrics.listen
        if not listen:
            return
        from .metrics import MetricsServer

        self.metrics = MetricsServer(listen, lambda: self.config, self._figures)
        try:
            self.metrics.start()
        except OSError as exc:  # the daemon's work matters more than its metrics
            self.metrics = None
            log.error("metrics: cannot listen on %s: %s", listen, exc)
            self._errors += 1
            return
        log.info("metrics served at http://%s/metrics", listen)

    def _figures(self) -> dict[str, Any]:
        """The daemon's own counts, for the metrics endpoint (read from another thread)."""
        summary = self._collect()
        return {"errors": summary.errors, "telegram_live": summary.telegram_live,
                "telegram_history": summary.telegram_history, "mails_sent": summary.mails_sent,
                "polls": summary.polls, "alerts_decided": summary.alerts,
                "telegram_flood_waits": self.telegram.flood_waits if self.telegram is not None else 0,
                "telegram_reconnects": self.telegram.reconnects if self.telegram is not None else 0,
                "telegram_accounts": self.telegram.account_figures() if self.telegram is not None else []}
