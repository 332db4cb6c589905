"""What the outside probe answered with 500 (issue 20, point 2), each pinned: a 400 (or 404) with a clear message
in the user's language, and nothing stored by the refused request."""

import base64

import pytest
from django.contrib.messages import get_messages

from digests.models import DigestDelivery
from lists.models import ListItem
from problems.models import Problem, ProblemMember, ProblemStatus
from tests.conftest import api
from tickets.models import Status, Ticket, TicketEvent

from .test_abuse_inputs import fresh_throttles  # noqa: F401 (a fixture: the token login counts attempts)

BIG = 10**25  # past a bigint (2**63 - 1)


def deep(levels: int, inner: str = "1") -> str:
    return "[" * levels + inner + "]" * levels


# -- JSON nested too deeply ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        deep(50_000),
        '{"title": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}",
        '{"title": "用电增容", "description": "增容", "category": ' + deep(900) + "}",  # parses, then overflowed
    ],
    ids=["a-list-50000-deep", "objects-50000-deep-in-a-field", "a-list-900-deep-in-a-field"],
)
def test_a_json_body_nested_too_deep_is_a_400_and_files_nothing(world, body):
    response = api(world.company_user).post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套" in response.json()["detail"] and "32" in response.json()["detail"]
    assert not Ticket.objects.exists()


def test_the_depth_limit_applies_to_every_endpoint_the_token_login_included(world, make_ticket, fresh_throttles):  # noqa: F811
    ticket = make_ticket(Status.ACCEPTED)
    events = ticket.events.count()
    item = ListItem.objects.create(title="园区供电", chain=world.chain)
    problem = Problem.objects.create(title="园区停电", chain=world.chain)
    posts = [
        (api(), "/api/v1/auth/token/", "username"),  # no login needed, and DRF's view names its own parsers
        (api(world.handler), f"/api/v1/tickets/{ticket.pk}/comment/", "body"),
        (api(world.dispatcher), "/api/v1/lists/", "tickets"),
        (api(world.dispatcher), f"/api/v1/lists/{item.pk}/convert/", "owner"),
        (api(world.dispatcher), f"/api/v1/problems/{problem.pk}/merge/", "into"),
    ]
    for client, url, field in posts:
        for body in (deep(50_000), f'{{"{field}": {deep(900)}}}'):
            response = client.post(url, body, content_type="application/json")
            assert response.status_code == 400, (url, response.content[:200])
            assert "嵌套" in response.json()["detail"], url
    assert ticket.comments.count() == 0 and ticket.events.count() == events
    assert ListItem.objects.count() == 1 and item.events.count() == 0
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CANDIDATE and not problem.events.exists()


