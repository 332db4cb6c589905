"""Throttles that fail open: when the cache (Redis) is down, a request is served, not refused with a 500.

Throttling protects against abuse; losing it for the minutes Redis is away is better than losing every
company's request in that time (DESIGN.md §10: a ticket accepted while Redis is down is still routed).
"""

import ipaddress
import logging
import math
import time
from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class FailOpenMixin:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend's connection errors vary by backend
            logger.warning("throttle cache unavailable: request allowed without throttling", exc_info=True)
            return True


def _trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    ip = getattr(ip, "ipv4_mapped", None) or ip  # ::ffff:10.0.0.1 is 10.0.0.1 (a dual-stack socket)
    return any(ip in network for network in settings.QIHU["TRUSTED_PROXIES"])


def client_address(request) -> str:
    """The address the request came from. X-Forwarded-For is read only when REMOTE_ADDR is a trusted proxy
    (QIHU_TRUSTED_PROXIES), and then from the right: each proxy appends the address it saw, so the right-most
    one that is not a trusted proxy is the client; whatever is left of it the client may have written."""
    address = request.META.get("REMOTE_ADDR", "")
    if not _trusted_proxy(address):
        return address
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        if hop.strip():
            address = hop.strip()
            if not _trusted_proxy(address):
                break
    return address


# A hit counted in its window, atomically (a script runs alone): the window starts with the key's first hit and
# ends with the key; the answer is this hit's number and the seconds the window has left.
_COUNT_IN_WINDOW = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
return {redis.call('INCR', KEYS[1]), redis.call('TTL', KEYS[1])}
"""


def _window_script(cache):
    """`_COUNT_IN_WINDOW` registered with the redis-py client under Django's Redis cache or django-redis's (the
    Sentinel set-up), kept on the cache (one per thread; a client per call would build its ~170 reply handlers
    each time); None for another backend (the embedded default's file cache)."""
    script = getattr(cache, "_qihu_window_script", None)
    if script is None:
        # (`cache` may be Django's proxy to this thread's backend: attributes, not isinstance.)
        if hasattr(getattr(cache, "_cache", None), "get_client"):  # Django's RedisCache
            client = cache._cache.get_client(write=True)
        elif hasattr(getattr(cache, "client", None), "get_client"):  # django-redis
            client = cache.client.get_client(write=True)
        else:
            return None
        script = cache._qihu_window_script = client.register_script(_COUNT_IN_WINDOW)
    return script


def count_in_window(cache, key: str, period: int) -> tuple[int, float]:
    """Count a hit in `key`'s window (started by its first hit, lasting `period` seconds): (this hit's number,
    seconds left in the window). Atomic, so parallel hits each get their own number; on Redis one round trip (a
    script: the window cannot expire between starting and counting it)."""
    script = _window_script(cache)
    if script is not None:
        hits, left = script(keys=[cache.make_and_validate_key(key)], args=[period])
        return hits, max(left, 1)
    now = time.time()
    start = cache.get_or_set(f"{key}:start", now, period)  # the first to add it starts the window
    counter = f"{key}:{start:.6f}"  # a new window counts from nought, whatever the old counter's expiry
    cache.add(counter, 0, period)
    return cache.incr(counter), start + period - now


class _WindowCounter(SimpleRateThrottle):
    """A counter per client and window (`count_in_window`), not DRF's list of past requests: reading the list,
    adding to it and writing it back lets parallel requests all read the same short list and all pass, takes two
    round trips, and carries the whole list both ways on each. A window starts at a client's first request and
    lasts the rate's period; the client is `ident`."""

    def ident(self, request) -> str:
        return client_address(request)

    def allow_request(self, request, view):
        if self.rate is None:  # as DRF's: no rate, no limit
            return True
        key = self.cache_format % {"scope": self.scope, "ident": self.ident(request)}
        hits, self.remaining = count_in_window(self.cache, key, self.duration)
        return hits <= self.num_requests

    def wait(self):
        return self.remaining


class LoginThrottle(FailOpenMixin, _WindowCounter):
    """Per client address, on every login: the API's token, the web's and the admin's (the same counters). The
    mixin comes first so that its fail-open wraps the counting (defined on the class itself, the counting had
    bypassed it: the web login was a 500 with Redis down)."""

    scope = "login"


class _PostCounter(_WindowCounter):
    """Counts what a client files (POST); its reads are not throttled."""

    methods = ("POST",)  # what it counts; the API schema documents a 429 on these only

    def allow_request(self, request, view):
        return request.method not in self.methods or super().allow_request(request, view)


class SubmitThrottle(FailOpenMixin, _PostCounter):
    """Per user (per address for no user), on filing requests."""

    scope = "submit"

    def ident(self, request) -> str:
        user = getattr(request, "user", None)
        return str(user.pk) if user is not None and user.is_authenticated else client_address(request)


class PartnerThrottle(FailOpenMixin, _PostCounter):
    """Per partner system (the signed API and Open311), on what it files and adds: a partner's runaway loop cannot
    flood the departments' queues. Needs the partner's key as `request.auth`."""

    scope = "partner"

    def ident(self, request) -> str:
        return str(request.auth.partner_id)


def throttled_answer(wait: float | None) -> tuple[str, int]:
    """The message and the whole seconds to wait (Retry-After) of a throttled request, API or page."""
    seconds = max(1, math.ceil(wait or 1))
    return _("请求过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": seconds}, seconds


def throttled(throttle_class: type, request) -> tuple[str, int] | None:
    """For a view outside DRF: None when the throttle lets the request through, else its message and wait."""
    throttle = throttle_class()
    return None if throttle.allow_request(request, None) else throttled_answer(throttle.wait())


def throttle_posts(throttle_class: type):
    """The API's throttles on a page's form posts (the web and admin logins, the request form): over the rate,
    a 429 page in Chinese with Retry-After; the same rates, the same counters per address or user, fail-open too."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and (refused := throttled(throttle_class, request)):
                message, wait = refused
                response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
