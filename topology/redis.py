"""Redis with a replica and Sentinel on loopback: the master can die and a replica takes over.

`redis-server --sentinel` is Redis's own Sentinel (Debian's redis-sentinel package is the same binary).
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import redis

from .processes import free_ports, kill, spawn, wait_until


@dataclass
class RedisSentinel:
    directory: Path
    replicas: int = 1
    sentinels: int = 1  # three in production, on three machines (docs/operations.md)
    master_name: str = "qihu"
    down_after_ms: int = 1000
    servers: dict[int, subprocess.Popen] = field(default_factory=dict)  # port → redis-server
    sentinel_processes: dict[int, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self):
        self.directory = Path(self.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        ports = free_ports(1 + self.replicas + self.sentinels)
        self.server_ports = ports[: 1 + self.replicas]
        self.sentinel_ports = ports[1 + self.replicas :]

    def start(self) -> RedisSentinel:
        master, *replicas = self.server_ports
        self.start_server(master)
        for port in replicas:
            self.start_server(port, replica_of=master)
        wait_until(lambda: self._replicas_online(master) == len(replicas), timeout=30, what="Redis replicas")
        quorum = self.sentinels // 2 + 1
        for port in self.sentinel_ports:
            conf = self.directory / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.directory}\n"
                f"sentinel monitor {self.master_name} 127.0.0.1 {master} {quorum}\n"
                f"sentinel down-after-milliseconds {self.master_name} {self.down_after_ms}\n"
                f"sentinel failover-timeout {self.master_name} 10000\n"
                f"sentinel parallel-syncs {self.master_name} 1\n"
            )
            self.sentinel_processes[port] = spawn(
                ["redis-server", str(conf), "--sentinel"], log=self.directory / f"sentinel-{port}.log"
            )
        for port in self.sentinel_ports:
            wait_until(
                lambda port=port: len(self._sentinel(port).sentinel_slaves(self.master_name)) == len(replicas),
                timeout=30, what="Sentinel to see the replicas",
            )  # fmt: skip
        return self

    def start_server(self, port: int, *, replica_of: int | None = None) -> subprocess.Popen:
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.directory)]  # fmt: skip
        if replica_of:
            args += ["--replicaof", "127.0.0.1", str(replica_of)]
        self.servers[port] = spawn(args, log=self.directory / f"redis-{port}.log")
        wait_until(lambda: redis.Redis(port=port).ping(), timeout=30, what=f"Redis on {port}")
        return self.servers[port]

    def _sentinel(self, port: int) -> redis.Redis:
        return redis.Redis(port=port, socket_timeout=2, decode_responses=True)

    def _replicas_online(self, port: int) -> int:
        return redis.Redis(port=port, socket_timeout=2).info("replication")["connected_slaves"]

    def master_port(self) -> int:
        """The master the sentinels name now."""
        for port in self.sentinel_ports:
            try:
                return int(self._sentinel(port).sentinel_get_master_addr_by_name(self.master_name)[1])
            except redis.RedisError:
                continue
        raise RuntimeError("no sentinel answers")

    def kill_master(self) -> int:
        """SIGKILL the current master (its machine dies); its port."""
        port = self.master_port()
        kill(self.servers.pop(port))
        return port

    def wait_for_failover(self, old_port: int, timeout: float = 60) -> int:
        """The port of the replica the sentinels promoted, once it takes writes."""
        new = wait_until(lambda: (p := self.master_port()) != old_port and p, timeout=timeout, what="failover")
        wait_until(lambda: redis.Redis(port=new).info("replication")["role"] == "master", timeout=timeout)
        return new

    def rejoin(self, port: int) -> None:
        """The dead master's machine comes back: as a replica of the new master (Sentinel would say so too)."""
        self.start_server(port, replica_of=self.master_port())

    @property
    def sentinel_addresses(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def environment(self) -> dict[str, str]:
        """What qihu/settings.py reads to reach Redis through the sentinels (broker and cache)."""
        return {"QIHU_REDIS_SENTINELS": self.sentinel_addresses, "QIHU_REDIS_SENTINEL_MASTER": self.master_name}

    def stop(self) -> None:
        for process in [*self.sentinel_processes.values(), *self.servers.values()]:
            kill(process)


def temporary(**options) -> RedisSentinel:
    return RedisSentinel(Path(tempfile.mkdtemp(prefix="qihu-redis.")), **options)
