"""Attachments in S3-compatible object storage: a real SeaweedFS, reached with an access key (issue 19).

Upload, the content check, the download permission and deletion, as with the local folder, and the bucket
never serves a file to anyone but the app.
"""

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.models import Attachment, Status

from ..conftest import api

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_keys(seaweedfs, ticket) -> set[str]:
    names = set(Attachment.objects.filter(ticket=ticket).values_list("file", flat=True))
    return names & set(seaweedfs.objects())


def test_a_filed_attachment_is_stored_in_the_bucket_and_served_only_to_those_who_see_the_ticket(
    world, s3_storage_in_use, settings, client
):
    seaweedfs = s3_storage_in_use
    client.force_login(world.company_user)
    response = client.post(
        "/my/new/",
        {"title": "用电增容", "description": "请尽快办理变压器增容。", "form_token": "s3",
         "files": [upload("报装申请表.pdf", PDF)]},
    )  # fmt: skip
    assert response.status_code == 302
    attachment = Attachment.objects.get(ticket__title="用电增容")
    assert attachment.file.name.startswith("tickets/") and attachment.file.name.endswith(".pdf")
    assert attachment.file.name in seaweedfs.objects()  # in the bucket ...
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.pdf"))  # ... not on this node's disk
    body = seaweedfs.client().get_object(Bucket=seaweedfs.bucket, Key=attachment.file.name)["Body"].read()
    assert body == PDF

    url = f"/api/v1/attachments/{attachment.pk}/"
    download = api(world.company_user).get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;") and "filename" in download["Content-Disposition"]
    assert api(world.other_company_user).get(url).status_code == 404
    assert api(world.other_handler).get(url).status_code == 404
    assert api().get(url).status_code in (401, 403)


def test_the_bucket_serves_nothing_without_the_key(world, s3_storage_in_use, make_ticket):
    """No public bucket: the object's plain URL is refused, so the app's permission check is the only way in."""
    seaweedfs = s3_storage_in_use
    ticket = make_ticket(Status.ACCEPTED)
    response = api(world.company_user).post(
        f"/api/v1/tickets/{ticket.pk}/attach/", {"files": [upload("照片.png", PNG)]}, format="multipart"
    )
    assert response.status_code == 200, response.data
    (key,) = stored_keys(seaweedfs, ticket)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{seaweedfs.endpoint_url}/{seaweedfs.bucket}/{key}", timeout=5)
    assert refused.value.code == 403
    assert "X-Amz-Signature" not in response.content.decode()  # the API lists the app's URL, not the bucket's


@pytest.mark.parametrize(
    "files, code",
    [
        ([upload("发票.pdf", b"<html><script>alert(1)</script></html>")], "file_type"),
        ([upload("程序.exe", b"MZ\x90\x00\x03" + b"\x00" * 60)], "file_type"),
        ([upload(f"{n}.pdf", PDF) for n in range(6)], "too_many_files"),
    ],
)
def test_a_refused_file_writes_nothing_to_the_bucket(world, s3_storage_in_use, make_ticket, files, code):
    seaweedfs = s3_storage_in_use
    before = set(seaweedfs.objects())
    ticket = make_ticket(Status.ACCEPTED)
    response = api(world.company_user).post(
        f"/api/v1/tickets/{ticket.pk}/attach/", {"files": files}, format="multipart"
    )
    assert response.status_code == 400 and response.data["code"] == code
    assert not Attachment.objects.exists()
    assert set(seaweedfs.objects()) == before


def test_a_deleted_file_is_gone_from_the_bucket_and_its_download_is_a_404_with_a_message(
    world, s3_storage_in_use, make_ticket
):
    seaweedfs = s3_storage_in_use
    ticket = make_ticket(Status.ACCEPTED)
    api(world.handler).post(
        f"/api/v1/tickets/{ticket.pk}/attach/", {"files": [upload("a.pdf", PDF)]}, format="multipart"
    )
    attachment = Attachment.objects.get()
    key = attachment.file.name
    assert attachment.file.storage.exists(key)
    attachment.file.delete(save=False)
    assert key not in seaweedfs.objects() and not attachment.file.storage.exists(key)
    response = api(world.company_user).get(f"/api/v1/attachments/{attachment.pk}/")
    assert response.status_code == 404 and "附件文件" in response.data["detail"]
