from celery import shared_task

from . import services


@shared_task(name="privacy.anonymise_expired")
def anonymise_expired() -> int:
    """Closed tickets' contacts past QIHU_PII_RETENTION_DAYS are anonymised (nightly, beat)."""
    return services.contacts_anonymise_expired()
