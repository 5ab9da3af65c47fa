"""monitor: Telegram and feed monitoring daemon for news desks."""

__version__ = "0.1.0"
