"""The e-mail outbox: queue in the deciding transaction, send after commit, retry with backoff."""

from __future__ import annotations

import base64
import logging
import smtplib
from datetime import timedelta
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.db import transaction
from django.utils import timezone

from common.db import insert_new

from .models import OutgoingEmail

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
STUCK_AFTER = timedelta(minutes=10)  # a send that never finished (its worker died)
TRANSIENT = (smtplib.SMTPException, OSError)


def email_queue(
    *, key: str, to: list[str], subject: str, text: str, html: str = "", images: dict[str, bytes] | None = None
) -> OutgoingEmail | None:
    """Queue a message once per key; it is sent after the surrounding transaction commits.

    `images` maps content ids to PNG bytes that `html` shows as `<img src="cid:…">`.
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return None
    inline = [[cid, base64.b64encode(png).decode("ascii")] for cid, png in (images or {}).items()]
    email = OutgoingEmail(
        key=key[:200], to=recipients, subject=subject[:200], body_text=text, body_html=html, inline_images=inline
    )
    if not insert_new(email, unique="key"):  # queued before: the first message stands, sent once
        return OutgoingEmail.objects.get(key=email.key)
    transaction.on_commit(lambda: enqueue_send(email.pk), robust=True)
    return email


def enqueue_send(email_id: int) -> None:
    from .tasks import send_email_task

    send_email_task.delay(email_id)


def email_send(*, email_id: int) -> str | None:
    """Send one queued message. Claims it in a short transaction, sends outside it, records the outcome."""
    now = timezone.now()
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update(skip_locked=True).filter(pk=email_id).first()
        if email is None or email.status not in (OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.RETRY):
            return None  # gone, sent, failed for good, or another worker has it right now
        if email.next_attempt_at > now:
            return None
        email.status, email.attempts, email.next_attempt_at = OutgoingEmail.Status.SENDING, email.attempts + 1, now
        email.save(update_fields=["status", "attempts", "next_attempt_at"])
    message = RelatedEmail(
        email.subject, email.body_text, settings.DEFAULT_FROM_EMAIL, email.to, headers={"X-Qihu-Outbox": str(email.pk)}
    )
    message.images = [(cid, base64.b64decode(data)) for cid, data in email.inline_images]
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except TRANSIENT as exc:
        return _failed(email, exc)
    OutgoingEmail.objects.filter(pk=email.pk).update(status=OutgoingEmail.Status.SENT, sent_at=timezone.now())
    return OutgoingEmail.Status.SENT


class RelatedEmail(EmailMultiAlternatives):
    """With inline images, the HTML alternative becomes multipart/related: the HTML, then each image with its
    Content-ID, so mail clients show `cid:` images in place instead of as attachments."""

    images: list[tuple[str, bytes]] = []

    def _create_mime_attachment(self, content, mimetype):
        part = super()._create_mime_attachment(content, mimetype)
        if mimetype != "text/html" or not self.images:
            return part
        related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET)
        related.attach(part)
        for cid, png in self.images:
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=f"{cid.split('@')[0]}.png")
            related.attach(image)
        return related


def _failed(email: OutgoingEmail, exc: Exception) -> str:
    final = email.attempts >= MAX_ATTEMPTS
    status = OutgoingEmail.Status.FAILED if final else OutgoingEmail.Status.RETRY
    backoff = timedelta(minutes=2 ** (email.attempts - 1))  # 1, 2, 4, 8, 16 minutes
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=status, last_error=f"{type(exc).__name__}: {exc}"[:2000], next_attempt_at=timezone.now() + backoff
    )
    logger.warning("e-mail %s attempt %s failed (%s): %s", email.pk, email.attempts, status, exc)
    return status


def send_due(*, limit: int = 500) -> int:
    """Enqueue what is due (new, retries whose time came, sends stuck since a worker died)."""
    now = timezone.now()
    OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENDING, next_attempt_at__lt=now - STUCK_AFTER).update(
        status=OutgoingEmail.Status.RETRY
    )
    due = OutgoingEmail.objects.filter(
        status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.RETRY], next_attempt_at__lte=now
    )
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for email_id in ids:
        enqueue_send(email_id)
    return len(ids)
