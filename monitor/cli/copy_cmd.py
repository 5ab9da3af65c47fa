"""monitor archive copy: a SQLite archive moved into PostgreSQL."""

from __future__ import annotations

import sys

import click

from ..storage import Archive, ArchiveError
from ..storage.engine import is_postgres_url, redact
from . import main, pass_app


@main.group()
def archive() -> None:
    """The archive itself: moving it to another engine.

    Example:

        monitor archive copy --to postgresql://monitor@db.example.org/monitor
    """


@archive.command("copy")
@click.option("--to", "url", required=True, help="PostgreSQL archive to copy into: postgresql://user@host/database"
                                                 " (password from the [storage] password_env variable)")
@click.option("--batch", type=click.IntRange(1, 100_000), default=2000, show_default=True,
              help="rows per transaction")
@pass_app
def copy(app, url: str, batch: int) -> None:
    """Copy the SQLite archive of [storage] path into a PostgreSQL archive, every post and story.

    Resumable: run it again after an interruption and it goes on where it stopped, writing nothing
    twice. The database must be empty or an earlier copy of this archive. Stop the daemon first:
    rows it changes after they were copied are not copied again. Then set [storage] url to the
    database and remove path.

    Example:

        MONITOR_DB_PASSWORD=... monitor archive copy --to postgresql://monitor@db.example.org/monitor
    """
    from ..secrets import read_secret
    from ..storage.copy import copy_archive

    if not is_postgres_url(url):
        raise click.BadParameter(f'"{redact(url)}" is not a PostgreSQL URL like postgresql://monitor@db/monitor',
                                 param_hint="--to")
    if app.config.storage.url:
        raise click.ClickException("[storage] url is set: copy reads the SQLite archive of [storage] path;"
                                   " run it with a configuration that names the SQLite file")
    try:
        source = Archive(app.config.storage.path, readonly=True)
        target = Archive(url=url, password=read_secret(app.config.storage.password_env))
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    last: dict[str, int] = {}

    def progress(table: str, done: int, total: int) -> None:
        if last.get(table) != done:
            click.echo(f"{table}: {done} of {total}", err=True)
            sys.stderr.flush()
            last[table] = done

    try:
        copied = copy_archive(source, target, batch=batch, progress=progress)
    except ArchiveError as exc:  # a foreign target, or a database error part-way
        raise click.ClickException(str(exc)) from None
    finally:
        source.close()
        target.close()
    written = sum(copied.values())
    click.echo(f"copied {source.path} to {redact(url)}: {written} rows written"
               f" ({copied.get('posts', 0)} posts, {copied.get('stories', 0)} stories); the rest were there already")
