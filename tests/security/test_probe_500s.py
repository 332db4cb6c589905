"""What the outside probe answered with 500 (issue 20, point 2), each pinned: a 400 (or 404) with a clear message
in the user's language, and nothing stored by the refused request."""

import shutil
import subprocess

import pytest

from lists.models import ListItem
from problems.models import Problem, ProblemStatus
from tests.conftest import api
from tickets.models import Status, Ticket

from .test_abuse_inputs import fresh_throttles  # noqa: F401 (a fixture: the token login counts attempts)


def deep(levels: int, inner: str = "1") -> str:
    return "[" * levels + inner + "]" * levels


@pytest.fixture
def english(settings, tmp_path):
    """English from locale/en/LC_MESSAGES/django.po as it stands: branches append to the .po by hand and the
    committed .mo is compiled when they merge, so these messages are checked against their source."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    compiled = tmp_path / "locale" / "en" / "LC_MESSAGES"
    compiled.mkdir(parents=True)
    source = settings.LOCALE_PATHS[0] / "en" / "LC_MESSAGES" / "django.po"
    subprocess.run([msgfmt, "--check", "-o", str(compiled / "django.mo"), str(source)], check=True)
    settings.LOCALE_PATHS = [tmp_path / "locale"]  # Django's test signals drop the loaded catalogues


# -- JSON nested too deeply ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        deep(50_000),
        '{"title": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}",
        '{"title": "用电增容", "description": "增容", "category": ' + deep(900) + "}",  # parses, then overflowed
    ],
    ids=["a-list-50000-deep", "objects-50000-deep-in-a-field", "a-list-900-deep-in-a-field"],
)
def test_a_json_body_nested_too_deep_is_a_400_and_files_nothing(world, body):
    response = api(world.company_user).post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套" in response.json()["detail"] and "32" in response.json()["detail"]
    assert not Ticket.objects.exists()


def test_the_depth_limit_applies_to_every_endpoint_the_token_login_included(world, make_ticket, fresh_throttles):  # noqa: F811
    ticket = make_ticket(Status.ACCEPTED)
    events = ticket.events.count()
    item = ListItem.objects.create(title="园区供电", chain=world.chain)
    problem = Problem.objects.create(title="园区停电", chain=world.chain)
    posts = [
        (api(), "/api/v1/auth/token/", "username"),  # no login needed, and DRF's view names its own parsers
        (api(world.handler), f"/api/v1/tickets/{ticket.pk}/comment/", "body"),
        (api(world.dispatcher), "/api/v1/lists/", "tickets"),
        (api(world.dispatcher), f"/api/v1/lists/{item.pk}/convert/", "owner"),
        (api(world.dispatcher), f"/api/v1/problems/{problem.pk}/merge/", "into"),
    ]
    for client, url, field in posts:
        for body in (deep(50_000), f'{{"{field}": {deep(900)}}}'):
            response = client.post(url, body, content_type="application/json")
            assert response.status_code == 400, (url, response.content[:200])
            assert "嵌套" in response.json()["detail"], url
    assert ticket.comments.count() == 0 and ticket.events.count() == events
    assert ListItem.objects.count() == 1 and item.events.count() == 0
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CANDIDATE and not problem.events.exists()


def test_32_levels_are_read_and_33_refused_in_english_too(world, english):
    client = api(world.company_user)
    at_limit = client.post("/api/v1/tickets/", f'{{"title": {deep(31)}}}', content_type="application/json")
    assert at_limit.status_code == 400 and "title" in at_limit.json()  # the field's own error: parsed
    over = client.post(
        "/api/v1/tickets/", f'{{"title": {deep(32)}}}', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert over.status_code == 400 and "nested too deeply" in over.json()["detail"]
    assert not Ticket.objects.exists()
