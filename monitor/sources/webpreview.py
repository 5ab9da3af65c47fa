"""Public channels without an account: the t.me/s/<channel> web preview.

Each page lists about twenty posts, oldest first, with a "load more" link
(``?before=<id>``). A poll reads the first page and pages back until it reaches the last
stored post, so a burst between two polls is not lost; the first poll of a channel reads the
first page only. Views, the "edited" mark, forwards and albums are read from the markup.
A channel without a public preview redirects away from /s/: that is reported, not retried.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

import httpx
from bs4 import BeautifulSoup, Tag

from monitor.storage import Archive, Post

from .health import PermanentSourceError, TransientSourceError, record_error, record_success

SOURCE = "webpreview"
MAX_PAGES = 10

log = logging.getLogger(__name__)


def parse_views(text: str | None) -> int | None:
    if not text:
        return None
    text = text.strip().upper().replace(",", ".")
    scale = 1
    if text.endswith("K"):
        scale, text = 1_000, text[:-1]
    elif text.endswith("M"):
        scale, text = 1_000_000, text[:-1]
    try:
        return int(round(float(text) * scale))
    except ValueError:
        return None


def _text(node: Tag | None) -> str:
    if node is None:
        return ""
    for br in node.find_all("br"):
        br.replace_with("\n")
    return node.get_text().strip()


def _own_text(message: Tag) -> Tag | None:
    """The post's own text: not the quoted text of the post it replies to."""
    for node in message.select(".tgme_widget_message_text"):
        if node.find_parent(class_="tgme_widget_message_reply") is None:
            return node
    return None


def parse_page(html: str, username: str) -> tuple[list[Post], int | None, set[int]]:
    """The posts of one t.me/s page (oldest first), the id to page back from (None on the last page),
    and the ids of the posts marked "edited"."""
    soup = BeautifulSoup(html, "html.parser")
    title_node = soup.select_one(".tgme_channel_info_header_title")
    title = title_node.get_text().strip() if title_node else None
    posts: list[Post] = []
    edited_ids: set[int] = set()
    for message in soup.select("div.tgme_widget_message[data-post]"):
        if message.find_parent(class_="service_message") or "service_message" in (message.get("class") or []):
            continue
        name, _, number = message["data-post"].partition("/")
        if not number.isdigit():
            continue
        message_id = int(number)
        time_node = message.select_one("a.tgme_widget_message_date time[datetime]") or message.select_one("time[datetime]")
        if time_node is None:
            continue
        date = datetime.fromisoformat(time_node["datetime"].replace("Z", "+00:00")).astimezone(timezone.utc)
        meta = message.select_one(".tgme_widget_message_meta")
        edited = bool(meta and "edited" in meta.get_text().lower())
        forwarded = message.select_one(".tgme_widget_message_forwarded_from_name")
        fwd_name = fwd_channel = fwd_id = None
        if forwarded is not None:
            fwd_name = forwarded.get_text().strip() or None
            href = forwarded.get("href") if forwarded.name == "a" else None
            if href:
                match = re.match(r"https?://t\.me/(?:s/)?([A-Za-z0-9_]+)/(\d+)", href)
                if match:
                    fwd_channel, fwd_id = match.group(1).lower(), int(match.group(2))
        # an album is one block whose grouped wrap links every item's own post
        grouped = message.select_one(".tgme_widget_message_grouped_wrap") or \
            message.find_parent(class_="tgme_widget_message_grouped_wrap")
        media = None
        if message.select_one(".tgme_widget_message_photo_wrap, .tgme_widget_message_grouped_wrap"):
            media = "photo"
        elif message.select_one(".tgme_widget_message_video_player, video"):
            media = "video"
        elif message.select_one(".tgme_widget_message_document"):
            media = "document"
        elif message.select_one(".tgme_widget_message_poll"):
            media = "poll"
        posts.append(Post(
            source=SOURCE,
            channel=username.lower(),
            message_id=message_id,
            date=date,
            text=_text(_own_text(message)),
            channel_username=name or username,
            channel_title=title,
            edit_date=None,
            fwd_from_name=fwd_name,
            fwd_from_channel=fwd_channel,
            fwd_from_id=fwd_id,
            views=parse_views(_text(message.select_one(".tgme_widget_message_views")) or None),
            media_kind=media,
            grouped_id=None,
            url=f"https://t.me/{name or username}/{message_id}",
        ))
        if edited:
            edited_ids.add(message_id)
        posts[-1].grouped_id = _group_id(grouped) if grouped is not None else None
    more = soup.select_one("a.tme_messages_more[data-before]")
    before = int(more["data-before"]) if more and more["data-before"].isdigit() else None
    return posts, before, edited_ids


