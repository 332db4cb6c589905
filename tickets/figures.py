"""The rates of DESIGN.md §7 per lead department over a period, in a fixed number of queries.

- 响应率 response: lead assignments accepted within the accept limit ÷ lead assignments made in the period
  (withdrawn before acceptance does not count);
- 解决率 resolution: (resolved + ½ partly resolved) ÷ evaluations made in the period;
- 满意率 satisfaction: (satisfied + basically satisfied) ÷ evaluations;
- on time: replies within the handling deadline (extensions included) ÷ replies in the period;
- return, reopen and unevaluated rates; overdue: open tickets past their deadline now.
Excluded: request types in `QIHU["FIGURES_EXCLUDE_TYPES"]` (咨询 by default), imported history; rejected
tickets never reach a department. Rankings are within a tier (city departments, counties, others).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from departments.models import Department

from .models import Assignment, Evaluation, Source, Status, Ticket

TIERS = [("city", _("市级部门")), ("county", _("县(市、区)")), ("other", _("服务板块与产业链专班"))]
RATES = [
    ("response", _("响应率")),
    ("resolution", _("解决率")),
    ("satisfaction", _("满意率")),
    ("on_time", _("按期办结率")),
    ("return", _("退单率")),
    ("reopen", _("重办率")),
    ("unevaluated", _("未评价率")),
]
COUNTS = [("dispatched", _("派单数")), ("evaluated", _("评价数")), ("replied", _("答复数")), ("overdue", _("当前超时"))]


@dataclass
class DepartmentFigures:
    department: Department
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rank: int | None = None

    def rate(self, name: str) -> float | None:
        c = self.counts
        fractions = {
            "response": (c["accepted_in_time"], c["dispatched"]),
            "resolution": (c["fully_resolved"] + c["partly_resolved"] / 2, c["evaluated"]),
            "satisfaction": (c["content"], c["evaluated"]),
            "on_time": (c["replied_on_time"], c["replied"]),
            "return": (c["returned"], c["dispatched"]),
            "reopen": (c["reopened"], c["replied"]),
            "unevaluated": (c["unevaluated"], c["closed"]),
        }
        numerator, denominator = fractions[name]
        return numerator / denominator if denominator else None

    @property
    def rates(self) -> dict[str, float | None]:
        return {name: self.rate(name) for name, _label in RATES}


def _counted(tickets: str = "ticket__") -> Q:
    """Tickets that count in the figures (path prefix from the model queried)."""
    excluded = settings.QIHU["FIGURES_EXCLUDE_TYPES"]
    return ~Q(**{f"{tickets}request_type__in": excluded}) & ~Q(**{f"{tickets}source": Source.IMPORT})


def department_figures(*, start: datetime, end: datetime, now: datetime) -> dict[str, list[DepartmentFigures]]:
    """Figures of every active department for [start, end), grouped by tier and ranked within it."""
    rows = {d.pk: DepartmentFigures(d) for d in Department.objects.filter(active=True).order_by("code")}

    def add(queryset, key: str) -> None:
        for values in queryset:
            figures = rows.get(values.pop(key))
            if figures:
                for name, number in values.items():
                    figures.counts[name] += number

    leads = Assignment.objects.filter(
        _counted(), role=Assignment.Role.LEAD, assigned_at__gte=start, assigned_at__lt=end
    )
    add(
        leads.exclude(state=Assignment.State.CANCELLED, accepted_at__isnull=True)
        .values("department")
        .annotate(
            dispatched=Count("pk"),
            accepted_in_time=Count("pk", filter=Q(accepted_at__lte=F("accept_deadline"))),
            returned=Count("pk", filter=Q(state=Assignment.State.RETURNED)),
        ),
        "department",
    )
    evaluations = Evaluation.objects.filter(_counted(), created_at__gte=start, created_at__lt=end)
    add(
        evaluations.values("ticket__lead_department").annotate(
            evaluated=Count("pk"),
            # (annotation names must not shadow the fields the filters read)
            fully_resolved=Count("pk", filter=Q(resolved=Evaluation.Resolved.RESOLVED)),
            partly_resolved=Count("pk", filter=Q(resolved=Evaluation.Resolved.PARTLY)),
            content=Count("pk", filter=~Q(satisfaction=Evaluation.Satisfaction.UNSATISFIED)),
        ),
        "ticket__lead_department",
    )
    tickets = Ticket.objects.filter(_counted(tickets=""))
    add(
        tickets.filter(replied_at__gte=start, replied_at__lt=end)
        .values("lead_department")
        .annotate(
            replied=Count("pk"),
            replied_on_time=Count("pk", filter=Q(replied_at__lte=F("handle_deadline"))),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        ),
        "lead_department",
    )
    add(
        tickets.filter(closed_at__gte=start, closed_at__lt=end, status=Status.CLOSED)
        .values("lead_department")
        .annotate(closed=Count("pk"), unevaluated=Count("pk", filter=Q(close_reason="unevaluated"))),
        "lead_department",
    )
    add(
        tickets.filter(status__in=[Status.ASSIGNED, Status.ACCEPTED], due_at__lt=now)
        .values("lead_department")
        .annotate(overdue=Count("pk")),
        "lead_department",
    )
    tiers: dict[str, list[DepartmentFigures]] = {code: [] for code, _label in TIERS}
    for figures in rows.values():
        kind = figures.department.kind
        tiers[kind if kind in tiers else "other"].append(figures)
    for members in tiers.values():
        _rank(members)
    return tiers


def _rank(members: list[DepartmentFigures]) -> None:
    """Within a tier: satisfaction, then resolution, then response; departments with no work are unranked."""

    def key(f: DepartmentFigures):
        return tuple(-(f.rate(name) or 0) for name in ("satisfaction", "resolution", "response"))

    ranked = sorted((f for f in members if f.counts["dispatched"] or f.counts["evaluated"]), key=key)
    for position, figures in enumerate(ranked, start=1):
        figures.rank = position
    members.sort(key=lambda f: (f.rank is None, f.rank or 0, f.department.code))
