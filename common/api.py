"""API glue shared by every app: one error format for domain and framework errors."""

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def exception_handler(exc, context):
    """Domain errors become their HTTP status with `{"detail", "code"}`; a lost database is a 503."""
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), "code": exc.code}, status=exc.status_code)
    if isinstance(exc, (OperationalError, InterfaceError)):
        return Response(
            {"detail": _("服务暂时不可用，请稍后重试。"), "code": "unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    return drf_exception_handler(exc, context)


def api_not_found(request, exception=None):
    """Django's 404 for an unknown URL: JSON `{"detail","code"}` under /api/, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("接口不存在。"), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def api_server_error(request):
    """An unexpected error: JSON under /api/ (never a stack trace), the plain 500 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("服务器内部错误，请稍后重试。"), "code": "server_error"}, status=500)
    return defaults.server_error(request)
