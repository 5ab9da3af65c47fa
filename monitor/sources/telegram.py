"""Telegram channels through a Telethon user session: live updates plus gap-free catch-up.

Updates (new posts, edits, deletions) arrive through Telethon's event handlers. Updates can
stop silently or skip a gap (Telethon drops it when the server answers "difference too long"),
so every channel's history since its last stored id is also read (``iter_messages(min_id=last,
reverse=True)``) at start, after every reconnect, and on a periodic safety poll: no post is
lost however long the daemon was down, and the archive's keys make the overlap harmless.

Everything that talks to Telegram goes through ``client``: a ``telethon.TelegramClient`` in
production, any object with the same few methods in tests (``get_entity``, ``iter_messages``,
``add_event_handler``, ``is_connected``). Messages are Telethon's own TL types either way.

Flood waits: the time Telegram demands is slept (and logged), never less; history reads are
spaced (``HISTORY_PAUSE``) to stay under Telegram's limit of about ten requests in 30 seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from monitor.config import Config
from monitor.storage import Archive, Post

SOURCE = "telegram"
HISTORY_PAUSE = 3.0  # seconds between two channels' history reads
FIRST_HISTORY = 100  # posts read from a channel seen for the first time
BATCH = 100

log = logging.getLogger(__name__)

_ENTITY_TYPES = {
    "MessageEntityBold": "bold", "MessageEntityItalic": "italic", "MessageEntityUnderline": "underline",
    "MessageEntityStrike": "strikethrough", "MessageEntityCode": "code", "MessageEntityPre": "pre",
    "MessageEntityTextUrl": "text_link", "MessageEntityUrl": "link", "MessageEntityMention": "mention",
    "MessageEntityMentionName": "mention_name", "MessageEntityHashtag": "hashtag", "MessageEntityCashtag": "cashtag",
    "MessageEntityEmail": "email", "MessageEntityPhone": "phone", "MessageEntitySpoiler": "spoiler",
    "MessageEntityBlockquote": "blockquote", "MessageEntityCustomEmoji": "custom_emoji",
    "MessageEntityBotCommand": "bot_command", "MessageEntityBankCard": "bank_card",
}


class TelegramSetupError(Exception):
    """No usable session or credentials: the daemon cannot read Telegram (the message says how to fix it)."""


@dataclass
class ChannelRef:
    ref: str  # as configured
    id: int | None = None
    username: str | None = None
    title: str | None = None
    entity: Any = None
    error: str | None = None


def parse_channel(ref: str) -> str | int:
    """A configured channel: "mod_russia", "@mod_russia", "https://t.me/mod_russia", "t.me/s/x" or a numeric id."""
    text = ref.strip()
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    text = text.removeprefix("t.me/").removeprefix("telegram.me/").removeprefix("s/").lstrip("@").strip("/")
    if text.lstrip("-").isdigit():
        number = int(text)
        if str(number).startswith("-100"):
            number = int(str(number)[4:])  # Bot API style -100<id>
        return abs(number)
    return text.split("/")[0]


def _media_kind(media: Any) -> str | None:
    if media is None:
        return None
    name = type(media).__name__
    if name == "MessageMediaPhoto":
        return "photo"
    if name == "MessageMediaDocument":
        document = getattr(media, "document", None)
        mime = getattr(document, "mime_type", "") or ""
        if mime.startswith("video/"):
            return "video"
        if mime.startswith("audio/"):
            return "audio"
        return "document"
    return {"MessageMediaPoll": "poll", "MessageMediaWebPage": "webpage", "MessageMediaGeo": "geo",
            "MessageMediaContact": "contact", "MessageMediaVenue": "geo"}.get(name, name.removeprefix("MessageMedia").lower())


def message_to_post(message: Any, channel: ChannelRef) -> Post | None:
    """A Telethon ``Message`` as a Post; None for service messages (no text of their own)."""
    if type(message).__name__ != "Message":
        return None
    entities = []
    for e in message.entities or []:
        item = {"type": _ENTITY_TYPES.get(type(e).__name__, type(e).__name__), "offset": e.offset, "length": e.length}
        if getattr(e, "url", None):
            item["href"] = e.url
        entities.append(item)
    fwd_name = fwd_channel = fwd_id = None
    fwd = message.fwd_from
    if fwd is not None:
        fwd_name = fwd.from_name or fwd.post_author
        peer = fwd.from_id
        if peer is not None and type(peer).__name__ == "PeerChannel":
            fwd_channel = str(peer.channel_id)
        fwd_id = fwd.channel_post
    reply_to = getattr(message.reply_to, "reply_to_msg_id", None) if message.reply_to is not None else None
    url = (f"https://t.me/{channel.username}/{message.id}" if channel.username
           else f"https://t.me/c/{channel.id}/{message.id}")
    return Post(
        source=SOURCE,
        channel=str(channel.id),
        message_id=message.id,
        date=message.date.astimezone(timezone.utc) if message.date.tzinfo else message.date.replace(tzinfo=timezone.utc),
        text=message.message or "",
        channel_id=channel.id,
        channel_username=channel.username,
        channel_title=channel.title,
        edit_date=message.edit_date,
        entities=entities,
        fwd_from_name=fwd_name,
        fwd_from_channel=fwd_channel,
        fwd_from_id=fwd_id,
        reply_to=reply_to,
        views=message.views,
        media_kind=_media_kind(message.media),
        grouped_id=message.grouped_id,
        url=url,
    )


def _username(entity: Any) -> str | None:
    if getattr(entity, "username", None):
        return entity.username
    for name in getattr(entity, "usernames", None) or []:
        if getattr(name, "active", True):
            return name.username
    return None


def explain(error: Exception, ref: str) -> str:
    """What a resolution error means for the operator."""
    name = type(error).__name__
    if name in ("UsernameNotOccupiedError", "UsernameInvalidError") or isinstance(error, ValueError):
        return f'channel "{ref}" does not exist (check the username or id)'
    if name in ("ChannelPrivateError", "ChannelInvalidError"):
        return f'channel "{ref}" is private or the account was removed from it; join it with this account first'
    if name in ("ChannelBannedError", "UserBannedInChannelError", "ChannelPublicGroupNaError"):
        return f'channel "{ref}" is banned or unavailable in this account\'s country'
    return f'channel "{ref}": {name}: {error}'


class TelegramSource:
    def __init__(self, channels: list[str], archive: Archive, pipeline: Any, client: Any, *,
                 sleep: Callable[[float], Any] = asyncio.sleep, pause: float = HISTORY_PAUSE,
                 first_history: int = FIRST_HISTORY):
        self.channels = [ChannelRef(c) for c in channels]
        self.archive = archive
        self.pipeline = pipeline
        self.client = client
        self.sleep = sleep
        self.pause = pause
        self.first_history = first_history
        self.by_id: dict[int, ChannelRef] = {}
        self.flood_waits = 0
        self.handler_errors = 0
        self._lock = asyncio.Lock()

    # -- set-up --------------------------------------------------------------------------------
    async def resolve(self) -> list[ChannelRef]:
        """Look every configured channel up; the ones that fail are reported and skipped."""
        for channel in self.channels:
            if channel.id is not None:
                continue
            try:
                entity = await self._call(self.client.get_entity, parse_channel(channel.ref))
            except Exception as exc:  # noqa: BLE001 - Telethon raises many kinds; each is explained
                channel.error = explain(exc, channel.ref)
                log.error("telegram: %s", channel.error)
                self._health_error(channel, channel.error)
                continue
            if type(entity).__name__ not in ("Channel", "ChannelForbidden"):
                channel.error = f'"{channel.ref}" is not a channel'
                log.error("telegram: %s", channel.error)
                continue
            if type(entity).__name__ == "ChannelForbidden":
                channel.error = explain(type("ChannelPrivateError", (Exception,), {})(), channel.ref)
                log.error("telegram: %s", channel.error)
                continue
            channel.entity, channel.id, channel.title = entity, entity.id, entity.title
            channel.username = _username(entity)
            self.by_id[entity.id] = channel
        return [c for c in self.channels if c.id is not None]

    def register(self) -> None:
        """Live updates: new posts, edits, deletions of the resolved channels."""
        from telethon import events

        chats = [c.entity for c in self.by_id.values()]
        if not chats:
            return
        self.client.add_event_handler(self._on_new, events.NewMessage(chats=chats))
        self.client.add_event_handler(self._on_edit, events.MessageEdited(chats=chats))
        self.client.add_event_handler(self._on_delete, events.MessageDeleted(chats=chats))

    # -- calls with flood-wait handling -----------------------------------------------------------
    async def _call(self, function, *args, **kwargs):
        from telethon import errors

        while True:
            try:
                return await function(*args, **kwargs)
            except errors.FloodWaitError as exc:
                self.flood_waits += 1
                log.warning("telegram: flood wait, sleeping the %d s Telegram asks for", exc.seconds)
                await self.sleep(exc.seconds)

    # -- history ------------------------------------------------------------------------------------
    async def catch_up(self) -> int:
        """Read every channel's history since its last stored post. Returns new posts stored."""
        from telethon import errors

        new = 0
        async with self._lock:
            for index, channel in enumerate(list(self.by_id.values())):
                if index:
                    await self.sleep(self.pause)
                last = self.archive.last_message_id(SOURCE, str(channel.id))
                while True:
                    try:
                        new += await self._read_history(channel, last)
                        self._health_ok(channel)
                        break
                    except errors.FloodWaitError as exc:
                        self.flood_waits += 1
                        log.warning("telegram: flood wait on %s history, sleeping %d s", channel.ref, exc.seconds)
                        await self.sleep(exc.seconds)
                        last = self.archive.last_message_id(SOURCE, str(channel.id))
                    except Exception as exc:  # noqa: BLE001 - one channel must not stop the others
                        message = explain(exc, channel.ref)
                        log.error("telegram: reading %s failed: %s", channel.ref, message)
                        self._health_error(channel, message)
                        break
        return new

    async def _read_history(self, channel: ChannelRef, last: int | None) -> int:
        if last is None:  # never seen: the latest posts only, oldest first
            messages = [m async for m in self.client.iter_messages(channel.entity, limit=self.first_history)]
            messages.reverse()
        else:
            messages = [m async for m in self.client.iter_messages(channel.entity, min_id=last, reverse=True)]
        posts = [p for p in (message_to_post(m, channel) for m in messages) if p is not None]
        new = 0
        for start in range(0, len(posts), BATCH):
            new += self.pipeline.ingest(posts[start:start + BATCH]).new
        if posts:
            log.info("telegram: %s: %d posts read from history, %d new", channel.ref, len(posts), new)
        return new

    # -- live updates ---------------------------------------------------------------------------------
    def _channel_of(self, message: Any) -> ChannelRef | None:
        peer = getattr(message, "peer_id", None)
        return self.by_id.get(getattr(peer, "channel_id", None))

    async def _on_new(self, event: Any) -> None:
        await self._ingest(event.message)

    async def _on_edit(self, event: Any) -> None:
        await self._ingest(event.message)  # the archive keeps the earlier text as a revision

    async def _ingest(self, message: Any) -> None:
        try:
            channel = self._channel_of(message)
            if channel is None:
                return
            post = message_to_post(message, channel)
            if post is not None:
                self.pipeline.ingest([post])
                self._health_ok(channel, posts=1)
        except Exception:  # noqa: BLE001 - Telethon would swallow it: count and log it instead
            self.handler_errors += 1
            log.exception("telegram: handling a message failed")

    async def _on_delete(self, event: Any) -> None:
        try:
            from telethon import utils

            channel = None
            if getattr(event, "chat_id", None) is not None:
                channel = self.by_id.get(utils.resolve_id(event.chat_id)[0])
            if channel is None:
                return
            marked = self.archive.mark_deleted(SOURCE, str(channel.id), event.deleted_ids)
            log.info("telegram: %s: %d posts deleted at the source (text kept)", channel.ref, marked)
        except Exception:  # noqa: BLE001
            self.handler_errors += 1
            log.exception("telegram: handling a deletion failed")

    # -- health ------------------------------------------------------------------------------------------
    def _health_ok(self, channel: ChannelRef, posts: int = 0) -> None:
        try:
            from .health import record_success

            record_success(self.archive, SOURCE, str(channel.id or channel.ref), posts, datetime.now(timezone.utc))
        except Exception:  # noqa: BLE001 - health is advisory
            log.debug("health not recorded", exc_info=True)

    def _health_error(self, channel: ChannelRef, message: str) -> None:
        try:
            from .health import record_error

            record_error(self.archive, SOURCE, str(channel.id or channel.ref), message, datetime.now(timezone.utc))
        except Exception:  # noqa: BLE001
            log.debug("health not recorded", exc_info=True)


