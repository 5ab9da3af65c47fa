"""Read monitor.toml, validate it against ``config.schema`` and build a Config.

Errors are collected, not raised one at a time: the operator sees every problem
of the file at once, each naming the file, the line where it can be found, the
key path and what was expected.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import schema
from .schema import SECTION_BY_NAME, SECTIONS, Config, Section, Setting

ENV_VAR = "MONITOR_CONFIG"
DEFAULT_NAME = "monitor.toml"

_REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Secret-looking keys someone may write into monitor.toml, and the setting that names where they belong.
_SECRET_KEYS = {"password": "password_env", "api_key": "api_key_env", "api_hash": "api_hash_env", "api_id": "api_id_env"}
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
NAME_LENGTH = 64


class ConfigError(Exception):
    """One or more problems in a configuration file."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def find_config_path(explicit: str | os.PathLike | None = None, *, cwd: Path | None = None) -> Path:
    """Where the configuration is: --config, else ./monitor.toml, else $MONITOR_CONFIG."""
    if explicit:
        path = Path(explicit)
        if not path.exists():
            raise ConfigError([f"{path}: configuration file not found"])
        return path
    local = (cwd or Path.cwd()) / DEFAULT_NAME
    if local.exists():
        return local
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        if not path.exists():
            raise ConfigError([f"{path}: configuration file not found (from ${ENV_VAR})"])
        return path
    raise ConfigError(
        [f"no configuration: ./{DEFAULT_NAME} does not exist and ${ENV_VAR} is not set; pass --config PATH"]
    )


