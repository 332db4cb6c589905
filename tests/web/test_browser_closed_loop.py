"""The closed loop clicked through the real pages in Debian's Chromium (Playwright), with a real worker."""

import pytest

from tickets.models import Status, Ticket

from ..conftest import wait_for
from .conftest import login, open_action

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_company_files_a_request_and_closes_it_through_the_pages(world, live_server, celery_worker_process, browser):
    company = login(browser, live_server.url, "qiye-a")
    company.goto(f"{live_server.url}/my/new/")
    company.fill("input[name=title]", "新厂房投产急需电力增容")
    company.fill("textarea[name=description]", "新厂房下月投产，现有变压器容量不足，需要新增变压器并尽快完成用电报装。")
    company.click("button[type=submit]")
    assert "诉求已提交" in company.inner_text(".msg")
    ticket = Ticket.objects.get()
    wait_for(lambda: Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED)

    handler = login(browser, live_server.url, "banli-gongdian")
    handler.goto(f"{live_server.url}/workbench/")
    handler.click(f"text={ticket.title}")
    handler.click("form[data-action=accept] button[type=submit]")
    assert handler.inner_text("#status") == "办理中"
    reply = open_action(handler, "reply")
    handler.fill(f"{reply} textarea[name=body]", "已安排客户经理上门勘察，三个工作日内完成增容方案。")
    handler.click(f"{reply} button[type=submit]")
    assert handler.inner_text("#status") == "待评价"

    company.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    form = open_action(company, "confirm")
    company.check(f"{form} input[name=contacted][value=true]")
    company.select_option(f"{form} select[name=resolved]", "resolved")
    company.select_option(f"{form} select[name=satisfaction]", "satisfied")
    company.click(f"{form} button[type=submit]")
    assert company.inner_text("#status") == "已办结"
    assert "已安排客户经理上门勘察" in company.inner_text(".reply")
    assert [e.action for e in Ticket.objects.get(pk=ticket.pk).events.all()] == [
        "submit", "triage", "accept", "reply", "confirm"
    ]  # fmt: skip


def test_pages_show_only_what_the_user_may_see_and_do(world, make_ticket, client):
    ticket = make_ticket(Status.ASSIGNED)
    client.force_login(world.other_company_user)
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    client.force_login(world.company_user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-action="withdraw"' in page and 'data-action="accept"' not in page
    refused = client.post(f"/tickets/{ticket.pk}/act/accept/", follow=True)
    assert "您的身份不能" in refused.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED


@pytest.mark.parametrize("rows", [3, 12])
def test_the_workbench_runs_the_same_queries_whatever_the_number_of_rows(
    rows, world, make_ticket, client, django_assert_num_queries
):
    for _ in range(rows):
        make_ticket(Status.ASSIGNED)
    client.force_login(world.handler)
    client.get("/workbench/")  # warm the session
    with django_assert_num_queries(3):  # session, the user with its memberships, the page of rows (one statement)
        response = client.get("/workbench/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/tickets/') == 2 * rows
