"""The story board: the archive's stories in a browser, read-only (``monitor serve``).

A small WSGI application of its own (no framework): ``/`` lists the stories newest first
with their watchlist, first seen, latest figures, what changed, sources and languages, and
per watchlist a chart of matched posts and alerts per hour over the last days;
``/story/<id>`` shows a story's timeline (every post, its decision and reason, the original
text and its translation, the link to the source) and a chart of each figure that changed.

Every request reads the archive through a connection of its own opened read-only (SQLite's
``mode=ro``; on PostgreSQL a session whose transactions are read-only), so the board can never
change what the daemon writes. Everything shown is
HTML-escaped, the pages load nothing from elsewhere (charts are inline SVG), and the
Content-Security-Policy forbids scripts.
"""

from __future__ import annotations

import html
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .mail.compose import link_url, visible
from .matching.labels import PlaceLabels, labels_for
from .storage.engine import PgConnection, redact
from .storage.model import parse_iso
from .storage.story_queries import figure_changes, get_story, hourly_activity, latest_figures, list_stories, newest_match, story_timeline

log = logging.getLogger(__name__)

ACTIVITY_HOURS = 72  # the per-watchlist chart covers the last three days
STORIES_SHOWN = 200
SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]
STYLE = """
body{font:15px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.3em .5em;border-bottom:1px solid #ddd}
th{background:#f4f4f4}.muted{color:#777}.decision{font-weight:bold;text-transform:uppercase}
.post{border-left:4px solid #ccc;margin:1em 0;padding:.2em 1em}.post.new{border-color:#2a7}.post.update{border-color:#d80}
.text{white-space:pre-wrap}.translation{white-space:pre-wrap;color:#345}.charts{display:flex;flex-wrap:wrap;gap:1em}
svg{background:#fafafa;border:1px solid #eee}
"""


def _e(value: Any) -> str:
    return html.escape(visible("" if value is None else str(value)), quote=True)


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n").encode()


def _link(url: str | None, text: str) -> str:
    safe = link_url(url)
    return f'<a href="{_e(safe)}" rel="noopener noreferrer">{_e(text)}</a>' if safe else _e(url or "")


def _hour(value: str | None) -> str:
    return (value or "")[:16].replace("T", " ")


# -- charts -------------------------------------------------------------------------------------


def figure_series(timeline: list[dict[str, Any]], figures: dict[str, list[int]]) -> dict[str, list[tuple[str, int]]]:
    """Each figure of a story that changed, as (post date, value) each time a post gave a new value."""
    from .stories.claims import claim_of

    changing = {unit for unit, values in figures.items() if len(values) > 1}
    series: dict[str, list[tuple[str, int]]] = {unit: [] for unit in figures if unit in changing}
    for post in timeline:
        claim = claim_of(post["text"] or "", post.get("translation"))
        for figure in claim.figures:
            points = series.get(figure.unit)
            if points is None or figure.value not in figures[figure.unit]:
                continue
            if not points or points[-1][1] != figure.value:
                points.append((post["date"], figure.value))
    return {unit: points for unit, points in series.items() if len(points) > 1}


