"""Token authentication in one prepared statement: the token, its user and the user's memberships."""

import json
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from tickets.access import memberships_sql, remember_memberships

from .tokens import token_expired


@cache
def token_user_sql() -> str:
    """The user of the token `%s`, with the token's creation time and the user's memberships (jsonb).

    Written once per process: building and compiling the ORM's equivalent (a select_related over both tables
    and an annotation) cost 0.5-0.8 ms of CPU on every API request, more than running it."""
    from rest_framework.authtoken.models import Token  # not at import time: it needs the apps ready

    token, user = Token._meta, get_user_model()._meta
    columns = ", ".join(f'u."{field.column}"' for field in user.concrete_fields)
    return (
        f'SELECT {columns}, t."created" AS token_created, {memberships_sql("u.id")} AS token_memberships '
        f'FROM "{token.db_table}" t JOIN "{user.db_table}" u ON u.id = t.user_id WHERE t.key = %s'
    )


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's TokenAuthentication (same header, same tokens, same checks and errors) that also refuses an expired
    token (accounts/tokens.py); the query that finds the token and its user also brings the user's department
    memberships, which `tickets.access.access_for` needs on nearly every request and would otherwise read in a
    query of its own."""

    def authenticate_credentials(self, key):
        user, token = self._token_and_user(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(_("认证令牌已过期，请重新登录以获取新令牌。"))
        return user, token

    def _token_and_user(self, key):
        if connection.vendor != "postgresql":  # the SQL is PostgreSQL's (jsonb): elsewhere, DRF's plain lookup
            return super().authenticate_credentials(key)
        # A raw queryset: the user's columns through the fields' own converters, the rest as attributes.
        user = next(iter(get_user_model().objects.raw(token_user_sql(), [key])), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_memberships(user, json.loads(user.token_memberships))
        token = self.get_model().from_db(
            connection.alias, ["key", "user_id", "created"], [key, user.pk, user.token_created]
        )
        token.user = user
        return user, token
