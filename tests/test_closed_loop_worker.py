"""The closed loop end to end with a real Celery worker process on PostgreSQL and Redis."""

import os
import re

import pytest
import redis
from django.utils import timezone

from tickets.models import Status, Ticket
from tickets.services import ticket_create
from triage.services import requeue_stale_submitted

from .conftest import DESCRIPTION, TITLE, api, start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def status_of(ticket_id: int) -> str:
    return Ticket.objects.values_list("status", flat=True).get(pk=ticket_id)


def test_closed_loop_with_a_real_worker(world, celery_worker_process):
    company = api(world.company_user)
    created = company.post("/api/v1/tickets/", {"title": TITLE, "description": DESCRIPTION}, format="json")
    assert created.status_code == 201
    ticket_id = created.data["id"]

    wait_for(lambda: status_of(ticket_id) == Status.ASSIGNED)  # routed by the worker
    detail = company.get(f"/api/v1/tickets/{ticket_id}/").data
    assert detail["lead_department"]["code"] == "gongdian"
    assert detail["category"]["code"] == "energy"

    handler = api(world.handler)
    assert handler.post(f"/api/v1/tickets/{ticket_id}/accept/", {}).data["status"] == "accepted"
    replied = handler.post(f"/api/v1/tickets/{ticket_id}/reply/", {"body": "已安排客户经理上门勘察。"})
    assert replied.data["status"] == "replied"
    assert api(world.other_company_user).get(f"/api/v1/tickets/{ticket_id}/").status_code == 404
    confirmed = company.post(
        f"/api/v1/tickets/{ticket_id}/confirm/",
        {"contacted": True, "resolved": "resolved", "satisfaction": "satisfied", "comment": "响应很快"},
        format="json",
    )
    assert confirmed.data["status"] == "closed"
    events = [e["action"] for e in confirmed.data["events"]]
    assert events == ["submit", "triage", "accept", "reply", "confirm"]


def test_a_ticket_whose_enqueue_was_lost_is_routed_by_the_sweeper(world, celery_worker_process):
    ticket, _created = ticket_create(
        submitter=world.company_user, title=TITLE, description=DESCRIPTION, triage_later=False
    )  # as if the broker had been down when it was filed
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=2))
    assert requeue_stale_submitted() == 1
    wait_for(lambda: status_of(ticket.pk) == Status.ASSIGNED)


def test_a_triage_worker_routes_while_the_long_runs_wait_for_their_own(world, transactional_db, tmp_path):
    """docker-compose.yml runs one worker per queue: `-Q celery` routes tickets, the common-problem step goes to
    `background`; a worker started without -Q (the embedded default) consumes both."""
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    broker.flushdb()
    triage_worker = start_worker(tmp_path / "triage.log", queues="celery")
    try:
        ticket_id = api(world.company_user).post("/api/v1/tickets/", {"title": TITLE, "description": DESCRIPTION})
        ticket_id = ticket_id.data["id"]
        wait_for(lambda: status_of(ticket_id) == Status.ASSIGNED)
        wait_for(lambda: broker.llen("background") == 1)  # the common-problem step, left for its own worker
    finally:
        stop_worker(triage_worker)
    every_queue = start_worker(tmp_path / "all.log")
    try:
        wait_for(lambda: broker.llen("background") == 0)
        attached = re.compile(r"Task problems\.attach_tickets\[[^\]]+\] succeeded")
        wait_for(lambda: attached.search((tmp_path / "all.log").read_text()))
    finally:
        stop_worker(every_queue)
