"""Request signing of the partner API (docs/integrations.md, "合作系统接口").

The canonical string is four lines joined by "\n" (no trailing newline):

    METHOD            upper case: POST
    REQUEST TARGET    the path and query string as sent: /api/v1/partner/work-orders/?x=1
    TIMESTAMP         the X-Qihu-Timestamp header: Unix seconds
    BODY HASH         SHA-256 of the raw body bytes, lower-case hex (of b"" for a GET)

and X-Qihu-Signature is the lower-case hex HMAC-SHA256 of it (UTF-8) under the key's secret.
"""

import hashlib
import hmac

WINDOW_SECONDS = 300  # a timestamp further than this from the server's clock is refused


def canonical_string(method: str, target: str, timestamp: str, body: bytes) -> str:
    return "\n".join([method.upper(), target, timestamp, hashlib.sha256(body).hexdigest()])


def signature(secret: str, method: str, target: str, timestamp: str, body: bytes) -> str:
    message = canonical_string(method, target, timestamp, body).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(key_id: str, secret: str, method: str, target: str, body: bytes, timestamp: int) -> dict:
    """The three headers of a signed request (the client side: tests, the benchmark, the docs' example)."""
    stamp = str(timestamp)
    return {
        "X-Qihu-Key": key_id,
        "X-Qihu-Timestamp": stamp,
        "X-Qihu-Signature": signature(secret, method, target, stamp, body),
    }
