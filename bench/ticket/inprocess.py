"""In-process timing of submit (API), submit (web form), the ticket page and the actions (accept, reply), for
iteration between benchmarks.

    scripts/with-services .venv/bin/python bench/ticket/inprocess.py [api] [form] [page] [accept] [reply] [ref]

Loads a small database with the benchmark's loader (BENCH_TICKETS, 3,000 by default; the same people, the same
200 tickets with a history for the page), then for each path, through Django's test client with DEBUG off (the
whole stack: middleware, sessions or token, throttle, view, template or serializer; Redis and PostgreSQL real):
the SQL statements of one request, then wall and CPU time of this process per request (N requests, 200; twice).
PROFILE=1 adds cProfile's top functions (SORT: cumulative or tottime; TOP: how many; PROFILE_DUMP: a file for
pstats). SQL_WIDTH: how much of each statement is printed (120 characters). CPU time is this process's
only (not PostgreSQL's or Redis's): the figure the server's workers spend, steadier than wall time on a shared
machine.

`ref` (run whenever a submit, the page or an action is): the reference app timed the same way in its own process
(`bench/queue/reference/tool.py`, its own settings, the same database and rows): its create beside each submit, its
retrieve of the same 200 tickets beside the page, its partial update (of the actions' tickets) beside an action,
and the ratio of CPU per request (reference CPU / qihu CPU: what the benchmark's throughput ratio tends to on a
CPU-bound machine, before PostgreSQL's and Redis's share).
"""

import cProfile
import functools
import io
import json
import os
import pstats
import subprocess
import sys
import time
from urllib.parse import urlencode

os.environ.setdefault("BENCH_TICKETS", "3000")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from bench.ticket import bench  # sets Django up as the benchmark's servers run: DEBUG off, the throttle lifted

# isort: split
from django.core.management import call_command
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import User
from bench.queue.bench import HERE, PY, copy_to_reference
from tickets.models import Status, Ticket

N = int(os.environ.get("N", "200"))
BODY = {"title": "基准测试：厂区外道路积水", "description": "雨后厂区外道路积水严重，影响货车进出。",
        "contact_name": "张三", "contact_phone": "13905701234"}  # fmt: skip


