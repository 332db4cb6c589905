"""Thin Celery tasks: ids in, a service call, nothing else. Task names are a wire protocol: keep them."""

from celery import shared_task

from . import services


@shared_task(name="problems.attach_tickets", acks_late=True)
def attach_tickets_task(ticket_ids: list[int]) -> int:
    return sum(services.problem_attach_ticket(ticket_id=ticket_id) is not None for ticket_id in ticket_ids)


@shared_task(name="problems.detect_all", acks_late=True, time_limit=1800, soft_time_limit=1700)
def detect_all_task() -> int:
    report = services.problems_detect(since=services.window_start(), index_terms=True)
    return report.groups
