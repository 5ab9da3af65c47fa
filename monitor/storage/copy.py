"""Copying a SQLite archive into a PostgreSQL one (``monitor archive copy --to postgresql://...``).

Every table the PostgreSQL schema has is copied in batches, each batch in a transaction of its own
with ``ON CONFLICT DO NOTHING``: an interrupted copy run again goes on where it stopped (tables
numbered by ``id`` continue after the highest id already copied; the others are read again and
nothing already there is written twice). Ids are kept, so stories, alerts and matches still name
their posts; PostgreSQL's id sequences are moved past the copied ids at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .archive import Archive
from .engine import postgres_schema, search_vector

BATCH = 2000  # rows per transaction


def copy_archive(source: Archive, target: Archive, *, batch: int = BATCH,
                 progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Copy every row of the SQLite ``source`` missing from the PostgreSQL ``target``; rows copied per table.

    ``progress(table, copied so far, rows in the source table)`` is called after each batch.
    """
    if source.url is not None or target.url is None:
        raise ValueError("copy reads a SQLite archive and writes a PostgreSQL one")
    copied: dict[str, int] = {}
    have = {name for (name,) in source.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in postgres_schema().tables.values():
        if table.name not in have:
            continue
        source_columns = {row[1] for row in source.conn.execute(f"PRAGMA table_info([{table.name}])")}
        columns = [c for c, _spec, _kind in table.columns if c in source_columns]
        copied[table.name] = _copy_table(source, target, table.name, columns, table.primary_key, table.identity,
                                         batch, progress)
    for table in postgres_schema().tables.values():
        if table.identity:  # new rows numbered after the copied ones
            target.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                                f" (SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)")
    return copied


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
