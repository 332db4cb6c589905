from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api import CodeField
from common.ids import IdField
from common.validators import LimitedCharField, validate_phone
from departments.models import Department
from triage.models import Category

from ..access import access_for, contact_for, mask_name, mask_phone, roles_for  # noqa: F401 (masks: re-exported)
from ..attachments import limits_help
from ..models import Evaluation, Reply, Status, Supervision, Ticket, ticket_id_from_number, ticket_light, ticket_number
from ..selectors import ROW_COLUMNS, code_name
from ..services import offered_actions


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


# -- input ---------------------------------------------------------------------------------------
class TicketCreateInput(serializers.Serializer):
    # The limits as the web form has them (common.validators): one rule, one message.
    title = LimitedCharField(max_length=200, label=_("标题"))
    description = LimitedCharField(max_length=5000, label=_("诉求内容"))
    category = CodeField(
        slug_field="code", queryset=Category.objects.filter(active=True), required=False, allow_null=True,
        label=_("分类"),
    )  # fmt: skip
    contact_name = LimitedCharField(max_length=50, required=False, allow_blank=True, label=_("联系人"))
    contact_phone = LimitedCharField(
        max_length=30, validators=[validate_phone], required=False, allow_blank=True, label=_("联系电话")
    )


def _department_field(**kwargs):
    return CodeField(slug_field="code", queryset=Department.objects.filter(active=True), **kwargs)


class AnswerField(serializers.BooleanField):
    """A yes/no question that must be answered: from a web form too, where DRF reads a missing box as "no"."""

    default_empty_html = serializers.empty


class AnswerChoiceField(serializers.ChoiceField):
    """A choice that must be made: a form's empty 「请选择」 option is no choice (required), not an invalid one."""

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        return serializers.empty if value == "" else value


class ActionInput(serializers.Serializer):
    """Every action accepts the version the client saw; a stale one is refused with 409."""

    version = serializers.IntegerField(required=False, min_value=1, help_text=_("客户端看到的版本号"))


NOTE = _("说明")


def _note(*, required: bool = False, max_length: int = 2000, label=NOTE) -> serializers.CharField:
    if required:
        return LimitedCharField(max_length=max_length, label=label)
    return LimitedCharField(max_length=max_length, required=False, allow_blank=True, default="", label=label)


def _files(*, required: bool = False) -> serializers.ListField:
    """Uploaded files (multipart, repeat the field); checked by content in tickets/attachments.py."""
    presence = {"required": True, "allow_empty": False} if required else {"required": False, "default": list}
    return serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False), label=_("附件"),
        help_text=limits_help(), **presence,
    )  # fmt: skip


class NoteInput(ActionInput):
    note = _note()


class RequiredNoteInput(ActionInput):
    note = _note(required=True)


class ReasonInput(ActionInput):
    reason = _note(required=True, label=_("理由"))


class BodyInput(ActionInput):
    body = _note(required=True, max_length=5000, label=_("内容"))


class DispatchInput(ActionInput):
    lead = _department_field(label=_("主办部门"))
    assisting = _department_field(many=True, required=False, label=_("协办部门"))
    category = CodeField(
        slug_field="code", queryset=Category.objects.filter(active=True), required=False, label=_("分类")
    )
    note = _note()


class ExtensionRequestInput(ActionInput):
    days = serializers.IntegerField(min_value=1, max_value=30, label=_("延期工作日数"))
    reason = _note(required=True, label=_("理由"))


class ExtensionDecisionInput(ActionInput):
    approve = AnswerField(label=_("是否批准"), error_messages={"required": _("请选择是否批准。")})
    days = serializers.IntegerField(min_value=1, max_value=30, required=False, label=_("批准工作日数"))
    note = _note()


class ReplyInput(ActionInput):
    body = _note(required=True, max_length=5000, label=_("内容"))
    result = serializers.ChoiceField(choices=Reply.Result.choices, default=Reply.Result.RESOLVED, label=_("办理结果"))
    basis = serializers.CharField(max_length=500, required=False, allow_blank=True, default="", label=_("政策依据"))
    files = _files()


class ConfirmInput(ActionInput):
    # The company's verdict counts in the three rates: nothing is assumed, every answer is the company's own.
    contacted = AnswerField(label=_("是否联系"), error_messages={"required": _("请选择承办部门是否联系过您。")})
    resolved = AnswerChoiceField(
        choices=Evaluation.Resolved.choices, label=_("解决情况"), error_messages={"required": _("请选择解决情况。")}
    )
    satisfaction = AnswerChoiceField(
        choices=Evaluation.Satisfaction.choices, label=_("满意度"), error_messages={"required": _("请选择满意度。")}
    )
    comment = _note(label=_("评价意见"))


