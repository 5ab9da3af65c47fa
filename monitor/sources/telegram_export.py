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
messages are skipped. A file is read and checked completely before anything is
stored, so a broken file changes nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any

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


def _load(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, f"not UTF-8 text (byte {exc.start}); expected a Telegram Desktop JSON export") from None
    if not text.strip():
        raise _fail(path, "empty file; expected a Telegram Desktop JSON export (result.json)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            what = "the file ends early (truncated export?)"
        else:
            what = f"invalid JSON: {exc.msg}"
        raise _fail(path, f"line {exc.lineno}, column {exc.colno}: {what}") from None
    except RecursionError:
        raise _fail(path, "JSON nested too deeply to be a Telegram Desktop export") from None
    except ValueError:  # Python's limit on integer digits
        raise _fail(path, "a number of more than 4,300 digits; not a Telegram Desktop export") from None


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


# Dates a Telegram post can have: Telegram began in August 2013; far-future dates are corrupt.
EARLIEST = datetime(2013, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)
MAX_ID = 2 ** 63 - 1  # SQLite's largest integer


def _date(message: dict[str, Any], unix_key: str, local_key: str, local_tz: tzinfo) -> datetime | None:
    unix = message.get(unix_key)
    if unix not in (None, ""):
        digits = str(unix).strip()
        if isinstance(unix, bool) or not isinstance(unix, (str, int)) or not (digits.isascii() and digits.isdigit()):
            raise ValueError(f'"{unix_key}" must be epoch seconds as digits, got {_short(unix)}')
        try:
            return _in_range(datetime.fromtimestamp(int(digits[:15]), tz=timezone.utc), unix_key)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f'"{unix_key}" is {_short(unix)}, not a date a Telegram post can have'
                             f" ({EARLIEST.year} to {LATEST.year - 1})") from None
    local = message.get(local_key)
    if not local:
        return None
    if not isinstance(local, str):
        raise ValueError(f'"{local_key}" must be a date like 2024-08-06T14:05:00, got {local!r}')
    parsed = datetime.fromisoformat(local)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_tz)
    return _in_range(parsed.astimezone(timezone.utc), local_key)


def _in_range(value: datetime, key: str) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError(f'"{key}" is {value.isoformat()}, not a date a Telegram post can have'
                         f" ({EARLIEST.year} to {LATEST.year - 1})")
    return value


def _media_kind(message: dict[str, Any]) -> str | None:
    if "photo" in message:
        return "photo"
    if "poll" in message:
        return "poll"
    if "todo_list" in message:
        return "todo"
    if "giveaway_information" in message or "giveaway_results" in message:
        return "giveaway"
    if "place_name" in message:
        return "venue"
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


def _words(value: Any) -> str:
    """The plain text of a field that is a string or a list of text parts; anything else gives nothing."""
    try:
        return plain_text(value)[0].strip() if isinstance(value, (str, list)) else ""
    except ValueError:
        return ""


def _items(block: dict[str, Any], *keys: str) -> list[str]:
    for key in keys:
        items = block.get(key)
        if isinstance(items, list):
            return [text for item in items if isinstance(item, dict) and (text := _words(item.get("text")))]
    return []


def media_text(message: dict[str, Any]) -> str:
    """Words a post carries outside its ``text``: a poll's question and answers, a to-do list's title and
    items, a giveaway's prize, a venue's name and address. Searchable and matched like the text."""
    lines: list[str] = []
    poll = message.get("poll")
    if isinstance(poll, dict):
        lines += [_words(poll.get("question")), *_items(poll, "answers")]
    todo = message.get("todo_list")
    if isinstance(todo, dict):
        lines += [_words(todo.get("title")), *_items(todo, "answers", "items")]
    for key in ("giveaway_information", "giveaway_results"):
        giveaway = message.get(key)
        if isinstance(giveaway, dict):
            prize = _words(giveaway.get("additional_prize"))
            quantity = giveaway.get("quantity", giveaway.get("winners_count"))
            lines.append("Giveaway" + (f": {quantity} winners" if isinstance(quantity, int) else "")
                         + (f", {prize}" if prize else ""))
    if "place_name" in message:
        lines += [_words(message.get("place_name")), _words(message.get("address"))]
    return "\n".join(line for line in lines if line)


def _channel_id(chat: dict[str, Any]) -> int | None:
    raw = chat.get("id")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if abs(raw) <= MAX_ID else None
    if isinstance(raw, str):
        digits = raw.removeprefix("channel").removeprefix("chat").removeprefix("user")
        if digits.lstrip("-").isdigit() and digits.isascii() and len(digits) <= 19 and abs(int(digits)) <= MAX_ID:
            return int(digits)
    return None


def _album_ids(messages: list[dict[str, Any]]) -> dict[int, int]:
    """Exports do not carry grouped ids; an album is consecutive media messages sent in the same second,
    of which at most one has text. They get the first message's id as their group."""
    groups: dict[int, int] = {}
    run: list[dict[str, Any]] = []

    def close() -> None:
        if len(run) > 1 and sum(1 for m in run if plain_text(m.get("text"))[0]) <= 1:
            for m in run:
                groups[m["id"]] = run[0]["id"]

    for m in messages:
        if m.get("type") != "message" or not _media_kind(m) or _media_kind(m) in ("poll", "sticker"):
            close()
            run = []
            continue
        if run and (m.get("date_unixtime", m.get("date")) != run[-1].get("date_unixtime", run[-1].get("date"))
                    or m.get("from_id") != run[-1].get("from_id")):
            close()
            run = []
        run.append(m)
    close()
    return groups


