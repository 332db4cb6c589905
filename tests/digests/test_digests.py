"""Weekly digests received on a real SMTP server: MIME structure, the figures of a known week, recipients by
role, opt-outs, once per person and week (also with two senders at once), escaping."""

import threading
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from digests import content
from digests.models import DigestDelivery
from digests.services import digest_preview, digests_send_week, subscription_update
from notifications.models import OutgoingEmail

from .conftest import SCRIPT_TITLE, SENT_AT, WEEK, deliver


def received(smtp_server) -> dict[str, object]:
    """Messages by their one recipient."""
    found = {}
    for to, message in smtp_server.messages:
        (address,) = to
        found[address.split("@")[0]] = message
    return found


def parts(message) -> tuple[str, str, list]:
    """(plain text, HTML, inline images) after checking the structure:
    multipart/alternative [text/plain, multipart/related [text/html, image/png…]]."""
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, *images = related.get_payload()
    assert html.get_content_type() == "text/html"
    assert images and all(image.get_content_type() == "image/png" for image in images)
    for image in images:
        assert image.get_content().startswith(b"\x89PNG\r\n\x1a\n")
        assert image.get_content_disposition() == "inline"
    return plain.get_content(), html.get_content(), images


def test_each_role_receives_its_digest_with_the_weeks_figures(world, week_history, smtp_server):
    report = digests_send_week(WEEK, now=SENT_AT)
    assert (report.recipients, report.queued, report.already) == (3, 3, 0)
    deliver()
    inbox = received(smtp_server)
    assert set(inbox) == {"kezhang-gongdian", "lianzhang-xcl", "duban"}  # heads, chain leaders, supervisors
    assert {m["Subject"].strip() for m in inbox.values()} == {"【每周简报】2026-11-02 至 2026-11-08"}

    text, html, images = parts(inbox["kezhang-gongdian"])
    (image,) = images
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert "国网衢州供电公司 · 部门简报" in text and "产业链简报" not in text and "全市简报" not in text
    for line in [
        "市级部门排名：1/1",
        "响应率：40%",  # two of five accepted in time
        "解决率：75%",  # resolved + ½ partly, of two evaluations
        "满意率：50%",
        "按期办结率：100%",
        "退单率：20%",
        "重办率：50%",
        "派单数 5 · 评价数 2 · 答复数 2 · 当前超时 1",
        "本周新派单：5",
        "2026-11-09 至 2026-11-15 到期：2",  # the late one and the reopened one
        "已超时：1",
        "本周退回：1",
        "本周重办：1",
    ]:
        assert line in text, line
    script = week_history["script"]
    assert f"{script.number} {SCRIPT_TITLE}" in text  # plain text: as typed
    for part in (text, html):
        assert "已超时：1" in part and "响应率" in part and "40%" in part
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;变压器烧毁" in html

    text, html, images = parts(inbox["lianzhang-xcl"])
    assert "新材料 · 产业链简报" in text and "部门简报" not in text
    assert "本周新诉求 5 件，涉及企业 2 家。" in text
    assert "要素保障-用能：5" in text
    assert "园区变压器容量普遍不足（热度 2.1：2 家企业，3 件）" in text  # new this week
    assert "工业用电报装流程慢（热度 3.5：4 家企业；近四周 4 件，前四周 1 件）" in text  # growing
    assert "电费结算周期长" not in text and "已排除的问题" not in text
    assert len(images) == 1 and "园区变压器容量普遍不足" in html

    text, html, images = parts(inbox["duban"])
    assert "全市简报" in text and "部门简报" not in text
    assert "市级部门（2）：响应率 40%；解决率 75%；满意率 50%；派单数 5" in text
    assert "县(市、区)（1）：响应率 —；解决率 —；满意率 —；派单数 0" in text
    assert "已超时：1" in text and f"{script.number} {SCRIPT_TITLE} — 国网衢州供电公司" in text
    problems = text.split("热度最高的共性问题")[1]
    assert problems.index("工业用电报装流程慢") < problems.index("电费结算周期长") < problems.index("园区变压器")
    assert "<script>" not in html


def test_a_rerun_sends_nothing_twice(world, week_history, smtp_server):
    digests_send_week(WEEK, now=SENT_AT)
    again = digests_send_week(WEEK, now=SENT_AT)
    assert (again.queued, again.already) == (0, 3)
    deliver()
    assert len(smtp_server.messages) == 3
    assert DigestDelivery.objects.filter(week_start=WEEK).count() == 3
    assert OutgoingEmail.objects.count() == 3
    assert digests_send_week(date(2026, 11, 5), now=SENT_AT).queued == 0  # any day names its week


def test_opted_out_kinds_are_not_sent(world, week_history, smtp_server):
    subscription_update(user=world.dept_head, department=False, chain=True, city=True)
    subscription_update(user=world.supervisor, department=True, chain=True, city=True)
    report = digests_send_week(WEEK, now=SENT_AT)
    assert report.queued == 2
    deliver()
    assert set(received(smtp_server)) == {"lianzhang-xcl", "duban"}
    assert not DigestDelivery.objects.filter(user=world.dept_head).exists()


def test_someone_with_two_roles_gets_one_email_with_both_sections(world, week_history, smtp_server):
    from accounts.roles import Role
    from tests.factories import member

    member(world.supervisor, world.lead, Role.DEPT_HEAD)
    subscription_update(user=world.supervisor, department=True, chain=True, city=False)
    digests_send_week(WEEK, now=SENT_AT)
    deliver()
    text, _html, images = parts(received(smtp_server)["duban"])
    assert "部门简报" in text and "全市简报" not in text and len(images) == 1
    assert DigestDelivery.objects.get(user=world.supervisor).kinds == ["department"]


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_digest_once(world, week_history):
    reports = []
    barrier = threading.Barrier(2)

    def send():
        try:
            barrier.wait()
            reports.append(digests_send_week(WEEK, now=SENT_AT))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.queued for r in reports) in ([0, 3], [1, 2])  # however the claims interleave
    assert sum(r.queued for r in reports) == 3
    assert DigestDelivery.objects.count() == 3
    assert OutgoingEmail.objects.count() == 3
    assert sorted(DigestDelivery.objects.values_list("email__to", flat=True)) == [
        ["duban@example.gov.cn"], ["kezhang-gongdian@example.gov.cn"], ["lianzhang-xcl@example.gov.cn"]
    ]  # fmt: skip


def test_the_command_previews_and_sends(world, week_history):
    out = StringIO()
    call_command("send_digests", "--week", "2026-11-04", "--preview", "kezhang-gongdian", stdout=out)
    assert "Subject: 【每周简报】2026-11-02 至 2026-11-08" in out.getvalue() and "本周新派单：5" in out.getvalue()
    assert not DigestDelivery.objects.exists()
    out = StringIO()
    call_command("send_digests", "--week", "2026-11-02", stdout=out)
    assert "3 recipients, 3 queued, 0 already sent" in out.getvalue()


def test_a_chain_leaders_digest_reads_no_department_rankings(world, week_history, monkeypatch):
    """Every department's rates are the costliest read of a week; a chain section does not use them."""

    def refuse(**kwargs):
        raise AssertionError("department figures read for a chain-only digest")

    monkeypatch.setattr(content.figures, "period_figures", refuse)
    kinds, rendered = digest_preview(user=world.chain_leader, week_start=WEEK)
    assert kinds == ["chain"] and "产业链简报" in rendered.text
    with pytest.raises(AssertionError, match="chain-only"):  # a head's digest does read them
        digest_preview(user=world.dept_head, week_start=WEEK)
