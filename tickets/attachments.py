"""Attachments (附件): checked by their content, never by the name or type the browser claims.

Stored under MEDIA_ROOT (outside the web root, not served as static files) with a generated name;
served only through `tickets.api.views.AttachmentDownloadApi` to those who may see the ticket.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.text import visible_text

from .models import Attachment

# What companies and officials send: scans, photos, office documents. Type detected → (extension, MIME type).
ALLOWED = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}
SAME_TYPE = {"jpg": ("jpeg",)}  # other extensions people give the same type
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def clean_name(name: str) -> str:
    """The name to show: its last path part only, no control, format (bidi, zero-width) or path characters."""
    name = PurePosixPath((name or "").replace("\\", "/")).name
    name = _UNSAFE.sub("_", visible_text(unicodedata.normalize("NFC", name))).strip().rstrip(".")
    return name[-100:] or _("附件")


def named_as(name: str, extension: str) -> str:
    """The name with the extension of the type its content was found to be: a PNG sent as `x.html` is shown
    and downloaded as `x.png`, so that no browser or desktop opens it as something else."""
    path = PurePosixPath(name)
    if path.suffix.lower().lstrip(".") in {extension, *SAME_TYPE.get(extension, ())}:
        return name
    return f"{path.stem if path.suffix else name}.{extension}"


def extension_of(content_type: str) -> str:
    return next((ext for ext, mime in ALLOWED.items() if mime == content_type), "bin")


def _max_megabytes() -> int:
    return settings.QIHU["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)


def _limits_help() -> str:
    return _("PDF、JPG、PNG、Word、Excel；每次最多 %(count)d 个，每个不超过 %(size)d MB") % {
        "count": settings.QIHU["ATTACHMENT_MAX_FILES"], "size": _max_megabytes(),
    }  # fmt: skip


# The help text of an attachments field, from the limits in force when it is shown.
limits_help = lazy(_limits_help, str)


def check_files(files) -> list[str]:
    """Refuse too many files, too large ones and any whose content is not an allowed type (400); returns the
    type (extension) of each."""
    files = list(files)
    limits = settings.QIHU
    if len(files) > limits["ATTACHMENT_MAX_FILES"]:
        raise DomainError(
            _("一次最多上传 %(count)d 个附件。") % {"count": limits["ATTACHMENT_MAX_FILES"]}, code="too_many_files"
        )
    return [_kind(upload) for upload in files]


def _kind(upload) -> str:
    name = clean_name(upload.name)
    if upload.size > settings.QIHU["ATTACHMENT_MAX_BYTES"]:
        raise DomainError(
            _("附件“%(name)s”超过 %(size)d MB。") % {"name": name, "size": _max_megabytes()}, code="file_too_large"
        )
    upload.seek(0)
    guess = filetype.guess(upload.read(8192))
    upload.seek(0)
    if guess is None or guess.extension not in ALLOWED:
        raise DomainError(
            _("附件“%(name)s”的格式不支持，请上传 PDF、图片（JPG、PNG）或 Word、Excel 文件。") % {"name": name},
            code="file_type",
        )
    return guess.extension


def attachment_rows(files, *, ticket, uploaded_by, kinds: list[str] | None = None) -> list[Attachment]:
    """Unsaved attachments of the files (checked here unless `kinds` says what `check_files` found); their
    content is written to storage when the rows are saved."""
    files = list(files)
    kinds = check_files(files) if kinds is None else kinds
    rows = []
    for upload, extension in zip(files, kinds, strict=True):
        original = named_as(clean_name(upload.name), extension)
        upload.name = f"{uuid.uuid4().hex}.{extension}"  # the stored name: ours, never the sender's
        rows.append(
            Attachment(
                ticket=ticket, uploaded_by=uploaded_by, file=upload, original_name=original,
                content_type=ALLOWED[extension], size=upload.size,
            )
        )  # fmt: skip
    return rows
