"""Outbound HTTP for the adapters: one request, no redirects followed, a timeout, and (for addresses that
users type in, the webhooks') no loopback, private or otherwise internal address.

The SSRF guard resolves the host once, checks every address it resolves to, and then connects to the
address it checked: asking DNS again at connect time would let a name that resolved to a public address a
moment ago point at 127.0.0.1 now (DNS rebinding). TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit


class Refused(Exception):
    """The address may not be called (not http(s), or an internal address)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes


def internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, private, link-local, carrier-grade NAT, multicast, reserved, unspecified: not the internet."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def resolve(host: str, port: int, *, allow_internal: bool) -> str:
    """The address to connect to; refused if any address of the host is internal and that is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not allow_internal and any(internal(a) for a in addresses):
        raise Refused(f"{host} resolves to an internal address ({', '.join(sorted({str(a) for a in addresses}))})")
    return str(addresses[0])


class _Pinned(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def request(
    method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
    timeout: float = 10, allow_internal: bool = True,
) -> Response:  # fmt: skip
    """Send one request and read the answer (at most 64 KiB of it). OSError on network failures."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"not an http(s) address: {url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(parts.hostname, port, allow_internal=allow_internal)
    connection_class = _PinnedTLS if parts.scheme == "https" else _Pinned
    connection = connection_class(parts.hostname, port, address=address, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return Response(answer.status, answer.read(65536))
    except http.client.HTTPException as exc:
        raise OSError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
