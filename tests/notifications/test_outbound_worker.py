"""Every outbound channel end to end: a ticket's steps through the API, the outbox rows written in their
transactions, a real Celery worker delivering them after the commit to real local servers."""

import json
import os
from urllib.parse import parse_qsl

import pytest
import redis
from standardwebhooks.webhooks import Webhook

from notifications.models import OutgoingMessage, WebhookDelivery, WebhookEndpoint
from notifications.services import contact_preference_set
from tickets.models import Status

from ..conftest import api, start_worker, stop_worker, wait_for
from .test_sms import KEY_ID, SECRET, spec_signature

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_webhook_sms_and_work_notice_leave_through_the_worker(world, make_ticket, local_server, tmp_path):
    endpoint = WebhookEndpoint.objects.create(name="12345", url=f"{local_server.url}/hooks")
    contact_preference_set(user=world.handler, work_account="banli01")
    world.company_user.phone = "13905701234"
    world.company_user.save(update_fields=["phone"])
    received = {"webhooks": [], "sms": []}

    def answer(request):
        if request.path == "/hooks":
            received["webhooks"].append(Webhook(endpoint.secret).verify(request.body, request.headers)["type"])
        else:
            params = dict(parse_qsl(request.body.decode()))
            assert params.pop("Signature") == spec_signature(params, SECRET)
            received["sms"].append(params["TemplateCode"])
            return 200, json.dumps({"Code": "OK", "BizId": "1^0"}).encode()
        return 204, b""

    local_server.answer = answer
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
    worker = start_worker(
        tmp_path / "worker.log", QIHU_WEBHOOK_ALLOW_INTERNAL="1", QIHU_SMS_BACKEND="aliyun",
        QIHU_SMS_ENDPOINT=f"{local_server.url}/sms", QIHU_SMS_ACCESS_KEY_ID=KEY_ID, QIHU_SMS_ACCESS_KEY_SECRET=SECRET,
        QIHU_SMS_TEMPLATES="accepted=SMS_1,answered=SMS_2", QIHU_WORK_NOTICE_BACKEND="file",
        QIHU_WORK_NOTICE_DIR=str(tmp_path / "notices"),
    )  # fmt: skip
    try:
        ticket = make_ticket(Status.ACCEPTED)
        reply = api(world.handler).post(f"/api/v1/tickets/{ticket.pk}/reply/", {"body": "已安排上门勘察。"})
        assert reply.status_code == 200
        wait_for(lambda: len(received["sms"]) == 2 and "ticket.replied" in received["webhooks"], timeout=120)
        wait_for(lambda: not WebhookDelivery.objects.exclude(status="sent").exists(), timeout=30)
        wait_for(lambda: not OutgoingMessage.objects.exclude(status="sent").exists(), timeout=30)
    finally:
        stop_worker(worker)
    assert sorted(received["sms"]) == ["SMS_1", "SMS_2"]
    # Each event once (the tasks run in any order).
    assert sorted(received["webhooks"]) == ["ticket.accepted", "ticket.dispatched", "ticket.replied"]
    (notice,) = (tmp_path / "notices").iterdir()
    assert json.loads(notice.read_text(encoding="utf-8"))["to"] == "banli01"
