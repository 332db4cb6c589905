"""The database settings do what qihu/settings.py says of them (PostgreSQL, as deployed)."""

import pytest
from django.db import connection

from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_statement_run_again_on_a_connection_is_prepared_once():
    """Django turns psycopg's prepared statements off unless told (prepare_threshold): the queue page and the
    token lookup would then be parsed and planned on every request."""
    for _ in range(6):
        list(Ticket.objects.filter(pk=0).values_list("id"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "tickets_ticket" WHERE "tickets_ticket"."id" = $1' in statement for statement in prepared), (
        prepared
    )
