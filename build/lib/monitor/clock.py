"""Injectable time: code asks a clock for the time instead of calling datetime.now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until moved: for tests and replays."""

    def __init__(self, start: datetime):
        self.now = start if start.tzinfo else start.replace(tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
