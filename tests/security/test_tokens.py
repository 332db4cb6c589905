"""API tokens die (issue 20, point 4): with a password change however it is made, at the web logout, at the API
logout, and after QIHU["TOKEN_TTL"] (a 401 in Chinese or English; the next login issues a new token)."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth.forms import PasswordChangeForm
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import ROOT
from tests.factories import PASSWORD, UserFactory

from .test_abuse_inputs import fresh_throttles  # noqa: F401 (a fixture: the counters in Redis, deleted)

pytestmark = pytest.mark.usefixtures("fresh_throttles")  # these tests log in often
NEW_PASSWORD = "Xin-Mima-2026-qz"  # passes the validators (changepassword and the forms check them)


def login(username: str, password: str = PASSWORD) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(token: str, **headers) -> APIClient:
    client = APIClient(**headers)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    status = with_token(token).get("/api/v1/tickets/").status_code
    assert status in (200, 401), status
    return status == 200


# -- a password change -------------------------------------------------------------------------------------
def change_with_set_password(world, client, user):
    user.set_password(NEW_PASSWORD)
    user.save()


def change_with_the_users_own_form(world, client, user):
    """The form of Django's password-change views (the user's own: old password, new one twice)."""
    form = PasswordChangeForm(
        user, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert form.is_valid(), form.errors
    form.save()


def change_on_the_admins_own_page(world, client, user):
    client.force_login(user)
    body = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post("/admin/password_change/", body).status_code == 302


def change_with_the_admins_password_form(world, client, user):
    # accounts are the security administrator's (三员分立), the system administrator's no longer
    client.force_login(UserFactory(username="anquan", is_staff=True, is_security_admin=True))
    body = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    assert client.post(f"/admin/accounts/user/{user.pk}/password/", body).status_code == 302


def change_with_changepassword(world, client, user, monkeypatch):
    from django.contrib.auth.management.commands import changepassword

    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": NEW_PASSWORD)
    call_command("changepassword", user.username)


@pytest.mark.parametrize(
    ("change", "persona"),
    [
        (change_with_set_password, "company_user"),
        (change_with_the_users_own_form, "company_user"),
        (change_on_the_admins_own_page, "admin"),
        (change_with_the_admins_password_form, "company_user"),
        (change_with_changepassword, "handler"),
    ],
)
def test_a_password_change_revokes_the_users_tokens(world, client, monkeypatch, change, persona):
    user, bystander = world.people[persona], world.dispatcher
    token, other = login(user.username), login(bystander.username)
    assert works(token)
    kwargs = {"monkeypatch": monkeypatch} if change is change_with_changepassword else {}
    change(world, client, type(user).objects.get(pk=user.pk), **kwargs)
    assert not works(token)
    new = login(user.username, NEW_PASSWORD)
    assert new != token and works(new)
    assert works(other)  # only the user's own tokens


def test_a_hash_upgraded_at_login_is_no_password_change(world, settings):
    """Django re-hashes a password at login when the hasher's settings changed: the same password, so the
    user's token stays (it is the user's own save, without set_password's new password)."""
    token = login("qiye-a")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    assert login("qiye-a") == token  # the MD5 hash was replaced by a PBKDF2 one at this login
    assert type(world.company_user).objects.get(pk=world.company_user.pk).password.startswith("pbkdf2_sha256$")
    assert works(token)


# -- logouts -------------------------------------------------------------------------------------------------
def test_the_web_logout_revokes_the_users_tokens(world, client):
    token = login("qiye-a")
    client.force_login(world.company_user)
    assert client.post("/logout/").status_code == 302
    assert not works(token)
    assert login("qiye-a") != token


def test_the_api_logout_revokes_the_callers_token(world):
    token, other = login("qiye-a"), login("banli-gongdian")
    response = with_token(token).post("/api/v1/auth/logout/")
    assert (response.status_code, response.content) == (204, b"")
    assert not works(token) and works(other)
    assert with_token(token).post("/api/v1/auth/logout/").status_code == 401  # nothing left to revoke
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401
    assert login("qiye-a") != token


def test_the_schema_documents_the_api_logout(client):
    operation = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]["/api/v1/auth/logout/"]
    assert set(operation) == {"post"}
    assert "204" in operation["post"]["responses"] and "401" in operation["post"]["responses"]
    assert "requestBody" not in operation["post"]


# -- expiry ---------------------------------------------------------------------------------------------------


def age(token: str, by: timedelta) -> None:
    Token.objects.filter(key=token).update(created=timezone.now() - by)


def test_an_expired_token_is_refused_in_chinese_or_english_and_the_next_login_issues_a_new_one(world, settings):
    settings.QIHU = {**settings.QIHU, "TOKEN_TTL": timedelta(hours=8)}
    token = login("qiye-a")
    age(token, timedelta(hours=7, minutes=59))
    assert works(token)
    assert login("qiye-a") == token  # still good: the same token (DESIGN.md §8's login is unchanged)
    age(token, timedelta(hours=8, seconds=1))
    refused = with_token(token).get("/api/v1/tickets/")
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Token"
    assert refused.json()["detail"] == "认证令牌已过期，请重新登录以获取新令牌。"
    english_answer = with_token(token).get("/api/v1/tickets/", HTTP_ACCEPT_LANGUAGE="en")
    assert english_answer.json()["detail"] == "Token expired: log in again for a new one."
    new = login("qiye-a")
    assert new != token and works(new)
    assert Token.objects.filter(user=world.company_user).count() == 1


def test_the_default_lifetime_is_a_day(settings):
    assert settings.QIHU["TOKEN_TTL"] == timedelta(hours=24)


SQLITE_SCRIPT = """
import json
from datetime import timedelta
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from accounts.models import User

User.objects.create_user("qiye-sqlite", password="qihu-demo")
client = Client()
token = client.post("/api/v1/auth/token/", {"username": "qiye-sqlite", "password": "qihu-demo"}).json()["token"]
fresh = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token}").status_code
Token.objects.filter(key=token).update(created=timezone.now() - timedelta(hours=25))
expired = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token}")
again = client.post("/api/v1/auth/token/", {"username": "qiye-sqlite", "password": "qihu-demo"}).json()["token"]
print(json.dumps([fresh, expired.status_code, expired.json().get("detail"), again != token]))
"""


def test_an_expired_token_is_refused_on_sqlite_too(tmp_path):
    """The embedded default's database: DRF's lookup there, not the PostgreSQL statement; the same expiry."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'qihu.sqlite3'}", "QIHU_VAR_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SQLITE_SCRIPT],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(run.stdout.strip().splitlines()[-1]) == [
        200,
        401,
        "认证令牌已过期，请重新登录以获取新令牌。",
        True,
    ]
