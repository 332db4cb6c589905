"""In-process timing and profile of the queue page (or the reference's list), for iteration between benchmarks.

Against a database already holding the benchmark's rows (e.g. loaded by bench.py's `fill` under
scripts/with-services and kept alive), with DEBUG off:

    python bench/queue/inprocess.py qihu TOKEN [--pages 200] [--profile] [--sort tottime]
    python bench/queue/inprocess.py ref TOKEN ...

Follows the `next` links for `--pages` pages, then times every page (first page alone, then the deep ones)
through Django's test client — the whole stack: middleware, authentication, query, serializer, renderer —
and optionally prints cProfile's top functions over the deep pages.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
parser = argparse.ArgumentParser()
parser.add_argument("app", choices=["qihu", "ref"])
parser.add_argument("token")
parser.add_argument("--pages", type=int, default=200)
parser.add_argument("--repeat", type=int, default=2)
parser.add_argument("--profile", action="store_true")
parser.add_argument("--sort", default="tottime")
parser.add_argument("--top", type=int, default=40)
args = parser.parse_args()

os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-queue-not-a-secret")
os.environ.setdefault("QIHU_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
if args.app == "qihu":
    sys.path.insert(0, str(HERE.parents[1]))
    os.environ["DJANGO_SETTINGS_MODULE"] = "qihu.settings"
    path = "/api/v1/queue/"
else:
    sys.path.insert(0, str(HERE))
    os.environ["DJANGO_SETTINGS_MODULE"] = "reference.settings"
    path = "/tickets/"

import django  # noqa: E402

django.setup()
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

client = Client(HTTP_AUTHORIZATION=f"Token {args.token}")
paths = [path]
while len(paths) < args.pages + 1:
    body = client.get(paths[-1]).json()
    if not body["next"]:
        break
    parts = urlsplit(body["next"])
    paths.append(f"{parts.path}?{parts.query}")
first, deep = paths[0], paths[1:]
with CaptureQueriesContext(connection) as queries:
    client.get(deep[-1])
print(f"{args.app}: {len(queries)} queries per page; {len(deep)} deep pages")


def run(targets):
    """Wall time and this process's CPU time (Python, without the database's) per page, in ms."""
    started, cpu = time.perf_counter(), time.process_time()
    for p in targets:
        response = client.get(p)
        assert response.status_code == 200
    n = len(targets)
    return (time.perf_counter() - started) / n * 1000, (time.process_time() - cpu) / n * 1000


for _ in range(args.repeat):
    (first_wall, first_cpu), (deep_wall, deep_cpu) = run([first] * 100), run(deep)
    print(
        f"  first page {first_wall:6.2f} ms (CPU here {first_cpu:5.2f})   "
        f"deep pages {deep_wall:6.2f} ms (CPU here {deep_cpu:5.2f})"
    )
if args.profile:
    profiler = cProfile.Profile()
    profiler.enable()
    run(deep)
    profiler.disable()
    if os.environ.get("PROFILE_OUT"):
        profiler.dump_stats(os.environ["PROFILE_OUT"])
    stats = pstats.Stats(profiler)
    stats.sort_stats(args.sort).print_stats(args.top)
