"""Queue benchmark: the department queue page with 1,000,000 tickets against a minimal DRF app (DESIGN.md §11).

Re-run: `make bench-queue` (real PostgreSQL + Redis via scripts/with-services; about ten minutes).

Budget: the department queue page (25 rows, ordered by urgency) with 1,000,000 tickets has at least the
throughput of the minimal cursor-paginated list over the same rows, and a constant number of queries per page.

- qihu: `GET /api/v1/queue/` as a handler of one department (`banli-gongdian`, token auth), whose queue holds
  tens of thousands of open tickets it leads or assists, among 1,000,000 spread over every department in every
  status; and the officials' `/workbench/` HTML page (session login) for the same user.
- reference: `bench/queue/reference/`, one model, a ModelViewSet, token auth, CursorPagination of 25, in its
  own schema of the same database, holding the same 1,000,000 rows (copied with INSERT … SELECT).
- both on gunicorn with 4 sync workers, DEBUG off, persistent connections; driven by wrk (8 connections,
  2 threads) in interleaved rounds, first page and deep pages (the cursor's next links followed).

Environment: BENCH_TICKETS (1000000), BENCH_SECONDS (10 per measurement), BENCH_ROUNDS (3), BENCH_DEEP_PAGES
(pages followed for the deep set, 1000).
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qihu.settings")
# The servers check sessions made here (the workbench's login): one secret for both.
os.environ["DJANGO_SECRET_KEY"] = "bench-queue-not-a-secret"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.sql import literal_defaults  # noqa: E402
from companies.models import Company, IndustryChain  # noqa: E402
from demo.loader import load_people, load_reference  # noqa: E402
from departments.models import Department  # noqa: E402
from tickets.models import Assignment, Ticket  # noqa: E402
from tickets.services import queue_refresh  # noqa: E402
from triage.models import Category  # noqa: E402

TICKETS = int(os.environ.get("BENCH_TICKETS", "1000000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DEEP_PAGES = int(os.environ.get("BENCH_DEEP_PAGES", "1000"))
DEPARTMENT = "gongdian"  # the department whose queue is measured
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
QUEUE = "/api/v1/queue/"
REFERENCE = "/tickets/"
WORKBENCH = "/workbench/"


# -- data --------------------------------------------------------------------------------------------------
def insert_select(model, varying: dict[str, str], source: str, params: list, source_params: list) -> None:
    """INSERT … SELECT: `varying` maps columns to SQL (with `params`), every other NOT NULL column its default."""
    constants = {k: v for k, v in literal_defaults(model).items() if k not in varying}
    columns = list(varying) + list(constants)
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(list(varying.values()) + ['%s'] * len(constants))} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + list(constants.values()) + source_params)


def fill(bench_department: int) -> None:
    """TICKETS tickets in one statement, every status, over every department; 1 in 12 led by the bench one.

    Open tickets (assigned, accepted, on hold) carry deadlines from 8 days late to 32 days ahead, so the queue
    shows red, yellow and green; every dispatched ticket has its lead assignment, one in five an assisting
    department, and one in twenty-five of the other departments' tickets asks the bench department to assist.
    """
    now = timezone.now()
    others = list(Department.objects.exclude(pk=bench_department).values_list("pk", flat=True))
    counties = list(Department.objects.filter(kind=Department.Kind.COUNTY).values_list("pk", flat=True))
    companies = list(Company.objects.values_list("pk", flat=True))
    categories = list(Category.objects.values_list("pk", flat=True))
    chains = list(IndustryChain.objects.values_list("pk", flat=True))
    source = f"""(
        SELECT g, r2, r3, r4, st,
               CASE WHEN st IN ('pending_dispatch', 'rejected') THEN NULL ELSE dept END AS dept,
               %(now)s + (r2 * 40 - 8) * interval '1 day' AS due
        FROM (
            SELECT g, r2, r3, r4,
                   CASE WHEN r1 < 0.10 THEN 'assigned' WHEN r1 < 0.35 THEN 'accepted' WHEN r1 < 0.40 THEN 'on_hold'
                        WHEN r1 < 0.48 THEN 'replied' WHEN r1 < 0.50 THEN 'pending_dispatch'
                        WHEN r1 < 0.51 THEN 'disputed' WHEN r1 < 0.92 THEN 'closed' WHEN r1 < 0.96 THEN 'withdrawn'
                        ELSE 'rejected' END AS st,
                   CASE WHEN g %% 12 = 0 THEN %(bench)s
                        ELSE (%(others)s::bigint[])[1 + (g * 7) %% {len(others)}] END AS dept
            FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4
                  FROM generate_series(1, {TICKETS}) AS g) AS a
        ) AS b
    ) AS s"""
    clocked = "st IN ('assigned', 'accepted', 'on_hold')"
    varying = {
        "company_id": f"(%(companies)s::bigint[])[1 + floor(r4 * {len(companies)})::int]",
        "category_id": f"(%(categories)s::bigint[])[1 + g %% {len(categories)}]",
        "chain_id": f"CASE WHEN g %% 3 = 0 THEN (%(chains)s::bigint[])[1 + g %% {len(chains)}] END",
        "district_id": f"(%(counties)s::bigint[])[1 + g %% {len(counties)}]",
        "title": "'基准测试诉求 ' || g", "description": "'用于测量部门工作台队列的诉求 ' || g",
        "source": "'import'", "status": "st", "lead_department_id": "dept",
        "priority": "CASE WHEN r4 < 0.1 THEN 'urgent' ELSE 'normal' END",
        "request_type": "(ARRAY['consult', 'help', 'complaint', 'report', 'suggestion'])[1 + g %% 5]",
        "created_at": "%(now)s - (r3 * 180 + 10) * interval '1 day'", "updated_at": "%(now)s",
        "dispatched_at": "CASE WHEN dept IS NOT NULL THEN %(now)s - (r3 * 5 + 5) * interval '1 day' END",
        "stage_started_at": f"CASE WHEN {clocked} THEN %(now)s - interval '5 days' END",
        "accept_deadline": "CASE WHEN dept IS NOT NULL THEN %(now)s - (r3 * 5 + 4) * interval '1 day' END",
        "accepted_at": "CASE WHEN st NOT IN ('assigned', 'pending_dispatch', 'rejected') AND dept IS NOT NULL "
                       "THEN %(now)s - (r3 * 5 + 4) * interval '1 day' END",
        "handle_deadline": "CASE WHEN st IN ('accepted', 'on_hold') THEN due END",
        "hold_started_at": "CASE WHEN st = 'on_hold' THEN %(now)s - r4 * interval '3 days' END",
        "yellow_at": f"CASE WHEN {clocked} THEN due - interval '2 days' END",
        "due_at": f"CASE WHEN {clocked} THEN due END",
        "next_escalation_at": "CASE WHEN st IN ('assigned', 'accepted') THEN greatest(due - interval '2 days', "
                              "least(due + interval '1 day', %(now)s + interval '1 day')) END",
        "replied_at": "CASE WHEN st IN ('replied', 'disputed', 'closed') THEN %(now)s - r4 * interval '3 days' END",
        "evaluate_deadline": "CASE WHEN st = 'replied' THEN %(now)s + r4 * interval '7 days' END",
        "closed_at": "CASE WHEN st IN ('closed', 'withdrawn', 'rejected') THEN %(now)s - r4 * interval '3 days' END",
    }  # fmt: skip
    params = {"now": now, "bench": bench_department, "others": others, "companies": companies,
              "categories": categories, "chains": chains, "counties": counties}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2026)")
    # Named parameters for the varying part; the constants are appended positionally: rewrite to positional.
    names = []

    def positional(text: str) -> str:
        return re.sub(r"%\((\w+)\)s", lambda m: names.append(m.group(1)) or "%s", text)

    select = {k: positional(v) for k, v in varying.items()}
    select_params, names[:] = [params[n] for n in names], []
    source_sql = positional(source)
    insert_select(Ticket, select, source_sql, select_params, [params[n] for n in names])

    # Assignments: the lead of every dispatched ticket; assisting departments.
    state = (
        "CASE WHEN t.status = 'assigned' THEN 'pending' WHEN t.status IN ('accepted', 'on_hold') THEN 'accepted' "
        "ELSE 'reported' END"
    )
    common = {
        "ticket_id": "t.id", "state": state, "assigned_at": "t.dispatched_at",
        "accept_deadline": "t.accept_deadline", "accepted_at": "t.accepted_at",
    }  # fmt: skip
    insert_select(
        Assignment, {**common, "department_id": "t.lead_department_id", "role": "'lead'"},
        "tickets_ticket AS t WHERE t.lead_department_id IS NOT NULL", [], [],
    )  # fmt: skip
    insert_select(
        Assignment,
        {**common, "department_id": f"(%s::bigint[])[1 + (t.id * 13) %% {len(others)}]", "role": "'assist'"},
        "tickets_ticket AS t WHERE t.lead_department_id IS NOT NULL AND t.id %% 5 = 1", [others], [],
    )  # fmt: skip
    insert_select(
        Assignment, {**common, "department_id": "%s", "role": "'assist'"},
        "tickets_ticket AS t WHERE t.lead_department_id <> %s AND t.id %% 25 = 3", [bench_department],
        [bench_department],
    )  # fmt: skip
    queue_refresh()  # the departments' queue rows, as the services write them for every ticket they change
    with connection.cursor() as cursor:
        cursor.execute('VACUUM ANALYZE "tickets_ticket"')
        cursor.execute('VACUUM ANALYZE "tickets_assignment"')
        cursor.execute('VACUUM ANALYZE "tickets_queueentry"')


def copy_to_reference() -> None:
    """The reference's own table (schema ref) gets the same rows, flat."""
    columns = [f.column for f in Ticket._meta.concrete_fields if f.column in REFERENCE_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO ref."reference_ticket" ({", ".join(columns)}) '
            f'SELECT {", ".join(columns)} FROM public."tickets_ticket"'
        )
        # the reference also creates (bench/ticket/): its ids go on after the copied ones
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('ref.reference_ticket', 'id'), "
            'coalesce((SELECT max(id) FROM ref."reference_ticket"), 1))'
        )
        cursor.execute('VACUUM ANALYZE ref."reference_ticket"')


