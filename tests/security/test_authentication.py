"""Identification and authentication (issue 18, item 1) on PostgreSQL and Redis: the second factor (TOTP) with
its enrolment, the demo's switch, the account lockout, the password policy and expiry, and the session's idle and
absolute limits — each step recorded in the audit log."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import lockout
from audit.models import Action, AuditRecord
from tests.conftest import api
from tests.factories import PASSWORD

from .test_abuse_inputs import fresh_throttles  # noqa: F401 (a fixture: the counters in Redis, deleted)

pytestmark = pytest.mark.usefixtures("fresh_throttles")


@pytest.fixture
def otp_required(settings):
    settings.QIHU = {**settings.QIHU, "OTP_REQUIRED": True}
    # django-otp makes a device wait 1 s, 2 s, 4 s… after each wrong code; these tests type right after wrong
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code_of(user, *, later: int = 0) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0 - later * device.step, digits=device.digits):06d}"


def actions(*names) -> list[str]:
    return list(AuditRecord.objects.filter(action__in=names).order_by("seq").values_list("action", flat=True))


def web_login(user, **extra) -> Client:
    client = Client(**extra)
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def enrol(client, user) -> None:
    client.get("/account/otp/")
    response = client.post("/account/otp/", {"code": code_of(user), "next": "/workbench/"})
    assert response.status_code == 302 and response.url == "/workbench/"


# -- the second factor ---------------------------------------------------------------------------------------
def test_an_official_enrols_on_first_login_then_gives_a_code_at_every_login(world, otp_required):
    handler = world.handler
    client = web_login(handler)
    first = client.get("/workbench/")
    assert first.status_code == 302 and first.url == "/account/otp/?next=%2Fworkbench%2F"
    assert client.get("/api/v1/queue/").status_code == 403  # the session's API calls wait too
    page = client.get(first.url).content.decode()
    device = TOTPDevice.objects.get(user=handler, confirmed=False)
    assert 'id="otp-qr" src="data:image/svg+xml' in page and "otpauth://totp/" in page
    assert client.post("/account/otp/", {"code": "000000"}).status_code == 200  # a wrong code enrols nothing
    enrol(client, handler)
    assert client.get("/workbench/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    again = web_login(handler)
    first = again.get("/dashboard/")
    assert first.url == "/account/otp/verify/?next=%2Fdashboard%2F"
    assert "动态口令不正确" in again.post(first.url, {"code": "123456"}).content.decode()
    used = code_of(handler, later=1)  # the next step's code: the current one was spent on the enrolment
    assert again.post("/account/otp/verify/", {"code": used, "next": "/dashboard/"}).url == "/dashboard/"
    assert again.get("/dashboard/").status_code == 200
    # the same code a second time is refused (replay), the next one passes
    third = web_login(handler)
    assert third.post("/account/otp/verify/", {"code": used}).status_code == 200
    assert actions(Action.OTP_ENROL, Action.OTP_FAILURE) == ["otp_failure", "otp_enrol", "otp_failure", "otp_failure"]


def test_a_company_user_is_not_required_but_may_turn_it_on_and_off(world, otp_required):
    user = world.company_user
    client = web_login(user)
    assert client.get("/my/").status_code == 200
    client.get("/account/otp/")
    assert client.post("/account/otp/", {"code": code_of(user)}).status_code == 302
    assert web_login(user).get("/my/").url.startswith("/account/otp/verify/")  # now owed at every login
    assert client.post("/account/otp/remove/").status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert web_login(user).get("/my/").status_code == 200
    assert actions(Action.OTP_ENROL, Action.OTP_DISABLE) == ["otp_enrol", "otp_disable"]


def test_the_password_alone_reaches_neither_the_password_page_nor_the_removal(world, otp_required):
    user = world.company_user
    client = web_login(user)
    client.get("/account/otp/")
    client.post("/account/otp/", {"code": code_of(user)})
    thief = web_login(user)  # knows the password, not the phone
    assert thief.get("/account/password/").url.startswith("/account/otp/verify/")
    assert thief.get("/account/otp/").url.startswith("/account/otp/verify/")
    assert thief.post("/account/otp/remove/").url.startswith("/account/otp/verify/")
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_an_official_cannot_remove_a_required_factor(world, otp_required):
    client = web_login(world.handler)
    enrol(client, world.handler)
    client.post("/account/otp/remove/")
    assert TOTPDevice.objects.filter(user=world.handler, confirmed=True).exists()


def test_the_api_token_login_asks_for_the_code(world, otp_required):
    login = {"username": "banli-gongdian", "password": PASSWORD}
    refused = api().post("/api/v1/auth/token/", login, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "otp_enrolment_required"
    enrol(web_login(world.handler), world.handler)
    missing = api().post("/api/v1/auth/token/", login, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "otp_invalid"
    good = api().post("/api/v1/auth/token/", {**login, "otp": code_of(world.handler, later=1)}, format="json")
    assert good.status_code == 200 and good.json()["token"]


def test_switched_off_for_the_demo_passwords_alone_log_in_on_the_web_and_the_api(world, settings):
    settings.QIHU = {**settings.QIHU, "OTP_REQUIRED": False}
    client = web_login(world.handler)
    assert client.get("/workbench/").status_code == 200
    login = {"username": "banli-gongdian", "password": PASSWORD}
    assert api().post("/api/v1/auth/token/", login, format="json").status_code == 200


def test_the_demo_server_switches_the_second_factor_off_by_its_one_setting():
    from tests.conftest import ROOT

    assert "QIHU_OTP_REQUIRED=${QIHU_OTP_REQUIRED:-0}" in (ROOT / "scripts/run-embedded").read_text()


def test_production_settings_require_the_second_factor():
    import subprocess
    import sys

    from tests.conftest import ROOT

    from .test_headers import production_env

    probe = "import django; django.setup(); from django.conf import settings; print(settings.QIHU['OTP_REQUIRED'])"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=production_env(), capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "True", out.stderr[-2000:]


# -- lockout -------------------------------------------------------------------------------------------------
def test_five_failures_from_five_addresses_lock_the_account_for_web_api_and_admin(world):
    for n in range(5):
        Client(REMOTE_ADDR=f"198.51.100.{n}").post("/login/", {"username": "qiye-a", "password": "wrong"})
    page = Client(REMOTE_ADDR="203.0.113.5").post("/login/", {"username": "qiye-a", "password": PASSWORD})
    assert page.status_code == 200 and "账号已锁定" in page.content.decode()
    answer = api().post("/api/v1/auth/token/", {"username": "qiye-a", "password": PASSWORD}, format="json")
    assert answer.status_code == 403 and answer.json()["code"] == "account_locked"
    assert not Client().login(username="qiye-a", password=PASSWORD)  # the backend itself refuses
    locked = AuditRecord.objects.get(action=Action.ACCOUNT_LOCKED)
    assert locked.username == "qiye-a" and locked.details["failures"] == 5
    # another account is not affected
    assert web_login(world.other_company_user).get("/my/").status_code == 200


def test_the_lock_ends_after_its_period_and_a_good_login_resets_the_count(world, settings):
    settings.QIHU = {**settings.QIHU, "LOCKOUT_PERIOD": timedelta(seconds=1)}
    for _ in range(4):
        Client().post("/login/", {"username": "qiye-a", "password": "wrong"})
    web_login(world.company_user)  # the fifth try is right: the count starts again
    assert lockout.failure_count("qiye-a") == 0
    for _ in range(5):
        Client().post("/login/", {"username": "qiye-a", "password": "wrong"})
    assert lockout.is_locked("qiye-a")
    import time

    time.sleep(1.1)
    web_login(world.company_user)


def test_wrong_codes_count_towards_the_lockout(world, otp_required):
    enrol(web_login(world.handler), world.handler)
    client = web_login(world.handler)
    for _ in range(4):
        assert client.post("/account/otp/verify/", {"code": "000000"}).status_code == 200
    last = client.post("/account/otp/verify/", {"code": "000000"})
    assert last.status_code == 302 and last.url == "/login/"  # logged out, locked
    assert lockout.is_locked("banli-gongdian") and client.get("/workbench/").status_code == 302


def test_the_security_admin_unlocks_and_it_is_recorded(world, security_admin):
    for _ in range(5):
        Client().post("/login/", {"username": "qiye-a", "password": "wrong"})
    client = Client()
    client.force_login(security_admin)
    user = world.company_user
    response = client.post(
        "/admin/accounts/user/", {"action": "unlock_accounts", "_selected_action": [user.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not lockout.is_locked("qiye-a")
    assert AuditRecord.objects.filter(action=Action.ACCOUNT_UNLOCKED, object_repr="qiye-a").exists()


def test_the_lockout_fails_open_when_redis_is_down(world, redis_stopped):
    assert web_login(world.company_user).get("/my/").status_code == 200
    assert Client().post("/login/", {"username": "qiye-a", "password": "wrong"}).status_code == 200


# -- password policy and expiry ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1!xyz", "password_too_short"),
        ("alllowercaseletters", "password_too_simple"),
        ("qiye-a-Company1", "password_contains_username"),
        ("Qiye-A@example.gov.cn", "password_too_similar"),
        ("12345678901234", "password_entirely_numeric"),
        ("qwertyuiop", "password_too_common"),
    ],
)
def test_the_password_policy(world, password, code):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, world.company_user)
    assert code in [error.code for error in refused.value.error_list]


def test_none_of_the_last_five_passwords_again(world):
    user = world.company_user
    used = [f"Quzhou-{n}-Valley" for n in range(6)]
    for password in used:
        validate_password(password, user)
        user.set_password(password)
        user.save()
    for recent in used[1:]:
        with pytest.raises(ValidationError, match="最近 5 次"):
            validate_password(recent, user)
    validate_password(used[0], user)  # six changes ago: allowed again


def test_the_change_page_applies_the_policy_and_records_the_change(world):
    client = web_login(world.company_user)
    weak = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}
    )
    assert weak.status_code == 200 and "至少" in weak.content.decode()
    new = "Quzhou-Kaihua-2026"
    done = client.post("/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert client.get("/my/").status_code == 200  # the session stays
    assert AuditRecord.objects.filter(action=Action.PASSWORD_CHANGE, object_id=str(world.company_user.pk)).exists()


def test_an_officials_expired_password_must_be_changed_first(world):
    old = timezone.now() - timedelta(days=91)
    for user in (world.handler, world.company_user):
        type(user).objects.filter(pk=user.pk).update(password_changed_at=old)
    client = web_login(world.handler)
    assert client.get("/workbench/").url == "/account/password/?next=%2Fworkbench%2F"
    assert "密码已过期" in client.get("/account/password/").content.decode()
    answer = api().post("/api/v1/auth/token/", {"username": "banli-gongdian", "password": PASSWORD}, format="json")
    assert answer.status_code == 403 and answer.json()["code"] == "password_expired"
    new = "Quzhou-Longyou-2026"
    client.post("/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert client.get("/workbench/").status_code == 200
    assert web_login(world.company_user).get("/my/").status_code == 200  # companies' passwords do not expire


# -- sessions ------------------------------------------------------------------------------------------------
def test_an_idle_session_ends_on_the_server_and_is_recorded(world):
    client = web_login(world.handler)
    assert client.get("/workbench/").status_code == 200
    key = client.session.session_key
    with time_machine.travel(timedelta(minutes=29)):
        assert client.get("/workbench/").status_code == 200  # activity keeps it
    with time_machine.travel(timedelta(minutes=29 + 31)):
        gone = client.get("/workbench/")
    assert gone.status_code == 302 and gone.url.startswith("/login/")
    assert not Session.objects.filter(session_key=key).exists()
    record = AuditRecord.objects.get(action=Action.SESSION_TIMEOUT)
    assert record.username == "banli-gongdian" and record.details["reason"] == "idle"


def test_a_busy_session_still_ends_at_its_absolute_lifetime(world, settings):
    settings.QIHU = {**settings.QIHU, "SESSION_MAX": timedelta(hours=1)}
    client = web_login(world.handler)
    for minutes in (0, 20, 40):
        with time_machine.travel(timedelta(minutes=minutes)):
            assert client.get("/workbench/").status_code == 200
    with time_machine.travel(timedelta(minutes=61)):
        assert client.get("/workbench/").status_code == 302
    assert AuditRecord.objects.get(action=Action.SESSION_TIMEOUT).details["reason"] == "absolute"


def test_logout_ends_the_session_on_the_server(world):
    client = web_login(world.handler)
    key = client.session.session_key
    client.post("/logout/")
    assert not Session.objects.filter(session_key=key).exists()
