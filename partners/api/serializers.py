from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.validators import LimitedCharField
from tickets.api.serializers import (
    CommentOutput,
    EvaluationOutput,
    ReplyOutput,
    TicketCreateInput,
    _files,
    _note,
)

# The partner's work-order id: what fits a URL segment unescaped (letters, digits, . _ ~ : -), up to 64.
EXTERNAL_ID = RegexValidator(r"^[A-Za-z0-9._~:-]{1,64}$", _("工单号只能由字母、数字和 . _ ~ : - 组成，最多64个字符。"))


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
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead_department = serializers.CharField(source="lead_department.name", default=None)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    handle_deadline = serializers.DateTimeField()
    replied_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField()
    replies = ReplyOutput(many=True)
    comments = CommentOutput(many=True)
    evaluations = EvaluationOutput(many=True)
