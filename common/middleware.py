"""Security middleware: a Content-Security-Policy on every answer.

Why our own CSP middleware and not the django-csp package: the policy is one constant header (no nonces,
no per-view decorators, no report endpoint), so twenty lines and no dependency do; Django 6.0 brings a
built-in one to move to later. The other security headers come from Django's SecurityMiddleware
(nosniff, Referrer-Policy, Cross-Origin-Opener-Policy, HSTS in production) and X-Frame-Options from
the clickjacking middleware.
"""

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
