"""Shared fixtures: a small city (`world`) with one persona per role, and tickets driven to any status.

The suite runs on real PostgreSQL and Redis (`make test` starts them); a test that needs a worker starts
a real Celery worker process (`celery_worker_process`).
"""

import logging
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.db import connection
from rest_framework.test import APIClient

from accounts.roles import Role
from common.cache import clear_process_caches
from common.dispatch import woken
from departments.models import Department
from tickets.models import Status, Ticket
from tickets.notify import TELL_TASK, tell_pending
from tickets.services import TRIAGE_TASK, ticket_apply, ticket_create
from triage.models import Category, RoutingRule

from .factories import PASSWORD, ChainFactory, CompanyFactory, DepartmentFactory, UserFactory, member

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.exit("the suite runs on real PostgreSQL and Redis: use `make test` (scripts/with-services)", 2)
    from django.conf import settings

    # Each request closes its connection: the live server's request threads must not keep the test
    # database busy when it is dropped at the end.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Reference data memoised by an earlier test was rolled back with it."""
    clear_process_caches()


@pytest.fixture(autouse=True)
def _no_task_marked_waiting():
    """Each test wakes its own tasks: a mark left in the test Redis by an earlier test's commit (no worker took its
    task) would hold this test's wake back (common.dispatch.wake_on_commit)."""
    for task in (TELL_TASK, TRIAGE_TASK):
        woken(task)


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_directory(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    chain: object
    lead: Department  # gongdian: leads energy requests
    assisting: Department  # fagai: assists them
    county: Department
    service: Department
    energy: Category
    company: object
    other_company: object
    people: dict  # persona name → user

    def __getattr__(self, name):
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def world(db) -> World:
    chain = ChainFactory(code="xcl", name="新材料")
    lead = DepartmentFactory(code="gongdian", name="国网衢州供电公司")
    assisting = DepartmentFactory(code="fagai", name="市发改委")
    county = DepartmentFactory(code="longyou", name="龙游县", kind=Department.Kind.COUNTY)
    service = DepartmentFactory(code="fuwu", name="市企业综合服务中心", kind=Department.Kind.SERVICE)
    efficiency = DepartmentFactory(code="xiaoneng", name="市效能办", kind=Department.Kind.SERVICE)
    group = DepartmentFactory(
        code="zhuanban-xcl", name="新材料产业链专班", kind=Department.Kind.CHAIN_GROUP, chain=chain
    )
    energy = Category.objects.create(code="energy", name="要素保障-用能", keywords="用电 电力 增容 变压器 供电 报装")
    Category.objects.create(code="other", name="其他")
    rule = RoutingRule.objects.create(category=energy, lead=lead)
    rule.assisting.set([assisting])
    company = CompanyFactory(district=county)
    company.chains.set([chain])
    other_company = CompanyFactory(district=county)
    people = {
        "company_user": UserFactory(username="qiye-a", company=company),
        "other_company_user": UserFactory(username="qiye-b", company=other_company),
        "handler": member(UserFactory(username="banli-gongdian"), lead, Role.HANDLER),
        "dept_head": member(UserFactory(username="kezhang-gongdian"), lead, Role.DEPT_HEAD),
        "assist_handler": member(UserFactory(username="banli-fagai"), assisting, Role.HANDLER),
        "other_handler": member(UserFactory(username="banli-longyou"), county, Role.HANDLER),
        "dispatcher": member(UserFactory(username="shouli"), service, Role.DISPATCHER),
        "supervisor": member(UserFactory(username="duban"), efficiency, Role.SUPERVISOR),
        "chain_leader": member(UserFactory(username="lianzhang-xcl"), group, Role.CHAIN_LEADER),
        "admin": UserFactory(username="admin", is_staff=True, is_superuser=True),
    }
    return World(chain, lead, assisting, county, service, energy, company, other_company, people)


@dataclass
class Desk:
    """The intake desk's people (代录): a 12345-8 hotline operator and counter staff of another service centre."""

    hotline: Department
    counter: Department
    operator: object  # intake role at the hotline
    counter_clerk: object  # intake role at the counter


@pytest.fixture
def desk(world) -> Desk:
    hotline = DepartmentFactory(code="rexian", name="12345-8营商环境热线", kind=Department.Kind.SERVICE)
    counter = DepartmentFactory(code="kecheng-fuwu", name="柯城区企业服务中心", kind=Department.Kind.SERVICE)
    operator = member(UserFactory(username="shouli-rexian", first_name="王接线"), hotline, Role.INTAKE)
    clerk = member(UserFactory(username="shouli-kecheng"), counter, Role.INTAKE)
    return Desk(hotline, counter, operator, clerk)


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def client_for():
    return api


TITLE = "新厂房投产急需电力增容"
DESCRIPTION = "新厂房下月投产，现有变压器容量不足，需要新增一台1250千伏安变压器并尽快完成用电报装。"
# How a ticket reaches each status: an earlier status, then steps (action, persona or None for the
# platform, params as a function of the world).
PATHS = {
    Status.SUBMITTED: [],
    Status.PENDING_DISPATCH: [
        ("triage", None, lambda w: {"outcome": Status.PENDING_DISPATCH, "category": w.energy, "chain": w.chain})
    ],
    Status.ASSIGNED: [
        Status.PENDING_DISPATCH,
        ("dispatch", "dispatcher", lambda w: {"lead": w.lead, "assisting": [w.assisting]}),
    ],
    Status.ACCEPTED: [Status.ASSIGNED, ("accept", "handler", lambda w: {})],
    Status.ON_HOLD: [Status.ACCEPTED, ("request_info", "handler", lambda w: {"note": "请补充用电报装申请表"})],
    Status.REPLIED: [Status.ACCEPTED, ("reply", "handler", lambda w: {"body": "已安排上门勘察。"})],
    Status.DISPUTED: [
        Status.REPLIED,
        (
            "confirm",
            "company_user",
            lambda w: {"contacted": True, "resolved": "unresolved", "satisfaction": "unsatisfied"},
        ),
    ],
    Status.CLOSED: [
        Status.REPLIED,
        ("confirm", "company_user", lambda w: {"contacted": True, "resolved": "resolved", "satisfaction": "satisfied"}),
    ],
}


def drive(world: World, ticket: Ticket, status: str) -> Ticket:
    """Take `ticket` from `submitted` to `status` through the real services."""
    for step in PATHS[status]:
        if isinstance(step, str):
            drive(world, ticket, step)
        else:
            action, persona, params = step
            ticket_apply(ticket_id=ticket.pk, action=action, actor=world.people.get(persona), **params(world))
            tell_pending()  # as the worker does after each step's commit: its notices written to the outbox
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def make_ticket(world):
    def make(status: str = Status.SUBMITTED, *, user=None, **fields) -> Ticket:
        ticket, _created = ticket_create(
            submitter=user or world.company_user, title=fields.pop("title", TITLE),
            description=fields.pop("description", DESCRIPTION), triage_later=False, **fields,
        )  # fmt: skip
        return drive(world, ticket, status)

    return make


def stop_redis() -> None:
    """Stop the test Redis server for real (fault injection)."""
    subprocess.run(["redis-cli", "-p", os.environ["QIHU_REDIS_PORT"], "shutdown", "nosave"], capture_output=True)


def start_redis() -> None:
    port, directory = os.environ["QIHU_REDIS_PORT"], os.environ["QIHU_SERVICES_DIR"]
    subprocess.run(
        ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "yes", "--dir", directory, "--pidfile", f"{directory}/redis.pid",
         "--logfile", f"{directory}/redis.log"],
        check=True,
    )  # fmt: skip
    wait_for(lambda: subprocess.run(["redis-cli", "-p", port, "ping"], capture_output=True).stdout.strip() == b"PONG")


