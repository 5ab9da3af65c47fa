"""monitor translate: work through the translation backlog now."""

from __future__ import annotations

import click

from . import main


@main.command()
@click.option("--pending", is_flag=True, required=True, help="retry every post waiting for its translation")
@click.option("--limit", type=int, default=None, help="at most this many posts")
@click.pass_obj
def translate(app, pending: bool, limit: int | None) -> None:
    """Translate the posts still waiting for a translation, now.

    Exits non-zero when posts are still pending afterwards (the backend is
    down, rate-limited, or refuses the key: the reason is printed).

    Example:

        monitor translate --pending
    """
    from ..translation import Translator

    config = app.config
    if config.translation.backend == "none":
        raise click.ClickException('translation is off (translation.backend = "none" in the configuration)')
    translator = Translator(app.archive(), config)
    report = translator.drain(limit=limit)
    click.echo(f"translated {report.done}, from cache {report.cached}, {report.pending} pending")
    if report.pending:
        if report.error:
            click.echo(f"last error: {report.error}")
        raise SystemExit(1)
