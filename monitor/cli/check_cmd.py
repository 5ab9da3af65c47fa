"""monitor check: validate the configuration and summarise it."""

from __future__ import annotations

import click

from monitor.config import ConfigError, find_config_path, load_config

from . import main


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the configuration file and print what it sets up.

    Exits non-zero and lists every problem (file, line, key, what was
    expected) when the file is invalid.

    Example:

        monitor --config monitor.toml check
    """
    app = ctx.obj
    try:
        path = find_config_path(app._config_path)
        config = load_config(path)
    except ConfigError as exc:
        for line in exc.errors:
            click.echo(f"error: {line}", err=True)
        raise SystemExit(1) from None
    click.echo(f"configuration: {path} (valid)")
    click.echo(f"storage:       {config.storage.path}")
    translation = config.translation
    target = f" -> {translation.target} ({translation.translate})" if translation.backend != "none" else ""
    click.echo(f"translation:   {translation.backend}{target}")
    if config.email:
        mode = "implicit TLS" if config.email.tls else ("STARTTLS" if config.email.starttls else "plain relay")
        click.echo(f"email:         {config.email.host}:{config.email.port} ({mode}) from {config.email.sender}")
    else:
        click.echo(f"email:         none: alerts go to the Maildir {config.maildir}")
    sources = []
    if config.telegram and config.telegram.channels:
        sources.append(f"telegram: {len(config.telegram.channels)} channel(s) ({', '.join(config.telegram.channels)})")
    if config.webpreview and config.webpreview.channels:
        channels = config.webpreview.channels
        sources.append(f"web preview: {len(channels)} channel(s) ({', '.join(channels)})"
                       f" every {config.webpreview.interval_seconds}s")
    for feed in config.feeds:
        sources.append(f"feed {feed.name}: {feed.url} every {feed.interval_seconds}s")
    click.echo("sources:       " + ("none (import only)" if not sources else sources[0]))
    for line in sources[1:]:
        click.echo("               " + line)
    click.echo(f"watchlists:    {len(config.watchlists)}")
    for w in config.watchlists:
        parts = []
        if w.regions:
            parts.append("regions " + ", ".join(w.regions))
        if w.keywords:
            parts.append(f"{len(w.keywords)} keyword(s)")
        if w.exclude:
            parts.append(f"{len(w.exclude)} exclusion(s)")
        recipients = ", ".join(w.recipients) if w.recipients else "no recipients"
        click.echo(f"  {w.name}: {'; '.join(parts) or 'every post'} -> {recipients} ({w.delivery})")
