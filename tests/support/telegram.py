"""The network side of Telegram for tests: channel history and live updates, as Telegram serves them.

Only the network is replaced: messages, peers, forward headers, entities, events and event builders
are Telethon's own, handled by monitor's real TelegramSource. Where it matters it behaves like
Telegram, not kindlier:

- a post published while the connection is down, or in a channel the account has not joined,
  gives no update; only reading the history finds it;
- ``is_connected()`` stays True through a dropped connection (Telethon reconnects underneath);
  after it, the client's reconnect handlers run, as Telethon's sender calls its reconnect hook;
- history comes in pages of 100 messages (one request each), deleted messages are gone from it,
  and ``get_messages(ids=...)`` answers None for an id with no message;
- ``account()`` gives another account's client on the same network (same channels and history; its
  own updates, requests and flood waits); an account whose ``lost`` is set (an error such as
  ``SessionRevokedError``) gets no update and every request it makes raises that error.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telethon import errors, events
from telethon.tl import types

PAGE = 100  # messages per history request, as Telegram serves them


def channel(channel_id: int, title: str, username: str | None, *, member: bool = True) -> types.Channel:
    return types.Channel(id=channel_id, title=title, photo=types.ChatPhotoEmpty(), date=datetime(2020, 1, 1, tzinfo=UTC),
                         broadcast=True, access_hash=channel_id * 7, username=username, left=not member)


def message(channel_id: int, message_id: int, text: str, when: datetime, **extra) -> types.Message:
    return types.Message(id=message_id, peer_id=types.PeerChannel(channel_id), date=when, message=text, post=True, **extra)


def service(channel_id: int, message_id: int, when: datetime) -> types.MessageService:
    return types.MessageService(id=message_id, peer_id=types.PeerChannel(channel_id), date=when,
                                action=types.MessageActionPinMessage())


class FakeTelegram:
    """History and updates of a few channels, reachable through the client methods TelegramSource uses."""

    def __init__(self):
        self.entities: dict[object, object] = {}
        self.history: dict[int, list[types.Message]] = {}
        self.handlers: list[tuple[object, object]] = []
        self.reconnect_handlers: list[object] = []
        self.errors: dict[object, Exception] = {}
        self.flood_once: set[int] = set()
        self.requests: list[tuple] = []
        self.reachable = True  # False: requests fail and updates are lost, the connection still "up"
        self.lost: Exception | None = None  # the account logged out, revoked or banned: every request raises it
        self.tasks: set[asyncio.Task] = set()
        self.clients: list[FakeTelegram] = [self]  # the accounts on this network

    def account(self) -> FakeTelegram:
        """Another account's client on this network: the same channels and history, updates of its own."""
        other = FakeTelegram()
        other.entities, other.history, other.clients = self.entities, self.history, self.clients
        self.clients.append(other)
        return other

    def _receives(self) -> bool:
        return self.reachable and self.lost is None

    def add_channel(self, entity: types.Channel) -> None:
        self.entities[entity.username] = entity
        self.entities[entity.id] = entity
        self.history.setdefault(entity.id, [])

    def member(self, channel_id: int) -> bool:
        return not self.entities[channel_id].left

    # -- what happens in the channels -----------------------------------------------------------------
    def publish(self, msg, *, live: bool = True) -> None:
        """A post appears; an update reaches the account only if ``live``, connected and a member."""
        channel_id = msg.peer_id.channel_id
        self.history.setdefault(channel_id, []).append(msg)
        if live and channel_id in self.entities and self.member(channel_id):
            update = types.UpdateNewChannelMessage(msg, pts=msg.id, pts_count=1)
            for client in self.clients:
                if client._receives():
                    client._dispatch(events.NewMessage.Event(msg), update)

    def edit(self, msg: types.Message) -> None:
        items = self.history[msg.peer_id.channel_id]
        items[:] = [msg if m.id == msg.id else m for m in items]
        if self.member(msg.peer_id.channel_id):
            for client in self.clients:
                if client._receives():
                    client._dispatch(events.MessageEdited.Event(msg), None)

    def delete(self, channel_id: int, ids: list[int], *, live: bool = True) -> None:
        self.history[channel_id] = [m for m in self.history[channel_id] if m.id not in ids]
        if live and self.member(channel_id):
            for client in self.clients:
                if client._receives():
                    client._dispatch(events.MessageDeleted.Event(ids, types.PeerChannel(channel_id)), None)

    def drop_connection(self) -> None:
        """The connection breaks: updates are lost until ``reconnect``; ``is_connected()`` stays True."""
        self.reachable = False

    def reconnect(self) -> None:
        """Telethon's sender reconnected on its own and calls its reconnect hook (as a task)."""
        self.reachable = True
        for handler in self.reconnect_handlers:
            self._task(handler())

    def _task(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _dispatch(self, event, update) -> None:
        for callback, builder in self.handlers:
            if isinstance(event, builder.Event):
                self._task(self._deliver(callback, builder, event))

    async def _deliver(self, callback, builder, event) -> None:
        # as TelegramClient._dispatch_update: resolve the builder, apply its filter, then run the handler
        if not builder.resolved:
            await builder.resolve(self)
        if builder.filter(event):
            await callback(event)

    async def settle(self) -> None:
        """Wait until every update handler and reconnect handler started so far (of every account) has finished."""
        while any(client.tasks for client in self.clients):
            await asyncio.gather(*[t for client in self.clients for t in client.tasks])

    # -- the client methods TelegramSource uses -------------------------------------------------------
    def is_connected(self) -> bool:
        return True

    async def get_entity(self, ref):
        self.requests.append(("get_entity", ref))
        if self.lost is not None:
            raise self.lost
        if ref in self.errors:
            raise self.errors[ref]
        if ref not in self.entities:
            raise ValueError(f'No user has "{ref}" as username')
        return self.entities[ref]

    async def get_input_entity(self, ref):  # used by event builders that name chats
        entity = ref if isinstance(ref, types.Channel) else await self.get_entity(ref)
        return types.InputPeerChannel(entity.id, entity.access_hash)

    def _check(self, entity) -> None:
        if self.lost is not None:
            raise self.lost
        if not self.reachable:
            raise ConnectionError("network unreachable")
        if entity.id in self.flood_once:
            self.flood_once.discard(entity.id)
            raise errors.FloodWaitError(request=None, capture=7)

    async def iter_messages(self, entity, limit=None, min_id=0, reverse=False):
        items = sorted(self.history[entity.id], key=lambda m: m.id)
        items = [m for m in items if m.id > (min_id or 0)]
        if not reverse:
            items.reverse()
        if limit is not None:
            items = items[:limit]
        for start in range(0, max(len(items), 1), PAGE):
            self.requests.append(("iter_messages", entity.id, min_id, reverse, limit))
            self._check(entity)
            for m in items[start:start + PAGE]:
                yield m

    async def get_messages(self, entity, ids):
        self.requests.append(("get_messages", entity.id, tuple(ids)))
        self._check(entity)
        by_id = {m.id: m for m in self.history[entity.id]}
        return [by_id.get(i) for i in ids]

    async def __call__(self, request):
        from telethon.tl.functions.channels import JoinChannelRequest

        self.requests.append((type(request).__name__,))
        if self.lost is not None:
            raise self.lost
        if not self.reachable:
            raise ConnectionError("network unreachable")
        if isinstance(request, JoinChannelRequest):
            entity = self.entities[request.channel.id]
            entity.left = False
            return types.Updates(updates=[], users=[], chats=[entity], date=datetime.now(UTC), seq=0)
        raise NotImplementedError(type(request).__name__)

    def add_event_handler(self, callback, builder):
        self.handlers.append((callback, builder))

    def add_reconnect_handler(self, handler):
        self.reconnect_handlers.append(handler)
