"""monitor stories / story / replay: browsing stories and trying watchlists against the archive."""

from __future__ import annotations

import json

import click

from monitor.storage.queries import Filters, QueryError, parse_when

from . import main
from .output import emit, output_options


def _figures(figures: dict) -> str:
    return ", ".join(f"{values[-1]} {unit}" for unit, values in figures.items())


@main.command()
@click.option("--since", help="stories seen since this date or span (2024-08-06, 36h, 7d)")
@click.option("--watchlist", help="only this watchlist's stories")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@output_options
@click.pass_obj
def stories(app, since: str | None, watchlist: str | None, limit: int, fmt: str) -> None:
    """List stories, latest first: first post, first seen, sources, languages, latest figures.

    Example:

        monitor stories --since 24h --watchlist kursk
    """
    archive = app.archive(readonly=True)
    where, params = [], []
    if since:
        try:
            where.append("s.last_seen >= ?")
            params.append(parse_when(since))
        except QueryError as exc:
            raise click.BadParameter(str(exc), param_hint="--since") from None
    if watchlist:
        where.append("s.watchlist = ?")
        params.append(watchlist)
    cursor = archive.conn.execute(
        "SELECT s.*, p.url AS first_url, coalesce(p.channel_username, p.channel_title, p.channel) AS first_channel,"
        " p.message_id AS first_message_id FROM stories s JOIN posts p ON p.id = s.first_post_id"
        + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY s.last_seen DESC LIMIT {limit}",
        params,
    )
    columns = [d[0] for d in cursor.description]
    rows = []
    for values in cursor.fetchall():
        row = dict(zip(columns, values))
        for key in ("channels", "languages", "regions", "places", "figures", "kinds"):
            row[key] = json.loads(row[key])
        row["latest_figures"] = _figures(row["figures"])
        row["first_post"] = f"{row['first_channel']}/{row['first_message_id']}"
        rows.append(row)
    emit(rows, ["id", "watchlist", "first_seen", "sources", "posts", "languages", "latest_figures", "first_post", "title"],
         fmt, wide=["title"])


@main.command()
@click.argument("story_id", type=int)
@output_options
@click.pass_obj
def story(app, story_id: int, fmt: str) -> None:
    """One story's timeline: each post, the decision taken and why."""
    archive = app.archive(readonly=True)
    head = archive.conn.execute("SELECT watchlist, first_seen, sources, figures, places FROM stories WHERE id = ?",
                                (story_id,)).fetchone()
    if head is None:
        raise click.ClickException(f"no story {story_id} (see monitor stories)")
    cursor = archive.conn.execute(
        "SELECT sp.date, coalesce(p.channel_username, p.channel_title, p.channel) AS channel, p.message_id, p.lang,"
        " sp.decision, sp.reason, sp.similarity, p.url, p.text FROM story_posts sp JOIN posts p ON p.id = sp.post_id"
        " WHERE sp.story_id = ? ORDER BY sp.date, p.id",
        (story_id,),
    )
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, values)) for values in cursor.fetchall()]
    if fmt == "table":
        click.echo(f"story {story_id} ({head[0]}): first seen {head[1]}, {head[2]} sources; figures"
                   f" {_figures(json.loads(head[3])) or '-'}; places {', '.join(json.loads(head[4])) or '-'}")
    emit(rows, ["date", "channel", "message_id", "lang", "decision", "reason", "text"], fmt, wide=["reason", "text"])


@main.command()
@click.option("--since", help="posts from this date or span")
@click.option("--until", help="posts before this date (a bare date includes that day)")
@click.option("--watchlist", help="only this watchlist")
@click.option("--dry-run", is_flag=True, help="required: print the alerts, send and store nothing")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per alert")
@click.pass_obj
def replay(app, since, until, watchlist, dry_run: bool, as_json: bool) -> None:
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
    count = 0
    for alert in run_replay(archive, app.config, filters=filters, watchlist=watchlist):
        count += 1
        if as_json:
            click.echo(json.dumps(alert, ensure_ascii=False))
        else:
            click.echo(f"{alert['date']}  {alert['kind'].upper():6} {alert['watchlist']}  story {alert['story_id']}"
                       f"  {alert['channel_title'] or alert['channel']}/{alert['message_id']}: {alert['reason']}")
    if not as_json:
        click.echo(f"{count} alerts", err=True)
