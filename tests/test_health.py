import pytest


@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
def test_ready_when_database_and_broker_answer(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
def test_not_ready_when_the_broker_is_down(client, db, redis_stopped, path):
    response = client.get(path)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}


def test_alive_although_the_broker_is_down(client, db, redis_stopped):
    """Liveness checks no dependency: an outage elsewhere must not get the web nodes restarted."""
    response = client.get("/livez")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
