"""A partner system with a key, and a client that signs its requests as docs/integrations.md says."""

import json
import time

import pytest
from django.test import Client
from django.test.client import encode_multipart

from partners.services import key_issue, partner_create
from partners.signing import signed_headers

BOUNDARY = "qihu-test-boundary"


class PartnerClient:
    """Real HTTP requests through Django's test client, signed with `key` (at `now` unless told)."""

    def __init__(self, key, *, language: str = ""):
        self.key = key
        self.client = Client(headers={"Accept-Language": language} if language else {})

    def send(self, method: str, target: str, body: bytes = b"", content_type: str = "", *, at=None, **headers):
        signed = signed_headers(self.key.key_id, self.key.secret, method, target, body, int(at or time.time()))
        send = getattr(self.client, method.lower())
        if method == "GET":
            return send(target, headers={**signed, **headers})
        return send(target, data=body, content_type=content_type, headers={**signed, **headers})

    def post_json(self, target: str, data: dict, **kwargs):
        body = json.dumps(data, ensure_ascii=False).encode()
        return self.send("POST", target, body, "application/json", **kwargs)

    def post_multipart(self, target: str, data: dict, **kwargs):
        body = encode_multipart(BOUNDARY, data)
        return self.send("POST", target, body, f"multipart/form-data; boundary={BOUNDARY}", **kwargs)

    def get(self, target: str, **kwargs):
        return self.send("GET", target, **kwargs)


@pytest.fixture
def partner(db):
    return partner_create(name="12345 热线平台", code="hotline12345")


@pytest.fixture
def key(partner):
    return key_issue(partner=partner)


@pytest.fixture
def hotline(key):
    return PartnerClient(key)


@pytest.fixture
def other_hotline(db):
    other = partner_create(name="浙里办", code="zlb")
    return PartnerClient(key_issue(partner=other))


def order(world, external_id: str = "RX-1", **fields) -> dict:
    return {
        "external_id": external_id,
        "credit_code": world.company.credit_code,
        "title": "新厂房投产急需电力增容",
        "description": "新厂房下月投产，现有变压器容量不足，需要新增变压器并尽快完成用电报装。",
        **fields,
    }
