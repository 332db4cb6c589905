"""The intake desk and the meeting page in a real browser: an operator finds a company, files a hotline call for
it, and records a 亲清会 with two companies' requests; a bad row is refused with nothing saved."""

import pytest

from intake.models import Meeting
from tickets.models import Source, Ticket

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_operator_files_a_call_for_a_company_it_finds(world, desk, live_server, browser):
    page = login(browser, live_server.url, "shouli-rexian")
    assert page.url.endswith("/intake/")  # intake staff land on the desk
    page.fill("input[name=q]", world.company.credit_code)
    page.click("form[role=search] button")
    page.click(f"#companies a[href='/intake/companies/{world.company.pk}/file/']")

    page.select_option("select[name=channel]", "hotline")
    page.fill("input[name=caller_name]", "李来电")
    page.fill("input[name=caller_phone]", "0570 301 2345x")
    page.fill("input[name=title]", "新厂房投产急需电力增容")
    page.fill("textarea[name=description]", "现有变压器容量不足，需要新增变压器。")
    page.click("form button[type=submit]")
    assert "联系电话格式不正确" in page.inner_text("main")  # said, and what was typed kept
    assert page.input_value("input[name=title]") == "新厂房投产急需电力增容"
    page.fill("input[name=caller_phone]", "0570-3012345")
    page.click("form button[type=submit]")

    assert "已代" in page.inner_text(".msg") and world.company.name in page.inner_text(".msg")
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.filed_by, ticket.company) == (Source.HOTLINE, desk.operator, world.company)
    assert page.inner_text("#channel") == "热线电话"
    page.click("a[data-page=intake-desk]")
    assert ticket.number in page.inner_text("#filed")

    company = login(browser, live_server.url, "qiye-a")
    company.goto(f"{live_server.url}/my/")
    assert ticket.number in company.inner_text("main")


def test_a_meeting_is_recorded_with_its_requests(world, desk, live_server, browser):
    page = login(browser, live_server.url, "shouli-rexian")
    page.click("a[data-page=intake-meeting-new]")
    page.fill("input[name=title]", "2026年第4期亲清会（新材料产业链）")
    page.fill("input[name=held_on]", "2026-11-20")
    page.fill("input[name=place]", "市行政服务中心三楼")
    page.fill("input[name=officials]", "张副市长、市发改委")
    for row, (company, title) in enumerate([(world.company.credit_code, "用电增容"), ("不存在的企业", "招工难")]):
        page.fill(f"input[name=rows-{row}-company]", company)
        page.fill(f"input[name=rows-{row}-caller_name]", "赵总")
        page.fill(f"input[name=rows-{row}-caller_phone]", "13905701234")
        page.fill(f"input[name=rows-{row}-title]", title)
        page.fill(f"textarea[name=rows-{row}-description]", "请协调解决。")
    page.click("button[type=submit]")
    assert "找不到该企业" in page.inner_text("tr[data-row='2']")
    assert "所有诉求均未录入" in page.inner_text(".msg")
    assert not Meeting.objects.exists() and not Ticket.objects.exists()

    page.fill("input[name=rows-1-company]", world.other_company.name)
    page.click("button[type=submit]")
    assert "代录诉求 2 件" in page.inner_text(".msg")
    meeting = Meeting.objects.get()
    assert page.url.endswith(f"/intake/meetings/{meeting.pk}/")
    assert "招工难" in page.inner_text("#meeting-tickets") and world.other_company.name in page.inner_text("main")
    assert {t.source for t in meeting.tickets.all()} == {Source.MEETING}
