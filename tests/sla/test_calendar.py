import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from sla.calendar import WorkingCalendar, current_calendar
from sla.models import CalendarOverride
from sla.policies import Light, light_at, yellow_point

CITY = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()
MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        ("2026-09-30T10:00", 5, "2026-10-13"),  # National Day week off, Saturday 10 Oct is a make-up day
        ("2026-02-13T16:00", 3, "2026-02-25"),  # Saturday 14 Feb make-up day, Spring Festival 15–23 Feb
        ("2026-09-24T09:00", 1, "2026-09-28"),  # Friday 25 Sep is the Mid-Autumn holiday
        ("2026-10-03T12:00", 1, "2026-10-08"),  # the clock starts on a holiday
        ("2026-09-19T11:00", 1, "2026-09-20"),  # Sunday 20 Sep is a make-up working day
        ("2027-01-04T10:00", 2, "2027-01-06"),  # beyond the package's data: Monday–Friday
    ],
)
def test_day_limits_follow_the_official_calendar(start, days, deadline):
    end = CAL.add_working_days(datetime.fromisoformat(start).replace(tzinfo=CITY), days)
    assert end == datetime.fromisoformat(deadline + "T17:30").replace(tzinfo=CITY)


def test_hour_limits_count_working_hours_only():
    friday_afternoon = datetime(2026, 11, 27, 16, 30, tzinfo=CITY)
    # one hour left on Friday, one more from Monday 08:30
    assert CAL.add_working_time(friday_afternoon, timedelta(hours=2)) == datetime(2026, 11, 30, 9, 30, tzinfo=CITY)


def test_measuring_gives_back_what_was_added():
    start = datetime(2026, 9, 29, 11, 15, tzinfo=CITY)
    for hours in (1, 9, 20, 47, 100):
        end = CAL.add_working_time(start, timedelta(hours=hours))
        assert CAL.working_time_between(start, end) == timedelta(hours=hours)
        assert CAL.is_working_day(end.date())


def test_admin_overrides_win_over_the_package(db):
    CalendarOverride.objects.create(date=date(2027, 1, 5), is_working_day=False, note="示例：元旦调休")
    start = datetime(2027, 1, 4, 10, 0, tzinfo=CITY)
    assert current_calendar().add_working_days(start, 2) == datetime(2027, 1, 7, 17, 30, tzinfo=CITY)


def test_the_light_turns_yellow_at_seventy_percent_and_red_when_overdue():
    start = datetime(2026, 11, 23, 8, 30, tzinfo=CITY)
    deadline = CAL.add_working_days(start, 5)  # end of Monday 30 Nov: 54 working hours from start
    yellow = yellow_point(start, deadline, CAL)
    assert CAL.working_time_between(start, yellow) == timedelta(hours=54 * 0.7)
    assert light_at(yellow - timedelta(minutes=1), yellow_at=yellow, due_at=deadline) == Light.GREEN
    assert light_at(yellow, yellow_at=yellow, due_at=deadline) == Light.YELLOW
    assert light_at(deadline, yellow_at=yellow, due_at=deadline) == Light.RED


def test_sla_deadline_command_prints_the_engines_deadline(db):
    out = StringIO()
    call_command("sla_deadline", "--from", "2026-09-30T10:00:00+08:00", "--days", "5", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "2026-10-13T17:30:00+08:00"
    call_command("sla_deadline", "--from", "2026-11-27T16:30:00+08:00", "--hours", "2", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "2026-11-30T09:30:00+08:00"


def test_sla_deadline_answers_on_a_checkout_not_yet_migrated(tmp_path):
    """The outside check may run it before `make run` ever migrated the embedded database."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"} | {"QIHU_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(MANAGE), "sla_deadline", "--from", "2026-09-30T10:00:00+08:00", "--days", "5"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2026-10-13T17:30:00+08:00"
    assert "official calendar only" in done.stderr
