"""Throttles that fail open: when the cache (Redis) is down, a request is served, not refused with a 500.

Throttling protects against abuse; losing it for the minutes Redis is away is better than losing every
company's request in that time (DESIGN.md §10: a ticket accepted while Redis is down is still routed).
"""

import logging

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

    def allow_request(self, request, view):
        return request.method != "POST" or super().allow_request(request, view)
