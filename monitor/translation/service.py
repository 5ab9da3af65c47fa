"""Translating posts without ever blocking or losing one.

A post that needs a translation is marked ``pending`` inside its ingest
transaction (``TranslationStage``); no network call happens there. The
translator drains the pending posts later (a scheduled job, ``monitor translate
--pending``, or an alert about to be mailed). Each attempt either stores the
translation (``done``) or leaves the post pending: rate limits back the backend
off, network and server errors are retried on the next run, a refused key is
logged and shown by ``monitor status``, and over the daily budget posts simply
wait.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.config import Config
from monitor.pipeline import Item
from monitor.storage import Archive, iso, parse_iso

from ..clock import system_clock
from .backends import Backend, BackendError, BadKey, RateLimited, Unavailable, Unsupported, backend_for, one_line
from .protect import place_spans, protect
from .split import join_pieces, split_text

log = logging.getLogger(__name__)

PENDING, DONE = "pending", "done"
UNSUPPORTED = "unsupported"  # the backend cannot translate the post's language (translation_unsupported says why)
CACHED = "cached"  # returned by translate_post: done, from the cache
BACKOFF_FIRST = 60.0
BACKOFF_MAX = 3600.0


@dataclass
class TranslateReport:
    done: int = 0
    cached: int = 0
    pending: int = 0
    skipped: int = 0
    unsupported: int = 0
    error: str | None = None


def cache_key(backend: str, source: str, target: str, text: str) -> str:
    return hashlib.sha256(f"{backend}\0{source}\0{target}\0{text}".encode()).hexdigest()


def needs_translation(lang: str | None, target: str) -> bool:
    return bool(lang) and lang not in ("und", target)


class Translator:
    def __init__(self, archive: Archive, config: Config, *, backend: Backend | None = None,
                 clock: Callable[[], datetime] = system_clock):
        self.archive = archive
        self.config = config
        self.settings = config.translation
        self.backend = backend if backend is not None else backend_for(self.settings)
        self.clock = clock
        self._bad_key_logged = False

    @property
    def enabled(self) -> bool:
        return self.backend is not None

    @property
    def _active(self) -> Backend:
        """The backend, for the steps that run only once ``enabled`` was checked."""
        if self.backend is None:
            raise RuntimeError('translation is off (translation.backend = "none" in the configuration)')
        return self.backend

    # -- state ------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        rows = list(self.archive.db.query("SELECT * FROM translation_state WHERE backend = ?", [self._active.name]))
        return rows[0] if rows else {}

    def backed_off(self) -> bool:
        until = parse_iso(self._state().get("backoff_until"))
        return until is not None and until > self.clock()

    def _record(self, *, error: str | None = None, backoff: bool = False) -> None:
        now = self.clock()
        state = self._state()
        with self.archive.transaction() as conn:
            if error is None:
                conn.execute(
                    "INSERT INTO translation_state (backend, last_success_at, backoff_seconds, backoff_until) VALUES (?, ?, NULL, NULL)"
                    " ON CONFLICT(backend) DO UPDATE SET last_success_at = excluded.last_success_at,"
                    " backoff_seconds = NULL, backoff_until = NULL",
                    (self._active.name, iso(now)),
                )
                return
            seconds = None
            until = None
            if backoff:
                previous = state.get("backoff_seconds")
                seconds = min(previous * 2, BACKOFF_MAX) if previous else BACKOFF_FIRST
                until = iso(now + timedelta(seconds=seconds))
            conn.execute(
                "INSERT INTO translation_state (backend, last_error, last_error_at, backoff_seconds, backoff_until)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(backend) DO UPDATE SET last_error = excluded.last_error,"
                " last_error_at = excluded.last_error_at,"
                " backoff_seconds = COALESCE(excluded.backoff_seconds, translation_state.backoff_seconds),"
                " backoff_until = COALESCE(excluded.backoff_until, translation_state.backoff_until)",
                (self._active.name, error, iso(now), seconds, until),
            )

    def _budget_left(self) -> int | None:
        budget = self.settings.daily_characters
        if not budget:
            return None
        day = self.clock().date().isoformat()
        row = self.archive.conn.execute(
            "SELECT characters FROM translation_usage WHERE day = ? AND backend = ?", (day, self._active.name)
        ).fetchone()
        return budget - (row[0] if row else 0)

    def _spend(self, characters: int) -> None:
        day = self.clock().date().isoformat()
        with self.archive.transaction() as conn:
            conn.execute(
                "INSERT INTO translation_usage (day, backend, characters) VALUES (?, ?, ?)"
                " ON CONFLICT(day, backend) DO UPDATE SET characters = translation_usage.characters + excluded.characters",
                (day, self._active.name, characters),
            )

    # -- one post ----------------------------------------------------------------------
    def translate_post(self, post_id: int, *, timeout: float | None = None) -> str:
        """Try to translate one pending post now. Returns its translation status afterwards.

        ``timeout`` bounds every call to the backend (default: translation.timeout_seconds).
        """
        post = self.archive.get_post(post_id)
        if post is None:
            return "missing"
        if post.get("translation_status") != PENDING or not self.enabled:
            return post.get("translation_status") or "none"
        target = self.settings.target
        source = post.get("lang") or "auto"
        text = post.get("text") or ""
        if not needs_translation(source, target) or not text.strip():
            self._store(post_id, None, None, None)
            return "none"
        key = cache_key(self._active.name, source, target, text)
        cached = self.archive.conn.execute("SELECT translation FROM translation_cache WHERE key = ?", (key,)).fetchone()
        if cached:
            self._store(post_id, cached[0], target, None)
            return CACHED
        if self._unsupported(source, target) is not None:
            self._mark_unsupported(post_id)
            return UNSUPPORTED
        if self.backed_off():
            return PENDING
        left = self._budget_left()
        if left is not None and left < len(text):
            log.info("daily translation budget reached; post %s waits", post_id)
            return PENDING
        try:
            translation = self._translate(text, source, target, timeout or self.settings.timeout_seconds)
        except Unsupported as exc:
            self._record_unsupported(source, target, str(exc))
            self._mark_unsupported(post_id)
            return UNSUPPORTED
        except RateLimited as exc:
            self._record(error=str(exc), backoff=True)
            log.warning("%s; translations paused", exc)
            return PENDING
        except BadKey as exc:
            self._record(error=str(exc))
            if not self._bad_key_logged:
                log.error("%s; posts stay untranslated until it is fixed", exc)
                self._bad_key_logged = True
            return PENDING
        except (Unavailable, BackendError) as exc:
            self._record(error=str(exc))
            log.warning("translation of post %s failed: %s; it will be retried", post_id, one_line(exc))
            return PENDING
        self._spend(len(text))
        self._record()
        self._store(post_id, translation, target, (key, source))
        return DONE

    def _unsupported(self, source: str, target: str) -> str | None:
        row = self.archive.conn.execute(
            "SELECT reason FROM translation_unsupported WHERE backend = ? AND source = ? AND target = ?",
            (self._active.name, source, target),
        ).fetchone()
        return row[0] if row else None

    def _record_unsupported(self, source: str, target: str, reason: str) -> None:
        """Record once that the backend cannot translate ``source``; logged the first time only."""
        with self.archive.transaction() as conn:
            new = conn.execute(
                "INSERT OR IGNORE INTO translation_unsupported (backend, source, target, reason, at) VALUES (?, ?, ?, ?, ?)",
                (self._active.name, source, target, one_line(reason), iso(self.clock())),
            ).rowcount
        if new:
            log.warning("%s; such posts are not translated (recorded in translation_unsupported)", one_line(reason))

    def _mark_unsupported(self, post_id: int) -> None:
        with self.archive.transaction() as conn:
            conn.execute("UPDATE posts SET translation_status = ? WHERE id = ? AND translation_status = ?",
                         (UNSUPPORTED, post_id, PENDING))

    def _translate(self, text: str, source: str, target: str, timeout: float) -> str:
        """Translate a whole post within ``timeout`` seconds of waiting on the backend, however many pieces it takes.

        The deadline starts once the text is ready to send: finding its places (which may build
        the matcher after a reload) is not counted against the backend's time.
        """
        spans = place_spans(self.config, text, source)
        prepared = protect(text, spans)
        pieces = split_text(prepared, self._active.limit)
        deadline = time.monotonic() + timeout
        translated = []
        for piece, _ in pieces:
            if not piece.strip():
                translated.append(piece)
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unavailable(f"{self._active.name} did not finish within {timeout:g}s")
            translated.append(self._active.translate(piece, source, target, left))
        return join_pieces(translated, [sep for _, sep in pieces])

    def _store(self, post_id: int, translation: str | None, lang: str | None, cache: tuple[str, str] | None) -> None:
        with self.archive.transaction() as conn:
            status = DONE if translation is not None else None
            conn.execute(
                "UPDATE posts SET translation = ?, translation_lang = ?, translation_status = ? WHERE id = ?",
                (translation, lang, status, post_id),
            )
            self.archive.index_search([post_id])
            if cache is not None and translation is not None:
                key, source = cache
                conn.execute(
                    "INSERT OR IGNORE INTO translation_cache (key, backend, source, target, translation, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (key, self._active.name, source, lang, translation, iso(self.clock())),
                )

    # -- the backlog -----------------------------------------------------------------------
    def drain(self, *, limit: int | None = None) -> TranslateReport:
        """Try every pending post, oldest first, until the backend backs off."""
        report = TranslateReport()
        if not self.enabled:
            return report
        sql = "SELECT id FROM posts WHERE translation_status = 'pending' ORDER BY date, id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        for (post_id,) in self.archive.conn.execute(sql).fetchall():
            status = self.translate_post(post_id)
            if status == DONE:
                report.done += 1
            elif status == CACHED:
                report.cached += 1
            elif status == PENDING:
                report.pending += 1
                if self.backed_off():
                    break
            elif status == UNSUPPORTED:
                report.unsupported += 1
            else:
                report.skipped += 1
        report.pending = backlog(self.archive)
        report.error = self._state().get("last_error") if report.pending else None
        return report


def backlog(archive: Archive) -> int:
    return archive.conn.execute("SELECT count(*) FROM posts WHERE translation_status = 'pending'").fetchone()[0]


class TranslationStage:
    """Marks posts that need a translation as pending, inside the ingest transaction."""

    name = "translation"

    def __init__(self, config: Config):
        self.settings = config.translation

    def process(self, archive: Archive, items: list[Item], *, alerts: bool) -> None:
        if self.settings.backend == "none":
            return
        ids = []
        for item in items:
            if not needs_translation(item.post.lang, self.settings.target) or not (item.post.text or "").strip():
                continue
            if self.settings.translate == "matched" and not item.matched:
                continue
            ids.append(item.id)
        if ids:
            archive.conn.executemany(
                "UPDATE posts SET translation_status = 'pending' WHERE id = ? AND translation IS NULL", [(i,) for i in ids]
            )
