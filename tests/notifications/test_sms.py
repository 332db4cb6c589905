"""SMS to companies (issue 17 item 5): Alibaba Cloud `SendSms` against a real local gateway that checks the
signature (recomputed here from the provider's documented steps, not with the adapter's code) and the body."""

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl, quote

import pytest
from django.db import IntegrityError, transaction

from common.links import short_token
from notifications.adapters.aliyun_sms import signature
from notifications.models import OutgoingMessage
from notifications.services import contact_preference_set
from tickets.models import Status

from .conftest import deliver_one

KEY_ID, SECRET = "LTAI-test-key", "test-secret-中"
TEMPLATES = {"accepted": "SMS_100001", "answered": "SMS_100002", "extended": "SMS_100003"}


def test_the_signature_matches_the_providers_documented_example():
    """The worked example of Alibaba Cloud's SMS "signature method" page (GET, secret testSecret)."""
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }  # fmt: skip
    assert signature(params, secret="testSecret", method="GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def spec_signature(params: dict[str, str], secret: str) -> str:
    encode = lambda text: quote(text, safe="-_.~")  # noqa: E731 — RFC 3986, a space as %20
    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
    to_sign = "POST&%2F&" + encode(query)
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture
def gateway(local_server, settings):
    """A stand-in for dysmsapi.aliyuncs.com: refuses a bad signature as the service does."""
    settings.OUTBOUND = {
        **settings.OUTBOUND, "SMS_BACKEND": "aliyun", "SMS_ENDPOINT": f"{local_server.url}/",
        "SMS_ACCESS_KEY_ID": KEY_ID, "SMS_ACCESS_KEY_SECRET": SECRET, "SMS_SIGN_NAME": "企呼我应",
        "SMS_TEMPLATES": TEMPLATES,
    }  # fmt: skip
    local_server.code = "OK"

    def answer(request):
        params = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        given = params.pop("Signature")
        if request.method != "POST" or given != spec_signature(params, SECRET) or params["AccessKeyId"] != KEY_ID:
            return 400, json.dumps(
                {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
            ).encode()
        local_server.accepted = params
        return 200, json.dumps({"Code": local_server.code, "Message": "OK", "BizId": "900619746936498440^0"}).encode()

    local_server.answer = answer
    return local_server


@pytest.fixture
def company_phone(world):
    world.company_user.phone = "139 0570 1234"
    world.company_user.save(update_fields=["phone"])
    return world.company_user


def sms_rows(**filters):
    return OutgoingMessage.objects.filter(channel="sms", **filters)


def test_an_accepted_request_is_told_by_sms_signed_and_templated(world, make_ticket, gateway, company_phone):
    ticket = make_ticket(Status.ACCEPTED)
    message = sms_rows().get()
    assert (message.template, message.address, message.user) == ("accepted", "13905701234", company_phone)
    assert message.text.startswith(f"您的诉求{ticket.number}已由国网衢州供电公司签收，将于")
    assert deliver_one("sms", message.pk) == "sent"
    sent = gateway.accepted
    assert (sent["Action"], sent["Version"], sent["SignatureMethod"], sent["SignatureVersion"]) == (
        "SendSms", "2017-05-25", "HMAC-SHA1", "1.0",
    )  # fmt: skip
    assert (sent["PhoneNumbers"], sent["TemplateCode"], sent["SignName"]) == ("13905701234", "SMS_100001", "企呼我应")
    assert sent["OutId"] == str(message.pk)
    params = json.loads(sent["TemplateParam"])
    assert params["number"] == ticket.number and params["dept"] == "国网衢州供电公司"
    assert params["link"].endswith(f"/t/{short_token(ticket.pk)}")
    message.refresh_from_db()
    assert message.provider_ref == "900619746936498440^0"


def test_the_answer_sms_carries_the_evaluation_link(world, make_ticket, company_phone, client):
    ticket = make_ticket(Status.REPLIED)
    message = sms_rows(template="answered").get()
    link = message.params["link"]
    assert link in message.text and "请于" in message.text
    path = link.split("localhost:8000", 1)[1]
    login = client.get(path)
    assert login.status_code == 302 and login["Location"].startswith("/login/")
    client.force_login(company_phone)
    opened = client.get(path, follow=True)
    assert opened.redirect_chain[-1][0] == f"/tickets/{ticket.pk}/"
    page = opened.content.decode()
    assert 'data-action="confirm"' in page and "<details open>" in page  # the evaluation, open, one tap away


def test_a_tampered_short_link_is_not_found(world, make_ticket, client):
    client.force_login(world.company_user)
    token = short_token(42)
    assert client.get(f"/t/{token}").status_code == 302
    assert client.get(f"/t/43.{token.split('.')[1]}").status_code == 404
    assert client.get("/t/42").status_code == 404


def test_a_bad_signature_is_refused_by_the_gateway_and_retried(world, make_ticket, gateway, company_phone, settings):
    make_ticket(Status.ACCEPTED)
    settings.OUTBOUND = {**settings.OUTBOUND, "SMS_ACCESS_KEY_SECRET": "wrong"}
    message = sms_rows().get()
    assert deliver_one("sms", message.pk) == "retry"
    message.refresh_from_db()
    assert message.last_error.startswith("SignatureDoesNotMatch")


def test_a_number_the_provider_refuses_is_not_retried(world, make_ticket, gateway, company_phone):
    make_ticket(Status.ACCEPTED)
    gateway.code = "isv.MOBILE_NUMBER_ILLEGAL"
    assert deliver_one("sms", sms_rows().get().pk) == "failed"


def test_a_company_that_opted_out_gets_no_sms_but_its_emails(world, make_ticket, company_phone):
    contact_preference_set(user=company_phone, sms=False)
    make_ticket(Status.REPLIED)
    assert not sms_rows().exists()
    from notifications.models import OutgoingEmail

    assert OutgoingEmail.objects.filter(key__startswith="answered:").exists()


@pytest.mark.parametrize("phone", ["", "0570-1234567", "12345", "1390570123"])
def test_no_sms_without_a_valid_mobile_number(world, make_ticket, phone):
    world.company_user.phone = phone
    world.company_user.save(update_fields=["phone"])
    make_ticket(Status.ACCEPTED)
    assert not sms_rows().exists()


def test_one_event_never_tells_one_person_twice(world, make_ticket, company_phone):
    make_ticket(Status.ACCEPTED)  # a notice told twice: tests/notifications/test_pending_notices.py
    assert sms_rows().count() == 1
    message = sms_rows().get()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingMessage.objects.create(
            channel="sms", key=message.key, user=message.user, address=message.address, template="accepted", text="x"
        )
    assert deliver_one("sms", message.pk) == "sent"
    assert deliver_one("sms", message.pk) is None  # a redelivered task sends nothing more


def test_make_run_writes_each_sms_to_a_file(world, make_ticket, company_phone, settings, tmp_path):
    settings.OUTBOUND = {**settings.OUTBOUND, "SMS_BACKEND": "file", "SMS_DIR": str(tmp_path / "sms")}
    make_ticket(Status.ACCEPTED)
    assert deliver_one("sms", sms_rows().get().pk) == "sent"
    (written,) = (tmp_path / "sms").iterdir()
    record = json.loads(written.read_text(encoding="utf-8"))
    assert record["to"] == "13905701234" and record["text"].startswith("您的诉求")
