"""Security middleware: a Content-Security-Policy on every answer, a cap on request bodies, and a 400 (not a
500) for a page's invalid query.

Why our own CSP middleware and not the django-csp package: the policy is one constant header (no nonces,
no per-view decorators, no report endpoint), so twenty lines and no dependency do; Django 6.0 brings a
built-in one to move to later. The other security headers come from Django's SecurityMiddleware
(nosniff, Referrer-Policy, Cross-Origin-Opener-Policy, HSTS in production) and X-Frame-Options from
the clickjacking middleware.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .errors import InvalidInput

# The pages load their script (htmx) and style sheet from /static/ only: no inline script anywhere. The
# dashboard's bars set their width with an inline `style` attribute (a CSS variable), hence
# `style-src-attr 'unsafe-inline'`: style attributes cannot run script; <style> elements stay refused.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Sets CONTENT_SECURITY_POLICY unless the view set its own (the API docs page does)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def body_limit(content_type: str) -> int:
    """The largest body accepted: attachments' worth for multipart uploads, Django's limit for the rest."""
    if content_type.startswith("multipart/"):
        quota = settings.QIHU
        return quota["ATTACHMENT_MAX_FILES"] * quota["ATTACHMENT_MAX_BYTES"] + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class BodySizeLimitMiddleware:
    """A body larger than allowed is refused with 413 and a clear message before anything reads it.

    Without it a 10 MB JSON body was parsed whole by DRF (Django's own limit guards `request.body` and
    form parsing only), and an oversize form got Django's bare English "Bad Request (400)".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request.META.get("CONTENT_TYPE", ""))
        if length > limit:
            message = _("提交的内容过大（%(size)s），上限为 %(limit)s。") % {
                "size": _megabytes(length),
                "limit": _megabytes(limit),
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "too_large"}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class InvalidInputMiddleware:
    """A page's InvalidInput (a date out of range, too long a period) is a 400 with its message in plain text,
    as the 413 above, not a 500; in development too, where Django's own 400 would be its debug page. (The API
    answers it in its exception handler, as any DomainError.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, InvalidInput):
            return HttpResponse(str(exception.message), status=400, content_type="text/plain; charset=utf-8")
        return None


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
