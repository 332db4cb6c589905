"""One ticket's paths run a constant number of SQL statements (DESIGN.md §11, issue 16), and the answer to a
submit, built from the new ticket in memory, is what reading it back gives."""

import os
from datetime import timedelta

import pytest
import redis
from django.db import DatabaseError, IntegrityError, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from common.db import insert_with, update_with
from common.dispatch import woken
from tickets.models import Status, Ticket, TicketEvent
from tickets.services import TRIAGE_TASK, ticket_apply
from tickets.web import views
from tickets.web.rows import ListRows

from ..conftest import TITLE

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
    # The token with its user, the user's company and memberships; the ticket with its event, one statement (in
    # the test's transaction, no savepoint: ticket_create takes one only to catch a used idempotency key);
    # nothing read back.
    with django_assert_num_queries(2):
        created = client.post("/api/v1/tickets/", BODY, format="json")
    assert created.status_code == 201
    assert {"id", "number", "status"} <= set(created.data)  # DESIGN.md §8
    read = client.get(f"/api/v1/tickets/{created.data['id']}/")
    assert created.json() == read.json()
    assert [e["action"] for e in created.data["events"]] == ["submit"]
    assert "Idempotent-Replayed" not in created


def test_a_replayed_submit_reads_the_first_ticket_back(world, django_assert_num_queries):
    client = token_client(world.company_user)
    client.post("/api/v1/tickets/", BODY, format="json")
    # No look-up of the key before the insert: the savepoint (in the test's transaction; none in production), the
    # ticket with its event, the release; the unique constraint refuses a used key.
    with django_assert_num_queries(1 + 3):
        first = client.post("/api/v1/tickets/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/tickets/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Ticket.objects.filter(idempotency_key="k-1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_a_submit_is_one_statement_and_its_triage_follows_the_commit(world):
    """As in production (no test transaction around it): the token, then the ticket and its submit event in one
    statement, atomic on its own (no BEGIN, no COMMIT); the triage task is published once that has committed."""
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    client = token_client(world.company_user)
    client.post("/api/v1/tickets/", BODY, format="json")
    broker.delete("celery")
    woken(TRIAGE_TASK)  # as the worker does when it takes that task
    with CaptureQueriesContext(connection) as queries:
        created = client.post("/api/v1/tickets/", BODY, format="json")
    assert created.status_code == 201
    assert [q["sql"].split(None, 1)[0] for q in queries] == ["SELECT", "WITH"]
    assert broker.llen("celery") == 1
    ticket = Ticket.objects.get(pk=created.data["id"])
    assert ticket.contact_phone == BODY["contact_phone"]
    assert [(e.action, e.actor_id, e.to_status) for e in ticket.events.all()] == [
        ("submit", world.company_user.pk, Status.SUBMITTED)
    ]
    with CaptureQueriesContext(connection) as queries:  # a key: no savepoint either, the constraint decides
        first = client.post("/api/v1/tickets/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert [q["sql"].split(None, 1)[0] for q in queries] == ["SELECT", "WITH"]
    again = client.post("/api/v1/tickets/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    # That submit's task, not yet taken, triages this one too: no second task while it waits.
    assert Ticket.objects.filter(idempotency_key="k-2").count() == 1 and broker.llen("celery") == 1


@pytest.mark.django_db(transaction=True)
def test_a_ticket_and_its_event_stand_or_fall_together(world):
    """One statement: an event that cannot be written (here: an actor that does not exist) leaves no ticket."""
    ticket = Ticket(company=world.company, submitter=world.company_user, title="标题", description="内容")
    event = TicketEvent(ticket=ticket, action="submit", actor_id=10**9, actor_role="company", to_status="submitted")
    with pytest.raises(IntegrityError):
        insert_with(ticket, event, link="ticket")
    assert not Ticket.objects.filter(title="标题").exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_and_its_event_stand_or_fall_together(world, make_ticket):
    """An action's ticket update and event are one statement (common.db.update_with): an event that cannot be
    written leaves the ticket as it was; a ticket that is gone writes no event and says so, as save() does."""
    ticket = make_ticket(Status.SUBMITTED)
    ticket.title, ticket.version = "改过的标题", ticket.version + 1
    event = TicketEvent(ticket=ticket, action="comment", actor_id=10**9, actor_role="handler", note="x")
    with pytest.raises(IntegrityError):
        update_with(ticket, ["title", "version"], event, link="ticket")
    assert Ticket.objects.get(pk=ticket.pk).title == TITLE
    event = TicketEvent(ticket=ticket, action="comment", actor=world.handler, actor_role="handler", note="留言")
    update_with(ticket, ["title", "version"], event, link="ticket")
    saved = Ticket.objects.get(pk=ticket.pk)
    assert (saved.title, saved.version) == ("改过的标题", ticket.version)
    assert TicketEvent.objects.get(pk=event.pk).ticket_id == ticket.pk and event.note == "留言"
    missing = Ticket(pk=10**9, company=world.company, title="没有这件诉求")
    gone = TicketEvent(ticket=missing, action="comment", actor=world.handler, actor_role="handler")
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        update_with(missing, ["title"], gone, link="ticket")
    assert gone.pk is None and TicketEvent.objects.filter(ticket=ticket).count() == 2  # submit, the comment


@pytest.mark.parametrize("history", [0, 6])
def test_a_ticket_page_runs_the_same_queries_whatever_its_history(
    history, world, make_ticket, django_assert_num_queries
):
    ticket = make_ticket(Status.ACCEPTED)
    for i in range(history):
        ticket_apply(ticket_id=ticket.pk, action="comment", actor=world.handler, body=f"留言 {i}", public=i % 2 == 0)
    client = token_client(world.handler)
    client.get(f"/api/v1/tickets/{ticket.pk}/")
    # The token …; the ticket with its company, category, chain, district and lead department, and its events,
    # comments, assignments, replies, evaluations, attachments, in one statement: as many as a bare retrieve.
    with django_assert_num_queries(2):
        response = client.get(f"/api/v1/tickets/{ticket.pk}/")
    assert len(response.data["comments"]) == history


def test_the_request_form_files_in_constant_queries(world, client, django_assert_num_queries):
    client.force_login(world.company_user)
    form = {"title": "用电增容", "description": "请办理变压器增容。", "contact_phone": "13905701234"}
    client.post("/my/new/", {**form, "form_token": "warm"})
    # The session; the user with its company and memberships; the ticket with its event, one statement (in the
    # test's transaction, between the savepoint and its release that catch a used form token).
    with django_assert_num_queries(2 + 3):
        filed = client.post("/my/new/", {**form, "form_token": "t-1"})
    ticket = Ticket.objects.get(idempotency_key="web-t-1")
    assert filed.status_code == 302 and filed["Location"] == reverse("web-ticket", args=[ticket.pk])
    assert ticket.contact_phone == "13905701234" and ticket.events.get().action == "submit"
    again = client.post("/my/new/", {**form, "form_token": "t-1"})  # the same form sent twice: one ticket
    assert again["Location"] == filed["Location"] and Ticket.objects.filter(title=form["title"]).count() == 2


@pytest.mark.parametrize("history", [0, 6])
def test_the_ticket_page_runs_the_same_queries_whatever_its_history(
    history, world, make_ticket, client, django_assert_num_queries
):
    ticket = make_ticket(Status.ACCEPTED)
    for i in range(history):
        ticket_apply(ticket_id=ticket.pk, action="comment", actor=world.handler, body=f"留言 {i}", public=True)
    client.force_login(world.handler)
    client.get(f"/tickets/{ticket.pk}/")
    # The session; the user with its memberships; the ticket with its rows and lists (as the API's detail).
    with django_assert_num_queries(3):
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert page.count("留言 ") == 2 * history and 'data-action="reply"' in page  # in the timeline and the comments


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
    # The token …; the savepoint, the ticket locked (with its lead department, its submitter, who assists it and
    # whether tickets were merged into it: none, so no duplicates to answer are asked for); accept: the lead
    # assignment's update; reply: the reply; the ticket's update with its event (one statement), the notice to the
    # company (told by a worker after the commit: tickets/notify.py); the queue rows: (accept) rewritten by one
    # statement, (reply) deleted; the release; the answer read as a page is (1).
    assert counts[0] == counts[1] == {"accept": 9, "reply": 9}[action]
    stale = client.post(f"/api/v1/tickets/{tickets[1].pk}/comment/", {"body": "x", "version": 1}, format="json")
    assert stale.status_code == 409  # the version check stays


@pytest.mark.parametrize("rows", [3, 12])
def test_the_workbench_shows_the_queue_as_the_orm_reads_it(rows, world, make_ticket, client, django_assert_num_queries):
    tickets = [make_ticket(Status.ASSIGNED) for _ in range(rows)]
    Ticket.objects.filter(pk=tickets[0].pk).update(status=Status.ON_HOLD, hold_started_at=tickets[0].created_at)
    request = RequestFactory().get("/workbench/")
    request.user = world.handler
    now = tickets[-1].created_at
    make = ListRows(now)
    _kind, _filter, fast = views._department_queue(request, make)
    _kind, _filter, orm = views._queue(request, now, views.QUEUE_ROWS)
    assert fast == [make.of_ticket(t) for t in orm]  # the same rows, in the same order, printed the same
    assert {(row["light"], row["department"]) for row in fast} == {("green", world.lead.name)}
    client.force_login(world.handler)
    client.get("/workbench/")
    with django_assert_num_queries(3):  # the session, the user with its memberships, the page of rows
        page = client.get("/workbench/").content.decode()
    assert all(t.number in page for t in tickets) and world.lead.name in page


def test_a_list_row_says_what_the_template_said(world, make_ticket):
    """The rows printed as strings (tickets/web/rows.py) say what the list template used to work out itself: the
    link, the deadline in the site's time, the status's label, the lead department in the reader's language, how
    long a ticket has waited for dispatch."""
    ticket = make_ticket(Status.ASSIGNED)
    waiting = make_ticket(Status.PENDING_DISPATCH)
    now = ticket.created_at + timedelta(hours=3)
    with translation.override("en"):
        row = ListRows(now).of_ticket(Ticket.objects.select_related("lead_department").get(pk=ticket.pk))
        assert row["status_label"] == "Awaiting acceptance"
        assert row["department"] == (world.lead.name_en or world.lead.name)
    assert row["href"] == reverse("web-ticket", args=[ticket.pk]) and row["number"] == ticket.number
    assert row["due"] == date_format(localtime(ticket.due_at), "Y-m-d H:i") and row["waiting"] == ""
    with translation.override("en"):
        pending = ListRows(waiting.created_at + timedelta(hours=3)).of_ticket(waiting)
    assert (pending["department"], pending["waiting"]) == ("", "3\xa0hours")


def test_my_tickets_page_through_by_keyset_in_constant_queries(world, make_ticket, client, monkeypatch):
    """/my/ shows a page of the company's tickets, newest first, and the next page starts after the last one
    shown (?before=its id): every ticket once, ties on the filing time broken by id, the same queries a page."""
    tickets = [make_ticket(Status.SUBMITTED) for _ in range(5)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[1:4]]).update(created_at=tickets[0].created_at)  # ties
    newest_first = list(
        Ticket.objects.filter(company=world.company).order_by("-created_at", "-id").values_list("pk", flat=True)
    )
    monkeypatch.setattr(views, "MY_ROWS", 2)
    client.force_login(world.company_user)
    client.get("/my/")
    shown, path, counts = [], "/my/", []
    while path:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(path)
        counts.append(len(queries))
        shown += [row["pk"] for row in page.context["tickets"]]
        older = page.context.get("older")
        path = f"/my/?before={older}" if older else None
    assert shown == newest_first and len(counts) == 3
    # The session, the user with its memberships, the page of rows (the place of `before` read inside it).
    assert counts == [3, 3, 3]
    assert f'href="{reverse("web-ticket", args=[newest_first[0]])}"' in client.get("/my/").content.decode()
    assert client.get("/my/?before=abc").status_code == 200  # a malformed place: the first page


def test_the_chain_workspace_lists_its_tickets_with_their_links(world, make_ticket, client):
    ticket = make_ticket(Status.ASSIGNED)
    client.force_login(world.chain_leader)
    page = client.get(reverse("web-chain", args=[ticket.chain.code])).content.decode()
    assert f'<a href="{reverse("web-ticket", args=[ticket.pk])}">{ticket.number}</a>' in page
