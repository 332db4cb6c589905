"""The request form in a real browser: similar requests appear while typing (htmx), files go with it."""

import pytest

from tickets.models import Ticket

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n%%EOF\n"


def test_similar_requests_show_while_typing_and_files_are_uploaded(world, make_ticket, live_server, browser):
    earlier = make_ticket(title="新厂房投产急需电力增容", description="现有变压器容量不足，需要新增变压器。")
    make_ticket(user=world.other_company_user, title="另一家企业的电力增容", description="变压器容量不足。")
    page = login(browser, live_server.url, "qiye-a")
    page.goto(f"{live_server.url}/my/new/")

    page.locator("input[name=title]").press_sequentially("新厂房投产电力增容")
    page.wait_for_selector("#similar a")
    assert earlier.number in page.inner_text("#similar")
    assert page.locator("#similar li").count() == 1  # only the company's own requests

    page.fill("textarea[name=description]", "变压器容量不足，请尽快增容。")
    page.set_input_files(
        "input[name=files]", [{"name": "报装申请表.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("button[type=submit]")
    assert "诉求已提交" in page.inner_text(".msg")
    filed = Ticket.objects.exclude(pk=earlier.pk).get(company=world.company)
    assert list(filed.attachments.values_list("original_name", flat=True)) == ["报装申请表.pdf"]
    assert "报装申请表.pdf" in page.inner_text("#attachments")


def test_the_similar_fragment_is_for_the_company_only(world, make_ticket, client):
    mine = make_ticket()
    client.force_login(world.company_user)
    fragment = client.get("/my/similar/", {"title": mine.title, "description": ""}).content.decode()
    assert mine.number in fragment
    client.force_login(world.other_company_user)
    assert mine.number not in client.get("/my/similar/", {"title": mine.title}).content.decode()
    client.force_login(world.handler)
    assert client.get("/my/similar/", {"title": mine.title}).content.decode().strip() == ""
