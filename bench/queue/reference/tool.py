"""Set up the reference app and count its queries, in its own process (its own Django settings).

python bench/queue/reference/tool.py prepare          migrate (schema ref), a user and a token: prints the key
python bench/queue/reference/tool.py count PATH...    SQL queries per request for each path (JSON)
python bench/queue/reference/tool.py count-requests JSON   the same for [[method, path, json body or null], ...]
python bench/queue/reference/tool.py cpu N PATH...    GETs of the paths in turn through Django's test client, N
                                                      requests twice: CPU ms of this process per request (JSON)
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


def count(paths: list[str]) -> None:
    token = Token.objects.get(user__username="bench").key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
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
    token = Token.objects.get(user__username="bench").key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    result = []
    for method, path, body in requests:
        send = getattr(client, method.lower())
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = send(path, body, content_type="application/json") if body is not None else send(path)
            assert response.status_code < 300, (method, path, response.status_code, response.content[:300])
        result.append(len(queries))
    print(json.dumps(result))


def cpu(n: int, paths: list[str]) -> None:
    """CPU of this process per GET, as bench/ticket/inprocess.py measures qihu's: the same client, the same loop."""
    token = Token.objects.get(user__username="bench").key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    sent = 0

    def get():
        nonlocal sent
        sent += 1
        assert client.get(paths[sent % len(paths)]).status_code == 200

    for _ in range(3):
        get()
    result = []
    for _ in range(2):
        started = time.process_time()
        for _ in range(n):
            get()
        result.append((time.process_time() - started) / n * 1000)
    print(json.dumps(result))


if __name__ == "__main__":
    {
        "prepare": lambda: prepare(),
        "count": lambda: count(sys.argv[2:]),
        "count-requests": lambda: count_requests(json.loads(sys.argv[2])),
        "cpu": lambda: cpu(int(sys.argv[2]), sys.argv[3:]),
    }[sys.argv[1]]()
