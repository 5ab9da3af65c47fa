"""monitor stories / story / replay: browsing stories and trying watchlists against the archive."""

from __future__ import annotations

import json

import click

from monitor.storage.queries import Filters, QueryError, parse_when
from monitor.storage.story_queries import get_story, latest_figures, list_stories, story_timeline

from . import main
from .output import emit, output_options


def _labels(app):
    from ..matching.labels import labels_for

    return labels_for(app.config.storage.path)


@main.command()
@click.option("--since", help="stories seen since this date or span (2024-08-06, 36h, 7d)")
@click.option("--watchlist", help="only this watchlist's stories")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@output_options
@click.pass_obj
def stories(app, since: str | None, watchlist: str | None, limit: int, fmt: str) -> None:
    """List stories by their latest post (last_seen), newest first: first post, sources, languages, figures.

    Example:

        monitor stories --since 24h --watchlist kursk
    """
    archive = app.archive(readonly=True)
    try:
        since_iso = parse_when(since) if since else None
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    rows = list_stories(archive.conn, since=since_iso, watchlist=watchlist, limit=limit)
    labels = _labels(app)
    for row in rows:
        row["place_names"] = [labels.label(p) for p in row["places"]] or [labels.label(r) for r in row["regions"]]
    emit(rows, ["id", "last_seen", "watchlist", "first_seen", "sources", "posts", "languages", "latest_figures",
                "first_post", "title"], fmt, wide=["title"])


@main.command()
@click.argument("story_id", type=int)
@output_options
@click.pass_obj
def story(app, story_id: int, fmt: str) -> None:
    """One story's timeline: each post, the decision taken and why.

    Example:

        monitor story 2
    """
    archive = app.archive(readonly=True)
    head = get_story(archive.conn, story_id)
    if head is None:
        raise click.ClickException(f"no story {story_id} (see monitor stories)")
    labels = _labels(app)
    rows = story_timeline(archive.conn, story_id)
    for row in rows:
        row["channel"] = row["channel_name"]
        row["reason"] = labels.readable(row["reason"])
    if fmt == "table":
        places = [labels.label(p) for p in head["places"]] or [labels.label(r) for r in head["regions"]]
        click.echo(f"story {story_id} ({head['watchlist']}): first seen {head['first_seen']}, {head['sources']} sources;"
                   f" figures {latest_figures(head['figures']) or '-'}; places {', '.join(places) or '-'}")
    emit(rows, ["date", "channel", "message_id", "lang", "decision", "reason", "text"], fmt, wide=["reason", "text"])


@main.command()
@click.option("--since", help="posts from this date or span")
@click.option("--until", help="posts before this date (a bare date includes that day)")
@click.option("--watchlist", help="only this watchlist")
@click.option("--dry-run", is_flag=True, help="required: print the alerts, send and store nothing")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per alert")
@click.option("--mentions", is_flag=True,
              help="also list the posts set aside as naming a watched region only in passing (MENTION), with the reason")
@click.pass_obj
def replay(app, since, until, watchlist, dry_run: bool, as_json: bool, mentions: bool) -> None:
    """Run story detection afresh over archived posts and print the alerts it would raise.

    Posts are taken in time order across all channels; the current watchlists and
    gazetteer are used. Nothing is sent and the stored stories are not changed.

    Example:

        monitor replay --since 2024-08-06 --until 2024-08-08 --watchlist kursk --dry-run --json
    """
    from ..stories import replay as run_replay

    if not dry_run:
        raise click.UsageError("replay only runs as a dry run: add --dry-run")
    if watchlist and app.config.watchlist(watchlist) is None:
        names = ", ".join(w.name for w in app.config.watchlists) or "none"
        raise click.BadParameter(f'no watchlist "{watchlist}" in the configuration (have: {names})', param_hint="--watchlist")
    try:
        filters = Filters(since=parse_when(since) if since else None,
                          until=parse_when(until, end_of_day=True) if until else None)
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from None
    archive = app.archive()
    count = passing = 0
    for alert in run_replay(archive, app.config, filters=filters, watchlist=watchlist, mentions=mentions):
        mention = alert["kind"] == "mention"
        count += not mention
        passing += mention
        if as_json:
            click.echo(json.dumps(alert, ensure_ascii=False))
        else:
            story = "no story" if mention else f"story {alert['story_id']}"
            click.echo(f"{alert['date']}  {alert['kind'].upper():7} {alert['watchlist']}  {story}"
                       f"  {alert['channel_title'] or alert['channel']}/{alert['message_id']}: {alert['reason']}")
    if not as_json:
        click.echo(f"{count} alerts" + (f", {passing} mentions" if mentions else ""), err=True)
