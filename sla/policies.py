"""Time limits per stage (DESIGN.md §4 defaults) and the traffic light, computed one way everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.cache import process_cache

from .calendar import WorkingCalendar

YELLOW_FRACTION = 0.7


@dataclass(frozen=True)
class Limit:
    days: int = 0
    hours: int = 0

    def deadline(self, start: datetime, calendar: WorkingCalendar) -> datetime:
        if self.hours:
            return calendar.add_working_time(start, timedelta(hours=self.hours))
        return calendar.add_working_days(start, self.days)


RETURN_WINDOW = Limit(days=1)


def dispatch_limit() -> Limit:
    """How long a ticket may wait in 待派单 for a dispatcher (setting QIHU["DISPATCH_DAYS"], working days)."""
    return Limit(days=settings.QIHU["DISPATCH_DAYS"])


@dataclass(frozen=True)
class StageLimits:
    """The limits that apply to one ticket (DESIGN.md §4 defaults; admins override with SlaPolicy rows)."""

    accept: Limit = Limit(days=1)
    handle: Limit = Limit(days=5)
    assist: Limit = Limit(days=3)
    evaluate: timedelta = timedelta(days=7)  # calendar days: the company's time to evaluate
    extension_max_days: int = 10
    extensions_allowed: int = 1


# Used when no SlaPolicy row matches at all (the same figures the initial rows carry).
DEFAULTS = {
    ("normal", "general"): StageLimits(),
    ("normal", "complex"): StageLimits(handle=Limit(days=10)),
    ("normal", "hard"): StageLimits(handle=Limit(days=15)),
    ("urgent", None): StageLimits(accept=Limit(hours=2), handle=Limit(days=1)),
}


def limits_for(*, category_id: int | None, priority: str, difficulty: str) -> StageLimits:
    """The most specific policy row (category, then priority, then difficulty), else the defaults."""
    matching = [
        p
        for p in policy_rows()
        if p.category_id in (None, category_id) and p.priority in ("", priority) and p.difficulty in ("", difficulty)
    ]
    if not matching:
        return DEFAULTS.get((priority, None)) or DEFAULTS.get((priority, difficulty)) or StageLimits()
    best = max(matching, key=lambda p: (p.category_id is not None, p.priority != "", p.difficulty != ""))
    return StageLimits(
        accept=Limit(days=best.accept_days or 0, hours=best.accept_hours or 0),
        handle=Limit(days=best.handle_days or 0, hours=best.handle_hours or 0),
        assist=Limit(days=best.assist_days),
        evaluate=timedelta(days=best.evaluate_days),
        extension_max_days=best.extension_max_days,
        extensions_allowed=best.extensions_allowed,
    )


@process_cache(seconds=60)
def policy_rows() -> list:
    from .models import SlaPolicy

    return list(SlaPolicy.objects.all())


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


def yellow_point(start: datetime, deadline: datetime, calendar: WorkingCalendar) -> datetime:
    """The instant 70 % of the stage's working time has passed."""
    allowed = calendar.working_time_between(start, deadline)
    return calendar.add_working_time(start, allowed * YELLOW_FRACTION)


# The escalation ladder (DESIGN.md §4): at yellow a reminder; when overdue a notice and supervision; two
# and five more working days overdue the yellow and red cards.
LADDER_DAYS_AFTER_DUE = (2, 5)


def ladder(yellow_at: datetime, due_at: datetime, calendar: WorkingCalendar) -> list[datetime]:
    """When each step of the ladder falls due for a stage."""
    return [yellow_at, due_at, *(calendar.add_working_days(due_at, days) for days in LADDER_DAYS_AFTER_DUE)]


def current_step(steps: list[datetime], now: datetime, *, taken: int) -> int | None:
    """The ladder step to take at `now`: the latest one due that is not taken yet (None: none is due). A
    ticket the sweeper meets late (a start-up after a stop, a ticket overdue for months) gets its current step
    once, not a replay of every step it passed: no 70 % reminder for a ticket overdue since September."""
    due = [i for i, at in enumerate(steps) if i >= taken and at <= now]
    return due[-1] if due else None


def light_at(now: datetime, *, yellow_at: datetime | None, due_at: datetime | None) -> Light | None:
    if due_at is None:
        return None
    if now >= due_at:
        return Light.RED
    if yellow_at is not None and now >= yellow_at:
        return Light.YELLOW
    return Light.GREEN
