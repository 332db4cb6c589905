"""Screenshots of the main pages into docs/screenshots/ (`make screenshots` starts the demo server for it)."""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


def session(browser, username: str, **context):
    page = browser.new_context(locale="zh-CN", **context).new_page()
    page.goto(f"{BASE}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "qihu-demo")
    page.click("button[type=submit]")
    return page


def shoot(page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(f"docs/screenshots/{name}.png")


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    company = session(browser, "qiye1", viewport={"width": 1100, "height": 800})
    shoot(company, "company-requests")
    earlier = company.inner_text("table.list tbody tr:first-child td:nth-child(2)")
    company.click("text=提交诉求")
    company.locator("input[name=title]").press_sequentially(earlier[:12])  # its similar requests appear
    company.wait_for_selector("#similar a")
    shoot(company, "company-form")
    company.goto(f"{BASE}/my/")
    company.click("table.list tbody tr:first-child td:nth-child(2) a")
    shoot(company, "company-ticket")
    phone = session(browser, "qiye2", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(f"{BASE}/my/new/")
    shoot(phone, "company-form-phone")
    handler = session(browser, "banli-gongdian", viewport={"width": 1100, "height": 800})
    shoot(handler, "workbench")
    supervisor = session(browser, "duban", viewport={"width": 1300, "height": 800})
    supervisor.goto(f"{BASE}/dashboard/?from=2026-01-01")
    shoot(supervisor, "dashboard")
    leader = session(browser, "lianzhang-xcl", viewport={"width": 1100, "height": 800})
    leader.goto(f"{BASE}/chains/xcl/")
    shoot(leader, "chain-workspace")
    dispatcher = session(browser, "shouli", viewport={"width": 1100, "height": 800})
    dispatcher.click("table.list tbody tr:first-child td:nth-child(2) a")
    shoot(dispatcher, "dispatcher-ticket")
    browser.close()
