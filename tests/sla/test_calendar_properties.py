"""Properties of the working-day calendar over the years the official schedule covers and beyond."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendar import WorkingCalendar

CITY = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 6, 30)).map(
    lambda moment: moment.replace(tzinfo=CITY)
)
spans = st.integers(min_value=1, max_value=60 * 24 * 30).map(lambda minutes: timedelta(minutes=minutes))


@settings(max_examples=300, deadline=None)
@given(start=instants, span=spans)
def test_adding_then_measuring_gives_the_same_span(start, span):
    end = CAL.add_working_time(start, span)
    assert CAL.working_time_between(start, end) == span
    assert CAL.is_working_day(end.date())


@settings(max_examples=300, deadline=None)
@given(start=instants, days=st.integers(min_value=1, max_value=30))
def test_day_limits_end_on_a_working_day_at_the_end_of_it(start, days):
    end = CAL.add_working_days(start, days)
    assert CAL.is_working_day(end.date())
    assert end.time() == CAL.day_end
    counted = sum(
        CAL.is_working_day(start.date() + timedelta(days=n)) for n in range(1, (end.date() - start.date()).days + 1)
    )
    assert counted == days


@settings(max_examples=200, deadline=None)
@given(start=instants, a=spans, b=spans)
def test_more_time_never_ends_earlier(start, a, b):
    shorter, longer = sorted([a, b])
    assert CAL.add_working_time(start, shorter) <= CAL.add_working_time(start, longer)


def test_make_up_saturdays_count_and_holidays_do_not():
    assert CAL.is_working_day(date(2026, 10, 10))  # Saturday, make-up day for National Day
    assert CAL.is_working_day(date(2026, 2, 14))  # Saturday, make-up day for the Spring Festival
    assert not CAL.is_working_day(date(2026, 10, 5))  # Monday in the National Day week
    assert not CAL.is_working_day(date(2026, 2, 16))  # Spring Festival
