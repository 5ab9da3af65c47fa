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
    click.echo(f"storage:       {config.storage.url or config.storage.path}"
               + (f" (node {config.node.name})" if config.storage.url and config.node.name else ""))
    translation = config.translation
    target = f" -> {translation.target} ({translation.translate})" if translation.backend != "none" else ""
    click.echo(f"translation:   {translation.backend}{target}")
    if config.email:
        mode = "implicit TLS" if config.email.tls else ("STARTTLS" if config.email.starttls else "plain relay")
        click.echo(f"email:         {config.email.host}:{config.email.port} ({mode}) from {config.email.sender}")
    else:
        click.echo(f"email:         none: alerts go to the Maildir {config.maildir}")
    sources = []
    if config.telegram and config.telegram.channels and not config.telegram_accounts:
        sources.append(f"telegram: {len(config.telegram.channels)} channel(s) ({', '.join(config.telegram.channels)})")
    elif config.telegram and config.telegram_accounts:
        sources += _telegram_accounts(config)
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
    from ..matching.labels import labels_for
    from ..rematch import describe

    labels = labels_for(config.storage.path)
    for w in config.watchlists:
        recipients = ", ".join(w.recipients) if w.recipients else "no recipients"
        click.echo(f"  {w.name}: {describe(w, labels)} -> {recipients} ({w.delivery})")
    if any(w.keywords or w.exclude_places for w in config.watchlists):
        from ..matching import matcher_for

        for line in matcher_for(config).watchlist_warnings():
            click.echo(f"warning: {line}")


def _telegram_accounts(config) -> list[str]:
    """One line per Telegram account: the channels it reads, as assigned now, and its credentials' state."""
    from ..secrets import read_secret
    from ..sources.telegram_accounts import assign_channels, followed_channels

    channels = followed_channels(config.telegram, config.telegram_accounts)
    assignment = assign_channels(channels, config.telegram_accounts, config.telegram.max_channels)
    lines = [f"telegram: {len(channels)} channel(s) over {len(config.telegram_accounts)} accounts"
             f" (at most {config.telegram.max_channels} each)"]
    for account in config.telegram_accounts:
        refs = assignment.by_account[account.name]
        unset = [v for v in (account.api_id_env, account.api_hash_env) if not read_secret(v)]
        missing = f"; {' and '.join(unset)} not set" if unset else ""
        lines.append(f"  account {account.name}: {len(refs)} channel(s) ({', '.join(refs)}){missing}")
    return lines


@main.command()
@click.option("--since", help="only posts from this date or span (2024-08-06, 36h, 7d); default: every stored post")
@click.pass_obj
def rematch(app, since: str | None) -> None:
    """Match stored posts again with the current watchlists (after a watchlist changed).

    Their matches are replaced and posts that now match join stories, so the
    stories and the next UPDATE see them; no alert is raised for past posts.

    Example:

        monitor rematch --since 3d
    """
    from ..rematch import rematch as run_rematch
    from ..storage.queries import QueryError, parse_when

    try:
        since_iso = parse_when(since) if since else None
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    report = run_rematch(app.archive(), app.config, since=since_iso)
    click.echo(f"matched {report.posts} stored posts again with {len(report.watchlists)} watchlists:"
               f" {report.matched_before} -> {report.matched_after} watchlist matches")
