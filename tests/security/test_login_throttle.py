"""The login throttle (issue 20, point 3): one count per client for every web worker, the client's address as
trusted proxies tell it (a forged X-Forwarded-For changes nothing), the same counters for the API's, the web's
and the admin's login, and parallel guesses each counted."""

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from ipaddress import ip_network

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from common.throttling import LoginThrottle
from tests.conftest import ROOT, _test_database_url, api, free_port
from tests.factories import PASSWORD

from .test_abuse_inputs import fresh_throttles  # noqa: F401 (a fixture: the counters in Redis, deleted)

pytestmark = pytest.mark.usefixtures("fresh_throttles")  # the servers started here count in the test Redis too

RATE = 5
WRONG = {"username": "qiye-a", "password": "wrong"}


@pytest.fixture
def login_rate(monkeypatch, settings):
    monkeypatch.setitem(LoginThrottle.THROTTLE_RATES, "login", f"{RATE}/min")
    # these tests count per address: the per-account lockout (tests/security/test_authentication.py) stays out
    settings.QIHU = {**settings.QIHU, "LOCKOUT_FAILURES": 100}


@pytest.fixture
def trusted_proxies(settings):
    def trust(*networks):
        settings.QIHU = {**settings.QIHU, "TRUSTED_PROXIES": [ip_network(n) for n in networks]}

    return trust


# -- the client's address -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "client"),
    [
        ("203.0.113.9", "198.51.100.7", [], "203.0.113.9"),  # no proxy trusted: the header is the client's word
        ("10.0.0.2", "198.51.100.7", ["10.0.0.2"], "198.51.100.7"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),  # the left is the client's word
        ("10.0.0.2", "198.51.100.7, 10.0.0.9", ["10.0.0.0/8"], "198.51.100.7"),  # a chain of trusted proxies
        ("10.0.0.2", "", ["10.0.0.0/8"], "10.0.0.2"),  # a trusted proxy's own request
        ("203.0.113.9", "198.51.100.7", ["10.0.0.0/8"], "203.0.113.9"),  # not from the trusted proxy
        ("::ffff:10.0.0.2", "198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),  # IPv4 on a dual-stack socket
        ("2001:db8::1", "2001:db8:1::5, 2001:db8::2", ["2001:db8::/64"], "2001:db8:1::5"),
    ],
)  # fmt: skip
def test_the_client_address_believes_only_trusted_proxies(trusted_proxies, remote, forwarded, trusted, client):
    from common.throttling import client_address

    trusted_proxies(*trusted)
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == client


