from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from qihu.celery import app as celery_app


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@never_cache
def livez(request):
    """Liveness: 200 while the process serves requests. No dependency is checked: a database outage must not
    make an orchestrator restart every web node (that is what readiness is for)."""
    return JsonResponse({"status": "ok"})


def _checks() -> dict[str, bool]:
    return {"database": _database_ok(), "broker": _broker_ok()}


def _answer(checks: dict[str, bool], *, ready: bool) -> JsonResponse:
    status = "ok" if all(checks.values()) else "degraded" if ready else "unavailable"
    return JsonResponse(
        {"status": status, **{name: "ok" if up else "down" for name, up in checks.items()}},
        status=200 if ready else 503,
    )


@never_cache
def readyz(request):
    """Readiness, for a load balancer (HAProxy's check) and an orchestrator: 503 only when the database does not
    answer. The broker is checked and reported, but a node without it still serves: a filed ticket is committed
    and the sweeper enqueues it later (DESIGN.md §10), and since every node shares the broker, failing them all
    on its outage would turn a degraded service into none."""
    checks = _checks()
    return _answer(checks, ready=checks["database"])


@never_cache
def healthz(request):
    """200 only when the database and the broker both answer (monitoring; compose's healthcheck before issue 19)."""
    checks = _checks()
    return _answer(checks, ready=all(checks.values()))
