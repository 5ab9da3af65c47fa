"""Telegram Desktop JSON exports (``result.json``): reading them into posts.

Two shapes exist: a single chat (``{"name", "type", "id", "messages"}``) and a
full-account export whose chats sit under ``chats.list`` (and ``left_chats.list``).
Each message becomes a ``Post`` of source ``telegram`` keyed by the channel's
bare numeric id, the same key the live Telethon source uses, so an export and
the live feed of one channel never duplicate each other.

Dates: ``date_unixtime`` (epoch seconds, present in exports since 2021) is
exact. Older exports only have ``date``, the exporting machine's local time
without an offset; we read it as UTC unless the caller gives the time zone the
export was made in (``monitor import --export-tz Europe/Moscow``).

Service messages (channel created, pinned message, ...) and "unsupported"
messages are skipped. Files are read as a stream (ijson), one message at a time:
``iter_export`` yields posts without holding the file in memory.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import IO, Any

import ijson

from monitor.storage import Post

SOURCE = "telegram"

# Export media fields → our media kinds.
_MEDIA_TYPES = {
    "animation": "animation",
    "video_file": "video",
    "video_message": "video_note",
    "voice_message": "voice",
    "audio_file": "audio",
    "sticker": "sticker",
}


# Chats of a full-account export that are not sources: one's own conversations.
PRIVATE_CHAT_TYPES = frozenset({"personal_chat", "bot_chat", "saved_messages", "private_group"})


class ExportError(Exception):
    """A file that is not a readable Telegram Desktop export."""


@dataclass
class ExportFile:
    path: Path
    chats: int = 0
    posts: list[Post] = field(default_factory=list)
    skipped_service: int = 0
    skipped_chats: int = 0


def _fail(path: Path, message: str) -> ExportError:
    return ExportError(f"{path}: {message}")


class _CheckedReader(io.RawIOBase):
    """A file's bytes for the JSON parser, checked to be UTF-8 on the way (a leading BOM skipped),
    with the line and column reached, for error messages."""

    def __init__(self, path: Path, raw: IO[bytes]):
        self.path = path
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.offset = 0  # bytes handed on
        self.lines = 1  # line of the last byte handed on
        self.column = 1
        self.content = False  # anything but white space seen
        self.at_end = False
        self.last = ""  # the text of the last chunk handed on
        self.last_line = 1  # the line it starts on
        self._first = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        if self._first:
            self._first = False
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8):]
                self.offset += len(codecs.BOM_UTF8)
        try:
            text = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise _fail(self.path, f"not UTF-8 text (byte {self.offset + exc.start}); "
                                   "expected a Telegram Desktop JSON export") from None
        if not data:
            self.at_end = True
        self.offset += len(data)
        self.content = self.content or bool(text.strip())
        newlines = text.count("\n")
        self.last_line = self.lines
        self.lines += newlines
        self.column = len(text) - text.rfind("\n") if newlines else self.column + len(text)
        self.last = text
        buffer[:len(data)] = data
        return len(data)


def _json_error(reader: _CheckedReader, exc: Exception) -> ExportError:
    if not reader.content and reader.at_end:
        return _fail(reader.path, "empty file; expected a Telegram Desktop JSON export (result.json)")
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "premature EOF" in message:
        return _fail(reader.path, f"line {reader.lines}, column {reader.column}: "
                                  "the file ends early (truncated export?)")
    message = re.sub(r"^(parse|lexical) error: ", "", message)
    return _fail(reader.path, f"line {_error_line(reader, str(exc))}: invalid JSON: {message}")


def _error_line(reader: _CheckedReader, error: str) -> int:
    """The line of a parser error: where the excerpt the parser quotes lies in the text it read last
    (the last line read, if the excerpt is not found there)."""
    quoted = error.splitlines()[1].strip() if len(error.splitlines()) > 1 else ""
    found = reader.last.find(quoted) if quoted else -1
    if found < 0:
        return reader.lines
    return reader.last_line + reader.last.count("\n", 0, found)


def plain_text(value: Any) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and the entities of an export's ``text`` (a string or a list of parts)."""
    if value is None:
        return "", []
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        raise ValueError(f"text must be a string or a list, not {type(value).__name__}")
    parts: list[str] = []
    entities: list[dict[str, Any]] = []
    offset = 0
    for part in value:
        if isinstance(part, str):
            chunk = part
        elif isinstance(part, dict):
            chunk = part.get("text", "")
            if not isinstance(chunk, str):
                raise ValueError("a text part's 'text' must be a string")
            kind = part.get("type", "plain")
            if kind != "plain" and chunk:
                entity: dict[str, Any] = {"type": kind, "offset": offset, "length": _utf16_len(chunk)}
                for extra in ("href", "user_id", "language", "document_id"):
                    if extra in part:
                        entity[extra] = part[extra]
                entities.append(entity)
        else:
            raise ValueError(f"a text part must be a string or an object, not {type(part).__name__}")
        parts.append(chunk)
        offset += _utf16_len(chunk)
    return "".join(parts), entities


