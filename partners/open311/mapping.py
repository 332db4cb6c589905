"""Between Open311's vocabulary and ours: categories are services, tickets are service requests.

A POST names the company by `attribute[credit_code]` (and `attribute[company_name]` when the platform does not
know it yet: partners.services.company_for); `attribute[external_id]` is the partner's own id, which makes a
retried POST give the same request; without it every POST is a new request, as the spec has it.
"""

import re
import uuid
from datetime import timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import serializers

from common.api import CodeField
from common.errors import DomainError, NotFound
from common.text import visible_text
from common.validators import LimitedCharField, validate_phone
from tickets.models import FINAL_STATUSES, Status
from triage.models import Category

from ..api.serializers import EXTERNAL_ID

# Extra fields of a service, the same for every category: how a company is named in a request.
ATTRIBUTES = [
    ("credit_code", True, "统一社会信用代码（18位）"),
    ("company_name", False, "企业名称（平台尚未登记该企业时必填）"),
    ("external_id", False, "合作方工单号：同一工单号重复提交返回同一诉求"),
]
SERVICE_CODE = re.compile(r"[-\w]{1,40}")  # a category code (a slug)
DEFAULT_DAYS, MAX_REQUESTS = 90, 1000  # the spec's defaults for a query without a date range


def services() -> list[dict]:
    return [
        {
            "service_code": c.code, "service_name": c.local_name, "description": c.local_name, "metadata": True,
            "type": "realtime", "keywords": ", ".join(c.keyword_list()),
            "group": c.parent.local_name if c.parent_id else c.local_name,
        }
        for c in Category.objects.filter(active=True).select_related("parent")
    ]  # fmt: skip


def service_definition(service_code: str) -> dict:
    if not Category.objects.filter(code=service_code, active=True).exists():
        raise NotFound(_("没有这项服务（service_code）。"))
    return {
        "service_code": service_code,
        "attributes": [
            {
                "variable": True, "code": code, "datatype": "string", "required": required,
                "datatype_description": None, "order": order, "description": description,
            }
            for order, (code, required, description) in enumerate(ATTRIBUTES, start=1)
        ],
    }  # fmt: skip


class PostInput(serializers.Serializer):
    service_code = CodeField(slug_field="code", queryset=Category.objects.filter(active=True))
    description = LimitedCharField(max_length=5000)
    credit_code = serializers.CharField(max_length=18)
    company_name = LimitedCharField(max_length=200, required=False, allow_blank=True, default="")
    external_id = serializers.CharField(max_length=64, validators=[EXTERNAL_ID], required=False)
    first_name = LimitedCharField(max_length=25, required=False, allow_blank=True, default="")
    last_name = LimitedCharField(max_length=25, required=False, allow_blank=True, default="")
    phone = LimitedCharField(max_length=30, validators=[validate_phone], required=False, allow_blank=True, default="")
    address_string = LimitedCharField(max_length=200, required=False, allow_blank=True, default="")
    media_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")


def post_fields(params) -> dict:
    """A POST's parameters as `work_order_create` and `company_for` take them; invalid input is a 400 naming
    the first field at fault."""
    data = {key: value for key, value in params.items() if not key.startswith("attribute[")}
    data |= {key[10:-1]: value for key, value in params.items() if key.startswith("attribute[") and key.endswith("]")}
    form = PostInput(data=data)
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        raise DomainError(f"{field}: {messages[0]}")
    v = form.validated_data
    description = v["description"].strip()
    extra = [(_("地点"), v["address_string"]), (_("图片"), v["media_url"])]
    full = "\n".join([description, *(f"{label}：{value}" for label, value in extra if value)])
    title = visible_text(description.splitlines()[0] if description else "")[:60]
    return {
        "external_id": v.get("external_id") or f"open311-{uuid.uuid4().hex[:24]}",
        "credit_code": v["credit_code"], "company_name": v["company_name"],
        "title": title, "description": full, "category": v["service_code"],
        "contact_name": f"{v['last_name']}{v['first_name']}".strip(), "contact_phone": v["phone"],
    }  # fmt: skip


def notice(created: bool) -> str:
    if created:
        return _("诉求已受理，将按时限办理。")
    return _("该工单号已提交过，返回的是原诉求。")


def _when(text: str | None, name: str):
    if not text:
        return None
    try:
        value = parse_datetime(text.replace(" ", "+"))  # a "+" left unescaped in a query string arrives as " "
    except ValueError:
        value = None
    if value is None:
        raise DomainError(_("%(name)s 应为 W3C 日期时间，例如 2026-01-01T00:00:00Z。") % {"name": name})
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def request_filters(params) -> dict:
    """GET requests' filters: service_request_id and service_code (comma lists), start_date, end_date (the
    last 90 days when neither is given), status (open, closed)."""
    ids = [i for i in params.get("service_request_id", "").split(",") if i]
    codes = [c for c in params.get("service_code", "").split(",") if c]
    if not all(SERVICE_CODE.fullmatch(code) for code in codes):
        raise DomainError(_("service_code 无效。"))
    start, end = _when(params.get("start_date"), "start_date"), _when(params.get("end_date"), "end_date")
    if not ids and start is None and end is None:
        start = timezone.now() - timedelta(days=DEFAULT_DAYS)
    states = {s for s in params.get("status", "").split(",") if s}
    if states - {"open", "closed"}:
        raise DomainError(_("status 只能是 open 或 closed。"))
    statuses = None
    if len(states) == 1:
        statuses = sorted(FINAL_STATUSES) if states == {"closed"} else sorted(set(Status) - FINAL_STATUSES)
    return {"numbers": ids, "codes": codes, "start": start, "end": end, "statuses": statuses, "limit": MAX_REQUESTS}


def service_request(ticket) -> dict:
    closed = ticket.status in FINAL_STATUSES
    replies = list(ticket.replies.all())
    notes = replies[-1].body if replies else ticket.rejection_reason or ticket.get_status_display()
    category = ticket.category
    return {
        "service_request_id": ticket.number,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": category.local_name if category else None,
        "service_code": category.code if category else None,
        "description": ticket.description,
        "agency_responsible": ticket.lead_department.local_name if ticket.lead_department_id else None,
        "service_notice": ticket.get_status_display(),
        "requested_datetime": _w3(ticket.created_at),
        "updated_datetime": _w3(ticket.closed_at if closed and ticket.closed_at else ticket.updated_at),
        "expected_datetime": _w3(ticket.handle_deadline),
        "address": ticket.company.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _w3(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None
