"""Figures by channel (issue 17): what splitting the dashboard's figures by channel costs over 1,000,000 tickets.

Re-run: `make bench-figures` (real PostgreSQL via scripts/with-services; most of the time is loading).
BENCH_TICKETS changes the size, BENCH_LOADS the number of timed calls of each (alternated, medians).

The data is the digest benchmark's (`bench.digests.bench.fill`: half a year of tickets over 100 departments with
their assignments and evaluations), its channels spread over web, API, hotline, counter, visit, meeting and
leader's assignment. For the last 30 days, measured in turn in the same run:
- before: the department figures and the trend read apart, without channels (`department_figures` + `trend`);
- now: what the dashboard reads now (`dashboard_figures`: one reading split by department, channel and week,
  plus one GROUP BY counting the requests filed by channel);
- the whole page (`GET /dashboard/` as the supervisor, in process): p50, and its SQL count.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qihu.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.digests.bench import load_city  # noqa: E402
from tickets import figures  # noqa: E402
from tickets.models import Ticket  # noqa: E402

LOADS = int(os.environ.get("BENCH_LOADS", "9"))
CHANNELS = ["web", "api", "hotline", "counter", "visit", "meeting", "leader"]


def spread_channels() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{Ticket._meta.db_table}" SET source = (%s::text[])[1 + id %% {len(CHANNELS)}]', [CHANNELS]
        )
        cursor.execute(f'VACUUM ANALYZE "{Ticket._meta.db_table}"')


def _nodes(plan: dict) -> list[str]:
    """The plan's nodes, depth first: `Hash Join`, `Seq Scan on tickets_ticket`, `Index Scan using …`."""
    name = plan["Node Type"] + (f" on {plan['Relation Name']}" if "Relation Name" in plan else "")
    if "Index Name" in plan:
        name += f" using {plan['Index Name']}"
    return [name] + [node for child in plan.get("Plans", ()) for node in _nodes(child)]


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    started = time.perf_counter()
    load_city()
    spread_channels()
    print(f"{Ticket.objects.count():,} tickets over {len(CHANNELS)} channels, loaded in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    now = timezone.now()
    period = {"start": now - timedelta(days=30), "end": now, "now": now}

    def before():
        figures.department_figures(**period)
        figures.trend(step="week", **period)

    def after():
        figures.dashboard_figures(step="week", **period)

    supervisor = User.objects.get(username="duban")
    client = Client()
    client.force_login(supervisor)
    before(), after(), client.get("/dashboard/")  # warm
    times = {"before": [], "now": [], "page": []}
    for _round in range(LOADS):
        times["before"].append(timed(before))
        times["now"].append(timed(after))
        times["page"].append(timed(lambda: client.get("/dashboard/")))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboard/").status_code == 200
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"dashboard figures, last 30 days, median of {LOADS} (alternated):")
    print(f"  before (departments + trend): {median['before']:.0f} ms")
    print(f"  now (departments and channels + trend): {median['now']:.0f} ms — "
          f"{median['now'] / median['before']:.2f}× before")  # fmt: skip
    print(f"  the whole page /dashboard/: p50 {median['page']:.0f} ms (budget ≤ 500 ms), {len(queries)} SQL")
    # Where the time goes: each statement of the figures (departments and channels) with PostgreSQL's own
    # execution time, slowest first.
    with CaptureQueriesContext(connection) as statements:
        figures.period_figures(**period)
    spent = []
    with connection.cursor() as cursor:
        for query in statements.captured_queries:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query['sql']}")
            plan = cursor.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else plan
            spent.append((plan["Execution Time"], " < ".join(_nodes(plan["Plan"])), query["sql"][:100]))
    print("  the figures' statements (EXPLAIN ANALYZE: ms, the plan's nodes outermost first, the SQL):")
    for ms, nodes, sql in sorted(spent, reverse=True):
        print(f"    {ms:8.0f}  {sql}\n              {nodes}")
    rows = figures.period_figures(**period)[1]
    print("  channels: " + ", ".join(f"{c.source} {c.counts['filed']:,} filed" for c in rows))
    print("re-run: make bench-figures   (BENCH_TICKETS=… for another size)")


if __name__ == "__main__":
    main()
