"""API tokens (DRF's authtoken, one per user): the rules of their life, in one place.

A token is good for QIHU["TOKEN_TTL"] from its issue; the next login after that issues a new one. It dies
sooner when the user's password changes (accounts.models.User.save), at the web logout (the signal below) and at
`POST /api/v1/auth/logout/`: a token taken with a password must not outlive the password or the session.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.authtoken.models import Token


def _issued_too_long_ago():
    """Tokens issued at or before this instant have expired."""
    return timezone.now() - settings.QIHU["TOKEN_TTL"]


def token_expired(token) -> bool:
    return token.created <= _issued_too_long_ago()


def token_issue(*, user) -> Token:
    """The user's token, a new one when theirs has expired (deleted first, so that two logins at once still
    share one: get_or_create settles that race)."""
    Token.objects.filter(user=user, created__lte=_issued_too_long_ago()).delete()
    return Token.objects.get_or_create(user=user)[0]


def tokens_revoke(*, user) -> None:
    Token.objects.filter(user=user).delete()


@receiver(user_logged_out, dispatch_uid="accounts.tokens.revoke_at_logout")
def _revoke_at_logout(sender, request, user, **kwargs):
    if user is not None:  # logging out when not logged in
        tokens_revoke(user=user)
