"""The one delivery machine behind every outbound channel (e-mail, SMS, work notices, webhooks).

A channel is a table of outbox rows, an adapter that sends one row, and a back-off schedule. For one row:
1. claim it (queued or due for a retry → sending) under a row lock that skips rows another worker holds: of
   two workers given the same id, one wins and the other does nothing, so a redelivered task never sends twice;
2. send outside any transaction or lock (network I/O must not hold a row or a connection's transaction);
3. record the outcome: sent; or due again after the next step of the back-off; or failed for good when the
   adapter says so (a 410, a number the provider refuses) or the schedule is spent.
A worker that dies between 1 and 3 leaves the row `sending`; the sweeper (`due`) retries it after STUCK_AFTER.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from common.dispatch import enqueue

from .models import OutboxItem

logger = logging.getLogger(__name__)
Status = OutboxItem.Status
STUCK_AFTER = timedelta(minutes=10)  # a send that never finished (its worker died)
DELIVER_TASK = "notifications.deliver"
# Rows per delivery task: fewer broker messages and one claim for all of them; small enough that a batch to
# a receiver that times out (WEBHOOK_TIMEOUT each) stays within the task's time limit.
BATCH = 20


@dataclass(frozen=True)
class Result:
    """What an adapter reports for one try."""

    ok: bool
    error: str = ""
    permanent: bool = False  # retrying cannot help
    status_code: int | None = None
    reference: str = ""  # the provider's id for what it accepted


@dataclass(frozen=True)
class Channel:
    name: str
    rows: Callable[[], QuerySet]  # the channel's outbox rows
    send: Callable[[OutboxItem], Result]  # the adapter: network I/O, no database writes
    backoff: tuple[timedelta, ...]  # the wait after the 1st, 2nd, … failure; then it has failed for good
    logged: Callable[[OutboxItem, Result, int], None] | None = None  # keeps each attempt (webhooks)


def schedule(channel: Channel, item_ids: list[int]) -> None:
    """Deliver these new rows once the transaction that wrote them commits, a task per BATCH of the rows the
    whole transaction wrote (one SMS per event and person, many people in one transaction: batched still).

    The rows wait on the connection; each call asks for a flush on commit, and the first flush sends them all
    (the others find nothing). A flush dropped with a rolled-back savepoint is covered by a later one; ids of
    rolled-back rows are harmless (a task finds no such row)."""
    pending = transaction.get_connection().__dict__.setdefault("outbox_pending", {})
    pending.setdefault(channel.name, []).extend(item_ids)
    transaction.on_commit(_flush, robust=True)


def _flush() -> None:
    pending = transaction.get_connection().__dict__.pop("outbox_pending", {})
    for channel, ids in pending.items():
        for start in range(0, len(ids), BATCH):
            enqueue(DELIVER_TASK, channel, ids[start : start + BATCH])


def deliver(channel: Channel, item_ids: list[int]) -> dict[int, str]:
    """Try each of these rows once, if it is due; returns the new status of those tried."""
    now = timezone.now()
    due_rows = channel.rows().filter(
        pk__in=item_ids, status__in=[Status.QUEUED, Status.RETRY], next_attempt_at__lte=now
    )
    with transaction.atomic():  # rows another worker holds right now are skipped, not waited for
        items = list(due_rows.select_for_update(skip_locked=True, of=("self",)).order_by("pk"))
        channel.rows().filter(pk__in=[item.pk for item in items]).update(
            status=Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now
        )
    outcome = {}
    for item in items:
        item.attempts += 1
        started = time.monotonic()
        result = channel.send(item)
        duration_ms = round((time.monotonic() - started) * 1000)
        if channel.logged:
            channel.logged(item, result, duration_ms)
        outcome[item.pk] = _record(channel, item, result)  # one by one: a crash later sends none of these again
    return outcome


def _record(channel: Channel, item: OutboxItem, result: Result) -> str:
    rows = channel.rows().filter(pk=item.pk)
    if result.ok:
        extra = {"provider_ref": result.reference[:100]} if hasattr(item, "provider_ref") else {}
        rows.update(status=Status.SENT, sent_at=timezone.now(), last_error="", **extra)
        return Status.SENT
    final = result.permanent or item.attempts > len(channel.backoff)
    status = Status.FAILED if final else Status.RETRY
    wait = timedelta(0) if final else channel.backoff[item.attempts - 1]
    rows.update(status=status, last_error=result.error[:2000], next_attempt_at=timezone.now() + wait)
    logger.warning("%s %s attempt %s failed (%s): %s", channel.name, item.pk, item.attempts, status, result.error)
    return status


def due(channel: Channel, *, limit: int = 500) -> int:
    """Enqueue what is due: new rows whose task was lost, retries whose time came, sends stuck since their
    worker died."""
    now = timezone.now()
    channel.rows().filter(status=Status.SENDING, next_attempt_at__lt=now - STUCK_AFTER).update(status=Status.RETRY)
    rows = channel.rows().filter(status__in=[Status.QUEUED, Status.RETRY], next_attempt_at__lte=now)
    ids = list(rows.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for start in range(0, len(ids), BATCH):
        enqueue(DELIVER_TASK, channel.name, ids[start : start + BATCH])
    return len(ids)


def replay(channel: Channel, item_ids: list[int]) -> int:
    """Send these rows again, whatever became of them, with the same content (and webhook id) and the
    whole back-off schedule ahead of them."""
    count = (
        channel.rows()
        .filter(pk__in=item_ids)
        .exclude(status=Status.SENDING)
        .update(status=Status.QUEUED, attempts=0, next_attempt_at=timezone.now())
    )
    schedule(channel, item_ids)
    return count