def _utf16_len(text: str) -> int:
    """Telegram counts entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _date(message: dict[str, Any], unix_key: str, local_key: str, local_tz: tzinfo) -> datetime | None:
    unix = message.get(unix_key)
    if unix not in (None, ""):
        return datetime.fromtimestamp(int(unix), tz=timezone.utc)
    local = message.get(local_key)
    if not local:
        return None
    parsed = datetime.fromisoformat(local)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_tz)
    return parsed.astimezone(timezone.utc)


def _media_kind(message: dict[str, Any]) -> str | None:
    if "photo" in message:
        return "photo"
    if "poll" in message:
        return "poll"
    if "location_information" in message:
        return "geo"
    if "contact_information" in message:
        return "contact"
    media_type = message.get("media_type")
    if media_type:
        return _MEDIA_TYPES.get(media_type, media_type)
    if "file" in message:
        return "document"
    return None


def _channel_id(chat: dict[str, Any]) -> int | None:
    raw = chat.get("id")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        digits = raw.removeprefix("channel").removeprefix("chat").removeprefix("user")
        return int(digits) if digits.lstrip("-").isdigit() else None
    return None


@dataclass
class _Chat:
    """What the posts of one exported chat share."""

    channel_id: int
    title: str | None
    username: str | None


def _chat_of(meta: dict[str, Any], where: str, usernames: dict[int, str] | None) -> _Chat:
    channel_id = _channel_id(meta)
    if channel_id is None:
        raise ValueError(f'{where}: "id" must be the chat\'s numeric id, got {meta.get("id")!r}')
    title = meta.get("name") if isinstance(meta.get("name"), str) else None
    return _Chat(channel_id, title, (usernames or {}).get(channel_id))


def _post(chat: _Chat, message: dict[str, Any], at: str, local_tz: tzinfo) -> Post:
    message_id = message.get("id")
    if not isinstance(message_id, int):
        raise ValueError(f'{at}: "id" must be an integer, got {message_id!r}')
    try:
        text, entities = plain_text(message.get("text"))
        date = _date(message, "date_unixtime", "date", local_tz)
        edit_date = _date(message, "edited_unixtime", "edited", local_tz)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"{at} (message {message_id}): {exc}") from None
    if date is None:
        raise ValueError(f'{at} (message {message_id}): no "date" or "date_unixtime"')
    fwd_name = message.get("forwarded_from")
    channel_id, username = chat.channel_id, chat.username
    url = f"https://t.me/{username}/{message_id}" if username else f"https://t.me/c/{channel_id}/{message_id}"
    return Post(
        source=SOURCE,
        channel=str(channel_id),
        message_id=message_id,
        date=date,
        text=text,
        channel_id=channel_id,
        channel_username=username,
        channel_title=chat.title,
        edit_date=edit_date,
        entities=entities,
        fwd_from_name=fwd_name if isinstance(fwd_name, str) else None,
        fwd_from_channel=_forward_channel(message),
        reply_to=message.get("reply_to_message_id") if isinstance(message.get("reply_to_message_id"), int) else None,
        views=message.get("views") if isinstance(message.get("views"), int) else None,
        media_kind=_media_kind(message),
        url=url,
    )


class _Albums:
    """Exports do not carry grouped ids; an album is consecutive media messages sent in the same second
    by the same sender, of which at most one has text. They get the first message's id as their group.

    ``add`` takes each message with its post (None for a service message) and returns the posts whose
    album is decided, in order; ``close`` the rest."""

    def __init__(self) -> None:
        self.run: list[tuple[dict[str, Any], Post]] = []

    def add(self, message: dict[str, Any], post: Post | None) -> list[Post]:
        kind = post.media_kind if post is not None else None
        if post is None or not kind or kind in ("poll", "sticker"):
            done = self.close()
            return done + [post] if post is not None else done
        done = []
        if self.run:
            previous = self.run[-1][0]
            if (message.get("date_unixtime", message.get("date")) != previous.get("date_unixtime", previous.get("date"))
                    or message.get("from_id") != previous.get("from_id")):
                done = self.close()
        self.run.append((message, post))
        return done

    def close(self) -> list[Post]:
        run, self.run = self.run, []
        posts = [post for _, post in run]
        if len(posts) > 1 and sum(1 for post in posts if post.text) <= 1:
            for post in posts:
                post.grouped_id = posts[0].message_id
        return posts


@dataclass
class ExportCounts:
    """What reading an export found besides its posts."""

    chats: int = 0
    skipped_service: int = 0
    skipped_chats: int = 0
    offset: int = 0  # bytes of the file read so far


def _forward_channel(message: dict[str, Any]) -> str | None:
    """Newer exports name the forwarded channel's id in ``forwarded_from_id`` ("channel123")."""
    raw = message.get("forwarded_from_id")
    if isinstance(raw, str) and raw.startswith("channel") and raw[7:].isdigit():
        return raw[7:]
    return None


