"""Outbox delivery benchmark (issue 17 item 8): webhooks and SMS from the outbox to a local receiver.

Re-run: `make bench-outbox` (real PostgreSQL and Redis via scripts/with-services; about a minute).
BENCH_OUTBOX_N sets how many webhooks and how many SMS (default 2,000 each), BENCH_OUTBOX_WORKERS how many
worker processes (default 1: the budget is per worker).

1. Rate, from the commit to the last delivery: N webhook deliveries (one endpoint) are written in one
   transaction, whose commit enqueues a task per 20; a real Celery worker (solo pool) delivers
   them to the receiver (its own process), which verifies every signature with `standardwebhooks`; the same
   for N SMS through the Alibaba Cloud adapter to a gateway stand-in that verifies every `SendSms` signature.
   Reference in the same run: signed POSTs of the same bodies sent straight from a loop to the same receiver
   (no database, no broker), the ceiling of one process.
2. Faults: the receiver fails 30 % of the calls (500, at random); N webhooks and N SMS; the sweeper runs with
   the clock moved past each back-off (the rows' `next_attempt_at` set to now: days of retries in seconds).
   Every event must end 2xx at the receiver exactly once (counted there, by webhook-id and SMS OutId).
"""

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qihu.settings")
N = int(os.environ.get("BENCH_OUTBOX_N", "2000"))
WORKERS = int(os.environ.get("BENCH_OUTBOX_WORKERS", "1"))
SMS_SECRET = "bench-sms-secret"

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from notifications.adapters.http import request  # noqa: E402
from notifications.adapters.webhook import headers  # noqa: E402
from notifications.models import OutgoingMessage, WebhookDelivery, WebhookEndpoint  # noqa: E402
from notifications.services import Event, Notice, send_due, sms_queue, webhooks_publish  # noqa: E402

UNFINISHED = ["queued", "retry", "sending"]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_receiver(secret: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("receiver.py")), str(port), secret, SMS_SECRET]
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urlopen(f"{url}/stats", timeout=1).read()
            return process, url
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the receiver did not start")


def receiver_stats(url: str) -> dict:
    return json.loads(urlopen(f"{url}/stats", timeout=5).read())


def fail_rate(url: str, rate: float) -> None:
    urlopen(Request(f"{url}/fail?rate={rate}", data=b"", method="POST"), timeout=5).read()


def start_workers(env: dict, log: Path) -> list[subprocess.Popen]:
    from qihu.celery import app

    processes, names = [], []
    for _ in range(WORKERS):
        name = f"bench-{uuid.uuid4().hex[:8]}@localhost"
        command = [sys.executable, "-m", "celery", "-A", "qihu", "worker", "-P", "solo", "-n", name]
        command += ["--loglevel=warning", "--without-mingle", "--without-gossip"]
        with open(log, "a") as out:
            processes.append(
                subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
            )
        names.append(name)
    deadline = time.monotonic() + 60
    while len(app.control.ping(destination=names, timeout=0.5)) < WORKERS:
        if time.monotonic() > deadline:
            raise SystemExit(f"the workers did not start:\n{log.read_text()[-3000:]}")
    return processes


