"""The escalation ladder over a frozen clock, with e-mails received by a real SMTP server."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from notifications.models import OutgoingEmail
from notifications.services import email_send
from tickets.models import Status, Ticket, TicketEvent
from tickets.notify import tell_pending
from tickets.services import sla_sweep, ticket_apply

CITY = ZoneInfo("Asia/Shanghai")


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=CITY), tick=False)


def deliver() -> None:
    """What the worker does after the sweep's commit: tell the steps' notices, send the e-mails they queued."""
    tell_pending()
    for email_id in OutgoingEmail.objects.filter(status="queued").values_list("pk", flat=True):
        email_send(email_id=email_id)


def test_the_whole_ladder_once_each_with_emails(world, make_ticket, smtp_server):
    with at(2026, 11, 23, 10, 0):  # Monday; 5 working days → Monday 30 November 17:30
        ticket = make_ticket(Status.ACCEPTED)
        assert sla_sweep() == 0
        deliver()  # the dispatch and the 签收 were told (tests/notifications/test_ticket_mail.py)
        smtp_server.messages.clear()
    assert ticket.yellow_at == datetime(2026, 11, 27, 10, 45, tzinfo=CITY)  # 70 % of 52.5 working hours
    steps = [
        (
            (2026, 11, 27, 10, 50),
            "reminder",
            "none",
            {"banli-gongdian@example.gov.cn", "kezhang-gongdian@example.gov.cn"},
        ),
        ((2026, 11, 30, 17, 31), "overdue", "normal", {"kezhang-gongdian@example.gov.cn"}),
        (
            (2026, 12, 2, 17, 31),
            "yellow_card",
            "yellow_card",
            {"kezhang-gongdian@example.gov.cn", "duban@example.gov.cn"},
        ),
        ((2026, 12, 7, 17, 31), "red_card", "red_card", {"kezhang-gongdian@example.gov.cn", "duban@example.gov.cn"}),
    ]
    for moment, step, level, recipients in steps:
        with at(*moment):
            assert sla_sweep() == 1
            assert sla_sweep() == 0  # a rerun does nothing
            deliver()
        ticket.refresh_from_db()
        assert ticket.supervision_level == level
        assert ticket.events.last().data["step"] == step
        to, message = smtp_server.messages[-1]
        assert set(to) == recipients
        assert ticket.number in message["Subject"]
        assert f"/tickets/{ticket.pk}/" in message.get_body(("plain",)).get_content()  # the page, not the API
    assert ticket.next_escalation_at is None
    assert TicketEvent.objects.filter(ticket=ticket, action="escalate").count() == 4
    assert [s.strip().split("】")[0] for s in smtp_server.subjects()] == [
        "【催办",
        "【超时",
        "【黄牌督办",
        "【红牌督办",
    ]
    with at(2026, 12, 31, 9, 0):
        assert sla_sweep() == 0


def test_time_on_hold_pauses_the_ladder(world, make_ticket):
    with at(2026, 11, 23, 10, 0):
        ticket = make_ticket(Status.ACCEPTED)
    with at(2026, 11, 24, 10, 0):
        ticket_apply(ticket_id=ticket.pk, action="request_info", actor=world.handler, note="请补充图纸")
    with at(2026, 11, 30, 18, 0):  # past the original deadline, but the clock is paused
        assert sla_sweep() == 0
        ticket_apply(ticket_id=ticket.pk, action="provide_info", actor=world.company_user, note="已补充")
    ticket.refresh_from_db()
    assert ticket.handle_deadline > datetime(2026, 12, 4, 17, 0, tzinfo=CITY)
    assert ticket.next_escalation_at == ticket.yellow_at > datetime(2026, 11, 30, 18, 0, tzinfo=CITY)


def test_a_category_policy_overrides_the_defaults(world, make_ticket):
    from sla.models import SlaPolicy

    SlaPolicy.objects.create(
        category=world.energy, priority="normal", difficulty="general", accept_days=1, handle_days=2
    )
    with at(2026, 11, 23, 10, 0):
        ticket = make_ticket(Status.ACCEPTED)
    assert ticket.handle_deadline == datetime(2026, 11, 25, 17, 30, tzinfo=CITY)


def test_an_urgent_ticket_must_be_accepted_within_two_working_hours(world, make_ticket):
    with at(2026, 11, 27, 16, 30):  # Friday afternoon
        ticket = make_ticket(Status.PENDING_DISPATCH)
        Ticket.objects.filter(pk=ticket.pk).update(priority="urgent")
        ticket_apply(ticket_id=ticket.pk, action="dispatch", actor=world.dispatcher, lead=world.lead)
    ticket.refresh_from_db()
    assert ticket.accept_deadline == datetime(2026, 11, 30, 9, 30, tzinfo=CITY)


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_take_each_step_once(world, make_ticket):
    with at(2026, 11, 23, 10, 0):
        tickets = [make_ticket(Status.ACCEPTED) for _ in range(6)]
    taken = []
    barrier = threading.Barrier(2)

    def sweep():
        try:
            with at(2026, 11, 27, 11, 0):
                barrier.wait()
                taken.append(sla_sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(taken) == len(tickets)
    assert TicketEvent.objects.filter(action="escalate").count() == len(tickets)
    assert tell_pending() == len(tickets)
    assert OutgoingEmail.objects.filter(key__startswith="escalation:").count() == len(tickets)


def test_clocks_across_national_day_2026(world, make_ticket):
    with at(2026, 9, 30, 10, 0):  # Wednesday; 1–7 October off, Saturday 10 October is a working day
        ticket = make_ticket(Status.ACCEPTED)
    assert ticket.handle_deadline == datetime(2026, 10, 13, 17, 30, tzinfo=CITY)
    assert ticket.yellow_at == datetime(2026, 10, 12, 10, 45, tzinfo=CITY)  # 70 % of 52.5 working hours
    with at(2026, 10, 7, 23, 0):
        assert sla_sweep() == 0  # the holiday week does not count
    with at(2026, 10, 12, 11, 0):
        assert sla_sweep() == 1  # the reminder
        ticket_apply(ticket_id=ticket.pk, action="request_extension", actor=world.handler, days=3, reason="节后排产")
        ticket_apply(ticket_id=ticket.pk, action="decide_extension", actor=world.supervisor, approve=True, days=2)
    ticket.refresh_from_db()
    assert ticket.handle_deadline == datetime(2026, 10, 15, 17, 30, tzinfo=CITY)
    assert ticket.escalation_step == 0  # a new deadline: the ladder starts again


def test_set_holidays_enters_next_years_schedule(db):
    from io import StringIO

    from django.core.management import call_command

    from sla.calendar import current_calendar

    out = StringIO()
    call_command("set_holidays", "--holidays", "2027-01-01..2027-01-03", "--workdays", "2027-01-09", stdout=out)
    assert out.getvalue().strip() == "4 calendar overrides saved"
    calendar = current_calendar()
    assert not calendar.is_working_day(datetime(2027, 1, 1).date())
    assert calendar.is_working_day(datetime(2027, 1, 9).date())  # a Saturday made a working day


@pytest.mark.django_db(transaction=True)  # the task closes its connection when it ends, as in the worker
def test_a_stale_ticket_gets_its_current_step_once_not_a_replay(world, make_ticket, settings):
    """Issue 15: right after start-up the ladder fired four steps in four minutes, the 70 % reminder included,
    for a ticket overdue since September. Beat's task, minute after minute: one step, the current one."""
    from tickets.tasks import sla_sweep_task

    beat = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert beat["tickets.sla_sweep"] == timedelta(minutes=1)  # what beat runs
    with at(2026, 9, 7, 10, 0):  # Monday; 5 working days → Monday 14 September 17:30
        ticket = make_ticket(Status.ACCEPTED)
    for minute in range(4):  # the sweeper's first four runs after a start-up in November
        with at(2026, 11, 23, 9, minute):
            assert sla_sweep_task.apply().get() == (1 if minute == 0 else 0)
    ticket.refresh_from_db()
    assert ticket.supervision_level == "red_card"
    (event,) = TicketEvent.objects.filter(ticket=ticket, action="escalate")
    assert event.data["step"] == "red_card" and event.data["skipped"] == ["reminder", "overdue", "yellow_card"]
    tell_pending()
    (email,) = OutgoingEmail.objects.filter(key__startswith="escalation:")
    assert "红牌督办" in email.subject
    assert ticket.next_escalation_at is None


def test_a_ticket_met_between_steps_gets_that_step_and_the_next_on_time(world, make_ticket):
    with at(2026, 11, 23, 10, 0):
        ticket = make_ticket(Status.ACCEPTED)  # yellow 27 Nov 10:45, due 30 Nov 17:30, yellow card 2 Dec 17:30
    with at(2026, 12, 1, 9, 0):  # overdue, the reminder missed: the overdue notice only
        assert sla_sweep() == 1
        assert sla_sweep() == 0
    assert [e.data["step"] for e in TicketEvent.objects.filter(ticket=ticket, action="escalate")] == ["overdue"]
    with at(2026, 12, 2, 17, 31):
        assert sla_sweep() == 1
    ticket.refresh_from_db()
    assert ticket.supervision_level == "yellow_card"
    assert "skipped" not in ticket.events.filter(action="escalate").last().data
