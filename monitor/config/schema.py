"""The one declaration of every setting monitor.toml may hold.

Each section of the file is a frozen dataclass below; each of its settings a field declared with
``setting(default, help, ...)``: type (the annotation), default, help, and the checks beyond the
type (choices, range, what the text must be). ``config.loader`` validates a file against these
declarations and builds the dataclasses; ``monitor check`` and the README describe them (a test
checks that the README documents every setting with its default). A section absent from the file
takes every default, or is None when it is optional; an array of tables (``[[watchlist]]``,
``[[feed]]``) is an empty tuple when absent.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # marker: the setting has no default and must be given

# What a text setting must be, beyond a string (``Setting.text``; checked by the loader):
NAME = "name"  # printable, not empty or blank, at most 64 characters
URL = "url"  # http:// or https:// with a host
HOST = "host"  # a host name or address: not empty, no spaces
ENV_NAME = "env_name"  # the name of an environment variable, never its value
FILE = "file"  # a path to a regular file (or where one will be made): not a folder or a device
FOLDER = "folder"  # a path to a folder (or where one will be made): not a file or a device
EMAIL = "email"  # an e-mail address
TIMEZONE = "timezone"  # an IANA time zone
HHMM = "hhmm"  # a time of day, HH:MM
REGION = "region"  # an ISO 3166-2 code the gazetteer knows
PHRASE = "phrase"  # not empty or blank
PG_URL = "pg_url"  # postgresql://user@host/database, without a password

_KINDS = {"str": "str", "int": "int", "float": "float", "bool": "bool", "tuple[str, ...]": "list[str]"}


def setting(default: Any, help: str, *, choices: tuple[str, ...] | None = None, minimum: float | None = None,
            maximum: float | None = None, text: str | None = None, path: bool = False) -> Any:
    """A field of a section: its default (or REQUIRED), help text and checks. ``path``: relative to the
    configuration file's folder, stored absolute."""
    metadata = {"help": help, "choices": choices, "minimum": minimum, "maximum": maximum, "text": text,
                "path": path}
    if default is REQUIRED:
        return field(metadata=metadata)
    if isinstance(default, list):
        default = tuple(default)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Setting:
    """One setting as the loader, ``monitor check`` and the documentation see it."""

    name: str
    type: str  # "str" | "int" | "float" | "bool" | "list[str]"
    default: Any
    help: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    text: str | None = None  # NAME, URL, ... (above): what a string must be
    path: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


# -- the sections -------------------------------------------------------------------------------

DAY = 86_400
WEEK = 7 * DAY


@dataclass(frozen=True, kw_only=True)
class Storage:
    """The archive: a SQLite file (``path``), or a PostgreSQL database (``url``) several nodes share."""

    path: str = setting("storage/archive.db", "SQLite archive file, relative to this file's folder (side files such"
                                              " as the maildir stay beside it when url is given)",
                        text=FILE, path=True)
    url: str = setting("", "PostgreSQL archive instead of the SQLite file: postgresql://user@host[:port]/database"
                           " (no password in it)", text=PG_URL)
    password_env: str = setting("MONITOR_DB_PASSWORD", "environment variable (or systemd credential) holding the"
                                                       " PostgreSQL password", text=ENV_NAME)
    maildir: str = setting("", "Maildir for alerts when no [email] section is given; default: 'maildir' beside"
                               " the archive", text=FOLDER, path=True)


@dataclass(frozen=True, kw_only=True)
class Translation:
    """Machine translation through deep-translator."""

    backend: str = setting("none", "translation backend", choices=("none", "google", "libre", "deepl", "mymemory"))
    target: str = setting("en", "language the desk reads (ISO 639-1)", text=NAME)
    translate: str = setting("matched", "which posts to translate", choices=("matched", "all"))
    timeout_seconds: float = setting(10.0, "time limit of one translation call; also how long an alert waits for"
                                           " its translation", minimum=0.1, maximum=600)
    url: str = setting("", "LibreTranslate server URL (backend = libre)", text=URL)
    api_key_env: str = setting("MONITOR_TRANSLATE_KEY", "environment variable (or systemd credential) holding the"
                                                        " API key", text=ENV_NAME)
    daily_characters: int = setting(0, "characters translated per day at most; 0: no budget", minimum=0,
                                    maximum=10**12)


@dataclass(frozen=True, kw_only=True)
class Stories:
    """Grouping posts that carry the same claim into stories."""

    window_hours: float = setting(72.0, "how long a story stays open for new posts", minimum=0.1, maximum=24 * 366)
    similarity: float = setting(0.6, "near-duplicate threshold (Jaccard over shingles) for same-text matches",
                                minimum=0.0, maximum=1.0)
    story_hours: float = setting(24.0, "how long after its first post a story takes changes: a later post that"
                                       " changes it opens a story of its own, one that retells it is a repeat",
                                 minimum=0.1, maximum=24 * 366)
    meaning: bool = setting(True, "compare the meaning of matched posts across languages (multilingual sentence"
                                  " vectors) together with their claims")


