from celery import shared_task

from . import services


@shared_task(name="audit.purge")
def purge() -> int:
    """Records older than QIHU_AUDIT_RETENTION_DAYS (at least 180) go; the chain is anchored at the first kept."""
    return services.purge()
