"""Webhooks (issue 17 item 4): ticket events, signed per Standard Webhooks, to a real local receiver that
verifies them with the `standardwebhooks` package; retries, 410, the delivery log, replay, SSRF."""

import ipaddress
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from notifications.adapters.http import internal
from notifications.channels import WEBHOOK
from notifications.models import WebhookDelivery, WebhookEndpoint
from notifications.services import Event, deliver, send_due, webhooks_publish
from tickets.models import Status

from .conftest import deliver_one


@pytest.fixture
def allow_loopback(settings):
    settings.OUTBOUND = {**settings.OUTBOUND, "WEBHOOK_ALLOW_INTERNAL": True}


@pytest.fixture
def receiver(local_server):
    """A receiver that verifies every call's signature and keeps what it accepted, by webhook-id."""
    local_server.verified = []

    def answer(request):
        try:
            payload = Webhook(local_server.secret).verify(request.body, request.headers)
        except WebhookVerificationError as exc:
            return 401, str(exc).encode()
        local_server.verified.append((request.headers["webhook-id"], payload))
        return 200, b"{}"

    local_server.answer = answer
    return local_server


def endpoint_for(server, **fields) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.create(name="12345 平台", owner="市长热线", url=f"{server.url}/hooks", **fields)
    server.secret = endpoint.secret
    return endpoint


def deliver_all() -> list[str | None]:
    return [deliver_one("webhook", pk) for pk in WebhookDelivery.objects.values_list("pk", flat=True)]


def test_ticket_events_reach_a_subscribed_receiver_signed(world, make_ticket, receiver, allow_loopback):
    endpoint = endpoint_for(receiver, event_types=["ticket.accepted", "ticket.replied"])
    ticket = make_ticket(Status.REPLIED)  # submitted, triaged, dispatched, accepted, replied
    assert sorted(WebhookDelivery.objects.values_list("event_type", flat=True)) == ["ticket.accepted", "ticket.replied"]
    assert deliver_all() == ["sent", "sent"]
    types = {payload["type"]: payload for _id, payload in receiver.verified}
    accepted = types["ticket.accepted"]["data"]
    assert accepted["ticket"]["id"] == ticket.pk and accepted["ticket"]["number"] == ticket.number
    assert (accepted["event"]["from_status"], accepted["event"]["to_status"]) == ("assigned", "accepted")
    assert types["ticket.replied"]["data"]["ticket"]["url"].endswith(f"/tickets/{ticket.pk}/")
    request = receiver.requests[0]
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["webhook-signature"].startswith("v1,")
    assert WebhookDelivery.objects.get(event_type="ticket.accepted").endpoint == endpoint


def test_a_forged_or_stale_signature_is_refused_by_the_receiver(world, make_ticket, receiver, allow_loopback):
    endpoint_for(receiver, event_types=["ticket.accepted"])
    make_ticket(Status.ACCEPTED)
    receiver.secret = "whsec_" + "QUJD" * 8  # the receiver expects another secret
    assert deliver_all() == ["retry"]
    assert receiver.verified == [] and receiver.requests[0].headers["webhook-id"].startswith("msg_")


def test_unsubscribed_and_disabled_endpoints_get_nothing(world, make_ticket, receiver, allow_loopback):
    endpoint_for(receiver, event_types=["ticket.closed"])
    endpoint_for(receiver, enabled=False)
    make_ticket(Status.ACCEPTED)
    assert not WebhookDelivery.objects.exists()


def test_an_event_published_twice_is_delivered_once_per_endpoint(db, receiver, allow_loopback):
    endpoint_for(receiver)
    event = Event(key="ticket-event:1", type="ticket.accepted", data={"ticket": {"id": 1}})
    assert len(webhooks_publish([event])) == 1
    assert webhooks_publish([event]) == []
    assert deliver_all() == ["sent"]
    assert deliver_all() == [None]  # a redelivered task sends nothing more
    assert len(receiver.requests) == 1


