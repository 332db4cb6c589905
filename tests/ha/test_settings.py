"""The HA parts are configured from the environment alone (qihu/settings.py), as a deployment sets them."""

import json
import os
import subprocess
import sys

from ..conftest import ROOT

READ = """
import json
from django.conf import settings
from qihu.celery import app
print(json.dumps({
    "default": settings.DATABASES["default"], "replica": settings.DATABASES.get("replica"),
    "storage": settings.STORAGES["default"]["BACKEND"], "cache": settings.CACHES["default"],
    "broker": app.conf.broker_url, "transport": app.conf.broker_transport_options,
    "beat": getattr(settings, "CELERY_BEAT_SCHEDULER", None),
    "redbeat": getattr(settings, "CELERY_REDBEAT_REDIS_OPTIONS", None),
}, default=str))
"""


def settings_with(**environment) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qihu.settings", **environment}
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{READ}"], cwd=ROOT, env=env, capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_a_deployment_with_a_replica_sentinels_and_a_bucket():
    read = settings_with(
        DATABASE_URL="postgres://qihu@db1:5432,db2:5432/qihu?target_session_attrs=read-write&connect_timeout=3",
        DATABASE_REPLICA_URL="postgres://qihu@db2:5432/qihu",
        QIHU_REDIS_SENTINELS="s1:26379,s2:26379,s3:26379", QIHU_REDIS_SENTINEL_MASTER="qihu",
        CELERY_BROKER_URL="", REDIS_URL="", QIHU_S3_BUCKET="attachments", QIHU_S3_ENDPOINT_URL="http://s3:8333",
    )  # fmt: skip
    default, replica = read["default"], read["replica"]
    assert (default["HOST"], default["PORT"]) == ("db1,db2", "5432,5432")  # libpq tries both: the primary wins
    assert default["OPTIONS"]["target_session_attrs"] == "read-write"
    assert (replica["HOST"], replica["TEST"]["MIRROR"]) == ("db2", "default")  # tests read the primary's test DB
    assert "target_session_attrs" not in replica["OPTIONS"]  # the replica is read from as a standby
    assert read["storage"] == "storages.backends.s3.S3Storage"
    assert read["cache"]["OPTIONS"]["SENTINELS"] == [["s1", 26379], ["s2", 26379], ["s3", 26379]]
    assert read["broker"] == "sentinel://s1:26379/0;sentinel://s2:26379/0;sentinel://s3:26379/0"
    assert read["transport"]["master_name"] == "qihu"
    assert read["beat"] == "redbeat.RedBeatScheduler" and read["redbeat"]["service_name"] == "qihu"


def test_behind_a_transaction_pooler_nothing_outlives_a_transaction():
    default = settings_with(QIHU_DB_TRANSACTION_POOLER="true")["default"]
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert default["OPTIONS"]["server_side_binding"] is False and default["OPTIONS"]["prepare_threshold"] is None
