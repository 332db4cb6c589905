from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    """The outbox: every e-mail is a row first, written in the transaction that decided to send it.

    A worker sends it after the commit, outside any lock; failures are retried with backoff and stay
    visible here. `key` makes a message unique, so deciding twice never sends twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENDING = "sending", _("发送中")
        RETRY = "retry", _("待重试")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    key = models.CharField(max_length=200, unique=True)
    to = models.JSONField(_("收件人"), default=list)
    subject = models.CharField(_("主题"), max_length=200)
    body_text = models.TextField(_("正文"))
    body_html = models.TextField(blank=True)
    # Images the HTML shows by `cid:` reference (digest charts): [[content id, base64 PNG], …].
    inline_images = models.JSONField(default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("外发邮件")
        verbose_name_plural = _("外发邮件")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="email_due_idx",
                condition=Q(status__in=["queued", "retry", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
