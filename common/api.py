"""API glue shared by every app: one error format for domain and framework errors."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import pagination, serializers, status
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError
from .throttling import throttled_answer


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
    if isinstance(exc, Throttled):
        message, wait = throttled_answer(exc.wait)
        return Response(
            {"detail": message, "code": "throttled"},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(wait)},
        )
    return drf_exception_handler(exc, context)


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination (no COUNT over the table) that refuses a malformed `page_size` with 400 and a forged
    cursor with 404.

    DRF falls back to the default page size on `page_size=abc` or `0`, hiding a client's mistake; a size
    above the maximum is still cut to the maximum, as documented.
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        digits = raw.lstrip("0")
        if not raw.isascii() or not raw.isdigit() or not digits:
            raise ValidationError({self.page_size_query_param: [_("每页条数须为正整数。")]})
        if len(digits) > len(str(self.max_page_size)):  # above it (and int() refuses over 4,300 digits: a 500)
            return self.max_page_size
        return min(int(digits), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, OverflowError):
            if self.cursor_query_param not in request.query_params:
                raise
            # A forged position its ordering field cannot hold (`abc` for a date; past a bigint in SQLite) fails
            # as the page's filter is built or run: an invalid cursor (404), as DRF answers a malformed one.
            raise NotFound(self.invalid_cursor_message) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = f"每页条数（1–{self.max_page_size}，更大按 {self.max_page_size}）"
        return parameters


def api_bad_request(request, exception=None):
    """Django's 400 (a SuspiciousOperation): too large a form → 413, in Chinese; JSON under /api/."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        message, code, status_code = _("提交的内容过大或字段过多，请精简后重试。"), "too_large", 413
    else:
        message, code, status_code = _("请求无效。"), "bad_request", 400
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": code}, status=status_code)
    return HttpResponse(message, status=status_code, content_type="text/plain; charset=utf-8")


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


class CodeField(serializers.SlugRelatedField):
    """An object by its code. A code with a NUL character is invalid input (400), not a database error.

    PostgreSQL text cannot hold NUL: DRF's CharField refuses it, its SlugRelatedField sends it to the
    database, which answered with a 500 (found by the API fuzz run).
    """

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class CodeFieldSchema(OpenApiSerializerFieldExtension):
    """A code that may be null may also be empty: DRF reads "" as no object (a web form's 「请选择」, a form-encoded
    `category=`), so the schema must not forbid it (found by the API fuzz run: a 201 to a "schema-violating" body)."""

    target_class = CodeField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if self.target.allow_null:
            schema.pop("minLength", None)
        return schema


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend; a request with no parameter but the paginator's is not filtered at all.

    With no filter named, every filter is empty and the filter set returns the queryset unchanged, but building
    it (a deep copy of every filter, a form bound and validated) cost about a millisecond per list page.
    """

    def filter_queryset(self, request, queryset, view):
        if only_paging(request, getattr(view, "paginator", None)):
            return queryset
        return super().filter_queryset(request, queryset, view)


def only_paging(request, paginator) -> bool:
    """Whether a list request names no parameter but its paginator's own (the cursor, the page size)."""
    own = {getattr(paginator, name, None) for name in ("cursor_query_param", "page_size_query_param")}
    return all(name in own for name in request.query_params)
