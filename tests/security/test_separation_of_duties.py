"""Separation of duties (三员分立, issue 18 item 2), per role: the security administrator manages accounts, roles
and their lockout and second factor, and reads no audit record; the system administrator (superuser) configures
but manages no account and edits no audit record; the auditor reads the audit log and changes nothing."""

import pytest
from django.test import Client

from accounts.access import is_security_admin
from audit import services
from audit.models import Action, AuditRecord
from departments.models import Membership

from ..factories import UserFactory, member


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def auditor(db):
    return UserFactory(username="shenji", is_auditor=True)


def change_form(user, **changes) -> dict:
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": "", "email": user.email,
        "company": user.company_id or "", "phone": "", "is_active": "on",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0", "_save": "1",
    }  # fmt: skip
    for flag in ("is_staff", "is_superuser", "is_security_admin", "is_auditor"):
        if changes.get(flag, getattr(user, flag)):
            data[flag] = "on"
    return data


def test_the_security_admin_grants_roles_and_it_is_recorded(world, security_admin):
    client = logged_in(security_admin)
    assert client.get("/").url == "/admin/"  # lands on the admin: accounts and roles are there
    assert client.get("/admin/accounts/user/").status_code == 200
    target = UserFactory(username="future-auditor")
    response = client.post(f"/admin/accounts/user/{target.pk}/change/", change_form(target, is_auditor=True))
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.is_auditor
    record = AuditRecord.objects.get(action=Action.ROLE_CHANGE, object_id=str(target.pk))
    assert record.username == "anquan" and record.details["changed"]["is_auditor"] == [False, True]


def test_the_security_admin_manages_memberships_on_the_users_page(world, security_admin):
    client = logged_in(security_admin)
    target = UserFactory(username="new-handler")
    data = change_form(target) | {
        "memberships-TOTAL_FORMS": "1", "memberships-0-department": world.lead.pk, "memberships-0-role": "handler",
    }  # fmt: skip
    assert client.post(f"/admin/accounts/user/{target.pk}/change/", data).status_code == 302
    assert Membership.objects.filter(user=target, department=world.lead, role="handler").exists()
    assert AuditRecord.objects.filter(action=Action.MEMBERSHIP_CHANGE, username="anquan").exists()


def test_the_security_admin_reads_no_audit_record(world, security_admin):
    services.record(Action.EXPORT, username="someone")
    client = logged_in(security_admin)
    assert client.get("/audit/").status_code == 403
    assert client.get("/admin/audit/auditrecord/").status_code == 403
    assert "/admin/audit/" not in client.get("/admin/").content.decode()


def test_the_system_administrator_configures_but_manages_no_account(world):
    client = logged_in(world.admin)
    assert client.get("/admin/triage/category/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get(f"/admin/accounts/user/{world.handler.pk}/change/").status_code == 403
    department = client.get(f"/admin/departments/department/{world.lead.pk}/change/").content.decode()
    assert "banli-gongdian" in department and 'name="memberships-0-role"' not in department  # shown, not editable
    assert "/admin/accounts/" not in client.get("/admin/").content.decode()


def test_the_auditor_reads_the_log_and_has_no_admin(world, auditor):
    client = logged_in(auditor)
    assert client.get("/audit/").status_code == 200
    assert client.get("/admin/").status_code == 302  # not staff: the admin's login page
    assert client.get("/admin/accounts/user/").status_code == 302


@pytest.mark.parametrize(
    "extra",
    [{"is_superuser": True}, {"is_auditor": True}, {"membership": True}],
    ids=["also-superuser", "also-auditor", "also-official"],
)
def test_a_security_admin_holding_another_role_is_refused(world, extra):
    user = UserFactory(username="mixed", is_staff=True, is_security_admin=True,
                       **{k: v for k, v in extra.items() if k != "membership"})  # fmt: skip
    if extra.get("membership"):
        member(user, world.lead, "handler")
    assert not is_security_admin(user)
    assert logged_in(user).get("/admin/accounts/user/").status_code == 403


@pytest.mark.parametrize("persona", ["security_admin", "admin", "auditor"])
def test_nobody_edits_or_deletes_an_audit_record(world, security_admin, auditor, persona):
    user = {"security_admin": security_admin, "admin": world.admin, "auditor": auditor}[persona]
    entry = services.record(Action.EXPORT, username="someone")
    client = logged_in(user)
    assert client.post(f"/admin/audit/auditrecord/{entry.pk}/change/", {"username": "x"}).status_code in (302, 403)
    assert client.post(f"/admin/audit/auditrecord/{entry.pk}/delete/", {"post": "yes"}).status_code in (302, 403)
    assert AuditRecord.objects.get(pk=entry.pk).username == "someone"


def test_the_first_security_admin_is_named_from_the_command_line(db, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("QIHU_SECURITY_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError, match=r"至少|at least"):
        call_command("security_admin", "anquan2")
    monkeypatch.setenv("QIHU_SECURITY_ADMIN_PASSWORD", "Kaihua-River-2026")
    call_command("security_admin", "anquan2")
    user = get_user_model().objects.get(username="anquan2")
    assert is_security_admin(user) and user.check_password("Kaihua-River-2026")
    assert AuditRecord.objects.filter(action=Action.ROLE_CHANGE, object_id=str(user.pk)).exists()
    UserFactory(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(CommandError, match="another role"):
        call_command("security_admin", "root")
