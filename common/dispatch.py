"""Enqueue a Celery task by its name, after the surrounding transaction commits.

Services decide that work follows; the tasks modules import the services to do it. Naming the task (a wire
protocol, kept stable) instead of importing it keeps every dependency pointing one way: tasks → services,
never back, so no service needs an import inside a function to dodge a cycle.
"""

from __future__ import annotations

from celery import current_app
from django.db import transaction


def enqueue(task: str, *args) -> None:
    """Send now. The task's queue comes from CELERY_TASK_ROUTES, as for `.delay()`."""
    current_app.send_task(task, args=args)


def enqueue_on_commit(task: str, *args) -> None:
    """Send once the transaction commits (nothing if it rolls back). A broker that is down loses the message,
    not the commit: each task's sweeper finds the work again (robust=True logs the failure)."""
    transaction.on_commit(lambda: enqueue(task, *args), robust=True)  # (a partial has no name for its log)
