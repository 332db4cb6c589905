"""Open311 GeoReport v2 under /open311/v2/, JSON and XML, with the spec's fields and error arrays."""

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from common.throttling import PartnerThrottle
from partners.services import keys_revoke
from tickets.models import Source, Status, Ticket

from ..conftest import drive
from ..security.test_abuse_inputs import fresh_throttles  # noqa: F401 (a fixture: the counters in Redis, deleted)

BASE = "/open311/v2"
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip


@pytest.fixture
def api_key(key):
    return f"{key.key_id}:{key.secret}"


def post(client, api_key, world, fmt="json", **extra):
    data = {
        "api_key": api_key, "service_code": "energy", "description": "厂区变压器容量不足，需要增容。\n请尽快安排。",
        "attribute[credit_code]": world.company.credit_code, "first_name": "四", "last_name": "李",
        "phone": "13905701234", "address_string": "衢州市智造新城", **extra,
    }  # fmt: skip
    return client.post(f"{BASE}/requests.{fmt}", data)


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def test_services_are_the_active_categories(world, client):
    services = client.get(f"{BASE}/services.json").json()
    energy = next(s for s in services if s["service_code"] == "energy")
    assert set(energy) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert energy["service_name"] == "要素保障-用能" and energy["metadata"] is True and energy["type"] == "realtime"
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert {s.findtext("service_code") for s in root.iter("service")} == {s["service_code"] for s in services}
    assert root.find("service/metadata").text == "true"


