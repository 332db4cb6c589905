"""Thin API views: validate input, call a service or selector, serialise the result."""

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role
from common.api import CursorPagination, only_paging
from common.errors import DomainError, NotFound, NotPermitted
from common.throttling import SubmitThrottle

from .. import selectors, services
from ..access import access_for
from ..attachments import extension_of, named_as
from ..models import Source, Ticket
from .filters import TicketFilter
from .serializers import PendingTicketOutput, TicketCreateInput, TicketDetailOutput, TicketListOutput


class NewestFirst(CursorPagination):
    """Cursor pagination: no COUNT over the whole table, constant cost per page."""

    ordering = ("-created_at", "-id")


class MostUrgentFirst(NewestFirst):
    ordering = selectors.queue_ordering("department")


class MostUrgentEntriesFirst(NewestFirst):
    """The same order over a department's queue rows (`selectors.queue_entries`); the cursors are the same
    (the deadline and an offset), so a page's next link works unfiltered and filtered alike."""

    ordering = ("due_at", "ticket_id")


class OldestFirst(NewestFirst):
    ordering = ("created_at", "id")


def ticket_detail_response(request, ticket_id: int, status_code=status.HTTP_200_OK) -> Response:
    access = access_for(request.user)
    public_only = access.company_only
    ticket = selectors.ticket_get(access=access, ticket_id=ticket_id, public_only=public_only)
    return Response(TicketDetailOutput(ticket, context={"request": request}).data, status=status_code)


class TicketListCreateApi(generics.ListAPIView):
    serializer_class = TicketListOutput
    filterset_class = TicketFilter
    pagination_class = NewestFirst
    throttle_classes = [SubmitThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Ticket.objects.none()
        return selectors.as_rows(selectors.ticket_list(access=access_for(self.request.user)))

    @extend_schema(
        request=TicketCreateInput,
        responses={201: TicketDetailOutput},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request):
        data = TicketCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key and len(key) > 100:
            raise DomainError(_("Idempotency-Key 过长（最多100个字符）。"))
        if key and not key.isprintable():  # a NUL cannot be stored (PostgreSQL), nor looked up
            raise DomainError(_("Idempotency-Key 含有不可见字符。"))
        ticket, created = services.ticket_create(
            submitter=request.user, idempotency_key=key, source=Source.API, **data.validated_data
        )
        if created:  # the new ticket as reading it back would give it (services.ticket_create), not read again
            return Response(
                TicketDetailOutput(ticket, context={"request": request}).data, status=status.HTTP_201_CREATED
            )
        response = ticket_detail_response(request, ticket.pk, status.HTTP_201_CREATED)
        response["Idempotent-Replayed"] = "true"
        return response


class TicketDetailApi(APIView):
    @extend_schema(responses=TicketDetailOutput)
    def get(self, request, pk: int):
        return ticket_detail_response(request, pk)


class TicketActionApi(APIView):
    """POST /tickets/{id}/<action>/: one subclass per action of the transition table (see urls)."""

    action_name: str = ""
    input_serializer = None

    def post(self, request, pk: int):
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_apply(ticket_id=pk, action=self.action_name, actor=request.user, **data.validated_data)
        return ticket_detail_response(request, pk)


class QueueApi(generics.ListAPIView):
    """The caller's work: their departments' open tickets, most urgent first (or the dispatch desk's)."""

    serializer_class = TicketListOutput
    filterset_class = TicketFilter
    pagination_class = MostUrgentFirst  # for the schema; `paginator` picks the order per caller

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            kind = selectors.queue_kind(access_for(self.request.user))
            self._paginator = MostUrgentFirst() if kind == "department" else OldestFirst()
        return self._paginator

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        return selectors.ticket_queue(access=access_for(self.request.user), now=timezone.now(), rows=True)

    def list(self, request, *args, **kwargs):
        department = selectors.queue_entries_department(access_for(request.user))
        if department is None or not only_paging(request, self.paginator):
            return super().list(request, *args, **kwargs)
        # Unfiltered, one department: page through its queue rows, then read that page's tickets (DESIGN.md §11).
        self._paginator = MostUrgentEntriesFirst()
        entries = self.paginator.paginate_queryset(selectors.queue_entries(department), request, view=self)
        rows = selectors.queue_rows([entry["ticket_id"] for entry in entries])
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class DispatchPendingApi(generics.ListAPIView):
    """The dispatch desk: tickets waiting for a person, oldest first, with triage's suggestions and reasons."""

    serializer_class = PendingTicketOutput
    filterset_class = TicketFilter
    pagination_class = OldestFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        access = access_for(self.request.user)
        if Role.DISPATCHER not in access.global_roles:
            raise NotPermitted(_("只有研判员可以查看待派单列表。"))
        return selectors.ticket_pending_dispatch()


class AttachmentDownloadApi(APIView):
    """An attachment's file, to those who may see its ticket (404 to anyone else)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        attachment = selectors.attachment_get(access=access_for(request.user), attachment_id=pk)
        try:
            content = attachment.file.open("rb")
        except FileNotFoundError:
            raise NotFound(_("附件文件已不存在，请联系管理员。")) from None
        # by its type, also for a file stored before names followed types
        name = named_as(attachment.original_name, extension_of(attachment.content_type))
        return FileResponse(content, as_attachment=True, filename=name, content_type=attachment.content_type)
