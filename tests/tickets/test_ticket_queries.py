"""One ticket's paths run a constant number of SQL statements (DESIGN.md §11, issue 16), and the answer to a
submit, built from the new ticket in memory, is what reading it back gives."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tickets.models import Status, Ticket
from tickets.services import ticket_apply
from tickets.web import views

BODY = {
    "title": "厂区外道路积水",
    "description": "雨后厂区外道路积水严重，影响货车进出。",
    "contact_phone": "13905701234",
}


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_the_answer_to_a_submit_is_the_ticket_as_read_back(world, django_assert_num_queries):
    client = token_client(world.company_user)
    client.post("/api/v1/tickets/", BODY, format="json")  # the codes and names: read once a minute
    # The token with its user; the company; the ticket, its event (in production between BEGIN and COMMIT; in the
    # test's transaction, no savepoint: ticket_create takes one only to catch an idempotency key's race); nothing
    # read back.
    with django_assert_num_queries(4):
        created = client.post("/api/v1/tickets/", BODY, format="json")
    assert created.status_code == 201
    assert {"id", "number", "status"} <= set(created.data)  # DESIGN.md §8
    read = client.get(f"/api/v1/tickets/{created.data['id']}/")
    assert created.json() == read.json()
    assert [e["action"] for e in created.data["events"]] == ["submit"]
    assert "Idempotent-Replayed" not in created


def test_a_replayed_submit_reads_the_first_ticket_back(world):
    client = token_client(world.company_user)
    first = client.post("/api/v1/tickets/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/tickets/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Ticket.objects.filter(idempotency_key="k-1").count() == 1


@pytest.mark.parametrize("history", [0, 6])
def test_a_ticket_page_runs_the_same_queries_whatever_its_history(
    history, world, make_ticket, django_assert_num_queries
):
    ticket = make_ticket(Status.ACCEPTED)
    for i in range(history):
        ticket_apply(ticket_id=ticket.pk, action="comment", actor=world.handler, body=f"留言 {i}", public=i % 2 == 0)
    client = token_client(world.handler)
    client.get(f"/api/v1/tickets/{ticket.pk}/")
    # The token …; the ticket with its company, category, chain, district and lead department; its events,
    # comments, assignments, replies, evaluations, attachments.
    with django_assert_num_queries(8):
        response = client.get(f"/api/v1/tickets/{ticket.pk}/")
    assert len(response.data["comments"]) == history


@pytest.mark.parametrize("action", ["accept", "reply"])
def test_an_action_runs_the_same_queries_on_any_ticket(action, world, make_ticket):
    source = Status.ASSIGNED if action == "accept" else Status.ACCEPTED
    tickets = [make_ticket(source) for _ in range(3)]
    client = token_client(world.handler)
    body = {} if action == "accept" else {"body": "已安排上门勘察。"}
    client.post(f"/api/v1/tickets/{tickets[0].pk}/{action}/", body, format="json")
    counts = []
    for ticket in tickets[1:]:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(f"/api/v1/tickets/{ticket.pk}/{action}/", body | {"version": ticket.version},
                                   format="json")  # fmt: skip
        assert response.status_code == 200, response.data
        counts.append(len(queries))
    # The token …; the savepoint, the ticket locked, the roles' assisting check, the lead assignment, its update,
    # the ticket's, the event, the queue rows rewritten (4), the release; the answer read as a page is (7); the
    # company told by e-mail (tickets/notify.py): its user, the outbox's get_or_create (4), the lead department
    # named in the 签收 mail.
    assert counts[0] == counts[1] == {"accept": 26, "reply": 25}[action]
    stale = client.post(f"/api/v1/tickets/{tickets[1].pk}/comment/", {"body": "x", "version": 1}, format="json")
    assert stale.status_code == 409  # the version check stays


@pytest.mark.parametrize("rows", [3, 12])
def test_the_workbench_shows_the_queue_as_the_orm_reads_it(rows, world, make_ticket, client, django_assert_num_queries):
    tickets = [make_ticket(Status.ASSIGNED) for _ in range(rows)]
    Ticket.objects.filter(pk=tickets[0].pk).update(status=Status.ON_HOLD, hold_started_at=tickets[0].created_at)
    request = RequestFactory().get("/workbench/")
    request.user = world.handler
    now = tickets[-1].created_at
    _kind, _filter, fast = views._department_queue(request, now)
    _kind, _filter, orm = views._queue(request, now, views.QUEUE_ROWS)
    shown = ("pk", "number", "title", "status", "due_at")
    assert [[getattr(t, a) for a in shown] for t in fast] == [[getattr(t, a) for a in shown] for t in orm]
    assert [(t.get_status_display, t.light, t.lead_department.name) for t in fast] == [
        (str(t.get_status_display()), t.light(now), t.lead_department.name) for t in orm
    ]
    client.force_login(world.handler)
    client.get("/workbench/")
    with django_assert_num_queries(4):  # the session, the user, the memberships, the page of rows
        page = client.get("/workbench/").content.decode()
    assert all(t.number in page for t in tickets)
