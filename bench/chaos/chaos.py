"""Chaos under load (issue 19): the HA topology on loopback, a bounded load, and its parts killed in turn.

Re-run: `make chaos` (about 8 minutes; CHAOS_FAULTS=postgres,redis,web,worker,beat,s3 to choose, in that order).

Topology (topology/): PostgreSQL primary with a synchronous streaming replica behind one libpq address (both
hosts, target_session_attrs=read-write), the replica promoted with `pg_ctl promote` by this script's watchdog
when the primary stops answering (Patroni's job in production); Redis master + replica + three sentinels for the
broker, the cache and beat; SeaweedFS (master, filer, S3 gateway, three volume servers, each file on two) for
attachments; two gunicorn nodes behind HAProxy (checked on /readyz); two Celery workers; two beats (RedBeat).

Load: company clients file requests through the API, each with its own Idempotency-Key, retrying a failed
attempt as a client would; officials accept what was routed to them; a company attaches a PDF and downloads it.
Each fault, in turn: the part is killed with SIGKILL (a machine dies), the load goes on, then the part comes back.
Per fault: seconds until the requests it concerns succeed again, requests that failed meanwhile, and at the end
tickets lost (a 201 the database does not hold) and doubled (one Idempotency-Key stored twice, a ticket triaged
twice, a beat entry sent twice). Last line: `chaos: faults=N lost=L doubled=D max_outage_s=S`.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from topology import haproxy  # noqa: E402
from topology.postgres import init_primary, start_replica  # noqa: E402
from topology.processes import VENV_BIN, kill, spawn, wait_until  # noqa: E402
from topology.redis import RedisSentinel  # noqa: E402
from topology.seaweedfs import SeaweedFS  # noqa: E402

FAULTS = os.environ.get("CHAOS_FAULTS", "postgres,redis,web,worker,beat,s3").split(",")
STEADY = float(os.environ.get("CHAOS_STEADY", "8"))  # seconds of load before each fault
WINDOW = float(os.environ.get("CHAOS_WINDOW", "30"))  # seconds observed after each kill
COMPANY_CLIENTS = 3
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
PY = str(VENV_BIN / "python")


# -- what the clients saw ----------------------------------------------------------------------------------------
@dataclass
class Event:
    kind: str  # file, accept, attach
    start: float
    end: float
    ok: bool
    status: int  # the last HTTP status, 0 when no answer came


@dataclass
class Record:
    lock: threading.Lock = field(default_factory=threading.Lock)
    events: list[Event] = field(default_factory=list)
    accepted: dict[str, int] = field(default_factory=dict)  # Idempotency-Key → ticket id answered with 201/200
    tickets: list[tuple[str, int]] = field(default_factory=list)  # (company token, ticket id) to attach files to

    def add(self, kind: str, start: float, ok: bool, status: int) -> None:
        with self.lock:
            self.events.append(Event(kind, start, time.monotonic(), ok, status))


def company_client(base: str, token: str, record: Record, stop: threading.Event, n: int) -> None:
    """Files requests; a failed attempt is sent again with the same key until it is answered."""
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    number = 0
    while not stop.is_set():
        key, number = uuid.uuid4().hex, number + 1
        body = {
            "title": f"混沌测试诉求 {n}-{number}",
            "description": "新厂房投产急需电力增容，需要新增变压器并办理报装。",
        }
        while True:
            start = time.monotonic()
            try:
                response = session.post(
                    f"{base}/api/v1/tickets/", json=body, headers={"Idempotency-Key": key}, timeout=15
                )
                ok = response.status_code in (200, 201)
            except requests.RequestException:
                ok, response = False, None
            record.add("file", start, ok, response.status_code if response is not None else 0)
            if ok:
                with record.lock:
                    record.accepted[key] = response.json()["id"]
                    record.tickets.append((token, response.json()["id"]))
                break
            if response is not None and 400 <= response.status_code < 500 and response.status_code != 429:
                print(f"  refused {response.status_code}: {response.text[:200]}", flush=True)
                break
            if stop.is_set() and time.monotonic() - start > 120:
                break
            time.sleep(0.3)
        time.sleep(0.2)


def official_client(base: str, tokens: list[str], record: Record, stop: threading.Event) -> None:
    """Handlers accept what was routed to their departments."""
    session = requests.Session()
    turn = 0
    while not stop.is_set():
        turn += 1
        session.headers["Authorization"] = f"Token {tokens[turn % len(tokens)]}"
        start, status = time.monotonic(), 0
        try:
            queue = session.get(f"{base}/api/v1/queue/", params={"status": "assigned"}, timeout=15)
            ok, status = queue.status_code == 200, queue.status_code
            if ok and queue.json()["results"]:
                ticket = queue.json()["results"][0]["id"]
                accept = session.post(f"{base}/api/v1/tickets/{ticket}/accept/", json={}, timeout=15)
                # 409 (another took it) and 403 (an assisting department's handler) are answers, not failures
                ok, status = accept.status_code < 500, accept.status_code
        except requests.RequestException:
            ok = False
        record.add("accept", start, ok, status)
        time.sleep(0.3)


def attachment_client(base: str, record: Record, stop: threading.Event) -> None:
    """A company attaches a PDF to one of its requests and downloads it back."""
    session = requests.Session()
    while not stop.is_set():
        with record.lock:
            mine = record.tickets[-1] if record.tickets else None
        if mine is None:
            time.sleep(0.5)
            continue
        token, ticket = mine
        session.headers["Authorization"] = f"Token {token}"
        start, status = time.monotonic(), 0
        try:
            files = {"files": ("材料.pdf", PDF, "application/pdf")}
            attach = session.post(f"{base}/api/v1/tickets/{ticket}/attach/", files=files, timeout=15)
            ok, status = attach.status_code == 200, attach.status_code
            if ok:
                url = attach.json()["attachments"][-1]["url"]
                download = session.get(url if url.startswith("http") else base + url, timeout=15)
                ok, status = download.content == PDF, download.status_code
        except (requests.RequestException, KeyError, ValueError):
            ok = False
        record.add("attach", start, ok, status)
        time.sleep(0.5)


# -- the topology -------------------------------------------------------------------------------------------------
@dataclass
class Node:
    """An app process (web node, worker, beat) that a supervisor restarts when it exits, as compose's
    `restart: unless-stopped` or systemd does; each incarnation logs to its own file."""

    name: str
    args: list[str]
    directory: Path
    env: dict[str, str]
    process: subprocess.Popen | None = None
    starts: int = 0
    killed: int = 0  # by a fault; the other restarts are the process's own exits

    @property
    def log(self) -> Path:
        return self.directory / f"{self.name}-{self.starts}.log"

    def start(self) -> Node:
        self.starts += 1
        self.process = spawn(self.args, log=self.log, env=self.env)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        self.killed += 1
        kill(self.process)

    @property
    def crashes(self) -> int:
        return self.starts - 1 - self.killed


class Topology:
    def __init__(self, directory: Path):
        self.directory = directory
        self.pg = self.pg_replica = self.redis = self.s3 = self.proxy = None
        self.promoted_at: float | None = None
        self.web: list[Node] = []
        self.web_ports: list[int] = []
        self.workers: list[Node] = []
        self.beats: list[Node] = []
        self.base = ""
        self.env: dict[str, str] = {}

    def start_servers(self) -> None:
        self.pg = init_primary(self.directory / "pg", synchronous_standby_names="ANY 1 (replica)")
        self.pg_replica = start_replica(self.pg.port, self.directory / "pg")
        self.redis = RedisSentinel(self.directory / "redis", replicas=1, sentinels=3)
        self.redis.start()
        self.s3 = SeaweedFS(self.directory / "s3", replication="001")
        self.s3.start(volume_servers=2)
        var = self.directory / "var"
        var.mkdir()
        self.env = {
            "DATABASE_URL": f"postgres://qihu@127.0.0.1:{self.pg.port},127.0.0.1:{self.pg_replica.port}/qihu"
            "?target_session_attrs=read-write&connect_timeout=3",
            "DATABASE_REPLICA_URL": f"{self.pg_replica.url}?connect_timeout=3",
            **self.redis.environment(),
            "CELERY_BROKER_URL": "",
            "REDIS_URL": "",
            **self.s3.environment(),
            "QIHU_VAR_DIR": str(var),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "QIHU_HTTPS": "0",
            "QIHU_OTP_REQUIRED": "0",  # officials act with tokens made for the run: no second factor to give
            "QIHU_THROTTLE_SUBMIT": "100000/min",
            "QIHU_BROKER_VISIBILITY_TIMEOUT": "60",  # a killed worker's task comes back within a minute here
            "QIHU_BEAT_LOCK_TIMEOUT": "15",
        }
        os.environ.update(self.env)

    # processes of the app
    def node(self, name: str, args: list[str]) -> Node:
        return Node(name, args, self.directory, self.env).start()

    def start_app(self) -> None:
        from topology.processes import free_ports

        self.web_ports = free_ports(2)
        gunicorn = [str(VENV_BIN / "gunicorn"), "qihu.wsgi:application", "--workers", "2", "--timeout", "30"]
        self.web = [self.node(f"web{n}", [*gunicorn, "--bind", f"127.0.0.1:{p}"]) for n, p in enumerate(self.web_ports)]
        celery = [PY, "-m", "celery", "-A", "qihu"]
        self.workers = [
            self.node(f"worker{n}", [*celery, "worker", "-P", "solo", "-n", f"chaos{n}@localhost", "--without-mingle",
                                     "--without-gossip", "--loglevel=info"])
            for n in range(2)
        ]  # fmt: skip
        self.beats = [
            self.node(f"beat{n}", [*celery, "beat", "--loglevel=info", "-s", str(self.directory / f"beat{n}")])
            for n in range(2)
        ]
        self.proxy, port = haproxy.start(self.directory, self.web_ports)
        self.base = f"http://127.0.0.1:{port}"
        wait_until(lambda: requests.get(f"{self.base}/readyz", timeout=5).status_code == 200, timeout=120, what="web")
        wait_until(lambda: self.active_beat() is not None, timeout=120, what="a beat holding the lock")

    def supervise(self, stop: threading.Event) -> None:
        """Restart an app process a second after it exited."""
        while not stop.is_set():
            for node in [*self.web, *self.workers, *self.beats]:
                if not node.alive():
                    time.sleep(1)
                    node.start()
            time.sleep(0.5)

    def active_beat(self) -> Node | None:
        """The live beat that acquired the lock last (its log says so)."""
        latest = None
        for node in self.beats:
            if not node.alive():
                continue
            for match in re.finditer(r"\[([\d\- :,]+): INFO/MainProcess\] beat: Acquired lock", node.log.read_text()):
                if latest is None or match.group(1) > latest[0]:
                    latest = (match.group(1), node)
        return latest[1] if latest else None

    def watch_postgres(self, stop: threading.Event) -> None:
        """Patroni's job, scripted: three failed checks of the primary in a row → promote the replica."""
        failures = 0
        while not stop.is_set() and self.promoted_at is None:
            failures = 0 if self.pg.ready() else failures + 1
            if failures >= 3:
                self.pg_replica.promote()
                self.promoted_at = time.monotonic()
                print(f"  watchdog: primary down, replica promoted at {self.promoted_at - T0:.1f} s", flush=True)
            time.sleep(0.5)

    def stop(self) -> None:
        kill(self.proxy)
        for node in [*self.web, *self.workers, *self.beats]:
            kill(node.process)
        for part in (self.s3, self.redis, self.pg_replica, self.pg):
            if part is not None:
                part.stop()


