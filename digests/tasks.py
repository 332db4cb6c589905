from datetime import date

from celery import shared_task

from . import services
from .content import previous_week


# Building every section reads the whole week in bulk (bench/digests: well under the budget of 60 s).
@shared_task(name="digests.send_week", acks_late=True, soft_time_limit=600, time_limit=660)
def send_week_task(week_start: str | None = None) -> int:
    """Monday morning: the digest of the week that just ended (or of the week of `week_start`, ISO date)."""
    week = date.fromisoformat(week_start) if week_start else previous_week()
    return services.digests_send_week(week).queued
