"""A real browser for the page tests: Debian's Chromium driven by Playwright."""

import os

import pytest
from django.db import connections

from ..factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still plain
    # synchronous code, so Django's guard against ORM use from async code does not apply here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # ORM calls under Playwright's greenlets got their own connection: close it, or the test
            # database cannot be dropped at the end.
            connections.close_all()


def open_action(page, slug: str) -> str:
    """Unfold an action's form on the ticket page; returns its selector."""
    form = f"form[data-action={slug}]"
    page.locator(f"details:has({form})").evaluate("details => details.open = true")
    return form


def login(browser, base: str, username: str):
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page
