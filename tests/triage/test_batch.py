"""Batch triage: when tickets queue up, one task takes many at once and decides as it would one by one."""

import threading

import pytest
from django.db import connection

from tickets.models import Status, Ticket, TicketEvent
from triage.engine import train_model
from triage.services import plan_many, similar_open_tickets_many, triage_waiting

from .conftest import ENERGY, LAND

UNCLEAR = ("咨询一个问题", "想了解一下相关情况。")


def file_many(make_ticket, world, texts):
    users = [world.company_user, world.other_company_user]
    return [make_ticket(user=users[n % 2], title=t, description=f"{d}（第{n}件）") for n, (t, d) in enumerate(texts)]


def test_a_batch_decides_what_one_ticket_at_a_time_would(world, settled, make_ticket, settings):
    # The toy model is 0.89 sure of the clear tickets and about 0.7 of the unclear one: some of each path.
    settings.QIHU = {**settings.QIHU, "TRIAGE_CONFIDENCE": 0.75}
    train_model()
    tickets = file_many(make_ticket, world, (ENERGY + LAND + [UNCLEAR]) * 2)
    alone = {t.pk: plan_many([t], similar_open_tickets_many([t]))[0] for t in tickets}

    assert triage_waiting() == len(tickets)

    for ticket in Ticket.objects.filter(pk__in=alone).select_related("category", "lead_department"):
        expected = alone[ticket.pk]
        assert ticket.category == expected.decision.ranked[0][0]
        assert ticket.triage_confidence == pytest.approx(expected.decision.confidence, abs=1e-3)
        assert ticket.status == (Status.ASSIGNED if expected.confident else Status.PENDING_DISPATCH)
        assert ticket.lead_department == (expected.rule.lead if expected.confident else None)
        assert ticket.triage_suggestions["routes"][0]["words"] == expected.suggestions["routes"][0]["words"]
        assert ticket.version == 2 and ticket.events.filter(action="triage").count() == 1
        if ticket.status == Status.ASSIGNED:
            assert ticket.assignments.filter(role="lead", department=ticket.lead_department).count() == 1
            assert ticket.due_at == ticket.accept_deadline is not None
    assert {t.status for t in Ticket.objects.filter(pk__in=alone)} == {Status.ASSIGNED, Status.PENDING_DISPATCH}


def test_the_tickets_own_task_takes_its_ticket_first_and_others_up_to_the_limit(world, make_ticket):
    older, newer, own = (
        make_ticket(),
        make_ticket(title="新厂房用电", description="报装变压器"),
        make_ticket(title="老厂房用电", description="变压器增容报装"),
    )
    assert triage_waiting(first_id=own.pk, limit=2) == 2
    assert Ticket.objects.get(pk=own.pk).status != Status.SUBMITTED
    assert Ticket.objects.get(pk=older.pk).status != Status.SUBMITTED  # the oldest waiting one came along
    assert Ticket.objects.get(pk=newer.pk).status == Status.SUBMITTED
    assert triage_waiting(first_id=own.pk) == 1  # its own ticket is done: the task takes the rest
    assert triage_waiting() == 0


def test_exact_resubmissions_in_one_batch_are_merged_into_the_first(world, make_ticket):
    first, second, third = make_ticket(), make_ticket(), make_ticket()
    triage_waiting()
    first, second, third = (Ticket.objects.get(pk=t.pk) for t in (first, second, third))
    assert first.merged_into_id is None and first.status == Status.ASSIGNED
    assert second.merged_into_id == third.merged_into_id == first.pk
    assert TicketEvent.objects.filter(ticket=first, action="merge").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_draining_the_queue_at_once_triage_each_ticket_once(world, make_ticket):
    tickets = file_many(make_ticket, world, (ENERGY + LAND) * 5)
    barrier = threading.Barrier(2)
    counts = []

    def drain():
        try:
            barrier.wait()
            done = 0
            while taken := triage_waiting(limit=4):
                done += taken
            counts.append(done)
        finally:
            connection.close()

    workers = [threading.Thread(target=drain) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(counts) == len(tickets)
    assert not Ticket.objects.filter(status=Status.SUBMITTED).exists()
    triaged = TicketEvent.objects.filter(action="triage", ticket__in=tickets)
    assert sorted(triaged.values_list("ticket_id", flat=True)) == sorted(t.pk for t in tickets)
