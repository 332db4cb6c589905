"""Faults injected into real services (issue 7): Redis stopped, a worker killed mid-task, PostgreSQL restarted.

Each test prints its figures (submitted, accepted, routed, lost, processed twice); `pytest -s` shows them.
"""

import os
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import close_old_connections, connection, connections
from django.db.models import Count
from django.utils import timezone

from common.throttling import SubmitThrottle
from tickets.models import Status, Ticket, TicketEvent
from triage.services import requeue_stale_submitted

from ..conftest import api, start_redis, start_worker, stop_redis, stop_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def body(n: int) -> dict:
    return {"title": f"新厂房投产急需电力增容（{n}）", "description": f"现有变压器容量不足，需要增容报装，第{n}件。"}


def triaged_twice(ids) -> int:
    counts = TicketEvent.objects.filter(ticket_id__in=ids, action="triage").values("ticket").annotate(n=Count("id"))
    return sum(1 for c in counts if c["n"] > 1)


def report(name: str, **figures) -> None:
    print(f"\n{name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def test_requests_filed_while_redis_is_down_are_kept_and_each_routed_once_it_is_back(
    world, celery_worker_process, settings
):
    settings.QIHU = {**settings.QIHU, "STALE_SUBMITTED_AFTER": timedelta(0)}
    company = api(world.company_user)
    stop_redis()
    try:
        responses = [company.post("/api/v1/tickets/", body(n), format="json") for n in range(200)]
    finally:
        start_redis()
    accepted = [r.data["id"] for r in responses if r.status_code == 201]
    assert len(accepted) == 200  # every submission answered 201 although the broker was down
    assert Ticket.objects.filter(pk__in=accepted, status=Status.SUBMITTED).count() == 200  # committed, waiting

    requeue_stale_submitted()  # the sweeper's next run, once Redis is back
    wait_for(lambda: not Ticket.objects.filter(pk__in=accepted, status=Status.SUBMITTED).exists(), timeout=120)
    routed = Ticket.objects.filter(pk__in=accepted).exclude(status=Status.SUBMITTED).count()
    twice = triaged_twice(accepted)
    report("redis down", submitted=200, accepted=len(accepted), routed=routed, lost=200 - routed, twice=twice)
    assert routed == 200 and twice == 0


def test_a_worker_killed_in_the_middle_of_triage_leaves_the_task_to_be_redone_exactly_once(world, tmp_path):
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
    log = tmp_path / "worker.log"
    worker = start_worker(log, QIHU_BROKER_VISIBILITY_TIMEOUT="3")
    blocker = connections.create_connection("default")  # a second session that holds the worker up
    try:
        with blocker.cursor() as cursor:
            cursor.execute("BEGIN")
            # Triage reads the routing catalogue after locking its ticket: block it there, mid-task.
            cursor.execute("LOCK TABLE triage_routingrule IN ACCESS EXCLUSIVE MODE")
            ticket_id = api(world.company_user).post("/api/v1/tickets/", body(1), format="json").data["id"]
            wait_for(lambda: _waiting_on_lock(cursor), timeout=60)
            worker.kill()  # SIGKILL in the middle of triage: its transaction dies with its connection
            worker.wait()
            cursor.execute("COMMIT")
        assert Ticket.objects.get(pk=ticket_id).status == Status.SUBMITTED  # nothing half-written
        worker = start_worker(log, QIHU_BROKER_VISIBILITY_TIMEOUT="3")  # the unacknowledged task comes back
        wait_for(lambda: Ticket.objects.get(pk=ticket_id).status != Status.SUBMITTED, timeout=90)
        time.sleep(2)  # any second delivery would have run by now
        twice = triaged_twice([ticket_id])
        report("worker killed mid-triage", submitted=1, routed=1, lost=0, twice=twice)
        assert twice == 0 and TicketEvent.objects.filter(ticket_id=ticket_id, action="triage").count() == 1
    finally:
        blocker.close()
        stop_worker(worker)


def _waiting_on_lock(cursor) -> bool:
    cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'triage_routingrule'::regclass")
    return cursor.fetchone()[0] > 0


