"""The audit trail is append-only in PostgreSQL itself (tickets/migrations/0005_ticketevent_append_only.py)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tickets.models import Status, Ticket, TicketEvent


def refused(operation) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        operation()
    return str(caught.value)


def test_updates_and_deletes_of_events_are_refused_by_the_database(make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    events = TicketEvent.objects.filter(ticket=ticket)
    before = list(events.values_list("id", "action", "note"))
    assert len(before) >= 3
    first = events.first()

    assert "append-only" in refused(lambda: events.update(note="改写"))
    assert "append-only" in refused(lambda: events.filter(pk=first.pk).delete())
    assert "append-only" in refused(lambda: Ticket.objects.filter(pk=ticket.pk).delete())  # the cascade too

    def raw_update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE tickets_ticketevent SET note = %s WHERE id = %s", ["改写", first.pk])

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tickets_ticketevent WHERE ticket_id = %s", [ticket.pk])

    assert "append-only" in refused(raw_update)
    assert "append-only" in refused(raw_delete)
    assert list(events.values_list("id", "action", "note")) == before


def test_inserting_events_goes_on(world, make_ticket):
    ticket = make_ticket(Status.CLOSED)  # every step of the loop appended its event
    assert list(ticket.events.values_list("to_status", flat=True))[-1] == Status.CLOSED


@pytest.mark.django_db(transaction=True)
def test_the_migration_is_reversible():
    executor = MigrationExecutor(connection)
    executor.migrate([("tickets", "0004_assignment_open_assist_idx")])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'tickets_ticketevent_append_only'")
            assert cursor.fetchone()[0] == 0
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'tickets_ticketevent_append_only'")
        assert cursor.fetchone()[0] == 1
