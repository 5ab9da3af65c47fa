"""Read monitor.toml, validate it against ``config.schema`` and build a Config.

Errors are collected, not raised one at a time: the operator sees every problem
of the file at once, each naming the file, the line where it can be found, the
key path and what was expected.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .schema import SECTION_BY_NAME, SECTIONS, Section, Setting

ENV_VAR = "MONITOR_CONFIG"
DEFAULT_NAME = "monitor.toml"

_REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# Secret-looking keys someone may write into monitor.toml, and the setting that names where they belong.
_SECRET_KEYS = {"password": "password_env", "api_key": "api_key_env", "api_hash": "api_hash_env", "api_id": "api_id_env"}
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")  # breaks a header or a line


class ConfigError(Exception):
    """One or more problems in a configuration file."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


class Node(SimpleNamespace):
    """A validated section: attribute access, plus ``to_dict()``."""

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Config:
    path: Path | None
    base_dir: Path
    sections: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        sections = self.__dict__.get("sections", {})
        if name in sections:
            return sections[name]
        raise AttributeError(name)

    @property
    def watchlists(self) -> list[Node]:
        return self.sections["watchlist"]

    @property
    def feeds(self) -> list[Node]:
        return self.sections["feed"]

    def watchlist(self, name: str) -> Node | None:
        for w in self.watchlists:
            if w.name == name:
                return w
        return None

    @property
    def maildir(self) -> Path:
        if self.storage.maildir:
            return Path(self.storage.maildir)
        return Path(self.storage.path).parent / "maildir"


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
    return Config(path=path, base_dir=base_dir, sections=sections)


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
    "path": "a path (string)",
    "list[path]": "a list of paths (strings)",
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
        result: dict[str, Any] = {}
        for key in data:
            if key not in SECTION_BY_NAME:
                hint = suggest(key, list(SECTION_BY_NAME))
                line = self._find_header_line(key)
                prefix = f"{self.name}:{line}" if line else self.name
                self.errors.append(f"{prefix}: {key}: unknown section{hint}")
        for section in SECTIONS:
            raw = data.get(section.name)
            if section.array:
                items: list[Node] = []
                if raw is None:
                    result[section.name] = items
                    continue
                if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
                    self.error(section.name, None, None, f"expected an array of tables ([[{section.name}]]), got {_toml_type(raw)}")
                    result[section.name] = items
                    continue
                for index, table in enumerate(raw):
                    node = self._table(section, index, table)
                    if node is not None:
                        items.append(node)
                if section.key:
                    seen: dict[Any, int] = {}
                    for index, table in enumerate(raw):
                        value = table.get(section.key)
                        if value in seen:
                            self.error(section.name, index, section.key, f'duplicate {section.key} "{value}" (also {section.name}[{seen[value]}])')
                        elif value is not None:
                            seen[value] = index
                result[section.name] = items
            else:
                if raw is None:
                    result[section.name] = None if section.optional else self._table(section, None, {})
                    continue
                if not isinstance(raw, dict):
                    self.error(section.name, None, None, f"expected a table ([{section.name}]), got {_toml_type(raw)}")
                    result[section.name] = None if section.optional else self._table(section, None, {})
                    continue
                result[section.name] = self._table(section, None, raw)
        return result

    def _find_header_line(self, key: str) -> int | None:
        pattern = re.compile(r"^\s*\[{1,2}\s*" + re.escape(key) + r"\s*\]{1,2}|^\s*" + re.escape(key) + r"\s*=")
        for number, line in enumerate(self.lines, 1):
            if pattern.match(line):
                return number
        return None

    def _table(self, section: Section, index: int | None, table: dict[str, Any]) -> Node | None:
        values: dict[str, Any] = {}
        names = [s.name for s in section.settings]
        for key in table:
            if section.setting(key) is None:
                secret = _SECRET_KEYS.get(key)
                if secret and section.setting(secret):
                    default = section.setting(secret).default
                    self.error(section.name, index, key, f"secrets do not belong in the configuration file; put it in the"
                               f" environment variable (or systemd credential) named by {secret} (default {default})")
                else:
                    self.error(section.name, index, key, "unknown key" + suggest(key, names))
        for setting in section.settings:
            if setting.name in table:
                value = self._value(section, index, setting, table[setting.name])
            elif setting.required:
                self.error(section.name, index, setting.name, f"required setting missing ({setting.help})")
                value = None
            else:
                value = self._resolve(setting, _copy(setting.default))
            values[setting.name] = value
        node = Node(**values)
        self._check_section(section, index, node, table)
        return node

    def _value(self, section: Section, index: int | None, setting: Setting, value: Any) -> Any:
        expected = _TYPE_NAMES[setting.type]
        ok = True
        if setting.type in ("str", "path"):
            ok = isinstance(value, str)
        elif setting.type == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif setting.type == "float":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if ok:
                value = float(value)
        elif setting.type == "bool":
            ok = isinstance(value, bool)
        elif setting.type in ("list[str]", "list[path]"):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not ok:
            self.error(section.name, index, setting.name, f"expected {expected}, got {_toml_type(value)} {value!r}")
            return self._resolve(setting, _copy(setting.default)) if not setting.required else None
        if setting.choices and value not in setting.choices:
            options = ", ".join(f'"{c}"' for c in setting.choices)
            self.error(section.name, index, setting.name, f'"{value}" is not one of {options}' + suggest(str(value), list(setting.choices)))
        if setting.minimum is not None and isinstance(value, (int, float)) and value < setting.minimum:
            self.error(section.name, index, setting.name, f"must be at least {setting.minimum:g}, got {value}")
        return self._resolve(setting, value)

    def _resolve(self, setting: Setting, value: Any) -> Any:
        if setting.type == "path" and value:
            return str((self.base_dir / Path(value).expanduser()).resolve())
        if setting.type == "list[path]":
            return [str((self.base_dir / Path(v).expanduser()).resolve()) for v in value]
        return value

    def _check_section(self, section: Section, index: int | None, node: Node, table: dict[str, Any]) -> None:
        """Checks beyond types that belong to one section."""
        if section.name == "watchlist":
            if node.name is not None and _CONTROL.search(node.name):
                self.error("watchlist", index, "name", f"{node.name!r} has a control character (a line break?);"
                           " a name goes into mail headers: letters, digits, spaces and punctuation only")
            for i, code in enumerate(node.regions or []):
                if not _REGION_CODE.match(code):
                    self.error("watchlist", index, "regions", f'"{code}" is not an ISO 3166-2 code (like "RU-KRS" or "UA-59")')
                else:
                    from ..matching.gazetteer import GazetteerError, imported_dir, known_region_codes

                    try:  # bundled regions, plus those imported beside the archive
                        known = known_region_codes(imported_dir(getattr(self, "storage_path", None)))
                    except GazetteerError as exc:
                        self.error("watchlist", index, "regions", f"cannot read the gazetteer: {exc}")
                        continue
                    if known and code not in known:
                        self.error("watchlist", index, "regions", f'"{code}" is not a region in the gazetteer' + suggest(code, sorted(known)))
            for address in node.recipients or []:
                if not _EMAIL.match(address):
                    self.error("watchlist", index, "recipients", f'"{address}" is not an e-mail address')
            for key in ("keywords", "exclude"):
                for word in getattr(node, key) or []:
                    if not word.strip():
                        self.error("watchlist", index, key, "empty phrase")
        elif section.name == "email":
            if node.tls and node.starttls and "starttls" in table:
                self.error("email", None, "tls", "tls and starttls are exclusive: use tls = true (implicit TLS) or starttls = true, not both")
            elif node.tls:
                node.starttls = False
            if node.sender and not _EMAIL.match(node.sender):
                self.error("email", None, "sender", f'"{node.sender}" is not an e-mail address')
            try:
                from zoneinfo import ZoneInfo

                ZoneInfo(node.timezone)
            except Exception:
                self.error("email", None, "timezone", f'"{node.timezone}" is not an IANA time zone (like "Europe/London")')
            for t in node.digest_times or []:
                if not _HHMM.match(t):
                    self.error("email", None, "digest_times", f'"{t}" is not a time of day HH:MM')
        elif section.name == "feed":
            if node.url and not re.match(r"^https?://", node.url):
                self.error("feed", index, "url", f'"{node.url}" is not an http(s) URL')
        elif section.name == "serve":
            if node.url and not re.match(r"^https?://", node.url):
                self.error("serve", None, "url", f'"{node.url}" is not an http(s) URL')
        elif section.name == "webpreview":
            if node.base_url and not re.match(r"^https?://", node.base_url):
                self.error("webpreview", None, "base_url", f'"{node.base_url}" is not an http(s) URL')
        elif section.name == "storage":
            self.storage_path = node.path  # watchlists are checked against the gazetteer beside it
        elif section.name == "translation":
            if node.backend == "libre" and not node.url:
                self.error("translation", None, "url", 'required when backend = "libre" (the LibreTranslate server)')


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