def pg_ctl(*args: str) -> None:
    command = [os.path.join(os.environ["QIHU_PG_BIN"], "pg_ctl"), "-D", os.environ["QIHU_PG_DATA"], "-w", *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", os.environ["QIHU_PG_OS_USER"], "--", *command]
    subprocess.run(command, capture_output=True, timeout=60)


def pg_accepts() -> bool:
    ready = [os.path.join(os.environ["QIHU_PG_BIN"], "pg_isready"), "-h", "127.0.0.1", "-p", os.environ["QIHU_PG_PORT"]]
    return subprocess.run(ready, capture_output=True, timeout=10).returncode == 0


def pg_start() -> None:
    """Start PostgreSQL again and wait until it accepts connections (the rest of the suite needs it)."""
    log = os.path.join(os.environ["QIHU_SERVICES_DIR"], "postgres.log")
    for _attempt in range(3):
        if pg_accepts():
            return
        pg_ctl("-l", log, "start")
        wait_for_quietly(pg_accepts, timeout=30)
    tail = Path(log).read_text(encoding="utf-8", errors="replace")[-3000:]
    raise AssertionError(f"PostgreSQL did not come back:\n{tail}")


def wait_for_quietly(predicate, *, timeout: float) -> bool:
    try:
        return bool(wait_for(predicate, timeout=timeout))
    except AssertionError:
        return False


def test_postgresql_restarted_under_load_answers_503_then_recovers_and_loses_nothing(
    world, celery_worker_process, monkeypatch
):
    monkeypatch.setattr(SubmitThrottle, "THROTTLE_RATES", {"submit": "100000/min"})  # load, not abuse
    company = api(world.company_user)
    statuses, accepted, messages, stop = [], [], set(), threading.Event()

    def submit():
        n = 0
        while not stop.is_set():
            n += 1
            # What Django does at the start of every request on a real server (the test client skips it): a
            # connection broken by the restart is dropped and the next query reconnects.
            close_old_connections()
            try:
                response = company.post("/api/v1/tickets/", body(1000 + n), format="json")
            except Exception as exc:  # recorded, not lost with the thread: the assertions below show it
                statuses.append(repr(exc))
                continue
            statuses.append(response.status_code)
            if response.status_code == 201:
                accepted.append(response.data["id"])
            elif response.status_code == 503:
                messages.add(response.data["detail"])
            time.sleep(0.02)
        connection.close()

    load = threading.Thread(target=submit)
    load.start()
    try:
        wait_for(lambda: len(accepted) >= 10, timeout=60)
        pg_ctl("-m", "fast", "stop")
        wait_for(lambda: statuses[-1:] == [503], timeout=30)
        time.sleep(2)
        pg_start()
        recovered_at = len(statuses)
        wait_for(lambda: statuses[recovered_at:].count(201) >= 10, timeout=60)
    finally:
        stop.set()
        load.join()
        pg_start()  # whatever happened, the rest of the suite gets its database back
        connections.close_all()  # and no connection the restart broke
    outage = statuses.count(503)
    assert set(statuses) <= {201, 503}, statuses  # never a 500
    assert outage > 0 and messages == {"服务暂时不可用，请稍后重试。"}
    stored = Ticket.objects.filter(pk__in=accepted).count()
    half_written = Ticket.objects.filter(events__isnull=True).count()  # a ticket without its submit event
    wait_for(lambda: not Ticket.objects.filter(pk__in=accepted, status=Status.SUBMITTED).exists(), timeout=120)
    routed = Ticket.objects.filter(pk__in=accepted).exclude(status=Status.SUBMITTED).count()
    report(
        "postgresql restarted", requests=len(statuses), accepted=len(accepted), answered_503=outage, stored=stored,
        half_written=half_written, routed_after=routed, lost=len(accepted) - stored,
    )  # fmt: skip
    assert stored == len(accepted) and half_written == 0 and routed == len(accepted)


class HeldInbox:
    """An SMTP server that holds the first message's DATA until released, then refuses it (421): the client
    died mid-send, nothing was delivered. Later messages are accepted."""

    def __init__(self):
        self.holding = threading.Event()
        self.release = threading.Event()
        self.delivered = []

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if not self.holding.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "421 closing: the client went away"
        self.delivered.append(envelope.content)
        return "250 OK"


def test_a_worker_killed_in_the_middle_of_an_email_send_sends_it_exactly_once_later(world, tmp_path):
    from aiosmtpd.controller import Controller

    from notifications.models import OutgoingEmail
    from notifications.services import email_queue, send_due

    from ..conftest import free_port

    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
    inbox = HeldInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    mail = {"EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}", "QIHU_BROKER_VISIBILITY_TIMEOUT": "3"}
    log = tmp_path / "worker.log"
    worker = start_worker(log, **mail)
    try:
        # Outside a transaction the outbox enqueues the send at once.
        email_id = email_queue(key="kill-test", to=["head@example.cn"], subject="督办提醒", text="请尽快办理。").pk
        wait_for(inbox.holding.is_set, timeout=60)  # the worker is inside the SMTP conversation
        worker.kill()
        worker.wait()
        inbox.release.set()
        assert OutgoingEmail.objects.get(pk=email_id).status == OutgoingEmail.Status.SENDING  # not lost, not sent
        worker = start_worker(log, **mail)  # the redelivered task finds it claimed and leaves it
        time.sleep(6)
        assert inbox.delivered == []
        OutgoingEmail.objects.filter(pk=email_id).update(next_attempt_at=timezone.now() - timedelta(minutes=11))
        assert send_due() == 1  # the outbox sweeper: a send stuck since its worker died is tried again
        wait_for(lambda: OutgoingEmail.objects.get(pk=email_id).status == OutgoingEmail.Status.SENT, timeout=60)
        time.sleep(2)
        report(
            "worker killed mid-send", queued=1, delivered=len(inbox.delivered), lost=0, twice=len(inbox.delivered) - 1
        )
        assert len(inbox.delivered) == 1
    finally:
        inbox.release.set()
        stop_worker(worker)
        smtp.stop()