@pytest.fixture
def redis_stopped():
    stop_redis()
    yield
    start_redis()


# -- real SMTP server -------------------------------------------------------------------------------
class Inbox:
    """Messages a real local SMTP server (aiosmtpd) received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default

        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default)))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [message["Subject"] for _to, message in self.messages]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django sends to it."""
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line at INFO
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    inbox.controller = controller
    yield inbox
    controller.stop()


# -- real Celery worker --------------------------------------------------------------------------
def _test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def start_worker(log: Path, *, queues: str | None = None, **env) -> subprocess.Popen:
    """Start a real worker process (solo pool) on the test database and the test Redis; wait until it answers.

    It consumes every queue, as the embedded default's worker does, unless `queues` names some (-Q)."""
    from qihu.celery import app

    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "DATABASE_CONN_MAX_AGE": "0", **env}
    with open(log, "a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "qihu", "worker", "-P", "solo", "-n", name, "--loglevel=info",
             "--without-mingle", "--without-gossip", *(["-Q", queues] if queues else [])],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(process)
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()[-3000:]}")
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real worker process on the test database and the test Redis; yields its log path."""
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
    log = tmp_path / "worker.log"
    process = start_worker(log)
    try:
        yield log
    finally:
        stop_worker(process)


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


__all__ = ["PASSWORD", "api", "drive", "wait_for"]


@pytest.fixture
def security_admin(db):
    """The security administrator (三员分立): accounts and roles in the admin, nothing else."""
    return UserFactory(username="anquan", is_staff=True, is_security_admin=True)


@pytest.fixture(autouse=True)
def _no_account_locked_by_an_earlier_test():
    """Failed logins are counted per account (accounts/lockout.py) and logins per address (LoginThrottle) in
    Redis, across tests: start at nought (every browser test logs in from 127.0.0.1)."""
    from django.core.cache import cache

    try:
        client = cache._cache.get_client()
        if keys := client.keys("*throttle_lockout_*") + client.keys("*throttle_login_*"):
            client.delete(*keys)
    except Exception:  # a test that stops Redis restarts it; nothing to clean then
        pass