_START = {"start_map": "dict", "start_array": "list"}
_SCALARS = {"string": "str", "number": "number", "boolean": "bool", "null": "NoneType"}
_KEEP = frozenset({"id", "name", "type"})  # the keys of a chat read besides its messages


class _Walk:
    """A recursive descent over the parser's events (``ijson.basic_parse``), building only small values."""

    def __init__(self, events: Iterator[tuple[str, Any]]):
        self.events = events

    def next(self) -> tuple[str, Any]:
        return next(self.events)

    def value(self, event: str, value: Any) -> Any:
        """The whole value that starts with this event."""
        if event not in _START:
            return value
        builder = ijson.ObjectBuilder()
        builder.event(event, value)
        depth = 1
        while depth:
            event, value = self.next()
            builder.event(event, value)
            depth += 1 if event in _START else -1 if event in ("end_map", "end_array") else 0
        return builder.value

    def skip(self, event: str) -> None:
        depth = 1 if event in _START else 0
        while depth:
            event, _ = self.next()
            depth += 1 if event in _START else -1 if event in ("end_map", "end_array") else 0

    def keys(self) -> Iterator[str]:
        """The keys of the object just started; the caller reads or skips each key's value."""
        while True:
            event, value = self.next()
            if event == "end_map":
                return
            yield value


def _kind(event: str, value: Any) -> str:
    if event in _START:
        return _START[event]
    if event == "number":
        return type(value).__name__
    return _SCALARS.get(event, event)


