"""Set up the reference app and count its queries, in its own process (its own Django settings).

python bench/queue/reference/tool.py prepare          migrate (schema ref), a user and a token: prints the key
python bench/queue/reference/tool.py count PATH...    SQL queries per request for each path (JSON)
python bench/queue/reference/tool.py count-requests JSON   the same for [[method, path, json body or null], ...]
python bench/queue/reference/tool.py time-create N JSON    wall and CPU ms of this process per create of the body
                                                          (N creates, twice; bench/ticket/inprocess.py compares)
python bench/queue/reference/tool.py time-get N PATH...   the same per GET of the paths in turn
python bench/queue/reference/tool.py time-patch N JSON PATH...   the same per PATCH of the body to the paths
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["DJANGO_SETTINGS_MODULE"] = "reference.settings"

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402


def prepare() -> None:
    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench")
    token, _ = Token.objects.get_or_create(user=user)
    print(token.key)


def bench_client() -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user__username='bench').key}")


def count(paths: list[str]) -> None:
    client = bench_client()
    result = {}
    for path in paths:
        client.get(path)  # warm: connection, caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        result[path] = {"queries": len(queries), "rows": len(response.json()["results"])}
    print(json.dumps(result))


def count_requests(requests: list[list]) -> None:
    """Queries of each [method, path, body]: the request is made twice, the second counted."""
    client = bench_client()
    result = []
    for method, path, body in requests:
        send = getattr(client, method.lower())
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = send(path, body, content_type="application/json") if body is not None else send(path)
            assert response.status_code < 300, (method, path, response.status_code, response.content[:300])
        result.append(len(queries))
    print(json.dumps(result))


def timed(n: int, request) -> None:
    """Wall and CPU ms of this process per request, as bench/ticket/inprocess.py times qihu's: Django's test
    client, DEBUG off; after three warm requests, two runs of n (JSON)."""
    for _ in range(3):
        request()
    runs = []
    for _ in range(2):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            request()
        runs.append({"wall": (time.perf_counter() - wall) / n * 1000, "cpu": (time.process_time() - cpu) / n * 1000})
    print(json.dumps(runs))


def time_create(n: int, body: dict) -> None:
    """The bare create, `{n}` in the title made unique per request."""
    client, sent = bench_client(), 0

    def create():
        nonlocal sent
        sent += 1
        data = {**body, "title": body["title"].replace("{n}", str(sent))}
        response = client.post("/tickets/", data, content_type="application/json")
        assert response.status_code == 201, response.content[:300]

    timed(n, create)


def time_paths(n: int, paths: list[str], patch: dict | None = None) -> None:
    """The bare retrieve (GETs of the paths in turn), or with `patch` the bare partial update (PATCHes)."""
    client, sent = bench_client(), 0

    def send():
        nonlocal sent
        sent += 1
        path = paths[sent % len(paths)]
        response = client.get(path) if patch is None else client.patch(path, patch, content_type="application/json")
        assert response.status_code == 200, response.content[:300]

    timed(n, send)


if __name__ == "__main__":
    {
        "prepare": lambda: prepare(),
        "count": lambda: count(sys.argv[2:]),
        "count-requests": lambda: count_requests(json.loads(sys.argv[2])),
        "time-create": lambda: time_create(int(sys.argv[2]), json.loads(sys.argv[3])),
        "time-get": lambda: time_paths(int(sys.argv[2]), sys.argv[3:]),
        "time-patch": lambda: time_paths(int(sys.argv[2]), sys.argv[4:], patch=json.loads(sys.argv[3])),
    }[sys.argv[1]]()
