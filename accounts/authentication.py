"""A request's user in one prepared statement: the user, its company and its memberships (and, for an API
token, the token's creation time), for token and session logins alike."""

import json
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from common.rows import Join, Rows
from tickets.access import memberships_sql, remember_memberships

from .tokens import token_expired


@cache
def _user_statement(by_token: bool) -> tuple[str, Rows]:
    """The user (with its company, LEFT JOIN) of the token `%s` or of the id `%s`, then the token's creation time
    (NULL by id) and the user's memberships (jsonb).

    Written once per process: building and compiling the ORM's equivalent (a select_related over the tables and an
    annotation) cost 0.5-0.8 ms of CPU on every request, more than running it; the company (which a company's
    submit files for) and the memberships (which `tickets.access.access_for` reads on nearly every request) were
    two more round trips."""
    from rest_framework.authtoken.models import Token  # not at import time: it needs the apps ready

    from companies.models import Company

    rows = Rows(get_user_model(), (Join("company", Company),), where="", alias="u")
    if by_token:
        source, created = f'JOIN "{Token._meta.db_table}" t ON t.user_id = u.id WHERE t.key = %s', 't."created"'
    else:
        source, created = "WHERE u.id = %s", "NULL"
    return f"SELECT {rows.columns}, {created}, {memberships_sql('u.id')} FROM {rows.tables} {source}", rows


def read_user(*, token_key: str | None = None, user_id=None):
    """The user of an API token or a session's user id, as `select_related("company")` makes it, its memberships
    remembered for `access_for` and the token's creation time as `token_created`; None if there is none.
    PostgreSQL only (jsonb)."""
    sql, rows = _user_statement(token_key is not None)
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_key if token_key is not None else user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user = rows.make(row[:-2])
    created, memberships = row[-2:]
    user.token_created = created
    remember_memberships(user, json.loads(memberships) if isinstance(memberships, str) else memberships)
    return user


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's TokenAuthentication (same header, same tokens, same checks and errors) that also refuses an expired
    token (accounts/tokens.py); the query that finds the token and its user also brings the user's company and
    department memberships (`read_user`)."""

    def authenticate_credentials(self, key):
        user, token = self._token_and_user(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(_("认证令牌已过期，请重新登录以获取新令牌。"))
        return user, token

    def _token_and_user(self, key):
        if connection.vendor != "postgresql":  # the SQL is PostgreSQL's (jsonb): elsewhere, DRF's plain lookup
            return super().authenticate_credentials(key)
        user = read_user(token_key=key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = self.get_model().from_db(
            connection.alias, ["key", "user_id", "created"], [key, user.pk, user.token_created]
        )
        token.user = user
        return user, token
