from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from departments.models import Department
from tickets.models import Status, Ticket, TicketEvent
from tickets.transitions import ACTIONS
from triage.models import Category


def test_demo_has_every_status_and_its_logins_and_is_idempotent(db, settings):
    settings.DEBUG = True
    call_command("load_demo")
    statuses = Counter(Ticket.objects.values_list("status", flat=True))
    assert set(statuses) >= set(Status) - {Status.SUBMITTED}  # submitted ones are triaged on sight
    assert Ticket.objects.count() >= 300
    for username in [
        "qiye1",
        "qiye2",
        "shouli",
        "duban",
        "lianzhang-xcl",
        "banli-gongdian",
        "kezhang-jingxin",
        "admin",
        "shouli-rexian",
    ]:
        assert User.objects.get(username=username).check_password("qihu-demo")
    assert User.objects.get(username="qiye1").company != User.objects.get(username="qiye2").company
    # the intake desk's requests (issue 17): filed by the hotline operator for companies, in several channels
    filed = Ticket.objects.filter(filed_by__username="shouli-rexian")
    assert set(filed.values_list("source", flat=True)) >= {"hotline", "counter", "visit", "leader", "meeting"}
    assert filed.get(source="leader").supervision_level != "none"
    assert filed.filter(source="meeting", meeting__isnull=False).count() == 3
    assert Department.objects.filter(kind="county").count() == 7
    assert all(c.rules.filter(district=None, chain=None).exists() for c in Category.objects.all())
    # every event of every ticket follows the transition table
    for event in TicketEvent.objects.exclude(action="submit").iterator():
        spec = ACTIONS[event.action]
        assert event.from_status in spec.sources
        assert event.to_status in (spec.targets or (event.from_status,))
    tickets, events = Ticket.objects.count(), TicketEvent.objects.count()
    call_command("load_demo")
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == (tickets, events)


def test_demo_refuses_to_load_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")
