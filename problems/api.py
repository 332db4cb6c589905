"""Thin API views for common problems: validate input, call a service or selector, serialise the result."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import CodeField, CursorPagination
from common.ids import IdField, IdListField
from departments.models import Department
from tickets.access import access_for
from tickets.models import Reply

from . import selectors, services
from .models import OwnerKind, Problem, ProblemEvent, ProblemMember, ProblemStatus


class HottestFirst(CursorPagination):
    ordering = ("-heat", "-id")  # problems/heat.py


class ProblemOwnerOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ProblemListOutput(serializers.ModelSerializer):
    chain = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner_department = ProblemOwnerOutput(read_only=True, allow_null=True)
    trend = serializers.CharField(read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id", "title", "keywords", "status", "chain", "owner_kind", "owner_department", "due_date",
            "heat", "company_count", "peak_company_count", "support", "ticket_count", "recent_count",
            "previous_count", "trend", "first_reported_at",
            "last_reported_at", "created_at", "updated_at", "version",
        ]  # fmt: skip


class ProblemMemberOutput(serializers.ModelSerializer):
    id = serializers.IntegerField(source="ticket.id")
    number = serializers.CharField(source="ticket.number")
    title = serializers.CharField(source="ticket.title")
    status = serializers.CharField(source="ticket.status")
    company = serializers.CharField(source="ticket.company.name")
    created_at = serializers.DateTimeField(source="ticket.created_at")

    class Meta:
        model = ProblemMember
        fields = ["id", "number", "title", "status", "company", "created_at", "source"]


class ProblemEventOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = ProblemEvent
        fields = ["action", "actor", "note", "data", "created_at"]


class ProblemDetailOutput(ProblemListOutput):
    members = ProblemMemberOutput(many=True, read_only=True)
    events = ProblemEventOutput(many=True, read_only=True)
    merged_into = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta(ProblemListOutput.Meta):
        fields = [*ProblemListOutput.Meta.fields, "merged_into", "members", "events"]


def detail_response(request, problem: Problem) -> Response:
    return Response(ProblemDetailOutput(selectors.problem_detail(problem=problem)).data)


class ProblemListApi(generics.ListAPIView):
    serializer_class = ProblemListOutput
    pagination_class = HottestFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Problem.objects.none()
        status = [s for s in self.request.query_params.getlist("status") if s in ProblemStatus.values]
        return selectors.problem_list(access=access_for(self.request.user), status=status)


class ProblemDetailApi(APIView):
    @extend_schema(responses=ProblemDetailOutput)
    def get(self, request, pk: int):
        return detail_response(request, services.problem_get(access=access_for(request.user), problem_id=pk))


class ProblemConfirmInput(serializers.Serializer):
    owner_kind = serializers.ChoiceField(choices=OwnerKind.choices)
    owner_department = CodeField(slug_field="code", queryset=Department.objects.all(), required=False, allow_null=True)
    due_date = serializers.DateField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ProblemMergeInput(serializers.Serializer):
    into = IdField(help_text=_("并入的共性问题编号"))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ProblemSplitInput(serializers.Serializer):
    tickets = IdListField(min_length=1)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ProblemDismissInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ProblemAnswerInput(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    result = serializers.ChoiceField(choices=Reply.Result.choices, default=Reply.Result.RESOLVED)
    basis = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ProblemSkippedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()


class ProblemAnswerOutput(serializers.Serializer):
    problem = ProblemListOutput()
    answered = serializers.ListField(child=serializers.IntegerField())
    skipped = ProblemSkippedOutput(many=True)


class _ActionApi(APIView):
    input_serializer = serializers.Serializer

    def post(self, request, pk: int):
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self.act(request, pk, data.validated_data)


@extend_schema(request=ProblemConfirmInput, responses=ProblemDetailOutput)
class ProblemConfirmApi(_ActionApi):
    input_serializer = ProblemConfirmInput

    def act(self, request, pk, data):
        return detail_response(request, services.problem_confirm(actor=request.user, problem_id=pk, **data))


@extend_schema(request=ProblemMergeInput, responses=ProblemDetailOutput)
class ProblemMergeApi(_ActionApi):
    """Merge this problem into `into`; answers with the problem merged into."""

    input_serializer = ProblemMergeInput

    def act(self, request, pk, data):
        into = services.problem_merge(
            actor=request.user, problem_id=pk, into_id=data["into"], note=data.get("note", "")
        )
        return detail_response(request, into)


@extend_schema(request=ProblemSplitInput, responses=ProblemDetailOutput)
class ProblemSplitApi(_ActionApi):
    """Move the given tickets out into a new candidate problem; answers with the new problem."""

    input_serializer = ProblemSplitInput

    def act(self, request, pk, data):
        new = services.problem_split(
            actor=request.user, problem_id=pk, ticket_ids=data["tickets"], note=data.get("note", "")
        )
        return detail_response(request, new)


@extend_schema(request=ProblemDismissInput, responses=ProblemDetailOutput)
class ProblemDismissApi(_ActionApi):
    input_serializer = ProblemDismissInput

    def act(self, request, pk, data):
        return detail_response(request, services.problem_dismiss(actor=request.user, problem_id=pk, note=data["note"]))


@extend_schema(request=ProblemAnswerInput, responses=ProblemAnswerOutput)
class ProblemAnswerApi(_ActionApi):
    """Answer a confirmed problem: each member ticket that can be answered gets its own reply event."""

    input_serializer = ProblemAnswerInput

    def act(self, request, pk, data):
        report = services.problem_answer(actor=request.user, problem_id=pk, **data)
        return Response(ProblemAnswerOutput(report).data)
