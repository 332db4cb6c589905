from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.validators import LimitedCharField
from tickets.api.serializers import (
    CommentOutput,
    EvaluationOutput,
    ReplyOutput,
    RowContext,
    TicketCreateInput,
    _files,
    _note,
    answers,
)

from ..models import EXTERNAL_ID_PATTERN

EXTERNAL_ID = RegexValidator(EXTERNAL_ID_PATTERN, _("工单号只能由字母、数字和 . _ ~ : - 组成，最多64个字符。"))


class WorkOrderCreateInput(TicketCreateInput):
    external_id = serializers.CharField(max_length=64, validators=[EXTERNAL_ID], label=_("合作方工单号"))
    credit_code = serializers.CharField(max_length=18, label=_("统一社会信用代码"))
    company_name = LimitedCharField(max_length=200, required=False, allow_blank=True, label=_("企业名称"))
    files = _files()


class MaterialInput(serializers.Serializer):
    note = _note(label=_("补充说明"))
    files = _files()


class WorkOrderOutput(serializers.Serializer):
    """A work order's state as the partner follows it: the answers and the company's evaluation once given."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    external_id = serializers.CharField(source="partner_work_order.external_id")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    category = serializers.CharField(source="category.code", default=None)
    lead_department = serializers.CharField(source="lead_department.name", default=None)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    handle_deadline = serializers.DateTimeField()
    replied_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField()
    replies = ReplyOutput(many=True)
    comments = CommentOutput(many=True)
    evaluations = EvaluationOutput(many=True)

    def to_representation(self, ticket):
        """In plain Python, the same keys and values as the fields above make (tests/partners compare them):
        building DRF's nested serializers cost more CPU than the rest of a create (as for the ticket detail)."""
        if self.context.get("drf"):
            return super().to_representation(ticket)
        when = RowContext(timezone.now(), timezone.get_current_timezone(), {}).datetime
        category, lead = ticket.category, ticket.lead_department
        return {
            "id": ticket.pk,
            "number": ticket.number,
            "external_id": ticket.partner_work_order.external_id,
            "status": ticket.status,
            "status_display": ticket.get_status_display(),
            "category": category.code if category else None,
            "lead_department": lead.name if lead else None,
            "created_at": when(ticket.created_at),
            "updated_at": when(ticket.updated_at),
            "handle_deadline": when(ticket.handle_deadline),
            "replied_at": when(ticket.replied_at),
            "closed_at": when(ticket.closed_at),
            **answers(ticket, when),
        }
