"""The embedded default (SQLite, no trigger): the chain is appended, verified and a tampered record named."""

import os
import sqlite3
import subprocess
import sys

from ..conftest import ROOT

RECORD = (
    "from audit import services; from audit.models import Action\n"
    "for i in range(3): services.record(Action.CONFIG_CHANGE, username='x', details={'i': i})"
)


def test_the_chain_works_on_the_embedded_sqlite_database(tmp_path):
    database = tmp_path / "qihu.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "QIHU_VAR_DIR": str(tmp_path / "var")}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    assert manage("migrate", "-v0").returncode == 0
    assert manage("shell", "-c", RECORD).returncode == 0
    verified = manage("audit_verify")
    assert (verified.returncode, verified.stdout.strip().splitlines()[-1]) == (0, "audit chain ok: 3 records")
    with sqlite3.connect(database) as db:  # no trigger on SQLite: the hash is what catches the edit
        db.execute("UPDATE audit_auditrecord SET username = 'y' WHERE seq = 2")
    broken = manage("audit_verify")
    assert broken.returncode == 1 and "broken at record 2" in broken.stderr
