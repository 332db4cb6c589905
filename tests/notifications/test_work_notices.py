"""Work notices to officials (issue 17 item 5) in DingTalk's work-notification shape, against a real local
server that checks the app's key and secret, the access token and the message."""

import json
from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from notifications.models import OutgoingMessage
from notifications.services import contact_preference_set
from tickets.models import Status
from tickets.notify import tell_pending
from tickets.services import sla_sweep

from .conftest import deliver_one

APP_KEY, APP_SECRET, AGENT_ID = "ding-app-key", "ding-app-secret", "2890001"


@pytest.fixture
def dingtalk(local_server, settings):
    settings.OUTBOUND = {
        **settings.OUTBOUND, "WORK_NOTICE_BACKEND": "dingtalk", "DINGTALK_URL": local_server.url,
        "DINGTALK_APP_KEY": APP_KEY, "DINGTALK_APP_SECRET": APP_SECRET, "DINGTALK_AGENT_ID": AGENT_ID,
    }  # fmt: skip
    cache.delete(f"dingtalk-token:{APP_KEY}")
    local_server.tokens = iter(["token-1", "token-2"])
    local_server.valid = None
    local_server.sent = []

    def answer(request):
        url = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if request.method == "GET" and url.path == "/gettoken":
            if (query.get("appkey"), query.get("appsecret")) != (APP_KEY, APP_SECRET):
                return 200, b'{"errcode": 40089, "errmsg": "invalid appkey or appsecret"}'
            local_server.valid = next(local_server.tokens)
            return 200, json.dumps({"errcode": 0, "access_token": local_server.valid, "expires_in": 7200}).encode()
        if request.method == "POST" and url.path == "/topapi/message/corpconversation/asyncsend_v2":
            if query.get("access_token") != local_server.valid:
                return 200, b'{"errcode": 42001, "errmsg": "access_token expired"}'
            local_server.sent.append(json.loads(request.body))
            return 200, b'{"errcode": 0, "errmsg": "ok", "task_id": 256271667526, "request_id": "4jzllmte0wau"}'
        return 404, b"{}"

    local_server.answer = answer
    return local_server


@pytest.fixture
def accounts(world):
    contact_preference_set(user=world.handler, work_account="banli01")
    contact_preference_set(user=world.dept_head, work_account="kezhang01")


def notices(**filters):
    return OutgoingMessage.objects.filter(channel="work_notice", **filters).order_by("address")


def test_a_dispatch_tells_the_departments_officials_by_work_notice(world, make_ticket, dingtalk, accounts):
    ticket = make_ticket(Status.ASSIGNED)
    assert [(n.address, n.template) for n in notices()] == [("banli01", "dispatched"), ("kezhang01", "dispatched")]
    assert [deliver_one("work_notice", n.pk) for n in notices()] == ["sent", "sent"]
    first = dingtalk.sent[0]
    assert first["agent_id"] == int(AGENT_ID) and first["userid_list"] == "banli01"
    assert first["msg"]["msgtype"] == "text"
    assert first["msg"]["text"]["content"].startswith(f"【新派诉求】{ticket.number}「{ticket.title}」")
    assert f"/tickets/{ticket.pk}/" in first["msg"]["text"]["content"]
    assert len([r for r in dingtalk.requests if r.method == "GET"]) == 1  # one token for both
    assert notices().first().provider_ref == "256271667526"


def test_an_expired_token_is_dropped_and_the_notice_retried(world, make_ticket, dingtalk, accounts):
    make_ticket(Status.ASSIGNED)
    first, second = notices()
    assert deliver_one("work_notice", first.pk) == "sent"
    dingtalk.valid = "revoked"  # the server forgot token-1
    assert deliver_one("work_notice", second.pk) == "retry"
    OutgoingMessage.objects.filter(pk=second.pk).update(next_attempt_at=second.created_at)
    assert deliver_one("work_notice", second.pk) == "sent"  # with token-2
    assert [s["userid_list"] for s in dingtalk.sent] == ["banli01", "kezhang01"]


def test_officials_without_a_work_account_get_e_mail_only(world, make_ticket):
    make_ticket(Status.ASSIGNED)
    assert not notices().exists()


def test_a_deadline_step_is_a_work_notice_too(world, make_ticket, dingtalk, accounts):
    city = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=city), tick=False):
        make_ticket(Status.ACCEPTED)
    with time_machine.travel(datetime(2026, 11, 27, 10, 50, tzinfo=city), tick=False):
        sla_sweep()  # 70 % of the time used: a reminder to the handlers
        tell_pending()  # the step's notices, told by the worker after the sweep's commit
    reminder = notices(template="escalation", address="banli01").get()
    assert reminder.text.startswith("【催办】诉求") and "催办：已用去七成时限" in reminder.text
    assert deliver_one("work_notice", reminder.pk) == "sent"
