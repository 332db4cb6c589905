"""A dispatcher's, a supervisor's and a chain leader's day in Debian's Chromium (issue 15, part 2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from problems.models import Problem, ProblemMember, ProblemStatus
from tickets.models import Status, Ticket
from tickets.services import ticket_apply

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
ROUTE = {
    "category": "energy", "name": "要素保障-用能", "probability": 0.55, "words": ["增容"],
    "lead": {"code": "gongdian", "name": "国网衢州供电公司"}, "assisting": [{"code": "fagai", "name": "市发改委"}],
}  # fmt: skip


def menu(page) -> list[str]:
    return page.locator("header.top nav a[data-page]").all_inner_texts()


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def test_a_dispatcher_dispatches_a_returned_ticket_against_its_own_clock_and_merges_by_number(
    world, make_ticket, live_server, browser
):
    ticket = make_ticket(Status.ASSIGNED)
    Ticket.objects.filter(pk=ticket.pk).update(triage_suggestions={"routes": [ROUTE]})
    ticket_apply(ticket_id=ticket.pk, action="return", actor=world.handler, reason="不属于本单位职责")
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH and ticket.due_at is not None  # the dispatch clock runs

    page = login(browser, live_server.url, "shouli")
    assert page.url.endswith("/workbench/")
    assert menu(page) == ["工作台", "统计"]  # no 每周简报: the dispatcher has none
    row = page.locator("tr", has=page.locator(f"a:text-is('{ticket.number}')"))
    assert "已等待" in row.inner_text() and local(ticket.due_at) in row.inner_text()

    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    facts = page.inner_text("dl.facts")
    assert "签收时限" not in facts and "办理时限" not in facts  # no stale 签收时限
    assert page.inner_text("#dispatch-deadline") == local(ticket.due_at)
    assert "提交" in page.inner_text("#age") and page.inner_text("#light") in ("绿灯", "黄灯")
    form = "form[data-action=dispatch]"
    assert page.input_value(f"{form} select[name=lead]") == ""  # not the department that returned it
    boxes = page.locator(f"{form} #pick-assisting input[type=checkbox]")
    assert boxes.count() == 6 and page.locator(f"{form} #pick-assisting legend").first.inner_text() == "协办部门"
    assert "县(市、区)" in page.inner_text(f"{form} #pick-assisting")  # grouped by kind
    assert page.is_checked(f"{form} input[name=assisting][value=fagai]")  # triage's other suggestion stays
    page.select_option(f"{form} select[name=lead]", "longyou")
    page.click(f"{form} button[type=submit]")
    assert page.inner_text("#status") == "待签收" and page.inner_text("#lead") == "龙游县"

    primary, duplicate = make_ticket(Status.PENDING_DISPATCH), make_ticket(Status.PENDING_DISPATCH)
    page.goto(f"{live_server.url}/tickets/{duplicate.pk}/")
    page.locator("details:has(form[data-action=merge]) summary").click()
    merge = "form[data-action=merge]"
    assert "QH" in page.inner_text(merge)  # asks for the number people see, with an example
    page.fill(f"{merge} input[name=primary]", f"QH20200101-{primary.pk}")  # the right id, the wrong date
    page.click(f"{merge} button[type=submit]")
    assert f"没有编号为 QH20200101-{primary.pk} 的诉求" in page.inner_text(merge)
    page.fill(f"{merge} input[name=primary]", f" {primary.number.lower()} ")
    page.click(f"{merge} button[type=submit]")
    assert "已完成：并单" in page.inner_text(".msg")
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == primary.pk

    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("a[href='/digests/preview/']").count() == 0
    response = page.goto(f"{live_server.url}/digests/preview/")
    assert response.status == 403 and "每周简报发给部门负责人、链长和督办员" in page.inner_text("main")


def test_a_supervisor_reopens_and_raises_a_red_card_both_shown(world, make_ticket, live_server, browser):
    ticket = make_ticket(Status.DISPUTED)
    page = login(browser, live_server.url, "duban")
    assert page.url.endswith("/workbench/") and menu(page) == ["工作台", "统计", "每周简报"]
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert page.locator(".reply[data-stands=yes]").count() == 1
    page.locator("details:has(form[data-action=reopen]) summary").click()
    page.fill("form[data-action=reopen] textarea[name=note]", "企业反映问题仍未解决，重新办理")
    page.click("form[data-action=reopen] button[type=submit]")
    assert page.inner_text("#status") == "办理中"
    assert page.locator("form[data-action=decide-extension]").count() == 0  # in handling, but nothing requested
    old = page.locator(".reply")
    assert old.count() == 1 and old.get_attribute("data-stands") == "no"
    assert "历史答复" in old.inner_text() and "仅作记录" in old.inner_text()

    assert page.inner_text("#supervision") == "未督办"
    page.locator("details:has(form[data-action=supervise]) summary").click()
    page.select_option("form[data-action=supervise] select[name=level]", "red_card")
    page.click("form[data-action=supervise] button[type=submit]")
    assert page.inner_text("#supervision") == "红牌督办"
    assert page.locator("#supervision .sv-red_card").count() == 1


def test_a_chain_leader_lands_on_the_chain_and_decides_a_common_problem_in_pages(
    world, make_ticket, live_server, browser
):
    members = [make_ticket(Status.ACCEPTED), make_ticket(Status.ACCEPTED, user=world.other_company_user)]
    month_ago = timezone.now() - timedelta(days=30)
    problem = Problem.objects.create(
        title="园区变压器容量普遍不足", keywords="变压器、增容", company_count=2, ticket_count=2, recent_count=2,
        previous_count=0, heat=2.0, peak_company_count=2, created_at=month_ago, chain=world.chain,
        first_reported_at=month_ago, last_reported_at=timezone.now(),
    )  # fmt: skip
    ProblemMember.objects.bulk_create([ProblemMember(problem=problem, ticket=t) for t in members])
    shared = Problem.objects.create(  # detected without a chain; one of its members is the chain's
        title="跨链企业用工招聘难", company_count=2, ticket_count=2, recent_count=2, previous_count=1, heat=1.0,
        created_at=month_ago,
    )  # fmt: skip
    ProblemMember.objects.create(problem=shared, ticket=make_ticket(Status.ACCEPTED, title="招工难"))

    page = login(browser, live_server.url, "lianzhang-xcl")
    assert page.url.endswith(f"/chains/{world.chain.code}/")  # the chain workspace, not an empty 工作台
    assert menu(page) == ["产业链工作台", "每周简报"]
    assert "/api/" not in page.inner_html("main")  # never the API's JSON
    response = page.goto(f"{live_server.url}/dashboard/")
    assert response.status == 403 and "只有政府部门用户可以查看统计" in page.inner_text("main")
    assert page.locator("header.top").count() == 1 and "Forbidden" not in page.content()

    page.goto(f"{live_server.url}/digests/preview/?week={timezone.localdate():%Y-%m-%d}")
    growing = page.locator("section[data-kind=chain] ul").nth(2).inner_text()
    page.goto(f"{live_server.url}/chains/{world.chain.code}/")
    listed = page.inner_text("#chain-problems")
    for title in ("园区变压器容量普遍不足", "跨链企业用工招聘难"):  # one definition of the chain's problems
        assert title in growing and title in listed

    page.click(f"#chain-problems a:text-is('{shared.title}')")
    assert page.locator("#decisions").count() == 0  # shared with other chains: seen, decided by the centre
    page.goto(f"{live_server.url}/chains/{world.chain.code}/")
    page.click(f"#chain-problems a:text-is('{problem.title}')")
    assert page.url.endswith(f"/problems/{problem.pk}/")
    assert "变压器、增容" in page.inner_text("#keywords") and "2.0" in page.inner_text("#heat")
    assert {t.number for t in members} <= set(page.locator("#members a").all_inner_texts())

    page.locator("details:has(form[data-decision=confirm]) summary").click()
    confirm = "form[data-decision=confirm]"
    page.select_option(f"{confirm} select[name=owner_kind]", "chain_group")
    page.select_option(f"{confirm} select[name=owner_department]", "zhuanban-xcl")
    page.click(f"{confirm} button[type=submit]")
    assert "请" in page.inner_text(f"{confirm} [data-field=due_date]")  # said in Chinese, nothing lost
    assert page.input_value(f"{confirm} select[name=owner_department]") == "zhuanban-xcl"
    page.fill(f"{confirm} input[name=due_date]", f"{timezone.localdate() + timedelta(days=30):%Y-%m-%d}")
    page.click(f"{confirm} button[type=submit]")
    assert page.inner_text("#problem-status") == "已确认"

    answer = "form[data-decision=answer]"
    page.fill(f"{answer} textarea[name=body]", "已协调供电公司为园区统一扩容，各企业按新方案报装。")
    page.click(f"{answer} button[type=submit]")
    assert "已答复 2 件诉求" in page.inner_text(".msg") and page.inner_text("#problem-status") == "已答复"
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in members]).values_list("status", flat=True)) == {
        Status.REPLIED
    }
    assert page.locator("#problem-events li b").all_inner_texts() == ["确认", "答复"]
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.ANSWERED