class _Reader:
    def __init__(self, source: _CheckedReader, walk: _Walk, local_tz: tzinfo, usernames: dict[int, str] | None):
        self.source, self.path, self.walk = source, source.path, walk
        self.local_tz, self.usernames = local_tz, usernames
        self.counts = ExportCounts()
        self.found = False  # a chat, or a list of chats, was found

    def export(self) -> Iterator[Post]:
        event, value = self.walk.next()
        if event != "start_map":
            raise _fail(self.path, f"expected a JSON object (a Telegram Desktop export), got a {_kind(event, value)}")
        yield from self.chat("the chat", top=True)
        if not self.found:
            raise _fail(self.path, 'not a Telegram Desktop export: no "messages" (single chat) or "chats.list" '
                                   "(full account)")

    def chat_list(self, section: str) -> Iterator[Post]:
        self.found = True
        index = 0
        while True:
            event, value = self.walk.next()
            if event == "end_array":
                return
            if event != "start_map":
                raise _fail(self.path, f"{section}.list[{index}]: expected a chat object")
            yield from self.chat(f"{section}.list[{index}]", top=False)
            index += 1

    def chat(self, where: str, *, top: bool) -> Iterator[Post]:
        """The posts of the chat object just started (``top``: the file's own object, which is a chat
        in a single-chat export and holds the chat lists in a full-account one)."""
        meta: dict[str, Any] = {}
        waiting: list[Any] | None = None  # messages read before the chat's id
        chat: _Chat | None = None
        for key in self.walk.keys():
            event, value = self.walk.next()
            if top and key in ("chats", "left_chats"):
                yield from self._section(key, event)
            elif key == "messages":
                place = where if top else f"{where} ({meta.get('name', '?')})"
                if event != "start_array":
                    self.walk.skip(event)
                    raise _fail(self.path, f'{place}: "messages" must be a list')
                self.found = True
                if not top and meta.get("type") in PRIVATE_CHAT_TYPES:
                    self.walk.skip(event)  # people's private conversations are not the desk's sources
                    self.counts.skipped_chats += 1
                    continue
                self.counts.chats += 1
                if "id" in meta:
                    chat = self._chat(meta, place)
                    yield from self.messages(chat, place, self._message_values())
                else:
                    waiting = list(self._message_values())
                    where = place
            elif key in _KEEP:
                meta[key] = self.walk.value(event, value)
            else:
                self.walk.skip(event)
        if waiting is not None:
            if not top and meta.get("type") in PRIVATE_CHAT_TYPES:
                self.counts.chats -= 1
                self.counts.skipped_chats += 1
                return
            yield from self.messages(self._chat(meta, where), where, iter(waiting))

    def _section(self, key: str, event: str) -> Iterator[Post]:
        """The chats of a full-account export's section ("chats" or "left_chats") just started."""
        if event == "null":
            return
        if event != "start_map":
            self.walk.skip(event)
            raise _fail(self.path, f'"{key}.list" must be a list of chats')
        listed = False
        for inner in self.walk.keys():
            event, value = self.walk.next()
            if inner != "list":
                self.walk.skip(event)
                continue
            if event != "start_array":
                self.walk.skip(event)
                break
            listed = True
            yield from self.chat_list(key)
        if not listed:
            raise _fail(self.path, f'"{key}.list" must be a list of chats')

    def _chat(self, meta: dict[str, Any], where: str) -> _Chat:
        try:
            return _chat_of(meta, where, self.usernames)
        except ValueError as exc:
            raise _fail(self.path, str(exc)) from None

    def _message_values(self) -> Iterator[Any]:
        while True:
            event, value = self.walk.next()
            if event == "end_array":
                return
            yield self.walk.value(event, value)

    def messages(self, chat: _Chat, where: str, messages: Iterator[Any]) -> Iterator[Post]:
        albums = _Albums()
        for index, message in enumerate(messages):
            self.counts.offset = self.source.offset
            at = f"{where}, messages[{index}]"
            try:
                if not isinstance(message, dict):
                    raise ValueError(f"{at}: expected an object")
                if message.get("type", "message") != "message":
                    self.counts.skipped_service += 1
                    yield from albums.add(message, None)
                    continue
                post = _post(chat, message, at, self.local_tz)
            except ValueError as exc:
                raise _fail(self.path, str(exc)) from None
            yield from albums.add(message, post)
        yield from albums.close()


def iter_export(path: str | os.PathLike, counts: ExportCounts | None = None, *, local_tz: tzinfo = timezone.utc,
                usernames: dict[int, str] | None = None) -> Iterator[Post]:
    """The posts of an export file, read as a stream, in the file's order; raise ExportError naming the
    file and the place at the first thing wrong (the posts before it have been yielded). ``counts``
    (if given) is filled in with the chats read and the messages and chats skipped."""
    path = Path(path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 (closed below, also when the caller stops early)
    except OSError as exc:
        raise _fail(path, f"cannot read: {exc.strerror or exc}") from None
    reader = _CheckedReader(path, raw)
    walk = _Walk(ijson.basic_parse(io.BufferedReader(reader, 4096), buf_size=4096, use_float=True))
    export = _Reader(reader, walk, local_tz, usernames)
    if counts is not None:
        export.counts = counts
    try:
        yield from export.export()
    except ExportError:
        raise
    except (ijson.JSONError, ValueError, StopIteration, RecursionError) as exc:
        raise _json_error(reader, exc) from None
    except OSError as exc:
        raise _fail(path, f"cannot read: {exc.strerror or exc}") from None
    finally:
        raw.close()


def read_export(path: str | os.PathLike, *, local_tz: tzinfo = timezone.utc,
                usernames: dict[int, str] | None = None) -> ExportFile:
    """Read and check a whole export file into memory; raise ExportError naming the file and the place."""
    counts = ExportCounts()
    posts = list(iter_export(path, counts, local_tz=local_tz, usernames=usernames))
    return ExportFile(Path(path), counts.chats, posts, counts.skipped_service, counts.skipped_chats)
