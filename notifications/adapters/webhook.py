"""Webhook calls signed per the Standard Webhooks specification.

Headers: `webhook-id` (the delivery's message id, the same on every retry and replay), `webhook-timestamp`
(seconds, this attempt's), `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under
the endpoint's `whsec_` secret; computed by the `standardwebhooks` package, which receivers can verify with).
A 2xx is delivered; 410 Gone says the receiver wants no more (the endpoint is disabled); anything else,
a time-out or a refused connection is retried. Redirects are not followed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from standardwebhooks.webhooks import Webhook

from ..models import WebhookDelivery
from ..outbox import Result
from .http import Refused, request

GONE = 410


def headers(delivery: WebhookDelivery, *, now: datetime) -> dict[str, str]:
    body = delivery.payload.encode()
    return {
        "Content-Type": "application/json",
        "User-Agent": "qihu-webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(delivery.endpoint.secret).sign(delivery.message_id, now, body),
    }


def send(delivery: WebhookDelivery) -> Result:
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        return Result(ok=False, permanent=True, error=f"endpoint disabled: {endpoint.disabled_reason}")
    config = settings.OUTBOUND
    try:
        response = request(
            "POST", endpoint.url, body=delivery.payload.encode(), headers=headers(delivery, now=datetime.now(UTC)),
            timeout=config["WEBHOOK_TIMEOUT"], allow_internal=config["WEBHOOK_ALLOW_INTERNAL"],
        )  # fmt: skip
    except Refused as exc:
        return Result(ok=False, permanent=True, error=f"refused: {exc}")
    except OSError as exc:
        return Result(ok=False, error=f"{type(exc).__name__}: {exc}")
    if 200 <= response.status < 300:
        return Result(ok=True, status_code=response.status)
    error = f"HTTP {response.status}: {response.body[:200].decode('utf-8', 'replace')}"
    return Result(ok=False, permanent=response.status == GONE, status_code=response.status, error=error)
