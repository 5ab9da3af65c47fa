"""Configuration of monitor: the schema of monitor.toml, its loader, and bundled reference data."""

from .loader import Config, ConfigError, Node, find_config_path, load_config, parse_config

__all__ = ["Config", "ConfigError", "Node", "find_config_path", "load_config", "parse_config"]
