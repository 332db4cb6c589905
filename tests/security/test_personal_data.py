"""Personal information (issue 18, item 4) on PostgreSQL: phone numbers SM4-encrypted at rest (a raw read shows
no number), found by a blind index, masked, revealed with an audit record, a person's data exported and erased
on request, contacts anonymised after the retention period, and key rotation."""

import base64
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import User
from audit.models import Action, AuditRecord
from companies.selectors import company_find_by_phone
from privacy import crypto
from privacy.services import contacts_anonymise_expired, personal_data_erase, personal_data_export
from tests.conftest import api
from tickets.models import Status, Ticket

PHONE = "13905701234"


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def test_phone_numbers_are_sm4_encrypted_at_rest(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED, contact_phone=PHONE)
    world.company_user.phone = PHONE
    world.company_user.save()
    stored = [raw("tickets_ticket", "contact_phone", ticket.pk), raw("accounts_user", "phone", world.company_user.pk),
              raw("companies_company", "contact_phone", world.company.pk)]  # fmt: skip
    for value in stored:
        assert value.startswith("sm4:demo:") and "1390570" not in value and "1380570" not in value
    assert len({raw("tickets_ticket", "contact_phone", ticket.pk) for _ in range(2)}) == 1  # stable when read
    other = make_ticket(Status.SUBMITTED, contact_phone=PHONE)
    assert raw("tickets_ticket", "contact_phone", other.pk) != stored[0]  # a fresh nonce each time
    assert Ticket.objects.get(pk=ticket.pk).contact_phone == PHONE  # the application reads it in plain
    assert Ticket.objects.filter(pk=ticket.pk).values_list("contact_phone", flat=True)[0] == PHONE
    prefix, body = stored[0].rsplit(":", 1)
    sealed = bytearray(base64.b64decode(body))
    sealed[14] ^= 1  # one bit of the ciphertext
    with pytest.raises(InvalidTag):  # GCM: an edited ciphertext is refused, not misread
        crypto.decrypt(f"{prefix}:{base64.b64encode(bytes(sealed)).decode()}")


def test_companies_are_found_by_phone_through_the_blind_index(world):
    found = company_find_by_phone("+86 138-0570-0000")  # the factory's 13805700000, written another way
    assert {c.pk for c in found} == {world.company.pk, world.other_company.pk}
    assert not company_find_by_phone("13905709999").exists() and not company_find_by_phone("").exists()
    index = raw("companies_company", "contact_phone_index", world.company.pk)
    assert len(index) == 64 and "13805700000" not in index


def test_the_api_detail_masks_the_phone_and_the_reveal_is_recorded(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED, contact_phone=PHONE)
    assert api(world.handler).get(f"/api/v1/tickets/{ticket.pk}/").json()["contact_phone"] == "139****1234"
    assert not AuditRecord.objects.filter(action=Action.CONTACT_REVEAL).exists()
    shown = api(world.handler).post(f"/api/v1/tickets/{ticket.pk}/contact/")
    assert shown.status_code == 200 and shown.json()["contact_phone"] == PHONE
    record = AuditRecord.objects.get(action=Action.CONTACT_REVEAL)
    assert (record.username, record.object_type, record.object_id) == (
        "banli-gongdian",
        "tickets.ticket",
        str(ticket.pk),
    )
    refused = api(world.supervisor).post(f"/api/v1/tickets/{ticket.pk}/contact/")
    assert refused.status_code == 403 and "办理" in refused.json()["detail"]
    assert api(world.other_company_user).post(f"/api/v1/tickets/{ticket.pk}/contact/").status_code == 404
    assert AuditRecord.objects.filter(action=Action.CONTACT_REVEAL).count() == 1


def test_a_persons_data_is_exported_and_erased_on_request_the_tickets_stay(world, make_ticket):
    user = world.company_user
    user.phone, user.first_name = PHONE, "王五"
    user.save()
    ticket = make_ticket(Status.CLOSED, contact_name="王五", contact_phone=PHONE)
    data = personal_data_export(user_id=user.pk)
    assert data["account"]["phone"] == PHONE and data["tickets"][0]["contact_phone"] == PHONE
    assert personal_data_erase(user_id=user.pk) == 1
    user.refresh_from_db()
    ticket.refresh_from_db()
    assert (user.first_name, user.phone, user.email, user.is_active) == ("", "", "", False)
    assert not user.has_usable_password()
    assert (ticket.contact_name, ticket.contact_phone, ticket.status) == ("", "", Status.CLOSED)
    assert raw("tickets_ticket", "contact_phone_index", ticket.pk) == ""
    assert [r.action for r in AuditRecord.objects.filter(action__startswith="contact_").order_by("seq")] == [
        Action.CONTACT_EXPORT, Action.CONTACT_ERASE,
    ]  # fmt: skip


def test_the_command_line_exports_and_erases(world, capsys):
    call_command("pii_person", "qiye-a", "--export")
    assert '"username": "qiye-a"' in capsys.readouterr().out
    call_command("pii_person", "qiye-a", "--erase")
    assert not User.objects.get(username="qiye-a").is_active


def test_contacts_are_anonymised_after_the_retention_period(world, make_ticket, settings):
    settings.QIHU = {**settings.QIHU, "PII_RETENTION_DAYS": 30}
    old = make_ticket(Status.CLOSED, contact_phone=PHONE)
    recent = make_ticket(Status.CLOSED, contact_phone=PHONE)
    still_open = make_ticket(Status.ACCEPTED, contact_phone=PHONE)
    Ticket.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=31))
    assert contacts_anonymise_expired() == 1
    assert contacts_anonymise_expired() == 0  # idempotent
    values = dict(Ticket.objects.values_list("pk", "contact_phone"))
    assert (values[old.pk], values[recent.pk], values[still_open.pk]) == ("", PHONE, PHONE)
    assert AuditRecord.objects.get(action=Action.CONTACT_ANONYMISE).details["tickets"] == 1


def test_the_anonymisation_is_scheduled_nightly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["nightly-anonymise-contacts"]
    assert entry["task"] == "privacy.anonymise_expired"
    from qihu.celery import app

    app.loader.import_default_modules()
    assert "privacy.anonymise_expired" in app.tasks


@pytest.fixture
def fresh_keys():
    crypto.forget_keys()
    yield
    crypto.forget_keys()


def test_key_rotation_re_encrypts_and_re_indexes(world, make_ticket, settings, fresh_keys):
    ticket = make_ticket(Status.ACCEPTED, contact_phone=PHONE)
    new_key = "k2027:" + "ab" * 32
    settings.QIHU = {**settings.QIHU, "PII_KEY": new_key, "PII_OLD_KEYS": [crypto.DEMO_KEY]}
    crypto.forget_keys()
    assert Ticket.objects.get(pk=ticket.pk).contact_phone == PHONE  # the old key still decrypts
    call_command("pii_rotate")
    assert raw("tickets_ticket", "contact_phone", ticket.pk).startswith("sm4:k2027:")
    settings.QIHU = {**settings.QIHU, "PII_OLD_KEYS": []}
    crypto.forget_keys()
    assert Ticket.objects.get(pk=ticket.pk).contact_phone == PHONE  # the new key alone
    assert {c.pk for c in company_find_by_phone("13805700000")} == {world.company.pk, world.other_company.pk}


def test_check_deploy_refuses_the_demo_key():
    import subprocess
    import sys

    from tests.conftest import ROOT

    from .test_headers import production_env

    env = {k: v for k, v in production_env().items() if k != "QIHU_PII_KEY"}
    check = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode != 0 and "qihu.E001" in check.stderr + check.stdout
