"""Working time in Asia/Shanghai: the one place that knows which days and hours count.

Working days come from `chinese-calendar` (official holidays and make-up working days, 调休), with
per-date overrides entered by admins taking precedence. For a year the package does not know and with
no override for that date, Monday–Friday is assumed and a warning is logged: the package lags behind the
State Council's announcement of next year's schedule.

Two kinds of limit (DESIGN.md §4):
- a day limit starts counting on the next working day and ends at the end of its last working day;
- an hour limit counts working hours only (WORKDAY_START–WORKDAY_END on working days).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

from common.cache import process_cache

logger = logging.getLogger(__name__)

CITY_TZ = ZoneInfo("Asia/Shanghai")
WORKDAY_START = time(8, 30)
WORKDAY_END = time(17, 30)
_warned_years: set[int] = set()


def known_years() -> range:
    """The years the installed chinese-calendar has an official schedule for."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


@dataclass(frozen=True)
class WorkingCalendar:
    """A calendar with admin overrides: `overrides[date]` is True for a working day, False for a day off."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    day_start: time = WORKDAY_START
    day_end: time = WORKDAY_END
    # Answers already looked up: every deadline walks the same few weeks of days (45 µs a day in the package).
    _days: dict[date, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- days ---------------------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._look_up(day)
        return known

    def _look_up(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in _warned_years:
                _warned_years.add(day.year)
                logger.warning(
                    "No official holiday schedule for %s: counting Monday–Friday as working days. "
                    "Enter the year's holidays and make-up days as calendar overrides in the admin.",
                    day.year,
                )
            return day.weekday() < 5

    def working_days_after(self, day: date) -> Iterator[date]:
        """Working days strictly after `day`, in order."""
        while True:
            day += timedelta(days=1)
            if self.is_working_day(day):
                yield day

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End of the `days`-th working day after the (city-local) date of `start`."""
        if days < 1:
            raise ValueError("a day limit is at least one working day")
        local_day = start.astimezone(CITY_TZ).date()
        for count, day in enumerate(self.working_days_after(local_day), start=1):
            if count == days:
                return self._at(day, self.day_end)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- hours --------------------------------------------------------------------------------
    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=CITY_TZ)

    def _working_intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working-hour intervals from `start` on (the first one clipped to begin at `start`)."""
        local = start.astimezone(CITY_TZ)
        day = local.date()
        if self.is_working_day(day) and local < self._at(day, self.day_end):
            yield max(local, self._at(day, self.day_start)), self._at(day, self.day_end)
        for next_day in self.working_days_after(day):
            yield self._at(next_day, self.day_start), self._at(next_day, self.day_end)

    def add_working_time(self, start: datetime, span: timedelta) -> datetime:
        """The instant when `span` of working time has passed since `start`."""
        if span <= timedelta(0):
            return start
        remaining = span
        for begin, end in self._working_intervals(start):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in [start, end); zero if end is not after start."""
        total = timedelta(0)
        if end <= start:
            return total
        for begin, stop in self._working_intervals(start):
            if begin >= end:
                break
            total += min(stop, end) - begin
        return total


@process_cache(seconds=60)
def current_calendar() -> WorkingCalendar:
    """The calendar with the admins' overrides (read at most once a minute per process)."""
    from .models import CalendarOverride

    return calendar_with(dict(CalendarOverride.objects.values_list("date", "is_working_day")))


def calendar_with(overrides: dict[date, bool]) -> WorkingCalendar:
    """The official calendar and the configured office hours, with these overrides."""
    start, end = (time.fromisoformat(t) for t in settings.QIHU["WORKDAY_HOURS"])
    return WorkingCalendar(overrides=overrides, day_start=start, day_end=end)
