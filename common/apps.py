from datetime import UTC

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CommonConfig(AppConfig):
    name = "common"

    def ready(self):
        from django.core.signals import request_started

        from .replica import unit_of_work_started

        connection_created.connect(use_compiled_timestamp_loader)
        request_started.connect(unit_of_work_started)  # reads after a write stay on the primary (common/replica.py)


def use_compiled_timestamp_loader(sender, connection, **kwargs) -> None:
    """Read timestamptz columns with psycopg's compiled loader instead of Django's pure-Python one.

    Django wraps psycopg's Python loader to attach the connection's time zone; on a UTC session (USE_TZ, the
    database's TIME_ZONE unset) the compiled loader returns the same aware datetimes (tzinfo `timezone.utc`)
    several times faster, and a queue page reads some 150 of them (DESIGN.md §11). Other set-ups keep Django's.
    """
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    import psycopg
    from psycopg.pq import Format

    adapters = connection.connection.adapters
    compiled = psycopg.adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
    if compiled is None or not compiled.__module__.startswith("psycopg_binary"):
        return  # the pure-Python implementation: nothing to gain

    class UtcTimestamptzLoader(psycopg.adapt.Loader):
        timezone = UTC  # what Django's cursors check before registering their own

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self.load = compiled(oid, context).load  # psycopg calls the compiled loader's method directly

        def load(self, data):  # replaced per instance above; defined for the abstract base
            raise NotImplementedError

    adapters.register_loader("timestamptz", UtcTimestamptzLoader)
