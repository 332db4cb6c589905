"""Common-problem detection benchmark: a full run over 10,000 / 50,000 / 100,000 tickets (DESIGN.md §11).

Re-run: `make bench-problems` (real PostgreSQL via scripts/with-services; a few minutes, most of it
generating the tickets). Each size runs in its own process, so its peak memory is its own.

At the largest size it also times the incremental step (`problem_attach_ticket`, what each triaged ticket goes
through): BENCH_ATTACH (200) new reports of the problems found, attached one by one against that many tickets.

Tickets: clauses of the public government messages (tests/data) recombined and varied, each ticket with a place
from some 470,000 made-up names, spread evenly over 90 days, from 20,000 companies; about one
in thirty belongs to a planted problem (one place, one difficulty, several companies).
"""

import csv
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qihu.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from companies.models import Company  # noqa: E402
from problems.models import Problem, ProblemEvent, ProblemMember  # noqa: E402
from problems.services import problem_attach_ticket, problems_detect  # noqa: E402
from tickets.models import Source, Status, Ticket  # noqa: E402

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,50000,100000").split(",")]
ATTACH = int(os.environ.get("BENCH_ATTACH", "200"))
NOW = datetime.fromisoformat(os.environ["NOW"]) if "NOW" in os.environ else timezone.now().replace(microsecond=0)
SPAN = timedelta(days=90)
rng = random.Random(11)

A = list("金银丽华新锦翠碧龙凤星月阳光明泰和安康福瑞祥嘉怡雅美东南西北江湖山水林园")
B = ["小区", "花园", "产业园", "工业园", "新村", "广场", "家园", "大厦", "商城", "苑"]
PROBLEMS = ["频繁停电", "长期停水", "道路积水", "噪音扰民", "油烟扰民", "粉尘污染", "物业乱收费", "延期交房",
            "污水直排", "路灯不亮", "垃圾清运不及时", "停车难", "公交线路不足", "网络信号差", "招工难"]  # fmt: skip


def clauses() -> list[str]:
    """The public messages cut into clauses: material to recombine into many different requests."""
    with open(ROOT / "tests/data/gov-messages-labeled-train.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    found = set()
    for row in rows:
        found.update(c for c in re.split(r"[，。；！？、\s]+", row["title"] + "，" + row["detail"]) if len(c) >= 6)
    return sorted(found)


CHARS: list[str] = []


def fragments(pool: list[str], n: int) -> str:
    """n random clauses, three characters in ten swapped for others of the corpus: varied text, with the
    corpus's own characters and lengths, that repeats no sentence verbatim."""
    pieces = []
    for clause in rng.sample(pool, n):
        pieces.append("".join(rng.choice(CHARS) if rng.random() < 0.3 else ch for ch in clause[:30]))
    return "，".join(pieces)


def place() -> str:
    return rng.choice(A) + rng.choice(A) + rng.choice(A) + rng.choice(B)


def generate(n: int) -> None:
    """n tickets with bulk_create; filing times evenly over the last 90 days, the newest last."""
    pool = clauses()
    CHARS.extend(ch for clause in pool for ch in clause)
    companies = Company.objects.bulk_create([Company(name=f"基准企业{i}") for i in range(20_000)])
    batch, planted = [], []
    for k in range(n):
        at = NOW - SPAN + SPAN * (k / n)
        if k % 50 == 0 or (planted and rng.random() < 0.015):
            if k % 50 == 0:
                planted.append((place(), rng.choice(PROBLEMS)))
            where, what = rng.choice(planted[-40:])  # recent planted problems get more reports
            title = f"{where}{what}问题{rng.choice(['请尽快解决', '何时处理', '严重影响生产', ''])}"
            description = f"我司位于{where}，{where}{what}，" + fragments(pool, 3)
        else:
            where = place()
            title = f"{where}{fragments(pool, 1)}"
            description = f"{where}，" + fragments(pool, rng.randint(4, 7))
        batch.append(
            Ticket(company=rng.choice(companies), title=title[:200], description=description[:5000],
                   status=Status.CLOSED, source=Source.IMPORT, created_at=at, updated_at=at)
        )  # fmt: skip
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    Ticket.objects.bulk_create(batch)


def run(n: int) -> None:
    """One size: detection over the newest n tickets, in this fresh process."""
    ProblemEvent.objects.all().delete()
    ProblemMember.objects.all().delete()
    Problem.objects.all().delete()
    total = Ticket.objects.count()
    since = NOW - SPAN + SPAN * ((total - n) / total) if n < total else None
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = problems_detect(since=since)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{report.tickets:>7} tickets  {seconds:6.1f} s  peak RSS {peak / 1024:6.0f} MB "
        f"(+{(peak - before) / 1024:.0f} MB over the loaded process)  problems {len(report.problems)}",
        flush=True,
    )
    if n == max(SIZES) and ATTACH:
        attach(since)


def attach(since) -> None:
    """New reports of the problems found (copies of members' texts from other companies, filed now), each through
    the incremental step, after a run that wrote the key-term index as the nightly one does (not timed)."""
    problems_detect(since=since, index_terms=True)
    members = list(ProblemMember.objects.values_list("ticket_id", flat=True))
    originals = Ticket.objects.in_bulk(rng.sample(members, min(ATTACH, len(members))))
    companies = list(Company.objects.values_list("pk", flat=True))
    new = Ticket.objects.bulk_create(
        [Ticket(company_id=rng.choice(companies), title=t.title, description=t.description, status=Status.CLOSED,
                source=Source.IMPORT, created_at=NOW, updated_at=NOW) for t in originals.values()]
    )  # fmt: skip
    times, joined = [], 0
    for ticket in new:
        started = time.perf_counter()
        joined += problem_attach_ticket(ticket_id=ticket.pk) is not None
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(
        f"  incremental step at this size: {len(new)} new reports, {joined} joined a problem; "
        f"median {statistics.median(times):.1f} ms, p90 {times[int(len(times) * 0.9)]:.1f} ms a ticket",
        flush=True,
    )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--run":
        run(int(sys.argv[2]))
        return
    call_command("migrate", verbosity=0)
    if Ticket.objects.count() < max(SIZES):
        started = time.perf_counter()
        generate(max(SIZES))
        print(f"generated {max(SIZES)} tickets in {time.perf_counter() - started:.0f} s")
    print("full detection (budget: 100,000 tickets ≤ 60 s, near-linear growth):")
    for n in SIZES:
        subprocess.run(
            [sys.executable, __file__, "--run", str(n)], check=True, env={**os.environ, "NOW": NOW.isoformat()}
        )
    print("re-run: make bench-problems   (sizes: BENCH_SIZES=10000,50000,100000)")


if __name__ == "__main__":
    main()
