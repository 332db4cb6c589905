#!/usr/bin/env python3
"""Backup and recovery (issue 18, item 6; docs/operations.md): the database as a pg_dump archive and the
attachments as a tar file, restored into a fresh database and folder, and a drill that proves it.

    scripts/backup.py backup  --out DIR                 # DATABASE_URL's database and QIHU_MEDIA_ROOT → DIR
    scripts/backup.py restore --from DIR --database URL --media DIR
    scripts/with-services .venv/bin/python scripts/backup.py drill   # `make backup-drill`

The drill fills the database (migrate, the demo's data, attachments), backs it up, restores it into a new
database and folder, and compares: the same number of rows in every table that matters, the same attachment
files byte for byte, and `audit_verify` passing on the restored chain. It prints its figures last.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
COUNTED = {
    "tickets": "tickets.Ticket", "events": "tickets.TicketEvent", "comments": "tickets.Comment",
    "attachments": "tickets.Attachment", "companies": "companies.Company", "users": "accounts.User",
    "memberships": "departments.Membership", "audit_records": "audit.AuditRecord",
}  # fmt: skip
COUNT_SNIPPET = f"""
import json
from django.apps import apps
print(json.dumps({{name: apps.get_model(label).objects.count() for name, label in {COUNTED!r}.items()}}))
"""


def pg_tool(name: str) -> str:
    directory = os.environ.get("QIHU_PG_BIN")
    return str(Path(directory) / name) if directory else name


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def manage(*args: str, database: str, media: Path | None = None) -> str:
    env = {**os.environ, "DATABASE_URL": database, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "true")}
    if media is not None:
        env["QIHU_MEDIA_ROOT"] = str(media)
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1) or (done.returncode == 1 and args[0] != "audit_verify"):
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def backup(*, database: str, media: Path, out: Path) -> dict:
    """A consistent dump (pg_dump takes one snapshot) in PostgreSQL's custom format, then the attachments."""
    out.mkdir(parents=True, exist_ok=True)
    dump, archive = out / "qihu.dump", out / "media.tar"
    subprocess.run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump), database], check=True)
    with tarfile.open(archive, "w") as tar:
        if media.exists():
            tar.add(media, arcname="media")
    return {"dump": dump, "media": archive}


def restore(*, source: Path, database: str, media: Path) -> None:
    """Into a database that must not exist yet (created here) and an empty attachments folder."""
    name = urlsplit(database).path.lstrip("/")
    maintenance = with_database(database, "postgres")
    subprocess.run([pg_tool("psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", maintenance,
                    "-c", f'CREATE DATABASE "{name}"'], check=True)  # fmt: skip
    subprocess.run([pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", database,
                    str(source / "qihu.dump")], check=True)  # fmt: skip
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "media.tar") as tar:
        tar.extractall(media.parent / ".restore", filter="data")
    restored = media.parent / ".restore" / "media"
    if restored.exists():
        shutil.copytree(restored, media, dirs_exist_ok=True)
    shutil.rmtree(media.parent / ".restore", ignore_errors=True)


def counts(database: str) -> dict:
    return json.loads(manage("shell", "-c", COUNT_SNIPPET, database=database).strip().splitlines()[-1])


def files(media: Path) -> dict[str, str]:
    return {
        str(path.relative_to(media)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media.rglob("*"))
        if path.is_file()
    }


def audit_verify(database: str) -> str:
    return manage("audit_verify", database=database).strip().splitlines()[-1]


def drill(work: Path) -> dict:
    source_db = os.environ["DATABASE_URL"]
    media = work / "media"
    seconds = {}
    started = time.monotonic()
    manage("migrate", "--noinput", "-v", "0", database=source_db)
    manage("load_demo", "--force", database=source_db, media=media)
    manage("shell", "-c", ATTACH_SNIPPET, database=source_db, media=media)
    seconds["fill"] = time.monotonic() - started
    before, before_files, before_chain = counts(source_db), files(media), audit_verify(source_db)

    started = time.monotonic()
    made = backup(database=source_db, media=media, out=work / "backup")
    seconds["backup"] = time.monotonic() - started
    shutil.rmtree(media)  # the attachments are lost; the database stays for the comparison, the restore is new

    restored_db = with_database(source_db, f"qihu_restored_{os.getpid()}")
    restored_media = work / "restored-media"
    started = time.monotonic()
    restore(source=work / "backup", database=restored_db, media=restored_media)
    seconds["restore"] = time.monotonic() - started
    after, after_files, after_chain = counts(restored_db), files(restored_media), audit_verify(restored_db)
    return {
        "ok": before == after and before_files == after_files and after_chain.startswith("audit chain ok"),
        "counts_before": before, "counts_after": after, "files": len(after_files),
        "files_equal": before_files == after_files, "audit_before": before_chain, "audit_after": after_chain,
        "dump_bytes": made["dump"].stat().st_size, "media_bytes": made["media"].stat().st_size,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }  # fmt: skip


# A few attachments on demo tickets (the demo has none): real files through the model's storage.
ATTACH_SNIPPET = """
from django.core.files.base import ContentFile
from tickets.models import Attachment, Ticket
for ticket in Ticket.objects.order_by("id")[:5]:
    attachment = Attachment(ticket=ticket, uploaded_by=ticket.submitter, original_name=f"drill-{ticket.pk}.pdf",
                            size=0, content_type="application/pdf")
    content = ContentFile(b"%PDF-1.4 drill " + str(ticket.pk).encode())
    attachment.file.save(attachment.original_name, content, save=False)
    attachment.size = attachment.file.size
    attachment.save()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("backup")
    make.add_argument("--out", type=Path, required=True)
    back = sub.add_parser("restore")
    back.add_argument("--from", dest="source", type=Path, required=True)
    back.add_argument("--database", required=True)
    back.add_argument("--media", type=Path, required=True)
    sub.add_parser("drill")
    args = parser.parse_args()
    if args.command == "backup":
        media = Path(os.environ.get("QIHU_MEDIA_ROOT", ROOT / "var" / "media"))
        print(backup(database=os.environ["DATABASE_URL"], media=media, out=args.out))
    elif args.command == "restore":
        restore(source=args.source, database=args.database, media=args.media)
    else:
        with tempfile.TemporaryDirectory(prefix="qihu-drill-") as work:
            result = drill(Path(work))
        print(json.dumps(result, ensure_ascii=False, indent=2))
        c = result["counts_after"]
        print(f"backup drill: {'ok' if result['ok'] else 'FAILED'} tickets={c['tickets']} events={c['events']} "
              f"audit_records={c['audit_records']} files={result['files']} dump_bytes={result['dump_bytes']} "
              f"backup_s={result['seconds']['backup']} restore_s={result['seconds']['restore']}")  # fmt: skip
        sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
