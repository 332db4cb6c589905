"""The outbound channels: each one's outbox rows, adapter (chosen by the settings, OUTBOUND) and back-off."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .adapters import email, webhook
from .adapters.aliyun_sms import AliyunSms
from .adapters.dingtalk import DingTalkWorkNotice
from .adapters.files import ConsoleSender, FileSender
from .models import OutgoingEmail, OutgoingMessage, WebhookAttempt, WebhookDelivery
from .outbox import Channel, Result

MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
# A notice about today's step is worth little tomorrow: about 16 hours of tries (nine in all), then failed.
SHORT_MESSAGE_BACKOFF = (MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR)


def sms_sender():
    config = settings.OUTBOUND
    match config["SMS_BACKEND"]:
        case "aliyun":
            return AliyunSms(
                endpoint=config["SMS_ENDPOINT"], access_key_id=config["SMS_ACCESS_KEY_ID"],
                access_key_secret=config["SMS_ACCESS_KEY_SECRET"], sign_name=config["SMS_SIGN_NAME"],
                region=config["SMS_REGION"], templates=config["SMS_TEMPLATES"],
            )  # fmt: skip
        case "console":
            return ConsoleSender()
        case _:
            return FileSender(config["SMS_DIR"])


def work_notice_sender():
    config = settings.OUTBOUND
    match config["WORK_NOTICE_BACKEND"]:
        case "dingtalk":
            return DingTalkWorkNotice(
                base_url=config["DINGTALK_URL"], app_key=config["DINGTALK_APP_KEY"],
                app_secret=config["DINGTALK_APP_SECRET"], agent_id=config["DINGTALK_AGENT_ID"],
            )  # fmt: skip
        case "console":
            return ConsoleSender()
        case _:
            return FileSender(config["WORK_NOTICE_DIR"])


def _webhook_attempt(delivery: WebhookDelivery, result: Result, duration_ms: int) -> None:
    """Keep the attempt for the admin's delivery log; a 410 disables the endpoint for every later event."""
    WebhookAttempt.objects.create(
        delivery=delivery, status_code=result.status_code, duration_ms=duration_ms, error=result.error[:2000]
    )
    if result.status_code == webhook.GONE:
        endpoint = delivery.endpoint
        endpoint.enabled, endpoint.disabled_reason = False, f"HTTP 410 Gone, {timezone.now():%Y-%m-%d %H:%M}"
        endpoint.save(update_fields=["enabled", "disabled_reason"])  # its signal: this process publishes no more


EMAIL = Channel(
    name="email",
    rows=lambda: OutgoingEmail.objects.all(),
    send=email.send,
    backoff=(MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 16 * MINUTE),
)
SMS = Channel(
    name=OutgoingMessage.Channel.SMS,
    rows=lambda: OutgoingMessage.objects.filter(channel=OutgoingMessage.Channel.SMS),
    send=lambda message: sms_sender().send(message),
    backoff=SHORT_MESSAGE_BACKOFF,
)
WORK_NOTICE = Channel(
    name=OutgoingMessage.Channel.WORK_NOTICE,
    rows=lambda: OutgoingMessage.objects.filter(channel=OutgoingMessage.Channel.WORK_NOTICE),
    send=lambda message: work_notice_sender().send(message),
    backoff=SHORT_MESSAGE_BACKOFF,
)
# Standard Webhooks' suggested schedule, stretched to about three days (75.6 h) for receivers that are down
# over a weekend; the sweeper runs every minute, so the first retries come within a minute.
WEBHOOK = Channel(
    name="webhook",
    rows=lambda: WebhookDelivery.objects.select_related("endpoint"),
    send=webhook.send,
    backoff=(
        5 * timedelta(seconds=1),
        5 * MINUTE,
        30 * MINUTE,
        2 * HOUR,
        5 * HOUR,
        10 * HOUR,
        14 * HOUR,
        20 * HOUR,
        24 * HOUR,
    ),
    logged=_webhook_attempt,
)
CHANNELS = {channel.name: channel for channel in (EMAIL, SMS, WORK_NOTICE, WEBHOOK)}
