"""The SQLite archive: opening, migrating and writing posts.

Reads live in ``storage.queries``. A ``Database`` object belongs to the thread
that opened it: open one Archive per thread.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from .engine import POSTS_LOCK, PgConnection, PgDatabase, migrate, redact, search_vector
from .migrations import all_sets
from .model import Post, iso

log = logging.getLogger(__name__)

NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"

# Columns a later sighting of the same post may refresh without it counting as an edit.
_METADATA = ("views", "channel_username", "channel_title", "url", "media_kind", "grouped_id")


_INSERT_COLUMNS = (
    "id", "source", "channel", "message_id", "channel_id", "channel_username", "channel_title", "date",
    "edit_date", "text", "entities", "fwd_from_name", "fwd_from_channel", "fwd_from_id", "reply_to", "views",
    "media_kind", "grouped_id", "url", "external_id", "lang", "lang_confidence", "translation", "deleted",
    "ingested_at", "updated_at",
)
_INSERT_ROWS = f"INSERT INTO posts ({', '.join(_INSERT_COLUMNS)}) VALUES "
_VALUES = f"({', '.join('?' for _ in _INSERT_COLUMNS)})"
ROWS_PER_INSERT = 500  # new posts inserted by one statement (fewer if SQLite allows fewer parameters)


class ArchiveError(Exception):
    """The archive cannot be opened or written."""


@dataclass
class Stored:
    """What storing one post did."""

    id: int
    post: Post
    status: str  # NEW | UPDATED | UNCHANGED
    previous_text: str | None = None
    inserted: tuple[Any, ...] | None = field(default=None, repr=False)  # the values inserted, for a NEW post

    def row(self) -> dict[str, Any] | None:
        """The post as ``storage.queries.posts_by_id`` would read it back, from the values just
        inserted (None unless this call inserted it): no need to read it again."""
        if self.inserted is None:
            return None
        from .queries import POST_COLUMNS

        values = dict(zip(_INSERT_COLUMNS, self.inserted), translation_lang=None)
        row = {column: values[column] for column in POST_COLUMNS}
        if row["entities"]:
            row["entities"] = json.loads(row["entities"])
        row["deleted"] = bool(row["deleted"])
        return row


def _now() -> datetime:
    return datetime.now(timezone.utc)


WAL_LIMIT = 16 * 1024 * 1024  # bytes the write-ahead log file keeps once a checkpoint has emptied it


class Archive:
    """The archive: a SQLite file (``path``) or a PostgreSQL database (``url``); open it with ``Archive.of``."""

    def __init__(self, path: str | Path | None = None, *, clock: Callable[[], datetime] = _now, readonly: bool = False,
                 url: str | None = None, password: str | None = None):
        self.clock = clock
        self.url = url
        self.db: Any
        if url:
            self.path = None
            self._open_postgres(url, password)
            return
        if path is None:
            raise ArchiveError("no archive: give [storage] path or url")
        self.path = Path(path)
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():  # posts and alert addresses are the desk's: readable by its user alone
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        elif not self.path.exists():
            raise ArchiveError(f"{self.path}: archive does not exist (run 'monitor import' or 'monitor run' first)")
        try:
            conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 30000")
            self.db = sqlite_utils.Database(conn)
            if not readonly:
                self.db.enable_wal()
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT}")
                conn.execute("PRAGMA cache_size = -65536")  # 64 MiB of pages: the story and search indexes are read at random
                conn.execute("PRAGMA foreign_keys = ON")
            # Readers too: an archive made by an older version is upgraded in place before use.
            for migration_set in all_sets():
                migration_set.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.path}: not a usable SQLite archive: {exc}") from None

    @classmethod
    def of(cls, storage: Any, *, clock: Callable[[], datetime] = _now, readonly: bool = False,
           application_name: str = "monitor") -> Archive:
        """The archive a ``[storage]`` section names: its ``url`` (PostgreSQL, password from ``password_env``)
        or else its ``path`` (SQLite)."""
        url = getattr(storage, "url", "")
        if url:
            from ..secrets import read_secret

            password = read_secret(storage.password_env)
            try:
                return cls(url=url, password=password, clock=clock)
            except ArchiveError as exc:
                if password is None:  # the server's own words ("no password supplied") do not name the setting
                    raise ArchiveError(f"{exc} (and no password: {storage.password_env}, the environment variable"
                                       " or credential [storage] password_env names, is not set)") from None
                raise
        return cls(storage.path, clock=clock, readonly=readonly)

    @property
    def dialect(self) -> str:
        return "postgresql" if self.url else "sqlite"

    @property
    def name(self) -> str:
        """Where the archive is, for messages (a URL never shows its password)."""
        return redact(self.url) if self.url else str(self.path)

    def _open_postgres(self, url: str, password: str | None) -> None:
        import psycopg

        try:
            conn = PgConnection(url, password)
        except psycopg.Error as exc:
            raise ArchiveError(f"{redact(url)}: cannot connect to the PostgreSQL archive: {str(exc).strip()}") from None
        try:
            migrate(conn)
        except psycopg.Error as exc:
            conn.close()
            raise ArchiveError(f"{redact(url)}: cannot bring the archive's schema up to date: {str(exc).strip()}") from None
        self.db = PgDatabase(conn)

    @property
    def conn(self) -> Any:
        """A ``sqlite3.Connection``, or a ``PgConnection`` with the same methods (``storage.engine``)."""
        return self.db.conn

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def checkpoint(self) -> None:
        """Copy what the write-ahead log holds into the database, without waiting for readers; the
        log file is cut back to ``WAL_LIMIT`` when it next starts over."""
        if self.url is None:
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """One write transaction: everything inside commits together or not at all.

        Nested use joins the outer transaction.
        """
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # SQLite ends the transaction itself on some errors (a full disk)
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- posts -------------------------------------------------------------
    def store_posts(self, posts: Iterable[Post]) -> list[Stored]:
        """Insert new posts, record edits as revisions, refresh metadata.

        Idempotent: storing the same post twice changes nothing the second time.
        Call inside ``transaction()`` to make a batch atomic.
        """
        posts = list(posts)
        results: list[Stored | None] = []
        with self.transaction():
            now = iso(self.clock())  # one time of ingestion for the whole batch
            if self.url:  # other nodes store too: the keys read below must hold until commit
                self.conn.execute("SELECT pg_advisory_xact_lock(?)", (POSTS_LOCK,))
            known = self._known_keys(posts)
            # New posts are inserted together (one executemany, ids given in order after the
            # highest stored: no other writer can come in inside the transaction); a post
            # already stored, or seen earlier in this batch, is compared with its row.
            pending: list[tuple[int, Post]] = []  # (index in results, post) to insert
            pending_keys: set[tuple[str, str, int]] = set()
            for post in posts:
                key = post.key
                if key in known:
                    if key in pending_keys:  # a second copy in the same batch: the first is stored first
                        self._insert(pending, results, now)
                        pending_keys.clear()
                    results.append(self._store(post, now))
                else:
                    pending.append((len(results), post))
                    pending_keys.add(key)
                    results.append(None)
                    known.add(key)
            self._insert(pending, results, now)
        return results  # type: ignore[return-value]

    def _insert(self, pending: list[tuple[int, Post]], results: list[Stored | None], now: str) -> None:
        if not pending:
            return
        conn = self.conn
        first = (conn.execute("SELECT max(id) FROM posts").fetchone()[0] or 0) + 1
        rows = []
        for offset, (index, post) in enumerate(pending):
            row = self._row(first + offset, post, now)
            rows.append(row)
            results[index] = Stored(first + offset, post, NEW, inserted=row)
        if self.url:
            self._insert_postgres(rows)
            pending.clear()
            return
        # many rows per INSERT: the insert trigger then indexes them far faster than row by row
        per_statement = max(1, min(ROWS_PER_INSERT, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
                                   // len(_INSERT_COLUMNS)))
        for at in range(0, len(rows), per_statement):
            chunk = rows[at:at + per_statement]
            conn.execute(_INSERT_ROWS + ", ".join([_VALUES] * len(chunk)), [v for row in chunk for v in row])
        pending.clear()

    def _insert_postgres(self, rows: list[tuple[Any, ...]]) -> None:
        """New posts with their search vector (FTS5's index, PostgreSQL's ``search`` column)."""
        text_at, translation_at = _INSERT_COLUMNS.index("text"), _INSERT_COLUMNS.index("translation")
        sql = (f"INSERT INTO posts ({', '.join(_INSERT_COLUMNS)}, search) VALUES"
               f" ({', '.join('?' for _ in _INSERT_COLUMNS)}, ?::tsvector)")
        self.conn.executemany(sql, [(*row, search_vector(row[text_at], row[translation_at])) for row in rows])

    def index_search(self, post_ids: Iterable[int]) -> None:
        """Write again the search vectors of these posts (PostgreSQL; FTS5's triggers do it on SQLite)
        after their text or translation changed."""
        if not self.url:
            return
        ids = list(post_ids)
        if not ids:
            return
        rows = self.conn.execute(f"SELECT id, text, translation FROM posts WHERE id IN ({', '.join('?' * len(ids))})",
                                 ids).fetchall()
        self.conn.executemany("UPDATE posts SET search = ?::tsvector WHERE id = ?",
                              [(search_vector(text, translation), post_id) for post_id, text, translation in rows])

    @staticmethod
    def _row(post_id: int, post: Post, now: str) -> tuple[Any, ...]:
        entities = json.dumps(post.entities, ensure_ascii=False) if post.entities else None
        return (
            post_id, post.source, post.channel, post.message_id, post.channel_id, post.channel_username,
            post.channel_title, iso(post.date), iso(post.edit_date), post.text or "", entities,
            post.fwd_from_name, post.fwd_from_channel, post.fwd_from_id, post.reply_to, post.views,
            post.media_kind, post.grouped_id, post.url, post.external_id, post.lang,
            post.lang_confidence, post.translation, int(post.deleted), now, now,
        )

    def _known_keys(self, posts: list[Post]) -> set[tuple[str, str, int]]:
        """Which of these posts are stored already: one query per channel, not one per post."""
        by_channel: dict[tuple[str, str], list[int]] = {}
        for post in posts:
            by_channel.setdefault((post.source, post.channel), []).append(post.message_id)
        known: set[tuple[str, str, int]] = set()
        for (source, channel), ids in by_channel.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                for (message_id,) in self.conn.execute(
                    f"SELECT message_id FROM posts WHERE source = ? AND channel = ? AND message_id IN ({marks})",
                    (source, channel, *chunk),
                ):
                    known.add((source, channel, message_id))
        return known

    def _store(self, post: Post, now: str) -> Stored:
        conn = self.conn
        row = conn.execute(
            "SELECT id, text, entities, edit_date, deleted, views, channel_username, channel_title, url,"
            " media_kind, grouped_id, lang FROM posts WHERE source = ? AND channel = ? AND message_id = ?",
            (post.source, post.channel, post.message_id),
        ).fetchone()
        if row is None:  # (store_posts sends only stored posts here) inserted as any new post
            results: list[Stored | None] = [None]
            self._insert([(0, post)], results, now)
            return results[0]  # type: ignore[return-value]
        entities = json.dumps(post.entities, ensure_ascii=False) if post.entities else None
        post_id, old_text, old_entities, old_edit, deleted, *meta = row
        old_meta = dict(zip(_METADATA, meta[:-1]))
        old_lang = meta[-1]
        text = post.text or ""
        if text != (old_text or "") or (entities or None) != (old_entities or None):
            conn.execute(
                "INSERT INTO post_revisions (post_id, text, entities, edit_date, recorded_at) VALUES (?, ?, ?, ?, ?)",
                (post_id, old_text, old_entities, old_edit, now),
            )
            conn.execute(
                "UPDATE posts SET text = ?, entities = ?, edit_date = ?, lang = ?, lang_confidence = ?,"
                " translation = NULL, translation_lang = NULL,"
                " translation_status = CASE WHEN translation_status IS NULL THEN NULL ELSE 'pending' END,"
                " updated_at = ? WHERE id = ?",
                (text, entities, iso(post.edit_date) or old_edit, post.lang or old_lang, post.lang_confidence, now, post_id),
            )
            self._refresh_metadata(post_id, post, old_meta)
            self.index_search([post_id])
            return Stored(post_id, post, UPDATED, previous_text=old_text)
        self._refresh_metadata(post_id, post, old_meta)
        if post.edit_date and iso(post.edit_date) != old_edit:
            conn.execute("UPDATE posts SET edit_date = ? WHERE id = ?", (iso(post.edit_date), post_id))
        if post.deleted and not deleted:
            conn.execute("UPDATE posts SET deleted = 1, updated_at = ? WHERE id = ?", (now, post_id))
        return Stored(post_id, post, UNCHANGED)

    def _refresh_metadata(self, post_id: int, post: Post, old: dict[str, Any]) -> bool:
        updates = {}
        for column in _METADATA:
            value = getattr(post, column)
            if value is not None and value != old[column]:
                updates[column] = value
        if updates:
            assignments = ", ".join(f"{c} = ?" for c in updates)
            self.conn.execute(f"UPDATE posts SET {assignments} WHERE id = ?", (*updates.values(), post_id))
        return bool(updates)

    def mark_deleted(self, source: str, channel: str, message_ids: Iterable[int]) -> int:
        """Mark posts deleted at the source; their text is kept."""
        now = iso(self.clock())
        ids = list(message_ids)
        with self.transaction() as conn:
            count = 0
            for message_id in ids:
                cursor = conn.execute(
                    "UPDATE posts SET deleted = 1, updated_at = ? WHERE source = ? AND channel = ? AND message_id = ? AND deleted = 0",
                    (now, source, channel, message_id),
                )
                count += cursor.rowcount
        return count

    def last_message_id(self, source: str, channel: str) -> int | None:
        row = self.conn.execute(
            "SELECT max(message_id) FROM posts WHERE source = ? AND channel = ?", (source, channel)
        ).fetchone()
        return row[0] if row else None

    def set_translation(self, post_id: int, translation: str | None, lang: str | None, status: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE posts SET translation = ?, translation_lang = ?, translation_status = ? WHERE id = ?",
                (translation, lang, status, post_id),
            )
            self.index_search([post_id])

    def get_post(self, post_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM posts WHERE id = ?", [post_id]))
        return rows[0] if rows else None

    def revisions(self, post_id: int) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM post_revisions WHERE post_id = ? ORDER BY id", [post_id]))