def wait_until_done(rows, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while rows.filter(status__in=UNFINISHED).exists():
        if time.monotonic() > deadline:
            raise SystemExit("deliveries did not finish in time")
        time.sleep(0.05)


def publish_webhooks(tag: str) -> None:
    with transaction.atomic():  # the commit enqueues one delivery task per row
        webhooks_publish(
            [Event(key=f"{tag}:{i}", type="ticket.replied", data={"ticket": {"id": i}, "n": i}) for i in range(N)]
        )


def queue_sms(tag: str, user: User) -> None:
    with transaction.atomic():
        for i in range(N):
            notice = Notice(key=f"{tag}:{i}", template="answered", params={"number": f"Q{i:06d}", "link": "x"},
                            text="您的诉求${number}已答复 ${link}")  # fmt: skip
            sms_queue(notice=notice, user=user)


def rate(rows, committed) -> tuple[float, float]:
    """Deliveries per second from the commit that enqueued them to the last one sent, and that time."""
    seconds = (rows.aggregate(last=Max("sent_at"))["last"] - committed).total_seconds()
    return rows.count() / seconds, seconds


def reference(endpoint: WebhookEndpoint, url: str) -> float:
    """Signed POSTs straight to the receiver from one loop: the bodies the outbox sends, no outbox."""
    delivery = WebhookDelivery(endpoint=endpoint, payload=json.dumps({"type": "ticket.replied", "data": {"n": 1}}))
    started = time.perf_counter()
    for i in range(N):
        delivery.message_id = f"msg_reference_{i}"
        response = request(
            "POST", f"{url}/hooks", body=delivery.payload.encode(), headers=headers(delivery, now=datetime.now(UTC))
        )
        assert response.status == 200
    return N / (time.perf_counter() - started)


def drain_with_retries(rows) -> int:
    """The sweeper, with the clock moved past every back-off: returns how many rounds it took."""
    rounds = 0
    while rows.filter(status__in=UNFINISHED).exists():
        time.sleep(0.2)
        if rows.filter(status="retry").update(next_attempt_at=timezone.now()):
            send_due()
            rounds += 1
        if rounds > 200:
            raise SystemExit("retries did not finish")
    return rounds


def main() -> None:
    call_command("migrate", verbosity=0)
    WebhookDelivery.objects.all().delete()
    OutgoingMessage.objects.all().delete()
    endpoint = WebhookEndpoint.objects.create(name="bench", url="http://127.0.0.1:1/hooks")
    receiver, url = start_receiver(endpoint.secret)
    endpoint.url = f"{url}/hooks"
    endpoint.save()
    user, _ = User.objects.get_or_create(username="bench-sms", defaults={"phone": "13905701234"})
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    log = ROOT / "var" / "bench-outbox-worker.log"
    env = {
        "QIHU_WEBHOOK_ALLOW_INTERNAL": "1", "QIHU_SMS_BACKEND": "aliyun", "QIHU_SMS_ENDPOINT": f"{url}/sms",
        "QIHU_SMS_ACCESS_KEY_ID": "bench", "QIHU_SMS_ACCESS_KEY_SECRET": SMS_SECRET,
        "QIHU_SMS_TEMPLATES": "answered=SMS_1", "LOG_LEVEL": "ERROR",
    }  # fmt: skip
    workers = start_workers(env, log)
    try:
        bare = reference(endpoint, url)
        publish_webhooks("rate")
        committed = timezone.now()
        hooks = WebhookDelivery.objects.filter(key__startswith="rate:")
        wait_until_done(hooks)
        hook_rate, hook_seconds = rate(hooks, committed)
        queue_sms("rate", user)
        committed = timezone.now()
        sms = OutgoingMessage.objects.filter(key__startswith="rate:")
        wait_until_done(sms)
        sms_rate, sms_seconds = rate(sms, committed)
        before = receiver_stats(url)

        fail_rate(url, 0.3)
        publish_webhooks("faults")
        queue_sms("faults", user)
        fault_hooks = WebhookDelivery.objects.filter(key__startswith="faults:")
        fault_sms = OutgoingMessage.objects.filter(key__startswith="faults:")
        started = time.perf_counter()
        rounds = drain_with_retries(fault_hooks) + drain_with_retries(fault_sms)
        fault_seconds = time.perf_counter() - started
        after = receiver_stats(url)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        receiver.terminate()

    ok = after["ok"]
    fault_ids = [f"sms:{pk}" for pk in fault_sms.values_list("pk", flat=True)]
    fault_ids += list(fault_hooks.values_list("message_id", flat=True))
    delivered = sum(1 for key in fault_ids if ok.get(key, 0) >= 1)
    twice = sum(1 for key in ok if ok[key] > 1)
    failed_rows = fault_hooks.filter(status="failed").count() + fault_sms.filter(status="failed").count()
    attempts = [*fault_hooks.values_list("attempts", flat=True), *fault_sms.values_list("attempts", flat=True)]
    print(f"\nOutbox delivery, {WORKERS} worker(s) (Celery solo pool), {N:,} of each; receiver in its own process")
    print(f"  reference: signed POSTs from one loop, no outbox      {bare:8.0f} /s")
    print(f"  webhooks: outbox → worker → receiver                  {hook_rate:8.0f} /s per worker "
          f"({hook_seconds:.1f} s; {hook_rate / WORKERS / bare:.2f}× the reference)")  # fmt: skip
    print(f"  SMS (SendSms, signed) → gateway stand-in             {sms_rate:8.0f} /s per worker "
          f"({sms_seconds:.1f} s; {sms_rate / WORKERS / bare:.2f}× the reference)")  # fmt: skip
    print(f"  signatures refused by the receiver: {after['bad_signature']}")
    print(f"\nReceiver failing 30 % of calls: {len(fault_ids):,} events ({N:,} webhooks + {N:,} SMS)")
    print(f"  calls {after['calls'] - before['calls']:,}, failed {after['failed'] - before['failed']:,}; "
          f"sweeper rounds {rounds}; {fault_seconds:.1f} s")  # fmt: skip
    print(f"  attempts per event: median {statistics.median(attempts):.0f}, max {max(attempts)}")
    print(f"  delivered (2xx at the receiver): {delivered:,} of {len(fault_ids):,}; failed for good: {failed_rows}")
    print(f"  ids answered 2xx more than once (whole run, reference included): {twice}")
    print("\nRe-run: make bench-outbox  (BENCH_OUTBOX_N=…, BENCH_OUTBOX_WORKERS=…)")
    if delivered != len(fault_ids) or twice:
        raise SystemExit("FAILED: an event was lost or delivered twice")


if __name__ == "__main__":
    main()
