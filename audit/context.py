"""The request being served (its user and source address), for records made where no request is at hand:
the signal receivers of configuration and membership changes. Set by AuditContextMiddleware."""

from contextvars import ContextVar

from common.throttling import client_address

_request = ContextVar("audit_request", default=None)


def current_request():
    return _request.get()


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def request_user_and_address(request) -> tuple[object | None, str]:
    if request is None:
        return None, ""
    user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    return user, client_address(request)
