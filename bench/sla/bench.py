"""SLA benchmark: finding the due tickets among 1,000,000 open ones, and escalation steps per second.

Re-run: `make bench-sla` (real PostgreSQL via scripts/with-services; a few minutes). BENCH_OPEN_TICKETS
changes the size. Reference in the same run: the same query with index scans switched off.
"""

import os
import statistics
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
from django.utils import timezone  # noqa: E402

from bench.sql import literal_defaults  # noqa: E402
from demo.loader import load_people, load_reference  # noqa: E402
from tickets.models import Ticket  # noqa: E402
from tickets.services import sla_sweep  # noqa: E402

OPEN = int(os.environ.get("BENCH_OPEN_TICKETS", "1000000"))
DUE_QUERY = (
    'SELECT "id" FROM "tickets_ticket" WHERE "next_escalation_at" <= %s ORDER BY "next_escalation_at" LIMIT 1000'
)


def fill(company_id: int, department_id: int) -> None:
    """OPEN open tickets in one statement: accepted, clocks spread over ±30 days around now."""
    now = timezone.now()
    varying = {
        "company_id": "%s", "lead_department_id": "%s", "title": "'基准测试诉求 ' || g",
        "description": "'用于测量超时扫描的诉求 ' || g", "status": "'accepted'",
        "created_at": "%s - (g %% 90) * interval '1 day'", "updated_at": "%s",
        "stage_started_at": "%s - interval '3 days'",
        "yellow_at": "%s + ((g::bigint * 7919) %% 86400 - 43200) * interval '1 minute' - interval '2 days'",
        "due_at": "%s + ((g::bigint * 7919) %% 86400 - 43200) * interval '1 minute'",
        "next_escalation_at": "%s + ((g::bigint * 7919) %% 86400 - 43200) * interval '1 minute' - interval '2 days'",
        "handle_deadline": "%s + ((g::bigint * 7919) %% 86400 - 43200) * interval '1 minute'",
    }  # fmt: skip
    params = [company_id, department_id, now, now, now, now, now, now, now]
    constants = {k: v for k, v in literal_defaults(Ticket).items() if k not in varying}
    columns = list(varying) + list(constants)
    select = list(varying.values()) + ["%s"] * len(constants)
    params += list(constants.values())
    sql = (
        f'INSERT INTO "tickets_ticket" ({", ".join(columns)}) '
        f"SELECT {', '.join(select)} FROM generate_series(1, {OPEN}) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute('ANALYZE "tickets_ticket"')


def timed(query: str, params, runs: int = 21) -> tuple[float, list]:
    times = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(query, params)
            rows = cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), rows


def main() -> None:
    call_command("migrate", verbosity=0)
    departments = load_reference()
    users = load_people(departments)
    started = time.perf_counter()
    fill(users[0].company_id, departments["gongdian"].pk)
    print(f"{OPEN:,} open tickets inserted in {time.perf_counter() - started:.0f} s")
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + DUE_QUERY, [now])
        plan = "\n".join("    " + row[0] for row in cursor.fetchall())
    due_count = Ticket.objects.filter(next_escalation_at__lte=now).count()
    indexed, _rows = timed(DUE_QUERY, [now])
    with connection.cursor() as cursor:
        cursor.execute("SET enable_indexscan = off")
        cursor.execute("SET enable_bitmapscan = off")
    unindexed, _ = timed(DUE_QUERY, [now], runs=5)
    with connection.cursor() as cursor:
        cursor.execute("RESET enable_indexscan")
        cursor.execute("RESET enable_bitmapscan")
    print(f"due now: {due_count:,}; the sweeper's query (first 1,000 due), median of 21: {indexed:.1f} ms")
    print(f"  reference, index scans off: {unindexed:.0f} ms; ratio {unindexed / indexed:.0f}×; budget ≤ 200 ms")
    print("  plan:\n" + plan)

    batch = 1000
    started = time.perf_counter()
    taken = sla_sweep(limit=batch)
    elapsed = time.perf_counter() - started
    print(f"escalation steps: {taken} in {elapsed:.1f} s = {taken / elapsed:.0f} steps/s (event + ladder + outbox)")
    still_due = Ticket.objects.filter(next_escalation_at__lte=timezone.now()).count()
    print(f"steps still due after it (a ticket has up to four): {still_due:,}")
    print("re-run: make bench-sla")


if __name__ == "__main__":
    main()
