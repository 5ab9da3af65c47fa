"""The network side of Telegram for tests: an object serving channel history and live updates.

Only the network is replaced: messages, peers, forward headers, entities and events are
Telethon's own TL types and event classes, handled by monitor's real TelegramSource.
"""

from __future__ import annotations

from datetime import datetime, timezone

from telethon import errors, events
from telethon.tl import types


def channel(channel_id: int, title: str, username: str | None) -> types.Channel:
    return types.Channel(id=channel_id, title=title, photo=types.ChatPhotoEmpty(), date=datetime(2020, 1, 1, tzinfo=timezone.utc),
                         broadcast=True, access_hash=channel_id * 7, username=username)


def message(channel_id: int, message_id: int, text: str, when: datetime, **extra) -> types.Message:
    return types.Message(id=message_id, peer_id=types.PeerChannel(channel_id), date=when, message=text, post=True, **extra)


class FakeTelegram:
    """History and updates of a few channels, reachable through TelegramSource's client methods."""

    def __init__(self):
        self.entities: dict[object, object] = {}
        self.history: dict[int, list[types.Message]] = {}
        self.handlers: list[tuple[object, object]] = []
        self.errors: dict[object, Exception] = {}
        self.flood_once: set[int] = set()
        self.requests: list[tuple] = []
        self.reachable = True

    def add_channel(self, entity: types.Channel) -> None:
        self.entities[entity.username] = entity
        self.entities[entity.id] = entity
        self.history.setdefault(entity.id, [])

    def publish(self, msg: types.Message, *, live: bool = True) -> None:
        """A post appears in the channel; subscribers get it live unless ``live`` is False (an update lost)."""
        self.history.setdefault(msg.peer_id.channel_id, []).append(msg)
        if live and self.reachable:
            self._dispatch(events.NewMessage, events.NewMessage.Event(msg))

    def edit(self, msg: types.Message) -> None:
        items = self.history[msg.peer_id.channel_id]
        items[:] = [msg if m.id == msg.id else m for m in items]
        self._dispatch(events.MessageEdited, events.MessageEdited.Event(msg))

    def delete(self, channel_id: int, ids: list[int]) -> None:
        self._dispatch(events.MessageDeleted, events.MessageDeleted.Event(ids, types.PeerChannel(channel_id)))

    def _dispatch(self, kind, event) -> None:
        import asyncio

        for callback, builder in self.handlers:
            if isinstance(builder, kind):
                asyncio.ensure_future(callback(event))  # as Telethon does: handlers run as tasks on the loop

    # -- the client methods TelegramSource uses -------------------------------------------------------
    async def get_entity(self, ref):
        self.requests.append(("get_entity", ref))
        if ref in self.errors:
            raise self.errors[ref]
        if ref not in self.entities:
            raise ValueError(f'No user has "{ref}" as username')
        return self.entities[ref]

    async def iter_messages(self, entity, limit=None, min_id=0, reverse=False):
        self.requests.append(("iter_messages", entity.id, min_id, reverse, limit))
        if not self.reachable:
            raise ConnectionError("network unreachable")
        if entity.id in self.flood_once:
            self.flood_once.discard(entity.id)
            raise errors.FloodWaitError(request=None, capture=7)
        items = sorted(self.history[entity.id], key=lambda m: m.id)
        items = [m for m in items if m.id > (min_id or 0)]
        if not reverse:
            items.reverse()
        if limit is not None:
            items = items[:limit]
        for m in items:
            yield m

    def add_event_handler(self, callback, builder):
        self.handlers.append((callback, builder))