def load_config(path: str | os.PathLike) -> Config:
    """Load and validate a configuration file. Raises ConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: configuration file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from None
    return parse_config(text, path=path)


def parse_config(text: str, *, path: Path | None = None, base_dir: Path | None = None) -> Config:
    name = str(path) if path else "<config>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{name}: not valid TOML: {exc}"]) from None
    if base_dir is None:
        base_dir = path.resolve().parent if path else Path.cwd()
    validator = _Validator(name, text, base_dir)
    sections = validator.validate(data)
    if validator.errors:
        raise ConfigError(validator.errors)
    return Config(path=path, base_dir=base_dir, **sections)


def default_config(base_dir: Path) -> Config:
    """The configuration an empty file gives: every default."""
    return parse_config("", base_dir=base_dir)


def suggest(word: str, candidates: list[str]) -> str:
    match = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f'; did you mean "{match[0]}"?' if match else ""


_TYPE_NAMES = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "list[str]": "a list of strings",
}


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class _Validator:
    def __init__(self, name: str, text: str, base_dir: Path):
        self.name = name
        self.lines = text.splitlines()
        self.base_dir = base_dir
        self.errors: list[str] = []
        self.storage_path: str | None = None  # the archive's, once [storage] is read

    # -- locating keys in the source text ---------------------------------
    def _line_of(self, section: str, index: int | None, key: str | None) -> int | None:
        """1-based line of ``key`` in table ``section`` (the index-th ``[[section]]``)."""
        header_single = re.compile(r"^\s*\[\s*" + re.escape(section) + r"\s*\]\s*(#.*)?$")
        header_array = re.compile(r"^\s*\[\[\s*" + re.escape(section) + r"\s*\]\]\s*(#.*)?$")
        any_header = re.compile(r"^\s*\[")
        inside = False
        seen = -1
        header_line = None
        for number, line in enumerate(self.lines, 1):
            if any_header.match(line):
                inside = False
                if index is None and header_single.match(line):
                    inside, header_line = True, number
                elif index is not None and header_array.match(line):
                    seen += 1
                    if seen == index:
                        inside, header_line = True, number
                continue
            if inside and key is not None:
                if re.match(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=", line):
                    return number
        return header_line

    def error(self, section: str, index: int | None, key: str | None, message: str) -> None:
        where = section if index is None else f"{section}[{index}]"
        if key is not None:
            where = f"{where}.{key}"
        line = self._line_of(section, index, key)
        prefix = f"{self.name}:{line}" if line else self.name
        self.errors.append(f"{prefix}: {where}: {message}")

    # -- validation --------------------------------------------------------
    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        """Each section's dataclass (or tuple of them, or None), keyed by its ``Config`` attribute."""
        result: dict[str, Any] = {}
        for key in data:
            if key not in SECTION_BY_NAME:
                hint = suggest(key, list(SECTION_BY_NAME))
                line = self._find_header_line(key)
                prefix = f"{self.name}:{line}" if line else self.name
                self.errors.append(f"{prefix}: {key}: unknown section{hint}")
        for section in SECTIONS:
            result[section.attribute] = self._section(section, _raw_section(data, section.name))
        self._check_accounts(result["telegram"], result["telegram_accounts"], _raw_section(data, "telegram"))
        return result

    def _check_accounts(self, telegram: Any, accounts: tuple[Any, ...], raw: Any) -> None:
        """Channels of several Telegram accounts: each read by one account, no account over max_channels;
        [telegram]'s own session settings, unused beside accounts, are not left there to mislead."""
        if telegram is None or any(a.name is None for a in accounts):
            return
        if accounts and isinstance(raw, dict):
            for key in ("session", "api_id_env", "api_hash_env"):
                if key in raw:
                    self.error("telegram", None, key, "not used when [[telegram.account]] entries are given (each"
                                                      f" account names its own {key}); remove it here")
        from ..sources.telegram_accounts import config_problems

        for index, key, message in config_problems(telegram, accounts):
            self.error("telegram" if index is None else "telegram.account", index, key, message)

    def _section(self, section: Section, raw: Any) -> Any:
        if section.array:
            if raw is None:
                return ()
            if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
                self.error(section.name, None, None,
                           f"expected an array of tables ([[{section.name}]]), got {_toml_type(raw)}")
                return ()
            if section.key:
                seen: dict[Any, int] = {}
                for index, table in enumerate(raw):
                    value = table.get(section.key)
                    if isinstance(value, str) and value in seen:
                        self.error(section.name, index, section.key,
                                   f'duplicate {section.key} "{value}" (also {section.name}[{seen[value]}])')
                    elif isinstance(value, str):
                        seen[value] = index
            return tuple(self._table(section, index, table) for index, table in enumerate(raw))
        if raw is None:
            return None if section.optional else self._table(section, None, {})
        if not isinstance(raw, dict):
            self.error(section.name, None, None, f"expected a table ([{section.name}]), got {_toml_type(raw)}")
            return None if section.optional else self._table(section, None, {})
        return self._table(section, None, raw)

    def _find_header_line(self, key: str) -> int | None:
        pattern = re.compile(r"^\s*\[{1,2}\s*" + re.escape(key) + r"\s*\]{1,2}|^\s*" + re.escape(key) + r"\s*=")
        for number, line in enumerate(self.lines, 1):
            if pattern.match(line):
                return number
        return None

    def _table(self, section: Section, index: int | None, table: dict[str, Any]) -> Any:
        values: dict[str, Any] = {}
        names = [s.name for s in section.settings]
        for key in table:
            if f"{section.name}.{key}" in SECTION_BY_NAME:
                continue  # a table of its own inside this one ([[telegram.account]])
            if section.setting(key) is None:
                secret = _SECRET_KEYS.get(key)
                holder = section.setting(secret) if secret else None
                if holder is not None:
                    default = "" if holder.required else f" (default {holder.default})"
                    self.error(section.name, index, key, f"secrets do not belong in the configuration file; put it in the"
                               f" environment variable (or systemd credential) named by {secret}{default}")
                else:
                    self.error(section.name, index, key, "unknown key" + suggest(key, names))
        for setting in section.settings:
            if setting.name in table:
                value = self._value(section, index, setting, table[setting.name])
            elif setting.required:
                self.error(section.name, index, setting.name, f"required setting missing ({setting.help})")
                value = None
            else:
                value = self._resolve(setting, setting.default)
            values[setting.name] = value
        self._check_section(section, index, values, table)
        return section.type(**values)

    def _value(self, section: Section, index: int | None, setting: Setting, value: Any) -> Any:
        def error(message: str) -> None:
            self.error(section.name, index, setting.name, message)

        expected = _TYPE_NAMES[setting.type]
        ok = True
        if setting.type == "str":
            ok = isinstance(value, str)
        elif setting.type == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif setting.type == "float":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if ok:
                value = float(value)
        elif setting.type == "bool":
            ok = isinstance(value, bool)
        elif setting.type == "list[str]":
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not ok:
            shown = "" if setting.text == schema.ENV_NAME else f" {value!r}"  # it may be the secret itself
            error(f"expected {expected}, got {_toml_type(value)}{shown}")
            return None if setting.required else self._resolve(setting, setting.default)
        if isinstance(value, float) and not math.isfinite(value):
            error(f"must be a finite number, got {value}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if setting.minimum is not None and value < setting.minimum:
                error(f"must be at least {setting.minimum:g}, got {value:g}")
            elif setting.maximum is not None and value > setting.maximum:
                error(f"must be at most {setting.maximum:g}, got {value:g}")
        if setting.choices and value not in setting.choices:
            options = ", ".join(f'"{c}"' for c in setting.choices)
            error(f'"{value}" is not one of {options}' + suggest(str(value), list(setting.choices)))
        if setting.text is not None:
            for text in value if isinstance(value, list) else [value]:
                if text == "" and setting.default == "":
                    continue  # the default: not set
                problem = self._text_problem(setting, text)
                if problem:
                    error(problem)
        if isinstance(value, list):
            value = tuple(value)
        return self._resolve(setting, value)

    def _text_problem(self, setting: Setting, text: str) -> str | None:
        """What is wrong with a string setting's text, by what it must be (``Setting.text``)."""
        kind = setting.text
        if kind == schema.ENV_NAME:
            if not _ENV_NAME.match(text):  # the value is not shown: it may be the secret itself
                return ("must be the name of an environment variable (letters, digits and _, like"
                        f" {setting.default}), not the secret itself")
            return None
        if not text.strip():
            return "must not be empty"
        if not text.isprintable():
            return "must be printable text (no line breaks or control characters)"
        if kind in (schema.FILE, schema.FOLDER):
            return _path_problem(kind, text, Path(self._resolve(setting, text)))
        if kind == schema.REGION:
            return self._region_problem(text)
        check = _TEXT_CHECKS.get(kind or "")
        return check(text) if check else None

    def _region_problem(self, code: str) -> str | None:
        if not _REGION_CODE.match(code):
            return f'"{code}" is not an ISO 3166-2 code (like "RU-KRS" or "UA-59")'
        from ..matching.gazetteer import GazetteerError, imported_dir, known_region_codes

        try:  # bundled regions, plus those imported beside the archive
            known = known_region_codes(imported_dir(self.storage_path))
        except GazetteerError as exc:
            return f"cannot read the gazetteer: {exc}"
        if known and code not in known:
            return f'"{code}" is not a region in the gazetteer' + suggest(code, sorted(known))
        return None

    def _resolve(self, setting: Setting, value: Any) -> Any:
        if setting.path and value:
            return str((self.base_dir / Path(value).expanduser()).resolve())
        return value

    def _check_section(self, section: Section, index: int | None, values: dict[str, Any], table: dict[str, Any]) -> None:
        """Checks beyond single settings that belong to one section (``values`` may be adjusted)."""
        if section.name == "email":
            if values["tls"] and values["starttls"] and "starttls" in table:
                self.error("email", None, "tls", "tls and starttls are exclusive: use tls = true (implicit TLS)"
                                                 " or starttls = true, not both")
            elif values["tls"]:
                values["starttls"] = False
        elif section.name == "storage":
            self.storage_path = values["path"]  # watchlists are checked against the gazetteer beside it
            if values["url"] and "path" in table:
                self.error("storage", None, "url", "give path (a SQLite archive) or url (a PostgreSQL archive),"
                                                   " not both")
        elif section.name == "translation":
            if values["backend"] == "libre" and not values["url"]:
                self.error("translation", None, "url", 'required when backend = "libre" (the LibreTranslate server)')


def _raw_section(data: dict[str, Any], name: str) -> Any:
    """The TOML value of a section; "telegram.account" is the "account" key of the [telegram] table."""
    parent, _, child = name.partition(".")
    raw = data.get(parent)
    if child:
        return raw.get(child) if isinstance(raw, dict) else None
    return raw


def _name_problem(text: str) -> str | None:
    if text != text.strip():
        return f'"{text}" must not begin or end with spaces'
    if len(text) > NAME_LENGTH:
        return f"must be at most {NAME_LENGTH} characters"
    return None


def _url_problem(text: str) -> str | None:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in text:
        return f'"{text}" is not an http(s) URL with a host'
    return None


def _host_problem(text: str) -> str | None:
    if any(c.isspace() for c in text) or "/" in text:
        return f'"{text}" is not a host name or address'
    return None


def _email_problem(text: str) -> str | None:
    return None if _EMAIL.match(text) else f'"{text}" is not an e-mail address'


def _timezone_problem(text: str) -> str | None:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(text)
    except Exception:
        return f'"{text}" is not an IANA time zone (like "Europe/London")'
    return None


def _hhmm_problem(text: str) -> str | None:
    return None if _HHMM.match(text) else f'"{text}" is not a time of day HH:MM'


def _pg_url_problem(text: str) -> str | None:
    parts = urlsplit(text)
    if parts.password is not None:  # the value is not shown: it holds the secret
        return ("must not hold the password; put it in the environment variable (or systemd credential) named by"
                " password_env (default MONITOR_DB_PASSWORD)")
    if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/") or " " in text:
        return f'"{text}" is not a PostgreSQL URL like postgresql://monitor@db.example.org/monitor'
    return None


_TEXT_CHECKS = {schema.PG_URL: _pg_url_problem, schema.NAME: _name_problem, schema.URL: _url_problem, schema.HOST: _host_problem,
                schema.EMAIL: _email_problem, schema.TIMEZONE: _timezone_problem, schema.HHMM: _hhmm_problem}


def _path_problem(kind: str, text: str, path: Path) -> str | None:
    if kind == schema.FILE and (text.endswith("/") or path.is_dir()):
        return f'"{text}" is a folder; name a file in it'
    if kind == schema.FOLDER and path.exists() and not path.is_dir():
        return f'"{text}" is not a folder'
    if kind == schema.FILE and path.exists() and not path.is_file():
        return f'"{text}" is not a regular file'
    return None
