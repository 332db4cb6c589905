"""The outbox: every outbound message is a row first, written in the transaction that decided to send it.

One delivery machine (notifications/outbox.py) sends every kind of row after the commit, outside any lock,
through the channel's adapter, and retries failures with the channel's back-off; what happened stays visible
here. Each kind has its own table because each says different things: an e-mail (subject, body, images),
an SMS or a work notice to one person (`OutgoingMessage`), a signed webhook call to one endpoint
(`WebhookDelivery`, with a log of every attempt).
"""

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DUE = Q(status__in=["queued", "retry", "sending"])


class OutboxItem(models.Model):
    """What every outbox row has: where it stands, how often it was tried, when it is next due."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENDING = "sending", _("发送中")
        RETRY = "retry", _("待重试")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class OutgoingEmail(OutboxItem):
    """An e-mail. `key` makes a message unique, so deciding twice never sends twice."""

    key = models.CharField(max_length=200, unique=True)
    to = models.JSONField(_("收件人"), default=list)
    subject = models.CharField(_("主题"), max_length=200)
    body_text = models.TextField(_("正文"))
    body_html = models.TextField(blank=True)
    # Images the HTML shows by `cid:` reference (digest charts): [[content id, base64 PNG], …].
    inline_images = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("外发邮件")
        verbose_name_plural = _("外发邮件")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["next_attempt_at"], name="email_due_idx", condition=DUE)]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class OutgoingMessage(OutboxItem):
    """A short message to one person: an SMS to a company's phone, a work notice to an official's account.

    One event tells one person once per channel (the unique constraint): a rule that decides twice, a task
    delivered twice, a sweeper that runs again all end in the same row.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        WORK_NOTICE = "work_notice", _("工作通知")

    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    key = models.CharField(_("事件"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(_("号码或账号"), max_length=64)
    template = models.CharField(_("模板"), max_length=40)
    params = models.JSONField(_("模板参数"), default=dict)
    text = models.TextField(_("内容"))
    provider_ref = models.CharField(_("服务商回执"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("外发短信与工作通知")
        verbose_name_plural = _("外发短信与工作通知")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "key", "user"], name="message_once_per_event_and_person")
        ]
        indexes = [models.Index(fields=["next_attempt_at"], name="message_due_idx", condition=DUE)]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.template} → {self.address}"


class ContactPreference(models.Model):
    """How a person wants to be reached beyond e-mail: SMS (a company user may say no), and the account of
    an official on the government's DingTalk (浙政钉) that work notices go to."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact")
    sms = models.BooleanField(_("接收短信"), default=True)
    work_account = models.CharField(_("工作通知账号（浙政钉 userid）"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return str(self.user)


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    """A receiver of ticket events (a partner system): its address, its secret, what it subscribes to."""

    name = models.CharField(_("名称"), max_length=100)
    owner = models.CharField(_("所属单位或系统"), max_length=100, blank=True)
    # A partner system's endpoint hears only of the work orders that partner filed; one without a partner (the
    # city's own systems) hears of every ticket.
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("合作系统"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="webhook_endpoints",
    )  # fmt: skip
    url = models.URLField(_("接收地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=100, default=new_webhook_secret)
    event_types = models.JSONField(_("订阅事件"), default=list, help_text=_("事件类型列表；留空为全部事件。"))
    enabled = models.BooleanField(_("启用"), default=True)
    disabled_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Webhook 接收端")
        verbose_name_plural = _("Webhook 接收端")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str, filed_by_id: int | None = None) -> bool:
        """Whether this endpoint takes an event of this type about a ticket whose submitter is `filed_by_id`."""
        if self.partner_id is not None and filed_by_id != self.partner.user_id:
            return False
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(OutboxItem):
    """One event for one endpoint. Its `message_id` is the `webhook-id` of every attempt (and of a replay),
    so that a receiver can drop what it already has: delivery is at least once."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(_("事件"), max_length=200)
    event_type = models.CharField(_("事件类型"), max_length=50)
    message_id = models.CharField(_("消息 ID"), max_length=40, unique=True, default=new_message_id)
    payload = models.TextField(_("内容"))  # the body exactly as signed and sent, every time

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "key"], name="webhook_once_per_event")]
        indexes = [models.Index(fields=["next_attempt_at"], name="webhook_due_idx", condition=DUE)]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One try of a delivery: what the receiver answered (or what went wrong) and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error[:40]}"
