"""Partner intake against the own API's create, in the same run (issue 17, item 8; DESIGN.md §11 style).

Re-run: `make bench-partner` (real PostgreSQL + Redis via scripts/with-services; about two minutes).

Built on the queue benchmark's helpers (`bench.queue.bench`: the demo's reference data and logins, gunicorn
with 4 sync workers and DEBUG off, wrk with 8 connections and 2 threads). Three paths file a ticket each
request, in interleaved rounds so that drift hits all of them:

- API: `POST /api/v1/tickets/` as a company user (token), qihu's own create, the reference; its submit
  throttle is lifted for the run (`QIHU_THROTTLE_SUBMIT`) and still runs (Redis), as is the partners' throttle
  (`QIHU_THROTTLE_PARTNER`) on the two partner paths;
- partner: `POST /api/v1/partner/work-orders/`, each request signed (HMAC-SHA256, its own timestamp and
  external id, so none is a replay), the company named by credit code;
- Open311: `POST /open311/v2/requests.json`, form-encoded with the api_key, the company by attribute.

Every request is a distinct line of a listing made just before its measurement (signatures cannot be made in
wrk's Lua), each line used once. Budget: partner ≥ 0.9 × API (medians of the rounds' requests per second).

Environment: BENCH_SECONDS (10 per measurement), BENCH_ROUNDS (3), BENCH_LINES (requests prepared per
measurement, 30000: more than a measurement sends).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

os.environ.update({"DJANGO_DEBUG": "false", "QIHU_SECURE_SSL_REDIRECT": "false", "LOG_LEVEL": "WARNING",
                   "QIHU_THROTTLE_SUBMIT": "1000000/min", "QIHU_THROTTLE_PARTNER": "1000000/min"})  # fmt: skip
WORK = Path(tempfile.mkdtemp(prefix="bench-partner-"))
os.environ["QIHU_VAR_DIR"] = str(WORK / "var")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.queue import bench as queue  # noqa: E402 (sets Django up)

# isort: split
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.queue.bench import PY, ROOT, free_port, gunicorn, load_people, load_reference, wait_for, wrk  # noqa: E402
from partners.services import key_issue, partner_create  # noqa: E402
from partners.signing import signed_headers  # noqa: E402
from tickets.models import Source, Ticket  # noqa: E402

SECONDS, ROUNDS = queue.SECONDS, queue.ROUNDS
LINES = int(os.environ.get("BENCH_LINES", "30000"))
CPU_REQUESTS = 200
BUDGET = 0.9  # partner ≥ BUDGET × API
COMPANY_USER = "qiye1"
API, PARTNER, OPEN311 = "/api/v1/tickets/", "/api/v1/partner/work-orders/", "/open311/v2/requests.json"

# Each listing line is METHOD<TAB>PATH<TAB>HEADERS<TAB>BODY, HEADERS as `Name: value|Name: value`; thread t of
# two takes lines t+1, t+3, …, each once (a partner line sent twice would be a replay, refused).
LUA = """
local lines, i = {}, 0
local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args)
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
end
function request()
  local k = (i * 2 + (id or 0)) % #lines + 1
  i = i + 1
  local method, path, headers, body = lines[k]:match("^(%u+)\\t([^\\t]*)\\t([^\\t]*)\\t(.*)$")
  local h = {}
  for name, value in headers:gmatch("([^|:]+): ([^|]*)") do h[name] = value end
  return wrk.format(method, path, h, body)
end
"""
TEXT = {"description": "雨后厂区外道路积水严重，影响货车进出。", "contact_name": "张三", "contact_phone": "13905701234"}


def header_column(headers: dict) -> str:
    return "|".join(f"{name}: {value}" for name, value in headers.items())


def api_lines(token: str, tag: str, count: int = LINES) -> list[str]:
    headers = header_column({"Authorization": f"Token {token}", "Content-Type": "application/json"})
    return [
        f"POST\t{API}\t{headers}\t" + json.dumps({"title": f"基准测试：道路积水 {tag}-{n}", **TEXT}, ensure_ascii=False)
        for n in range(count)
    ]


def partner_lines(key, credit_code: str, tag: str, count: int = LINES) -> list[str]:
    """Signed now: each measurement gets its own, well inside the ±300 s window."""
    now, lines = int(time.time()), []
    for n in range(count):
        body = json.dumps({"external_id": f"B-{tag}-{n}", "credit_code": credit_code,
                           "title": f"基准测试：道路积水 {tag}-{n}", **TEXT}, ensure_ascii=False)  # fmt: skip
        headers = signed_headers(key.key_id, key.secret, "POST", PARTNER, body.encode(), now)
        lines.append(f"POST\t{PARTNER}\t{header_column({**headers, 'Content-Type': 'application/json'})}\t{body}")
    return lines


def open311_lines(key, credit_code: str, tag: str, count: int = LINES) -> list[str]:
    headers = header_column({"Content-Type": "application/x-www-form-urlencoded"})
    fields = {"api_key": f"{key.key_id}:{key.secret}", "service_code": "other", "attribute[credit_code]": credit_code}
    lines = []
    for n in range(count):
        body = urlencode(
            {**fields, "description": f"基准测试：道路积水 {tag}-{n}", "attribute[external_id]": f"O-{tag}-{n}"}
        )
        lines.append(f"POST\t{OPEN311}\t{headers}\t{body}")
    return lines


def send(line: str):
    """One listing line, in-process through Django's test client."""
    _method, path, headers, body = line.split("\t", 3)
    headers = dict(item.split(": ", 1) for item in headers.split("|"))
    response = Client().post(path, data=body.encode(), content_type=headers.pop("Content-Type"), headers=headers)
    assert response.status_code in (200, 201), (path, response.status_code, response.content[:300])
    return response


