"""The auditor (三员分立, issue 18 item 2): reads, searches and exports the audit log on /audit/ and nothing else;
nobody else opens it, superusers included, and nobody edits or deletes a record through the admin."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from audit import services
from audit.models import Action, AuditRecord

from ..factories import UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor():
    return UserFactory(username="shenji", is_auditor=True)


def test_the_auditor_lands_on_the_audit_log_and_has_no_other_page(world, auditor, client, make_ticket):
    ticket = make_ticket()
    client.force_login(auditor)
    assert client.get("/").url == "/audit/"
    page = client.get("/audit/")
    assert page.status_code == 200
    assert [p.name for p in page.context["menu"]] == ["audit-log"]
    for other in ("/workbench/", "/dashboard/", "/workbench/export.xlsx", f"/tickets/{ticket.pk}/", "/admin/"):
        assert client.get(other).status_code in (302, 403, 404), other  # the admin: to its login
    assert list(client.get("/my/").context["tickets"]) == []  # a page anyone signed in opens, empty for them


def test_the_auditor_searches_by_user_action_and_date(world, auditor, client):
    services.record(Action.LOGIN_FAILURE, username="mallory", result="failure")
    services.record(Action.EXPORT, user=world.dispatcher)
    services.record(Action.LOGIN_SUCCESS, user=world.dispatcher)
    client.force_login(auditor)

    def seen(**query):
        return [(r.username, r.action) for r in client.get("/audit/", query).context["page"]]

    assert seen(user="mallory") == [("mallory", "login_failure")]
    assert seen(user="shouli", action="export") == [("shouli", "export")]
    assert seen(since="2000-01-01", until="2000-01-02") == []
    assert ("mallory", "login_failure") in seen(since=services.timezone.localdate().isoformat())
    assert "mallory" in client.get("/audit/", {"user": "mallory"}).content.decode()


def test_the_auditors_export_follows_the_search_and_is_itself_recorded(world, auditor, client):
    services.record(Action.LOGIN_FAILURE, username="mallory", result="failure")
    services.record(Action.EXPORT, user=world.dispatcher)
    client.force_login(auditor)
    download = client.get("/audit/export.xlsx", {"user": "mallory"})
    assert download.status_code == 200
    rows = list(load_workbook(BytesIO(download.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][2] == "mallory" and rows[1][4] == "登录失败"
    export = AuditRecord.objects.filter(action=Action.EXPORT).order_by("-seq").first()
    assert export.user_id == auditor.pk and export.details == {"filters": {"user": "mallory"}, "rows": 1}


@pytest.mark.parametrize("persona", ["admin", "dispatcher", "supervisor", "handler", "company_user"])
def test_nobody_else_opens_the_audit_log(world, client, persona):
    client.force_login(world.people[persona])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403


def test_an_auditor_who_is_also_an_administrator_or_official_is_refused(world, client):
    for user in (
        UserFactory(username="root-auditor", is_auditor=True, is_superuser=True, is_staff=True),
        member(UserFactory(username="handler-auditor", is_auditor=True), world.lead, "handler"),
    ):
        client.force_login(user)
        assert client.get("/audit/").status_code == 403


def test_the_admin_neither_lists_nor_edits_nor_deletes_audit_records(world, client, django_user_model):
    entry = services.record(Action.EXPORT, username="someone")
    root = django_user_model.objects.create_superuser("root", "root@example.gov.cn", "x")
    client.force_login(root)
    assert client.get("/admin/audit/auditrecord/").status_code == 403
    assert client.get(f"/admin/audit/auditrecord/{entry.pk}/change/").status_code == 403
    assert client.post(f"/admin/audit/auditrecord/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "/admin/audit/" not in client.get("/admin/").content.decode()
    assert AuditRecord.objects.filter(pk=entry.pk, username="someone").exists()
