"""The pages work under the Content-Security-Policy: a real browser reports no violation on any of them."""

import pytest

from tickets.models import Status

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def watch(page) -> list[str]:
    """Violations as the browser reports them: console errors and securitypolicyviolation events."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    return seen


def test_no_page_violates_the_policy(world, make_ticket, live_server, browser):
    ticket = make_ticket(Status.ASSIGNED, title="新厂房投产急需电力增容")
    company = login(browser, live_server.url, "qiye-a")
    violations = watch(company)
    company.goto(f"{live_server.url}/my/")
    company.goto(f"{live_server.url}/my/new/")
    company.locator("input[name=title]").press_sequentially("新厂房投产电力增容")
    company.wait_for_selector("#similar a")  # htmx ran and swapped the fragment in
    company.goto(f"{live_server.url}/tickets/{ticket.pk}/")

    handler = login(browser, live_server.url, "banli-gongdian")
    violations += watch(handler)
    handler.goto(f"{live_server.url}/workbench/")
    handler.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    handler.click("form[data-action=accept] button[type=submit]")
    assert "已完成" in handler.inner_text(".msg")
    handler.goto(f"{live_server.url}/dashboard/")
    width = handler.locator(".bar-cell").first.evaluate("e => getComputedStyle(e).getPropertyValue('--v')")
    assert width.strip().endswith("%")  # the inline style attribute (bar width) still applies
    assert violations == []
