"""E-mail through Django's mail backend (EMAIL_URL: SMTP, or files under var/mail for `make run`)."""

from __future__ import annotations

import base64
import smtplib
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart

from ..models import OutgoingEmail
from ..outbox import Result

TRANSIENT = (smtplib.SMTPException, OSError)


def send(email: OutgoingEmail) -> Result:
    message = RelatedEmail(
        email.subject, email.body_text, settings.DEFAULT_FROM_EMAIL, email.to, headers={"X-Qihu-Outbox": str(email.pk)}
    )
    message.images = [(cid, base64.b64decode(data)) for cid, data in email.inline_images]
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except TRANSIENT as exc:
        return Result(ok=False, error=f"{type(exc).__name__}: {exc}")
    return Result(ok=True)


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