def count_sql(line: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        send(line)
    return len(queries)


def cpu_ms(lines: list[str]) -> float:
    """CPU time per request in this process (the server's share: no network, no other workers)."""
    started = time.process_time()
    for line in lines:
        send(line)
    return (time.process_time() - started) * 1000 / len(lines)


def main() -> None:
    call_command("migrate", verbosity=0)
    load_people(load_reference())
    company_user = User.objects.get(username=COMPANY_USER)
    credit_code = company_user.company.credit_code
    token = Token.objects.get_or_create(user=company_user)[0].key
    partner = partner_create(name="基准测试平台", code=f"bench-{int(time.time())}")
    key = key_issue(partner=partner)

    makers = {
        "API": lambda tag, count=LINES: api_lines(token, tag, count),
        "partner": lambda tag, count=LINES: partner_lines(key, credit_code, tag, count),
        "Open311": lambda tag, count=LINES: open311_lines(key, credit_code, tag, count),
    }
    # In-process: SQL statements per request (the second of each: the first warms the caches), and CPU time
    # per request over CPU_REQUESTS requests, interleaved rounds.
    sql = {name: [count_sql(line) for line in make("count", 2)][-1] for name, make in makers.items()}
    cpu = {name: [] for name in makers}
    for round_ in range(ROUNDS):
        for name, make in makers.items():
            cpu[name].append(cpu_ms(make(f"cpu{round_}", CPU_REQUESTS)))
    cpu = {name: statistics.median(times) for name, times in cpu.items()}

    port = free_port()
    env = {"QIHU_VAR_DIR": str(WORK / "var")}
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT,
                   env={**os.environ, **queue.SERVER_ENV, **env}, check=True)  # fmt: skip
    server = gunicorn("qihu.wsgi:application", port, ROOT, WORK / "qihu.log", env)
    results = {"API": [], "partner": [], "Open311": []}
    try:
        wait_for(port, "/healthz", {})
        for _ in range(16):  # each worker loads the API's modules on its first request: seconds, not for wrk
            queue.get(port, API, {"Authorization": f"Token {token}"})
        for name, make in makers.items():  # every worker warm on every path
            wrk(port, make(f"warm{name}"), {}, WORK, lua=LUA, seconds=2)
        for round_ in range(1, ROUNDS + 1):
            for name, make in makers.items():
                figures = wrk(port, make(f"r{round_}{name}"), {}, WORK, lua=LUA)
                results[name].append(figures)
                print(f"round {round_} {name:8} {figures['rps']:8.1f} req/s  p50 {figures['p50']:6.2f} ms  "
                      f"p99 {figures['p99']:7.2f} ms", flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)

    filed = Ticket.objects.filter(source=Source.PARTNER).count()
    median = {name: statistics.median(r["rps"] for r in runs) for name, runs in results.items()}
    p50 = {name: statistics.median(r["p50"] for r in runs) for name, runs in results.items()}
    print(f"\n{filed:,} tickets filed through the partner channels; medians of {ROUNDS} rounds of {SECONDS} s:")
    print(f"{'path':10} {'req/s':>8} {'p50 ms':>8} {'× API':>6} {'SQL':>4} {'CPU ms':>7} {'× API':>6}")
    for name in results:
        print(f"{name:10} {median[name]:8.1f} {p50[name]:8.2f} {median[name] / median['API']:6.2f} {sql[name]:4d} "
              f"{cpu[name]:7.2f} {cpu['API'] / cpu[name]:6.2f}")  # fmt: skip
    rounds = [f"{p['rps'] / a['rps']:.2f}" for p, a in zip(results["partner"], results["API"], strict=True)]
    print(f"\npartner / API per round: {', '.join(rounds)}")
    ratio = median["partner"] / median["API"]
    verdict = "PASS" if ratio >= BUDGET else "FAIL"
    print(f"partner intake {ratio:.2f} × the API's create (budget ≥ {BUDGET}): {verdict}")
    print("re-run: make bench-partner (BENCH_SECONDS, BENCH_ROUNDS, BENCH_LINES)")


if __name__ == "__main__":
    main()
