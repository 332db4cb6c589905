"""Token authentication reads the user's memberships with the token (accounts.authentication): the same
standing as `access_for` reads by itself, the same refusals as DRF's TokenAuthentication."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tickets.access import access_for


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.parametrize(
    "persona", ["handler", "dept_head", "assist_handler", "dispatcher", "supervisor", "chain_leader", "company_user"]
)
def test_the_standing_read_with_the_token_is_the_one_read_alone(world, persona, monkeypatch):
    seen = {}
    from tickets.api import views

    real = views.access_for

    def spy(user):
        seen["access"] = real(user)
        return seen["access"]

    monkeypatch.setattr(views, "access_for", spy)
    assert token_client(world.people[persona]).get("/api/v1/queue/").status_code == 200
    user = type(world.people[persona]).objects.get(pk=world.people[persona].pk)  # fresh: nothing remembered
    assert seen["access"] == access_for(user)


def test_bad_and_inactive_tokens_are_refused_as_before(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/v1/queue/")
    assert (response.status_code, response.json()["detail"]) == (401, "认证令牌无效。")
    inactive = token_client(world.handler)
    world.handler.is_active = False
    world.handler.save()
    response = inactive.get("/api/v1/queue/", HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response.json()["detail"]) == (401, "User inactive or deleted.")


def test_the_token_lookup_gives_the_user_and_token_the_orm_reads(world):
    from django.forms.models import model_to_dict

    from accounts.authentication import TokenAuthentication

    stored = Token.objects.create(user=world.handler)
    user, token = TokenAuthentication().authenticate_credentials(stored.key)
    fresh = type(world.handler).objects.get(pk=world.handler.pk)
    assert (type(user), model_to_dict(user)) == (type(fresh), model_to_dict(fresh))
    assert (token.key, token.user_id, token.created, token.user) == (stored.key, fresh.pk, stored.created, user)
    assert not token._state.adding and not user._state.adding  # read from the database, as the ORM's would be
