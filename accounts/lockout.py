"""Account lockout: QIHU["LOCKOUT_FAILURES"] failed logins of one username (a wrong password or a wrong second
factor) within LOCKOUT_WINDOW lock that account for LOCKOUT_PERIOD, from every address. The login throttle
(common/throttling.py) counts per address; this counts per account, so that guesses spread over many addresses
still stop.

Counters live in the cache (Redis in production), as the throttle's, and fail open the same way: with the cache
down a login is judged on its password alone rather than refused for everyone. Why not django-axes: it resolves
the client's address its own way (django-ipware) where ours believes only QIHU_TRUSTED_PROXIES, and keeps its
records in tables of its own where the audit log already records every failure; a counter and a flag are enough.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.dispatch import receiver
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action, Result

logger = logging.getLogger(__name__)


def _key(username: str, what: str) -> str:
    # "throttle" in the name: the tests' Redis clean-up of the login counters finds these too
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"throttle_lockout_{what}_{name}"


def is_locked(username: str) -> bool:
    try:
        return bool(username) and cache.get(_key(username, "locked")) is not None
    except Exception:  # the cache's connection errors vary by backend
        logger.warning("lockout cache unavailable: login judged without the lockout", exc_info=True)
        return False


def failure_count(username: str) -> int:
    try:
        return cache.get(_key(username, "failures")) or 0
    except Exception:
        return 0


def login_failed(username: str, *, request=None) -> bool:
    """Count one failure of `username`; lock the account (and record it) at the limit. True when locked now."""
    policy = settings.QIHU
    try:
        counter = _key(username, "failures")
        cache.add(counter, 0, int(policy["LOCKOUT_WINDOW"].total_seconds()))
        failures = cache.incr(counter)
        if failures < policy["LOCKOUT_FAILURES"] or not cache.add(
            _key(username, "locked"), failures, int(policy["LOCKOUT_PERIOD"].total_seconds())
        ):
            return False
        cache.delete(counter)
    except Exception:
        logger.warning("lockout cache unavailable: failure not counted", exc_info=True)
        return False
    minutes = int(policy["LOCKOUT_PERIOD"].total_seconds() // 60)
    audit.record(Action.ACCOUNT_LOCKED, request=request, username=username[:150], result=Result.FAILURE,
                 details={"failures": failures, "minutes": minutes})  # fmt: skip
    return True


def unlock(username: str, *, request=None) -> None:
    """The security administrator's unlock (accounts/admin.py), recorded; also the reset after a good login."""
    cache.delete_many([_key(username, "locked"), _key(username, "failures")])
    if request is not None:
        audit.record(Action.ACCOUNT_UNLOCKED, request=request, object_type="accounts.user", object_repr=username)


def locked_message() -> str:
    minutes = int(settings.QIHU["LOCKOUT_PERIOD"].total_seconds() // 60)
    return _("登录失败次数过多，账号已锁定，请 %(minutes)d 分钟后再试或联系安全管理员解锁。") % {"minutes": minutes}


class LockoutModelBackend(ModelBackend):
    """Django's model backend, refusing a locked account before its password is even checked: PermissionDenied
    ends authenticate() (no other backend tried) and sends user_login_failed, which the audit log records."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username and is_locked(username):
            raise PermissionDenied(locked_message())
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        """A session's user, with its company and memberships in the one statement the API's tokens use
        (`accounts.authentication.read_user`): two round trips fewer on every page and form post."""
        if connection.vendor != "postgresql":
            return super().get_user(user_id)
        from .authentication import read_user  # it reads tickets.access: not at import time

        user = read_user(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


@receiver(user_login_failed, dispatch_uid="accounts.lockout.count_failure")
def _count_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    if username and not is_locked(username):
        login_failed(username, request=request)


def login_succeeded(username: str) -> None:
    """The whole login passed (password, and the second factor where one is due): the failures start again."""
    try:
        cache.delete(_key(username, "failures"))
    except Exception:
        logger.warning("lockout cache unavailable: failures not reset", exc_info=True)


@receiver(user_logged_in, dispatch_uid="accounts.lockout.reset_on_login")
def _reset_on_login(sender, request, user, **kwargs):
    from .otp import second_factor_due  # a password login still owing its second factor resets nothing yet

    if not second_factor_due(user):
        login_succeeded(user.get_username())
