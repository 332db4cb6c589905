"""The restore drill in the suite (issue 18, item 6): back up the real PostgreSQL test database and the
attachments with scripts/backup.py, lose the attachments, restore into a fresh database and folder, and find the
same tickets, events, audit chain and files. `make backup-drill` runs the same on the demo's data."""

import importlib.util
import os
import subprocess

import pytest
from django.core.files.base import ContentFile

from audit import services as audit
from audit.models import Action
from tests.conftest import ROOT, _test_database_url
from tickets.models import Attachment, Status

spec = importlib.util.spec_from_file_location("backup", ROOT / "scripts/backup.py")
backup = importlib.util.module_from_spec(spec)
spec.loader.exec_module(backup)


@pytest.fixture
def restored_database():
    url = backup.with_database(_test_database_url(), f"qihu_restore_test_{os.getpid()}")
    yield url
    name = url.rsplit("/", 1)[1]
    subprocess.run([backup.pg_tool("psql"), "-q", "-d", backup.with_database(url, "postgres"),
                    "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_backup_destroy_restore_gives_the_same_tickets_events_files_and_audit_chain(
    world, make_ticket, settings, tmp_path, restored_database
):
    for status in (Status.ACCEPTED, Status.CLOSED, Status.PENDING_DISPATCH):
        ticket = make_ticket(status, contact_phone="13905701234")
    attachment = Attachment(ticket=ticket, uploaded_by=world.company_user, original_name="证明.pdf",
                            content_type="application/pdf", size=12)  # fmt: skip
    attachment.file.save("proof.pdf", ContentFile(b"%PDF-1.4 12b"), save=True)
    audit.record(Action.EXPORT, username="drill")
    source = _test_database_url()
    before, before_files = backup.counts(source), backup.files(settings.MEDIA_ROOT)
    assert before["tickets"] == 3 and before["attachments"] == 1 and before["audit_records"] > 3

    backup.backup(database=source, media=settings.MEDIA_ROOT, out=tmp_path / "backup")
    for path in settings.MEDIA_ROOT.rglob("*.pdf"):
        path.unlink()  # the attachments are lost
    backup.restore(source=tmp_path / "backup", database=restored_database, media=tmp_path / "restored")

    assert backup.counts(restored_database) == before
    assert backup.files(tmp_path / "restored") == before_files
    assert backup.audit_verify(restored_database) == f"audit chain ok: {before['audit_records']} records"
    # the restored phone numbers are still encrypted and still read with the key
    read = "from tickets.models import Ticket; print(Ticket.objects.first().contact_phone)"
    shown = backup.manage("shell", "-c", read, database=restored_database)
    assert shown.strip().splitlines()[-1] == "13905701234"
