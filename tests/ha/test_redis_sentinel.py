"""Redis behind Sentinel (issue 19): a real master, replica and sentinel; the master is killed, the replica
promoted, and tasks keep flowing to a real worker, each ticket triaged once; the cache follows too."""

import os
import shutil
import subprocess
import sys

import pytest
from django.db.models import Count

from tickets.models import Status, Ticket, TicketEvent
from tickets.services import ticket_create
from topology.redis import temporary

from ..conftest import ROOT, start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_sentinel():
    group = temporary().start()
    yield group
    group.stop()
    shutil.rmtree(group.directory, ignore_errors=True)


def sentinel_environment(group) -> dict[str, str]:
    """The environment of a node that reaches Redis only through the sentinels (with-services' URLs unset)."""
    return {**group.environment(), "CELERY_BROKER_URL": "", "REDIS_URL": ""}


@pytest.fixture
def broker_via_sentinel(redis_sentinel, monkeypatch, settings):
    """This process publishes through the sentinels too, and keeps its cache there (the marks of the tasks that
    wait: common.dispatch.wake_on_commit), as a web node with that environment does."""
    from qihu.celery import app
    from qihu.settings import sentinel_addresses, sentinel_cache

    sentinels = sentinel_addresses(redis_sentinel.sentinel_addresses.split(","))
    settings.CACHES = {"default": sentinel_cache(sentinels, redis_sentinel.master_name)}

    # Celery reads CELERY_BROKER_URL from the environment before its settings.
    monkeypatch.setenv(
        "CELERY_BROKER_URL", ";".join(f"sentinel://{a}/0" for a in redis_sentinel.sentinel_addresses.split(","))
    )
    saved = app.conf.broker_transport_options
    app.conf.broker_transport_options = {**saved, "master_name": redis_sentinel.master_name}
    _forget_connections(app)
    yield redis_sentinel
    monkeypatch.undo()
    app.conf.broker_transport_options = saved
    _forget_connections(app)


def _forget_connections(app) -> None:
    """Publish on fresh connections. kombu keeps one pool per broker URL for the process: closing the app's pool
    alone left a closed pool behind for the next test on that URL ("Acquire on closed pool"); reset them all."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def file_tickets(world, count: int, start: int) -> list[int]:
    """Companies file; each ticket's triage task is published when its transaction commits."""
    return [
        ticket_create(
            submitter=world.company_user, title=f"新厂房急需电力增容（{n}）", description=f"变压器容量不足，第{n}件。"
        )[0].pk
        for n in range(start, start + count)
    ]


def routed(ids) -> bool:
    return not Ticket.objects.filter(pk__in=ids, status=Status.SUBMITTED).exists()


def test_tasks_keep_flowing_when_the_redis_master_dies(world, broker_via_sentinel, tmp_path):
    group = broker_via_sentinel
    worker = start_worker(tmp_path / "worker.log", **sentinel_environment(group))
    try:
        before = file_tickets(world, 10, 0)
        wait_for(lambda: routed(before), timeout=60)

        old = group.kill_master()
        new = group.wait_for_failover(old)
        assert new != old
        # Web and worker find the new master through the sentinels: no restart, no sweeper needed.
        after = file_tickets(world, 10, 10)
        wait_for(lambda: routed(after), timeout=90)
    finally:
        stop_worker(worker)
    twice = (
        TicketEvent.objects.filter(ticket_id__in=before + after, action="triage")
        .values("ticket")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not twice.exists()
    assert Ticket.objects.filter(pk__in=before + after).exclude(status=Status.SUBMITTED).count() == 20


CACHE_ROUND_TRIP = """
import django; django.setup()
import sys
from django.core.cache import cache
cache.set("ha-probe", sys.argv[1], 60)
print(cache.get("ha-probe"), cache.client.get_client().connection_pool.get_master_address()[1])
"""


def test_the_cache_follows_the_master_the_sentinels_name(redis_sentinel):
    """A node configured with QIHU_REDIS_SENTINELS (qihu/settings.py) writes its cache to whichever is master."""
    env = {**os.environ, **sentinel_environment(redis_sentinel), "DJANGO_SETTINGS_MODULE": "qihu.settings"}

    def round_trip(value: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", CACHE_ROUND_TRIP, value], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    first = redis_sentinel.master_port()
    assert round_trip("before") == ["before", str(first)]
    redis_sentinel.kill_master()
    second = redis_sentinel.wait_for_failover(first)
    assert round_trip("after") == ["after", str(second)]
