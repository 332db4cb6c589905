"""Run a command with a streaming replica of scripts/with-services' PostgreSQL (`scripts/with-replica CMD`).

The command sees, on top of with-services' variables:
  DATABASE_URL          both servers, target_session_attrs=read-write: libpq connects to whichever is the
                        primary, so the same address still works after the replica is promoted
  DATABASE_REPLICA_URL  the replica, for the lag-tolerant reads (common/replica.py)
  QIHU_PG_REPLICA_DATA, QIHU_PG_REPLICA_PORT
QIHU_PG_SYNCHRONOUS=1 makes the replication synchronous (a commit returns once the replica has it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .postgres import PostgresNode, start_replica


def make_synchronous(primary: PostgresNode, standby: str = "replica") -> None:
    """Commits wait for the standby; ALTER DATABASE outranks with-services' `-c synchronous_commit=off`."""
    primary.sql(f"ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ({standby})'")
    primary.sql("SELECT pg_reload_conf()")
    primary.sql("ALTER DATABASE qihu SET synchronous_commit = on")


def main(command: list[str]) -> int:
    primary_port = int(os.environ["QIHU_PG_PORT"])
    primary = PostgresNode("primary", Path(os.environ["QIHU_PG_DATA"]), primary_port)
    replica = start_replica(primary_port, Path(os.environ["QIHU_SERVICES_DIR"]) / "replica")
    try:
        if os.environ.get("QIHU_PG_SYNCHRONOUS") == "1":
            make_synchronous(primary)
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://qihu@127.0.0.1:{primary_port},127.0.0.1:{replica.port}/qihu"
            "?target_session_attrs=read-write",
            "DATABASE_REPLICA_URL": replica.url,
            "QIHU_PG_REPLICA_DATA": str(replica.data),
            "QIHU_PG_REPLICA_PORT": str(replica.port),
        }
        print(f"with-replica: streaming replica on 127.0.0.1:{replica.port}", file=sys.stderr)
        return subprocess.run(command, env=env).returncode
    finally:
        replica.stop()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} CMD ARGS...")
    sys.exit(main(sys.argv[1:]))
