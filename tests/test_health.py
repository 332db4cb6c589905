import pytest


@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
def test_ready_when_database_and_broker_answer(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_503_when_the_broker_is_down(client, db, redis_stopped):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}


def test_still_ready_without_the_broker_which_is_reported(client, db, redis_stopped):
    """Every node shares the broker: failing readiness on it would take every node out of the load balancer,
    while a filed ticket is committed anyway and enqueued again later."""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "down"}


def test_alive_although_the_broker_is_down(client, db, redis_stopped):
    """Liveness checks no dependency: an outage elsewhere must not get the web nodes restarted."""
    response = client.get("/livez")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
