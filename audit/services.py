"""Appending, verifying and purging the audit chain: the one place for each rule."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .context import current_request, request_user_and_address
from .models import Action, AuditAnchor, AuditRecord, Result

GENESIS = "0" * 64
# Any 64-bit number of our own: the PostgreSQL advisory lock that serialises appends (one chain, no forks).
LOCK_KEY = 0x71_68_75_61_75_64_69_74  # "qhuaudit"
MIN_RETENTION_DAYS = 180


def algorithm() -> str:
    """SM3 (GB/T 32905) where OpenSSL provides it, else SHA-256. Each record names the one it was hashed with."""
    try:
        hashlib.new("sm3")
    except ValueError:
        return "sha256"
    return "sm3"


def digest(name: str, data: bytes) -> str:
    return hashlib.new(name, data).hexdigest()


def canonical(record: AuditRecord) -> bytes:
    """The hashed text: every field but the hash, in a fixed order and form (UTC time, sorted JSON keys)."""
    fields = {
        "seq": record.seq,
        "time": record.time.astimezone(UTC).isoformat(timespec="microseconds"),
        "user_id": record.user_id,
        "username": record.username,
        "address": record.address,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "object_repr": record.object_repr,
        "result": record.result,
        "details": record.details,
        "algorithm": record.algorithm,
        "prev_hash": record.prev_hash,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _lock() -> None:
    """Serialise appends until the transaction ends. SQLite (the embedded default) opens every transaction
    IMMEDIATE (qihu/settings.py): the first write lock is the database's, so appends are serial already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _start() -> tuple[int, str]:
    """The number and previous hash of the next record: after the newest record, or the anchor left by a purge
    that kept nothing, or the genesis."""
    last = AuditRecord.objects.order_by("-seq").only("seq", "hash").first()
    if last is not None:
        return last.seq + 1, last.hash
    anchor = AuditAnchor.objects.order_by("-id").first()
    if anchor is not None:
        return anchor.seq, anchor.prev_hash
    return 1, GENESIS


def record(
    action: str,
    *,
    request=None,
    user=None,
    username: str = "",
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    result: str = Result.SUCCESS,
    details: dict | None = None,
) -> AuditRecord:
    """Append one record. The user and address come from `request` (or the request being served); `obj` names
    the object (its model and primary key), or `object_type`/`object_id`/`object_repr` do."""
    request = request if request is not None else current_request()
    request_user, address = request_user_and_address(request)
    user = user if user is not None else request_user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk or "")
        object_repr = object_repr or str(obj)
    details = json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder, ensure_ascii=False))
    with transaction.atomic():
        _lock()
        seq, prev_hash = _start()
        entry = AuditRecord(
            seq=seq,
            time=timezone.now(),
            user_id=user.pk if user is not None else None,
            username=(user.get_username() if user is not None else username)[:150],
            address=address[:64],
            action=action,
            object_type=object_type[:100],
            object_id=str(object_id)[:64],
            object_repr=object_repr[:200],
            result=result,
            details=details,
            algorithm=algorithm(),
            prev_hash=prev_hash,
        )
        entry.hash = digest(entry.algorithm, canonical(entry))
        entry.save(force_insert=True)
    return entry


@dataclass
class Verification:
    ok: bool
    count: int
    broken_seq: int | None = None
    reason: str = ""


def verify() -> Verification:
    """Walk the chain from the anchor (or the genesis): every record's number follows the last, its prev_hash is
    the last one's hash and its hash is its own text's. The first record that fails is named."""
    anchor = AuditAnchor.objects.order_by("-id").first()
    expected_seq, expected_prev = (anchor.seq, anchor.prev_hash) if anchor else (1, GENESIS)
    count = 0
    for entry in AuditRecord.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return Verification(False, count, entry.seq, f"gap: record {expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return Verification(False, count, entry.seq, "prev_hash does not match the previous record's hash")
        if entry.algorithm not in ("sm3", "sha256") or digest(entry.algorithm, canonical(entry)) != entry.hash:
            return Verification(False, count, entry.seq, "hash mismatch: the record was edited")
        count += 1
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    return Verification(True, count)


def retention_days() -> int:
    days = settings.QIHU["AUDIT_RETENTION_DAYS"]
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"QIHU_AUDIT_RETENTION_DAYS must be at least {MIN_RETENTION_DAYS} (it is {days})")
    return days


def purge(now=None) -> int:
    """Delete the records older than the retention, the oldest first and only they, and anchor the chain at the
    first kept one. The purge itself is recorded (in the kept chain)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    with transaction.atomic():
        _lock()
        first_kept = AuditRecord.objects.filter(time__gte=cutoff).order_by("seq").only("seq", "prev_hash").first()
        if first_kept is not None:
            doomed = AuditRecord.objects.filter(seq__lt=first_kept.seq)
            anchor_seq, anchor_prev = first_kept.seq, first_kept.prev_hash
        else:
            last = AuditRecord.objects.order_by("-seq").only("seq", "hash").first()
            if last is None:
                return 0
            doomed = AuditRecord.objects.all()
            anchor_seq, anchor_prev = last.seq + 1, last.hash
        count = doomed.count()
        if not count:
            return 0
        AuditAnchor.objects.create(seq=anchor_seq, prev_hash=anchor_prev, purged=count)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL qihu.audit_purge = 'on'")  # the trigger's one allowed delete
            cursor.execute(f"DELETE FROM {AuditRecord._meta.db_table} WHERE seq < %s", [anchor_seq])
    record(
        Action.AUDIT_PURGE,
        request=None,
        details={"purged": count, "before": cutoff, "retention_days": retention_days()},
    )
    return count