def test_32_levels_are_read_and_33_refused_in_english_too(world):
    client = api(world.company_user)
    at_limit = client.post("/api/v1/tickets/", f'{{"title": {deep(31)}}}', content_type="application/json")
    assert at_limit.status_code == 400 and "title" in at_limit.json()  # the field's own error: parsed
    over = client.post(
        "/api/v1/tickets/", f'{{"title": {deep(32)}}}', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert over.status_code == 400 and "nested too deeply" in over.json()["detail"]
    assert not Ticket.objects.exists()


# -- ids past what the database holds --------------------------------------------------------------------
@pytest.fixture
def problems(world, make_ticket):
    """Two candidate problems of the chain, the first with two accepted tickets."""
    first = Problem.objects.create(title="园区停电", chain=world.chain)
    second = Problem.objects.create(title="园区限电", chain=world.chain)
    tickets = [make_ticket(Status.ACCEPTED, title=f"园区停电{n}") for n in range(2)]
    ProblemMember.objects.bulk_create([ProblemMember(problem=first, ticket=t) for t in tickets])
    return first, second


@pytest.mark.parametrize("value", [BIG, 2**63])
def test_an_id_past_a_bigint_in_a_body_is_refused_as_that_fields_input(world, make_ticket, problems, value):
    """SQLite (the embedded default) raised OverflowError on `pk__in=[10**25]`: the id is checked as input now."""
    first, _second = problems
    duplicate = make_ticket(Status.PENDING_DISPATCH)
    events = TicketEvent.objects.count()
    posts = [
        (world.dispatcher, "/api/v1/lists/", {"tickets": [value]}, "tickets"),
        (world.dispatcher, "/api/v1/lists/", {"problem": value}, "problem"),
        (world.dispatcher, f"/api/v1/problems/{first.pk}/merge/", {"into": value}, "into"),
        (world.dispatcher, f"/api/v1/problems/{first.pk}/split/", {"tickets": [value]}, "tickets"),
        (world.dispatcher, f"/api/v1/tickets/{duplicate.pk}/merge/", {"primary": value}, "primary"),
    ]
    for user, url, body, field in posts:
        response = api(user).post(url, body, format="json")
        assert response.status_code == 400, (url, response.content)
        assert field in response.json(), (url, response.json())
    assert not ListItem.objects.exists() and Problem.objects.count() == 2
    assert first.members.count() == 2 and not first.events.exists()
    assert TicketEvent.objects.count() == events
    duplicate.refresh_from_db()
    assert duplicate.status == Status.PENDING_DISPATCH and duplicate.merged_into is None


def test_more_ids_than_a_query_takes_are_refused_not_a_503(world, make_ticket, problems):
    """70,000 ids made a query with more parameters than PostgreSQL takes: "service unavailable", retry."""
    first, _second = problems
    many = list(range(1, 70_001))
    created = api(world.dispatcher).post("/api/v1/lists/", {"tickets": many}, format="json")
    assert created.status_code == 400 and "tickets" in created.json()
    assert api(world.dispatcher).post("/api/v1/lists/", {"tickets": many[:501]}, format="json").status_code == 400
    split = api(world.dispatcher).post(f"/api/v1/problems/{first.pk}/split/", {"tickets": many}, format="json")
    assert split.status_code == 400 and "tickets" in split.json()
    assert not ListItem.objects.exists() and first.members.count() == 2


@pytest.mark.parametrize("value", [str(BIG), str(2**63), "²", "١٢", "9" * 5000, "-1", "0"])
def test_bulk_accept_takes_only_ids_and_a_bad_one_accepts_nothing(world, make_ticket, client, value):
    """int("²") raised ValueError, int() of 5,000 digits too, and 10**25 overflowed SQLite: all were 500s."""
    ticket = make_ticket(Status.ASSIGNED)
    client.force_login(world.handler)
    response = client.post("/workbench/accept/", {"ticket": value})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["请先勾选要签收的诉求。"]
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED


def test_bulk_accept_still_accepts_the_ids_among_bad_values(world, make_ticket, client):
    ticket = make_ticket(Status.ASSIGNED)
    client.force_login(world.handler)
    response = client.post("/workbench/accept/", {"ticket": [str(BIG), "²", str(ticket.pk)]})
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["已签收 1 件。"]
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED


@pytest.mark.parametrize("number", [str(BIG), "9" * 5000])
def test_a_huge_id_in_a_url_is_not_found(world, client, number):
    """A guard (these answered 404 before too): Django bounds single-id lookups; 5,000 digits match no URL."""
    reader = api(world.supervisor)
    for url in ["tickets/{}/", "attachments/{}/", "lists/{}/", "problems/{}/"]:
        assert reader.get(f"/api/v1/{url.format(number)}").status_code == 404, url
    for url, body in [("tickets/{}/comment/", {"body": "已阅"}), ("lists/{}/drop/", {"reason": "重复"}),
                      ("problems/{}/dismiss/", {"note": "重复"})]:  # fmt: skip
        assert api(world.dispatcher).post(f"/api/v1/{url.format(number)}", body, format="json").status_code == 404
    client.force_login(world.supervisor)
    assert client.get(f"/tickets/{number}/").status_code == 404


# -- dates past the calendar -----------------------------------------------------------------------------
RANGE = "日期须在 2000-01-01 至 2099-12-31 之间。"
RANGE_EN = "Dates must be between 2000-01-01 and 2099-12-31."


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
def test_a_digest_preview_of_a_week_out_of_range_is_a_400(world, client, week):
    client.force_login(world.supervisor)
    response = client.get("/digests/preview/", {"week": week})
    assert response.status_code == 400 and response.content.decode() == RANGE
    in_english = client.get("/digests/preview/", {"week": week}, HTTP_ACCEPT_LANGUAGE="en")
    assert in_english.status_code == 400 and in_english.content.decode() == RANGE_EN
    assert not DigestDelivery.objects.exists()


def test_a_digest_preview_at_the_ends_of_the_range_is_shown(world, client):
    client.force_login(world.supervisor)
    for week in ("2000-01-01", "2099-12-31", "not-a-date"):  # a malformed week shows last week, as before
        assert client.get("/digests/preview/", {"week": week}).status_code == 200, week


@pytest.mark.parametrize(
    "query",
    [{"to": "9999-12-31"}, {"from": "0001-01-01"}, {"to": "0001-01-01"}, {"from": "2020-01-01", "to": "2100-01-01"}],
)
@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/export.xlsx"])
def test_the_dashboard_and_its_export_refuse_a_date_out_of_range(world, client, url, query):
    client.force_login(world.supervisor)
    response = client.get(url, query)
    assert response.status_code == 400 and response.content.decode() == RANGE
    in_english = client.get(url, query, HTTP_ACCEPT_LANGUAGE="en")
    assert in_english.status_code == 400 and in_english.content.decode() == RANGE_EN


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2000-01-01", "to": "2099-12-31"},  # a century: 1,200 monthly bars
        {"from": "2022-01-01", "to": "2025-01-03"},  # just over three years
        {"from": "2025-01-03", "to": "2022-01-01"},  # the same, typed the wrong way round
        {"from": "2000-01-01"},  # up to today
    ],
)
@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/export.xlsx"])
def test_the_dashboard_and_its_export_refuse_a_period_over_three_years(world, client, url, query):
    client.force_login(world.supervisor)
    response = client.get(url, query)
    assert response.status_code == 400 and response.content.decode() == "统计区间最长 3 年，请缩短起止日期。"
    in_english = client.get(url, query, HTTP_ACCEPT_LANGUAGE="en")
    assert in_english.status_code == 400
    assert in_english.content.decode() == "The period can be at most 3 years: please shorten it."


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/export.xlsx"])
def test_three_years_are_shown(world, client, url):
    client.force_login(world.supervisor)
    assert client.get(url, {"from": "2022-01-01", "to": "2024-12-31"}).status_code == 200
    assert client.get(url, {"from": "2097-01-01", "to": "2099-12-31"}).status_code == 200
    assert client.get(url, {"from": "bad", "to": "date"}).status_code == 200  # malformed: the last 30 days


