"""Telegram channels through a Telethon user session: live updates, and no hole left in the archive.

Per channel the archive records up to which message id it is complete (``complete_to``, see
``monitor.storage.channels``): every id at or below it is stored or known absent (deleted, or a
service message). A channel's message ids are consecutive, so what is missing is exactly known:

- a live post right after ``complete_to`` moves it up; a live post further up shows a hole, whose
  ids are asked for at once (``get_messages(ids=...)``; None means no such message: known absent);
- the history above ``complete_to`` (``iter_messages(min_id=..., reverse=True)``, 100 per page,
  committed page by page) is read at start, after every reconnect Telethon makes on its own (its
  reconnect hook: ``is_connected()`` stays True through those), and on a safety poll, since updates
  can stop silently or skip a gap. Posts missed by updates are found whatever came after them.

Membership: updates come only for channels the account has joined. With ``[telegram] join = true``
configured public channels are joined (``channels.JoinChannelRequest``); otherwise a channel the
account is not in is read by the history poll alone, and status says so.

Everything that talks to Telegram goes through ``client``: ``MonitorClient`` (a ``TelegramClient``)
in production, any object with the same few methods in tests. Messages are Telethon's own TL types
either way. Flood waits: the time Telegram demands is slept (and logged), never less; history reads
of two channels are spaced (``HISTORY_PAUSE``) to stay under Telegram's limit of about ten requests
in 30 seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import Config, Telegram, TelegramAccount
from monitor.storage import Archive, Post, iso
from monitor.storage import channels as channel_store
from monitor.storage.status import last_alert_id

from .health import record_error, record_success, set_state

SOURCE = "telegram"
ACCOUNT_SOURCE = "telegram-account"  # health and flood-wait rows of the accounts (channel = account name)
HISTORY_PAUSE = 3.0  # seconds between two channels' history reads
FIRST_HISTORY = 100  # posts read from a channel seen for the first time
BATCH = 100  # posts per stored batch; also ids per get_messages request (Telegram's page)
GAP_IDS = 300  # holes up to this many ids are read by id; more from the history

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


def account_lost_reason(error: BaseException) -> str | None:
    """Why an error means the account can read nothing more (logged out, session revoked, banned, deactivated,
    its key used elsewhere); None for errors of one request or one channel."""
    from telethon import errors

    if isinstance(error, (errors.UnauthorizedError, errors.AuthKeyError, errors.PhoneNumberBannedError)):
        return f"{type(error).__name__}: {error}"
    return None


@dataclass
class ChannelRef:
    ref: str  # as configured
    id: int | None = None
    username: str | None = None
    title: str | None = None
    entity: Any = None
    error: str | None = None
    member: bool | None = None


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
        date=message.date.astimezone(UTC) if message.date.tzinfo else message.date.replace(tzinfo=UTC),
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
    """Every configured channel, live and from history, with no hole left below the newest id seen.

    ``archive`` and ``pipeline`` are only touched through ``offload`` (a coroutine function running
    a plain function where the archive connection lives: the daemon's archive thread); without it
    they are called inline (tests, ``run --once``).
    """

    def __init__(self, channels: list[str], archive: Archive, pipeline: Any, client: Any, *,
                 offload: Callable[..., Awaitable[Any]] | None = None,
                 sleep: Callable[[float], Any] | None = None, pause: float = HISTORY_PAUSE,
                 first_history: int = FIRST_HISTORY, join: bool = False, poll_seconds: int = 300,
                 clock: Callable[[], datetime] | None = None, account: str = "",
                 on_lost: Callable[[TelegramSource, str], None] | None = None):
        self.channels = [ChannelRef(c) for c in channels]
        self.account = account  # the account's name: its flood waits are recorded for status, its logs say it
        self.on_lost = on_lost  # told once when the account can read nothing more
        self.lost: str | None = None  # why, then
        self.flood_until: datetime | None = None  # while sleeping a flood wait
        self.archive = archive
        self.pipeline = pipeline
        self.client = client
        self.offload = offload
        self.sleep = sleep
        self.pause = pause
        self.first_history = first_history
        self.join = join
        self.poll_seconds = poll_seconds
        self.clock = clock or (lambda: datetime.now(UTC))
        self.by_id: dict[int, ChannelRef] = {}
        self.flood_waits = 0
        self.handler_errors = 0
        self.read_errors = 0
        self.live_posts = 0  # posts that came as updates and were new to the archive
        self.history_posts = 0  # posts read from history (missed updates, holes, first reads) new to the archive
        self.holes_read = 0  # ids read by id because a live post showed they were missed
        self.reconnects = 0
        self.alerts = 0  # alerts the pipeline decided on Telegram posts
        self._stopping = asyncio.Event()
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task] = set()

    # -- running work where the archive lives -------------------------------------------------------
    async def _db(self, function: Callable[..., Any], *args: Any) -> Any:
        if self.offload is None:
            return function(*args)
        return await self.offload(function, *args)

    async def _pause(self, seconds: float) -> None:
        """Sleep, ending early when the source is stopped."""
        if self.sleep is not None:
            await self.sleep(seconds)
            return
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass

    def _spawn(self, coroutine: Any) -> None:
        """Run in the background; tracked so that ``stop`` waits for it."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def stop(self, timeout: float) -> None:
        """No new work; reads in flight end at their next page (what they stored is kept), within ``timeout``."""
        self._stopping.set()
        pending = [t for t in self._tasks if not t.done()]
        if not pending:
            return
        done, left = await asyncio.wait(pending, timeout=timeout)
        for task in left:
            task.cancel()
        if left:
            await asyncio.wait(left)
            log.warning("telegram: %d history reads cut short by the stop; the next start reads on from there",
                        len(left))

    # -- set-up --------------------------------------------------------------------------------
    async def resolve(self) -> list[ChannelRef]:
        """Look every configured channel up (joining it if configured); failures are recorded and skipped."""
        for channel in self.channels:
            if channel.id is not None:
                continue
            if self.stopping:
                break
            try:
                entity = await self._call(self.client.get_entity, parse_channel(channel.ref))
            except Exception as exc:  # noqa: BLE001 - Telethon raises many kinds; each is explained
                if self.account_lost(exc):
                    break
                await self._failed(channel, explain(exc, channel.ref))
                continue
            kind = type(entity).__name__
            if kind == "ChannelForbidden":
                await self._failed(channel, explain(type("ChannelPrivateError", (Exception,), {})(), channel.ref))
                continue
            if kind != "Channel":
                await self._failed(channel, f'"{channel.ref}" is not a channel (a {kind.lower()}): only channels'
                                            " are followed")
                continue
            channel.entity, channel.id, channel.title = entity, entity.id, entity.title
            channel.username = _username(entity)
            channel.member = not getattr(entity, "left", False)
            channel.error = None
            if not channel.member and self.join:
                await self._join(channel)
            if not channel.member:
                log.info("telegram: %s: not a member: live updates off, polled every %d s", channel.ref,
                         self.poll_seconds)
            self.by_id[entity.id] = channel
            await self._db(self._save_channel, channel)
        return [c for c in self.channels if c.id is not None]

    async def _join(self, channel: ChannelRef) -> None:
        from telethon.tl.functions.channels import JoinChannelRequest

        try:
            await self._call(self.client, JoinChannelRequest(channel.entity))
        except Exception as exc:  # noqa: BLE001 - still read by the history poll
            if self.account_lost(exc):
                return
            message = f'joining "{channel.ref}" failed ({type(exc).__name__}: {exc}); its history is still polled'
            log.warning("telegram: %s", message)
            await self._db(self._record_error, channel, message)
            return
        channel.member = True
        log.info("telegram: joined %s: live updates on", channel.ref)

    async def set_channels(self, refs: list[str]) -> list[ChannelRef]:
        """The channel list after a reload: new ones resolved (and read), removed ones no longer followed."""
        known = {c.ref: c for c in self.channels}
        self.channels = [known.get(ref) or ChannelRef(ref) for ref in refs]
        self.by_id = {c.id: c for c in self.channels if c.id is not None}
        before = set(self.by_id)
        resolved = await self.resolve()
        for channel in resolved:
            if channel.id not in before:
                self._spawn(self.fill(channel))
        return resolved

    def register(self) -> None:
        """Live updates (new posts, edits, deletions) of the followed channels, and the reconnect hook."""
        from telethon import events

        self.client.add_event_handler(self._on_new, events.NewMessage(func=self._followed))
        self.client.add_event_handler(self._on_edit, events.MessageEdited(func=self._followed))
        self.client.add_event_handler(self._on_delete, events.MessageDeleted(func=self._followed_deletion))
        add_reconnect_handler = getattr(self.client, "add_reconnect_handler", None)
        if add_reconnect_handler is not None:
            add_reconnect_handler(self._on_reconnect)

    def _followed(self, event: Any) -> bool:
        return self._channel_of(event.message) is not None

    def _followed_deletion(self, event: Any) -> bool:
        return self._deleted_in(event) is not None

    # -- calls with flood-wait handling -----------------------------------------------------------
    async def _call(self, function, *args, **kwargs):
        from telethon import errors

        while True:
            try:
                return await function(*args, **kwargs)
            except errors.FloodWaitError as exc:
                await self._flood_wait(exc.seconds, "")
                if self.stopping:
                    raise

    async def _flood_wait(self, seconds: int, what: str) -> None:
        """Sleep the time Telegram asks for; only this account's work waits."""
        self.flood_waits += 1
        self.flood_until = self.clock() + timedelta(seconds=seconds)
        log.warning("telegram: %sflood wait%s, sleeping the %d s Telegram asks for", self._who(), what, seconds)
        await self._db(self._record_flood, self.flood_until)
        try:
            await self._pause(seconds)
        finally:
            self.flood_until = None

    def _who(self) -> str:
        return f"account {self.account}: " if self.account else ""

    def account_lost(self, error: BaseException) -> bool:
        """True when ``error`` means the account is lost: it stops, and ``on_lost`` is told (once)."""
        reason = account_lost_reason(error)
        if reason is None:
            return False
        if self.lost is None:
            self.lost = reason
            self._stopping.set()
            log.error("telegram: %slost: %s", self._who(), reason)
            if self.on_lost is not None:
                self.on_lost(self, reason)
        return True

    # -- history ------------------------------------------------------------------------------------
    async def catch_up(self) -> int:
        """Fill every channel: the holes below its newest stored post and everything after it.
        Returns the posts new to the archive."""
        new = 0
        for index, channel in enumerate(list(self.by_id.values())):
            if self.stopping:
                break
            if index:
                await self._pause(self.pause)
            new += await self.fill(channel)
        return new

    def _lock(self, channel: ChannelRef) -> asyncio.Lock:
        return self._locks.setdefault(channel.id, asyncio.Lock())

    async def fill(self, channel: ChannelRef, *, history: bool = True) -> int:
        """Read what the archive lacks of one channel; ``history=False``: only the holes below the
        newest stored post (after a live post showed some). Errors are recorded, never raised."""
        from telethon import errors

        async with self._lock(channel):
            while not self.stopping:
                try:
                    new = await self._fill(channel, history)
                except errors.FloodWaitError as exc:
                    await self._flood_wait(exc.seconds, f" on {channel.ref} history")
                    continue
                except Exception as exc:  # noqa: BLE001 - one channel must not stop the others
                    if self.account_lost(exc):
                        return 0  # not the channel's fault: another account reads it on
                    self.read_errors += 1
                    message = explain(exc, channel.ref)
                    log.error("telegram: reading %s failed: %s", channel.ref, message)
                    await self._db(self._record_error, channel, message)
                    return 0
                await self._db(self._record_success, channel, 0)
                return new
        return 0

    async def _fill(self, channel: ChannelRef, history: bool) -> int:
        complete_to, newest = await self._db(self._state, channel)
        if complete_to is None and newest is None:
            if not history:
                return 0
            return await self._first_read(channel)
        if complete_to is None:  # an archive from before completeness was recorded
            complete_to = await self._db(self._adopt, channel, newest)
        new = 0
        if newest is not None and newest > complete_to:
            holes = await self._db(self._holes, channel, complete_to, newest)
            if len(holes) <= GAP_IDS:
                if holes:
                    new += await self._read_ids(channel, holes)
                await self._db(self._advance, channel, newest)
                complete_to = newest
            else:
                history = True  # too many to ask for by id: the history read covers them
        if not history:
            return new
        batch: list[Any] = []
        async for message in self.client.iter_messages(channel.entity, min_id=complete_to, reverse=True):
            batch.append(message)
            if len(batch) == BATCH:
                new += await self._store_read(channel, batch)
                batch = []
                if self.stopping:
                    return new
        if batch:
            new += await self._store_read(channel, batch)
        if newest is not None:  # stored before this read began and not returned by it: deleted since
            await self._db(self._advance, channel, newest)
        if new:
            log.info("telegram: %s: %d posts new from history", channel.ref, new)
        return new

    async def _first_read(self, channel: ChannelRef) -> int:
        """A channel never read: its latest ``first_history`` posts, oldest first."""
        messages = [m async for m in self.client.iter_messages(channel.entity, limit=self.first_history)]
        messages.reverse()
        new = await self._store_read(channel, messages) if messages else 0
        top = max((m.id for m in messages), default=0)
        await self._db(self._start_at, channel, top)
        if messages:
            log.info("telegram: %s: first read, %d posts", channel.ref, new)
        return new

    async def _read_ids(self, channel: ChannelRef, ids: list[int]) -> int:
        """The holes by id, a hundred per request; Telegram answers None for an id with no message."""
        new = 0
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            found = await self._call(self.client.get_messages, channel.entity, ids=chunk)
            self.holes_read += len(chunk)
            new += await self._db(self._store_messages, channel, [m for m in found if m is not None], None)
        if new:
            log.info("telegram: %s: %d missed posts read by id", channel.ref, new)
        return new

    async def _store_read(self, channel: ChannelRef, messages: list[Any]) -> int:
        """Messages read in ascending id order: stored, and the channel complete up to the last one."""
        return await self._db(self._store_messages, channel, messages, messages[-1].id)

    # -- live updates ---------------------------------------------------------------------------------
    def _channel_of(self, message: Any) -> ChannelRef | None:
        channel_id = getattr(getattr(message, "peer_id", None), "channel_id", None)
        return self.by_id.get(channel_id) if channel_id is not None else None

    def _deleted_in(self, event: Any) -> ChannelRef | None:
        from telethon import utils

        if getattr(event, "chat_id", None) is None:
            return None
        return self.by_id.get(utils.resolve_id(event.chat_id)[0])

    async def _on_new(self, event: Any) -> None:
        await self._ingest(event.message, live=True)

    async def _on_edit(self, event: Any) -> None:
        await self._ingest(event.message, live=False)  # the archive keeps the earlier text as a revision

    async def _ingest(self, message: Any, *, live: bool) -> None:
        try:
            channel = self._channel_of(message)
            if channel is None:
                return
            hole = await self._db(self._store_live, channel, message, live)
            if hole and not self.stopping:
                self._spawn(self.fill(channel, history=False))
        except Exception:  # noqa: BLE001 - Telethon would swallow it: count and log it instead
            self.handler_errors += 1
            log.exception("telegram: handling a message failed")

    async def _on_delete(self, event: Any) -> None:
        try:
            channel = self._deleted_in(event)
            if channel is None:
                return
            marked = await self._db(self.archive.mark_deleted, SOURCE, str(channel.id), event.deleted_ids)
            log.info("telegram: %s: %d posts deleted at the source (text kept)", channel.ref, marked)
        except Exception:  # noqa: BLE001
            self.handler_errors += 1
            log.exception("telegram: handling a deletion failed")

    async def _on_reconnect(self) -> None:
        """Telethon reconnected on its own: updates sent meanwhile may never come, the history has them."""
        self.reconnects += 1
        if self.stopping:
            return
        log.info("telegram: reconnected; reading the history missed meanwhile")
        self._spawn(self.catch_up())

    # -- the archive side (run where the archive connection lives) ------------------------------------
    def _state(self, channel: ChannelRef) -> tuple[int | None, int | None]:
        state = channel_store.channel_state(self.archive.conn, str(channel.id))
        return (state.complete_to if state else None), channel_store.newest_id(self.archive.conn, str(channel.id))

    def _holes(self, channel: ChannelRef, above: int, up_to: int) -> list[int]:
        have = channel_store.stored_ids(self.archive.conn, str(channel.id), above, up_to)
        return [i for i in range(above + 1, up_to) if i not in have]

    def _advance(self, channel: ChannelRef, complete_to: int) -> None:
        with self.archive.transaction() as conn:
            channel_store.advance(conn, str(channel.id), complete_to, self.clock())

    def _adopt(self, channel: ChannelRef, newest: int) -> int:
        """Where an archive that never recorded completeness starts: at its oldest post of the channel, so
        the holes an earlier version left are read by id, unless there are too many (then at the newest)."""
        oldest = channel_store.oldest_id(self.archive.conn, str(channel.id)) or newest
        holes = len(self._holes(channel, oldest, newest))
        start = oldest if holes <= GAP_IDS else newest
        if holes > GAP_IDS:
            log.warning("telegram: %s: %d ids below the newest stored post were never read; too many to ask for"
                        " by id, left as they are", channel.ref, holes)
        self._start_at(channel, start)
        return start

    def _start_at(self, channel: ChannelRef, complete_to: int) -> None:
        with self.archive.transaction() as conn:
            channel_store.start_at(conn, str(channel.id), complete_to, self.clock())

    def _save_channel(self, channel: ChannelRef) -> None:
        with self.archive.transaction() as conn:
            channel_store.save_channel(conn, str(channel.id), channel.ref, channel.username, channel.title, bool(channel.member),
                         self.clock())
            self._record_success(channel, 0)  # resolved: an earlier failure to resolve it is over

    def _ingest_posts(self, messages: list[Any], channel: ChannelRef) -> int:
        posts = [p for p in (message_to_post(m, channel) for m in messages) if p is not None]
        if not posts:
            return 0
        before = last_alert_id(self.archive.conn)
        summary = self.pipeline.ingest(posts)
        self.alerts += last_alert_id(self.archive.conn) - before  # exact: inside the caller's transaction
        return summary.new

    def _store_messages(self, channel: ChannelRef, messages: list[Any], complete_to: int | None) -> int:
        """Messages read from Telegram, stored with the channel's completeness in one transaction."""
        with self.archive.transaction() as conn:
            new = self._ingest_posts(messages, channel)
            if complete_to is not None:
                channel_store.advance(conn, str(channel.id), complete_to, self.clock())
            self._record_success(channel, new)
        self.history_posts += new
        return new

    def _store_live(self, channel: ChannelRef, message: Any, live: bool) -> bool:
        """A post that came as an update; True when ids below it are neither stored nor known absent."""
        with self.archive.transaction() as conn:
            new = self._ingest_posts([message], channel)
            self._record_success(channel, new)
            self.live_posts += new
            if not live:
                return False
            state = channel_store.channel_state(conn, str(channel.id))
            if state is None or state.complete_to is None or message.id <= state.complete_to:
                return False
            if message.id == state.complete_to + 1:
                channel_store.advance(conn, str(channel.id), message.id, self.clock())
                return False
            return True

    def _record_flood(self, until: datetime) -> None:
        """When the account's flood wait ends, for status (kept in source_state, in the last_modified column)."""
        if self.account:
            set_state(self.archive, ACCOUNT_SOURCE, self.account, None, iso(until))

    def _record_success(self, channel: ChannelRef, posts: int) -> None:
        record_success(self.archive, SOURCE, channel.ref, posts, self.clock())

    def _record_error(self, channel: ChannelRef, message: str) -> None:
        record_error(self.archive, SOURCE, channel.ref, message, self.clock())

    async def _failed(self, channel: ChannelRef, message: str) -> None:
        channel.error = message
        log.error("telegram: %s", message)
        await self._db(self._record_error, channel, message)


# -- session and credentials ------------------------------------------------------------------------------

def credentials(config: Config, account: TelegramAccount | None = None) -> tuple[int, str]:
    """api_id and api_hash of ``account`` (default: [telegram]'s), from the environment or systemd credentials."""
    from ..secrets import read_secret

    tg = _settings(config, account)
    api_id, api_hash = read_secret(tg.api_id_env), read_secret(tg.api_hash_env)
    if not api_id or not api_hash:
        raise TelegramSetupError(
            (f"account {account.name}: " if account is not None else "") +
            f"Telegram api_id and api_hash are not set: put them in the environment variables {tg.api_id_env} and"
            f" {tg.api_hash_env} (or systemd credentials of those names); get them at https://my.telegram.org"
        )
    if not api_id.strip().isdigit():
        raise TelegramSetupError(f"{tg.api_id_env} must be the numeric api_id from https://my.telegram.org")
    return int(api_id), api_hash.strip()


def _settings(config: Config, account: TelegramAccount | None) -> TelegramAccount | Telegram:
    """Where the session and the credentials' names are: the account's, else [telegram]'s."""
    settings = account or config.telegram
    if settings is None:
        raise TelegramSetupError("no [telegram] section in the configuration: add one with session and channels")
    return settings


def make_client(config: Config, account: TelegramAccount | None = None) -> Any:
    """A Telethon client of ``account``'s session (default: [telegram] session)."""
    from telethon import TelegramClient

    class MonitorClient(TelegramClient):
        """A TelegramClient that tells its reconnect handlers when it reconnected on its own."""

        def add_reconnect_handler(self, handler: Callable[[], Awaitable[None]]) -> None:
            self.__dict__.setdefault("_monitor_reconnect_handlers", []).append(handler)

        async def _handle_auto_reconnect(self) -> None:  # Telethon's hook, called by its sender after a reconnect
            await super()._handle_auto_reconnect()
            await self.catch_up()  # Telethon's update state: edits and deletions missed meanwhile come as updates
            for handler in self.__dict__.get("_monitor_reconnect_handlers", []):
                await handler()  # new posts missed meanwhile: read from the history

    api_id, api_hash = credentials(config, account)
    session = Path(_settings(config, account).session)
    session.parent.mkdir(parents=True, exist_ok=True)
    return MonitorClient(str(session), api_id, api_hash, flood_sleep_threshold=60, auto_reconnect=True)


def secure_session_file(path: str | os.PathLike) -> None:
    """The session holds the account's key: readable by its owner alone."""
    for candidate in (Path(path), Path(str(path) + ".session")):
        if candidate.exists():
            os.chmod(candidate, stat.S_IRUSR | stat.S_IWUSR)