@dataclass(frozen=True, kw_only=True)
class Watchlist:
    """A watchlist: which posts matter to which recipients."""

    name: str = setting(REQUIRED, "short unique name, used in mail subjects and the CLI", text=NAME)
    regions: tuple[str, ...] = setting([], "ISO 3166-2 codes (RU-KRS, UA-59); a post must mention one, directly or"
                                           " through a place inside it", text=REGION)
    keywords: tuple[str, ...] = setting([], "plain words or phrases in any language; a post must contain one, if"
                                            " any are given", text=PHRASE)
    exclude: tuple[str, ...] = setting([], "phrases that rule a post out", text=PHRASE)
    exclude_places: tuple[str, ...] = setting([], "places this watchlist never counts (gazetteer ids like"
                                                  " UA-59:yunakivka, or names)", text=PHRASE)
    not_places: tuple[str, ...] = setting([], "phrases that never name a place («кафе Суджа»), beside the bundled"
                                              " list; they hold for every watchlist", text=PHRASE)
    recipients: tuple[str, ...] = setting([], "e-mail addresses of the desk", text=EMAIL)
    delivery: str = setting("instant", "how alerts are mailed", choices=("instant", "hourly", "daily"))


@dataclass(frozen=True, kw_only=True)
class Matching:
    """How posts are matched against the watchlists."""

    max_chars: int = setting(20_000, "characters of a post (and of its translation) that matching reads; the post"
                                     " is stored whole", minimum=100, maximum=10**8)


