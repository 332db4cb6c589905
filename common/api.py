"""API glue shared by every app: one error format for domain and framework errors."""

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
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


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend; a request with no parameter but the paginator's is not filtered at all.

    With no filter named, every filter is empty and the filter set returns the queryset unchanged, but building
    it (a deep copy of every filter, a form bound and validated) cost about a millisecond per list page.
    """

    def filter_queryset(self, request, queryset, view):
        paginator = getattr(view, "paginator", None)
        own = {getattr(paginator, name, None) for name in ("cursor_query_param", "page_size_query_param")}
        if all(name in own for name in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
