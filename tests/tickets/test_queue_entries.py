"""The department queues' rows (`QueueEntry`) follow every write of the services: they are derived data, and
the queue page reads only them (DESIGN.md §11)."""

from datetime import timedelta

from tickets.models import Assignment, QueueEntry, Status, Ticket
from tickets.services import ticket_apply

from ..conftest import PATHS, api


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
