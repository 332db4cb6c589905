"""In-process timing of submit (API), submit (web form) and the ticket page, for iteration between benchmarks.

    scripts/with-services .venv/bin/python bench/ticket/inprocess.py [api] [form] [page]

Loads a small database with the benchmark's loader (BENCH_TICKETS, 3,000 by default; the same people, the same 200
tickets with a history for the page), then for each path, through Django's test client with DEBUG off (the whole
stack: middleware, sessions or token, throttle, view, template or serializer; Redis and PostgreSQL real): the SQL
statements of one request, then wall and CPU time of this process per request (N requests, 200; twice). For the
page, the reference's retrieve of the same tickets (bench/queue/reference/, in its own process with its own
settings, the same client and loop) and the ratio of CPU per request: the reference's / qihu's, the figure to
iterate on against the benchmark's budget (throughput ≥ 0.7× the reference's). PROFILE=1 adds cProfile's top
functions (SORT: cumulative or tottime; TOP: how many). CPU time is this process's only (not PostgreSQL's or
Redis's): the figure the server's workers spend, steadier than wall time on a shared machine.
"""

import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time

os.environ.setdefault("BENCH_TICKETS", "3000")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from bench.ticket import bench  # sets Django up as the benchmark's servers run: DEBUG off, the throttle lifted

# isort: split
from bench.queue.bench import HERE, PY, copy_to_reference

# isort: split
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from accounts.models import User
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
    form.force_login(company_user)
    page.force_login(handler)
    sent = [0]

    def submit_api():
        response = api.post("/api/v1/tickets/", BODY, content_type="application/json")
        assert response.status_code == 201, response.content[:300]

    def submit_form():
        sent[0] += 1
        response = form.post("/my/new/", {**BODY, "form_token": f"t{sent[0]}"})
        assert response.status_code == 302, response.content[:300]
        form.cookies.pop("messages", None)  # as the benchmark's wrk: the redirect is not followed

    def ticket_page():
        sent[0] += 1
        assert page.get(f"/tickets/{ids[sent[0] % len(ids)]}/").status_code == 200

    paths = {"api": submit_api, "form": submit_form, "page": ticket_page}
    chosen = [a for a in sys.argv[1:] if a in paths] or list(paths)
    if "page" in chosen:
        with connection.cursor() as cursor:
            cursor.execute("CREATE SCHEMA IF NOT EXISTS ref")
        subprocess.run([PY, str(HERE / "reference" / "tool.py"), "prepare"], capture_output=True, check=True)
        copy_to_reference()
    for name in chosen:
        run = paths[name]
        for _ in range(3):
            run()
        with CaptureQueriesContext(connection) as queries:
            run()
        print(f"{name}: {len(queries)} SQL")
        for query in queries.captured_queries:
            print(f"    {query['sql'][:120]}")
        cpus = []
        for _ in range(2):
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(N):
                run()
            cpus.append((time.process_time() - cpu) / N * 1000)
            print(f"  wall {(time.perf_counter() - wall) / N * 1000:.2f} ms, "
                  f"CPU {cpus[-1]:.2f} ms per request ({N})")  # fmt: skip
        if name == "page":
            reference = subprocess.run(
                [PY, str(HERE / "reference" / "tool.py"), "cpu", str(N), *(f"/tickets/{pk}/" for pk in ids)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            ref_cpus = json.loads(reference.stdout)
            print(f"  reference retrieve: CPU {' '.join(f'{c:.2f}' for c in ref_cpus)} ms per request ({N}); "
                  f"ratio (reference's CPU / qihu's, best of each) {min(ref_cpus) / min(cpus):.2f}")  # fmt: skip
        if os.environ.get("PROFILE"):
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(100):
                run()
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT", "cumulative"))
            stats.print_stats(int(os.environ.get("TOP", "40")))
            print(out.getvalue())


if __name__ == "__main__":
    main()
