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


@never_cache
def readyz(request):
    """Readiness: 200 only when the database and the broker both answer; a load balancer (HAProxy's check,
    compose's healthcheck) sends requests only to a node that is ready."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **{k: "ok" if v else "down" for k, v in checks.items()}},
        status=200 if healthy else 503,
    )


healthz = readyz  # the first probe's name, kept for the deployments that use it
