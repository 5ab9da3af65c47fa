"""Logging, configured once at the entry point: stderr, plain or JSON lines."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import datetime, timezone


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def setup_logging(level: str = "warning", fmt: str = "plain") -> None:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
                "json": {"()": JsonFormatter},
            },
            "handlers": {
                "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": fmt},
            },
            "root": {"level": level.upper(), "handlers": ["stderr"]},
            # APScheduler's job bookkeeping ("Adding job tentatively", "Running job") is debug detail
            # for the operator; its warnings and errors (a missed or failed job) still show.
            "loggers": {"apscheduler": {"level": "DEBUG" if level.lower() == "debug" else "WARNING"},
                        "telethon": {"level": "DEBUG" if level.lower() == "debug" else "WARNING"}},
        }
    )
