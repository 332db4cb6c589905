"""Enqueue a Celery task by its name, after the surrounding transaction commits.

Services decide that work follows; the tasks modules import the services to do it. Naming the task (a wire
protocol, kept stable) instead of importing it keeps every dependency pointing one way: tasks → services,
never back, so no service needs an import inside a function to dodge a cycle.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)
WAITING_MARK_EXPIRES = 10  # seconds: a mark whose task was lost stops holding others back after this


def enqueue(task: str, *args) -> None:
    """Send now. The task's queue comes from CELERY_TASK_ROUTES, as for `.delay()`."""
    current_app.send_task(task, args=args)


def enqueue_on_commit(task: str, *args) -> None:
    """Send once the transaction commits (nothing if it rolls back). A broker that is down loses the message,
    not the commit: each task's sweeper finds the work again (robust=True logs the failure)."""
    transaction.on_commit(lambda: enqueue(task, *args), robust=True)  # (a partial has no name for its log)


def wake_on_commit(task: str) -> None:
    """Once the transaction commits, a task that takes whatever work waits (its own query finds it: the notices to
    tell, the tickets to triage), unless one already waits in the queue: that one takes this work too, for it
    clears its mark (`woken`) before it reads. Busy requests then share tasks: a mark is one Redis call (0.10 ms of
    CPU) where a publish is 0.31 ms. A transaction that asks several times publishes once (the first call's mark
    holds the others back); a mark whose task was lost (a Redis failover) expires within seconds, and the
    task's beat sweep runs meanwhile. Web and worker nodes must share the cache, as they share the broker."""
    transaction.on_commit(lambda: _wake(task), robust=True)


def _wake(task: str) -> None:
    try:
        first = cache.add(_waiting_mark(task), True, timeout=WAITING_MARK_EXPIRES)
    except Exception:  # the cache unreachable (a connection Redis closed on a restart): an extra task, not none
        logger.warning("wake mark unavailable: %s published without it", task, exc_info=True)
        first = True
    if first:
        enqueue(task)


def woken(task: str) -> None:
    """Said by a woken task before it reads its work: what commits after this wakes a task of its own."""
    cache.delete(_waiting_mark(task))


def _waiting_mark(task: str) -> str:
    return f"dispatch:waiting:{task}"
