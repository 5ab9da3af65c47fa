"""An optional Prometheus text endpoint (``[metrics] listen``) with the figures ``monitor status`` reports.

Served by prometheus_client's HTTP server on its own thread; each scrape reads the archive through
a connection of its own, so a scrape never waits on the daemon's loop and shows what status shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)


def parse_listen(listen: str) -> tuple[str, int]:
    """"127.0.0.1:9464" -> ("127.0.0.1", 9464); "[::1]:9464" -> ("::1", 9464)."""
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f'[metrics] listen = "{listen}": expected host:port, e.g. 127.0.0.1:9464')
    return host.strip("[]"), int(port)


class ArchiveCollector:
    """Collects at scrape time: archive figures plus the running daemon's own counts."""

    def __init__(self, config: Callable[[], Any], figures: Callable[[], dict[str, Any]]):
        self.config = config
        self.figures = figures

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        from monitor.storage import Archive
        from monitor.storage.status import alert_count, posts_by_source

        from .status import status_report

        config = self.config()
        with Archive.of(config.storage, readonly=True) as archive:
            report = status_report(archive, config, datetime.now(UTC))
            posts = posts_by_source(archive.conn)
            alerts = alert_count(archive.conn)
        family = GaugeMetricFamily("monitor_posts", "Posts in the archive, by source", labels=["source"])
        for source, count in sorted(posts.items()):
            family.add_metric([source], count)
        yield family
        lag = GaugeMetricFamily("monitor_source_lag_seconds", "Age of the newest post of each configured channel",
                                labels=["source", "channel"])
        failing = GaugeMetricFamily("monitor_source_failing", "1 while a configured channel's last poll failed",
                                    labels=["source", "channel"])
        for entry in report["sources"]:
            if entry["lag_seconds"] is not None:
                lag.add_metric([entry["source"], entry["channel"]], entry["lag_seconds"])
            failing.add_metric([entry["source"], entry["channel"]], 0 if entry["healthy"] else 1)
        yield lag
        yield failing
        yield GaugeMetricFamily("monitor_alerts_decided", "Alerts decided, in the archive", value=alerts)
        mails = GaugeMetricFamily("monitor_mails", "Alert mail deliveries, by state", labels=["state"])
        for state in ("pending", "sending", "sent", "failed", "digest", "in_digest"):
            mails.add_metric([state], report["outbox"].get(state, 0))
        yield mails
        yield GaugeMetricFamily("monitor_healthy", "1 when monitor status would exit 0", value=int(report["healthy"]))
        figures = self.figures()
        yield CounterMetricFamily("monitor_errors", "Errors since the daemon started (sources, Telegram, delivery)",
                                  value=figures["errors"])
        telegram = CounterMetricFamily("monitor_telegram_posts", "Telegram posts new to the archive since start,"
                                       " by how they came", labels=["via"])
        telegram.add_metric(["live"], figures["telegram_live"])
        telegram.add_metric(["history"], figures["telegram_history"])
        yield telegram
        yield CounterMetricFamily("monitor_mails_sent", "Mails sent since the daemon started",
                                  value=figures["mails_sent"])
        yield CounterMetricFamily("monitor_telegram_flood_waits", "Flood waits Telegram imposed since start",
                                  value=figures["telegram_flood_waits"])
        yield CounterMetricFamily("monitor_telegram_reconnects", "Reconnects Telethon made on its own since start",
                                  value=figures["telegram_reconnects"])
        yield from _account_metrics(figures.get("telegram_accounts") or [])


def _account_metrics(accounts: list[dict[str, Any]]):
    """Each Telegram account: channels it reads, 1 while lost, seconds left of its flood wait."""
    from prometheus_client.core import GaugeMetricFamily

    channels = GaugeMetricFamily("monitor_telegram_account_channels", "Channels each Telegram account reads",
                                 labels=["account"])
    lost = GaugeMetricFamily("monitor_telegram_account_lost", "1 while a Telegram account is lost (logged out,"
                             " revoked, banned, deactivated)", labels=["account"])
    flood = GaugeMetricFamily("monitor_telegram_account_flood_wait_seconds", "Seconds left of the account's flood"
                              " wait", labels=["account"])
    now = datetime.now(UTC)
    for account in accounts:
        channels.add_metric([account["account"]], account["channels"])
        lost.add_metric([account["account"]], 1 if account["lost"] else 0)
        until = account["flood_wait_until"]
        flood.add_metric([account["account"]], max((until - now).total_seconds(), 0) if until else 0)
    yield channels
    yield lost
    yield flood


class MetricsServer:
    def __init__(self, listen: str, config: Callable[[], Any], figures: Callable[[], dict[str, Any]]):
        self.host, self.port = parse_listen(listen)
        self.config = config
        self.figures = figures
        self._server: Any = None

    def start(self) -> None:
        from prometheus_client import CollectorRegistry, start_http_server

        registry = CollectorRegistry(auto_describe=False)
        registry.register(ArchiveCollector(self.config, self.figures))
        self._server, _ = start_http_server(self.port, addr=self.host, registry=registry)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
