"""RSS and Atom feeds: fetched with httpx (bounded, ETag / If-Modified-Since), parsed by feedparser.

An entry's identity is its guid (``id``), else its link, else a hash of its title and summary;
it becomes the post's ``external_id`` and, hashed to 63 bits, its message id, so fetching the
same entry again stores nothing new and an edited entry is kept as a revision. A feed that is
not well-formed ("bozo") is used as far as it reads (a readable feed with no entries is not an
error); an unreadable entry is skipped and recorded against the feed; permanent HTTP errors (401, 403, 404,
410) are reported and the feed is not polled again until the configuration is reloaded.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from calendar import timegm
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import charset_normalizer
import feedparser
import httpx
from bs4 import BeautifulSoup

from monitor.storage import Archive, Post

from .fetch import DEADLINE_SECONDS, MAX_BYTES, fetch, retry_after
from .health import PermanentSourceError, TransientSourceError, get_state, record_error, record_partial, record_success, set_state

SOURCE = "feed"
PERMANENT = {401, 403, 404, 410}

log = logging.getLogger(__name__)


def entry_identity(entry: Any) -> str:
    for key in ("id", "guid", "link"):
        value = entry.get(key)
        if value:
            return str(value)
    digest = hashlib.sha256(f"{entry.get('title', '')}\n{entry.get('summary', '')}".encode()).hexdigest()
    return f"sha256:{digest}"


def message_id_of(identity: str) -> int:
    return int.from_bytes(hashlib.sha256(identity.encode()).digest()[:8], "big") & ((1 << 63) - 1)


_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _unescaped(text: str) -> str:
    """Entities left in text (feeds that escape twice: «п&rsquo;ять», «&nbsp;») become characters;
    a no-break space becomes a plain one so search and display see two words."""
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return text.replace("\xa0", " ")


def _plain(markup: str) -> str:
    if not markup:
        return ""
    if "<" not in markup:
        return _unescaped(markup).strip()
    soup = BeautifulSoup(markup, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    return _unescaped(soup.get_text()).strip()


_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _xml_char(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def repair_char_refs(body: bytes) -> tuple[bytes, int]:
    """Character references to no character (``&#xD800;``, ``&#0;``) become U+FFFD: feedparser raises on
    them and would lose the whole feed. Returns the body and how many were replaced."""
    count = 0

    def fix(match: re.Match) -> bytes:
        nonlocal count
        code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        if _xml_char(code):
            return match.group(0)
        count += 1
        return b"&#xFFFD;"

    return (_CHAR_REF.sub(fix, body), count) if b"&#" in body else (body, 0)


_PROLOG_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=", re.IGNORECASE)


def to_utf8(body: bytes, content_type: str) -> tuple[bytes, str | None]:
    """A body whose encoding is declared nowhere (no charset, no XML prolog encoding, no BOM) and is not
    UTF-8 is decoded by charset-normalizer (KOI8-R, windows-1251 ...) and handed on as UTF-8.
    Returns the body and the encoding detected, or None when nothing was changed."""
    if "charset=" in content_type.lower() or body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) \
            or _PROLOG_ENCODING.match(body[:512]):
        return body, None
    try:
        body.decode("utf-8")
        return body, None
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(body).best()
    if best is None:
        return body, None
    return str(best).encode("utf-8"), best.encoding


def _raw(entry: Any, key: str) -> Any:
    """The entry's own value for ``key``: feedparser's ``get`` maps missing keys to others, with a warning."""
    return dict.get(entry, key)


# Dates outside these years are a feed's error (year 1, 9999): the entry is dated when it was fetched.
EARLIEST_YEAR, LATEST_YEAR = 1990, 2100


def _when(value: Any) -> datetime | None:
    if not value or not EARLIEST_YEAR <= value[0] < LATEST_YEAR:
        return None
    try:
        return datetime.fromtimestamp(timegm(value), tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None


def _date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = _when(_raw(entry, key))
        if value:
            return value
    return None


def entry_to_post(feed_name: str, entry: Any, now: datetime, feed_title: str | None = None) -> Post:
    identity = entry_identity(entry)
    title = _plain(entry.get("title", ""))
    summary = ""
    if entry.get("content"):
        summary = _plain(entry["content"][0].get("value", ""))
    if not summary:
        summary = _plain(entry.get("summary", ""))
    text = title if not summary or summary == title else f"{title}\n\n{summary}" if title else summary
    updated = _when(_raw(entry, "updated_parsed"))
    published = _when(_raw(entry, "published_parsed"))
    edit_date = updated if updated and published and updated != published else None
    return Post(
        source=SOURCE,
        channel=feed_name,
        message_id=message_id_of(identity),
        date=_date(entry) or now,
        text=text,
        channel_title=feed_title,
        edit_date=edit_date,
        url=entry.get("link"),
        external_id=identity,
    )


class FeedSource:
    def __init__(self, name: str, url: str, archive: Archive, pipeline: Any, client: httpx.AsyncClient,
                 clock: Callable[[], datetime], *, max_bytes: int = MAX_BYTES, deadline: float = DEADLINE_SECONDS):
        self.name = name
        self.url = url
        self.archive = archive
        self.pipeline = pipeline
        self.client = client
        self.clock = clock
        self.max_bytes = max_bytes
        self.deadline = deadline
        self._told: set[str] = set()  # what was already logged about this feed's content

    def _tell_once(self, message: str) -> None:
        """A flaw the feed keeps having is logged the first time, not at every poll."""
        (log.debug if message in self._told else log.warning)("%s", message)
        self._told.add(message)

    @property
    def health_key(self) -> tuple[str, str]:
        """(source, channel) of this source's row in source_health."""
        return SOURCE, self.name

    async def poll(self) -> int:
        """Fetch and store new entries; returns how many posts were new. Raises Transient/PermanentSourceError.

        An entry that cannot be read is skipped and the others are stored; the skip is recorded as
        the feed's last error, so ``monitor status`` shows it until a poll reads every entry.
        """
        try:
            return await self._poll()
        except (TransientSourceError, PermanentSourceError) as exc:
            record_error(self.archive, SOURCE, self.name, str(exc), self.clock())
            raise

    async def _poll(self) -> int:
        etag, modified = get_state(self.archive, SOURCE, self.name)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        response = await fetch(self.client, self.url, what=f"feed {self.name}", headers=headers,
                               max_bytes=self.max_bytes, deadline=self.deadline)
        if response.status_code == 304:
            record_success(self.archive, SOURCE, self.name, 0, self.clock())
            return 0
        if response.status_code in PERMANENT:
            raise PermanentSourceError(f"feed {self.name}: {self.url} answered {response.status_code}"
                                       f" {response.reason_phrase}")
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientSourceError(f"feed {self.name}: {self.url} answered {response.status_code}",
                                       retry_after(response.headers.get("Retry-After")))
        if response.status_code >= 400:
            raise PermanentSourceError(f"feed {self.name}: {self.url} answered {response.status_code}")
        parsed = self._parse(response.content, response.headers)
        now = self.clock()
        title = _plain(parsed.feed.get("title") or "") or None
        posts, skipped = [], []
        for index, entry in enumerate(parsed.entries):
            try:
                posts.append(entry_to_post(self.name, entry, now, title))
            except Exception as exc:  # noqa: BLE001 - one unreadable entry must not cost the others
                skipped.append(f"entry {index + 1} ({entry_identity(entry)[:80]}): {type(exc).__name__}: {exc}")
        posts.sort(key=lambda p: p.date)
        summary = self.pipeline.ingest(posts)
        set_state(self.archive, SOURCE, self.name, response.headers.get("ETag"), response.headers.get("Last-Modified"))
        if skipped:
            message = f"feed {self.name}: {len(skipped)} of {len(parsed.entries)} entries skipped: {'; '.join(skipped[:3])}"
            record_partial(self.archive, SOURCE, self.name, summary.new, message, now)
            self._tell_once(message)
        else:
            record_success(self.archive, SOURCE, self.name, summary.new, now)
        if summary.new:
            log.info("feed %s: %d new entries", self.name, summary.new)
        return summary.new

    def _parse(self, body: bytes, headers: httpx.Headers) -> Any:
        """feedparser's reading of the body, after the repairs it needs; a feed it cannot read raises."""
        body, detected = to_utf8(body, headers.get("Content-Type", ""))
        response_headers = {k.lower(): v for k, v in headers.items()}
        if detected:
            response_headers["content-type"] = "application/xml; charset=utf-8"
            self._tell_once(f"feed {self.name}: no encoding declared; read as {detected}")
        body, repaired = repair_char_refs(body)
        if repaired:
            self._tell_once(f"feed {self.name}: {repaired} character references to no character replaced by U+FFFD")
        try:
            parsed = feedparser.parse(body, response_headers=response_headers)
        except Exception as exc:  # noqa: BLE001 - feedparser's loose parser raises on some malformed input
            raise TransientSourceError(f"feed {self.name}: not a readable feed: {type(exc).__name__}: {exc}") from None
        if parsed.bozo and not parsed.entries and not parsed.get("version"):
            raise TransientSourceError(f"feed {self.name}: not a readable feed: {parsed.get('bozo_exception')}")
        if parsed.bozo:
            self._tell_once(f"feed {self.name}: not well-formed ({parsed.get('bozo_exception')});"
                            f" using its {len(parsed.entries)} entries")
        return parsed