def line_chart(title: str, points: list[tuple[str, int]], width: int = 360, height: int = 160) -> str:
    """An inline SVG of one figure over time: a point and its value for each change."""
    pad = 30
    times = [parse_iso(t) or datetime.min.replace(tzinfo=timezone.utc) for t, _ in points]
    start, end = times[0], times[-1]
    span = max((end - start).total_seconds(), 1.0)
    top = max(v for _, v in points) or 1
    xy = [(pad + (width - 2 * pad) * (t - start).total_seconds() / span, height - pad - (height - 2 * pad) * v / top)
          for t, (_, v) in zip(times, points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    marks = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#d80"/>'
                    f'<text x="{x:.1f}" y="{y - 6:.1f}" font-size="11" text-anchor="middle">{v}</text>'
                    for (x, y), (_, v) in zip(xy, points))
    return (f'<figure class="figure-chart" data-unit="{_e(title)}"><svg width="{width}" height="{height}" role="img"'
            f' aria-label="{_e(title)}: {" -> ".join(str(v) for _, v in points)}">'
            f'<polyline points="{line}" fill="none" stroke="#d80" stroke-width="2"/>{marks}'
            f'<text x="{pad}" y="{height - 8}" font-size="10" fill="#777">{_e(_hour(points[0][0]))}</text>'
            f'<text x="{width - pad}" y="{height - 8}" font-size="10" fill="#777" text-anchor="end">{_e(_hour(points[-1][0]))}</text>'
            f"</svg><figcaption>{_e(title)}: {_e(' -> '.join(str(v) for _, v in points))}</figcaption></figure>")


def activity_chart(watchlist: str, counts: dict[str, dict[str, int]], end: datetime, hours: int = ACTIVITY_HOURS,
                   width: int = 720, height: int = 120) -> str:
    """An inline SVG of a watchlist's matched posts (bars) and alerts (dots) per hour, ``hours`` up to ``end``."""
    first = end.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    slots = [(first + timedelta(hours=i)).strftime("%Y-%m-%dT%H") for i in range(hours)]
    posts = [counts["posts"].get(s, 0) for s in slots]
    alerts = [counts["alerts"].get(s, 0) for s in slots]
    top = max(posts + alerts + [1])
    step = width / hours
    bars = "".join(
        f'<rect x="{i * step:.1f}" y="{height - 20 - (height - 30) * n / top:.1f}" width="{max(step - 1, 1):.1f}"'
        f' height="{(height - 30) * n / top:.1f}" fill="#7aa"><title>{_e(slots[i])}:00 UTC: {n} posts</title></rect>'
        for i, n in enumerate(posts) if n)
    dots = "".join(
        f'<circle cx="{i * step + step / 2:.1f}" cy="{height - 20 - (height - 30) * n / top:.1f}" r="3" fill="#c33">'
        f"<title>{_e(slots[i])}:00 UTC: {n} alerts</title></circle>"
        for i, n in enumerate(alerts) if n)
    return (f'<figure class="activity-chart" data-watchlist="{_e(watchlist)}"><svg width="{width}" height="{height}" role="img"'
            f' aria-label="{_e(watchlist)}: {sum(posts)} matched posts, {sum(alerts)} alerts">{bars}{dots}'
            f'<text x="2" y="{height - 5}" font-size="10" fill="#777">{_e(slots[0])}:00</text>'
            f'<text x="{width - 2}" y="{height - 5}" font-size="10" fill="#777" text-anchor="end">{_e(slots[-1])}:00 UTC</text>'
            f"</svg><figcaption>{_e(watchlist)}: {sum(posts)} matched posts (bars) and {sum(alerts)} alerts (dots)"
            f" per hour</figcaption></figure>")


# -- pages ------------------------------------------------------------------------------------------


def _read_errors() -> tuple[type[Exception], ...]:
    """What a failed read of the archive raises, on either engine."""
    import psycopg

    return (sqlite3.Error, psycopg.Error)


class Board:
    """The WSGI application over the archive: the SQLite file at ``path``, or the PostgreSQL database
    at ``url`` (then ``path`` only places the imported gazetteer, as for every command)."""

    def __init__(self, path: str | Path | None = None, *, url: str | None = None, password: str | None = None,
                 labels: PlaceLabels | None = None, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        if not path and not url:
            raise ValueError("the story board needs an archive: a path or a url")
        self.path = Path(path) if path else None
        self.url = url or None
        self._password = password
        self.labels = labels or labels_for(self.path)
        self.clock = clock
        self.errors = _read_errors()

    @property
    def name(self) -> str:
        """The archive, for messages (a URL never shows its password)."""
        return redact(self.url) if self.url else str(self.path)

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A read-only connection of this request's own, closed after it."""
        conn: Any
        if self.url:
            conn = PgConnection(self.url, self._password, application_name="monitor serve")
            conn.execute("SET default_transaction_read_only = on")
        else:
            assert self.path is not None
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            yield conn
        finally:
            conn.close()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        if method not in ("GET", "HEAD"):
            return self._reply(start_response, "405 Method Not Allowed", _page("Read-only", "<p>The story board is read-only.</p>"),
                               [("Allow", "GET, HEAD")])
        try:
            if path == "/":
                status, body = "200 OK", self.index()
            elif (m := re.fullmatch(r"/story/(\d{1,18})", path)) is not None:
                page = self.story(int(m.group(1)))
                status = "200 OK" if page is not None else "404 Not Found"
                body = page or _page("No such story", f'<p>No story {_e(m.group(1))}. <a href="/">All stories</a></p>')
            else:
                status, body = "404 Not Found", _page("Not found", '<p>Nothing here. <a href="/">All stories</a></p>')
        except self.errors as exc:
            log.error("story board: cannot read %s: %s", self.name, exc)
            status, body = "503 Service Unavailable", _page("Archive unavailable", f"<p>Cannot read the archive: {_e(exc)}</p>")
        return self._reply(start_response, status, body if method == "GET" else b"")

    @staticmethod
    def _reply(start_response: Callable, status: str, body: bytes, extra: list | None = None) -> list[bytes]:
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                   ("Cache-Control", "no-store"), *SECURITY_HEADERS, *(extra or [])]
        start_response(status, headers)
        return [body]

    def _places(self, story: dict[str, Any]) -> str:
        names = [self.labels.label(p) for p in story["places"]] or [self.labels.label(r) for r in story["regions"]]
        return ", ".join(names)

    def index(self) -> bytes:
        with self.connect() as conn:
            stories = list_stories(conn, limit=STORIES_SHOWN)
            names = self._source_names(conn, [s["id"] for s in stories])
            now = self.clock()
            newest = parse_iso(newest_match(conn))
            end = now if newest is None or newest >= now - timedelta(hours=ACTIVITY_HOURS) else newest
            activity = hourly_activity(conn, (end - timedelta(hours=ACTIVITY_HOURS)).isoformat(),
                                       (end + timedelta(hours=1)).isoformat())
        rows = []
        for s in stories:
            sources = names.get(s["id"], [])
            rows.append(
                f'<tr class="story" data-story="{s["id"]}"><td><a href="/story/{s["id"]}">{s["id"]}</a></td>'
                f'<td><a href="/story/{s["id"]}">{_e((s["title"] or "").splitlines()[0][:140] if s["title"] else "(no text)")}</a>'
                f'<br><span class="muted">{_e(self._places(s))}</span></td>'
                f"<td>{_e(s['watchlist'])}</td><td>{_e(_hour(s['first_seen']))}</td><td>{_e(_hour(s['last_seen']))}</td>"
                f"<td>{_e(s['latest_figures'])}</td><td>{_e(s['changed'])}</td>"
                f"<td>{len(sources)}: {_e(', '.join(sources))}</td><td>{_e(', '.join(s['languages']))}</td></tr>")
        charts = "".join(activity_chart(w, counts, end) for w, counts in sorted(activity.items()))
        note = "" if end == now else f' <span class="muted">(up to the newest matched post, {_e(_hour(end.isoformat()))} UTC)</span>'
        body = (
            "<h1>Stories</h1>"
            f"<p class=\"muted\">{len(stories)} stories, newest first (by their latest post). Times are UTC. Read-only.</p>"
            '<table id="stories"><thead><tr><th>#</th><th>Story</th><th>Watchlist</th><th>First seen</th><th>Latest post</th>'
            "<th>Latest figures</th><th>What changed</th><th>Sources</th><th>Languages</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>"
            + f"<h2>Matched posts and alerts per hour, last {ACTIVITY_HOURS // 24} days{note}</h2>"
            + (f'<div class="charts">{charts}</div>' if charts else '<p class="muted">No matched posts in that time.</p>')
        )
        return _page("Stories", body)

    @staticmethod
    def _source_names(conn: Any, story_ids: list[int]) -> dict[int, list[str]]:
        names: dict[int, list[str]] = {}
        for start in range(0, len(story_ids), 500):
            chunk = story_ids[start:start + 500]
            for story_id, name in conn.execute(
                "SELECT sp.story_id, coalesce(max(p.channel_title), max(p.channel_username), p.channel)"
                " FROM story_posts sp JOIN posts p ON p.id = sp.post_id"
                f" WHERE sp.story_id IN ({', '.join('?' * len(chunk))}) GROUP BY sp.story_id, p.source, p.channel"
                " ORDER BY min(sp.date)", chunk,
            ):
                names.setdefault(story_id, []).append(name)
        return names

    def story(self, story_id: int) -> bytes | None:
        with self.connect() as conn:
            story = get_story(conn, story_id)
            if story is None:
                return None
            timeline = story_timeline(conn, story_id)
        series = figure_series(timeline, story["figures"])
        charts = "".join(line_chart(unit, points) for unit, points in series.items())
        posts = []
        for n, post in enumerate(timeline, 1):
            username = f" (@{post['channel_username']})" if post["channel_username"] else ""
            translation = (f'<h4>Translation <span class="muted">({_e(post["translation_lang"] or "")}, machine translation)</span></h4>'
                           f'<div class="translation">{_e(post["translation"])}</div>') if post["translation"] else ""
            posts.append(
                f'<li class="post {_e(post["decision"])}" data-post="{post["post_id"]}" data-date="{_e(post["date"])}">'
                f'<p><b>{n}.</b> <time datetime="{_e(post["date"])}">{_e(_hour(post["date"]))} UTC</time> · '
                f'{_e((post["channel_title"] or post["channel_name"]) + username)}'
                f' · {_e(post["lang"] or "und")} · <span class="decision">{_e(post["decision"])}</span>: '
                f'{_e(self.labels.readable(post["reason"]))}</p>'
                f'<div class="text">{_e(post["text"])}</div>{translation}'
                f'<p class="muted">Source: {_link(post["url"], post["url"] or "")}</p></li>')
        body = (
            '<p><a href="/">All stories</a></p>'
            f"<h1>Story {story_id} <span class=\"muted\">({_e(story['watchlist'])})</span></h1>"
            f"<p>First seen {_e(_hour(story['first_seen']))} UTC, latest post {_e(_hour(story['last_seen']))} UTC;"
            f" {story['posts']} posts from {story['sources']} sources; languages {_e(', '.join(story['languages']))}.</p>"
            f"<p>Places: {_e(self._places(story)) or '-'}. Latest figures: {_e(latest_figures(story['figures'])) or '-'}."
            f" What changed: {_e(figure_changes(story['figures'])) or '-'}.</p>"
            + (f'<h2>Figures over time</h2><div class="charts">{charts}</div>' if charts else "")
            + f'<h2>Timeline</h2><ol id="timeline">{"".join(posts)}</ol>'
        )
        return _page(f"Story {story_id}", body)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        log.debug("story board: " + format, *args)


def make_board_server(path: str | Path | None, host: str = "127.0.0.1", port: int = 8750, **kwargs: Any) -> WSGIServer:
    """A threaded HTTP server for the board of the archive at ``path``, or at ``url=`` (port 0: any free port)."""
    return make_server(host, port, Board(path, **kwargs), server_class=_Server, handler_class=_QuietHandler)


def board_url(server: WSGIServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{quote(str(host))}:{port}/"