T0 = time.monotonic()


# -- faults ------------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    name: str
    outage_s: float
    failed: dict[str, int]  # failed requests by kind and status, from the kill to the end of the window
    note: str = ""

    @property
    def failed_text(self) -> str:
        return ", ".join(f"{n}× {kind}" for kind, n in sorted(self.failed.items())) or "none"


def outage(record: Record, kinds: tuple[str, ...], since: float, deadline: float) -> float:
    """Seconds from the kill until a request of these kinds, sent after it, succeeded."""
    wait_until(
        lambda: any(e.ok and e.start >= since and e.kind in kinds for e in list(record.events)),
        timeout=max(deadline - time.monotonic(), 1), interval=0.2, what=f"{kinds} to succeed again",
    )  # fmt: skip
    return min(e.end for e in list(record.events) if e.ok and e.start >= since and e.kind in kinds) - since


def failed_between(record: Record, start: float, end: float) -> dict[str, int]:
    """Failed requests by kind and status (0: no answer), e.g. {"file 503": 4}."""
    failed: dict[str, int] = {}
    for e in list(record.events):
        if not e.ok and start <= e.start <= end:
            failed[f"{e.kind} {e.status}"] = failed.get(f"{e.kind} {e.status}", 0) + 1
    return failed


def fault_postgres(top: Topology, record: Record) -> Outcome:
    t = time.monotonic()
    top.pg.kill()
    seconds = outage(record, ("file",), t, t + 120)
    time.sleep(WINDOW / 2)
    promoted = top.promoted_at - t if top.promoted_at else float("nan")
    return Outcome("postgres primary", seconds, failed_between(record, t, time.monotonic()),
                   f"replica promoted {promoted:.1f} s after the kill; synchronous replication")  # fmt: skip


