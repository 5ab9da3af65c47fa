"""Copying a SQLite archive into a PostgreSQL one (``monitor archive copy --to postgresql://...``).

Every table the PostgreSQL schema has is copied in batches, each batch in a transaction of its own
with ``ON CONFLICT DO NOTHING``: an interrupted copy run again goes on where it stopped (tables
numbered by ``id`` continue after the highest id already copied; the others are read again and
nothing already there is written twice). Ids are kept, so stories, alerts and matches still name
their posts; PostgreSQL's id sequences are moved past the copied ids at the end.

The target must be empty or an earlier copy of this archive (its posts the source's first ones, id
for id): a database holding other posts, or written to by a daemon after a copy, is refused, since
keeping ids would mix two archives' stories and alerts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from .archive import Archive, ArchiveError
from .engine import postgres_schema, search_vector

BATCH = 2000  # rows per transaction
_POST_KEY = "SELECT source, channel, message_id FROM posts WHERE id = ?"


class CopyStopped(ArchiveError):
    """A database error ended the copy part-way; the batches already committed stay."""


class ForeignTarget(ArchiveError):
    """The PostgreSQL archive holds posts that are not an earlier copy of this SQLite archive."""


def copy_archive(source: Archive, target: Archive, *, batch: int = BATCH,
                 progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Copy every row of the SQLite ``source`` missing from the PostgreSQL ``target``; rows copied per table.

    ``progress(table, copied so far, rows in the source table)`` is called after each batch.
    """
    import psycopg

    if source.url is not None or target.url is None:
        raise ValueError("copy reads a SQLite archive and writes a PostgreSQL one")
    refuse_foreign_target(source, target)
    copied: dict[str, int] = {}
    have = {name for (name,) in source.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in postgres_schema().tables.values():
        if table.name not in have:
            continue
        source_columns = {row[1] for row in source.conn.execute(f"PRAGMA table_info([{table.name}])")}
        columns = [c for c, _spec, _kind in table.columns if c in source_columns]
        try:
            copied[table.name] = _copy_table(source, target, table.name, columns, table.primary_key,
                                             table.identity, batch, progress)
        except (psycopg.Error, sqlite3.Error) as exc:
            raise CopyStopped(f"the copy stopped in table {table.name}: {str(exc).strip()}; what was copied"
                              " stays: run the copy again to go on from there") from exc
    for table in postgres_schema().tables.values():
        if table.identity:  # new rows numbered after the copied ones
            target.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                                f" (SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)")
    return copied


def refuse_foreign_target(source: Archive, target: Archive) -> None:
    """Raise ``ForeignTarget`` unless ``target``'s posts are ``source``'s first ones, id for id."""
    count, lowest, highest = target.conn.execute("SELECT count(*), min(id), max(id) FROM posts").fetchone()
    if not count:
        return
    where = f"{target.name} already holds {count} posts"
    for post_id in (lowest, highest):
        theirs = tuple(target.conn.execute(_POST_KEY, (post_id,)).fetchone())
        ours = source.conn.execute(_POST_KEY, (post_id,)).fetchone()
        if ours is None or tuple(ours) != theirs:
            what = "one this archive does not have" if ours is None else f"here {'/'.join(map(str, ours))}"
            raise ForeignTarget(f"{where} that are not an earlier copy of {source.name} (its post {post_id} is"
                                f" {'/'.join(map(str, theirs))}, {what}): copy into an empty database, or into"
                                " the one an interrupted copy of this archive left")
    ours_count = source.conn.execute("SELECT count(*) FROM posts WHERE id <= ?", (highest,)).fetchone()[0]
    if ours_count != count:
        raise ForeignTarget(f"{where} up to id {highest}, where {source.name} has {ours_count}: it is not an earlier"
                            " copy of this archive; copy into an empty database")


def _copy_table(source: Archive, target: Archive, name: str, columns: list[str], keys: tuple[str, ...],
                numbered: bool, batch: int, progress: Callable[[str, int, int], None] | None) -> int:
    total = source.conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
    column_list = ", ".join(columns)
    posts = name == "posts"
    insert = (f"INSERT INTO {name} ({column_list}{', search' if posts else ''}) VALUES"
              f" ({', '.join('?' for _ in columns)}{', ?::tsvector' if posts else ''}) ON CONFLICT DO NOTHING")
    text_at = columns.index("text") if posts else 0
    translation_at = columns.index("translation") if posts else 0
    copied = 0
    done = 0
    if numbered:
        after = target.conn.execute(f"SELECT coalesce(max(id), 0) FROM {name}").fetchone()[0]
        done = source.conn.execute(f"SELECT count(*) FROM [{name}] WHERE id <= ?", (after,)).fetchone()[0]
        select = f"SELECT {column_list} FROM [{name}] WHERE id > ? ORDER BY id LIMIT {int(batch)}"
        id_at = columns.index("id")
        while True:
            rows = source.conn.execute(select, (after,)).fetchall()
            if not rows:
                break
            copied += _write(target, insert, rows, posts, text_at, translation_at)
            done += len(rows)
            after = rows[-1][id_at]
            if progress:
                progress(name, done, total)
    else:  # keyed by several columns: read in key order, what is there already is skipped
        cursor = source.conn.execute(f"SELECT {column_list} FROM [{name}] ORDER BY {', '.join(keys)}")
        while True:
            rows = cursor.fetchmany(batch)
            if not rows:
                break
            copied += _write(target, insert, rows, posts, text_at, translation_at)
            done += len(rows)
            if progress:
                progress(name, done, total)
    return copied


def _write(target: Archive, insert: str, rows: list[Any], posts: bool, text_at: int, translation_at: int) -> int:
    values = [(*row, search_vector(row[text_at], row[translation_at])) if posts else tuple(row) for row in rows]
    with target.transaction() as conn:
        cursor = conn.executemany(insert, values)
    return max(cursor.rowcount, 0)
