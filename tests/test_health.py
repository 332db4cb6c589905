import os
import subprocess

import pytest

from .conftest import wait_for


def test_healthz_ok_when_database_and_broker_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.fixture
def redis_stopped():
    """Stop the test Redis server for real, and start it again afterwards."""
    port = os.environ["QIHU_REDIS_PORT"]
    subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], check=False, capture_output=True)
    yield
    directory = os.environ["QIHU_SERVICES_DIR"]
    subprocess.run(
        ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "yes", "--dir", directory, "--pidfile", f"{directory}/redis.pid",
         "--logfile", f"{directory}/redis.log"],
        check=True,
    )  # fmt: skip
    wait_for(lambda: subprocess.run(["redis-cli", "-p", port, "ping"], capture_output=True).stdout.strip() == b"PONG")


def test_healthz_503_when_the_broker_is_down(client, db, redis_stopped):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}
