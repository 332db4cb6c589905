"""The department queues' rows (`QueueEntry`) follow every write of the services: they are derived data, and
the queue page reads only them (DESIGN.md §11)."""

from datetime import timedelta

from django.utils import timezone

from accounts.roles import Role
from tickets.models import Assignment, QueueEntry, Status, Ticket
from tickets.services import queue_refresh, ticket_apply

from ..conftest import PATHS, api
from ..factories import member


def rows() -> set[tuple[int, int, object]]:
    return set(QueueEntry.objects.values_list("department_id", "ticket_id", "due_at"))


def expected() -> set[tuple[int, int, object]]:
    """The definition, read from the tickets and their assignments: while a ticket is worked (assigned,
    accepted, on hold; not merged), its lead department and every assisting one that has not reported."""
    worked = Ticket.objects.filter(status__in=["assigned", "accepted", "on_hold"], merged_into=None)
    leads = {(t.lead_department_id, t.pk, t.due_at) for t in worked if t.lead_department_id}
    assists = Assignment.objects.filter(ticket__in=worked, role="assist", state__in=["pending", "accepted"])
    return leads | {(a.department_id, a.ticket_id, a.ticket.due_at) for a in assists.select_related("ticket")}


def test_every_status_reached_through_the_services_leaves_the_queues_right(world, make_ticket):
    tickets = {status: make_ticket(status) for status in PATHS}
    assert rows() == expected()
    worked = {tickets[s].pk for s in (Status.ASSIGNED, Status.ACCEPTED, Status.ON_HOLD)}
    assert {t for _d, t, _due in rows()} == worked
    assert {(d, t) for d, t, _due in rows() if t == tickets[Status.ASSIGNED].pk} == {
        (world.lead.pk, tickets[Status.ASSIGNED].pk),
        (world.assisting.pk, tickets[Status.ASSIGNED].pk),
    }


def test_many_tickets_rewritten_at_once_follow_the_definition(world, make_ticket):
    """A batch's rewrite (triage's: one statement for all its tickets) gives what the definition says, for tickets
    that stay worked, start or stop being worked, with and without assisting departments."""
    tickets = {status: make_ticket(status) for status in PATHS}
    later = timezone.now() + timedelta(days=9)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets.values()]).update(due_at=later)  # behind the services' back
    Ticket.objects.filter(pk=tickets[Status.ACCEPTED].pk).update(status=Status.REPLIED)
    assert rows() != expected()

    queue_refresh([t.pk for t in tickets.values()])
    assert rows() == expected()
    assert {due for _d, _t, due in rows()} == {later}
    assert tickets[Status.ACCEPTED].pk not in {t for _d, t, _due in rows()}
    assert {(d, t) for d, t, _due in rows() if t == tickets[Status.ASSIGNED].pk} == {
        (world.lead.pk, tickets[Status.ASSIGNED].pk),
        (world.assisting.pk, tickets[Status.ASSIGNED].pk),
    }


def test_a_ticket_leaves_and_rejoins_the_queues_with_its_deadline(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    handler, assist = world.people["handler"], world.people["assist_handler"]

    ticket_apply(ticket_id=ticket.pk, action="assist_report", actor=assist, body="已出具意见。")
    assert {d for d, _t, _due in rows()} == {world.lead.pk}  # the assisting department is done with it

    ticket_apply(ticket_id=ticket.pk, action="request_extension", actor=handler, days=5, reason="需现场勘察")
    ticket_apply(ticket_id=ticket.pk, action="decide_extension", actor=world.people["supervisor"], approve=True)
    moved = Ticket.objects.get(pk=ticket.pk).due_at
    assert moved > ticket.due_at + timedelta(days=4)
    assert rows() == {(world.lead.pk, ticket.pk, moved)} == expected()  # the new deadline orders the queue

    ticket_apply(ticket_id=ticket.pk, action="reply", actor=handler, body="已完成增容。")
    assert rows() == set()  # replied: no department works it now
    ticket_apply(
        ticket_id=ticket.pk, action="confirm", actor=world.company_user,
        contacted=True, resolved="unresolved", satisfaction="unsatisfied",
    )  # fmt: skip
    assert rows() == expected()


def test_the_queue_page_lists_the_department_s_rows_most_urgent_first(world, make_ticket):
    first, second = make_ticket(Status.ACCEPTED), make_ticket(Status.ASSIGNED)
    page = api(world.handler).get("/api/v1/queue/").json()["results"]
    due = {t.pk: t.due_at for t in (first, second)}
    assert [r["id"] for r in page] == sorted(due, key=lambda pk: (due[pk], pk))
    assisting = api(world.people["assist_handler"]).get("/api/v1/queue/").json()["results"]
    assert {r["id"] for r in assisting} == {first.pk, second.pk}  # fagai assists both


def queue_ids(client, params: dict, page_size: int) -> list[int]:
    """Every ticket of the caller's queue, page after page through the next links."""
    response, ids = client.get("/api/v1/queue/", {"page_size": page_size, **params}), []
    while True:
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        if not body["next"]:
            return ids
        response = client.get(body["next"])


def test_the_queue_pages_alike_through_its_rows_and_through_the_tickets(world, make_ticket):
    """Unfiltered, a department's page is read from its queue rows, then the page's tickets by id; filtered,
    from the tickets: the same rows in the same order, and the cursor of one goes on in the other."""
    tickets = [make_ticket(Status.ASSIGNED) for _ in range(7)]
    shared = timezone.now() + timedelta(days=3)  # three tickets, one deadline: the cursor's offset at work
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[2:5]]).update(due_at=shared)
    queue_refresh([t.pk for t in tickets])
    due = dict(Ticket.objects.values_list("pk", "due_at"))
    urgency = sorted(due, key=lambda pk: (due[pk], pk))
    client = api(world.handler)
    assert queue_ids(client, {}, 2) == queue_ids(client, {"q": ""}, 2) == urgency  # `q=`: a filter, empty
    second = client.get(client.get("/api/v1/queue/", {"page_size": 3}).json()["next"] + "&q=").json()
    assert [row["id"] for row in second["results"]] == urgency[3:6]


def test_a_queue_row_that_outlived_its_ticket_s_work_is_not_shown(world, make_ticket):
    kept, closed = make_ticket(Status.ASSIGNED), make_ticket(Status.ACCEPTED)
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)  # behind the services' back
    assert QueueEntry.objects.filter(ticket=closed, department=world.lead).exists()
    client = api(world.handler)
    assert queue_ids(client, {}, 25) == queue_ids(client, {"q": ""}, 25) == [kept.pk]


def test_a_handler_of_two_departments_sees_both_queues_each_ticket_once(world, make_ticket):
    both = member(world.handler, world.assisting, Role.HANDLER)  # gongdian's handler, now fagai's as well
    led = make_ticket(Status.ASSIGNED)  # led by gongdian, fagai assists: in both queues
    elsewhere = make_ticket(Status.PENDING_DISPATCH)
    ticket_apply(ticket_id=elsewhere.pk, action="dispatch", actor=world.people["dispatcher"], lead=world.county,
                 assisting=[world.assisting])  # fmt: skip
    make_ticket(Status.PENDING_DISPATCH)  # in no queue yet
    due = dict(Ticket.objects.filter(pk__in=[led.pk, elsewhere.pk]).values_list("pk", "due_at"))
    assert queue_ids(api(both), {}, 1) == sorted(due, key=lambda pk: (due[pk], pk))
