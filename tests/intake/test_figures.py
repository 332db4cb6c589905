"""Figures split by channel (渠道): from the same GROUP BY queries as the departments', on the dashboard, in the
Excel export and in the city's weekly digest."""

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from digests.content import Week, week_content
from tickets.figures import period_figures
from tickets.models import Source, Status
from tickets.services import OnBehalf, ticket_apply, ticket_create

from ..conftest import DESCRIPTION, TITLE, drive

pytestmark = pytest.mark.django_db
CITY = ZoneInfo("Asia/Shanghai")
NOVEMBER = {"start": datetime(2026, 11, 1, tzinfo=CITY), "end": datetime(2026, 12, 1, tzinfo=CITY)}


@pytest.fixture
def channels(world, desk, make_ticket):
    """In the week of 2 November 2026: two web requests (one closed satisfied), a hotline call (closed
    unsatisfied → disputed) and a counter visit still waiting for dispatch."""
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=CITY), tick=False):
        make_ticket(Status.CLOSED, source=Source.WEB)
        make_ticket(Status.ASSIGNED, source=Source.WEB)
        for source in (Source.HOTLINE, Source.COUNTER):
            ticket, _created = ticket_create(
                submitter=desk.operator, title=TITLE, description=DESCRIPTION, source=source, triage_later=False,
                on_behalf=OnBehalf(company=world.company, department=desk.hotline),
            )  # fmt: skip
            if source == Source.HOTLINE:
                drive(world, ticket, Status.REPLIED)
                ticket_apply(ticket_id=ticket.pk, action="confirm", actor=world.company_user, contacted=True,
                             resolved="unresolved", satisfaction="unsatisfied")  # fmt: skip


def test_the_channels_figures_come_from_the_same_queries(world, channels, django_assert_num_queries):
    with django_assert_num_queries(1 + 5 + 1):  # departments, the five aggregations, the filings by channel
        tiers, by_channel = period_figures(now=datetime(2026, 11, 20, tzinfo=CITY), **NOVEMBER)
    rows = {c.source: c for c in by_channel}
    assert list(rows) == ["web", "hotline", "counter"]  # the order of Source; channels with nothing left out
    assert [rows[s].counts["filed"] for s in rows] == [2, 1, 1]
    assert [rows[s].counts["dispatched"] for s in rows] == [2, 1, 0]
    assert rows["web"].rate("satisfaction") == 1.0 and rows["hotline"].rate("satisfaction") == 0.0
    assert rows["counter"].rate("response") is None
    power = next(f for f in tiers["city"] if f.department == world.lead)
    assert power.counts["dispatched"] == sum(c.counts["dispatched"] for c in by_channel)


def test_dashboard_and_export_split_by_channel(world, channels, client):
    client.force_login(world.supervisor)
    html = client.get("/dashboard/", {"from": "2026-11-01", "to": "2026-11-30"}).content.decode()
    assert 'id="channels"' in html and 'data-channel="hotline"' in html and "热线电话" in html
    download = client.get("/dashboard/export.xlsx", {"from": "2026-11-01", "to": "2026-11-30"})
    sheet = load_workbook(BytesIO(download.content))["按渠道"]
    assert [c.value for c in sheet[1]][:2] == ["渠道", "响应率"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["网页", "热线电话", "窗口受理"]


def test_the_city_digest_says_where_the_weeks_requests_came_from(world, channels):
    content = week_content(Week.of(date(2026, 11, 2), now=datetime(2026, 11, 9, tzinfo=CITY)), department_ids=set())
    assert {c.source: c.counts["filed"] for c in content.city.channels} == {"web": 2, "hotline": 1, "counter": 1}


def test_the_city_digest_renders_the_channel_table(world, channels):
    from digests.render import Renderer

    content = week_content(Week.of(date(2026, 11, 2), now=datetime(2026, 11, 9, tzinfo=CITY)), department_ids=set())
    rendered = Renderer(content).render([content.city])
    assert 'class="channels"' in rendered.body and "热线电话" in rendered.body
    assert "热线电话：受理数 1" in rendered.text
