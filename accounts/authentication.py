"""Token authentication that reads the user's memberships with the token (one query per API request, not two)."""

from django.db import connection
from django.db.models import JSONField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from tickets.access import memberships_sql, remember_memberships


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's TokenAuthentication (same header, same tokens, same checks and errors); the query that finds the
    token and its user also brings the user's department memberships, which `tickets.access.access_for` needs
    on nearly every request and would otherwise read in a query of its own."""

    def authenticate_credentials(self, key):
        if connection.vendor != "postgresql":  # the SQL is PostgreSQL's (jsonb): elsewhere, DRF's plain lookup
            return super().authenticate_credentials(key)
        model = self.get_model()
        # The token's table is the query's base table: its alias is its name.
        memberships = RawSQL(memberships_sql(f'"{model._meta.db_table}"."user_id"'), (), output_field=JSONField())
        try:
            token = model.objects.select_related("user").annotate(memberships=memberships).get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_memberships(token.user, token.memberships)
        return token.user, token
