"""Digest benchmark: every weekly digest for 100 departments and 6 chains over 1,000,000 tickets (DESIGN.md §11:
≤ 60 s to build and queue them all).

Re-run: `make bench-digests` (real PostgreSQL via scripts/with-services; about 5 minutes, most of it loading).
BENCH_TICKETS changes the size. The measured call is the one the Monday beat task makes, `digests_send_week`:
read every section in bulk, draw the charts, render one e-mail per person and queue it with its delivery row.
"""

import os
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qihu.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.sql import literal_defaults  # noqa: E402
from companies.models import Company, IndustryChain  # noqa: E402
from demo.loader import load_people, load_reference  # noqa: E402
from departments.models import Department  # noqa: E402
from digests.content import Week, previous_week, week_content  # noqa: E402
from digests.models import DigestDelivery  # noqa: E402
from digests.render import Renderer  # noqa: E402
from digests.services import digest_recipients, digests_send_week  # noqa: E402
from notifications.models import OutgoingEmail  # noqa: E402
from problems.models import Problem  # noqa: E402
from tickets.models import Assignment, Evaluation, Ticket, TicketEvent  # noqa: E402
from triage.models import Category  # noqa: E402

TICKETS = int(os.environ.get("BENCH_TICKETS", "1000000"))
DEPARTMENTS = 100
DAYS = 182  # the history spans half a year; open tickets are from the last 30 days


def insert_select(model, varying: dict[str, str], source: str, params: dict) -> None:
    """INSERT … SELECT: `varying` maps columns to SQL (named %(params)s), every other NOT NULL column its default."""
    constants = {k: v for k, v in literal_defaults(model).items() if k not in varying}
    names: list[str] = []

    def positional(text: str) -> str:
        return re.sub(r"%\((\w+)\)s", lambda m: names.append(m.group(1)) or "%s", text)

    select = [positional(v) for v in varying.values()]
    values = [params[n] for n in names]
    names.clear()
    source_sql = positional(source)
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(list(varying) + list(constants))}) '
        f"SELECT {', '.join(select + ['%s'] * len(constants))} FROM {source_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values + list(constants.values()) + [params[n] for n in names])


def more_departments() -> None:
    """The demo's 33 departments and working groups, plus city departments and counties up to 100."""
    missing = DEPARTMENTS - Department.objects.count()
    Department.objects.bulk_create(
        [
            Department(code=f"bench-{i:02d}", name=f"基准部门{i:02d}", kind="city" if i % 3 else "county")
            for i in range(missing)
        ],
        ignore_conflicts=True,
    )


