"""Real distributed parts for the HA tests (issue 19), started from `topology/` on loopback ports."""

import pytest

from common.storage import s3_storage
from topology.seaweedfs import temporary


@pytest.fixture(scope="session")
def seaweedfs():
    """One real SeaweedFS (master, volume server, filer, S3 gateway with an access key) for the session."""
    server = temporary().start()
    yield server
    server.stop()


@pytest.fixture
def s3_storage_in_use(settings, seaweedfs):
    """Attachments go to the SeaweedFS bucket, configured from the environment variables production sets."""
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(seaweedfs.environment())}
    return seaweedfs
