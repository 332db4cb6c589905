"""What everyone meets in Chromium (issue 15, "Everyone"): English pages that fit a phone, tables inside their
boxes, the username kept after a failed login, a favicon and no console error on a page load."""

import pytest

from tickets.models import Status

from ..factories import PASSWORD
from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LONG_TITLE = "Supplementary-power-capacity-application-for-the-new-workshop-transformer-1250kVA-urgent"


def english_login(browser, base: str, username: str, **context):
    page = browser.new_context(locale="en-US", **context).new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_my_requests_in_english_fit_a_390_px_phone(world, make_ticket, live_server, browser):
    world.lead.name_en = "State Grid Quzhou Power Supply"
    world.lead.save(update_fields=["name_en"])
    ticket = make_ticket(Status.ACCEPTED)
    make_ticket(Status.PENDING_DISPATCH, title=LONG_TITLE)
    page = english_login(browser, live_server.url, "qiye-a", **PHONE)
    page.goto(f"{live_server.url}/my/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "My requests" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert "State Grid Quzhou Power Supply" in page.inner_text("main")  # the department's English name
    assert "国网衢州供电公司" not in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_dashboards_tables_stay_inside_their_boxes_at_1280_px(world, make_ticket, live_server, browser):
    for status in (Status.CLOSED, Status.REPLIED, Status.ACCEPTED):
        make_ticket(status)
    for context in ({"locale": "zh-CN"}, {"locale": "en-US"}):
        page = browser.new_context(viewport={"width": 1280, "height": 900}, **context).new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "duban")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/dashboard/")
        boxes = page.eval_on_selector_all(
            "section.card:has(table)",
            """cards => cards.map(card => {
                const box = card.getBoundingClientRect(), table = card.querySelector('table').getBoundingClientRect();
                const scroller = card.querySelector('.scroll');
                return {box: box.right, table: Math.min(table.right, scroller.getBoundingClientRect().right),
                        overflow: scroller.scrollWidth > scroller.clientWidth ? 'scrolls' : 'fits'};
            })""",
        )
        assert boxes, "the dashboard shows its tables"
        for box in boxes:
            assert box["table"] <= box["box"] + 0.5, box  # the table (or its scroller) ends inside the card
            assert box["overflow"] == "fits", box  # at 1280 px the figures fit: no scrolling sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_a_failed_login_keeps_the_username(world, live_server, browser):
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "banli-gongdian")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text("main")
    assert page.input_value("input[name=username]") == "banli-gongdian"
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    assert "/login/" not in page.url


def test_pages_have_a_favicon_and_no_console_error(world, make_ticket, live_server, browser):
    ticket = make_ticket(Status.ACCEPTED)
    errors = []
    page = browser.new_context(locale="zh-CN").new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{live_server.url}/login/")
    icon = page.get_attribute("link[rel=icon]", "href")
    assert icon and page.request.get(f"{live_server.url}{icon}").ok
    page = login(browser, live_server.url, "banli-gongdian")
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for path in ("/workbench/", f"/tickets/{ticket.pk}/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert errors == []
