"""Soak: mixed API traffic on gunicorn + PostgreSQL + Redis + two Celery workers for a while (issue 7).

Re-run: `make soak` (10 minutes; `SOAK_SECONDS=120 make soak` for a shorter one), under scripts/with-services.
Eight clients: companies file requests and read theirs, handlers work their queue (accept, reply), a
dispatcher reads the dispatch desk. Printed: requests by status, errors (5xx, connection failures), p50 and
p99 latency per minute and overall, every request routed, and the workers' memory at start and end.
"""

import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qihu.settings")
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
CLIENTS = 8
ENV = {
    **os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "QIHU_THROTTLE_SUBMIT": "100000/min",
    "QIHU_SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback: no TLS proxy in front here
}  # fmt: skip

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from demo.loader import load_demo  # noqa: E402
from tickets.models import Status, Ticket  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (a Celery worker is a parent and its pool)."""
    pids = [pid] + [
        int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    ]
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def start(command: list[str], log: str) -> subprocess.Popen:
    out = open(ROOT / "var" / log, "w")  # noqa: SIM115 (the process writes it until the end)
    return subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=out, stderr=subprocess.STDOUT)


def main() -> None:
    call_command("migrate", verbosity=0)
    load_demo()
    call_command("collectstatic", "--noinput", verbosity=0)
    token = {u.username: Token.objects.get_or_create(user=u)[0].key for u in User.objects.all()}
    companies = [n for n in token if n.startswith("qiye")]
    handlers = [n for n in token if n.startswith("banli-")]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start([sys.executable, "-m", "gunicorn", "qihu.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "4"], "soak-web.log")  # fmt: skip
    workers = [
        start(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "qihu",
                "worker",
                "-P",
                "solo",
                "-n",
                f"soak{i}@localhost",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=warning",
            ],
            f"soak-worker{i}.log",
        )
        for i in range(2)
    ]
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        time.sleep(5)  # the workers connect
        memory_start = [rss_mb(w.pid) for w in workers]
        results: list[tuple[float, int, float]] = []  # (when, status or 0 for a connection failure, seconds)
        lock, stop = threading.Lock(), time.monotonic() + SECONDS
        started = time.monotonic()

        def client(n: int) -> None:
            rng = random.Random(n)
            session = requests.Session()
            while time.monotonic() < stop:
                user = rng.choice(companies if n % 2 == 0 else handlers)
                session.headers["Authorization"] = f"Token {token[user]}"
                t0 = time.monotonic()
                try:
                    status = _one(session, base, user, rng)
                except requests.RequestException:
                    status = 0
                with lock:
                    results.append((t0 - started, status, time.monotonic() - t0))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(10)  # the workers finish what was filed last
        memory_end = [rss_mb(w.pid) for w in workers]
    finally:
        for process in [web, *workers]:
            process.terminate()
            process.wait(timeout=30)
    _report(results, memory_start, memory_end)


def _one(session: requests.Session, base: str, user: str, rng: random.Random) -> int:
    if user.startswith("qiye"):
        if rng.random() < 0.5:
            body = {
                "title": f"压测诉求 {rng.randrange(10**9)}",
                "description": "厂区用电增容，需要新增变压器并办理报装。",
            }
            return session.post(f"{base}/api/v1/tickets/", json=body, timeout=30).status_code
        return session.get(f"{base}/api/v1/tickets/", timeout=30).status_code
    queue = session.get(f"{base}/api/v1/queue/", params={"status": "assigned"}, timeout=30)
    if queue.status_code != 200 or not queue.json()["results"]:
        return queue.status_code
    ticket = rng.choice(queue.json()["results"])
    action = session.post(f"{base}/api/v1/tickets/{ticket['id']}/accept/", json={}, timeout=30)
    if action.status_code == 200:
        body = {"body": "已安排专人对接，三个工作日内上门服务。"}
        return session.post(f"{base}/api/v1/tickets/{ticket['id']}/reply/", json=body, timeout=30).status_code
    return action.status_code  # 409 when another handler took it first: expected under load


def _report(results, memory_start, memory_end) -> None:
    statuses: dict[int, int] = {}
    for _when, status, _seconds in results:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = sorted(seconds * 1000 for _w, _s, seconds in results)
    errors = sum(n for status, n in statuses.items() if status == 0 or status >= 500)
    p99 = latencies[int(len(latencies) * 0.99)] if latencies else 0
    print(f"soak {SECONDS} s, {CLIENTS} clients, gunicorn 4 workers, 2 Celery workers: {len(results)} requests")
    print(f"  by status: {dict(sorted(statuses.items()))}; errors (5xx or no answer): {errors}")
    print(f"  latency p50 {statistics.median(latencies):.0f} ms, p99 {p99:.0f} ms")
    for minute in range(0, SECONDS // 60 + 1):
        window = sorted(s * 1000 for w, _st, s in results if minute * 60 <= w < (minute + 1) * 60)
        if window:
            print(
                f"    minute {minute + 1:2d}: {len(window):5d} requests, p99 {window[int(len(window) * 0.99)]:.0f} ms"
            )
    waiting = Ticket.objects.filter(status=Status.SUBMITTED).count()
    print(f"  tickets still waiting for triage at the end: {waiting}")
    print(f"  worker memory (MB) start {[round(m) for m in memory_start]} end {[round(m) for m in memory_end]}")
    print(f"re-run: make soak (SOAK_SECONDS={SECONDS})")
    if errors or waiting:
        sys.exit(1)


if __name__ == "__main__":
    main()