# -- in process -----------------------------------------------------------------------------------------
def test_a_forged_x_forwarded_for_does_not_reset_the_count(world, login_rate):
    client = api()
    codes = [
        client.post("/api/v1/auth/token/", WRONG, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(RATE + 1)
    ]
    assert codes == [400] * RATE + [429]
    right = {"username": "qiye-a", "password": PASSWORD}
    assert client.post("/api/v1/auth/token/", right, format="json", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_count(world, login_rate, trusted_proxies):
    trusted_proxies("127.0.0.1")  # the test client's REMOTE_ADDR
    client = api()

    def login(forwarded, password="wrong"):
        body = {"username": "qiye-a", "password": password}
        return client.post("/api/v1/auth/token/", body, format="json", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [login("198.51.100.1") for _ in range(RATE)] == [400] * RATE
    assert login("203.0.113.66, 198.51.100.1") == 429  # what the client wrote at the left does not help
    assert login("198.51.100.2", PASSWORD) == 200  # another client


def test_the_admin_login_is_throttled_with_the_same_counters(world, login_rate, client):
    codes = [client.post("/admin/login/", {"username": "admin", "password": "wrong"}).status_code for _ in range(2)]
    codes += [api().post("/api/v1/auth/token/", WRONG, format="json").status_code for _ in range(2)]
    codes += [client.post("/login/", WRONG).status_code]
    assert codes == [200, 200, 400, 400, 200]  # the forms again with their errors; the API's 400
    refused = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert refused.status_code == 429 and "请求过于频繁" in refused.content.decode()
    assert int(refused["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/login/").status_code == 200  # the page itself is not throttled


class LoginView:
    throttle_scope = "login"  # what DRF's scoped throttle read from the view (before issue 20)


@pytest.mark.parametrize("store", ["redis", "file"])
def test_parallel_guesses_are_each_counted(login_rate, monkeypatch, tmp_path, store):
    if store == "file":
        from common.filecache import FileCache

        monkeypatch.setattr(LoginThrottle, "cache", FileCache(str(tmp_path / "cache"), {}))
    guesses = 4 * RATE
    start, answers = threading.Barrier(guesses), []
    request = RequestFactory().post("/api/v1/auth/token/", REMOTE_ADDR="198.51.100.99")
    request.user = AnonymousUser()

    def guess():
        LoginThrottle.cache.get("warm-up")  # this thread's connection
        start.wait()  # all at once: each reads the count before any has written it, if it can
        answers.append(LoginThrottle().allow_request(request, LoginView))

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers.count(True) == RATE


# -- on gunicorn, several workers ----------------------------------------------------------------------------
@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """Start qihu on real gunicorn (3 worker processes) on the test database; yields a function that starts one
    with extra environment and returns its base URL. The access log names the worker (pid) of every answer."""
    servers = []

    def start(**env) -> str:
        port, log = free_port(), tmp_path / f"gunicorn-{len(servers)}.log"
        environment = {
            **os.environ, "DATABASE_URL": _test_database_url(), "DATABASE_CONN_MAX_AGE": "0",
            "DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": "test-login-throttle", "LOG_LEVEL": "WARNING",
            "QIHU_VAR_DIR": str(tmp_path / f"var-{len(servers)}"), "QIHU_THROTTLE_LOGIN": f"{RATE}/min",
        }  # fmt: skip
        environment.update(env)
        environment = {k: v for k, v in environment.items() if v is not None}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "qihu.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "3", "--preload", "--access-logfile", str(log), "--access-logformat", "%(p)s %(s)s"],
            cwd=ROOT, env=environment, stdout=(tmp_path / "gunicorn.out").open("a"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        servers.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                    return url
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{(tmp_path / 'gunicorn.out').read_text()[-3000:]}")
            time.sleep(0.3)

    yield start
    for server in servers:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def cheap_password(*users):
    """The server's own hasher (the tests' MD5 is not among its hashers), with few rounds: a wrong guess is quick."""
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "throttle-salt", iterations=1000)
    for user in users:
        type(user).objects.filter(pk=user.pk).update(password=hashed)


def workers_that_answered(log) -> set[str]:
    return {line.split()[0] for line in log.read_text().splitlines()}


def page_post(url: str, path: str, body: dict, **headers) -> requests.Response:
    """A form post as a browser makes it: the page first, for its CSRF cookie and token (a new connection each)."""
    session = requests.Session()
    session.get(f"{url}{path}", headers=headers)
    token = session.cookies["csrftoken"]
    return session.post(f"{url}{path}", {**body, "csrfmiddlewaretoken": token}, headers=headers, allow_redirects=False)


@pytest.mark.parametrize("store", ["redis", "embedded"])
def test_on_gunicorn_wrong_logins_are_counted_across_workers(world, gunicorn, tmp_path, store):
    """Wrong passwords, each with a new forged X-Forwarded-For, on three workers: exactly RATE are answered, the
    rest get a 429 (the probe got its first at the 37th for 20/min), and then the right password, the web's and the
    admin's login are refused too. Three clients at once, so that more than one worker takes them (one after
    another, the same worker can win every connection). `embedded`: no Redis, the default cache of `make run`."""
    cheap_password(world.company_user, world.admin)
    url = gunicorn(**({} if store == "redis" else {"REDIS_URL": None}))

    def guess(n: int) -> requests.Response:
        return requests.post(f"{url}/api/v1/auth/token/", json=WRONG, headers={"X-Forwarded-For": f"198.51.100.{n}"})

    with ThreadPoolExecutor(max_workers=3) as clients:
        codes = list(clients.map(guess, range(RATE + 1)))
    assert sorted(answer.status_code for answer in codes) == [400] * RATE + [429]
    refused = next(answer for answer in codes if answer.status_code == 429)
    assert "请求过于频繁" in refused.json()["detail"] and int(refused.headers["Retry-After"]) >= 1
    assert len(workers_that_answered(tmp_path / "gunicorn-0.log")) > 1  # the guesses met more than one worker
    right = requests.post(f"{url}/api/v1/auth/token/", json={"username": "qiye-a", "password": PASSWORD})
    assert right.status_code == 429
    assert page_post(url, "/login/", {"username": "qiye-a", "password": PASSWORD}).status_code == 429
    assert page_post(url, "/admin/login/", {"username": "admin", "password": PASSWORD}).status_code == 429


def test_on_gunicorn_behind_a_trusted_proxy_x_forwarded_for_names_the_client(world, gunicorn):
    """The test client plays the proxy (QIHU_TRUSTED_PROXIES): each address it forwards has its own count, the
    admin's login included; what a client writes at the left of the header does not change its address."""
    cheap_password(world.company_user, world.admin)
    url = gunicorn(QIHU_TRUSTED_PROXIES="127.0.0.1", QIHU_LOCKOUT_FAILURES="100")  # per address, not per account
    wrong_admin = {"username": "admin", "password": "wrong"}
    guesser = {"X-Forwarded-For": "198.51.100.1"}
    codes = [page_post(url, "/admin/login/", wrong_admin, **guesser).status_code for _ in range(RATE + 1)]
    assert codes == [200] * RATE + [429]
    right_admin = {"username": "admin", "password": PASSWORD}
    assert page_post(url, "/admin/login/", right_admin, **guesser).status_code == 429
    forged = {"X-Forwarded-For": "203.0.113.66, 198.51.100.1"}
    assert requests.post(f"{url}/api/v1/auth/token/", json=WRONG, headers=forged).status_code == 429
    assert page_post(url, "/admin/login/", right_admin, **{"X-Forwarded-For": "198.51.100.2"}).status_code == 302
    other = requests.post(
        f"{url}/api/v1/auth/token/", json={"username": "qiye-a", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.3"},
    )  # fmt: skip
    assert other.status_code == 200 and other.json()["token"]