def test_a_service_definition_names_the_company_attributes(world, client):
    definition = client.get(f"{BASE}/services/energy.json").json()
    assert definition["service_code"] == "energy"
    credit = definition["attributes"][0]
    assert (credit["code"], credit["required"], credit["datatype"], credit["order"]) == (
        "credit_code",
        True,
        "string",
        1,
    )
    root = xml(client.get(f"{BASE}/services/energy.xml"))
    assert root.tag == "service_definition" and root.find("attributes/attribute/code").text == "credit_code"
    missing = client.get(f"{BASE}/services/nothing.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_a_request_is_posted_and_read_back(world, client, api_key, partner):
    response = post(client, api_key, world)
    assert response.status_code == 201, response.content
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"} and created["account_id"] is None
    ticket = Ticket.objects.get()
    assert created["service_request_id"] == ticket.number
    assert ticket.source == Source.PARTNER and ticket.company == world.company and ticket.category == world.energy
    assert ticket.title == "厂区变压器容量不足，需要增容。" and "地点：衢州市智造新城" in ticket.description
    assert ticket.contact_name == "李四" and ticket.partner_work_order.partner == partner

    [one] = client.get(f"{BASE}/requests/{ticket.number}.json", {"api_key": api_key}).json()
    assert set(one) == REQUEST_FIELDS
    assert (one["status"], one["service_code"], one["service_name"]) == ("open", "energy", "要素保障-用能")
    assert one["requested_datetime"].endswith("+08:00")
    root = xml(client.get(f"{BASE}/requests/{ticket.number}.xml", {"api_key": api_key}))
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == ticket.number
    assert root.find("request/lat").text is None


def test_a_request_posted_as_xml_with_an_external_id_is_idempotent(world, client, api_key):
    first = xml(post(client, api_key, world, "xml", **{"attribute[external_id]": "HX-9"}))
    again = post(client, api_key, world, "xml", **{"attribute[external_id]": "HX-9"})
    assert again.status_code == 200
    assert first.find("request/service_request_id").text == xml(again).find("request/service_request_id").text
    assert first.find("request/account_id").text is None and Ticket.objects.count() == 1


def test_a_missing_or_bad_api_key_is_a_403_error_array(world, client, api_key, key, partner):
    response = post(client, "", world)
    [error] = response.json()
    assert response.status_code == 403 and error["code"] == 403 and "api_key" in error["description"]
    response = post(client, f"{key.key_id}:wrong", world, "xml")
    root = xml(response)
    assert response.status_code == 403 and root.tag == "errors" and root.find("error/code").text == "403"
    assert client.get(f"{BASE}/requests.json").status_code == 403  # enterprise requests are not public
    english = Client(headers={"Accept-Language": "en"}).get(f"{BASE}/requests.json", {"api_key": "x:y"})
    assert english.json()[0]["description"].startswith("Invalid api_key")
    keys_revoke(keys=partner.keys.all())
    assert post(client, api_key, world).status_code == 403
    assert Ticket.objects.count() == 0


def test_bad_posts_are_400_error_arrays(world, client, api_key):
    response = post(client, api_key, world, service_code="nothing")
    assert response.status_code == 400 and response.json()[0]["description"].startswith("service_code")
    response = post(client, api_key, world, **{"attribute[credit_code]": "123"})
    assert response.status_code == 400 and "统一社会信用代码" in response.json()[0]["description"]
    response = post(client, api_key, world, description="")
    assert response.status_code == 400 and response.json()[0]["code"] == 400
    assert client.put(f"{BASE}/requests.json").status_code == 405


def test_requests_are_filtered_as_the_spec_says(world, client, api_key, other_hotline):
    numbers = [post(client, api_key, world).json()[0]["service_request_id"] for _ in range(3)]
    closed = Ticket.objects.get(pk=numbers[0].split("-")[1])
    drive(world, closed, Status.CLOSED)
    theirs = f"{other_hotline.key.key_id}:{other_hotline.key.secret}"
    post(client, theirs, world)  # another partner's: never listed here

    def ids(**params):
        found = client.get(f"{BASE}/requests.json", {"api_key": api_key, **params})
        assert found.status_code == 200, found.content
        return {r["service_request_id"] for r in found.json()}

    assert ids() == set(numbers)
    assert ids(status="closed") == {numbers[0]} and ids(status="open") == set(numbers[1:])
    assert ids(status="open,closed") == set(numbers)
    assert ids(service_request_id=f"{numbers[1]},{numbers[2]}") == set(numbers[1:])
    assert ids(service_code="energy") == set(numbers) and ids(service_code="other") == set()
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert ids(start_date=later) == set() and ids(end_date=later) == set(numbers)
    assert ids(start_date="2010-01-01T00:00:00Z", end_date="2010-01-02T00:00:00Z") == set()
    [done] = client.get(f"{BASE}/requests/{numbers[0]}.json", {"api_key": api_key}).json()
    assert done["status"] == "closed" and done["status_notes"] == "已安排上门勘察。"
    assert done["agency_responsible"] == world.lead.name
    root = xml(client.get(f"{BASE}/requests.xml", {"api_key": api_key, "status": "open"}))
    assert {r.findtext("service_request_id") for r in root.iter("request")} == set(numbers[1:])
    bad = client.get(f"{BASE}/requests.json", {"api_key": api_key, "status": "pending"})
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    bad = client.get(f"{BASE}/requests.xml", {"api_key": api_key, "start_date": "yesterday"})
    assert bad.status_code == 400 and xml(bad).find("error/description").text.startswith("start_date")
    assert client.get(f"{BASE}/requests/{numbers[0]}.json", {"api_key": theirs}).status_code == 404


def test_a_nul_character_is_a_4xx_not_a_database_error(world, client, api_key, key):
    assert post(client, f"{key.key_id}\x00:x", world).status_code == 403
    bad = client.get(f"{BASE}/requests.json", {"api_key": api_key, "service_code": "a\x00b"})
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    assert post(client, api_key, world, **{"attribute[external_id]": "a\x00"}).status_code == 400


@pytest.mark.usefixtures("fresh_throttles")
def test_a_partner_filing_too_fast_gets_the_specs_error_array_with_429(world, client, api_key, monkeypatch):
    monkeypatch.setitem(PartnerThrottle.THROTTLE_RATES, "partner", "1/min")
    assert post(client, api_key, world).status_code == 201
    refused = post(client, api_key, world)
    [error] = refused.json()
    assert refused.status_code == 429 and error["code"] == 429 and "请求过于频繁" in error["description"]
    assert int(refused["Retry-After"]) >= 1 and Ticket.objects.count() == 1
    assert client.get(f"{BASE}/requests.json", {"api_key": api_key}).status_code == 200
