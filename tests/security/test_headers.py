"""Security headers on pages and API answers; production settings: HSTS, secure cookies, check --deploy."""

import os
import subprocess
import sys

from common.middleware import CONTENT_SECURITY_POLICY
from tests.conftest import ROOT, api


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


def test_the_policy_allows_no_inline_or_foreign_script():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]  # <style> elements refused; only attributes are inline
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]


def test_pages_and_api_answers_carry_the_security_headers(world, client):
    client.force_login(world.handler)
    answers = [client.get("/login/"), client.get("/workbench/"), client.get("/dashboard/")]
    answers += [api(world.company_user).get("/api/v1/tickets/"), api().get("/api/v1/nope/")]
    for response in answers:
        assert response.status_code in (200, 404), response
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_api_docs_page_has_its_own_policy_and_no_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html  # the split view loads its start-up script from this origin
    policy = directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]


PRODUCTION_PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/api/v1/nope/", secure=True)
print(response.status_code, response["Strict-Transport-Security"])
print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY)
print(bool(response.get("Content-Security-Policy")))
"""


def production_env() -> dict:
    return {
        **os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 20 + "-production-probe-" + "y" * 40,
        "DJANGO_ALLOWED_HOSTS": "testserver,qihu.example.gov.cn", "DJANGO_SETTINGS_MODULE": "qihu.settings",
        "QIHU_PII_KEY": "k2026:" + "5a" * 32,
    }  # fmt: skip


def test_production_settings_send_hsts_and_secure_cookies():
    probe = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=production_env(), capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    status_line, cookies, csp = probe.stdout.strip().splitlines()[-3:]
    assert status_line == "404 max-age=31536000; includeSubDomains; preload"
    assert cookies == "True True True"
    assert csp == "True"


def test_check_deploy_is_clean_with_production_settings():
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