def fill() -> None:
    """TICKETS tickets over half a year in one statement, their lead assignments, evaluations, return and
    reopen events, and common problems per chain."""
    now = timezone.now()
    params = {
        "now": now,
        "departments": list(Department.objects.order_by("pk").values_list("pk", flat=True)),
        "companies": list(Company.objects.values_list("pk", flat=True)),
        "categories": list(Category.objects.values_list("pk", flat=True)),
        "chains": list(IndustryChain.objects.values_list("pk", flat=True)),
    }
    n = {k: len(v) for k, v in params.items() if isinstance(v, list)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2026)")
    source = f"""(
        SELECT g, r2, r3, r4, st, dept, created,
               created + interval '1 hour' AS dispatched,
               least(created + r2 * interval '10 days', %(now)s) AS replied
        FROM (
            SELECT g, r2, r3, r4, st,
                   CASE WHEN st IN ('pending_dispatch', 'rejected') THEN NULL
                        ELSE (%(departments)s::bigint[])[1 + g %% {n["departments"]}] END AS dept,
                   %(now)s - r3 * CASE WHEN st IN ('assigned', 'accepted', 'on_hold', 'pending_dispatch')
                                       THEN interval '30 days' ELSE interval '{DAYS} days' END AS created
            FROM (
                SELECT g, r2, r3, r4,
                       CASE WHEN r1 < 0.05 THEN 'assigned' WHEN r1 < 0.15 THEN 'accepted' WHEN r1 < 0.17 THEN 'on_hold'
                            WHEN r1 < 0.22 THEN 'replied' WHEN r1 < 0.23 THEN 'pending_dispatch'
                            WHEN r1 < 0.24 THEN 'disputed' WHEN r1 < 0.94 THEN 'closed' WHEN r1 < 0.97 THEN 'withdrawn'
                            ELSE 'rejected' END AS st
                FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4
                      FROM generate_series(1, {TICKETS}) AS g) AS a
            ) AS b
        ) AS c
    ) AS s"""
    open_ = "st IN ('assigned', 'accepted', 'on_hold')"
    answered = "st IN ('replied', 'disputed', 'closed')"
    varying = {
        "company_id": f"(%(companies)s::bigint[])[1 + floor(r4 * {n['companies']})::int]",
        "category_id": f"(%(categories)s::bigint[])[1 + g %% {n['categories']}]",
        "chain_id": f"CASE WHEN g %% 3 = 0 THEN (%(chains)s::bigint[])[1 + g %% {n['chains']}] END",
        "title": "'基准测试诉求 ' || g", "description": "'用于测量每周简报的诉求 ' || g",
        "source": "'api'", "status": "st", "lead_department_id": "dept",
        "request_type": "CASE WHEN g %% 10 = 0 THEN 'consult' ELSE 'help' END",
        "created_at": "created", "updated_at": "%(now)s",
        "dispatched_at": "CASE WHEN dept IS NOT NULL THEN dispatched END",
        "accept_deadline": "CASE WHEN dept IS NOT NULL THEN dispatched + interval '1 day' END",
        "accepted_at": "CASE WHEN dept IS NOT NULL AND st NOT IN ('assigned', 'withdrawn') "
                       "THEN dispatched + r2 * interval '2 days' END",
        "handle_deadline": "CASE WHEN dept IS NOT NULL THEN dispatched + interval '8 days' END",
        "stage_started_at": f"CASE WHEN {open_} THEN dispatched END",
        "due_at": f"CASE WHEN st = 'assigned' THEN dispatched + interval '1 day' "
                  f"WHEN {open_} THEN dispatched + interval '8 days' END",
        "replied_at": f"CASE WHEN {answered} THEN replied END",
        "closed_at": "CASE WHEN st = 'closed' THEN least(replied + interval '1 day', %(now)s) "
                     "WHEN st IN ('withdrawn', 'rejected') THEN created + interval '1 day' END",
        "close_reason": "CASE WHEN st = 'closed' AND g %% 7 = 0 THEN 'unevaluated' "
                        "WHEN st = 'closed' THEN 'evaluated' ELSE '' END",
        "reopen_count": f"CASE WHEN {answered} AND g %% 50 = 0 THEN 1 ELSE 0 END",
    }  # fmt: skip
    insert_select(Ticket, varying, source, params)

    state = (
        "CASE WHEN t.status = 'assigned' THEN 'pending' WHEN t.id %% 40 = 0 THEN 'returned' "
        "WHEN t.status IN ('accepted', 'on_hold') THEN 'accepted' ELSE 'reported' END"
    )
    insert_select(
        Assignment,
        {"ticket_id": "t.id", "department_id": "t.lead_department_id", "role": "'lead'", "state": state,
         "assigned_at": "t.dispatched_at", "accept_deadline": "t.accept_deadline", "accepted_at": "t.accepted_at"},
        "tickets_ticket AS t WHERE t.lead_department_id IS NOT NULL", {},
    )  # fmt: skip
    author = User.objects.filter(company__isnull=False).values_list("pk", flat=True).first()
    insert_select(
        Evaluation,
        {"ticket_id": "t.id", "author_id": "%(author)s", "contacted": "true",
         "resolved": "(ARRAY['resolved', 'resolved', 'partly', 'unresolved'])[1 + t.id %% 4]",
         "satisfaction": "(ARRAY['satisfied', 'basically_satisfied', 'satisfied', 'unsatisfied'])[1 + t.id %% 4]",
         "created_at": "t.closed_at"},
        "tickets_ticket AS t WHERE t.status = 'closed' AND t.close_reason = 'evaluated'", {"author": author},
    )  # fmt: skip
    insert_select(
        TicketEvent,
        {"ticket_id": "t.id", "action": "'return'", "actor_role": "'handler'", "from_status": "'assigned'",
         "to_status": "'pending_dispatch'", "data": "json_build_object('department', d.code)",
         "created_at": "t.dispatched_at + interval '2 hours'"},
        "tickets_ticket AS t JOIN departments_department AS d ON d.id = t.lead_department_id WHERE t.id %% 40 = 0",
        {},
    )  # fmt: skip
    insert_select(
        TicketEvent,
        {"ticket_id": "t.id", "action": "'reopen'", "actor_role": "'supervisor'", "from_status": "'disputed'",
         "to_status": "'accepted'", "created_at": "t.replied_at + interval '2 days'"},
        "tickets_ticket AS t WHERE t.reopen_count > 0", {},
    )  # fmt: skip
    week_start = Week.of(previous_week()).since
    Problem.objects.bulk_create(
        Problem(
            title=f"基准共性问题 {chain.code}-{i}", chain=chain, status="confirmed" if i % 3 else "candidate",
            company_count=2 + i % 9, ticket_count=3 + i % 17, recent_count=i % 7, previous_count=i % 5,
            created_at=week_start + timedelta(hours=i) if i % 10 == 0 else now - timedelta(days=30 + i),
        )
        for chain in IndustryChain.objects.all()
        for i in range(60)
    )  # fmt: skip
    with connection.cursor() as cursor:
        for model in (Ticket, Assignment, Evaluation, TicketEvent, Problem):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')


