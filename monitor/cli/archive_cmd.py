"""monitor import / search / export / stats / demo: loading and reading the archive."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from ..resources import examples_dir
from ..storage.queries import (
    POST_COLUMNS,
    Filters,
    QueryError,
    check_filters,
    iter_posts,
    parse_when,
    search_posts,
    stats,
    totals,
    watchlist_posts,
)
from . import main
from .output import csv_cell, emit, output_options

MAX_LIMIT = 1_000_000  # search results at most; export streams everything


def filter_options(func):
    """--channel / --lang / --since / --until, shared by search and export."""
    func = click.option("--until", help="posts before this date or time (a bare date includes that whole day)")(func)
    func = click.option("--since", help="posts from this date or time (2024-08-06, 2024-08-06T08:00+03:00) or span (36h, 7d)")(func)
    func = click.option("--lang", help="language code(s), comma-separated: ru,uk")(func)
    func = click.option("--channel", help="channel username, id or title")(func)
    return func


def make_filters(channel, lang, since, until) -> Filters:
    try:
        return Filters(
            channel=channel,
            lang=lang,
            since=parse_when(since) if since else None,
            until=parse_when(until, end_of_day=True) if until else None,
        )
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from None


def query_expander(exact: bool, notes: list[str] | None = None, storage_path: str | None = None):
    """Inflection-aware expansion of search words (Суджа finds «в Судже», and Sudzha), unless --exact.

    ``notes`` gets a line for each word that names a place ("Суджа: also Sudzha, Sudja, ...").
    """
    if exact:
        return None
    from ..matching import expand_query
    from ..matching.gazetteer import imported_dir

    imported = imported_dir(storage_path)
    folder = str(imported) if imported is not None and imported.is_dir() else None
    return lambda query: expand_query(query, notes, imported=folder)


def resolve_place(app, place: str | None, region: str | None) -> tuple[str | None, str | None]:
    """--place (a gazetteer id or any name of a place) and --region (a code) as stored in post_matches."""
    if not place and not region:
        return None, None
    from ..config.loader import suggest
    from ..matching.gazetteer import imported_dir, known_region_codes, load_gazetteer
    from ..matching.search import places_named

    imported = imported_dir(app.config.storage.path)
    folder = str(imported) if imported is not None and imported.is_dir() else None
    place_id = None
    if place:
        gazetteer = load_gazetteer(folder)
        if gazetteer.place(place) is not None:
            place_id = place
        else:
            found = places_named(place, folder)
            if not found:
                raise click.BadParameter(f'no place "{place}" in the gazetteer; give a place id (RU-KRS:sudzha) or'
                                         " a name in Russian, Ukrainian or English (Суджа, Sudzha)", param_hint="--place")
            if len(found) > 1:
                raise click.BadParameter(f'"{place}" names {len(found)} places: '
                                         + ", ".join(f"{p['id']} ({p['en']})" for p in found) + "; give one id",
                                         param_hint="--place")
            place_id = found[0]["id"]
    if region and region not in (known := known_region_codes(folder)):
        raise click.BadParameter(f'"{region}" is not a region code in the gazetteer' + suggest(region, sorted(known)),
                                 param_hint="--region")
    return place_id, region


class _ProgressBars:
    """One progress bar on stderr per step of an import (reading each file, storing)."""

    def __init__(self) -> None:
        self.bars: list[Any] = []

    def __call__(self, label: str, total: int) -> Callable[[int], None]:
        self.finish()
        bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
        bar.__enter__()
        self.bars.append(bar)
        return bar.update

    def finish(self) -> None:
        if self.bars:
            self.bars[-1].render_finish()


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--timezone", "export_tz", default="UTC", show_default=True,
              help="time zone of the machine that made an old export without date_unixtime")
@click.pass_obj
def import_(app, paths: tuple[Path, ...], export_tz: str) -> None:
    """Load Telegram Desktop JSON exports (result.json) into the archive.

    Single-chat and full-account exports. Posts go through language detection
    and matching but send no alerts. Importing again adds nothing and picks up
    edits. A broken file is reported and skipped; the others are imported.

    Example:

        monitor import ~/Downloads/Telegram\\ Desktop/ChatExport_2024-08-07/result.json
    """
    from ..importer import import_exports
    from ..pipeline import Pipeline

    try:
        tz = ZoneInfo(export_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f'"{export_tz}" is not a time zone name like Europe/Moscow', param_hint="--timezone") from None
    archive = app.archive()
    pipeline = Pipeline(archive, app.config)
    progress = _ProgressBars() if sys.stderr.isatty() else None
    report = import_exports(archive, pipeline, paths, local_tz=tz, progress=progress)
    if progress:
        progress.finish()
    for f in report.files:
        if f.error:
            click.echo(f"error: {f.error}", err=True)
        else:
            s = f.summary
            click.echo(f"{f.path}: {f.chats} chats, {s.new} new, {s.updated} updated, {s.unchanged} unchanged"
                       f" ({f.skipped_service} service messages skipped)")
    total = report.totals()
    ok = len(report.files) - len(report.failed)
    click.echo(f"imported {ok} of {len(report.files)} files: {total.new} new, {total.updated} updated,"
               f" {total.unchanged} unchanged posts")
    if report.failed:
        raise SystemExit(1)


@main.command()
@click.argument("query", required=False)
@filter_options
@click.option("--place", help="posts whose watchlist match names this place: an id (RU-KRS:sudzha) or any name (Суджа)")
@click.option("--region", help="posts whose watchlist match lies in this region (ISO 3166-2 code: RU-KRS)")
@click.option("--limit", type=click.IntRange(min=1, max=MAX_LIMIT), default=20, show_default=True)
@click.option("--exact", is_flag=True, help="match words as written (no inflections, transliterations or other names)")
@output_options
@click.pass_obj
def search(app, query: str | None, channel, lang, since, until, place, region, limit: int, exact: bool, fmt: str) -> None:
    """Full-text search of posts and their translations, newest first.

    FTS5 syntax: words (all must occur), "a phrase", OR, NOT between words,
    -word to leave a word out, prefix*, NEAR(a b). Words are matched in every
    inflection, and a place name in every language and spelling, unless --exact.
    --place and --region alone (no QUERY) list the posts matched to that place or region.

    Examples:

        monitor search Суджа --since 2024-08-06 --lang ru

        monitor search 'Суджа -вокзал' --json

        monitor search --place Sudzha
    """
    if not query and not place and not region:
        raise click.UsageError("give a QUERY, or --place / --region")
    filters = make_filters(channel, lang, since, until)
    filters.place, filters.region = resolve_place(app, place, region)
    archive = app.archive(readonly=True)
    notes: list[str] = []
    try:
        check_filters(archive.conn, filters)
        rows = search_posts(archive.conn, query or "", filters, limit=limit,
                            expand=query_expander(exact, notes, app.config.storage.path))
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    for note in notes:
        click.echo(note, err=True)
    if fmt == "table":
        for row in rows:
            row["where"] = row["channel_username"] or row["channel_title"] or row["channel"]
            row["text"] = row["snippet"]
        emit(rows, ["date", "where", "message_id", "lang", "text", "url"], fmt, wide=["text"])
    else:
        emit(rows, [*POST_COLUMNS, "snippet"], fmt)
    if not rows and fmt == "table":
        click.echo("no posts found", err=True)


@main.command()
@click.argument("query", required=False)
@filter_options
@click.option("--format", "fmt", type=click.Choice(["json", "ndjson", "csv"]), default="ndjson", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="write to this new file (default: standard output); never an SQLite file")
@click.option("--force", is_flag=True, help="replace an existing --output file (never an SQLite database)")
@click.option("--exact", is_flag=True, help="match QUERY's words as written")
@click.pass_obj
def export(app, query, channel, lang, since, until, fmt: str, output: Path | None, force: bool, exact: bool) -> None:
    """Write posts (all, or those matching QUERY and the filters), oldest first.

    The file is written beside its target and renamed into place when complete, so an
    interrupted export leaves no half file; an existing file is replaced only with --force,
    and an SQLite database (the archive above all) never.

    Examples:

        monitor export --format csv -o kursk.csv --since 2024-08-06

        monitor export Суджа --format json
    """
    from ..exporting import ExportTargetError, check_target, replace_atomically

    filters = make_filters(channel, lang, since, until)
    if output is not None:
        try:
            check_target(output, archive=Path(app.config.storage.path), force=force)
        except ExportTargetError as exc:
            raise click.ClickException(str(exc)) from None
    archive = app.archive(readonly=True)
    try:
        check_filters(archive.conn, filters)
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    rows = iter_posts(archive.conn, filters, query=query,
                      expand=query_expander(exact, None, app.config.storage.path) if query else None)
    try:
        if output is None:
            count = _write_posts(rows, sys.stdout, fmt)
        else:
            with replace_atomically(output) as out:
                count = _write_posts(rows, out, fmt)
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    except ExportTargetError as exc:
        raise click.ClickException(str(exc)) from None
    if output:
        click.echo(f"wrote {count} posts to {output}", err=True)


def _write_posts(rows, out, fmt: str) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(POST_COLUMNS)
        for row in rows:
            writer.writerow([csv_cell(row[c]) for c in POST_COLUMNS])
            count += 1
    elif fmt == "ndjson":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    else:
        out.write("[")
        for row in rows:
            out.write(("\n" if not count else ",\n") + json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("\n]\n")
    return count


@main.command("stats")
@click.option("--by", type=click.Choice(["channel", "lang", "day", "all"]), default="all", show_default=True)
@filter_options
@output_options
@click.pass_obj
def stats_(app, by: str, channel, lang, since, until, fmt: str) -> None:
    """Posts per channel, per language and per day (UTC).

    Example:

        monitor stats --by day --since 7d --csv
    """
    filters = make_filters(channel, lang, since, until)
    archive = app.archive(readonly=True)
    groups = stats(archive.conn, filters)
    columns = {"channel": ["source", "channel", "username", "title", "posts", "first", "last"],
               "lang": ["lang", "posts"], "day": ["day", "posts"]}
    chosen = list(columns) if by == "all" else [by]
    if fmt == "table":
        for i, name in enumerate(chosen):
            if len(chosen) > 1:
                click.echo(("\n" if i else "") + f"posts per {name}")
            emit(groups[name], columns[name], fmt)
        return
    if len(chosen) == 1:
        emit(groups[chosen[0]], columns[chosen[0]], fmt)
        return
    rows = [{"by": name, **row} for name in chosen for row in groups[name]]
    emit(rows, ["by", "source", "channel", "username", "title", "lang", "day", "posts", "first", "last"], fmt)


@main.command()
@click.option("--examples", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="folder of Telegram exports to load (default: the bundled examples/)")
@click.pass_context
def demo(ctx, examples: Path | None) -> None:
    """Load the bundled example exports into the configured archive and show what it holds."""
    app = ctx.obj
    folder = examples or examples_dir()
    files = sorted(folder.glob("**/result.json"))
    if not files:
        raise click.ClickException(f"no Telegram exports (result.json) under {folder}")
    click.echo(f"== importing {len(files)} example exports from {folder}")
    try:
        ctx.invoke(import_, paths=tuple(files), export_tz="UTC")
    except SystemExit as exc:
        if exc.code:
            raise
    archive = app.archive()
    t = totals(archive.conn)
    click.echo(f"\n== archive {archive.name}: {t['posts']} posts from {t['channels']} channels,"
               f" {t['first']} to {t['last']}")
    ctx.invoke(stats_, by="all", channel=None, lang=None, since=None, until=None, fmt="table")
    for watch in app.config.watchlists:
        rows = watchlist_posts(archive.conn, watch.name, limit=15)
        click.echo(f"\n== watchlist {watch.name} ({', '.join(watch.regions or [])}"
                   f"{'; ' + ', '.join(watch.keywords) if watch.keywords else ''}): {len(rows)} matching posts")
        emit(rows, ["date", "channel", "lang", "text", "url"], "table", wide=["text"])
    click.echo("\n== stories (posts carrying the same claim, across channels and languages)")
    ctx.invoke(main.get_command(ctx, "stories"), since=None, watchlist=None, limit=10, fmt="table")
    from ..stories import replay

    click.echo("\n== the alerts monitor would have mailed for these posts (monitor replay --dry-run)")
    for alert in replay(archive, app.config):
        click.echo(f"{alert['date'][:16]}  {alert['kind'].upper():6} [{alert['watchlist']}] "
                   f"{alert['channel_title'] or alert['channel']}/{alert['message_id']}: {alert['reason'][:110]}")
    click.echo("\nTry: monitor search Суджа   |   monitor stories   |   monitor serve   |   monitor replay --dry-run --json   |"
               "   monitor match --text 'Обстрел в Судже'")

