"""The SQLite archive: opening, migrating and writing posts.

Reads live in ``storage.queries``. A ``Database`` object belongs to the thread
that opened it: open one Archive per thread.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

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
    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] = _now, readonly: bool = False):
        self.path = Path(path)
        self.clock = clock
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
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

    @property
    def conn(self) -> sqlite3.Connection:
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
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
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
        # many rows per INSERT: the insert trigger then indexes them far faster than row by row
        per_statement = max(1, min(ROWS_PER_INSERT, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
                                   // len(_INSERT_COLUMNS)))
        for at in range(0, len(rows), per_statement):
            chunk = rows[at:at + per_statement]
            conn.execute(_INSERT_ROWS + ", ".join([_VALUES] * len(chunk)), [v for row in chunk for v in row])
        pending.clear()

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

    def get_post(self, post_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM posts WHERE id = ?", [post_id]))
        return rows[0] if rows else None

    def revisions(self, post_id: int) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM post_revisions WHERE post_id = ? ORDER BY id", [post_id]))