# -- found while looking: other inputs that answered 500 -------------------------------------------------
def test_a_page_size_too_long_for_int_is_cut_to_the_maximum(world, make_ticket):
    """int() refuses strings over 4,300 digits (ValueError): a 500; a size above the maximum is cut to it."""
    make_ticket()
    response = api(world.supervisor).get("/api/v1/tickets/", {"page_size": "9" * 5000})
    assert response.status_code == 200 and len(response.json()["results"]) == 1


def cursor(position: str) -> str:
    return base64.b64encode(f"p={position}".encode()).decode()


@pytest.mark.parametrize("position", ["abc", "nan", "1e400"])
def test_a_forged_cursor_position_is_an_invalid_cursor(world, make_ticket, problems, position):
    """A position the ordering field cannot hold (`abc` for a date) raised a ValidationError in the filter: a 500."""
    ListItem.objects.create(title="园区供电", chain=world.chain)
    lists = [
        (world.supervisor, "/api/v1/tickets/"),
        (world.handler, "/api/v1/queue/"),
        (world.dispatcher, "/api/v1/queue/"),
        (world.dispatcher, "/api/v1/dispatch/pending/"),
        (world.dispatcher, "/api/v1/problems/"),
        (world.dispatcher, "/api/v1/lists/"),
    ]
    for user, url in lists:
        response = api(user).get(url, {"cursor": cursor(position)})
        if url == "/api/v1/problems/" and position != "abc":
            # problems are ordered by heat, a float: nan and 1e400 are positions it can hold, a page
            assert response.status_code == 200, (position, response.content[:200])
            continue
        assert response.status_code == 404, (url, response.content[:200])
        assert response.json()["detail"] == "无效游标", url


def test_a_nul_character_in_the_list_items_chain_filter_finds_nothing(world):
    """PostgreSQL text cannot hold NUL: the filter sent it to the database, which answered with a 500."""
    ListItem.objects.create(title="园区供电", chain=world.chain)
    response = api(world.dispatcher).get("/api/v1/lists/", {"chain": "x\x00cl"})
    assert response.status_code == 200 and response.json()["results"] == []
