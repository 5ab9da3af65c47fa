"""The ``monitor`` command: a thin layer that parses options, calls the library and prints.

Each group of commands lives in its own module and registers itself on ``main``
when imported at the bottom of this file.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from monitor.config import Config, ConfigError, find_config_path, load_config
from monitor.storage import Archive, ArchiveError

from ..logs import setup_logging

log = logging.getLogger(__name__)


class App:
    """What every command may need, made on first use."""

    def __init__(self, config_path: str | None):
        self._config_path = config_path
        self._config: Config | None = None
        self._archive: Archive | None = None

    @property
    def config_path(self) -> Path:
        try:
            return find_config_path(self._config_path)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._config

    def archive(self, *, readonly: bool = False) -> Archive:
        if self._archive is None:
            try:
                self._archive = Archive.of(self.config.storage, readonly=readonly)
            except ArchiveError as exc:
                raise click.ClickException(str(exc)) from None
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None


pass_app = click.make_pass_decorator(App)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="configuration file (default: ./monitor.toml, else $MONITOR_CONFIG)",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    default="warning",
    show_default=True,
    help="least severe log messages shown on stderr",
)
@click.option(
    "--log-format",
    type=click.Choice(["plain", "json"]),
    default="plain",
    show_default=True,
    help="log line format on stderr",
)
@click.version_option(package_name="monitor")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_level: str, log_format: str) -> None:
    """monitor: Telegram and feed monitoring for news desks.

    Follows channels and feeds, archives every post in SQLite with full-text
    search, matches watchlists and mails alerts.

    Example:

        monitor --config /etc/monitor/monitor.toml check
    """
    setup_logging(level=log_level, fmt=log_format)
    app = App(config_path)
    ctx.obj = app
    ctx.call_on_close(app.close)


# each command module registers its commands on main
from . import (  # noqa: E402, F401
    alerts_cmd,
    archive_cmd,
    check_cmd,
    copy_cmd,
    match_cmd,
    run_cmd,
    serve_cmd,
    stories_cmd,
    telegram_cmd,
    translate_cmd,
)

__all__ = ["main", "App", "pass_app"]
