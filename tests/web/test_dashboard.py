"""The rates of DESIGN.md §7 on a small known history, the dashboard page and the Excel downloads."""

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from tickets.figures import RATES, dashboard_figures, department_figures, trend
from tickets.models import Status
from tickets.services import ticket_apply

CITY = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def history(world, make_ticket):
    """Four tickets of the power company in November 2026, with known outcomes."""
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=CITY), tick=False):
        satisfied = make_ticket(Status.CLOSED)  # accepted in time, replied on time, satisfied
        partly = make_ticket(Status.REPLIED)
        late = make_ticket(Status.ASSIGNED)
        returned = make_ticket(Status.ASSIGNED)
        ticket_apply(ticket_id=returned.pk, action="return", actor=world.handler, reason="不属于本单位")
    with time_machine.travel(datetime(2026, 11, 3, 10, 0, tzinfo=CITY), tick=False):
        ticket_apply(
            ticket_id=partly.pk, action="confirm", actor=world.company_user, contacted=True, resolved="partly",
            satisfaction="unsatisfied",
        )  # fmt: skip
    with time_machine.travel(datetime(2026, 11, 6, 10, 0, tzinfo=CITY), tick=False):  # past the accept limit
        ticket_apply(ticket_id=late.pk, action="accept", actor=world.handler)
    return satisfied


def figures_of(world, tiers):
    return next(f for f in tiers["city"] if f.department == world.lead)


def test_rates_of_a_known_history(world, history):
    tiers = department_figures(
        start=datetime(2026, 11, 1, tzinfo=CITY), end=datetime(2026, 12, 1, tzinfo=CITY),
        now=datetime(2026, 11, 20, tzinfo=CITY),
    )  # fmt: skip
    power = figures_of(world, tiers)
    assert power.counts["dispatched"] == 4
    assert power.rate("response") == 2 / 4  # two accepted in time; one late; one returned
    assert power.rate("return") == 1 / 4
    assert power.counts["evaluated"] == 2
    assert power.rate("resolution") == (1 + 0.5) / 2
    assert power.rate("satisfaction") == 1 / 2
    assert power.rate("on_time") == 1.0
    assert power.counts["overdue"] == 1  # the late one, accepted on the 6th, due five working days later
    assert power.rank == 1
    assert figures_of(world, tiers).department.kind == "city"
    assert all(f.rank is None for f in tiers["county"])  # no work, no rank


def test_the_trend_splits_the_same_counts_by_week_and_month(world, history):
    period = {"start": datetime(2026, 11, 1, tzinfo=CITY), "end": datetime(2026, 12, 1, tzinfo=CITY)}
    weeks = trend(**period, now=datetime(2026, 11, 20, tzinfo=CITY), step="week")
    assert [w.start.date().isoformat() for w in weeks] == [
        "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"
    ]  # fmt: skip
    first = weeks[1]  # everything in the history happened in the week of 2 November
    assert first.counts["dispatched"] == 4 and first.rate("response") == 2 / 4
    assert first.counts["evaluated"] == 2 and first.rate("satisfaction") == 1 / 2
    assert all(w.counts["dispatched"] == 0 and w.rate("response") is None for w in weeks if w is not first)
    (month,) = trend(**period, now=datetime(2026, 11, 20, tzinfo=CITY), step="month")
    power = figures_of(world, department_figures(**period, now=datetime(2026, 11, 20, tzinfo=CITY)))
    assert {name: month.rate(name) for name, _label in RATES} == {name: power.rate(name) for name, _label in RATES}


def test_consultations_are_left_out(world, history):
    from tickets.models import Ticket

    Ticket.objects.update(request_type="consult")
    tiers = department_figures(
        start=datetime(2026, 11, 1, tzinfo=CITY), end=datetime(2026, 12, 1, tzinfo=CITY), now=timezone.now()
    )
    assert figures_of(world, tiers).counts["dispatched"] == 0


def test_dashboard_page_and_excel(world, history, client, django_assert_max_num_queries):
    client.force_login(world.supervisor)
    # session, user, memberships, departments, 5 + 4 aggregations, requests filed by channel
    with django_assert_max_num_queries(15):
        page = client.get("/dashboard/", {"from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "国网衢州供电公司" in html and "50%" in html
    assert '<svg id="trend"' in html and "全市趋势（按周）" in html and "派单数 4" in html
    download = client.get("/dashboard/export.xlsx", {"from": "2026-11-01", "to": "2026-11-30"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(download.content))
    city = book.worksheets[0]
    assert city["B1"].value == "部门"
    assert [c.value for c in city[2]][:4] == [1, "国网衢州供电公司", 0.5, 0.75]


def test_queue_export_follows_the_filters(world, make_ticket, client):
    make_ticket(Status.ACCEPTED, title="变压器增容")
    make_ticket(Status.ASSIGNED, title="天然气压力不足")
    client.force_login(world.handler)
    download = client.get("/workbench/export.xlsx", {"status": "accepted"})
    sheet = load_workbook(BytesIO(download.content)).worksheets[0]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["变压器增容"]


def test_companies_cannot_see_the_figures(world, client):
    client.force_login(world.company_user)
    assert client.get("/dashboard/").status_code == 403


@pytest.mark.parametrize("step", ["week", "month"])
def test_the_dashboard_reads_its_figures_and_trend_at_once_as_each_alone(world, history, step):
    """One reading split by department and period (figures.dashboard_figures) gives what the department figures
    and the trend give when each is read on its own."""
    period = {"start": datetime(2026, 10, 20, tzinfo=CITY), "end": datetime(2026, 12, 1, tzinfo=CITY),
              "now": datetime(2026, 11, 20, tzinfo=CITY)}  # fmt: skip
    tiers, periods, _channels = dashboard_figures(**period, step=step)
    alone = department_figures(**period)
    assert {k: [(f.department, f.rank, dict(f.counts)) for f in v] for k, v in tiers.items()} == {
        k: [(f.department, f.rank, dict(f.counts)) for f in v] for k, v in alone.items()
    }
    assert figures_of(world, tiers).counts["overdue"] == 1
    assert [(p.start, dict(p.counts)) for p in periods] == [
        (p.start, dict(p.counts)) for p in trend(**period, step=step)
    ]
