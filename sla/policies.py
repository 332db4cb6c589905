"""Time limits per stage (DESIGN.md §4 defaults) and the traffic light, computed one way everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendar import WorkingCalendar

YELLOW_FRACTION = 0.7
EVALUATION_WINDOW = timedelta(days=7)  # calendar days: the company's time to evaluate
EXTENSION_MAX_DAYS = 10
EXTENSIONS_PER_TICKET = 1


@dataclass(frozen=True)
class Limit:
    days: int = 0
    hours: int = 0

    def deadline(self, start: datetime, calendar: WorkingCalendar) -> datetime:
        if self.hours:
            return calendar.add_working_time(start, timedelta(hours=self.hours))
        return calendar.add_working_days(start, self.days)


ACCEPT = Limit(days=1)
ACCEPT_URGENT = Limit(hours=2)
RETURN_WINDOW = Limit(days=1)
ASSIST_REPORT = Limit(days=3)
HANDLE = {"general": Limit(days=5), "complex": Limit(days=10), "hard": Limit(days=15)}
HANDLE_URGENT = Limit(days=1)


def accept_limit(*, priority: str) -> Limit:
    return ACCEPT_URGENT if priority == "urgent" else ACCEPT


def handle_limit(*, priority: str, difficulty: str) -> Limit:
    return HANDLE_URGENT if priority == "urgent" else HANDLE[difficulty]


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


def yellow_point(start: datetime, deadline: datetime, calendar: WorkingCalendar) -> datetime:
    """The instant 70 % of the stage's working time has passed."""
    allowed = calendar.working_time_between(start, deadline)
    return calendar.add_working_time(start, allowed * YELLOW_FRACTION)


def light_at(now: datetime, *, yellow_at: datetime | None, due_at: datetime | None) -> Light | None:
    if due_at is None:
        return None
    if now >= due_at:
        return Light.RED
    if yellow_at is not None and now >= yellow_at:
        return Light.YELLOW
    return Light.GREEN