def fault_redis(top: Topology, record: Record) -> Outcome:
    t = time.monotonic()
    old = top.redis.kill_master()
    new = top.redis.wait_for_failover(old, timeout=120)
    switched = time.monotonic() - t
    seconds = outage(record, ("file",), t, t + 120)
    time.sleep(WINDOW / 2)
    top.redis.rejoin(old)
    return Outcome("redis master", seconds, failed_between(record, t, time.monotonic()),
                   f"sentinels promoted :{new} after {switched:.1f} s; the old master rejoined")  # fmt: skip


def fault_web(top: Topology, record: Record) -> Outcome:
    t = time.monotonic()
    top.web[0].kill()
    seconds = outage(record, ("file", "accept"), t, t + 60)
    time.sleep(WINDOW / 2)
    return Outcome("web node", seconds, failed_between(record, t, time.monotonic()),
                   "HAProxy took it out on its health check; the supervisor restarted it")  # fmt: skip


def fault_worker(top: Topology, record: Record) -> Outcome:
    import redis as redis_client

    unacked = redis_client.Redis(port=top.redis.master_port()).hlen("unacked")
    t = time.monotonic()
    top.workers[0].kill()
    seconds = outage(record, ("file",), t, t + 60)
    time.sleep(WINDOW / 2)
    return Outcome("worker", seconds, failed_between(record, t, time.monotonic()),
                   f"{unacked} task(s) delivered, unacknowledged at the kill; restarted by the supervisor")  # fmt: skip


