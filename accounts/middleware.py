"""The web session's rules, after the password login (issue 18, item 1):

1. a session ends after QIHU["SESSION_IDLE"] without a request and QIHU["SESSION_MAX"] after its login, on the
   server (the session is flushed, the end recorded), whatever the cookie says;
2. a user who owes a second factor (accounts/otp.py) reaches nothing but its pages until it is given;
3. an official whose password is older than QIHU["PASSWORD_MAX_AGE"] reaches nothing but the change page.

Steps 2 and 3 are judged at the login (the answers kept in the session, written by the login anyway), so that a
page costs no query for them; the API's token requests carry no session: the token login asked for the second
factor itself (accounts/api.py).
"""

import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import Action

from .access import is_government_account
from .otp import confirmed_device, second_factor_due

LOGIN_AT, SEEN_AT = "qihu_login_at", "qihu_seen_at"
FACTOR_OK, PASSWORD_OK = "qihu_factor_ok", "qihu_password_ok"
OPEN_PATHS = ("/static/", "/i18n/", "/healthz", "/logout/", "/admin/logout/")


def mark_factor_given(request) -> None:
    request.session[FACTOR_OK] = True


def mark_password_fresh(request) -> None:
    request.session[PASSWORD_OK] = True


def password_expired(user) -> bool:
    max_age = settings.QIHU["PASSWORD_MAX_AGE"]
    return bool(max_age) and user.password_changed_at < timezone.now() - max_age and is_government_account(user)


@receiver(user_logged_in, dispatch_uid="accounts.middleware.start_session")
def _start_session(sender, request, user, **kwargs):
    """The session's clocks start, and what the user owes is judged once, at the login."""
    if request is None or not hasattr(request, "session"):
        return
    session, now = request.session, time.time()
    session[LOGIN_AT] = session[SEEN_AT] = now
    session[FACTOR_OK] = not second_factor_due(user)  # a factor owed is never given with the password
    session[PASSWORD_OK] = not password_expired(user)


class AccountPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and hasattr(request, "session"):
            if self._ended(request):
                request.user = AnonymousUser()
            elif (step := self._owed_step(request)) and not request.path.startswith((*OPEN_PATHS, reverse(step))):
                return self._send_to(request, step)  # only the owed step's own pages: the password page waits too
        return self.get_response(request)

    def _ended(self, request) -> bool:
        session, now = request.session, time.time()
        login_at, seen_at = session.setdefault(LOGIN_AT, now), session.get(SEEN_AT, now)
        idle, longest = (settings.QIHU[k].total_seconds() for k in ("SESSION_IDLE", "SESSION_MAX"))
        reason = "idle" if now - seen_at > idle else "absolute" if now - login_at > longest else ""
        if reason:
            audit.record(Action.SESSION_TIMEOUT, request=request, user=request.user,
                         details={"reason": reason, "idle_seconds": int(now - seen_at)})  # fmt: skip
            session.flush()
            return True
        if SEEN_AT not in session or now - seen_at > min(60, idle / 4):  # a write a minute, not one per request
            session[SEEN_AT] = now
        return False

    def _owed_step(self, request) -> str:
        session, user = request.session, request.user
        if not session.get(FACTOR_OK):  # owed at the login (or a session older than this rule)
            if second_factor_due(user) and not user.is_verified():
                return "account-otp-verify" if confirmed_device(user) else "account-otp-setup"
            mark_factor_given(request)
        if not session.get(PASSWORD_OK):
            if password_expired(user):
                return "account-password"
            mark_password_fresh(request)
        return ""

    def _send_to(self, request, step: str):
        if request.path.startswith("/api/"):
            message = _("请先在网页上完成双因素认证或修改过期的密码。")
            return JsonResponse({"detail": message, "code": "account_step_required"}, status=403)
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
