"""The benchmark's receiver, in its own process: a webhook endpoint that verifies every Standard Webhooks
signature and an SMS gateway stand-in that verifies every `SendSms` signature. It fails a share of the calls
(500, chosen at random) and counts, per webhook-id and per SMS `OutId`, the calls it answered with a 2xx.

Usage: receiver.py PORT WEBHOOK_SECRET SMS_SECRET (GET /stats → the counts; POST /fail?rate=0.3 sets the share).
"""

import base64
import hashlib
import hmac
import json
import random
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, quote, urlsplit

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

PORT, WEBHOOK_SECRET, SMS_SECRET = int(sys.argv[1]), sys.argv[2], sys.argv[3]
webhook = Webhook(WEBHOOK_SECRET)
lock = threading.Lock()
state = {"fail_rate": 0.0, "ok": Counter(), "calls": 0, "failed": 0, "bad_signature": 0}
chance = random.Random(17)


def sms_signature_ok(params: dict) -> bool:
    given = params.pop("Signature", "")
    encode = lambda text: quote(text, safe="-_.~")  # noqa: E731
    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
    digest = hmac.new(f"{SMS_SECRET}&".encode(), f"POST&%2F&{encode(query)}".encode(), hashlib.sha1).digest()
    return hmac.compare_digest(given, base64.b64encode(digest).decode())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status: int, body: bytes = b"{}") -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            stats = {**state, "ok": dict(state["ok"])}
        self.reply(200, json.dumps(stats).encode())

    def do_POST(self):
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path == "/fail":
            state["fail_rate"] = float(parse_qs(url.query)["rate"][0])
            return self.reply(200)
        if url.path == "/hooks":
            try:
                webhook.verify(body, dict(self.headers.items()))
            except WebhookVerificationError:
                with lock:
                    state["bad_signature"] += 1
                return self.reply(401)
            key = self.headers["webhook-id"]
        else:
            params = dict(parse_qsl(body.decode()))
            if not sms_signature_ok(params):
                with lock:
                    state["bad_signature"] += 1
                return self.reply(400, b'{"Code": "SignatureDoesNotMatch"}')
            key = "sms:" + params["OutId"]
        with lock:
            state["calls"] += 1
            fail = chance.random() < state["fail_rate"]
            if fail:
                state["failed"] += 1
            else:
                state["ok"][key] += 1
        if fail:
            return self.reply(500, b'{"Code": "ServiceUnavailable"}')
        self.reply(200, b'{"Code": "OK", "BizId": "1^0"}')

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
