"""Throttles that fail open: when the cache (Redis) is down, a request is served, not refused with a 500.

Throttling protects against abuse; losing it for the minutes Redis is away is better than losing every
company's request in that time (DESIGN.md §10: a ticket accepted while Redis is down is still routed).
"""

import logging
import math
from functools import wraps

from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class FailOpenMixin:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend's connection errors vary by backend
            logger.warning("throttle cache unavailable: request allowed without throttling", exc_info=True)
            return True


class LoginThrottle(FailOpenMixin, ScopedRateThrottle):
    """Per client address, on the token login."""


class SubmitThrottle(FailOpenMixin, UserRateThrottle):
    """Per user, on filing requests only (reads are not throttled)."""

    scope = "submit"
    methods = ("POST",)  # what it counts; the API schema documents a 429 on these only

    def allow_request(self, request, view):
        return request.method not in self.methods or super().allow_request(request, view)


def throttled_answer(wait: float | None) -> tuple[str, int]:
    """The message and the whole seconds to wait (Retry-After) of a throttled request, API or page."""
    seconds = max(1, math.ceil(wait or 1))
    return _("请求过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": seconds}, seconds


def throttle_posts(throttle_class: type, scope: str):
    """The API's throttles on a page's form posts (the web login, the request form): over the rate, a 429
    page in Chinese with Retry-After; the same rates, the same counters per address or user, fail-open too."""

    class Page:  # what a scoped throttle reads from a view
        throttle_scope = scope

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                throttle = throttle_class()
                throttle.scope = scope
                if not throttle.allow_request(request, Page):
                    message, wait = throttled_answer(throttle.wait())
                    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
