"""The audit chain (issue 18, item 3): SM3-chained, append-only, verified by `manage.py audit_verify`, purged
only past the retention with the chain still whole."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import services
from audit.models import Action, AppendOnly, AuditAnchor, AuditRecord

pytestmark = pytest.mark.django_db


def _chain(n: int) -> list[AuditRecord]:
    return [services.record(Action.CONFIG_CHANGE, username="tester", details={"n": i}) for i in range(n)]


def verify_output() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue().strip().splitlines()[-1]


def _raw(sql: str, params=()) -> None:
    """As an attacker with the database owner's rights: the append-only trigger switched off for the edit."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_auditrecord_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_auditrecord_append_only")


def test_records_are_chained_with_sm3():
    first, second = _chain(2)
    assert first.algorithm == "sm3" and first.prev_hash == services.GENESIS
    assert second.seq == first.seq + 1 and second.prev_hash == first.hash
    assert second.hash == hashlib.new("sm3", services.canonical(second)).hexdigest()
    stored = AuditRecord.objects.get(pk=second.pk)  # read back (jsonb, timestamptz): the same text, the same hash
    assert services.digest(stored.algorithm, services.canonical(stored)) == stored.hash


def test_sha256_where_sm3_is_unavailable(monkeypatch):
    real_new = hashlib.new

    def no_sm3(name, *args, **kwargs):
        if name == "sm3":
            raise ValueError("unsupported hash type sm3")
        return real_new(name, *args, **kwargs)

    monkeypatch.setattr(hashlib, "new", no_sm3)
    entry = services.record(Action.EXPORT, username="tester")
    assert entry.algorithm == "sha256"
    assert entry.hash == hashlib.sha256(services.canonical(entry)).hexdigest()
    monkeypatch.undo()
    _chain(1)  # a chain can mix them: each record names its own
    assert verify_output() == (0, "audit chain ok: 2 records")


def test_audit_verify_passes_on_an_intact_chain():
    _chain(5)
    assert verify_output() == (0, "audit chain ok: 5 records")


def test_an_edited_record_is_named():
    records = _chain(5)
    _raw("UPDATE audit_auditrecord SET username = 'someone-else' WHERE id = %s", [records[2].pk])
    code, message = verify_output()
    assert code == 1
    assert f"broken at record {records[2].seq}" in message and "hash mismatch" in message


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link():
    records = _chain(4)
    forged = AuditRecord.objects.get(pk=records[1].pk)
    forged.details = {"n": "forged"}
    forged_hash = services.digest(forged.algorithm, services.canonical(forged))
    _raw(
        "UPDATE audit_auditrecord SET details = %s::jsonb, hash = %s WHERE id = %s",
        ['{"n": "forged"}', forged_hash, forged.pk],
    )
    code, message = verify_output()
    assert code == 1 and f"broken at record {records[2].seq}" in message and "prev_hash" in message


def test_a_deleted_middle_record_is_detected_as_a_gap():
    records = _chain(5)
    _raw("DELETE FROM audit_auditrecord WHERE id = %s", [records[2].pk])
    code, message = verify_output()
    assert code == 1
    assert f"broken at record {records[3].seq}" in message and f"record {records[2].seq} is missing" in message


def test_the_application_cannot_update_or_delete_a_record():
    entry = _chain(1)[0]
    entry.username = "someone-else"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditRecord.objects.filter(pk=entry.pk).update(username="x")
    with pytest.raises(AppendOnly):
        AuditRecord.objects.all().delete()
    assert AuditRecord.objects.get(pk=entry.pk).username == "tester"


def test_postgresql_refuses_update_and_delete_in_a_trigger():
    entry = _chain(1)[0]
    for sql in (
        "UPDATE audit_auditrecord SET username = 'x' WHERE id = %s",
        "DELETE FROM audit_auditrecord WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditRecord.objects.filter(pk=entry.pk, username="tester").exists()


def _age(records, days: int) -> None:
    """Back-date records (and re-hash them, as if written then), the trigger off: the test's own time machine."""
    prev = records[0].prev_hash
    for entry in AuditRecord.objects.filter(pk__in=[r.pk for r in records]).order_by("seq"):
        entry.time = entry.time - timedelta(days=days)
        entry.prev_hash = prev
        entry.hash = services.digest(entry.algorithm, services.canonical(entry))
        _raw(
            "UPDATE audit_auditrecord SET time = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [entry.time, entry.prev_hash, entry.hash, entry.pk],
        )
        prev = entry.hash
    # the records after them point at the new hashes
    following = AuditRecord.objects.filter(seq__gt=records[-1].seq).order_by("seq")
    for entry in following:
        entry.prev_hash = prev
        entry.hash = services.digest(entry.algorithm, services.canonical(entry))
        _raw("UPDATE audit_auditrecord SET prev_hash = %s, hash = %s WHERE id = %s", [prev, entry.hash, entry.pk])
        prev = entry.hash


def test_purge_deletes_only_records_past_the_retention_and_the_chain_still_verifies():
    records = _chain(6)
    _age(records[:3], 200)
    assert verify_output() == (0, "audit chain ok: 6 records")
    out = StringIO()
    call_command("audit_purge", stdout=out)
    assert "3 records older than 180 days deleted" in out.getvalue()
    kept = list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True))
    assert kept == [r.seq for r in records[3:]] + [records[-1].seq + 1]  # and the purge's own record
    assert AuditRecord.objects.get(seq=kept[-1]).action == Action.AUDIT_PURGE
    anchor = AuditAnchor.objects.get()
    first_kept = AuditRecord.objects.get(seq=records[3].seq)
    assert (anchor.seq, anchor.prev_hash, anchor.purged) == (first_kept.seq, first_kept.prev_hash, 3)
    assert verify_output() == (0, "audit chain ok: 4 records")
    _raw("DELETE FROM audit_auditrecord WHERE seq = %s", [records[3].seq])  # the first kept record, gone
    assert verify_output()[0] == 1


def test_purge_keeps_records_younger_than_the_retention(settings):
    records = _chain(3)
    _age(records[:1], 100)
    settings.QIHU = {**settings.QIHU, "AUDIT_RETENTION_DAYS": 365}
    assert services.purge() == 0
    assert AuditRecord.objects.count() == 3 and not AuditAnchor.objects.exists()


def test_a_purge_of_everything_continues_the_chain():
    records = _chain(2)
    _age(records, 400)
    assert services.purge(now=timezone.now()) == 2
    assert AuditRecord.objects.get().seq == records[-1].seq + 1  # the purge's record continues the numbering
    assert verify_output() == (0, "audit chain ok: 1 records")


def test_a_retention_below_180_days_is_refused(settings):
    settings.QIHU = {**settings.QIHU, "AUDIT_RETENTION_DAYS": 90}
    with pytest.raises(ValueError, match="at least 180"):
        services.purge()


def test_the_purge_task_is_scheduled_nightly(settings):
    from audit.tasks import purge

    assert purge.name == "audit.purge"
    assert any(entry["task"] == "audit.purge" for entry in settings.CELERY_BEAT_SCHEDULE.values())