SUPERVISION_RAISES = [c for c in Supervision.choices if c[0] != Supervision.NONE]


class SuperviseInput(ActionInput):
    level = AnswerChoiceField(choices=SUPERVISION_RAISES, label=_("督办等级"))
    note = _note()


class CommentInput(ActionInput):
    body = _note(required=True, max_length=5000, label=_("内容"))
    public = serializers.BooleanField(default=True, label=_("企业可见"))


class AttachInput(ActionInput):
    files = _files(required=True)
    note = _note()


class ProvideInfoInput(RequiredNoteInput):
    files = _files()


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "example": "QH20261123-42"}]})
class TicketRefField(serializers.Field):
    """A ticket by the number people see (QH20261123-42) or by its id (the API's): the id."""

    default_error_messages = {
        "invalid": _("请填写诉求编号，如 QH20261123-42。"),
        "unknown": _("没有编号为 {number} 的诉求。"),
    }

    def to_internal_value(self, data):
        if (isinstance(data, int) and not isinstance(data, bool)) or (isinstance(data, str) and data.isdigit()):
            return IdField().run_validation(data)  # an id, as the API always took it
        text = str(data).strip().upper() if isinstance(data, str) else ""
        ticket_id = ticket_id_from_number(text)
        if ticket_id is None:
            self.fail("invalid")
        created_at = Ticket.objects.filter(pk=ticket_id).values_list("created_at", flat=True).first()
        if created_at is None or ticket_number(ticket_id, created_at) != text:  # the filing date must agree too
            self.fail("unknown", number=text)
        return ticket_id

    def to_representation(self, value):
        return value


class MergeInput(ActionInput):
    primary = TicketRefField(label=_("主件编号"), help_text=_("主件的诉求编号，如 QH20261123-42"))
    note = _note()

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        values["primary_id"] = values.pop("primary")
        return values


ACTION_INPUTS: dict[str, type[ActionInput]] = {
    "dispatch": DispatchInput,
    "accept": NoteInput,
    "return": ReasonInput,
    "request_info": RequiredNoteInput,
    "provide_info": ProvideInfoInput,
    "request_extension": ExtensionRequestInput,
    "decide_extension": ExtensionDecisionInput,
    "assist_report": BodyInput,
    "reply": ReplyInput,
    "confirm": ConfirmInput,
    "reopen": RequiredNoteInput,
    "close": RequiredNoteInput,
    "withdraw": NoteInput,
    "reject": ReasonInput,
    "supervise": SuperviseInput,
    "comment": CommentInput,
    "merge": MergeInput,
    "attach": AttachInput,
}


# -- output --------------------------------------------------------------------------------------
@extend_schema_field(CodeNameSerializer(allow_null=True))
class CodeNameField(serializers.Field):
    def to_representation(self, value):
        return {"code": value.code, "name": value.name}


STATUS_LABELS = dict(Status.choices)


@functools.cache
def status_labels(language: str | None) -> dict[str, str]:
    """The status labels translated into `language` (the active one), once per process and language: ten
    gettext look-ups on every answer otherwise, a third of a new ticket's answer (issue 16)."""
    return {value: str(label) for value, label in STATUS_LABELS.items()}


# A list row's columns as a model instance's attributes (`merged_into` is the id in a row).
ROW_ATTRIBUTES = [(name, "merged_into_id" if name == "merged_into" else name) for name in ROW_COLUMNS]


def answers(ticket: Ticket, when) -> dict:
    """A ticket's comments, replies and evaluations as CommentOutput, ReplyOutput and EvaluationOutput write
    them, in plain Python (`when` writes a date-time): also what a partner system follows (partners.api)."""
    return {
        "comments": [
            {"author": c.author.display_name, "body": c.body, "public": c.public, "created_at": when(c.created_at)}
            for c in ticket.comments.all()
        ],
        "replies": [
            {"result": r.result, "body": r.body, "basis": r.basis, "created_at": when(r.created_at)}
            for r in ticket.replies.all()
        ],
        "evaluations": [
            {
                "round": e.round,
                "contacted": e.contacted,
                "resolved": e.resolved,
                "satisfaction": e.satisfaction,
                "comment": e.comment,
                "review_note": e.review_note,
                "created_at": when(e.created_at),
            }
            for e in ticket.evaluations.all()
        ],
    }


