"""The partner API over real HTTP: signed requests, idempotent work orders, isolation, material, evaluation."""

import time

import pytest

from accounts.roles import Role
from common.throttling import PartnerThrottle
from companies.models import Company
from partners import selectors
from partners.api.serializers import WorkOrderOutput
from partners.models import PartnerWorkOrder
from partners.services import key_issue, keys_revoke
from tickets.models import Source, Status, Ticket

from ..conftest import drive
from ..security.test_abuse_inputs import fresh_throttles  # noqa: F401 (a fixture: the counters in Redis, deleted)
from ..tickets.test_attachments import PDF
from .conftest import PartnerClient, order

URL = "/api/v1/partner/work-orders/"


def test_a_partner_files_a_work_order_for_a_company(world, hotline, partner):
    response = hotline.post_json(URL, order(world, category="energy", contact_name="李四"))
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert body["number"] == ticket.number and body["status"] == "submitted" and body["external_id"] == "RX-1"
    assert body["category"] == "energy" and body["replies"] == [] and body["evaluations"] == []
    assert hotline.get(f"{URL}RX-1/").json() == body  # the answer to a create is what reading it back gives
    assert ticket.company == world.company and ticket.source == Source.PARTNER and ticket.contact_name == "李四"
    assert ticket.partner_work_order.partner == partner
    submit = ticket.events.get()
    assert (submit.action, submit.actor, submit.actor_role) == ("submit", partner.user, Role.COMPANY_USER)
    # the company sees it as its own
    assert world.company_user.company.tickets.filter(pk=ticket.pk).exists()


def test_the_same_external_id_twice_is_the_same_ticket(world, hotline):
    first = hotline.post_json(URL, order(world)).json()
    again = hotline.post_json(URL, order(world, title="换了标题"))
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first["id"] and Ticket.objects.count() == 1


def test_two_partners_may_use_the_same_external_id(world, hotline, other_hotline):
    ours, theirs = hotline.post_json(URL, order(world)), other_hotline.post_json(URL, order(world))
    assert ours.status_code == theirs.status_code == 201 and ours.json()["id"] != theirs.json()["id"]


def test_an_unknown_company_is_registered_with_the_name_given(world, hotline):
    code = "91330800MA2ABCDE1X"
    from companies.credit_code import check_character

    code = code[:17] + check_character(code[:17])
    refused = hotline.post_json(URL, order(world, credit_code=code))
    assert refused.status_code == 400 and "企业名称" in refused.json()["detail"]
    created = hotline.post_json(URL, order(world, credit_code=code, company_name="衢州新材料有限公司"))
    assert created.status_code == 201
    assert Company.objects.get(credit_code=code).name == "衢州新材料有限公司"


def test_bad_input_is_a_400_in_the_callers_language(world, key):
    zh, en = PartnerClient(key), PartnerClient(key, language="en")
    response = zh.post_json(URL, order(world, credit_code="123"))
    assert response.status_code == 400 and "统一社会信用代码无效" in response.json()["detail"]
    response = en.post_json(URL, order(world, "RX-2", credit_code="123"))
    assert response.status_code == 400 and "credit code" in response.json()["detail"].lower()
    response = en.post_json(URL, order(world, "bad/id"))
    assert response.status_code == 400 and "external_id" in response.json()
    response = zh.send("POST", URL, b"{not json", "application/json")
    assert response.status_code == 400


def test_signatures_are_checked(world, hotline, key):
    body = order(world)
    assert hotline.post_json(URL, body, **{"X-Qihu-Signature": "0" * 64}).status_code == 401
    assert hotline.post_json(URL, body, at=time.time() - 301).json()["detail"].startswith("请求时间戳已过期")
    assert hotline.post_json(URL, body, at=time.time() + 400).status_code == 401
    missing = hotline.client.post(URL, data=body, content_type="application/json")
    assert missing.status_code == 401 and "X-Qihu-Key" in missing.json()["detail"]
    english = PartnerClient(key, language="en").post_json(URL, body, **{"X-Qihu-Key": "qk_unknown"})
    assert english.status_code == 401 and "key" in english.json()["detail"].lower()
    # the path, the method and the body are signed: the same signature on another body is refused
    assert Ticket.objects.count() == 0


