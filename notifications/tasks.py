from celery import shared_task

from . import services


@shared_task(name="notifications.send_email", acks_late=True, time_limit=60)
def send_email_task(email_id: int) -> str | None:
    return services.email_send(email_id=email_id)


@shared_task(name="notifications.send_due", acks_late=True)
def send_due_task() -> int:
    return services.send_due()
