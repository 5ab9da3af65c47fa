"""Logging, configured once at the entry point: stderr, plain or JSON lines."""

from __future__ import annotations

import json
import logging
import logging.config
import re
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


# Libraries that log request URLs and headers at DEBUG: they stay at INFO and above whatever --log-level says.
QUIET_LIBRARIES = ("urllib3", "requests", "httpx", "httpcore", "hpack", "charset_normalizer")

_SECRET = re.compile(r"(?i)\b(api_key|apikey|auth_key|access_token|token|password|passwd|secret|key)(=|:\s*|\"\s*:\s*\")"
                     r"([^&\s'\",;)]+)")


class RedactSecrets(logging.Filter):
    """Masks ``key=value`` style secrets (api_key=..., password: ...) in every line that reaches the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg = _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}***", message)
            record.args = None
        return True


def setup_logging(level: str = "warning", fmt: str = "plain") -> None:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
                "json": {"()": JsonFormatter},
            },
            "filters": {"secrets": {"()": RedactSecrets}},
            "handlers": {
                "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": fmt,
                           "filters": ["secrets"]},
            },
            "root": {"level": level.upper(), "handlers": ["stderr"]},
            # APScheduler's job bookkeeping ("Adding job tentatively", "Running job") is debug detail
            # for the operator; its warnings and errors (a missed or failed job) still show.
            "loggers": {"apscheduler": {"level": "DEBUG" if level.lower() == "debug" else "WARNING"},
                        "telethon": {"level": "DEBUG" if level.lower() == "debug" else "WARNING"},
                        **{name: {"level": max(logging.INFO, logging.getLevelName(level.upper()))}
                           for name in QUIET_LIBRARIES}},
        }
    )
