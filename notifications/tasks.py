"""Thin Celery tasks: ids in, a service call, nothing else. Task names are a wire protocol: keep them."""

from celery import shared_task

from . import services


# A batch (outbox.BATCH rows) may meet a receiver that times out on each: the limits allow for it.
@shared_task(name="notifications.deliver", acks_late=True, soft_time_limit=280, time_limit=300)
def deliver_task(channel: str, item_ids: list[int]) -> dict[int, str]:
    return services.deliver(channel=channel, item_ids=item_ids)


@shared_task(name="notifications.send_email", acks_late=True, time_limit=60)
def send_email_task(email_id: int) -> str | None:
    """Kept for messages queued before `notifications.deliver` took over (a deploy with a full queue)."""
    return services.email_send(email_id=email_id)


@shared_task(name="notifications.send_due", acks_late=True)
def send_due_task() -> int:
    return services.send_due()
