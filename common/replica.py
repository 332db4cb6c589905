"""Lag-tolerant reads on a PostgreSQL streaming replica (issue 19).

A read goes to the replica (DATABASES["replica"], from DATABASE_REPLICA_URL) only when all of these hold:

1. the code said the read tolerates lag: it runs inside `lag_tolerant()` (the figures, the dashboard and its
   export, the weekly digests). Nothing else is ever sent to a replica: a ticket page, a queue, an action's
   checks read the primary;
2. the request or task has written nothing yet and has no transaction open: a read after a write sees the
   write, as it would have without a replica (the flag is set by the router's first write, cleared when
   the next request or task starts);
3. the replica answers: one that does not is left alone for `REPLICA_RETRY_AFTER` seconds and the primary
   serves, a little slower, instead of an error.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
REPLICA_RETRY_AFTER = 30.0  # seconds a replica that did not answer is skipped

logger = logging.getLogger(__name__)
_lag_tolerant: ContextVar[bool] = ContextVar("lag_tolerant", default=False)
_wrote: ContextVar[bool] = ContextVar("wrote", default=False)
_replica_down_until = 0.0


@contextmanager
def lag_tolerant():
    """Reads inside may be served by the replica, seconds behind the primary (also a decorator)."""
    token = _lag_tolerant.set(True)
    try:
        yield
    finally:
        _lag_tolerant.reset(token)


def unit_of_work_started(**_kwargs) -> None:
    """A new request or task: it has written nothing yet (receiver of request_started and task_prerun)."""
    _wrote.set(False)


def _replica_answers() -> bool:
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()  # died since its last use: reconnect or fail here
        connection.ensure_connection()
    except DatabaseError as exc:
        logger.warning("replica unavailable, reading the primary for %ss: %s", REPLICA_RETRY_AFTER, exc)
        _replica_down_until = time.monotonic() + REPLICA_RETRY_AFTER
        return False
    return True


class ReplicaRouter:
    """Writes, migrations and all reads not marked lag-tolerant go to the primary (`default`)."""

    def db_for_read(self, model, **hints):
        if (
            _lag_tolerant.get()
            and not _wrote.get()
            and REPLICA in connections.settings
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
            and _replica_answers()
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