def main() -> None:
    call_command("migrate", verbosity=0)
    departments = bench.load_reference()
    bench.load_people(departments)
    department = departments[bench.DEPARTMENT].pk
    bench.fill(department)
    handler = User.objects.get(username=f"banli-{bench.DEPARTMENT}")
    company_user = User.objects.get(username=bench.COMPANY_USER)
    ids = list(
        Ticket.objects.filter(lead_department=department, status=Status.ACCEPTED)
        .order_by("id")
        .values_list("id", flat=True)[: bench.DETAIL_TICKETS]
    )
    bench.history(ids, handler.pk)
    call_command("collectstatic", interactive=False, verbosity=0)
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=company_user)[0].key}")
    form, page = Client(), Client()
    api_handler = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=handler)[0].key}")
    form.force_login(company_user)
    page.force_login(handler)
    sent = [0]
    every = ["api", "form", "page", "accept", "reply"]
    names = [a for a in sys.argv[1:] if a in {*every, "ref"}] or every
    pool = bench.action_pool(department) if {"accept", "reply", "ref"} & set(names) else []
    references = {}
    if "ref" in names or {"api", "form"} & set(names):
        body = json.dumps(bench.reference_create(company_user.company_id), ensure_ascii=False)
        references["api"] = references["form"] = time_reference("time-create", body)
        print(f"reference create: CPU {references['api']:.2f} ms per request (the lower of two runs of {N})")
    if "ref" in names or "page" in names:
        references["page"] = time_reference("time-get", *(f"/tickets/{pk}/" for pk in ids))
        print(f"reference retrieve: CPU {references['page']:.2f} ms per request (the lower of two runs of {N})")
    if "ref" in names or {"accept", "reply"} & set(names):
        patch, paths = json.dumps({"status": "accepted"}), [f"/tickets/{pk}/" for pk in pool[:N]]
        references["accept"] = references["reply"] = time_reference("time-patch", patch, *paths)
        print(f"reference partial update: CPU {references['accept']:.2f} ms per request (the lower of two runs of {N})")

    def submit_api():
        response = api.post("/api/v1/tickets/", BODY, content_type="application/json")
        assert response.status_code == 201, response.content[:300]

    def submit_form():
        sent[0] += 1
        # url-encoded, as the benchmark's wrk posts it (the test client's default is multipart)
        body = urlencode({**BODY, "form_token": f"t{sent[0]}"})
        response = form.post("/my/new/", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 302, response.content[:300]
        form.cookies.pop("messages", None)  # as the benchmark's wrk: the redirect is not followed

    def ticket_page():
        sent[0] += 1
        assert page.get(f"/tickets/{ids[sent[0] % len(ids)]}/").status_code == 200

    def action(name):
        """Each ticket of the pool once, the pool put back in the action's source state when it is used up."""
        body = {} if name == "accept" else {"body": "已协调处理，道路已疏通。"}
        source = Status.ASSIGNED if name == "accept" else Status.ACCEPTED
        left = []

        def run():
            if not left:
                bench.reset_pool(pool, source)
                left.extend(pool)
            response = api_handler.post(f"/api/v1/tickets/{left.pop()}/{name}/", body, content_type="application/json")
            assert response.status_code == 200, response.content[:300]

        return run

    paths = {"api": submit_api, "form": submit_form, "page": ticket_page, "accept": action("accept"),
             "reply": action("reply")}  # fmt: skip
    for name in [n for n in names if n in paths]:
        run = paths[name]
        for _ in range(3):
            run()
        timed = []
        with connection.execute_wrapper(functools.partial(timed_statement, timed)):
            run()
        print(f"{name}: {len(timed)} SQL (each with its round trip)")
        for sql, ms in timed:
            print(f"    {ms:5.2f} ms  {sql[: int(os.environ.get('SQL_WIDTH', '110'))]}")
        for _ in range(2):
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(N):
                run()
            cpu = (time.process_time() - cpu) / N * 1000
            ratio = f", reference / this {references[name] / cpu:.2f}" if name in references else ""
            print(f"  wall {(time.perf_counter() - wall) / N * 1000:.2f} ms, "
                  f"CPU {cpu:.2f} ms per request ({N}){ratio}")  # fmt: skip
        if os.environ.get("PROFILE"):
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(100):
                run()
            profiler.disable()
            if os.environ.get("PROFILE_DUMP"):
                profiler.dump_stats(os.environ["PROFILE_DUMP"])
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT", "cumulative"))
            stats.print_stats(int(os.environ.get("TOP", "40")))
            print(out.getvalue())


def timed_statement(timed: list, execute, sql, params, many, context):
    """A statement and its time to the answer (the database's work and the round trip), as Django runs it."""
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        timed.append((sql, (time.perf_counter() - started) * 1000))


def time_reference(command: str, *args: str) -> float:
    """The reference's CPU ms per request, in its own process over the same rows (the lower of its two runs)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA IF NOT EXISTS ref")
        cursor.execute("SELECT to_regclass('ref.reference_ticket') IS NOT NULL")
        prepared = cursor.fetchone()[0]
    tool = str(HERE / "reference" / "tool.py")
    subprocess.run([PY, tool, "prepare"], capture_output=True, text=True, check=True)
    if not prepared:
        copy_to_reference()
    timed = subprocess.run([PY, tool, command, str(N), *args], capture_output=True, text=True)
    if timed.returncode:
        raise SystemExit(f"the reference's timing failed:\n{timed.stderr}")
    return min(run["cpu"] for run in json.loads(timed.stdout))


if __name__ == "__main__":
    main()
