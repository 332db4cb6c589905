"""What is recorded (issue 18, item 3): logins and their failures (web, admin, API), logouts, role and membership
changes, configuration changes (routing catalogue, SLA policies, calendar) and every export, with the user and
the source address."""

import datetime

import pytest

from accounts.roles import Role
from audit.models import Action, AuditRecord, Result
from audit.services import verify
from departments.models import Membership
from sla.models import CalendarOverride, SlaPolicy
from triage.models import Category, RoutingRule

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def last(action: str) -> AuditRecord:
    return AuditRecord.objects.filter(action=action).order_by("-seq").first()


def test_web_login_success_failure_and_logout_are_recorded(world, client):
    client.post("/login/", {"username": world.handler.username, "password": "wrong"}, REMOTE_ADDR="198.51.100.7")
    failure = last(Action.LOGIN_FAILURE)
    assert (failure.username, failure.user_id, failure.address, failure.result) == (
        world.handler.username, None, "198.51.100.7", Result.FAILURE,
    )  # fmt: skip
    client.post("/login/", {"username": world.handler.username, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7")
    success = last(Action.LOGIN_SUCCESS)
    assert (success.user_id, success.username, success.result) == (world.handler.pk, "banli-gongdian", Result.SUCCESS)
    assert success.details == {"via": "web"}
    client.post("/logout/")
    assert last(Action.LOGOUT).user_id == world.handler.pk
    assert verify().ok


def test_the_admin_login_failure_is_recorded(world, client):
    client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    failure = last(Action.LOGIN_FAILURE)
    assert failure.username == "admin" and failure.details == {"via": "admin"}


def test_api_token_login_and_logout_are_recorded(world, client_for):
    api = client_for()
    api.post("/api/v1/auth/token/", {"username": world.dispatcher.username, "password": "x"}, format="json")
    assert last(Action.LOGIN_FAILURE).details == {"via": "api"}
    token = api.post(
        "/api/v1/auth/token/", {"username": world.dispatcher.username, "password": PASSWORD}, format="json"
    ).json()["token"]
    success = last(Action.LOGIN_SUCCESS)
    assert (success.user_id, success.details) == (world.dispatcher.pk, {"via": "api"})
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert last(Action.LOGOUT).user_id == world.dispatcher.pk


def test_the_address_behind_a_trusted_proxy_is_the_clients(world, client, settings):
    from ipaddress import ip_network

    settings.QIHU = {**settings.QIHU, "TRUSTED_PROXIES": [ip_network("10.0.0.0/8")]}
    client.post(
        "/login/",
        {"username": "nobody", "password": "x"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert last(Action.LOGIN_FAILURE).address == "203.0.113.9"


def test_membership_and_role_changes_are_recorded(world):
    user = UserFactory(username="newcomer")
    membership = Membership.objects.create(user=user, department=world.lead, role=Role.HANDLER)
    added = last(Action.MEMBERSHIP_CHANGE)
    assert added.object_type == "departments.membership" and added.object_id == str(membership.pk)
    assert added.details == {"change": "added", "user_id": user.pk, "department_id": world.lead.pk, "role": "handler"}
    membership.delete()
    assert last(Action.MEMBERSHIP_CHANGE).details["change"] == "removed"
    user.is_superuser = True
    user.save()
    role = last(Action.ROLE_CHANGE)
    assert role.object_id == str(user.pk) and role.details == {"changed": {"is_superuser": [False, True]}}
    before = AuditRecord.objects.count()
    user.first_name = "新"
    user.save()  # not a role
    assert AuditRecord.objects.count() == before


def test_a_change_in_the_admin_names_the_administrator_and_their_address(world, client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.gov.cn", PASSWORD)
    client.force_login(admin)
    response = client.post(
        "/admin/sla/calendaroverride/add/",
        {"date": "2027-02-07", "is_working_day": "on", "note": "调休"},
        REMOTE_ADDR="192.0.2.44",
    )
    assert response.status_code == 302, response.content[:500]
    change = last(Action.CONFIG_CHANGE)
    assert (change.username, change.user_id, change.address) == ("root", admin.pk, "192.0.2.44")
    assert change.object_type == "sla.calendaroverride" and change.details == {"change": "added"}


def test_configuration_changes_are_recorded(world):
    category = Category.objects.create(code="water", name="要素保障-用水")
    rule = RoutingRule.objects.create(category=category, lead=world.lead)
    policy = SlaPolicy.objects.create(category=category, handle_days=5, accept_days=1)
    day = CalendarOverride.objects.create(date=datetime.date(2027, 2, 7), is_working_day=True)
    policy.handle_days = 3
    policy.save()
    rule_id = rule.pk
    rule.delete()
    changes = list(
        AuditRecord.objects.filter(action=Action.CONFIG_CHANGE)
        .order_by("-seq")[:6]
        .values_list("object_type", "object_id", "details")
    )
    assert changes[::-1] == [
        ("triage.category", str(category.pk), {"change": "added"}),
        ("triage.routingrule", str(rule_id), {"change": "added"}),
        ("sla.slapolicy", str(policy.pk), {"change": "added"}),
        ("sla.calendaroverride", str(day.pk), {"change": "added"}),
        ("sla.slapolicy", str(policy.pk), {"change": "changed"}),
        ("triage.routingrule", str(rule_id), {"change": "deleted"}),
    ]
    assert verify().ok


def test_every_export_is_recorded(world, client):
    client.force_login(world.dispatcher)
    assert client.get("/workbench/export.xlsx", {"status": "accepted"}).status_code == 200
    export = last(Action.EXPORT)
    assert (export.user_id, export.object_type) == (world.dispatcher.pk, "tickets.ticket")
    assert export.details["filters"] == {"status": "accepted"}
    assert client.get("/dashboard/export.xlsx", {"from": "2026-11-01", "to": "2026-11-30"}).status_code == 200
    export = last(Action.EXPORT)
    assert export.object_type == "figures" and export.details == {"since": "2026-11-01", "until": "2026-11-30"}