def test_an_exact_replay_within_the_window_is_refused(world, hotline, key):
    import json

    from partners.signing import signed_headers

    body = json.dumps(order(world)).encode()
    headers = signed_headers(key.key_id, key.secret, "POST", URL, body, int(time.time()))
    first = hotline.client.post(URL, data=body, content_type="application/json", headers=headers)
    replay = hotline.client.post(URL, data=body, content_type="application/json", headers=headers)
    assert first.status_code == 201
    assert replay.status_code == 401 and "重复的请求" in replay.json()["detail"]
    tampered = hotline.client.post(
        URL, data=body.replace(b"RX-1", b"RX-9"), content_type="application/json", headers=headers
    )
    assert tampered.status_code == 401 and "签名不正确" in tampered.json()["detail"]


def test_keys_rotate_and_revoke(world, partner, key):
    new = key_issue(partner=partner)
    old_client, new_client = PartnerClient(key), PartnerClient(new)
    assert old_client.post_json(URL, order(world, "A")).status_code == 201
    assert new_client.post_json(URL, order(world, "B")).status_code == 201  # both live during the switch
    assert keys_revoke(keys=partner.keys.filter(pk=key.pk)) == 1
    assert old_client.post_json(URL, order(world, "C")).status_code == 401
    assert new_client.get(f"{URL}A/").status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None and key.last_used_at is not None
    partner.active = False
    partner.save()
    assert new_client.get(f"{URL}A/").status_code == 401


def test_a_partner_sees_only_its_own_work_orders(world, hotline, other_hotline):
    number = hotline.post_json(URL, order(world)).json()["number"]
    assert hotline.get(f"{URL}RX-1/").status_code == 200
    assert hotline.get(f"/api/v1/partner/tickets/{number}/").json()["external_id"] == "RX-1"
    assert other_hotline.get(f"{URL}RX-1/").status_code == 404
    assert other_hotline.get(f"/api/v1/partner/tickets/{number}/").status_code == 404
    assert other_hotline.post_json(f"{URL}RX-1/material/", {"note": "补充"}).status_code == 404


def test_a_ticket_not_filed_by_the_partner_is_not_found(world, hotline, make_ticket):
    ticket = make_ticket()
    assert hotline.get(f"/api/v1/partner/tickets/{ticket.number}/").status_code == 404
    assert hotline.get("/api/v1/partner/tickets/QH20200101-1/").status_code == 404


def test_the_partner_follows_the_answer_and_receives_the_evaluation(world, hotline, partner):
    ticket = Ticket.objects.get(pk=hotline.post_json(URL, order(world)).json()["id"])
    drive(world, ticket, Status.CLOSED)
    body = hotline.get(f"{URL}RX-1/").json()
    assert body["status"] == "closed" and body["replies"][0]["body"] == "已安排上门勘察。"
    assert body["evaluations"][0]["satisfaction"] == "satisfied" and body["lead_department"] == world.lead.name
    # the plain-Python answer is what DRF's fields make of it
    ticket = selectors.work_order_get(partner=partner, external_id="RX-1")
    assert WorkOrderOutput(ticket).data == WorkOrderOutput(ticket, context={"drf": True}).data == body


def test_material_is_a_comment_an_attachment_or_the_requested_information(world, hotline, partner):
    ticket = Ticket.objects.get(pk=hotline.post_json(URL, order(world)).json()["id"])
    comment = hotline.post_json(f"{URL}RX-1/material/", {"note": "企业补充：急需在月底前送电。"})
    assert comment.status_code == 200 and comment.json()["comments"][0]["body"] == "企业补充：急需在月底前送电。"
    files = hotline.post_multipart(f"{URL}RX-1/material/", {"note": "报装申请表", "files": [_file("申请表.pdf", PDF)]})
    assert files.status_code == 200
    assert ticket.attachments.get().uploaded_by == partner.user
    bad = hotline.post_multipart(f"{URL}RX-1/material/", {"files": [_file("x.pdf", b"MZ not a pdf")]})
    assert bad.status_code == 400 and "格式不支持" in bad.json()["detail"]
    empty = hotline.post_json(f"{URL}RX-1/material/", {"note": " "})
    assert empty.status_code == 400
    drive(world, ticket, Status.ON_HOLD)
    provided = hotline.post_json(f"{URL}RX-1/material/", {"note": "已补充用电报装申请表。"})
    assert provided.status_code == 200 and provided.json()["status"] == "accepted"
    actions = list(ticket.events.values_list("action", "actor_id"))
    assert ("comment", partner.user_id) in actions and ("attach", partner.user_id) in actions
    assert ("provide_info", partner.user_id) in actions