def test_failures_are_retried_with_the_same_webhook_id_and_logged(db, receiver, allow_loopback):
    endpoint_for(receiver)
    answers = iter([(500, b"busy"), (503, b"")])
    verify = receiver.answer
    receiver.answer = lambda request: next(answers, None) or verify(request)
    (delivery_id,) = webhooks_publish([Event(key="e1", type="ticket.closed", data={})])
    now = timezone.now()
    assert deliver_one("webhook", delivery_id) == "retry"
    assert deliver_one("webhook", delivery_id) is None  # not before its back-off
    with time_machine.travel(now + timedelta(seconds=6)):
        assert deliver_one("webhook", delivery_id) == "retry"
    with time_machine.travel(now + timedelta(minutes=6)):
        assert send_due() == 1
        assert deliver_one("webhook", delivery_id) == "sent"
    ids = {request.headers["webhook-id"] for request in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1
    log = list(WebhookDelivery.objects.get(pk=delivery_id).attempt_log.values_list("status_code", "error"))
    assert [code for code, _error in log] == [500, 503, 200]
    assert log[0][1] == "HTTP 500: busy"


def test_retries_go_on_for_about_three_days_then_stop(db, local_server, allow_loopback):
    endpoint_for(local_server)
    local_server.answer = lambda request: (500, b"")
    (delivery_id,) = webhooks_publish([Event(key="e2", type="ticket.closed", data={})])
    start = moment = timezone.now()
    outcomes = []
    for wait in (timedelta(0), *WEBHOOK.backoff):
        moment += wait + timedelta(seconds=1)
        with time_machine.travel(moment):
            outcomes.append(deliver_one("webhook", delivery_id))
    assert outcomes == ["retry"] * len(WEBHOOK.backoff) + ["failed"]
    assert timedelta(days=2.5) < moment - start < timedelta(days=3.5)
    assert len(local_server.requests) == len(WEBHOOK.backoff) + 1


def test_a_410_disables_the_endpoint(db, local_server, allow_loopback):
    endpoint = endpoint_for(local_server)
    local_server.answer = lambda request: (410, b"gone")
    first, second = webhooks_publish([Event(key=k, type="ticket.closed", data={}) for k in ("a", "b")])
    assert deliver_one("webhook", first) == "failed"
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "410" in endpoint.disabled_reason
    assert deliver_one("webhook", second) == "failed"  # without calling it again
    assert len(local_server.requests) == 1
    assert webhooks_publish([Event(key="c", type="ticket.closed", data={})]) == []


def test_loopback_and_private_addresses_are_refused_by_default(db, local_server):
    endpoint_for(local_server)  # http://127.0.0.1:…, and WEBHOOK_ALLOW_INTERNAL is off
    (delivery_id,) = webhooks_publish([Event(key="e3", type="ticket.closed", data={})])
    assert deliver_one("webhook", delivery_id) == "failed"
    assert "internal address" in WebhookDelivery.objects.get(pk=delivery_id).last_error
    assert local_server.requests == []


@pytest.mark.parametrize(
    "address, refused",
    [
        ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.9", True), ("192.168.1.1", True),
        ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.1", True),
        ("::1", True), ("fd00::1", True), ("::ffff:127.0.0.1", True), ("fe80::1", True),
        ("8.8.8.8", False), ("2400:3200::1", False),
    ],
)  # fmt: skip
def test_which_addresses_count_as_internal(address, refused):
    assert internal(ipaddress.ip_address(address)) is refused


def test_a_name_that_resolves_to_loopback_is_refused(db, local_server):
    port = local_server.url.rsplit(":", 1)[1]
    WebhookEndpoint.objects.create(name="x", url=f"http://localhost:{port}/")
    (delivery_id,) = webhooks_publish([Event(key="e4", type="ticket.closed", data={})])
    assert deliver_one("webhook", delivery_id) == "failed"
    assert local_server.requests == []


def test_the_admin_shows_the_log_and_replays_with_the_same_id(
    world, client, receiver, allow_loopback, django_capture_on_commit_callbacks
):
    endpoint_for(receiver)
    (delivery_id,) = webhooks_publish([Event(key="e5", type="ticket.closed", data={"n": 1})])
    assert deliver_one("webhook", delivery_id) == "sent"
    client.force_login(world.admin)
    page = client.get(f"/admin/notifications/webhookdelivery/{delivery_id}/change/")
    assert page.status_code == 200 and "200" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/admin/notifications/webhookdelivery/", {"action": "replay", "_selected_action": [delivery_id]}
        )
    assert response.status_code == 302 and len(callbacks) == 1  # the delivery task, after the commit
    assert deliver_one("webhook", delivery_id) == "sent"
    first, again = receiver.verified
    assert first == again  # the same webhook-id and the same payload
    assert WebhookDelivery.objects.get(pk=delivery_id).attempt_log.count() == 2


def test_the_payload_is_sent_byte_for_byte_as_stored(db, receiver, allow_loopback):
    endpoint_for(receiver)
    (delivery_id,) = webhooks_publish([Event(key="e6", type="ticket.replied", data={"title": "用电增容"})])
    deliver_one("webhook", delivery_id)
    stored = WebhookDelivery.objects.get(pk=delivery_id).payload
    assert receiver.requests[0].body == stored.encode()
    assert json.loads(stored)["data"]["title"] == "用电增容"


def test_a_batch_tries_only_its_rows_that_are_due(db, receiver, allow_loopback):
    endpoint_for(receiver)
    ids = webhooks_publish([Event(key=f"b{i}", type="ticket.closed", data={}) for i in range(3)])
    assert deliver_one("webhook", ids[1]) == "sent"
    assert deliver(channel="webhook", item_ids=ids) == {ids[0]: "sent", ids[2]: "sent"}
    assert len(receiver.requests) == 3


def test_a_partners_endpoint_hears_only_of_the_work_orders_that_partner_filed(
    world, make_ticket, receiver, allow_loopback
):
    from partners.services import partner_create

    hotline, app = partner_create(name="12345 热线平台", code="hotline"), partner_create(name="企业码", code="qiyema")
    endpoint_for(receiver, partner=hotline)
    make_ticket(Status.ACCEPTED)  # filed by the company itself: not the partner's business
    assert not WebhookDelivery.objects.exists()
    mine = Event(key="ticket-event:1", type="ticket.accepted", data={}, filed_by_id=hotline.user_id)
    theirs = Event(key="ticket-event:2", type="ticket.accepted", data={}, filed_by_id=app.user_id)
    assert len(webhooks_publish([mine, theirs])) == 1
    assert WebhookDelivery.objects.get().key == "ticket-event:1"