# -- session and credentials ------------------------------------------------------------------------------

def credentials(config: Config) -> tuple[int, str]:
    from ..secrets import read_secret

    tg = config.telegram
    api_id, api_hash = read_secret(tg.api_id_env), read_secret(tg.api_hash_env)
    if not api_id or not api_hash:
        raise TelegramSetupError(
            f"Telegram api_id and api_hash are not set: put them in the environment variables {tg.api_id_env} and"
            f" {tg.api_hash_env} (or systemd credentials of those names); get them at https://my.telegram.org"
        )
    if not api_id.strip().isdigit():
        raise TelegramSetupError(f"{tg.api_id_env} must be the numeric api_id from https://my.telegram.org")
    return int(api_id), api_hash.strip()


def make_client(config: Config):
    from telethon import TelegramClient

    api_id, api_hash = credentials(config)
    session = Path(config.telegram.session)
    session.parent.mkdir(parents=True, exist_ok=True)
    return TelegramClient(str(session), api_id, api_hash, flood_sleep_threshold=60, auto_reconnect=True)


def secure_session_file(path: str | os.PathLike) -> None:
    """The session holds the account's key: readable by its owner alone."""
    for candidate in (Path(path), Path(str(path) + ".session")):
        if candidate.exists():
            os.chmod(candidate, stat.S_IRUSR | stat.S_IWUSR)
