"""Reads that tolerate lag go to a real streaming replica; a read after a write stays on the primary (issue 19).

The replica's replay is paused while a ticket is committed on the primary: a read the replica serves does not
see it yet, a read the primary serves does. That is how each test tells which server answered.
"""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

import common.replica
from common.replica import REPLICA, lag_tolerant, unit_of_work_started
from tickets.models import Ticket
from topology.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture
def replay_paused(pg_replica):
    """The replica caught up with everything committed so far, then frozen there."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (target,) = cursor.fetchone()
    wait_until(
        lambda: pg_replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t",
        timeout=30, what="the replica to catch up",
    )  # fmt: skip
    pg_replica.sql("SELECT pg_wal_replay_pause()")
    yield pg_replica
    pg_replica.sql("SELECT pg_wal_replay_resume()")


def count_tickets() -> int:
    return Ticket.objects.count()


def test_a_figure_read_goes_to_the_replica(world, make_ticket, replay_paused, client):
    make_ticket()  # committed on the primary, not yet replayed on the replica
    unit_of_work_started()  # the next request: it has written nothing
    with lag_tolerant():
        assert count_tickets() == 0  # the replica's view
    assert count_tickets() == 1  # anything not marked lag-tolerant reads the primary

    client.force_login(world.supervisor)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get("/dashboard/")
    assert response.status_code == 200
    assert any('"tickets_' in query["sql"] for query in on_replica.captured_queries)  # the figures were read there
    assert replay_paused.in_recovery()  # and `replica` is a standby indeed


def test_a_read_after_a_write_in_the_same_request_stays_on_the_primary(world, make_ticket, replay_paused):
    unit_of_work_started()
    make_ticket()  # this request writes ...
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, lag_tolerant():
        assert count_tickets() == 1  # ... and then reads its own write, lag-tolerant or not
    assert on_replica.captured_queries == []

    unit_of_work_started()  # the next request has written nothing: the replica may serve it again
    with lag_tolerant():
        assert count_tickets() == 0


def test_a_read_inside_a_transaction_stays_on_the_primary(world, make_ticket, replay_paused):
    from django.db import transaction

    make_ticket()
    unit_of_work_started()
    with transaction.atomic(), lag_tolerant():
        assert count_tickets() == 1


def test_synchronous_replication_is_a_setting_of_the_primary(pg_replica):
    """synchronous_standby_names names the replica: a commit then waits for it (docs/operations.md)."""
    primary = connections["default"]
    with primary.cursor() as cursor:
        cursor.execute("ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (replica)'")
        cursor.execute("SELECT pg_reload_conf()")
    try:
        states = wait_until(
            lambda: [s for s in replication_state_of(primary) if s[2] == "quorum"], timeout=30, what="quorum standby"
        )
        assert states == [("replica", "streaming", "quorum")]
    finally:
        with primary.cursor() as cursor:
            cursor.execute("ALTER SYSTEM RESET synchronous_standby_names")
            cursor.execute("SELECT pg_reload_conf()")
    wait_until(lambda: replication_state_of(primary) == [("replica", "streaming", "async")], timeout=30)


def replication_state_of(connection) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT application_name, state, sync_state FROM pg_stat_replication")
        return [tuple(row) for row in cursor.fetchall()]


def test_a_replica_that_does_not_answer_is_skipped_and_the_primary_serves(world, make_ticket, pg_replica, client):
    make_ticket()
    pg_replica.stop()
    try:
        unit_of_work_started()
        with lag_tolerant():
            assert count_tickets() == 1  # served by the primary, no error
        client.force_login(world.supervisor)
        assert client.get("/dashboard/").status_code == 200
    finally:
        common.replica._replica_down_until = 0.0
        connections[REPLICA].close()
        pg_replica.start()
