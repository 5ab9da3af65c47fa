"""The post: what every source produces and the archive stores."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, overload


@dataclass
class Post:
    """One post of one channel or feed, as a source saw it.

    ``(source, channel, message_id)`` identifies it. ``source`` is the kind of
    source ("telegram" for Telethon and exports, "webpreview", "feed");
    ``channel`` is the channel's stable key within that source: the numeric
    channel id for Telegram, the username for the web preview, the feed's name
    for feeds.
    """

    source: str
    channel: str
    message_id: int
    date: datetime
    text: str = ""
    channel_id: int | None = None
    channel_username: str | None = None
    channel_title: str | None = None
    edit_date: datetime | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    fwd_from_name: str | None = None
    fwd_from_channel: str | None = None
    fwd_from_id: int | None = None
    reply_to: int | None = None
    views: int | None = None
    media_kind: str | None = None
    grouped_id: int | None = None
    url: str | None = None
    external_id: str | None = None
    lang: str | None = None
    lang_confidence: float | None = None
    translation: str | None = None
    deleted: bool = False

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.source, self.channel, self.message_id)

    @property
    def is_forward(self) -> bool:
        return bool(self.fwd_from_name or self.fwd_from_channel)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def utc(dt: datetime) -> datetime:
    """The same instant as an aware UTC datetime (naive values are taken as UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


@overload
def iso(dt: datetime) -> str: ...
@overload
def iso(dt: None) -> None: ...
def iso(dt: datetime | None) -> str | None:
    """The archive's text form of a time: ISO 8601 in UTC, seconds, '+00:00'."""
    if dt is None:
        return None
    if dt.tzinfo is not timezone.utc:
        dt = utc(dt)
    if dt.microsecond:
        dt = dt.replace(microsecond=0)
    return dt.isoformat()


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return utc(datetime.fromisoformat(text))