def test_material_on_a_closed_work_order_is_refused(world, hotline):
    ticket = Ticket.objects.get(pk=hotline.post_json(URL, order(world)).json()["id"])
    drive(world, ticket, Status.CLOSED)
    response = hotline.post_json(f"{URL}RX-1/material/", {"note": "还有一点"})
    assert response.status_code == 409


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_of_one_external_id_make_one_ticket(world, partner):
    """The second create passes the look-up before the first commits; the unique constraint decides."""
    import threading

    from django.db import connection, transaction

    from partners.services import work_order_create

    fields = {"partner": partner, "external_id": "RACE-1", "company": world.company, "title": "并发",
              "description": "两个请求同时提交同一工单号。"}  # fmt: skip
    first_inserted, results = threading.Event(), {}

    def second():
        first_inserted.wait(10)
        try:
            results["second"] = work_order_create(**fields)
        finally:
            connection.close()

    thread = threading.Thread(target=second)
    thread.start()
    with transaction.atomic():
        results["first"] = work_order_create(**fields)
        first_inserted.set()
        time.sleep(1.5)  # the second now waits on the unique index for this transaction
    thread.join(20)
    (first, first_created), (second, second_created) = results["first"], results["second"]
    assert first_created and not second_created and first.pk == second.pk
    assert PartnerWorkOrder.objects.filter(external_id="RACE-1").count() == 1
    assert Ticket.objects.filter(title="并发").count() == 1


def test_a_nul_character_is_a_4xx_not_a_database_error(world, hotline, key):
    assert hotline.get(f"{URL}RX%00-1/").status_code == 404
    assert hotline.post_json(URL, order(world, "RX\x00")).status_code == 400
    assert hotline.post_json(URL, order(world), **{"X-Qihu-Key": key.key_id + "\x00"}).status_code == 401


def test_the_key_used_is_the_one_marked_used_whatever_the_ids(world, partner):
    """The key is read with its partner in one statement: each row's values land on its own fields (a key whose id
    differs from its partner's was once read with the partner's id as its own, and another key was touched)."""
    keys = [key_issue(partner=partner) for _ in range(2)]
    used = next(key for key in keys if key.pk != partner.pk)  # ids of two tables: they may or may not coincide
    unused = next(key for key in keys if key is not used)
    assert PartnerClient(used).post_json(URL, order(world, "A")).status_code == 201
    used.refresh_from_db(), unused.refresh_from_db()
    assert (unused.last_used_at, used.last_used_at is not None) == (None, True)


@pytest.mark.usefixtures("fresh_throttles")
def test_a_partner_is_throttled_on_filing_alone_and_apart_from_other_partners(
    world, hotline, other_hotline, monkeypatch
):
    monkeypatch.setitem(PartnerThrottle.THROTTLE_RATES, "partner", "2/min")
    codes = [hotline.post_json(URL, order(world, f"RX-{n}")).status_code for n in range(3)]
    assert codes == [201, 201, 429]
    refused = hotline.post_json(URL, order(world, "RX-9"))
    assert refused.json()["code"] == "throttled" and "请求过于频繁" in refused.json()["detail"]
    assert int(refused["Retry-After"]) >= 1 and Ticket.objects.count() == 2
    assert hotline.get(f"{URL}RX-0/").status_code == 200  # reading is not throttled
    assert other_hotline.post_json(URL, order(world)).status_code == 201  # nor is another partner
