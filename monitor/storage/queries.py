"""The archive's read side: what analysts ask of it (the CLI is a thin layer over these).

Posts come back as plain dicts with the columns of ``POST_COLUMNS`` (JSON
fields decoded), so the CLI, the exporter and tests share one shape.
"""

from __future__ import annotations

import heapq
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .engine import dialect, tsquery
from .model import iso

POST_COLUMNS = (
    "id", "source", "channel", "channel_username", "channel_title", "message_id", "date", "edit_date",
    "lang", "lang_confidence", "text", "translation", "translation_lang", "url", "fwd_from_name",
    "fwd_from_channel", "fwd_from_id", "reply_to", "views", "media_kind", "grouped_id", "entities",
    "deleted", "ingested_at",
)


class QueryError(ValueError):
    """A search query or filter the archive cannot run; the message says why."""


@dataclass
class Filters:
    """What narrows a search or an export. Dates are ISO strings in UTC (see ``parse_when``)."""

    channel: str | None = None
    lang: str | None = None
    since: str | None = None
    until: str | None = None
    source: str | None = None
    include_deleted: bool = True
    place: str | None = None  # a gazetteer place id: posts whose stored watchlist matches name it
    region: str | None = None  # an ISO 3166-2 code: posts whose stored watchlist matches are in it


_DURATION = re.compile(r"^(\d+)\s*([mhdw])$")