def _group_id(wrap: Tag) -> int | None:
    """Album items share the id of the album's first post."""
    ids = [int(m["data-post"].rsplit("/", 1)[1]) for m in wrap.select("[data-post]") if m["data-post"].rsplit("/", 1)[1].isdigit()]
    if not ids:
        owner = wrap.find_parent(attrs={"data-post": True})
        if owner is not None and owner["data-post"].rsplit("/", 1)[1].isdigit():
            return int(owner["data-post"].rsplit("/", 1)[1])
        return None
    return min(ids)


class WebPreviewSource:
    def __init__(self, username: str, archive: Archive, pipeline: Any, client: httpx.AsyncClient, *,
                 base_url: str = "https://t.me", clock: Callable[[], datetime], max_pages: int = MAX_PAGES):
        self.username = username.lstrip("@")
        self.channel = self.username.lower()
        self.archive = archive
        self.pipeline = pipeline
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.max_pages = max_pages

    async def _page(self, before: int | None) -> tuple[list[Post], int | None, set[int]]:
        url = f"{self.base_url}/s/{self.username}" + (f"?before={before}" if before else "")
        try:
            response = await self.client.get(url)
        except httpx.HTTPError as exc:
            raise TransientSourceError(f"t.me/s/{self.username}: {type(exc).__name__}: {exc}") from None
        if response.status_code == 429:
            retry = response.headers.get("Retry-After")
            raise TransientSourceError(f"t.me/s/{self.username}: rate limited (429)",
                                       float(retry) if retry and retry.isdigit() else 60.0)
        if response.status_code >= 500:
            raise TransientSourceError(f"t.me/s/{self.username}: server error {response.status_code}")
        if response.status_code == 404 or not urlparse(str(response.url)).path.startswith("/s/"):
            raise PermanentSourceError(f"channel {self.username} has no public web preview (t.me/s/{self.username}"
                                       " redirects elsewhere); use a Telegram session for it")
        if response.status_code >= 400:
            raise PermanentSourceError(f"t.me/s/{self.username}: answered {response.status_code}")
        return parse_page(response.text, self.username)

    async def poll(self) -> int:
        try:
            return await self._poll()
        except (TransientSourceError, PermanentSourceError) as exc:
            record_error(self.archive, SOURCE, self.channel, str(exc), self.clock())
            raise

    async def _poll(self) -> int:
        last = self.archive.last_message_id(SOURCE, self.channel)
        collected: dict[int, Post] = {}
        edited: set[int] = set()
        before = None
        for _ in range(self.max_pages):
            posts, before, marked = await self._page(before)
            edited |= marked
            for post in posts:
                collected[post.message_id] = post
            if last is None or not posts or min(p.message_id for p in posts) <= last + 1 or before is None:
                break
        posts = sorted(collected.values(), key=lambda p: p.message_id)
        now = self.clock()
        for post in posts:
            if post.message_id in edited:  # the page says "edited" but not when: first seen edited now
                row = self.archive.conn.execute(
                    "SELECT edit_date FROM posts WHERE source = ? AND channel = ? AND message_id = ?",
                    (SOURCE, self.channel, post.message_id)).fetchone()
                post.edit_date = datetime.fromisoformat(row[0]) if row and row[0] else now
        summary = self.pipeline.ingest(posts)
        record_success(self.archive, SOURCE, self.channel, summary.new, now)
        if summary.new:
            log.info("t.me/s/%s: %d new posts", self.username, summary.new)
        return summary.new
