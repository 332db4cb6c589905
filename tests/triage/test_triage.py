import os

import redis
from django.utils import timezone

from tickets.models import Status, Ticket
from triage.models import Category, RoutingRule
from triage.router import classify, priority_of, request_type_of, route
from triage.services import requeue_stale_submitted, ticket_triage


def test_a_clear_energy_request_is_routed_to_the_power_company(world, make_ticket):
    ticket = ticket_triage(ticket_id=make_ticket().pk)
    assert ticket.status == Status.ASSIGNED
    assert (ticket.category, ticket.lead_department, ticket.chain) == (world.energy, world.lead, world.chain)
    assert set(ticket.assignments.values_list("department__code", "role")) == {
        ("gongdian", "lead"),
        ("fagai", "assist"),
    }
    triage = ticket.events.get(action="triage")
    assert "变压器" in triage.note and triage.data["lead"] == "gongdian"


def test_an_unclear_request_waits_for_a_dispatcher(world, make_ticket):
    ticket = ticket_triage(ticket_id=make_ticket(title="咨询一个问题", description="想了解一下相关情况。").pk)
    assert ticket.status == Status.PENDING_DISPATCH
    assert ticket.lead_department is None
    assert "需人工派单" in ticket.triage_note


def test_triage_is_idempotent(world, make_ticket):
    ticket = make_ticket()
    ticket_triage(ticket_id=ticket.pk)
    ticket_triage(ticket_id=ticket.pk)  # a redelivered task
    assert ticket.events.filter(action="triage").count() == 1
    assert ticket_triage(ticket_id=10**9) is None  # a vanished ticket is no error


def test_classify_priority_and_type():
    energy = Category(code="energy", name="用能", keywords="用电 增容 变压器")
    land = Category(code="land", name="用地", keywords="用地 土地")
    found = classify("厂房增容需要新变压器，用电紧张", [energy, land])
    assert found.category is energy and found.confidence == 1.0
    assert classify("土地", [energy, land]).confidence == 0.5  # one lone hit is only a guess
    assert classify("天气很好", [energy, land]).category is None
    assert priority_of("突然停电导致全线停产") == "urgent"
    assert priority_of("希望了解补贴政策") == "normal"
    assert request_type_of("请问如何申请技改补助") == "consult"
    assert request_type_of("投诉某窗口办事推诿") == "complaint"


def test_the_most_specific_catalogue_rule_wins(world):
    county_rule = RoutingRule.objects.create(category=world.energy, district=world.county, lead=world.county)
    assert route(category=world.energy, district_id=world.county.pk, chain_id=None) == county_rule
    assert route(category=world.energy, district_id=None, chain_id=None).lead == world.lead
    assert route(category=Category.objects.get(code="other"), district_id=None, chain_id=None) is None


def test_the_sweeper_requeues_only_stale_submitted_tickets(world, make_ticket):
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    broker.delete("celery")
    stale, fresh = make_ticket(), make_ticket()
    make_ticket(Status.ASSIGNED)
    Ticket.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    assert requeue_stale_submitted() == 1
    assert broker.llen("celery") == 1
    assert fresh.pk != stale.pk
