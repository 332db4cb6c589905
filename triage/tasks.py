"""Thin Celery tasks: ids in, a service call, nothing else. Task names are a wire protocol: keep them."""

from celery import shared_task

from . import services
from .engine import train_model


@shared_task(name="triage.triage_waiting", acks_late=True)
def triage_all_waiting_task() -> int:
    return services.triage_all_waiting()


@shared_task(name="triage.triage_ticket", acks_late=True)
def triage_ticket_task(ticket_id: int) -> None:
    """The task of releases before 2026-12 (one per ticket): messages still queued at an upgrade are honoured."""
    services.triage_waiting(first_id=ticket_id)  # and the others waiting, when tickets queue up


@shared_task(name="triage.requeue_stale_submitted", acks_late=True)
def requeue_stale_submitted_task() -> int:
    return services.requeue_stale_submitted()


@shared_task(name="triage.train_model", acks_late=True, time_limit=1800, soft_time_limit=1700)
def train_model_task() -> int | None:
    version = train_model()
    services.refresh_pending_suggestions()
    return version.pk if version else None
