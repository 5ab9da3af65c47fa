"""Configuration of monitor: the schema of monitor.toml (frozen dataclasses) and its loader."""

from .loader import ConfigError, find_config_path, load_config, parse_config
from .schema import Config, Delivery, Email, Feed, Metrics, Storage, Stories, Telegram, TelegramAccount, Translation, Watchlist, WebPreview

__all__ = ["Config", "ConfigError", "Delivery", "Email", "Feed", "Metrics", "Stories", "Storage", "Telegram",
           "TelegramAccount", "Translation", "Watchlist", "WebPreview", "find_config_path", "load_config", "parse_config"]
