"""The API's list rows (queue and ticket list) are built in plain Python from values, not by DRF's fields:
they must be exactly what the fields make of the model instance (DESIGN.md §11)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from departments.models import Department
from tickets.api.serializers import TicketListOutput
from tickets.models import Status, Supervision, Ticket
from tickets.selectors import LIST_RELATED
from tickets.services import queue_refresh
from triage.models import Category

from ..conftest import api


def drf_rows(ids, language="zh-hans"):
    """What DRF's ModelSerializer fields make of each ticket (the model-instance path of the serializer)."""
    tickets = Ticket.objects.select_related(*LIST_RELATED).in_bulk(ids)
    with translation.override(language):
        return {pk: dict(TicketListOutput(tickets[pk], context={"now": timezone.now()}).data) for pk in ids}


@pytest.fixture
def tickets(world, make_ticket):
    """Tickets in every light and several statuses, with and without the related rows a row names."""
    now = timezone.now()
    red, yellow = make_ticket(Status.ACCEPTED), make_ticket(Status.ASSIGNED)
    Ticket.objects.filter(pk=red.pk).update(due_at=now - timedelta(hours=3), yellow_at=now - timedelta(days=1))
    Ticket.objects.filter(pk=yellow.pk).update(
        yellow_at=now - timedelta(hours=1), supervision_level=Supervision.RED_CARD
    )
    held, replied = make_ticket(Status.ON_HOLD), make_ticket(Status.REPLIED)
    plain = make_ticket(Status.SUBMITTED)  # no category, chain, district, lead department, deadlines
    Ticket.objects.filter(pk__in=[red.pk, held.pk]).update(district=world.county)
    Ticket.objects.filter(pk=held.pk).update(chain=None)
    merged = make_ticket(Status.PENDING_DISPATCH)
    Ticket.objects.filter(pk=merged.pk).update(merged_into=replied, status=Status.CLOSED)
    queue_refresh([red.pk])  # its deadline was moved behind the services' back: its queue row follows
    return [red.pk, yellow.pk, held.pk, replied.pk, plain.pk, merged.pk]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_ticket_list_rows_are_what_the_drf_fields_make(tickets, world, language):
    response = api(world.admin).get("/api/v1/tickets/", {"page_size": 100}, HTTP_ACCEPT_LANGUAGE=language)
    rows = {row["id"]: row for row in response.json()["results"]}
    assert set(rows) == set(tickets)
    expected = drf_rows(tickets, language)
    for pk in tickets:
        assert list(rows[pk]) == list(expected[pk])  # same keys in the same order
        assert rows[pk] == expected[pk]
    assert {rows[pk]["light"] for pk in tickets} == {"red", "yellow", "green", None}
    assert rows[tickets[-1]]["merged_into"] == tickets[3]


def test_the_queue_rows_are_what_the_drf_fields_make(tickets, world):
    response = api(world.handler).get("/api/v1/queue/")
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == tickets[:3]  # open work of gongdian, most urgent first
    expected = drf_rows(tickets[:3])
    assert rows == [expected[pk] for pk in tickets[:3]]
    assert rows[0]["district"] == {"code": "longyou", "name": "龙游县"}
    assert rows[2]["chain"] is None


def test_the_rows_see_a_renamed_department_and_a_new_category(tickets, world):
    client = api(world.handler)
    client.get("/api/v1/queue/")  # the names are memoised
    world.lead.name = "国网衢州供电公司（新）"
    world.lead.save()
    row = client.get("/api/v1/queue/").json()["results"][0]
    assert row["lead_department"] == {"code": "gongdian", "name": "国网衢州供电公司（新）"}
    # A category (or department) created by another process since the memo was read: read again.
    new = Category.objects.bulk_create([Category(code="water", name="要素保障-用水")])[0]  # no signal
    county = Department.objects.bulk_create([Department(code="kecheng", name="柯城区", kind="county")])[0]
    Ticket.objects.filter(pk=tickets[0]).update(category=new, district=county)
    row = client.get("/api/v1/queue/").json()["results"][0]
    assert (row["category"], row["district"]) == (
        {"code": "water", "name": "要素保障-用水"},
        {"code": "kecheng", "name": "柯城区"},
    )
