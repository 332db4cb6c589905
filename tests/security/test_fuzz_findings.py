"""What the API fuzz run found, pinned by plain tests so that it stays fixed."""

import pytest
from django.core.management import call_command

from tests.conftest import api


def test_the_schema_generates_without_warnings(tmp_path):
    """Name clashes between the tickets' and the problems' serializers made drf-spectacular merge them."""
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


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
