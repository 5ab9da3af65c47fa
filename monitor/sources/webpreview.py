"""Public channels without an account: the t.me/s/<channel> web preview.

Each page lists about twenty posts, oldest first, with a "load more" link
(``?before=<id>``). A poll reads the first page and pages back until it reaches the last
stored post, so a burst between two polls is not lost; the first poll of a channel reads the
first page only. Views, the "edited" mark, forwards, replies, media kinds and albums are read
from the markup; a post whose markup cannot be read is skipped and recorded against the channel.
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

from .fetch import DEADLINE_SECONDS, MAX_BYTES, fetch, retry_after
from .health import PermanentSourceError, TransientSourceError, record_error, record_partial, record_success

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


_POST_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits only: "²".isdigit() is true but int("²") fails
_POST_LINK = re.compile(r"https?://t\.me/(?:s/)?([A-Za-z0-9_]+)/([0-9]{1,18})(?:[/?#]|$)")

# Markup of a post's media -> our media kinds, the first that matches (an album is photos).
_MEDIA = (
    (".tgme_widget_message_photo_wrap, .tgme_widget_message_grouped_wrap", "photo"),
    (".tgme_widget_message_sticker_wrap, .tgme_widget_message_sticker", "sticker"),
    (".tgme_widget_message_roundvideo_player, .tgme_widget_message_roundvideo", "video_note"),
    (".tgme_widget_message_video_player, video", "video"),
    (".tgme_widget_message_voice_player, .tgme_widget_message_voice", "voice"),
    (".tgme_widget_message_audio_player, .tgme_widget_message_audio, audio", "audio"),
    (".tgme_widget_message_location_wrap, .tgme_widget_message_location", "geo"),
    (".tgme_widget_message_poll", "poll"),
    (".tgme_widget_message_document", "document"),
)


def _media_kind(message: Tag) -> str | None:
    for selector, kind in _MEDIA:
        if message.select_one(selector):
            return kind
    return None


def _forward(message: Tag) -> tuple[str | None, str | None, int | None]:
    """Name, channel and post id of a forward's origin. A user's forward has a name (a link to a
    profile, or plain text when hidden) and no post."""
    block = message.select_one(".tgme_widget_message_forwarded_from")
    if block is None:
        return None, None, None
    named = block.select_one(".tgme_widget_message_forwarded_from_name")
    if named is not None:
        name = _text(named) or None
    else:  # "Forwarded from <b>Name</b>": the text after the label
        label = block.select_one(".tgme_widget_message_forwarded_from_label")
        if label is not None:
            label.extract()
        name = re.sub(r"^\s*Forwarded from\s*", "", block.get_text().replace("\xa0", " ")).strip() or None
    link = named if named is not None and named.name == "a" else block.select_one("a[href]")
    match = _POST_LINK.match(_attr(link, "href")) if link is not None else None
    if match:
        return name, match.group(1).lower(), int(match.group(2))
    return name, None, None


def _attr(tag: Tag, name: str) -> str:
    """An attribute's value as one string, "" when absent (a multi-valued one, like class, joined by spaces)."""
    value = tag.get(name)
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)


def _reply_to(message: Tag, username: str) -> int | None:
    """The id of the post this one replies to, when it is in the same channel."""
    reply = message.select_one("a.tgme_widget_message_reply[href]")
    match = _POST_LINK.match(_attr(reply, "href")) if reply is not None else None
    if match and match.group(1).lower() == username.lower():
        return int(match.group(2))
    return None


def _parse_message(message: Tag, username: str, title: str | None) -> tuple[Post, bool] | None:
    """One post of a page and whether it is marked "edited"; None for what is not a post."""
    post_ref = _attr(message, "data-post")
    name, _, number = post_ref.partition("/")
    if not _POST_NUMBER.fullmatch(number):
        raise ValueError(f"data-post {post_ref!r} has no post number")
    message_id = int(number)
    time_node = message.select_one("a.tgme_widget_message_date time[datetime]") or message.select_one("time[datetime]")
    if time_node is None:
        return None
    try:
        date = datetime.fromisoformat(_attr(time_node, "datetime").replace("Z", "+00:00")).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ValueError(f"post {message_id}: datetime {time_node['datetime'][:40]!r} is not a date") from None
    meta = message.select_one(".tgme_widget_message_meta")
    edited = bool(meta and "edited" in meta.get_text().lower())
    fwd_name, fwd_channel, fwd_id = _forward(message)
    # an album is one block whose grouped wrap links every item's own post
    grouped = message.select_one(".tgme_widget_message_grouped_wrap") or \
        message.find_parent(class_="tgme_widget_message_grouped_wrap")
    post = Post(
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
        reply_to=_reply_to(message, name or username),
        views=parse_views(_text(message.select_one(".tgme_widget_message_views")) or None),
        media_kind=_media_kind(message),
        grouped_id=_group_id(grouped) if grouped is not None else None,
        url=f"https://t.me/{name or username}/{message_id}",
    )
    return post, edited


