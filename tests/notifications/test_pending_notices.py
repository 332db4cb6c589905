"""Notices decided in a ticket's transaction and told by a worker after the commit (tickets/notify.py): the person
who acts waits for the decision, not for who is told; nothing decided is lost or told twice."""

import json
import logging
import os
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import transaction

from notifications.models import OutgoingEmail, OutgoingMessage
from sla.calendar import CITY_TZ
from tickets import notify
from tickets.models import PendingNotice, Status
from tickets.services import ticket_apply
from tickets.tasks import tell_pending_task

from ..conftest import api


@pytest.fixture
def broker():
    """The test Redis the tasks are published to (no worker here): its queue shows what was enqueued."""
    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    client.flushdb()  # the queue and the cache's "a telling task waits" mark
    yield client
    client.flushdb()


def tellings_queued(broker) -> int:
    return sum(json.loads(message)["headers"]["task"] == notify.TELL_TASK for message in broker.lrange("celery", 0, -1))


def accepted_mails(ticket) -> int:
    return OutgoingEmail.objects.filter(key__startswith=f"accepted:{ticket.pk}:").count()


@pytest.mark.django_db(transaction=True)
def test_an_action_answers_before_the_company_is_told_and_busy_actions_share_one_task(world, make_ticket, broker):
    first, second, third = (make_ticket(Status.ASSIGNED) for _ in range(3))
    broker.flushdb()  # make_ticket's own steps (told in this process)
    handler = api(world.handler)
    assert handler.post(f"/api/v1/tickets/{first.pk}/accept/", {}).status_code == 200
    # Committed and answered: the notice waits for the worker, whose task is queued.
    assert PendingNotice.objects.filter(ticket=first, kind="accepted").count() == 1
    assert accepted_mails(first) == 0 and tellings_queued(broker) == 1
    assert handler.post(f"/api/v1/tickets/{second.pk}/accept/", {}).status_code == 200
    assert tellings_queued(broker) == 1  # that task, not yet run, tells this one too
    assert tell_pending_task.apply().get() == 2
    assert accepted_mails(first) == accepted_mails(second) == 1 and not PendingNotice.objects.exists()
    assert handler.post(f"/api/v1/tickets/{third.pk}/accept/", {}).status_code == 200
    assert tellings_queued(broker) == 2  # the task started (and cleared its mark): a new one for the new notice


def test_a_rolled_back_action_decides_no_notice(world, make_ticket):
    ticket = make_ticket(Status.ASSIGNED)
    with pytest.raises(RuntimeError), transaction.atomic():
        ticket_apply(ticket_id=ticket.pk, action="accept", actor=world.handler)
        assert PendingNotice.objects.filter(ticket=ticket).exists()
        raise RuntimeError("the caller's transaction fails after the action")
    assert not PendingNotice.objects.exists()
    assert notify.tell_pending() == 0 and accepted_mails(ticket) == 0


def test_a_notice_says_what_was_decided_though_the_ticket_moved_on(world, make_ticket, settings):
    """Dispatched, then returned before the worker told it: the department it was dispatched to is told, with
    the deadline it was given."""
    ticket = make_ticket(Status.PENDING_DISPATCH)
    ticket_apply(ticket_id=ticket.pk, action="dispatch", actor=world.dispatcher, lead=world.lead)
    ticket.refresh_from_db()
    deadline = ticket.accept_deadline.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")
    ticket_apply(ticket_id=ticket.pk, action="return", actor=world.handler, reason="不属于本部门职责。")
    assert notify.tell_pending() == 1
    (email,) = OutgoingEmail.objects.filter(key__startswith=f"dispatched:{ticket.pk}:")
    assert set(email.to) == {"banli-gongdian@example.gov.cn", "kezhang-gongdian@example.gov.cn"}
    assert deadline in email.subject and world.lead.name in email.body_text


def test_a_notice_told_again_writes_no_second_message(world, make_ticket):
    """Were a notice told again (its delete commits with its messages, so only by a bug), its messages are keyed
    by it: none is repeated."""
    world.company_user.phone = "13905701234"
    world.company_user.save(update_fields=["phone"])
    ticket = make_ticket(Status.ASSIGNED)
    ticket_apply(ticket_id=ticket.pk, action="accept", actor=world.handler)
    notice = PendingNotice.objects.get(ticket=ticket)
    assert notify.tell_pending() == 1
    notice.save(force_insert=True)  # back, with its id
    assert notify.tell_pending() == 1
    assert accepted_mails(ticket) == 1
    assert OutgoingMessage.objects.filter(channel="sms", key__startswith=f"accepted:{ticket.pk}:").count() == 1


def test_a_notice_that_cannot_be_told_is_kept_and_the_others_are_told(world, make_ticket, caplog):
    broken = make_ticket(Status.ACCEPTED)
    PendingNotice.objects.create(ticket=broken, kind="accepted", params={"dept": "供电公司"})  # no deadline
    ticket = make_ticket(Status.ASSIGNED)
    ticket_apply(ticket_id=ticket.pk, action="accept", actor=world.handler)
    with caplog.at_level(logging.ERROR, logger="tickets.notify"):
        assert notify.tell_pending(batch=1) == 1
    assert accepted_mails(ticket) == 1
    (kept,) = PendingNotice.objects.all()
    assert kept.ticket_id == broken.pk and "not told" in caplog.text
    assert notify.tell_pending() == 0 and PendingNotice.objects.count() == 1  # tried again by each sweep


@pytest.mark.django_db(transaction=True)  # the task closes its connection when it ends, as in the worker
def test_the_minute_sweep_tells_a_notice_whose_task_was_lost(world, make_ticket):
    beat = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert beat["tickets.tell_pending"] == timedelta(minutes=1)
    ticket = make_ticket(Status.ASSIGNED)
    ticket_apply(ticket_id=ticket.pk, action="accept", actor=world.handler)  # its task never ran
    assert tell_pending_task.apply().get() == 1
    assert accepted_mails(ticket) == 1
