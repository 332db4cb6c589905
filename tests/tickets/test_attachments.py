"""Attachments: checked by content, size and count; stored under our own names; served only to those who
may see the ticket."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tickets.models import Attachment, Status, Ticket

from ..conftest import api

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_company_files_a_request_with_attachments_through_the_form(world, client):
    client.force_login(world.company_user)
    form = client.get("/my/new/").content.decode()
    assert 'type="file"' in form and 'enctype="multipart/form-data"' in form
    response = client.post(
        "/my/new/",
        {"title": "用电增容", "description": "请尽快办理变压器增容。", "form_token": "t1",
         "files": [upload("报装申请表.pdf", PDF), upload("现场照片.png", PNG), upload("负荷清单.xlsx", xlsx())]},
        follow=True,
    )  # fmt: skip
    ticket = Ticket.objects.get(title="用电增容")
    names = sorted(ticket.attachments.values_list("original_name", flat=True))
    assert names == ["报装申请表.pdf", "现场照片.png", "负荷清单.xlsx"]
    assert sorted(ticket.events.get(action="submit").data["files"]) == names
    assert "报装申请表.pdf" in response.content.decode()  # listed on the ticket page

    pdf = ticket.attachments.get(original_name="报装申请表.pdf")
    download = client.get(f"/api/v1/attachments/{pdf.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_attachments_are_served_only_to_those_who_see_the_ticket(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    response = api(world.company_user).post(
        f"/api/v1/tickets/{ticket.pk}/attach/", {"files": [upload("合同.pdf", PDF)]}, format="multipart"
    )
    assert response.status_code == 200, response.data
    (listed,) = response.data["attachments"]
    assert listed["name"] == "合同.pdf" and listed["size"] == len(PDF)
    assert api(world.handler).get(listed["url"]).status_code == 200
    assert api(world.other_company_user).get(listed["url"]).status_code == 404
    assert api(world.other_handler).get(listed["url"]).status_code == 404
    assert api().get(listed["url"]).status_code in (401, 403)


@pytest.mark.parametrize(
    "files, code",
    [
        ([upload("发票.pdf", b"<html><script>alert(1)</script></html>")], "file_type"),  # a .pdf that is not one
        ([upload("程序.exe", b"MZ\x90\x00\x03" + b"\x00" * 60)], "file_type"),
        ([upload(f"{n}.pdf", PDF) for n in range(6)], "too_many_files"),
    ],
)
def test_bad_files_are_refused_with_a_message_and_nothing_is_kept(world, make_ticket, files, code):
    ticket = make_ticket(Status.ACCEPTED)
    response = api(world.company_user).post(
        f"/api/v1/tickets/{ticket.pk}/attach/", {"files": files}, format="multipart"
    )
    assert response.status_code == 400 and response.data["code"] == code
    assert "附件" in response.data["detail"]
    assert not Attachment.objects.exists()
    assert not ticket.events.filter(action="attach").exists()


def test_a_file_over_the_size_limit_is_refused_and_the_form_keeps_nothing(world, client, settings):
    settings.QIHU = {**settings.QIHU, "ATTACHMENT_MAX_BYTES": 1024}
    client.force_login(world.company_user)
    response = client.post(
        "/my/new/",
        {
            "title": "用电增容",
            "description": "请办理。",
            "form_token": "t2",
            "files": [upload("大.pdf", PDF + b"0" * 2000)],
        },
    )
    assert response.status_code == 200 and "超过" in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_names_cannot_travel_paths_or_hide_characters(world, make_ticket, settings):
    ticket = make_ticket(Status.ACCEPTED)
    names = ["../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "\u202efdp.exe\u200b.pdf", "a:b*c?.pdf"]
    response = api(world.handler).post(
        f"/api/v1/tickets/{ticket.pk}/attach/", {"files": [upload(n, PDF) for n in names]}, format="multipart"
    )
    assert response.status_code == 200, response.data
    stored = list(Attachment.objects.order_by("id"))
    assert [a.original_name for a in stored] == ["passwd.pdf", "boot.ini.pdf", "fdp.exe.pdf", "a_b_c_.pdf"]
    root = Path(settings.MEDIA_ROOT).resolve()
    for attachment in stored:
        path = Path(attachment.file.path).resolve()
        assert path.is_relative_to(root) and path.suffix == ".pdf" and ".." not in attachment.file.name
        assert attachment.original_name not in attachment.file.name  # stored under our own name


def test_material_provided_when_asked_can_carry_files(world, make_ticket):
    ticket = make_ticket(Status.ON_HOLD)
    response = api(world.company_user).post(
        f"/api/v1/tickets/{ticket.pk}/provide-info/",
        {"note": "已补充申请表。", "files": [upload("申请表.pdf", PDF)]},
        format="multipart",
    )
    assert response.status_code == 200 and response.data["status"] == Status.ACCEPTED
    assert ticket.events.get(action="provide_info").data["files"] == ["申请表.pdf"]
    assert ticket.attachments.count() == 1


def test_a_lost_file_is_a_404_with_a_message(world, make_ticket):
    ticket = make_ticket(Status.ACCEPTED)
    api(world.company_user).post(
        f"/api/v1/tickets/{ticket.pk}/attach/", {"files": [upload("a.pdf", PDF)]}, format="multipart"
    )
    attachment = Attachment.objects.get()
    Path(attachment.file.path).unlink()
    response = api(world.company_user).get(f"/api/v1/attachments/{attachment.pk}/")
    assert response.status_code == 404 and "附件文件" in response.data["detail"]


def test_the_form_and_the_api_schema_state_the_limits_in_force(world, client, settings):
    settings.QIHU = {**settings.QIHU, "ATTACHMENT_MAX_FILES": 3, "ATTACHMENT_MAX_BYTES": 2 * 1024 * 1024}
    client.force_login(world.company_user)
    assert "每次最多 3 个，每个不超过 2 MB" in client.get("/my/new/").content.decode()
    schema = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "up to 3 files at a time, 2 MB each" in schema
