"""The one declaration of every setting monitor.toml may hold.

Each setting has a type, a default and a help text. ``config.loader`` validates a
file against this declaration; ``monitor check`` and the README describe it from
here. A section that is absent from the file takes every default; an array of
tables (``[[watchlist]]``, ``[[feed]]``) is absent when empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REQUIRED = object()  # marker: the setting has no default and must be given


@dataclass(frozen=True)
class Setting:
    name: str
    type: str  # "str" | "int" | "float" | "bool" | "list[str]" | "path" | "list[path]"
    default: Any
    help: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Section:
    name: str
    help: str
    settings: tuple[Setting, ...]
    array: bool = False  # [[name]]: a list of tables
    optional: bool = False  # absent from the file means "not configured" (value None)
    key: str | None = None  # for arrays: the setting that names each item (must be unique)

    def setting(self, name: str) -> Setting | None:
        for s in self.settings:
            if s.name == name:
                return s
        return None


S = Setting

SECTIONS: tuple[Section, ...] = (
    Section(
        "storage",
        "The SQLite archive.",
        (
            S("path", "path", "storage/archive.db", "SQLite archive file, relative to this file's folder"),
            S("maildir", "path", "", "Maildir for alerts when no [email] section is given; default: 'maildir' beside the archive"),
        ),
    ),
    Section(
        "translation",
        "Machine translation through deep-translator.",
        (
            S("backend", "str", "none", "translation backend", choices=("none", "google", "libre", "deepl", "mymemory")),
            S("target", "str", "en", "language the desk reads (ISO 639-1)"),
            S("translate", "str", "matched", "which posts to translate", choices=("matched", "all")),
            S("timeout_seconds", "float", 10.0, "time limit of one translation call; also how long an alert waits for its translation", minimum=0.1),
            S("url", "str", "", "LibreTranslate server URL (backend = libre)"),
            S("api_key_env", "str", "MONITOR_TRANSLATE_KEY", "environment variable (or systemd credential) holding the API key"),
            S("daily_characters", "int", 0, "characters translated per day at most; 0: no budget", minimum=0),
        ),
    ),
    Section(
        "stories",
        "Grouping posts that carry the same claim into stories.",
        (
            S("window_hours", "float", 72.0, "how long a story stays open for new posts", minimum=0.1),
            S("similarity", "float", 0.6, "near-duplicate threshold (Jaccard over shingles) for same-text matches", minimum=0.0),
        ),
    ),
    Section(
        "watchlist",
        "A watchlist: which posts matter to which recipients.",
        (
            S("name", "str", REQUIRED, "short unique name, used in mail subjects and the CLI"),
            S("regions", "list[str]", [], "ISO 3166-2 codes (RU-KRS, UA-59); a post must mention one, directly or through a place inside it"),
            S("keywords", "list[str]", [], "plain words or phrases in any language; a post must contain one, if any are given"),
            S("exclude", "list[str]", [], "phrases that rule a post out"),
            S("exclude_places", "list[str]", [], "places (gazetteer ids like UA-59:zhuravka, or names) this watchlist never counts"),
            S("not_places", "list[str]", [], "phrases that never name a place («кафе Суджа»), beside the bundled list; they hold for every watchlist"),
            S("recipients", "list[str]", [], "e-mail addresses of the desk"),
            S("delivery", "str", "instant", "how alerts are mailed", choices=("instant", "hourly", "daily")),
        ),
        array=True,
        key="name",
    ),
    Section(
        "matching",
        "How posts are matched against the watchlists.",
        (
            S("max_chars", "int", 20000, "characters of a post (and of its translation) that matching reads; the post is stored whole", minimum=100),
        ),
    ),
    Section(
        "email",
        "SMTP delivery of alerts. Without this section alerts go to a Maildir beside the archive.",
        (
            S("host", "str", REQUIRED, "SMTP server"),
            S("port", "int", 587, "SMTP port", minimum=1),
            S("sender", "str", REQUIRED, "From: address"),
            S("starttls", "bool", True, "upgrade the connection with STARTTLS"),
            S("tls", "bool", False, "implicit TLS (usually port 465)"),
            S("ca_file", "path", "", "CA bundle to verify the server's certificate; default: the system's"),
            S("username", "str", "", "login name; empty: no login"),
            S("password_env", "str", "MONITOR_SMTP_PASSWORD", "environment variable (or systemd credential) holding the password"),
            S("timezone", "str", "UTC", "the desk's time zone, shown beside UTC"),
            S("rate_limit", "int", 20, "instant mails per recipient per rate_window_minutes; the rest go to the next digest", minimum=1),
            S("rate_window_minutes", "int", 10, "window of the rate limit", minimum=1),
            S("digest_times", "list[str]", ["08:00", "18:00"], "local times (HH:MM, desk time zone) of daily digests"),
        ),
        optional=True,
    ),
    Section(
        "telegram",
        "Telegram channels read with a user session (Telethon).",
        (
            S("session", "path", "storage/monitor.session", "Telethon session file (created by 'monitor telegram login', mode 0600)"),
            S("channels", "list[str]", [], "usernames, t.me links or numeric ids"),
            S("api_id_env", "str", "MONITOR_TG_API_ID", "environment variable (or systemd credential) holding api_id"),
            S("api_hash_env", "str", "MONITOR_TG_API_HASH", "environment variable (or systemd credential) holding api_hash"),
            S("poll_seconds", "int", 300, "safety poll of each channel's history", minimum=10),
        ),
        optional=True,
    ),
    Section(
        "webpreview",
        "Public channels read through the t.me/s web preview, no account.",
        (
            S("channels", "list[str]", [], "channel usernames"),
            S("interval_seconds", "int", 120, "poll interval", minimum=1),
            S("base_url", "str", "https://t.me", "web preview host"),
        ),
        optional=True,
    ),
    Section(
        "feed",
        "An RSS or Atom feed.",
        (
            S("name", "str", REQUIRED, "short unique name, used as the channel"),
            S("url", "str", REQUIRED, "feed URL"),
            S("interval_seconds", "int", 300, "poll interval", minimum=1),
        ),
        array=True,
        key="name",
    ),
)

SECTION_BY_NAME = {s.name: s for s in SECTIONS}
