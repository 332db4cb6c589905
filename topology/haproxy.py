"""HAProxy (Debian's) in front of the web nodes: health-checked on /readyz, a dead node taken out in about
two seconds, a request whose connection was refused sent to the other node (never one already sent: a POST
is not repeated by the proxy; clients retry with their Idempotency-Key)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .processes import free_port, port_open, spawn, wait_until

CONFIG = """global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch
    retry-on conn-failure
    option forwardfor

frontend qihu
    bind 127.0.0.1:{port}
    default_backend web

backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
{servers}
"""


def config(port: int, web_ports: list[int]) -> str:
    servers = "\n".join(f"    server web{n} 127.0.0.1:{p} check" for n, p in enumerate(web_ports, 1))
    return CONFIG.format(port=port, servers=servers)


def start(directory: Path, web_ports: list[int]) -> tuple[subprocess.Popen, int]:
    """HAProxy on a free port in front of `web_ports`; the process and its port."""
    if not shutil.which("haproxy"):
        raise RuntimeError("HAProxy is not installed: apt-get install haproxy (make chaos installs it)")
    port = free_port()
    path = Path(directory) / "haproxy.cfg"
    path.write_text(config(port, web_ports))
    process = spawn(["haproxy", "-db", "-f", str(path)], log=Path(directory) / "haproxy.log")
    wait_until(lambda: port_open(port), timeout=30, what="HAProxy")
    return process, port