REFERENCE_COLUMNS = {
    "id", "title", "status", "request_type", "priority", "difficulty", "level", "supervision_level", "company_id",
    "category_id", "chain_id", "district_id", "lead_department_id", "accept_deadline", "handle_deadline",
    "evaluate_deadline", "due_at", "version", "created_at", "updated_at",
}  # fmt: skip


# -- servers -----------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "bench-queue-not-a-secret",
    "QIHU_SECURE_SSL_REDIRECT": "false",
    "QIHU_OTP_REQUIRED": "false",  # sessions made with force_login: no second factor to give
    "LOG_LEVEL": "WARNING",
}


def gunicorn(app: str, port: int, chdir: Path, log: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [GUNICORN, app, "--bind", f"127.0.0.1:{port}", "--workers", "4", "--chdir", str(chdir),
         "--log-level", "warning"],
        env={**os.environ, **SERVER_ENV, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def wait_for(port: int, path: str, headers: dict) -> None:
    for _ in range(120):
        try:
            status, _body = get(port, path, headers)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server on {port} did not answer {path} (logs in {tempfile.gettempdir()}/bench-queue-*)")


def get(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def follow(port: int, path: str, headers: dict, pages: int) -> list[str]:
    """The paths of the first `pages` pages, following the cursor's next links."""
    paths = [path]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while len(paths) < pages:
        conn.request("GET", paths[-1], headers=headers)
        response = conn.getresponse()
        body = json.loads(response.read())
        assert response.status == 200, body
        if not body["next"]:
            break
        parts = urlsplit(body["next"])
        paths.append(f"{parts.path}?{parts.query}")
    conn.close()
    return paths


# -- load --------------------------------------------------------------------------------------------------
LUA = """
local paths, i = {}, 0
local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = (id or 0) * math.floor(#paths / 2)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(port: int, paths: list[str], headers: dict, workdir: Path, *, lua: str = LUA, args=(), seconds=None) -> dict:
    """wrk, 8 connections and 2 threads for `seconds` (SECONDS), over `paths` (lines handed to the `lua`
    script, GET by default); req/s, p50 and p99 (ms). Any 4xx or 5xx, or a socket error, stops the benchmark."""
    listing = workdir / f"paths-{port}-{len(paths)}.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = workdir / f"script-{abs(hash(lua))}.lua"
    script.write_text(lua)
    command = ["wrk", "-t2", "-c8", f"-d{seconds or SECONDS}s", "--latency", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [f"http://127.0.0.1:{port}", "--", str(listing), *map(str, args)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit("wrk saw errors:\n" + out)

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50": latency("50"), "p99": latency("99")}


# -- queries -----------------------------------------------------------------------------------------------
def count_queries(client: Client, path: str) -> tuple[int, int, list[str]]:
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    rows = len(response.json()["results"]) if response["Content-Type"].startswith("application/json") else -1
    return len(queries), rows, [q["sql"] for q in queries]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    departments = load_reference()
    load_people(departments)
    bench_department = departments[DEPARTMENT].pk
    fill(bench_department)
    handler = User.objects.get(username=f"banli-{DEPARTMENT}")
    token = Token.objects.get_or_create(user=handler)[0].key
    queue_size = Ticket.objects.filter(
        status__in=["assigned", "accepted", "on_hold"], lead_department=bench_department
    ).count()
    assisted = Assignment.objects.filter(
        department=bench_department, role="assist", state__in=["pending", "accepted"]
    ).count()
    print(f"{Ticket.objects.count():,} tickets inserted in {time.perf_counter() - started:.0f} s "
          f"({Department.objects.count()} departments); the {DEPARTMENT} queue: {queue_size:,} open tickets led, "
          f"{assisted:,} more to assist")  # fmt: skip

    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA IF NOT EXISTS ref")
    ref_token = subprocess.run(
        [PY, str(HERE / "reference" / "tool.py"), "prepare"], capture_output=True, text=True, check=True
    ).stdout.strip()
    copy_to_reference()

    # Query counts in-process: qihu here, the reference in its own process.
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    counts = {}
    for size in (25, 100):
        counts[f"queue, first page of {size}"] = count_queries(api, f"{QUEUE}?page_size={size}")
    queue_sql = counts["queue, first page of 25"][2][1:]  # after the token lookup: the page's reads

    work = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    var = work / "var"
    env = {"QIHU_VAR_DIR": str(var)}
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env={**os.environ, **SERVER_ENV, **env},
        check=True,
    )  # fmt: skip
    qihu_port, ref_port = free_port(), free_port()
    servers = [
        gunicorn("qihu.wsgi:application", qihu_port, ROOT, work / "qihu.log", env),
        gunicorn(
            "reference.wsgi:application",
            ref_port,
            HERE,
            work / "reference.log",
            {"DJANGO_SETTINGS_MODULE": "reference.settings"},
        ),
    ]
    try:
        qihu_auth = {"Authorization": f"Token {token}"}
        ref_auth = {"Authorization": f"Token {ref_token}"}
        wait_for(qihu_port, QUEUE, qihu_auth)
        wait_for(ref_port, REFERENCE, ref_auth)
        qihu_pages = follow(qihu_port, QUEUE, qihu_auth, DEEP_PAGES)
        ref_pages = follow(ref_port, REFERENCE, ref_auth, DEEP_PAGES)
        deep_qihu, deep_ref = qihu_pages[1:], ref_pages[1:]
        print(f"deep pages: {len(deep_qihu)} of each (pages 2–{len(qihu_pages)}, next links followed)")

        for size in (25, 100):
            deep = follow(qihu_port, f"{QUEUE}?page_size={size}", qihu_auth, 40)[-1]
            counts[f"queue, page 40 of {size}"] = count_queries(api, deep)
        deep_sql = counts["queue, page 40 of 25"][2][1:]
        ref_paths = [f"{REFERENCE}?page_size=25", f"{REFERENCE}?page_size=100", ref_pages[-1]]
        ref_counts = json.loads(
            subprocess.run(
                [PY, str(HERE / "reference" / "tool.py"), "count", *ref_paths], capture_output=True, text=True,
                check=True,
            ).stdout
        )  # fmt: skip

        session = Client()
        session.force_login(handler)
        cookie = {"Cookie": f"sessionid={session.cookies['sessionid'].value}"}
        wb_status, _body = get(qihu_port, WORKBENCH, cookie)
        assert wb_status == 200, wb_status
        counts["workbench (50 rows)"] = count_queries(session, WORKBENCH)

        # Warm every worker, then interleaved rounds: qihu and the reference alternate, so drift hits both.
        targets = {
            "qihu queue, first page": (qihu_port, [QUEUE], qihu_auth),
            "reference list, first page": (ref_port, [REFERENCE], ref_auth),
            "qihu queue, deep pages": (qihu_port, deep_qihu, qihu_auth),
            "reference list, deep pages": (ref_port, deep_ref, ref_auth),
            "qihu /workbench/ (HTML, 50 rows)": (qihu_port, [WORKBENCH], cookie),
        }
        for port, paths, headers in targets.values():
            wrk(port, paths, headers, work, seconds=2)
        results = {name: [] for name in targets}
        for round_ in range(ROUNDS):
            for name, (port, paths, headers) in targets.items():
                results[name].append(wrk(port, paths, headers, work))
            print(f"round {round_ + 1}/{ROUNDS}: " + ", ".join(f"{r[-1]['rps']:.0f}" for r in results.values()))
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)

    med = {
        name: {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p99")}
        for name, runs in results.items()
    }
    print()
    print(f"load: wrk, 8 connections, 2 threads, {ROUNDS} × {SECONDS} s each (medians); gunicorn 4 sync workers, "
          f"DEBUG off; {os.cpu_count()} CPUs shared by server, database and load generator")  # fmt: skip
    print(f"{'':36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   runs (req/s)")
    for name, m in med.items():
        runs = " ".join(f"{r['rps']:.0f}" for r in results[name])
        print(f"{name:36} {m['rps']:8.0f} {m['p50']:8.1f} {m['p99']:8.1f}   {runs}")
    ratio_first = med["qihu queue, first page"]["rps"] / med["reference list, first page"]["rps"]
    ratio_deep = med["qihu queue, deep pages"]["rps"] / med["reference list, deep pages"]["rps"]
    print(f"ratio qihu/reference: first page {ratio_first:.2f}, deep pages {ratio_deep:.2f}")

    print("\nSQL queries per request (counted in-process):")
    for name, (n, rows, _sql) in counts.items():
        print(f"  qihu {name:32} {n} queries, {rows if rows >= 0 else 'HTML'} rows")
    for path, c in ref_counts.items():
        print(f"  reference {path[:60]:60} {c['queries']} queries, {c['rows']} rows")
    queue_counts = {n for name, (n, _r, _s) in counts.items() if name.startswith("queue")}
    constant = len(queue_counts) == 1
    no_count = not any("COUNT(" in sql.upper() for _n, _r, sqls in counts.values() for sql in sqls)

    print("\nEXPLAIN (ANALYZE, BUFFERS) of the queue page's queries (its queue rows, their tickets), first page:")
    print("\n\n".join(explain(sql) for sql in queue_sql))
    print("… and page 40 (after the cursor):")
    print("\n\n".join(explain(sql) for sql in deep_sql))

    passed = ratio_first >= 1.0 and ratio_deep >= 1.0 and constant and no_count
    print(f"\nbudget (DESIGN.md §11): queue throughput ≥ the reference's (first page {ratio_first:.2f}×, deep "
          f"{ratio_deep:.2f}×), constant queries per page ({'yes' if constant else 'NO'}: {sorted(queue_counts)}), "
          f"no COUNT ({'yes' if no_count else 'NO'}): {'PASS' if passed else 'FAIL'}")  # fmt: skip
    print("re-run: make bench-queue")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
