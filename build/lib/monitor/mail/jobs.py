"""The outbox's periodic jobs on the daemon's APScheduler scheduler."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .outbox import Outbox

log = logging.getLogger(__name__)

DELIVERY_SECONDS = 15  # how often due mails and retries are looked for, besides after each batch


def digest_triggers(config) -> dict[str, list[CronTrigger]]:
    """When digests go out: hourly on the hour; daily at ``[email] digest_times`` in the desk's zone."""
    email = config.email
    zone = ZoneInfo(email.timezone if email else "UTC")
    times = email.digest_times if email else ["08:00", "18:00"]
    daily = []
    for text in times:
        hour, minute = (int(x) for x in text.split(":"))
        daily.append(CronTrigger(hour=hour, minute=minute, timezone=zone))
    return {"hourly": [CronTrigger(minute=0, timezone=zone)], "daily": daily}


def schedule_outbox(scheduler, outbox: Outbox, config) -> list:
    """Add the delivery loop and the digest jobs; returns the jobs."""
    jobs = [
        scheduler.add_job(
            outbox.deliver_due, IntervalTrigger(seconds=DELIVERY_SECONDS), id="outbox-deliver",
            name="deliver due alert mails", max_instances=1, coalesce=True, misfire_grace_time=60,
            replace_existing=True,
        )
    ]
    for mode, triggers in digest_triggers(config).items():
        for n, trigger in enumerate(triggers):
            jobs.append(
                scheduler.add_job(
                    outbox.run_digest, trigger, args=[mode], id=f"digest-{mode}-{n}", name=f"{mode} digest",
                    max_instances=1, coalesce=True, misfire_grace_time=3600, replace_existing=True,
                )
            )
    return jobs
