"""Triage benchmark: throughput per worker process and submit → routed latency with a real worker.

Re-run: `make bench-triage` (real PostgreSQL + Redis via scripts/with-services; about three minutes).
1. In one process: tickets triaged per second one at a time (reference: the path of a quiet day) and in
   batches (`triage_waiting`, the path when tickets queue up), same model, same kind of tickets.
2. A real Celery worker (one process, solo pool) draining a backlog of queued tickets: tickets routed per
   second, from its first routed ticket to its last. It consumes the queue `celery` as docker-compose.yml's
   `worker` does; the common-problem step each batch enqueues waits on `background` for its own worker.
3. Submit → routed latency at 20 submissions a second with the same kind of worker.
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
os.environ["DJANGO_DEBUG"] = "false"  # as deployed (no query log); the workers started here inherit it

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from companies.models import Company  # noqa: E402
from demo import content  # noqa: E402
from demo.loader import load_demo  # noqa: E402
from departments.models import Department  # noqa: E402
from qihu.celery import app  # noqa: E402
from tickets.models import Status, Ticket  # noqa: E402
from tickets.services import ticket_create  # noqa: E402
from triage import services as triage_services  # noqa: E402
from triage.engine import current_model  # noqa: E402

N = int(os.environ.get("BENCH_TICKETS", "600"))
RUNS = 3
rng = random.Random(7)
serial = iter(range(10**9))  # makes every text unique: no exact resubmission gets merged
filers: list = []


def bench_companies(n: int = 400) -> list[User]:
    """Filers for the benchmark: many companies with a few tickets each, as in a city (the demo has 40)."""
    districts = list(Department.objects.filter(kind=Department.Kind.COUNTY))
    companies = Company.objects.bulk_create(
        [Company(name=f"压测企业{i}", district=districts[i % len(districts)]) for i in range(n)]
    )
    return User.objects.bulk_create([User(username=f"bench{c.pk}", company=c) for c in companies])


def new_tickets(n: int, *, triage_later: bool = False) -> list[int]:
    ids = []
    for _ in range(n):
        i = next(serial)
        request = rng.choice(content.REQUESTS)
        ticket, _ = ticket_create(
            submitter=rng.choice(filers), title=request["title"], description=f"{request['description']}（编号{i}）",
            triage_later=triage_later,
        )  # fmt: skip
        ids.append(ticket.pk)
    return ids


def one_at_a_time(ids: list[int]) -> float:
    started = time.perf_counter()
    for ticket_id in ids:
        triage_services.ticket_triage(ticket_id=ticket_id)
    return len(ids) / (time.perf_counter() - started)


def batched(ids: list[int]) -> float:
    started = time.perf_counter()
    done = 0
    while taken := triage_services.triage_waiting():
        done += taken
    assert done == len(ids), (done, len(ids))
    return len(ids) / (time.perf_counter() - started)


def start_worker(log_name: str) -> subprocess.Popen:
    log = open(ROOT / "var" / log_name, "w")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "qihu", "worker", "-P", "solo", "-Q", "celery", "--without-mingle",
         "--without-gossip", "--loglevel=warning"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    worker.wait(timeout=30)


def wait_routed(ids: list[int], timeout: float) -> list[tuple]:
    deadline = time.time() + timeout
    while Ticket.objects.filter(pk__in=ids, status=Status.SUBMITTED).exists() and time.time() < deadline:
        time.sleep(0.2)
    return list(Ticket.objects.filter(pk__in=ids, triaged_at__isnull=False).values_list("created_at", "triaged_at"))


def worker_drains_backlog(n: int) -> float:
    """Queue n tickets with no worker running, start one worker process, time its routing of them."""
    app.control.purge()  # left-overs of the in-process runs (their common-problem tasks) are not this run's work
    ids = new_tickets(n, triage_later=True)
    worker = start_worker("bench-worker-backlog.log")
    try:
        rows = wait_routed(ids, timeout=300)
    finally:
        stop_worker(worker)
    if len(rows) < n:
        sys.exit(f"the worker routed {len(rows)} of {n}: see var/bench-worker-backlog.log")
    routed = sorted(t for _c, t in rows)
    return (n - 1) / (routed[-1] - routed[0]).total_seconds()


def main() -> None:
    call_command("migrate", verbosity=0)
    load_demo()
    filers.extend(bench_companies())
    version, _model = current_model()
    print(f"model v{version}; database {connection.vendor}; {N} tickets per run, {RUNS} runs")

    single, batch = [], []
    for _run in range(RUNS):
        single.append(one_at_a_time(new_tickets(N)))
        new_tickets(N)
        batch.append(batched(list(Ticket.objects.filter(status=Status.SUBMITTED).values_list("pk", flat=True))))
    s, b = statistics.median(single), statistics.median(batch)
    print(f"triage in one process, batches of {settings.QIHU['TRIAGE_BATCH']}: {b:.0f} tickets/s "
          f"(runs {', '.join(f'{x:.0f}' for x in batch)})")  # fmt: skip
    print(f"  reference, one ticket at a time: {s:.0f} tickets/s (runs {', '.join(f'{x:.0f}' for x in single)}); "
          f"ratio {b / s:.1f}x")  # fmt: skip

    drained = [worker_drains_backlog(N * 2) for _run in range(RUNS)]
    print(f"a real worker process (solo pool) draining {N * 2} queued tickets: "
          f"{statistics.median(drained):.0f} tickets/s (runs {', '.join(f'{x:.0f}' for x in drained)}); "
          f"budget >= 200/s: {'met' if statistics.median(drained) >= 200 else 'NOT met'}")  # fmt: skip

    worker = start_worker("bench-worker.log")
    try:
        time.sleep(6)  # the worker connects and loads the model on its first task
        new_tickets(5, triage_later=True)
        time.sleep(2)
        ids = []
        for _ in range(200):  # 20 submissions a second for 10 seconds
            ids += new_tickets(1, triage_later=True)
            time.sleep(0.05)
        rows = wait_routed(ids, timeout=60)
    finally:
        stop_worker(worker)
    latencies = sorted((t - c).total_seconds() * 1000 for c, t in rows)
    if not latencies:
        sys.exit("no ticket was routed by the worker: see var/bench-worker.log")
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    verdict = "met" if p50 <= 100 else "NOT met"
    print(f"submit → routed with a real worker (Redis, PostgreSQL), {len(latencies)}/{len(ids)} routed at 20/s: "
          f"p50 {p50:.0f} ms, p99 {p99:.0f} ms; budget p50 <= 100 ms: {verdict}")  # fmt: skip
    print("re-run: make bench-triage")


if __name__ == "__main__":
    main()