def parse_page(html: str, username: str, errors: list[str] | None = None) -> tuple[list[Post], int | None, set[int]]:
    """The posts of one t.me/s page (oldest first), the id to page back from (None on the last page),
    and the ids of the posts marked "edited". A post that cannot be read is skipped; why goes to ``errors``."""
    soup = BeautifulSoup(html, "html.parser")
    title_node = soup.select_one(".tgme_channel_info_header_title")
    title = title_node.get_text().strip() if title_node else None
    posts: list[Post] = []
    edited_ids: set[int] = set()
    for message in soup.select("div.tgme_widget_message[data-post]"):
        if message.find_parent(class_="service_message") or "service_message" in (message.get("class") or []):
            continue
        try:
            parsed = _parse_message(message, username, title)
        except (ValueError, KeyError, OverflowError) as exc:
            if errors is not None:
                errors.append(str(exc))
            continue
        if parsed is None:
            continue
        post, edited = parsed
        posts.append(post)
        if edited:
            edited_ids.add(post.message_id)
    more = soup.select_one("a.tme_messages_more[data-before]")
    before = _attr(more, "data-before") if more else None
    return posts, int(before) if before and _POST_NUMBER.fullmatch(before) else None, edited_ids


def _group_id(wrap: Tag) -> int | None:
    """Album items share the id of the album's first post."""
    ids = [int(n) for m in wrap.select("[data-post]") if _POST_NUMBER.fullmatch(n := _attr(m, "data-post").rsplit("/", 1)[-1])]
    if not ids:
        owner = wrap.find_parent(attrs={"data-post": True})
        number = _attr(owner, "data-post").rsplit("/", 1)[-1] if owner is not None else ""
        return int(number) if _POST_NUMBER.fullmatch(number) else None
    return min(ids)


class WebPreviewSource:
    def __init__(self, username: str, archive: Archive, pipeline: Any, client: httpx.AsyncClient, *,
                 base_url: str = "https://t.me", clock: Callable[[], datetime], max_pages: int = MAX_PAGES,
                 max_bytes: int = MAX_BYTES, deadline: float = DEADLINE_SECONDS):
        self.username = username.lstrip("@")
        self.channel = self.username.lower()
        self.archive = archive
        self.pipeline = pipeline
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.skipped: list[str] = []  # why posts of the current poll were skipped
        self._told: set[str] = set()

    async def _page(self, before: int | None) -> tuple[list[Post], int | None, set[int]]:
        url = f"{self.base_url}/s/{self.username}" + (f"?before={before}" if before else "")
        response = await fetch(self.client, url, what=f"t.me/s/{self.username}", max_bytes=self.max_bytes,
                               deadline=self.deadline)
        if response.status_code == 429:
            raise TransientSourceError(f"t.me/s/{self.username}: rate limited (429)",
                                       retry_after(response.headers.get("Retry-After"), default=60.0))
        if response.status_code >= 500:
            raise TransientSourceError(f"t.me/s/{self.username}: server error {response.status_code}")
        if response.status_code == 404 or not urlparse(str(response.url)).path.startswith("/s/"):
            raise PermanentSourceError(f"channel {self.username} has no public web preview (t.me/s/{self.username}"
                                       " redirects elsewhere); use a Telegram session for it")
        if response.status_code >= 400:
            raise PermanentSourceError(f"t.me/s/{self.username}: answered {response.status_code}")
        return parse_page(response.content.decode("utf-8", "replace"), self.username, self.skipped)

    @property
    def health_key(self) -> tuple[str, str]:
        """(source, channel) of this source's row in source_health."""
        return SOURCE, self.channel

    async def poll(self) -> int:
        try:
            return await self._poll()
        except (TransientSourceError, PermanentSourceError) as exc:
            record_error(self.archive, SOURCE, self.channel, str(exc), self.clock())
            raise

    async def _poll(self) -> int:
        self.skipped = []
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
        if self.skipped:  # status shows the skip until a poll reads every post
            message = f"t.me/s/{self.username}: {len(self.skipped)} posts skipped: {'; '.join(self.skipped[:3])}"
            record_partial(self.archive, SOURCE, self.channel, summary.new, message, now)
            (log.debug if message in self._told else log.warning)("%s", message)
            self._told.add(message)
        else:
            record_success(self.archive, SOURCE, self.channel, summary.new, now)
        if summary.new:
            log.info("t.me/s/%s: %d new posts", self.username, summary.new)
        return summary.new
