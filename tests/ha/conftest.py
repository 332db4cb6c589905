"""Real distributed parts for the HA tests (issue 19), started from `topology/` on loopback ports."""

import shutil

import pytest

from common.replica import REPLICA
from common.storage import s3_storage
from topology.seaweedfs import temporary


@pytest.fixture(scope="session")
def seaweedfs():
    """One real SeaweedFS (master, volume server, filer, S3 gateway with an access key) for the session."""
    server = temporary().start()
    yield server
    server.stop()
    shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture
def s3_storage_in_use(settings, seaweedfs):
    """Attachments go to the SeaweedFS bucket, configured from the environment variables production sets."""
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(seaweedfs.environment())}
    return seaweedfs


@pytest.fixture(scope="module")
def pg_replica(django_db_setup, django_db_blocker):
    """A real streaming replica of the suite's PostgreSQL (pg_basebackup -R), known to Django as `replica`
    as DATABASE_REPLICA_URL would make it (qihu/settings.py), for the tests of one module: left configured, it
    would draw the lag-tolerant reads of every later test (a live server's thread may not use it)."""
    import os

    from django.db import connections

    from topology.postgres import start_replica

    node = start_replica(int(os.environ["QIHU_PG_PORT"]))
    primary = connections["default"].settings_dict
    connections.settings[REPLICA] = connections.configure_settings(
        {
            "default": primary,
            REPLICA: {**primary, "HOST": "127.0.0.1", "PORT": str(node.port), "TEST": {"MIRROR": "default"}},
        }
    )[REPLICA]
    yield node
    with django_db_blocker.unblock():
        connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]
    node.stop()
    shutil.rmtree(node.data.parent, ignore_errors=True)
