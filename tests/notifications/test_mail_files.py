"""`make run`'s mail: written as files where EMAIL_URL (or, by default, the var directory) says, whatever the
working directory (a `filemail:///abs` URL lost its leading / and wrote under a relative copy of the path)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEND = "from django.core.mail import send_mail; send_mail('主题', '正文', 'qihu@localhost', ['a@example.gov.cn'])"


def send_one(cwd: Path, **env) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "QIHU_VAR_DIR")} | env
    environment["DJANGO_SETTINGS_MODULE"] = "qihu.settings"
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", SEND],
        cwd=cwd, env=environment, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("how", ["EMAIL_URL", "default"])
def test_mail_is_written_under_the_absolute_path_configured(tmp_path, how):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    if how == "EMAIL_URL":
        mail = tmp_path / "outbox"
        send_one(elsewhere, EMAIL_URL=f"filemail://{mail}")
    else:
        mail = tmp_path / "var" / "mail"
        send_one(elsewhere, QIHU_VAR_DIR=str(tmp_path / "var"))
    [written] = list(mail.iterdir())
    assert "a@example.gov.cn" in written.read_text()
    assert not any(elsewhere.iterdir())  # nothing under a relative copy of the path
