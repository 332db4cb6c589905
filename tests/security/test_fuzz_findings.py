"""What the API fuzz run found, pinned by plain tests so that it stays fixed."""

import json

import pytest
from django.core.management import call_command

from problems.models import Problem
from tests.conftest import api
from tickets.models import Status, Ticket


def test_the_schema_generates_without_warnings(tmp_path):
    """Name clashes between the tickets' and the problems' serializers made drf-spectacular merge them."""
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


@pytest.mark.parametrize("field", ["lead", "assisting", "category"])
def test_a_code_with_a_nul_character_is_invalid_input(world, make_ticket, field):
    ticket = make_ticket(Status.PENDING_DISPATCH)
    body = {"lead": "gongdian", field: ["gong\x00dian"] if field == "assisting" else "gong\x00dian"}
    response = api(world.dispatcher).post(f"/api/v1/tickets/{ticket.pk}/dispatch/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH


def test_a_nul_character_in_the_category_or_idempotency_key_of_a_new_request_is_refused(world):
    client = api(world.company_user)
    body = {"title": "电力增容", "description": "需要增容。", "category": "ener\x00gy"}
    assert client.post("/api/v1/tickets/", body, format="json").status_code == 400
    body.pop("category")
    response = client.post("/api/v1/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="a\x00b")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not Ticket.objects.exists()


def test_a_nul_character_in_a_problem_owner_is_invalid_input(world):
    problem = Problem.objects.create(title="园区停电", chain=world.chain)
    body = {"owner_kind": "department", "owner_department": "gong\x00dian", "due_date": "2030-01-01"}
    response = api(world.dispatcher).post(f"/api/v1/problems/{problem.pk}/confirm/", body, format="json")
    assert response.status_code == 400 and "owner_department" in response.json()


@pytest.mark.parametrize("url", ["/api/v1/tickets/", "/api/v1/queue/", "/api/v1/problems/"])
def test_a_malformed_page_size_is_refused_and_a_large_one_is_cut(world, make_ticket, url):
    make_ticket()
    client = api(world.supervisor)
    for bad in ("false", "0", "-1", "1.5", "１"):
        response = client.get(url, {"page_size": bad})
        assert response.status_code == 400, (bad, response.content)
        assert "page_size" in response.json()
    assert client.get(url, {"page_size": "1000"}).status_code == 200


def test_an_unknown_api_url_answers_json_and_a_page_url_html(world):
    response = api(world.company_user).get("/api/v1/tickets/abc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    page = api(world.company_user).get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_an_empty_code_that_may_be_null_is_no_object_and_the_schema_says_so(world, tmp_path):
    """A form-encoded `category=` is read as no category (DRF's rule for related fields): the fuzz run took the
    201 for a schema violation while the schema said a code has at least one character."""
    response = api(world.company_user).post(
        "/api/v1/tickets/", {"title": "电力增容", "description": "需要增容。", "category": ""}
    )
    assert response.status_code == 201, response.content
    assert Ticket.objects.get(pk=response.json()["id"]).category_id is None
    call_command("spectacular", "--format", "openapi-json", "--file", str(tmp_path / "schema.json"))
    schemas = json.loads((tmp_path / "schema.json").read_text())["components"]["schemas"]
    for component, field in [("TicketCreateInputRequest", "category"), ("ListItemConvertInputRequest", "chain")]:
        assert "minLength" not in schemas[component]["properties"][field], component
    assert schemas["ListItemConvertInputRequest"]["properties"]["owner"]["minLength"] == 1  # not nullable: not empty
