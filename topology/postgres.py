"""PostgreSQL primaries and streaming replicas on loopback (pg_basebackup -R), promotion for a failover.

Runs as the system user PostgreSQL accepts (`postgres` when we are root, as scripts/with-services does).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .processes import free_port, wait_until


def pg_bin() -> Path:
    if os.environ.get("QIHU_PG_BIN"):
        return Path(os.environ["QIHU_PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    return Path(found[-1])


def os_user() -> str:
    """PostgreSQL refuses to run as root."""
    return os.environ.get("QIHU_PG_OS_USER") or ("postgres" if os.geteuid() == 0 else os.environ.get("USER", ""))


def _as_pg(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", os_user(), "--", *args]
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, os_user(), os_user())


@dataclass
class PostgresNode:
    """One server: its data directory, port and log."""

    name: str
    data: Path
    port: int

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.name}.log"

    @property
    def url(self) -> str:
        return f"postgres://qihu@127.0.0.1:{self.port}/qihu"

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = _as_pg([str(pg_bin() / "pg_ctl"), "-D", str(self.data), *args])
        if check and done.returncode:
            raise RuntimeError(f"pg_ctl {' '.join(args)} ({self.name}): {done.stderr}\n{self.log_tail()}")
        return done

    def start(self) -> PostgresNode:
        if not self.log.exists():
            self.log.touch()
            _own(self.log)
        self.pg_ctl("-l", str(self.log), "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("-m", "fast", "-w", "-t", "30", "stop", check=False)

    def kill(self) -> None:
        """The machine dies: SIGKILL to the postmaster, no shutdown checkpoint (its children follow)."""
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not _alive(pid), timeout=30, what=f"{self.name} to die")

    def promote(self) -> None:
        """The standby becomes a primary (pg_ctl promote waits until it takes writes)."""
        self.pg_ctl("-w", "-t", "60", "promote")

    def sql(self, statement: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [str(pg_bin() / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "qihu", "-d", database,
             "-AtX", "-v", "ON_ERROR_STOP=1", "-c", statement],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"{self.name}: {statement}: {done.stderr}")
        return done.stdout.strip()

    def ready(self) -> bool:
        return _as_pg([str(pg_bin() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode == 0

    def in_recovery(self) -> bool:
        return self.sql("SELECT pg_is_in_recovery()") == "t"

    def log_tail(self, size: int = 3000) -> str:
        try:
            return self.log.read_text()[-size:]
        except OSError:
            return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie whose parent has not reaped it yet is dead too
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _directory(parent: Path | None) -> Path:
    directory = Path(parent or tempfile.mkdtemp(prefix="qihu-pg."))
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    _own(directory)
    return directory


def init_primary(
    parent: Path | None = None, *, name: str = "primary", synchronous_standby_names: str = ""
) -> PostgresNode:
    """A new primary that streams to replicas (trust authentication on loopback only, as in tests)."""
    parent = _directory(parent)
    node = PostgresNode(name, parent / name, free_port())
    node.data.mkdir(mode=0o700)
    _own(node.data)
    done = _as_pg([str(pg_bin() / "initdb"), "-D", str(node.data), "-U", "qihu", "--auth=trust", "-E", "UTF8",
                   "--locale=C.UTF-8"])  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"initdb: {done.stderr}")
    _configure(node, "")
    node.start()
    node.sql("CREATE DATABASE qihu")
    if synchronous_standby_names:  # after CREATE DATABASE: with no standby yet, a commit would wait forever
        node.sql(f"ALTER SYSTEM SET synchronous_standby_names = '{synchronous_standby_names}'")
        node.sql("SELECT pg_reload_conf()")
    return node


def start_replica(primary_port: int, parent: Path | None = None, *, name: str = "replica") -> PostgresNode:
    """A hot standby of the primary on `primary_port`: a base backup (-R writes its primary_conninfo), its own
    replication slot so that the primary keeps the WAL it has not received, started and streaming."""
    parent = _directory(parent)
    node = PostgresNode(name, parent / name, free_port())
    done = _as_pg([
        str(pg_bin() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary_port), "-U", "qihu", "-D", str(node.data),
        "-R", "-X", "stream", "-c", "fast", "-C", "-S", f"{name}_{node.port}",
        "-d", f"host=127.0.0.1 port={primary_port} user=qihu application_name={name}",
    ])  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"pg_basebackup: {done.stderr}")
    # The primary's ALTER SYSTEM settings came with the backup: a promoted standby must not wait for a standby of
    # its own that does not exist.
    auto = node.data / "postgresql.auto.conf"
    kept = [line for line in auto.read_text().splitlines(keepends=True) if "synchronous_standby_names" not in line]
    auto.write_text("".join(kept))
    _configure(node, "hot_standby = on\nhot_standby_feedback = on\nsynchronous_standby_names = ''\n")
    node.start()
    wait_until(lambda: node.ready() and node.in_recovery(), timeout=60, what=f"{name} streaming")
    return node


def _configure(node: PostgresNode, extra: str) -> None:
    sockets = node.data.parent / f"{node.name}-sockets"
    sockets.mkdir(exist_ok=True)
    _own(sockets)
    with open(node.data / "postgresql.conf", "a") as conf:
        conf.write(
            f"\n# topology/postgres.py\nport = {node.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{sockets}'\nmax_connections = 200\nwal_level = replica\n"
            f"max_wal_senders = 10\nmax_replication_slots = 10\nwal_keep_size = '256MB'\n{extra}"
        )
