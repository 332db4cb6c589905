"""Thin API views for list items: validate input, call a service, serialise the result."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import CodeField, CursorPagination
from common.errors import NotFound
from common.ids import IdField, IdListField
from companies.models import IndustryChain
from departments.models import Department
from tickets.access import access_for

from . import services
from .models import ItemStatus, Kind, ListItem, ListItemEvent


class ListNewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")


class ListItemEventOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = ListItemEvent
        fields = ["action", "actor", "from_status", "to_status", "note", "data", "created_at"]


class ListItemOutput(serializers.ModelSerializer):
    chain = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tickets = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    events = ListItemEventOutput(many=True, read_only=True)

    class Meta:
        model = ListItem
        fields = [
            "id", "kind", "status", "title", "description", "problem", "tickets", "chain", "owner", "due_date",
            "output", "version", "created_at", "updated_at", "events",
        ]  # fmt: skip


class ListItemCreateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    problem = IdField(required=False, allow_null=True)
    tickets = IdListField(required=False, default=list)


class ListItemConvertInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[Kind.REFORM, Kind.SERVICE])
    owner = CodeField(slug_field="code", queryset=Department.objects.filter(active=True))
    due_date = serializers.DateField()
    chain = CodeField(slug_field="code", queryset=IndustryChain.objects.all(), required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ListItemCompleteInput(serializers.Serializer):
    output = serializers.CharField(max_length=300)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ListItemDropInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def _items(request):
    return (
        ListItem.objects.filter(services.visible_items_q(access_for(request.user)))
        .select_related("chain", "owner")
        .prefetch_related("tickets", "events__actor")
    )


def _detail(request, item_id: int, code=status.HTTP_200_OK) -> Response:
    item = _items(request).filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    return Response(ListItemOutput(item).data, status=code)


class ListItemListCreateApi(generics.ListAPIView):
    """Demand, reform and service list items the caller may see (filters: kind, status, chain)."""

    serializer_class = ListItemOutput
    pagination_class = ListNewestFirst
    queryset = ListItem.objects.none()  # (for the schema: the real one depends on the caller)

    def get_queryset(self):
        items = _items(self.request)
        params = self.request.query_params
        if params.get("kind") in Kind.values:
            items = items.filter(kind=params["kind"])
        if params.get("status") in ItemStatus.values:
            items = items.filter(status=params["status"])
        if chain := params.get("chain"):  # no code holds a NUL, which PostgreSQL text cannot (a 500)
            items = items.filter(chain__code=chain[:50]) if "\x00" not in chain else items.none()
        return items

    @extend_schema(request=ListItemCreateInput, responses={201: ListItemOutput})
    def post(self, request):
        data = ListItemCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        item = services.list_item_create(
            actor=request.user, title=values["title"], description=values["description"],
            problem_id=values.get("problem"), ticket_ids=values["tickets"],
        )  # fmt: skip
        return _detail(request, item.pk, status.HTTP_201_CREATED)


class ListItemDetailApi(APIView):
    @extend_schema(responses=ListItemOutput)
    def get(self, request, pk: int):
        return _detail(request, pk)


class _ActionApi(APIView):
    input_serializer = serializers.Serializer
    service = None

    def post(self, request, pk: int):
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        type(self).service(actor=request.user, item_id=pk, **data.validated_data)
        return _detail(request, pk)


@extend_schema(request=ListItemConvertInput, responses=ListItemOutput, summary="转化为改革清单或服务清单")
class ListItemConvertApi(_ActionApi):
    input_serializer, service = ListItemConvertInput, services.list_item_convert


@extend_schema(request=ListItemCompleteInput, responses=ListItemOutput, summary="完成（告知相关企业）")
class ListItemCompleteApi(_ActionApi):
    input_serializer, service = ListItemCompleteInput, services.list_item_complete


@extend_schema(request=ListItemDropInput, responses=ListItemOutput, summary="不予采纳")
class ListItemDropApi(_ActionApi):
    input_serializer, service = ListItemDropInput, services.list_item_drop
