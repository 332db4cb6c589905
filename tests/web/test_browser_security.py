"""Issue 18 in Chromium: an official enrols the second factor on first login (QR code under the page's policy)
and gives a code at the next one; five wrong passwords lock an account; an idle session ends; a phone number
is masked and shown in full on an audited click; the auditor searches the audit log and exports it."""

import base64
import time
from datetime import timedelta

import pytest
from django_otp.oath import totp

from audit import services
from audit.models import Action, AuditRecord
from tests.factories import PASSWORD, UserFactory
from tickets.models import Status

from .conftest import login
from .test_browser_csp import watch

pytestmark = pytest.mark.django_db(transaction=True)


def code(secret: str, *, later: int = 0) -> str:
    return f"{totp(base64.b32decode(secret), t0=-later * 30):06d}"


def test_an_official_enrols_totp_then_logs_in_with_a_code(world, live_server, browser, settings):
    settings.QIHU = {**settings.QIHU, "OTP_REQUIRED": True}
    page = login(browser, live_server.url, "banli-gongdian")
    violations = watch(page)
    page.reload()
    assert "/account/otp/" in page.url and "须启用双因素认证" in page.inner_text("main")
    assert page.locator("#otp-qr").evaluate("img => img.complete && img.naturalWidth > 0")  # the SVG shows
    secret = page.inner_text("#otp-secret").strip()
    page.fill("input[name=code]", code(secret))
    page.click("button[type=submit]")
    assert page.url.endswith("/workbench/") and "双因素认证已启用" in page.inner_text(".msg")
    assert violations == []

    again = login(browser, live_server.url, "banli-gongdian")
    assert "/account/otp/verify/" in again.url
    again.fill("input[name=code]", code(secret, later=1))  # the current code was spent on the enrolment
    again.click("button[type=submit]")
    assert again.url.endswith("/workbench/")
    assert AuditRecord.objects.filter(action=Action.OTP_ENROL, username="banli-gongdian").exists()


def test_five_wrong_passwords_lock_the_account(world, live_server, browser):
    page = browser.new_context(locale="zh-CN").new_page()
    for password in ["wrong"] * 5 + [PASSWORD]:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "qiye-a")
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
    assert "/login/" in page.url and "账号已锁定" in page.inner_text(".msg.error")


def test_an_idle_session_ends(world, live_server, browser, settings):
    settings.QIHU = {**settings.QIHU, "SESSION_IDLE": timedelta(seconds=2)}
    page = login(browser, live_server.url, "qiye-a")
    assert page.url.endswith("/my/")
    time.sleep(3)
    page.goto(f"{live_server.url}/my/")
    assert "/login/" in page.url
    assert AuditRecord.objects.get(action=Action.SESSION_TIMEOUT).details["reason"] == "idle"


def test_the_phone_is_masked_and_shown_in_full_on_an_audited_click(world, make_ticket, live_server, browser):
    ticket = make_ticket(Status.ACCEPTED, contact_name="李经理", contact_phone="13905701234")
    page = login(browser, live_server.url, "banli-gongdian")  # the lead department's handler: on the path
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert "139****1234" in page.inner_text("#contact-phone")
    page.click("#reveal-phone")
    page.locator("#contact-phone", has_text="13905701234").wait_for()  # swapped in by htmx
    assert AuditRecord.objects.filter(action=Action.CONTACT_REVEAL, username="banli-gongdian").count() == 1

    watcher = login(browser, live_server.url, "duban")  # the supervisor sees the ticket, off its handling path
    watcher.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert "139****1234" in watcher.inner_text("#contact-phone") and watcher.locator("#reveal-phone").count() == 0


def test_the_auditor_searches_the_log_and_exports_what_is_found(world, live_server, browser):
    UserFactory(username="shenji", is_auditor=True)
    services.record(Action.LOGIN_FAILURE, username="mallory", result="failure")
    page = login(browser, live_server.url, "shenji")
    violations = watch(page)
    assert page.url.endswith("/audit/")
    page.fill("input[name=user]", "mallory")
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 1 and "mallory" in rows.inner_text() and "登录失败" in rows.inner_text()
    with page.expect_download() as download:
        page.click("text=导出 Excel")
    assert download.value.suggested_filename.endswith(".xlsx")
    export = AuditRecord.objects.filter(action=Action.EXPORT, username="shenji").get()
    assert export.details == {"filters": {"user": "mallory"}, "rows": 1}
    assert violations == []
