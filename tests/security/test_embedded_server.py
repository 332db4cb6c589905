"""`make run` as a stranger on the network meets it (issue 20 §5): the demo, with its public passwords, listens
on the loopback address only and shows the site's own error pages, never Django's debug pages.

Starts the real `scripts/run-embedded` (gunicorn, SQLite, the file-system broker and a worker) in a fresh
var directory, as `make run` does.
"""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port

EMBEDDED_ONLY = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "HOST")


def _as_from_a_terminal() -> None:
    """Ctrl-C works as it does for `make run` typed in a terminal, also when this suite runs in the background
    (`make test &`, nohup): a background job's children start with SIGINT ignored, and a shell cannot trap a
    signal ignored when it started, so the script never heard the test's Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def start_embedded(var: Path, log_path: Path) -> tuple[subprocess.Popen, str, int]:
    """scripts/run-embedded on a free port with its state in `var`, once it answers /healthz."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in EMBEDDED_ONLY} | {
        "QIHU_VAR_DIR": str(var),
        "PORT": str(port),
    }
    server = subprocess.Popen(
        [str(ROOT / "scripts/run-embedded")], cwd=ROOT, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True, preexec_fn=_as_from_a_terminal,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if fetch(f"{base}/healthz")[0] == 200:
                return server, base, port
        except OSError:
            assert server.poll() is None, log_path.read_text()
        time.sleep(0.5)
    os.killpg(server.pid, signal.SIGKILL)
    pytest.fail("make run's server did not answer: " + log_path.read_text())


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    var = tmp_path_factory.mktemp("embedded-var")
    server, base, port = start_embedded(var, var / "run.log")
    try:
        yield base, port, var
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C, as a person stops it
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        # the worker may finish its warm shutdown after the script: make sure nothing outlives the test
        subprocess.run(["pkill", "-KILL", "-f", str(var)], check=False)


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port`, from the kernel's own tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, local_port = local.split(":")
            if state == "0A" and int(local_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                found.add(".".join(str(b) for b in raw[::-1]) if len(raw) == 4 else raw.hex())
    return found


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_demo_listens_on_loopback_only(demo_server):
    _base, port, _var = demo_server
    assert listening_addresses(port) == {"127.0.0.1"}


def test_the_demo_shows_its_own_error_pages_not_django_debug_pages(demo_server):
    base, _port, _var = demo_server
    status, page = fetch(f"{base}/no-such-page/")
    assert status == 404
    assert "页面不存在" in page and "企呼我应" in page
    assert "URLconf" not in page and "DEBUG = True" not in page  # Django's debug 404 lists every URL pattern
    status, body = fetch(f"{base}/api/v1/no-such-endpoint/")
    assert status == 404 and json.loads(body)["code"] == "not_found"


def test_the_demo_has_a_secret_of_its_own_and_logins_work_over_plain_http(demo_server):
    base, _port, var = demo_server
    secret = var / "secret-key"
    assert len(secret.read_text().strip()) >= 50 and secret.stat().st_mode & 0o077 == 0
    jar = http.cookiejar.CookieJar()  # keeps the standard's rules: a Secure cookie never goes over plain HTTP
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = browser.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode({"username": "shouli", "password": "qihu-demo", "csrfmiddlewaretoken": token})
    landed = browser.open(urllib.request.Request(f"{base}/login/", body.encode(), {"Referer": f"{base}/login/"}))
    assert landed.status == 200 and landed.geturl().endswith("/workbench/")


def processes_mentioning(*needles: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(needle in cmdline for needle in needles):
            found.append(f"{proc.name}: {cmdline}")
    return found


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_make_run_stops_promptly_and_cleanly(tmp_path, how):
    """Ctrl-C (SIGINT to the terminal's process group) or a TERM stops the web server and the worker within
    seconds, without gunicorn killing a hung worker ("Perhaps out of memory?", after 30 s)."""
    var = tmp_path / "var"
    var.mkdir()
    server, base, port = start_embedded(var, tmp_path / "run.log")
    try:
        assert fetch(f"{base}/login/")[0] == 200  # both gunicorn workers have served or idled
        assert fetch(f"{base}/login/")[0] == 200
        time.sleep(2)  # the worker and beat up and idle
        started = time.monotonic()
        if how == signal.SIGINT:
            os.killpg(server.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        else:
            server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        took = time.monotonic() - started
        time.sleep(0.5)
        left = processes_mentioning(str(var), f"127.0.0.1:{port}")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        for line in processes_mentioning(str(var), f"127.0.0.1:{port}"):
            os.kill(int(line.split(":")[0]), signal.SIGKILL)
    output = (tmp_path / "run.log").read_text()
    assert took < 10, output
    assert left == [], left
    assert "out of memory" not in output.lower() and "SIGKILL" not in output, output
    assert "Shutting down: Master" in output
    assert "Warm shutdown" in (var / "worker.log").read_text()