@dataclass(frozen=True, kw_only=True)
class Email:
    """SMTP delivery of alerts. Without this section alerts go to a Maildir beside the archive."""

    host: str = setting(REQUIRED, "SMTP server", text=HOST)
    port: int = setting(587, "SMTP port", minimum=1, maximum=65535)
    sender: str = setting(REQUIRED, "From: address", text=EMAIL)
    starttls: bool = setting(True, "upgrade the connection with STARTTLS (off when tls = true)")
    tls: bool = setting(False, "implicit TLS (usually port 465)")
    ca_file: str = setting("", "CA bundle to verify the server's certificate; default: the system's", text=FILE,
                           path=True)
    username: str = setting("", "login name; empty: no login")
    password_env: str = setting("MONITOR_SMTP_PASSWORD", "environment variable (or systemd credential) holding the"
                                                         " password", text=ENV_NAME)
    timezone: str = setting("UTC", "the desk's time zone, shown beside UTC", text=TIMEZONE)
    rate_limit: int = setting(20, "instant mails per recipient per rate_window_minutes; the rest go to the next"
                                  " digest", minimum=1, maximum=100_000)
    rate_window_minutes: int = setting(10, "window of the rate limit", minimum=1, maximum=WEEK // 60)
    digest_times: tuple[str, ...] = setting(["08:00", "18:00"], "local times (HH:MM, desk time zone) of daily"
                                                                 " digests", text=HHMM)


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """When alert mail that does not go out becomes a problem."""

    pending_alarm_minutes: int = setting(30, "a mail waiting longer than this makes 'monitor status' unhealthy",
                                         minimum=1, maximum=WEEK // 60)
    give_up_hours: float = setting(24.0, "a mail still not delivered after this long is marked failed (reported;"
                                         " 'monitor alerts resend ID' sends it again)", minimum=0.1,
                                   maximum=24 * 366)


@dataclass(frozen=True, kw_only=True)
class Metrics:
    """A Prometheus text endpoint for the daemon's figures."""

    listen: str = setting("", "host:port to serve /metrics on while 'monitor run' runs, e.g. 127.0.0.1:9464;"
                              " empty: off")


@dataclass(frozen=True, kw_only=True)
class Serve:
    """The story board in a browser ('monitor serve'): read-only."""

    host: str = setting("127.0.0.1", "address the story board listens on", text=HOST)
    port: int = setting(8750, "port of the story board", minimum=1, maximum=65535)
    url: str = setting("", "the story board's address as the desk opens it (http://host:8750/); mails link each"
                           " story there; empty: no link", text=URL)


@dataclass(frozen=True, kw_only=True)
class Telegram:
    """Telegram channels read with a user session (Telethon)."""

    session: str = setting("storage/monitor.session", "Telethon session file (created by 'monitor telegram login',"
                                                      " mode 0600)", text=FILE, path=True)
    channels: tuple[str, ...] = setting([], "usernames, t.me links or numeric ids", text=PHRASE)
    api_id_env: str = setting("MONITOR_TG_API_ID", "environment variable (or systemd credential) holding api_id",
                              text=ENV_NAME)
    api_hash_env: str = setting("MONITOR_TG_API_HASH", "environment variable (or systemd credential) holding"
                                                       " api_hash", text=ENV_NAME)
    poll_seconds: int = setting(300, "safety poll of each channel's history", minimum=10, maximum=WEEK)
    join: bool = setting(False, "join configured public channels the account is not in (live updates come only for"
                                " joined channels); false: such channels are read by the history poll alone")
    max_channels: int = setting(400, "channels one account reads at most (an account can be in about 500)",
                                minimum=1, maximum=10_000)


@dataclass(frozen=True, kw_only=True)
class TelegramAccount:
    """One of several Telegram accounts; without any, [telegram] session is the one account."""

    name: str = setting(REQUIRED, "short unique name, used by 'monitor telegram login --account' and status",
                        text=NAME)
    session: str = setting(REQUIRED, "Telethon session file of this account (created by 'monitor telegram login"
                                     " --account NAME', mode 0600)", text=FILE, path=True)
    api_id_env: str = setting(REQUIRED, "environment variable (or systemd credential) holding api_id", text=ENV_NAME)
    api_hash_env: str = setting(REQUIRED, "environment variable (or systemd credential) holding api_hash",
                                text=ENV_NAME)
    channels: tuple[str, ...] = setting([], "channels this account reads (followed even when not in [telegram]"
                                            " channels); the others are spread over the accounts", text=PHRASE)


@dataclass(frozen=True, kw_only=True)
class WebPreview:
    """Public channels read through the t.me/s web preview, no account."""

    channels: tuple[str, ...] = setting([], "channel usernames", text=PHRASE)
    interval_seconds: int = setting(120, "poll interval", minimum=1, maximum=WEEK)
    base_url: str = setting("https://t.me", "web preview host", text=URL)


@dataclass(frozen=True, kw_only=True)
class Feed:
    """An RSS or Atom feed."""

    name: str = setting(REQUIRED, "short unique name, used as the channel", text=NAME)
    url: str = setting(REQUIRED, "feed URL", text=URL)
    interval_seconds: int = setting(300, "poll interval", minimum=1, maximum=WEEK)


@dataclass(frozen=True)
class Section:
    """A table of monitor.toml: its name, the dataclass it becomes and its settings."""

    name: str
    type: type
    attribute: str  # of Config
    array: bool = False  # [[name]]: a list of tables; a dotted name ("telegram.account") lies inside its parent table
    optional: bool = False  # absent from the file means "not configured" (value None)
    key: str | None = None  # for arrays: the setting that names each item (must be unique)

    @property
    def help(self) -> str:
        return (self.type.__doc__ or "").strip()

    @property
    def settings(self) -> tuple[Setting, ...]:
        return _settings(self.type)

    def setting(self, name: str) -> Setting | None:
        for s in self.settings:
            if s.name == name:
                return s
        return None


@dataclass(frozen=True, kw_only=True)
class Node:
    """This daemon among several sharing one PostgreSQL archive."""

    name: str = setting("", "this daemon's name in status and in the outbox's claims; default: the host name",
                        text=NAME)


def _settings(cls: type) -> tuple[Setting, ...]:
    found = []
    for f in dataclasses.fields(cls):
        meta = f.metadata
        default = REQUIRED if f.default is dataclasses.MISSING else f.default
        found.append(Setting(f.name, _KINDS[str(f.type)], default, meta["help"], meta["choices"], meta["minimum"],
                             meta["maximum"], meta["text"], meta["path"]))
    return tuple(found)


SECTIONS: tuple[Section, ...] = (
    Section("storage", Storage, "storage"),
    Section("translation", Translation, "translation"),
    Section("stories", Stories, "stories"),
    Section("watchlist", Watchlist, "watchlists", array=True, key="name"),
    Section("matching", Matching, "matching"),
    Section("email", Email, "email", optional=True),
    Section("delivery", Delivery, "delivery"),
    Section("metrics", Metrics, "metrics"),
    Section("serve", Serve, "serve"),
    Section("telegram", Telegram, "telegram", optional=True),
    Section("telegram.account", TelegramAccount, "telegram_accounts", array=True, key="name"),
    Section("webpreview", WebPreview, "webpreview", optional=True),
    Section("feed", Feed, "feeds", array=True, key="name"),
    Section("node", Node, "node"),
)

SECTION_BY_NAME = {s.name: s for s in SECTIONS}


@dataclass(frozen=True, kw_only=True)
class Config:
    """A validated monitor.toml: one attribute per section (see ``SECTIONS``), paths absolute."""

    path: Path | None
    base_dir: Path
    storage: Storage
    translation: Translation
    stories: Stories
    watchlists: tuple[Watchlist, ...]
    matching: Matching
    email: Email | None
    delivery: Delivery
    metrics: Metrics
    serve: Serve
    telegram: Telegram | None
    telegram_accounts: tuple[TelegramAccount, ...]
    webpreview: WebPreview | None
    feeds: tuple[Feed, ...]
    node: Node = field(default_factory=Node)

    def watchlist(self, name: str) -> Watchlist | None:
        for w in self.watchlists:
            if w.name == name:
                return w
        return None

    @property
    def maildir(self) -> Path:
        if self.storage.maildir:
            return Path(self.storage.maildir)
        return Path(self.storage.path).parent / "maildir"
