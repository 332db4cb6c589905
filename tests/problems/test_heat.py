"""Heat (热度, problems/heat.py) decides the order of common problems everywhere (issue 13, item 2)."""

import math
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from problems.heat import busiest, heat
from problems.models import Problem, ProblemMember, ProblemStatus
from problems.services import refresh_stats
from tests.conftest import api
from tests.factories import CompanyFactory, UserFactory
from tickets.models import Status, Ticket

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def days(*offsets) -> list[datetime]:
    return [T0 + timedelta(days=d) for d in offsets]


def test_the_busiest_thirty_days_count_distinct_companies():
    assert busiest(["a", "b", "a", "c"], days(0, 10, 20, 29)) == 3
    assert busiest(["a", "b", "c", "d"], days(0, 31, 62, 93)) == 1  # one a month
    assert busiest(["a", "b", "c", "d"], days(0, 40, 41, 70)) == 3  # b, c and d within 30 days


def test_heat_is_reach_times_recency_times_support():
    newest = T0 + timedelta(days=200)
    got = heat(["a", "b", "c", "a"], days(0, 5, 10, 12), support=99, reference=newest)
    reach = 3 + 0.5 * 0 + 0.1 * 1  # three companies within 30 days, one repeat
    recency = 1 / (1 + 188 / 365)  # the last report 188 days before the newest request
    assert (got.companies, got.reports, got.peak, got.support) == (3, 4, 3, 99)
    assert got.value == round(reach * recency * (1 + math.log10(100) / 4), 3)


def test_many_at_once_outrank_as_many_spread_over_a_year_and_chained_noise_outranks_nothing():
    newest = T0 + timedelta(days=365)
    burst = heat(list("abcdef"), days(350, 352, 355, 358, 360, 365), 0, newest)
    trickle = heat(list("abcdefgh"), days(0, 50, 100, 150, 200, 250, 300, 365), 0, newest)  # more, but a topic
    assert burst.value > trickle.value
    old_burst = heat(list("abcdef"), days(0, 2, 5, 8, 10, 15), 0, newest)
    assert burst.value > old_burst.value > heat(list("ab"), days(360, 365), 0, newest).value


def test_lists_are_hottest_first_in_the_api_the_chain_workspace_and_the_digest(world, make_ticket, client):
    now = datetime.now(UTC)
    spread = _problem(world, "园区招工难", [now - timedelta(days=d) for d in (1, 60, 120, 170, 200)], now)
    burst = _problem(world, "产业园停电", [now - timedelta(days=d) for d in (1, 3, 5, 8)], now)
    assert (spread.company_count, burst.company_count) == (5, 4)
    assert burst.heat > spread.heat  # fewer companies, but all within a fortnight

    listed = api(world.dispatcher).get("/api/v1/problems/").json()["results"]
    assert [p["id"] for p in listed] == [burst.pk, spread.pk]
    assert listed[0]["heat"] == burst.heat and listed[0]["peak_company_count"] == 4
    client.force_login(world.chain_leader)
    page = client.get(f"/chains/{world.chain.code}/").content.decode()
    assert page.index("产业园停电") < page.index("园区招工难")
    client.force_login(world.supervisor)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())  # this week: the problems are new
    preview = client.get(f"/digests/preview/?week={monday.isoformat()}").content.decode()
    assert preview.index("产业园停电") < preview.index("园区招工难") and "热度" in preview


def _problem(world, title: str, times: list[datetime], now: datetime) -> Problem:
    problem = Problem.objects.create(title=title, chain=world.chain, status=ProblemStatus.CANDIDATE)
    for k, at in enumerate(times):
        company = CompanyFactory(district=world.county)
        company.chains.set([world.chain])
        ticket = Ticket.objects.create(
            company=company, submitter=UserFactory(company=company), title=f"{title}{k}", description=title,
            status=Status.ACCEPTED, chain=world.chain, district=world.county, created_at=at, updated_at=at,
        )  # fmt: skip
        ProblemMember.objects.create(problem=problem, ticket=ticket)
    refresh_stats({problem.pk}, now=now)
    problem.refresh_from_db()
    return problem
