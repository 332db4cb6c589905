"""SMS through Alibaba Cloud's Short Message Service: the `SendSms` API (version 2017-05-25) with its RPC
signature (signature method HMAC-SHA1, version 1.0), as its "signature method" page describes:

1. every parameter but `Signature`, sorted by name, each name and value percent-encoded per RFC 3986 (only
   A-Z a-z 0-9 - _ . ~ left as they are; a space is %20), joined as `name=value` with `&`;
2. the string to sign is `METHOD&%2F&` followed by that query string percent-encoded once more;
3. the signature is base64(HMAC-SHA1(key = AccessKeySecret + "&", string to sign)), sent as `Signature`.

The message is a template registered with the provider (its code per event, QIHU_SMS_TEMPLATES) and the
template's parameters as JSON; the provider prefixes the registered signature (SignName, 【…】).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from ..models import OutgoingMessage
from ..outbox import Result
from .http import request

# Refusals a retry cannot change (the number, the template, the signature name); anything else (rate limits,
# the provider's own trouble) is retried with the back-off.
PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_PARAMETERS", "isv.PARAM_LENGTH_LIMIT",
    "isv.BLACK_KEY_CONTROL_LIMIT", "isv.DENY_IP_RANGE",
}  # fmt: skip
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"}


def percent_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def signature(params: dict[str, str], *, secret: str, method: str = "POST") -> str:
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class AliyunSms:
    def __init__(self, *, endpoint: str, access_key_id: str, access_key_secret: str, sign_name: str,
                 region: str, templates: dict[str, str], timeout: float = 10):  # fmt: skip
        self.endpoint, self.key_id, self.secret = endpoint, access_key_id, access_key_secret
        self.sign_name, self.region, self.templates, self.timeout = sign_name, region, templates, timeout

    def params(self, message: OutgoingMessage, *, now: datetime | None = None, nonce: str | None = None) -> dict:
        return {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": str(message.pk),  # the provider's receipts name our row
            "PhoneNumbers": message.address,
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.templates[message.template],
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }

    def send(self, message: OutgoingMessage) -> Result:
        if message.template not in self.templates:
            return Result(ok=False, permanent=True, error=f"no SMS template code for {message.template!r}")
        params = self.params(message)
        body = f"Signature={percent_encode(signature(params, secret=self.secret))}&{canonical_query(params)}"
        try:
            response = request("POST", self.endpoint, body=body.encode(), headers=FORM, timeout=self.timeout)
        except OSError as exc:
            return Result(ok=False, error=f"{type(exc).__name__}: {exc}")
        try:
            answer = json.loads(response.body)
        except ValueError:
            return Result(ok=False, status_code=response.status, error=f"HTTP {response.status}: not JSON")
        code = answer.get("Code", "")
        if code == "OK":
            return Result(ok=True, status_code=response.status, reference=answer.get("BizId", ""))
        return Result(
            ok=False, permanent=code in PERMANENT, status_code=response.status,
            error=f"{code}: {answer.get('Message', '')}",
        )  # fmt: skip