def load_city() -> None:
    """The benchmark's city: the demo's reference data, 100 departments with their people, half a year of tickets."""
    call_command("migrate", verbosity=0)
    load_reference()
    more_departments()
    load_people({d.code: d for d in Department.objects.all()})
    fill()


def main() -> None:
    started = time.perf_counter()
    load_city()
    week = previous_week()
    recipients = digest_recipients()
    print(f"{Ticket.objects.count():,} tickets, {Department.objects.count()} departments, "
          f"{IndustryChain.objects.count()} chains, {len(recipients)} recipients; "
          f"loaded in {time.perf_counter() - started:.0f} s")  # fmt: skip
    since = Week.of(week).since
    filed = Ticket.objects.filter(created_at__gte=since, created_at__lt=since + timedelta(days=7)).count()
    print(f"the week of {week} (Monday, city time): {filed:,} tickets filed in it")

    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = digests_send_week(week)
        elapsed = time.perf_counter() - started
    sizes = [len(e.body_html) + sum(len(d) for _cid, d in e.inline_images) for e in OutgoingEmail.objects.all()]
    print(f"all digests built and queued: {elapsed:.1f} s — budget ≤ 60 s: {'PASS' if elapsed <= 60 else 'FAIL'}")
    print(f"  {report.queued} e-mails queued ({report.recipients} recipients), {len(queries)} SQL queries, "
          f"{DigestDelivery.objects.count()} delivery rows, e-mail size median "
          f"{sorted(sizes)[len(sizes) // 2] // 1024} KiB (HTML + base64 charts)")  # fmt: skip

    # Where the time goes (warm caches): reading the sections, then drawing and rendering.
    started = time.perf_counter()
    content = week_content(Week.of(week))
    read = time.perf_counter() - started
    renderer = Renderer(content)
    started = time.perf_counter()
    for recipient in recipients:
        renderer.render(renderer.sections(departments=recipient.departments, chains=recipient.chains,
                                          city=recipient.city))  # fmt: skip
    drawn = time.perf_counter() - started
    print(f"  of which (second run): reading every section {read:.1f} s; charts and rendering {drawn:.1f} s")
    again = time.perf_counter()
    rerun = digests_send_week(week)
    print(f"a rerun: {rerun.queued} queued, {rerun.already} already sent, {time.perf_counter() - again:.2f} s")
    print("re-run: make bench-digests   (BENCH_TICKETS=… for another size)")


if __name__ == "__main__":
    main()