@dataclass(frozen=True)
class RowContext:
    now: datetime
    tz: tzinfo
    labels: dict[str, str]

    def datetime(self, value: datetime | None) -> str | None:
        """As DRF's DateTimeField writes it: ISO 8601 in the current time zone, UTC as Z."""
        if value is None:
            return None
        text = value.astimezone(self.tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


class TicketListOutput(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    # Not source="get_status_display": that rebuilds the choices dict on every row (hashing every lazy label
    # through gettext), and DRF inspects the method's signature on every row; a quarter of a queue page's time.
    status_display = serializers.SerializerMethodField()
    company = serializers.SerializerMethodField()
    category = CodeNameField(read_only=True)
    chain = CodeNameField(read_only=True)
    district = CodeNameField(read_only=True)
    lead_department = CodeNameField(read_only=True)
    light = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id", "number", "title", "status", "status_display", "company", "category", "request_type",
            "priority", "difficulty", "level", "chain", "district", "lead_department", "supervision_level",
            "accept_deadline", "handle_deadline", "evaluate_deadline", "due_at", "light", "merged_into",
            "version", "created_at", "updated_at",
        ]  # fmt: skip

    def to_representation(self, ticket):
        """A list row (a dict from `selectors.as_rows`) in plain Python; a model instance (the detail and the
        pending serializers) through DRF's fields. Same keys, same values: DRF's per-field machinery over 24
        fields was half of a queue page's time (DESIGN.md §11; tests/tickets/test_list_rows.py pins both)."""
        if not isinstance(ticket, dict):
            return super().to_representation(ticket)
        page = self._row_context()
        status, when = ticket["status"], page.datetime
        return {
            "id": ticket["id"],
            "number": ticket_number(ticket["id"], ticket["created_at"]),
            "title": ticket["title"],
            "status": status,
            "status_display": page.labels.get(status, status),
            "company": {"id": ticket["company_id"], "name": ticket["company_name"]},
            "category": code_name("category", ticket["category_id"]),
            "request_type": ticket["request_type"],
            "priority": ticket["priority"],
            "difficulty": ticket["difficulty"],
            "level": ticket["level"],
            "chain": code_name("chain", ticket["chain_id"]),
            "district": code_name("department", ticket["district_id"]),
            "lead_department": code_name("department", ticket["lead_department_id"]),
            "supervision_level": ticket["supervision_level"],
            "accept_deadline": when(ticket["accept_deadline"]),
            "handle_deadline": when(ticket["handle_deadline"]),
            "evaluate_deadline": when(ticket["evaluate_deadline"]),
            "due_at": when(ticket["due_at"]),
            "light": ticket_light(status, ticket["hold_started_at"], ticket["yellow_at"], ticket["due_at"], page.now),
            "merged_into": ticket["merged_into"],
            "version": ticket["version"],
            "created_at": when(ticket["created_at"]),
            "updated_at": when(ticket["updated_at"]),
        }

    def _row_context(self) -> RowContext:
        page = self.context.get("_rows")
        if page is None:  # once per page: the clock, the time zone and the status labels of the request
            page = self.context["_rows"] = RowContext(
                self.context.setdefault("now", timezone.now()),
                timezone.get_current_timezone(),
                status_labels(translation.get_language()),
            )
        return page

    def get_status_display(self, ticket) -> str:
        return str(STATUS_LABELS.get(ticket.status, ticket.status))

    def get_company(self, ticket) -> dict:
        return {"id": ticket.company_id, "name": ticket.company.name}

    def get_light(self, ticket) -> str | None:
        return ticket.light(self.context.setdefault("now", timezone.now()))


class EventOutput(serializers.Serializer):
    action = serializers.CharField()
    actor = serializers.SerializerMethodField()
    actor_role = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    data = serializers.JSONField()
    created_at = serializers.DateTimeField()

    def get_actor(self, event) -> str | None:
        return event.actor.display_name if event.actor_id else None


class AssignmentOutput(serializers.Serializer):
    code = serializers.CharField(source="department.code")
    name = serializers.CharField(source="department.name")
    state = serializers.CharField()
    accept_deadline = serializers.DateTimeField()
    report_deadline = serializers.DateTimeField()
    report = serializers.CharField()


class CommentOutput(serializers.Serializer):
    author = serializers.CharField(source="author.display_name")
    body = serializers.CharField()
    public = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class AttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_url(self, attachment) -> str:
        return reverse("api-attachment", args=[attachment.pk])


class ReplyOutput(serializers.ModelSerializer):
    class Meta:
        model = Reply
        fields = ["result", "body", "basis", "created_at"]


class EvaluationOutput(serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = ["round", "contacted", "resolved", "satisfaction", "comment", "review_note", "created_at"]


class TicketDetailOutput(TicketListOutput):
    assisting_departments = serializers.SerializerMethodField()
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    events = EventOutput(many=True, read_only=True)
    comments = CommentOutput(many=True, read_only=True)
    replies = ReplyOutput(many=True, read_only=True)
    evaluations = EvaluationOutput(many=True, read_only=True)
    attachments = AttachmentOutput(many=True, read_only=True)

    class Meta(TicketListOutput.Meta):
        fields = [
            *TicketListOutput.Meta.fields, "description", "source", "leader_name", "contact_name", "contact_phone",
            "assisting_departments",
            "accepted_at", "accepted_in_time", "replied_at", "closed_at", "close_reason", "rejection_reason",
            "reopen_count", "return_count", "extension_status", "extension_days_requested",
            "extension_days_granted", "allowed_actions", "events", "comments", "replies", "evaluations", "attachments",
        ]  # fmt: skip

    def to_representation(self, ticket):
        """The ticket's page in plain Python, the same keys and values as DRF's fields make of it (`drf` in the
        context: through the fields, as tests/tickets/test_detail_output.py compares them). Building the
        ModelSerializer's fields and nested serializers on every request was most of a detail's CPU time
        (DESIGN.md §11, issue 16)."""
        if self.context.get("drf"):
            return super().to_representation(ticket)
        row = {name: getattr(ticket, attribute) for name, attribute in ROW_ATTRIBUTES}
        row["company_name"] = ticket.company.name
        out = TicketListOutput.to_representation(self, row)
        when = self._row_context().datetime
        assignments = ticket.assignments.all()
        out |= {
            "description": ticket.description,
            "source": ticket.source,
            "leader_name": ticket.leader_name,
            "contact_name": self.get_contact_name(ticket),
            "contact_phone": self.get_contact_phone(ticket),
            "assisting_departments": [
                {
                    "code": a.department.code,
                    "name": a.department.name,
                    "state": a.state,
                    "accept_deadline": when(a.accept_deadline),
                    "report_deadline": when(a.report_deadline),
                    "report": a.report,
                }
                for a in assignments
                if a.role == "assist" and a.active
            ],
            "accepted_at": when(ticket.accepted_at),
            "accepted_in_time": ticket.accepted_in_time,
            "replied_at": when(ticket.replied_at),
            "closed_at": when(ticket.closed_at),
            "close_reason": ticket.close_reason,
            "rejection_reason": ticket.rejection_reason,
            "reopen_count": ticket.reopen_count,
            "return_count": ticket.return_count,
            "extension_status": ticket.extension_status,
            "extension_days_requested": ticket.extension_days_requested,
            "extension_days_granted": ticket.extension_days_granted,
            "allowed_actions": self.get_allowed_actions(ticket),
            "events": [
                {
                    "action": e.action,
                    "actor": e.actor.display_name if e.actor_id else None,
                    "actor_role": e.actor_role,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "note": e.note,
                    "data": e.data,
                    "created_at": when(e.created_at),
                }
                for e in ticket.events.all()
            ],
            **answers(ticket, when),
            "attachments": [
                {
                    "id": a.pk,
                    "name": a.original_name,
                    "content_type": a.content_type,
                    "size": a.size,
                    "url": reverse("api-attachment", args=[a.pk]),
                    "created_at": when(a.created_at),
                }
                for a in ticket.attachments.all()
            ],
        }
        return out

    def _roles(self, ticket) -> frozenset[str]:
        cache = self.context.setdefault("roles", {})
        if ticket.pk not in cache:
            cache[ticket.pk] = roles_for(access_for(self.context["request"].user), ticket)
        return cache[ticket.pk]

    @extend_schema_field(AssignmentOutput(many=True))
    def get_assisting_departments(self, ticket):
        rows = [a for a in ticket.assignments.all() if a.role == "assist" and a.active]
        return AssignmentOutput(rows, many=True).data

    def get_contact_name(self, ticket) -> str:
        return contact_for(self._roles(ticket), ticket)[0]

    def get_contact_phone(self, ticket) -> str:
        return contact_for(self._roles(ticket), ticket)[1]

    def get_allowed_actions(self, ticket) -> list[str]:
        access = access_for(self.context["request"].user)
        return [a.slug for a in offered_actions(ticket=ticket, access=access, roles=self._roles(ticket))]


class PendingTicketOutput(TicketListOutput):
    """A ticket waiting for a dispatcher, with what triage suggests and why."""

    class Meta(TicketListOutput.Meta):
        fields = [
            *TicketListOutput.Meta.fields, "description", "category_source", "triage_confidence", "triage_note",
            "triage_suggestions", "return_count",
        ]  # fmt: skip