def chat_posts(chat: dict[str, Any], *, where: str, local_tz: tzinfo = timezone.utc,
               usernames: dict[int, str] | None = None) -> tuple[list[Post], int]:
    """The posts of one exported chat and the number of service messages skipped."""
    messages = chat.get("messages")
    if not isinstance(messages, list):
        raise ValueError(f'{where}: "messages" must be a list')
    channel_id = _channel_id(chat)
    if channel_id is None:
        raise ValueError(f'{where}: "id" must be the chat\'s numeric id (below 2^63), got {_short(chat.get("id"))}')
    title = chat.get("name") if isinstance(chat.get("name"), str) else None
    username = (usernames or {}).get(channel_id)
    albums = _album_ids([m for m in messages if isinstance(m, dict) and _valid_id(m.get("id"))
                         and isinstance(m.get("type", "message"), str)])
    posts: list[Post] = []
    skipped = 0
    for index, message in enumerate(messages):
        at = f"{where}, messages[{index}]"
        if not isinstance(message, dict):
            raise ValueError(f"{at}: expected an object")
        kind = message.get("type", "message")
        if not isinstance(kind, str):
            raise ValueError(f'{at}: "type" must be a string such as "message" or "service", got {kind!r}')
        if kind != "message":
            skipped += 1
            continue
        message_id = message.get("id")
        if not _valid_id(message_id):
            raise ValueError(f'{at}: "id" must be a positive integer below 2^63, got {_short(message_id)}')
        try:
            text, entities = plain_text(message.get("text"))
            extra = media_text(message)
            if extra:
                text = f"{text}\n\n{extra}" if text else extra
            date = _date(message, "date_unixtime", "date", local_tz)
            edit_date = _date(message, "edited_unixtime", "edited", local_tz)
        except (ValueError, TypeError, OverflowError, OSError) as exc:
            raise ValueError(f"{at} (message {message_id}): {exc}") from None
        if date is None:
            raise ValueError(f'{at} (message {message_id}): no "date" or "date_unixtime"')
        fwd_name = message.get("forwarded_from")
        url = f"https://t.me/{username}/{message_id}" if username else f"https://t.me/c/{channel_id}/{message_id}"
        posts.append(
            Post(
                source=SOURCE,
                channel=str(channel_id),
                message_id=message_id,
                date=date,
                text=text,
                channel_id=channel_id,
                channel_username=username,
                channel_title=title,
                edit_date=edit_date,
                entities=entities,
                fwd_from_name=fwd_name if isinstance(fwd_name, str) else None,
                fwd_from_channel=_forward_channel(message),
                reply_to=message.get("reply_to_message_id") if _valid_id(message.get("reply_to_message_id")) else None,
                views=message.get("views") if _valid_id(message.get("views")) else None,
                media_kind=_media_kind(message),
                grouped_id=albums.get(message_id),
                url=url,
            )
        )
    return posts, skipped


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _forward_channel(message: dict[str, Any]) -> str | None:
    """Newer exports name the forwarded channel's id in ``forwarded_from_id`` ("channel123")."""
    raw = message.get("forwarded_from_id")
    if isinstance(raw, str) and raw.startswith("channel") and raw[7:].isdigit():
        return raw[7:]
    return None


def read_export(path: str | os.PathLike, *, local_tz: tzinfo = timezone.utc,
                usernames: dict[int, str] | None = None) -> ExportFile:
    """Read and check a whole export file; raise ExportError naming the file and the place."""
    path = Path(path)
    data = _load(path)
    result = ExportFile(path)
    if not isinstance(data, dict):
        raise _fail(path, f"expected a JSON object (a Telegram Desktop export), got a {type(data).__name__}")
    chats: list[tuple[str, dict[str, Any]]] = []
    if "messages" in data:
        chats.append(("the chat", data))
    else:
        for section in ("chats", "left_chats"):
            block = data.get(section)
            if block is None:
                continue
            items = block.get("list") if isinstance(block, dict) else None
            if not isinstance(items, list):
                raise _fail(path, f'"{section}.list" must be a list of chats')
            for i, chat in enumerate(items):
                if not isinstance(chat, dict):
                    raise _fail(path, f"{section}.list[{i}]: expected a chat object")
                chats.append((f"{section}.list[{i}] ({chat.get('name', '?')})", chat))
        if not chats:
            raise _fail(path, 'not a Telegram Desktop export: no "messages" (single chat) or "chats.list" (full account)')
    for where, chat in chats:
        if "messages" not in chat:
            continue  # full-account exports list chats whose messages were not exported
        if isinstance(chat.get("type"), str) and chat["type"] in PRIVATE_CHAT_TYPES and len(chats) > 1:
            result.skipped_chats += 1  # people's private conversations are not the desk's sources
            continue
        try:
            posts, skipped = chat_posts(chat, where=where, local_tz=local_tz, usernames=usernames)
        except ValueError as exc:
            raise _fail(path, str(exc)) from None
        result.chats += 1
        result.posts.extend(posts)
        result.skipped_service += skipped
    return result
