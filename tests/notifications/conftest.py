"""A real HTTP server on loopback, in a thread, for the outbound channels' tests: it keeps every request and
answers with what the test's `answer(request)` says (the webhook receiver, the SMS gateway, DingTalk)."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes


@dataclass
class LocalServer:
    url: str
    requests: list = field(default_factory=list)
    answer: object = None  # request → (status, body bytes)


class _Handler(BaseHTTPRequestHandler):
    def _handle(self):
        server: LocalServer = self.server.local
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
        status, body = server.answer(request)
        server.requests.append(request)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _handle

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def local_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.local = LocalServer(url=f"http://127.0.0.1:{httpd.server_address[1]}", answer=lambda request: (200, b"{}"))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.local
    httpd.shutdown()
    httpd.server_close()


def deliver_one(channel: str, item_id: int) -> str | None:
    """One row's delivery, as its task would run it: its new status, None if it was not due."""
    from notifications.services import deliver

    return deliver(channel=channel, item_ids=[item_id]).get(item_id)
