"""The outbox's writers: queue a message in the deciding transaction; it leaves after the commit through its
channel's adapter (notifications/channels.py), retried with back-off by the one machine in outbox.py."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from string import Template

from django.utils import timezone

from common.cache import process_cache
from common.db import insert_new
from common.validators import mobile_number

from . import outbox
from .channels import CHANNELS, EMAIL, SMS, WEBHOOK, WORK_NOTICE
from .models import ContactPreference, OutgoingEmail, OutgoingMessage, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)


# -- e-mail ------------------------------------------------------------------------------------------------
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
    outbox.schedule(EMAIL, [email.pk])
    return email


def email_send(*, email_id: int) -> str | None:
    return outbox.deliver(EMAIL, [email_id]).get(email_id)


# -- SMS and work notices --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Notice:
    """One event's short message: a template name, its parameters, and its text in `${name}` form."""

    key: str
    template: str
    params: dict[str, str]
    text: str

    def render(self) -> str:
        return Template(self.text).safe_substitute(self.params)


def sms_queue(*, notice: Notice, user) -> OutgoingMessage | None:
    """An SMS to a person's mobile, unless they said no to SMS or have no valid mobile number."""
    number = mobile_number(user.phone)
    if number is None:
        return None
    preference = ContactPreference.objects.filter(user=user).first()
    if preference is not None and not preference.sms:
        return None
    return _message_queue(SMS, notice=notice, user=user, address=number)


def work_notices_queue(*, notice: Notice, users) -> list[OutgoingMessage]:
    """A work notice to each of these officials that has a work account."""
    accounts = ContactPreference.objects.filter(user__in=users).exclude(work_account="")
    queued = [_message_queue(WORK_NOTICE, notice=notice, user=p.user, address=p.work_account) for p in accounts]
    return [message for message in queued if message is not None]


def _message_queue(channel, *, notice: Notice, user, address: str) -> OutgoingMessage | None:
    message, created = OutgoingMessage.objects.get_or_create(
        channel=channel.name, key=notice.key[:200], user=user,
        defaults={"address": address, "template": notice.template, "params": notice.params, "text": notice.render()},
    )  # fmt: skip
    if not created:
        return None  # this person was told about this event already
    outbox.schedule(channel, [message.pk])
    return message


def contact_preference_set(*, user, sms: bool | None = None, work_account: str | None = None) -> ContactPreference:
    preference, _created = ContactPreference.objects.get_or_create(user=user)
    if sms is not None:
        preference.sms = sms
    if work_account is not None:
        preference.work_account = work_account.strip()
    preference.save()
    return preference


# -- webhooks ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    """One event for the subscribers: a key unique to it (for at-most-one delivery per endpoint), its type,
    and its data."""

    key: str
    type: str
    data: dict
    filed_by_id: int | None = None  # the ticket's submitter: a partner's endpoint hears only of its own filings


@process_cache(seconds=60)
def enabled_endpoints() -> list[WebhookEndpoint]:
    """The subscribers, read once a minute per process rather than on every ticket step: a new or changed
    endpoint is seen at once by the process that saved it (signals, apps.py) and within a minute by the others;
    a delivery for an endpoint disabled meanwhile fails without a call."""
    return list(WebhookEndpoint.objects.filter(enabled=True).select_related("partner"))


def webhooks_publish(events: list[Event]) -> list[int]:
    """A delivery for each event and each enabled endpoint subscribed to its type; sent after the commit."""
    endpoints = enabled_endpoints()
    if not events or not endpoints:
        return []
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            endpoint=endpoint, key=event.key[:200], event_type=event.type, created_at=now, next_attempt_at=now,
            payload=json.dumps(
                {"type": event.type, "timestamp": now.isoformat(), "data": event.data},
                ensure_ascii=False, separators=(",", ":"), default=str,
            ),
        )
        for event in events
        for endpoint in endpoints
        if endpoint.wants(event.type, event.filed_by_id)
    ]  # fmt: skip
    if not deliveries:
        return []
    # An event published twice (a retried transaction) conflicts on (endpoint, key) and is left out; the
    # message ids, made here, find the rows that were new.
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    new = WebhookDelivery.objects.filter(message_id__in=[d.message_id for d in deliveries])
    ids = list(new.values_list("pk", flat=True))
    outbox.schedule(WEBHOOK, ids)
    return ids


def webhook_replay(*, delivery_ids: list[int]) -> int:
    """Send these deliveries again (the admin's "replay"): the same body and `webhook-id`."""
    return outbox.replay(WEBHOOK, delivery_ids)


# -- the delivery machine's entry points (tasks) ----------------------------------------------------------
def deliver(*, channel: str, item_ids: list[int]) -> dict[int, str]:
    """Try these rows of the channel once each, if due; their new statuses (those not tried are left out)."""
    return outbox.deliver(CHANNELS[channel], item_ids)


def send_due() -> int:
    """Enqueue, for every channel, what is due (new rows whose task was lost, retries, stuck sends)."""
    return sum(outbox.due(channel) for channel in CHANNELS.values())
