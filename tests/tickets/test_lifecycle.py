"""The rules of each action beyond who may take it: windows, clocks, cascades, integrity."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from common.errors import DomainError, InvalidState
from tickets.models import Evaluation, Reply, Status, Ticket, TicketEvent
from tickets.services import close_unevaluated_tickets, ticket_apply

CITY = ZoneInfo("Asia/Shanghai")


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=CITY), tick=False)


def test_return_goes_back_to_dispatch_and_the_dispatchers_next_word_is_final(world, make_ticket):
    ticket = make_ticket(Status.ASSIGNED)
    ticket_apply(ticket_id=ticket.pk, action="return", actor=world.handler, reason="不属于本单位职责")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.lead_department, ticket.return_count) == (Status.PENDING_DISPATCH, None, 1)
    ticket_apply(ticket_id=ticket.pk, action="dispatch", actor=world.dispatcher, lead=world.lead)
    with pytest.raises(InvalidState) as refused:
        ticket_apply(ticket_id=ticket.pk, action="return", actor=world.handler, reason="仍不属于本单位")
    assert refused.value.code == "return_final"


def test_return_needs_a_reason_and_is_refused_after_the_window(world, make_ticket):
    with at(2026, 11, 23, 10, 0):  # Monday
        ticket = make_ticket(Status.ASSIGNED)
        with pytest.raises(DomainError):
            ticket_apply(ticket_id=ticket.pk, action="return", actor=world.handler, reason=" ")
    with at(2026, 11, 25, 9, 0), pytest.raises(InvalidState) as late:  # window ended Tuesday 17:30
        ticket_apply(ticket_id=ticket.pk, action="return", actor=world.handler, reason="不属于本单位职责")
    assert late.value.code == "return_window"


def test_time_on_hold_does_not_count(world, make_ticket):
    with at(2026, 11, 23, 10, 0):  # Monday: 5 working days → Monday 30 Nov, end of day
        ticket = make_ticket(Status.ACCEPTED)
    assert ticket.handle_deadline == datetime(2026, 11, 30, 17, 30, tzinfo=CITY)
    with at(2026, 11, 24, 10, 0):
        ticket_apply(ticket_id=ticket.pk, action="request_info", actor=world.handler, note="请补充图纸")
    with at(2026, 11, 25, 10, 0):  # one working day (9 working hours) later
        ticket_apply(ticket_id=ticket.pk, action="provide_info", actor=world.company_user, note="已补充")
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED
    assert ticket.handle_deadline == datetime(2026, 12, 1, 17, 30, tzinfo=CITY)
    assert ticket.due_at == ticket.handle_deadline


def test_a_granted_extension_moves_the_deadline_by_the_days_granted(world, make_ticket):
    with at(2026, 11, 23, 10, 0):
        ticket = make_ticket(Status.ACCEPTED)
        ticket_apply(ticket_id=ticket.pk, action="request_extension", actor=world.handler, days=3, reason="需现场勘察")
        ticket_apply(ticket_id=ticket.pk, action="decide_extension", actor=world.supervisor, approve=True, days=2)
        with pytest.raises(InvalidState) as again:
            ticket_apply(ticket_id=ticket.pk, action="request_extension", actor=world.handler, days=1, reason="再延")
    assert again.value.code == "extension_used"
    ticket.refresh_from_db()
    assert ticket.handle_deadline == datetime(2026, 12, 2, 17, 30, tzinfo=CITY)
    decision = ticket.events.get(action="decide_extension")
    assert decision.public and decision.data["days"] == 2  # the company is told


def test_an_extension_cannot_grant_more_than_was_asked(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    ticket_apply(ticket_id=ticket.pk, action="request_extension", actor=world.handler, days=2, reason="需协调")
    with pytest.raises(DomainError):
        ticket_apply(ticket_id=ticket.pk, action="decide_extension", actor=world.supervisor, approve=True, days=5)


def test_unsatisfied_company_disputes_and_a_reviewer_reopens(world, make_ticket):
    ticket = make_ticket(Status.DISPUTED)
    ticket_apply(ticket_id=ticket.pk, action="reopen", actor=world.supervisor, note="确未解决")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count, ticket.lead_department) == (Status.ACCEPTED, 1, world.lead)
    assert ticket.due_at == ticket.handle_deadline


def test_a_dispute_closed_as_unreasonable_keeps_the_evaluation(world, make_ticket):
    ticket = make_ticket(Status.DISPUTED)
    ticket_apply(ticket_id=ticket.pk, action="close", actor=world.dispatcher, note="诉求超出政策范围，答复合理")
    evaluation = Evaluation.objects.get(ticket=ticket)
    assert evaluation.satisfaction == "unsatisfied"
    assert evaluation.review_note == "诉求超出政策范围，答复合理"
    assert Ticket.objects.get(pk=ticket.pk).close_reason == "reviewed"


def test_unevaluated_tickets_close_after_the_window_and_never_count_as_satisfied(world, make_ticket):
    with at(2026, 11, 23, 10, 0):
        ticket = make_ticket(Status.REPLIED)
    with at(2026, 11, 29, 10, 0):
        assert close_unevaluated_tickets() == 0
        with pytest.raises(InvalidState):
            ticket_apply(ticket_id=ticket.pk, action="close_unevaluated")
    with at(2026, 11, 30, 10, 1):
        assert close_unevaluated_tickets() == 1
        assert close_unevaluated_tickets() == 0
    ticket.refresh_from_db()
    assert (ticket.status, ticket.close_reason) == (Status.CLOSED, "unevaluated")
    assert not Evaluation.objects.filter(ticket=ticket).exists()


def test_a_merged_duplicate_is_answered_with_its_primary(world, make_ticket):
    primary = make_ticket(Status.ACCEPTED)
    duplicate = make_ticket(Status.ASSIGNED)
    ticket_apply(ticket_id=duplicate.pk, action="merge", actor=world.dispatcher, primary_id=primary.pk)
    assert TicketEvent.objects.filter(ticket=primary, action="merge", data__duplicate=duplicate.pk).exists()
    ticket_apply(ticket_id=primary.pk, action="reply", actor=world.handler, body="已统一协调增容。")
    duplicate.refresh_from_db()
    assert duplicate.status == Status.REPLIED
    assert Reply.objects.get(ticket=duplicate).body == "已统一协调增容。"
    assert duplicate.events.last().action == "answer_with_primary"


def test_supervision_only_goes_up(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    ticket_apply(ticket_id=ticket.pk, action="supervise", actor=world.supervisor, level="yellow_card")
    with pytest.raises(InvalidState):
        ticket_apply(ticket_id=ticket.pk, action="supervise", actor=world.supervisor, level="normal")
    assert Ticket.objects.get(pk=ticket.pk).supervision_level == "yellow_card"


def test_withdraw_cancels_the_departments_assignments(world, make_ticket):
    ticket = make_ticket(Status.ASSIGNED)
    ticket_apply(ticket_id=ticket.pk, action="withdraw", actor=world.company_user)
    assert set(ticket.assignments.values_list("state", flat=True)) == {"cancelled"}


def test_status_column_refuses_unknown_values(world, make_ticket):
    ticket = make_ticket()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(status="lost")


def test_events_are_append_only(world, make_ticket):
    event = make_ticket().events.get()
    event.note = "rewritten"
    with pytest.raises(ValueError):
        event.save()
