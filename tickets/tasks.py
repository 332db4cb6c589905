from celery import shared_task

from . import notify, services


@shared_task(name="tickets.close_unevaluated", acks_late=True)
def close_unevaluated_task() -> int:
    return services.close_unevaluated_tickets()


@shared_task(name="tickets.sla_sweep", acks_late=True)
def sla_sweep_task() -> int:
    return services.sla_sweep()


@shared_task(name="tickets.tell_pending", acks_late=True)
def tell_pending_task() -> int:
    return notify.tell_pending()