def parse_when(value: str, *, end_of_day: bool = False, now: datetime | None = None) -> str:
    """An ISO string (UTC) from "2024-08-06", "2024-08-06T08:00", "2024-08-06 08:00+03:00" or "36h", "7d".

    A bare date means the start of that day, or with ``end_of_day`` the start
    of the next (so ``--until 2024-08-07`` includes the whole 7th).
    """
    text = value.strip()
    duration = _DURATION.match(text)
    if duration:
        digits, unit = duration.group(1), duration.group(2)
        amount = int(digits) if len(digits) <= 15 else 10 ** 15  # more than 4,300 digits would not even parse
        try:
            delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount),
                     "w": timedelta(weeks=amount)}[unit]
            return iso((now or datetime.now(timezone.utc)) - delta)
        except OverflowError:  # further back than year 1: every post is newer
            return iso(datetime.min.replace(tzinfo=timezone.utc))
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end_of_day:
                if day == date.max:  # the end of 9999-12-31 is after every post
                    return "9999-12-31T23:59:59.999999+00:00"
                day += timedelta(days=1)
            return iso(datetime(day.year, day.month, day.day, tzinfo=timezone.utc))
        return iso(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise QueryError(
            f'"{value}" is not a date or time; expected e.g. 2024-08-06, 2024-08-06T08:00, '
            '2024-08-06T08:00+03:00, or a span back from now such as 36h or 7d'
        ) from None


def _where(filters: Filters, engine: str = "sqlite") -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if filters.channel:
        name = filters.channel.lstrip("@").lower()
        # SQLite's lower() folds ASCII only: titles (often Cyrillic) are compared as given or ASCII-folded.
        where.append("(lower(p.channel) = ? OR lower(p.channel_username) = ? OR p.channel_title = ?"
                     " OR lower(p.channel_title) = lower(?))")
        params += [name, name, filters.channel, filters.channel]
    if filters.lang:
        langs = [code.strip() for code in filters.lang.split(",") if code.strip()]
        where.append(f"p.lang IN ({', '.join('?' for _ in langs)})")
        params += langs
    if filters.since:
        where.append("p.date >= ?")
        params.append(filters.since)
    if filters.until:
        where.append("p.date < ?")
        params.append(filters.until)
    if filters.source:
        where.append("p.source = ?")
        params.append(filters.source)
    if not filters.include_deleted:
        where.append("p.deleted = 0")
    if filters.place:
        where.append("p.id IN (SELECT m.post_id FROM post_matches m, json_each(m.places) j"
                     " WHERE json_extract(j.value, '$.id') = ?)" if engine == "sqlite" else
                     "p.id IN (SELECT m.post_id FROM post_matches m, jsonb_array_elements(m.places::jsonb) j"
                     " WHERE j.value->>'id' = ?)")
        params.append(filters.place)
    if filters.region:
        where.append("p.id IN (SELECT m.post_id FROM post_matches m, json_each(m.regions) r WHERE r.value = ?)"
                     if engine == "sqlite" else
                     "p.id IN (SELECT m.post_id FROM post_matches m, jsonb_array_elements_text(m.regions::jsonb) r"
                     " WHERE r.value = ?)")
        params.append(filters.region)
    return where, params


def check_filters(conn: sqlite3.Connection, filters: Filters) -> None:
    """A --channel or --lang that no stored post has is an error listing what the archive holds."""
    if filters.channel:
        clause, params = _where(Filters(channel=filters.channel))
        if conn.execute(f"SELECT 1 FROM posts p WHERE {clause[0]} LIMIT 1", params).fetchone() is None:
            names = [f"{title or username} ({'@' + username + ', ' if username and title else ''}{channel})"
                     for channel, username, title in conn.execute(
                         "SELECT channel, max(channel_username), max(channel_title) FROM posts"
                         " GROUP BY source, channel ORDER BY 2, 3")]
            raise QueryError(f'no channel "{filters.channel}" in the archive; it has: '
                             + ("; ".join(names) if names else "no posts yet")
                             + " (give a username, numeric id or exact title)")
    if filters.lang:
        langs = [code.strip() for code in filters.lang.split(",") if code.strip()]
        have = [row[0] for row in conn.execute("SELECT DISTINCT coalesce(lang, 'und') FROM posts ORDER BY 1")]
        missing = [code for code in langs if code not in have]
        if missing:
            raise QueryError(f"no posts in language {', '.join(missing)}; the archive has: {', '.join(have) or 'no posts yet'}")


def _row(cursor: sqlite3.Cursor, values: tuple) -> dict[str, Any]:
    row = {d[0]: v for d, v in zip(cursor.description, values)}
    if row.get("entities"):
        row["entities"] = json.loads(row["entities"])
    if "deleted" in row:
        row["deleted"] = bool(row["deleted"])
    return row


_COLUMNS_SQL = ", ".join(f"p.{c}" for c in POST_COLUMNS)


def posts_by_id(conn: sqlite3.Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The posts with these ids (as search and export give them), by id; missing ids are left out."""
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):  # within SQLite's limit on parameters
        chunk = ids[start:start + 500]
        cursor = conn.execute(f"SELECT {_COLUMNS_SQL} FROM posts p WHERE p.id IN ({', '.join('?' * len(chunk))})", chunk)
        for values in cursor.fetchall():
            row = _row(cursor, values)
            found[row["id"]] = row
    return found


def _fts_error(query: str, exc: sqlite3.OperationalError) -> QueryError:
    message = str(exc)
    if message.startswith("fts5:"):
        message = message[5:].strip()
    return QueryError(
        f'cannot search for {query!r}: {message}. Words are matched as written; use "double quotes" '
        "for a phrase, OR / AND / NOT in capitals between words, and a trailing * for a prefix"
    )


def _is_query_error(exc: sqlite3.OperationalError) -> bool:
    """FTS5 names syntax errors in many ways (``fts5: syntax error``, ``expected integer, got "abc"``,
    ``unknown special query``); what is not about the archive itself is about the query."""
    text = str(exc).lower()
    return not any(word in text for word in ("locked", "disk", "readonly", "no such table", "unable to open",
                                               "interrupted", "corrupt", "out of memory"))


def check_query(query: str) -> None:
    """The mistakes worth naming before FTS5 sees the query."""
    if query.count('"') % 2:
        raise QueryError(f'cannot search for {query!r}: a double quote is not closed; a phrase is "two words"')
    depth = 0
    for char in query:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        raise QueryError(f"cannot search for {query!r}: parentheses do not pair up")


_OPERATOR_WORDS = ("AND", "OR", "NOT")
_QUERY_PART = re.compile(r'"(?:[^"]|"")*"\*?|\bNEAR\s*\([^()]*\)|[()]|[^\s()"]+')


def prepare_query(query: str) -> str:
    """``query`` checked for the mistakes FTS5 reports badly or not at all, with ``-word`` made ``NOT word``.

    A leading NOT, an AND / OR / NOT with no word on one side, and a query of excluded words alone
    are errors that say what to write instead.
    """
    if not query or not query.strip():
        raise QueryError("empty search query; give one or more words")
    check_query(query)
    if not _WORD.search(query):
        raise QueryError(f"cannot search for {query!r}: it has no word to search for"
                         + ("; a * goes after the start of a word (обстрел*)" if "*" in query else ""))
    parts = _QUERY_PART.findall(query)
    excluded = [p[1:] for p in parts if p.startswith("-") and len(p) > 1 and p[1] != "-"]
    if excluded:
        kept = [p for p in parts if not (p.startswith("-") and len(p) > 1 and p[1] != "-")]
        if not [p for p in kept if p not in _OPERATOR_WORDS and p not in "()"]:
            raise QueryError(f"cannot search for {query!r}: -word leaves a word out, and there is no word left to"
                             f" search for; e.g. 'Суджа -{excluded[0]}'")
        parts = ["(", *kept, ")"] + [x for word in excluded for x in ("NOT", word)]
    previous = None
    for part in parts + [None]:
        if part in _OPERATOR_WORDS and (previous is None or previous == "(" or previous in _OPERATOR_WORDS):
            if part == "NOT" and (previous is None or previous == "("):
                raise QueryError(f"cannot search for {query!r}: NOT needs a word before it (FTS5 cannot list posts"
                                 " lacking a word); write 'Курск NOT Суджа', or 'Курск -Суджа'")
            raise QueryError(f"cannot search for {query!r}: {part} needs a word on each side"
                             + (f" (not right after {previous})" if previous in _OPERATOR_WORDS else ""))
        if (part is None or part == ")") and previous in _OPERATOR_WORDS:
            raise QueryError(f"cannot search for {query!r}: {previous} at the end needs a word after it; add one or drop"
                             f" the {previous}")
        previous = part
    return " ".join(parts) if excluded else query


_TERM = re.compile(r'"((?:[^"]|"")*)"(\*?)|([^\s()"*]+)(\*?)')
_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # words as FTS5's unicode61 cuts them ("mod_russia" is two)


def _terms(expression: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The words (and prefixes) of an FTS5 expression, folded as FTS5's unicode61 tokenizer folds them."""
    words: set[str] = set()
    prefixes: list[str] = []
    for quoted, quoted_star, bare, bare_star in _TERM.findall(expression):
        text = quoted.replace('""', '"') if quoted else bare
        if not quoted and text in ("AND", "OR", "NOT", "NEAR"):
            continue
        parts = [w.casefold() for w in _WORD.findall(text)]
        if not parts:
            continue
        if quoted_star or bare_star:
            words.update(parts[:-1])
            prefixes.append(parts[-1])
        else:
            words.update(parts)
    return frozenset(words), tuple(prefixes)


def snippet(text: str, terms: tuple[frozenset[str], tuple[str, ...]], width: int = 12) -> str:
    """Up to ``width`` words around the first match, matched words in [brackets]; "" if none match."""
    words, prefixes = terms
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    hits = [i for i, (a, b) in enumerate(spans)
            if (w := text[a:b].casefold()) in words or (prefixes and w.startswith(prefixes))]
    if not hits:
        return ""
    first = max(0, min(hits[0] - width // 3, len(spans) - width))
    last = min(len(spans), first + width)
    out, cursor = [], spans[first][0]
    hit_set = set(hits)
    for i in range(first, last):
        a, b = spans[i]
        out.append(text[cursor:a])
        out.append(f"[{text[a:b]}]" if i in hit_set else text[a:b])
        cursor = b
    return ("…" if first > 0 else "") + "".join(out) + ("…" if last < len(spans) else text[cursor:])


def _newest_ids(conn: Any, expression: str, where: list[str], params: list[Any],
                limit: int | None) -> list[int]:
    """Ids of the newest matching posts, by (date, id) descending.

    FTS5 walks its matches cheaply in rowid order, newest rowid first, and rowid
    order is close to date order (posts are stored as they arrive). So matches
    are read in growing chunks from the highest rowid down, and the search stops
    as soon as no post below the chunk (matching or not) is newer than the
    oldest of the ``limit`` kept. An archive whose rowids do not follow dates
    (history imported after live posts) only costs more chunks, never a wrong
    answer. Snippets are made afterwards, for the page alone.
    """
    filters_sql = "".join(" AND " + w for w in where)
    if dialect(conn) == "postgresql":  # the GIN index finds the matches; the date index orders them
        sql = (f"SELECT p.id FROM posts p WHERE p.search @@ ?::tsquery{filters_sql} ORDER BY p.date DESC, p.id DESC"
               + (f" LIMIT {int(limit)}" if limit is not None else ""))
        return [row[0] for row in conn.execute(sql, [tsquery(expression), *params])]
    if limit is None:
        sql = (f"SELECT p.id FROM posts p WHERE p.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)"
               f"{filters_sql} ORDER BY p.date DESC, p.id DESC")
        return [row[0] for row in conn.execute(sql, [expression, *params])]
    kept: list[tuple[str, int]] = []  # min-heap of (date, id)
    below: int | None = None
    chunk = max(4 * limit, 200)
    while True:
        rowids = [row[0] for row in conn.execute(
            "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?"
            + (" AND rowid < ?" if below is not None else "") + " ORDER BY rowid DESC LIMIT ?",
            [expression, *([below] if below is not None else []), chunk],
        )]
        if not rowids:
            break
        below = rowids[-1]
        marks = ", ".join("?" for _ in rowids)
        for day, post_id in conn.execute(
            f"SELECT p.date, p.id FROM posts p WHERE p.id IN ({marks}){filters_sql}", [*rowids, *params]
        ):
            item = (day or "", post_id)
            if len(kept) < limit:
                heapq.heappush(kept, item)
            elif item > kept[0]:
                heapq.heapreplace(kept, item)
        if len(rowids) < chunk:
            break
        if len(kept) == limit:
            newest_below = conn.execute(
                "SELECT date FROM posts WHERE id < ? ORDER BY date DESC LIMIT 1", [below]
            ).fetchone()
            if newest_below is None or kept[0][0] >= (newest_below[0] or ""):
                break
        chunk = min(chunk * 2, 20000)
    return [post_id for _, post_id in sorted(kept, reverse=True)]


def search_posts(
    conn: sqlite3.Connection,
    query: str,
    filters: Filters | None = None,
    *,
    limit: int | None = 50,
    expand: Callable[[str], str] | None = None,
) -> list[dict[str, Any]]:
    """Posts whose text or translation match the FTS5 ``query``, newest first.

    ``expand`` rewrites the query first (the matcher's inflection-aware
    expansion). Each row has a ``snippet`` with the matched words in [brackets].
    """
    filters = filters or Filters()
    if (not query or not query.strip()) and (filters.place or filters.region):
        return _newest_matched(conn, filters, limit)
    query = prepare_query(query)
    expression = expand(query) if expand else query
    where, params = _where(filters, dialect(conn))
    try:
        ids = _newest_ids(conn, expression, where, params, limit)
        if not ids:
            return []
        found = posts_by_id(conn, ids)
        terms = _terms(expression)
        for row in found.values():
            row["snippet"] = (snippet(row["text"] or "", terms) or snippet(row["translation"] or "", terms)
                              or snippet(row["url"] or "", terms) or _opening(row["text"] or row["translation"] or ""))
        return [found[i] for i in ids if i in found]
    except sqlite3.OperationalError as exc:
        if _is_query_error(exc):
            raise _fts_error(query, exc) from None
        raise


def _opening(text: str, width: int = 12) -> str:
    """The first ``width`` words of a text: the snippet of a post matched where no word shows (a link, a column)."""
    spans = [m.end() for m in _WORD.finditer(text)]
    if len(spans) <= width:
        return " ".join(text.split())
    return " ".join(text[: spans[width - 1]].split()) + "…"


def _newest_matched(conn: sqlite3.Connection, filters: Filters, limit: int | None) -> list[dict[str, Any]]:
    """Posts named by --place / --region alone, newest first."""
    where, params = _where(filters, dialect(conn))
    sql = f"SELECT p.id FROM posts p WHERE {' AND '.join(where)} ORDER BY p.date DESC, p.id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    ids = [row[0] for row in conn.execute(sql, params)]
    found = posts_by_id(conn, ids)
    for row in found.values():
        row["snippet"] = _opening(row["text"] or row["translation"] or "")
    return [found[i] for i in ids if i in found]


def iter_posts(
    conn: Any,  # a sqlite3.Connection or a PgConnection (storage.engine)
    filters: Filters | None = None,
    *,
    query: str | None = None,
    expand: Callable[[str], str] | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every post (or those matching ``query``) oldest first, streamed: the archive may be large."""
    filters = filters or Filters()
    where, params = _where(filters, dialect(conn))
    if query:
        query = prepare_query(query)
        expression = expand(query) if expand else query
        if dialect(conn) == "postgresql":
            where.insert(0, "p.search @@ ?::tsquery")
            params.insert(0, tsquery(expression))
        else:
            where.insert(0, "p.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)")
            params.insert(0, expression)
    sql = f"SELECT {_COLUMNS_SQL} FROM posts p"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY p.date, p.id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    try:
        cursor = conn.stream(sql, params) if dialect(conn) == "postgresql" else conn.execute(sql, params)
        try:
            for values in cursor:
                yield _row(cursor, values)
        finally:
            cursor.close()
    except sqlite3.OperationalError as exc:
        if query and _is_query_error(exc):
            raise _fts_error(query, exc) from None
        raise


def stats(conn: sqlite3.Connection, filters: Filters | None = None) -> dict[str, list[dict[str, Any]]]:
    """Posts per channel, per language and per day (UTC)."""
    filters = filters or Filters()
    where, params = _where(filters, dialect(conn))
    clause = (" WHERE " + " AND ".join(where)) if where else ""

    def rows(sql: str) -> list[dict[str, Any]]:
        cursor = conn.execute(sql, params)
        return [_row(cursor, values) for values in cursor.fetchall()]

    return {
        "channel": rows(
            "SELECT p.source, p.channel, max(p.channel_username) AS username, max(p.channel_title) AS title,"
            " count(*) AS posts, min(p.date) AS first, max(p.date) AS last"
            f" FROM posts p{clause} GROUP BY p.source, p.channel ORDER BY posts DESC, p.channel"
        ),
        "lang": rows(
            f"SELECT coalesce(p.lang, 'und') AS lang, count(*) AS posts FROM posts p{clause}"
            " GROUP BY coalesce(p.lang, 'und') ORDER BY posts DESC, lang"
        ),
        "day": rows(
            f"SELECT substr(p.date, 1, 10) AS day, count(*) AS posts FROM posts p{clause}"
            " GROUP BY day ORDER BY day"
        ),
    }


def totals(conn: sqlite3.Connection) -> dict[str, Any]:
    row = conn.execute(
        "SELECT count(*), count(DISTINCT source || ':' || channel), min(date), max(date) FROM posts"
    ).fetchone()
    return {"posts": row[0], "channels": row[1], "first": row[2], "last": row[3]}


def watchlist_posts(conn: sqlite3.Connection, watchlist: str, *, limit: int = 15) -> list[dict[str, Any]]:
    """The earliest posts a watchlist matched: date, channel, lang, the text's first 90 characters, url."""
    cursor = conn.execute(
        "SELECT p.date, coalesce(p.channel_username, p.channel_title) AS channel, p.lang, substr(p.text, 1, 90) AS text,"
        " p.url FROM post_matches m JOIN posts p ON p.id = m.post_id WHERE m.watchlist = ? ORDER BY p.date LIMIT ?",
        (watchlist, limit),
    )
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values)) for values in cursor.fetchall()]
