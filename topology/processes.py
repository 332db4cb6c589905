"""Starting, waiting for and killing the topology's processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free on 127.0.0.1 now (held open together while chosen, so never the same)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def free_port() -> int:
    return free_ports(1)[0]


def wait_until(predicate: Callable[[], object], *, timeout: float = 30, interval: float = 0.1, what: str = ""):
    """Poll `predicate` until it returns something true; its value, or TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:  # a server still starting refuses connections: keep polling
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what or predicate} not ready within {timeout} s")
        time.sleep(interval)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def spawn(args: list[str], *, log: Path, env: dict | None = None, cwd: Path | None = None) -> subprocess.Popen:
    """Start `args` in its own session (a kill reaches it and its children only), output appended to `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, **(env or {})}, cwd=cwd or ROOT,
        )  # fmt: skip


def kill(process: subprocess.Popen | None, *, sig: int = signal.SIGKILL, timeout: float = 15) -> None:
    """Send `sig` to the process's session (SIGKILL: a crash, SIGTERM: a clean stop) and reap it."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
