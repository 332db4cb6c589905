"""Triage benchmark: throughput per worker process and submit → routed latency with a real worker.

Re-run: `make bench-triage` (real PostgreSQL + Redis via scripts/with-services; about two minutes).
Reference in the same run: the keyword router (no model) over the same tickets.
"""

import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qihu.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from demo import content  # noqa: E402
from demo.loader import load_demo  # noqa: E402
from tickets.models import Status, Ticket  # noqa: E402
from tickets.services import ticket_create  # noqa: E402
from triage import services as triage_services  # noqa: E402
from triage.engine import current_model  # noqa: E402

N = int(os.environ.get("BENCH_TICKETS", "600"))
RUNS = 3
rng = random.Random(7)
serial = iter(range(10**9))  # makes every text unique: no exact resubmission gets merged


def new_tickets(n: int, *, triage_later: bool = False) -> list[int]:
    users = list(User.objects.filter(username__startswith="qiye"))
    ids = []
    for _ in range(n):
        i = next(serial)
        request = rng.choice(content.REQUESTS)
        ticket, _ = ticket_create(
            submitter=rng.choice(users), title=request["title"], description=f"{request['description']}（编号{i}）",
            triage_later=triage_later,
        )  # fmt: skip
        ids.append(ticket.pk)
    return ids


def throughput(ids: list[int]) -> float:
    started = time.perf_counter()
    for ticket_id in ids:
        triage_services.ticket_triage(ticket_id=ticket_id)
    return len(ids) / (time.perf_counter() - started)


def main() -> None:
    call_command("migrate", verbosity=0)
    load_demo()
    version, _model = current_model()
    print(f"model v{version}; database {connection.vendor}; {N} tickets per run, {RUNS} runs")

    with_model, keywords_only = [], []
    original = triage_services.current_model
    for _run in range(RUNS):
        with_model.append(throughput(new_tickets(N)))
        triage_services.current_model = lambda: (None, None)
        try:
            keywords_only.append(throughput(new_tickets(N)))
        finally:
            triage_services.current_model = original
    m, k = statistics.median(with_model), statistics.median(keywords_only)
    print(f"triage throughput, one process: model {m:.0f} tickets/s (runs {', '.join(f'{x:.0f}' for x in with_model)})")
    print(f"  reference, keyword router only: {k:.0f} tickets/s; ratio model/reference = {m / k:.2f}")

    log = open(ROOT / "var" / "bench-worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "qihu", "worker", "-P", "solo", "--without-mingle",
         "--without-gossip", "--loglevel=warning"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(6)  # the worker connects and loads the model on its first task
        new_tickets(5, triage_later=True)
        time.sleep(2)
        ids = []
        for _ in range(200):  # 20 submissions a second for 10 seconds
            ids += new_tickets(1, triage_later=True)
            time.sleep(0.05)
        deadline = time.time() + 60
        while Ticket.objects.filter(pk__in=ids, status=Status.SUBMITTED).exists() and time.time() < deadline:
            time.sleep(0.2)
        rows = Ticket.objects.filter(pk__in=ids, triaged_at__isnull=False).values_list("created_at", "triaged_at")
        latencies = sorted((t - c).total_seconds() * 1000 for c, t in rows)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    if not latencies:
        sys.exit("no ticket was routed by the worker: see var/bench-worker.log")
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"submit → routed with a real worker (Redis, PostgreSQL), {len(latencies)}/{len(ids)} routed at 20/s: "
          f"p50 {p50:.0f} ms, p99 {p99:.0f} ms")  # fmt: skip
    print("re-run: make bench-triage")


if __name__ == "__main__":
    main()
