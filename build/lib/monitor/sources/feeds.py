"""RSS and Atom feeds: fetched with httpx (timeouts, ETag / If-Modified-Since), parsed by feedparser.

An entry's identity is its guid (``id``), else its link, else a hash of its title and summary;
it becomes the post's ``external_id`` and, hashed to 63 bits, its message id, so fetching the
same entry again stores nothing new and an edited entry is kept as a revision. A feed that is
not well-formed ("bozo") but still has entries is used; permanent HTTP errors (401, 403, 404,
410) are reported and the feed is not polled again until the configuration is reloaded.
"""

from __future__ import annotations

import hashlib
import logging
from calendar import timegm
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import feedparser
import httpx
from bs4 import BeautifulSoup

from monitor.storage import Archive, Post

from .health import PermanentSourceError, TransientSourceError, get_state, record_error, record_success, set_state

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


def _plain(html: str) -> str:
    if not html:
        return ""
    if "<" not in html:
        return html.strip()
    soup = BeautifulSoup(html, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    return soup.get_text().strip()


def _raw(entry: Any, key: str) -> Any:
    """The entry's own value for ``key``: feedparser's ``get`` maps missing keys to others, with a warning."""
    return dict.get(entry, key)


def _date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = _raw(entry, key)
        if value:
            return datetime.fromtimestamp(timegm(value), tz=timezone.utc)
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
    updated = _raw(entry, "updated_parsed")
    published = _raw(entry, "published_parsed")
    edit_date = datetime.fromtimestamp(timegm(updated), tz=timezone.utc) if updated and published and updated != published else None
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
                 clock: Callable[[], datetime]):
        self.name = name
        self.url = url
        self.archive = archive
        self.pipeline = pipeline
        self.client = client
        self.clock = clock
        self._bozo_reported = False

    async def poll(self) -> int:
        """Fetch and store new entries; returns how many posts were new. Raises Transient/PermanentSourceError."""
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
        try:
            response = await self.client.get(self.url, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientSourceError(f"feed {self.name}: {type(exc).__name__}: {exc}") from None
        if response.status_code == 304:
            record_success(self.archive, SOURCE, self.name, 0, self.clock())
            return 0
        if response.status_code in PERMANENT:
            raise PermanentSourceError(f"feed {self.name}: {self.url} answered {response.status_code}"
                                       f" {response.reason_phrase}")
        if response.status_code == 429 or response.status_code >= 500:
            retry = response.headers.get("Retry-After")
            raise TransientSourceError(f"feed {self.name}: {self.url} answered {response.status_code}",
                                       float(retry) if retry and retry.isdigit() else None)
        if response.status_code >= 400:
            raise PermanentSourceError(f"feed {self.name}: {self.url} answered {response.status_code}")
        parsed = feedparser.parse(response.content, response_headers={k.lower(): v for k, v in response.headers.items()})
        if parsed.bozo and not parsed.entries:
            raise TransientSourceError(f"feed {self.name}: not a readable feed: {parsed.get('bozo_exception')}")
        if parsed.bozo:
            (log.debug if self._bozo_reported else log.warning)(
                "feed %s is not well-formed (%s); using its %d entries", self.name, parsed.get("bozo_exception"),
                len(parsed.entries))
            self._bozo_reported = True
        now = self.clock()
        title = parsed.feed.get("title")
        posts = [entry_to_post(self.name, entry, now, title) for entry in parsed.entries]
        posts.sort(key=lambda p: p.date)
        summary = self.pipeline.ingest(posts)
        set_state(self.archive, SOURCE, self.name, response.headers.get("ETag"), response.headers.get("Last-Modified"))
        record_success(self.archive, SOURCE, self.name, summary.new, now)
        if summary.new:
            log.info("feed %s: %d new entries", self.name, summary.new)
        return summary.new
