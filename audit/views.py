import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from common.excel import xlsx_response

from . import services
from .access import require_auditor
from .models import Action
from .selectors import AuditSearchForm, audit_search

EXPORT_LIMIT = 50_000


@login_required
def audit_log(request):
    require_auditor(request.user)
    form = AuditSearchForm(request.GET)  # every field optional: no filter is the whole log, newest first
    page = Paginator(audit_search(form), 100).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"form": form, "page": page, "query": _query(request)})


@login_required
def audit_export(request):
    require_auditor(request.user)
    form = AuditSearchForm(request.GET)
    rows = list(audit_search(form)[:EXPORT_LIMIT])
    header = [str(h) for h in (_("序号"), _("时间"), _("用户名"), _("来源地址"), _("操作"), _("对象类型"),
                               _("对象编号"), _("对象"), _("结果"), _("详情"), _("摘要算法"), _("摘要"))]  # fmt: skip
    data = [
        [r.seq, timezone.localtime(r.time).strftime("%Y-%m-%d %H:%M:%S"), r.username, r.address,
         str(r.get_action_display()), r.object_type, r.object_id, r.object_repr, str(r.get_result_display()),
         json.dumps(r.details, ensure_ascii=False), r.algorithm, r.hash]
        for r in rows
    ]  # fmt: skip
    services.record(Action.EXPORT, request=request, object_type="audit.auditrecord",
                    details={"filters": _query(request), "rows": len(data)})  # fmt: skip
    return xlsx_response("qihu-audit.xlsx", [(str(_("安全审计")), header, data)])


def _query(request) -> dict:
    return {k: v for k, v in request.GET.items() if k != "page" and v}
