"""A company's and a handler's day in Debian's Chromium (issue 15): what they meet on the ticket pages."""

import pytest

from audit.models import Action, AuditRecord
from tickets.models import Status, Ticket

from ..factories import PASSWORD
from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n%%EOF\n"
FILE = {"name": "报装申请表.pdf", "mimeType": "application/pdf", "buffer": PDF}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def phone_login(browser, base: str, username: str):
    page = browser.new_context(locale="zh-CN", **PHONE).new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_a_company_on_a_phone_files_with_bad_input_and_is_told_plainly(world, live_server, browser):
    page = phone_login(browser, live_server.url, "qiye-a")
    page.goto(f"{live_server.url}/my/new/")
    assert "最多 5000 字" in page.inner_text("main form")
    page.fill("input[name=title]", "新厂房投产急需电力增容")
    page.fill("textarea[name=description]", "长" * 100_000)
    assert len(page.input_value("textarea[name=description]")) == 100_000  # not cut silently by the text box
    page.fill("input[name=contact_phone]", "12345")
    page.set_input_files(
        "input[name=files]", [{"name": "报装申请表.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("button[type=submit]")

    form = page.inner_text("main form")
    assert "最多 5000 个字符，现有 100000 个字符" in form
    assert "联系电话格式不正确" in form
    assert "请重新选择附件：报装申请表.pdf" in form  # the browser dropped the file: said so
    assert not Ticket.objects.exists()

    page.fill("textarea[name=description]", "现有变压器容量不足，需要新增变压器。")
    page.fill("input[name=contact_phone]", "0570-1234567")
    page.set_input_files(
        "input[name=files]", [{"name": "报装申请表.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("button[type=submit]")
    assert "诉求已提交" in page.inner_text(".msg")
    assert Ticket.objects.get().contact_phone == "0570-1234567"


def test_a_company_withdraws_only_after_confirming(world, make_ticket, live_server, browser):
    ticket = make_ticket(Status.ASSIGNED)
    page = phone_login(browser, live_server.url, "qiye-a")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert "国网衢州供电公司" in page.inner_text("#where")  # who works it, in plain words
    withdraw = page.locator("details:has(form[data-action=withdraw])")
    assert withdraw.get_attribute("open") is None  # folded: not one tap away
    withdraw.locator("summary").click()
    page.click("form[data-action=withdraw] button[type=submit]")
    assert "请勾选确认后再撤回" in page.inner_text("form[data-action=withdraw]")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED
    page.check("form[data-action=withdraw] input[name=confirmed]")
    page.click("form[data-action=withdraw] button[type=submit]")
    assert page.inner_text("#status") == "已撤回"


def test_a_company_evaluates_with_nothing_preselected(world, make_ticket, live_server, browser):
    ticket = make_ticket(Status.REPLIED)
    page = phone_login(browser, live_server.url, "qiye-a")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    where = page.inner_text("#where")
    deadline = Ticket.objects.get(pk=ticket.pk).evaluate_deadline
    assert "国网衢州供电公司已答复" in where and "前评价" in where
    assert deadline.astimezone().strftime("%Y-%m-%d") in where
    form = "form[data-action=confirm]"
    assert page.locator(f"{form} input[name=contacted]:checked").count() == 0
    assert page.input_value(f"{form} select[name=resolved]") == ""
    assert page.input_value(f"{form} select[name=satisfaction]") == ""
    assert page.locator("form[data-action=comment] input[name=public]").count() == 0  # no pointless 企业可见

    page.fill(f"{form} textarea[name=comment]", "答复及时，态度很好")
    page.click(f"{form} button[type=submit]")  # nothing chosen
    assert "请选择解决情况" in page.inner_text(form) and "请选择满意度" in page.inner_text(form)
    assert page.input_value(f"{form} textarea[name=comment]") == "答复及时，态度很好"  # nothing lost
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REPLIED

    page.check(f"{form} input[name=contacted][value=true]")
    page.select_option(f"{form} select[name=resolved]", "partly")
    page.select_option(f"{form} select[name=satisfaction]", "basically_satisfied")
    page.click(f"{form} button[type=submit]")
    assert page.inner_text("#status") == "已办结"
    evaluation = Ticket.objects.get(pk=ticket.pk).evaluations.get()
    assert (evaluation.contacted, evaluation.resolved, evaluation.satisfaction, evaluation.comment) == (
        True, "partly", "basically_satisfied", "答复及时，态度很好"
    )  # fmt: skip


def test_a_handler_sees_the_contact_replies_with_a_file_and_meets_the_sites_404(
    world, make_ticket, live_server, browser, settings
):
    ticket = make_ticket(Status.ASSIGNED, contact_name="李四", contact_phone="13905701234")
    Ticket.objects.filter(pk=ticket.pk).update(
        triage_confidence=1.0,
        triage_suggestions={"routes": [
            {"category": "energy", "name": "要素保障-用能", "probability": 0.633, "lead": {"code": "gongdian",
             "name": "国网衢州供电公司"}, "assisting": [], "words": ["增容", "18", "800", "变压器"]},
        ]},
    )  # fmt: skip
    page = login(browser, live_server.url, "banli-gongdian")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert page.inner_text("#contact-name") == "李四" and "139****1234" in page.inner_text("#contact-phone")
    page.click("#reveal-phone")  # the number in full on an explicit click (htmx), recorded (issue 18, item 4)
    page.wait_for_selector("#contact-phone a[href='tel:13905701234']")
    assert page.inner_text("#contact-phone") == "13905701234"
    assert AuditRecord.objects.filter(action=Action.CONTACT_REVEAL, object_id=str(ticket.pk)).exists()
    panel = page.inner_text(".suggestions")
    assert "依据：增容、变压器" in panel and "18" not in panel and "800" not in panel
    assert "置信度 100%" in panel and "63%" in panel and "关键词" in panel  # the two numbers explained

    page.click("form[data-action=accept] button[type=submit]")
    assert page.inner_text("#status") == "办理中"
    opened = page.locator("details[open] form")
    assert opened.count() == 1 and opened.get_attribute("data-action") == "reply"  # not 要求补充材料
    page.fill("form[data-action=reply] textarea[name=body]", "已安排客户经理上门勘察，方案见附件。")
    page.set_input_files(
        "form[data-action=reply] input[name=files]",
        [{"name": "增容方案.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("form[data-action=reply] button[type=submit]")
    assert page.inner_text("#status") == "待评价"
    assert "增容方案.pdf" in page.inner_text("#attachments")
    assert list(Ticket.objects.get(pk=ticket.pk).attachments.values_list("original_name", flat=True)) == [
        "增容方案.pdf"
    ]

    other = make_ticket(Status.ASSIGNED)
    Ticket.objects.filter(pk=other.pk).update(lead_department=world.county)
    other.assignments.update(department=world.county)
    response = page.goto(f"{live_server.url}/tickets/{other.pk}/")
    assert response.status == 404
    assert "页面不存在" in page.inner_text("main") and page.locator("header.top").count() == 1
    assert "Page not found" not in page.content() and other.title not in page.content()