def fault_beat(top: Topology, record: Record) -> Outcome:
    active = top.active_beat()
    dead_log = active.log  # the killed incarnation's
    t = time.monotonic()
    active.kill()
    taker = wait_until(lambda: (b := top.active_beat()) is not None and b.log != dead_log and b, timeout=120,
                       interval=0.5, what="a beat to take the lock")  # fmt: skip
    takeover = time.monotonic() - t
    return Outcome("active beat", takeover, failed_between(record, t, time.monotonic()),
                   f"{taker.name} took the lock {takeover:.1f} s after the kill (lock timeout 15 s)")  # fmt: skip


def fault_s3(top: Topology, record: Record) -> Outcome:
    t = time.monotonic()
    kill(top.s3.volume_servers[0])
    seconds = outage(record, ("attach",), t, t + 120)
    time.sleep(WINDOW / 2)
    return Outcome("S3 volume server", seconds, failed_between(record, t, time.monotonic()),
                   "one of three volume servers (each file on two); not restarted")  # fmt: skip


FAULT_FUNCTIONS = {"postgres": fault_postgres, "redis": fault_redis, "web": fault_web, "worker": fault_worker,
                   "beat": fault_beat, "s3": fault_s3}  # fmt: skip


# -- checks at the end -------------------------------------------------------------------------------------------
def beat_doubles(directory: Path) -> int:
    """Entries sent by two beats (or twice by one) less than half their interval apart."""
    sent: dict[str, list[datetime]] = {}
    for log in directory.glob("beat*.log"):
        for match in re.finditer(
            r"\[([\d\- :,]+): INFO/MainProcess\] Scheduler: Sending due task (\S+)", log.read_text()
        ):
            sent.setdefault(match.group(2), []).append(datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f"))
    doubles = 0
    for times in sent.values():
        times.sort()
        doubles += sum(1 for a, b in itertools.pairwise(times) if (b - a).total_seconds() < 30)
    return doubles


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="qihu-chaos."))
    directory.chmod(0o755)
    print(f"chaos: topology in {directory}", flush=True)
    top = Topology(directory)
    stop_watch, clean = threading.Event(), False
    try:
        top.start_servers()
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qihu.settings")
        django.setup()
        from django.core.management import call_command
        from rest_framework.authtoken.models import Token

        from accounts.models import User
        from demo.loader import load_people, load_reference

        call_command("migrate", verbosity=0)
        load_people(load_reference())
        token = {u.username: Token.objects.get_or_create(user=u)[0].key for u in User.objects.all()}
        companies = sorted(n for n in token if n.startswith("qiye"))[:COMPANY_CLIENTS]
        handlers = [token[n] for n in sorted(token) if n.startswith("banli-")]
        top.start_app()
        threading.Thread(target=top.watch_postgres, args=(stop_watch,), daemon=True).start()
        threading.Thread(target=top.supervise, args=(stop_watch,), daemon=True).start()
        print(f"chaos: 2 web nodes behind HAProxy at {top.base}, 2 workers, 2 beats; load starts", flush=True)

        record, stop = Record(), threading.Event()
        clients = [threading.Thread(target=company_client, args=(top.base, token[c], record, stop, n))
                   for n, c in enumerate(companies)]  # fmt: skip
        clients.append(threading.Thread(target=official_client, args=(top.base, handlers, record, stop)))
        clients.append(threading.Thread(target=attachment_client, args=(top.base, record, stop)))
        for client in clients:
            client.start()

        outcomes = []
        for name in FAULTS:
            time.sleep(STEADY)
            print(f"chaos: killing {name} ...", flush=True)
            outcome = FAULT_FUNCTIONS[name](top, record)
            outcomes.append(outcome)
            print(f"  {outcome.name}: requests succeed again after {outcome.outage_s:.1f} s; failed meanwhile: "
                  f"{outcome.failed_text}; {outcome.note}", flush=True)  # fmt: skip
        time.sleep(STEADY)
        stop.set()
        for client in clients:
            client.join(timeout=180)

        from django.db import connections
        from django.db.models import Count

        from tickets.models import Status, Ticket, TicketEvent

        connections.close_all()  # the driver's own connection went to the old primary
        ids = set(record.accepted.values())
        wait_until(lambda: not Ticket.objects.filter(pk__in=ids, status=Status.SUBMITTED).exists(), timeout=180,
                   interval=2, what="every accepted ticket routed")  # fmt: skip
        held = set(Ticket.objects.filter(pk__in=ids).values_list("pk", flat=True))
        lost = len(ids - held)
        same_key = Ticket.objects.filter(idempotency_key__in=list(record.accepted)).values("idempotency_key")
        doubled_keys = same_key.annotate(n=Count("id")).filter(n__gt=1).count()
        triaged_twice = (
            TicketEvent.objects.filter(ticket_id__in=ids, action="triage").values("ticket").annotate(n=Count("id"))
            .filter(n__gt=1).count()
        )  # fmt: skip
        beat_twice = beat_doubles(directory)
        doubled = doubled_keys + triaged_twice + beat_twice
        events = record.events
        print(f"\nchaos: {len(events)} requests ({sum(not e.ok for e in events)} failed), {len(ids)} tickets filed "
              f"(201), {len(held)} in the database, all routed; triaged twice {triaged_twice}, one key stored twice "
              f"{doubled_keys}, beat entries sent twice {beat_twice}")  # fmt: skip
        print("| fault | requests succeed again after (s) | failed requests meanwhile | note |")
        print("|---|---|---|---|")
        for o in outcomes:
            print(f"| {o.name} | {o.outage_s:.1f} | {o.failed_text} | {o.note} |")
        crashes = [f"{n.name} ×{n.crashes}" for n in [*top.web, *top.workers, *top.beats] if n.crashes]
        print(
            f"processes that exited on their own and were restarted by the supervisor: {', '.join(crashes) or 'none'}"
        )
        print("re-run: make chaos")
        max_outage = max((o.outage_s for o in outcomes if o.name != "active beat"), default=0.0)
        print(f"chaos: faults={len(outcomes)} lost={lost} doubled={doubled} max_outage_s={max_outage:.1f}")
        if lost or doubled:
            sys.exit(1)
        clean = True
    finally:
        stop_watch.set()
        time.sleep(2)  # the supervisor's last look
        top.stop()
        if clean:
            shutil.rmtree(directory, ignore_errors=True)  # kept, with every log, when something went wrong


if __name__ == "__main__":
    main()
