"""Configuration of monitor: the schema of monitor.toml (frozen dataclasses) and its loader."""

from .loader import ConfigError, find_config_path, load_config, parse_config
from .schema import Config, Email, Feed, Storage, Stories, Telegram, Translation, Watchlist, WebPreview

__all__ = ["Config", "ConfigError", "Email", "Feed", "Stories", "Storage", "Telegram", "Translation", "Watchlist",
           "WebPreview", "find_config_path", "load_config", "parse_config"]
