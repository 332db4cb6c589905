"""The rates of DESIGN.md §7 per lead department over a period, in a fixed number of queries.

- 响应率 response: lead assignments accepted within the accept limit ÷ lead assignments made in the period
  (withdrawn before acceptance does not count);
- 解决率 resolution: (resolved + ½ partly resolved) ÷ evaluations made in the period;
- 满意率 satisfaction: (satisfied + basically satisfied) ÷ evaluations;
- on time: replies within the handling deadline (extensions included) ÷ replies in the period;
- return, reopen and unevaluated rates; overdue: open tickets past their deadline now.
Excluded: request types in `QIHU["FIGURES_EXCLUDE_TYPES"]` (咨询 by default), imported history; rejected
tickets never reach a department. Rankings are within a tier (city departments, counties, others).

The same counts split by channel (渠道: web, API, hotline, counter, visit, meeting, leader's assignment…) come
from the same GROUP BY queries, grouped by the ticket's source as well: no query per channel.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import Trunc
from django.utils.translation import gettext_lazy as _

from common.replica import lag_tolerant
from departments.models import Department
from sla.calendar import CITY_TZ

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
# What the channel table shows: how many came in by each channel, and how they fared.
CHANNEL_RATES = [
    (name, label) for name, label in RATES if name in ("response", "resolution", "satisfaction", "on_time")
]
CHANNEL_COUNTS = [("filed", _("受理数")), *COUNTS]


@dataclass
class Figures:
    """Counts over a period and the rates computed from them."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

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

    def cells(self, rates, counts) -> tuple[list[float | None], list[int]]:
        """The named rates and counts (lists of (name, label)) in their order: a table's row."""
        return [self.rate(name) for name, _label in rates], [self.counts[name] for name, _label in counts]

    def add(self, counts: dict[str, int]) -> None:
        for name, number in counts.items():
            self.counts[name] += number


@dataclass
class DepartmentFigures(Figures):
    department: Department | None = None
    rank: int | None = None


@dataclass
class PeriodFigures(Figures):
    start: datetime | None = None  # the first instant of the week or month (city time)


@dataclass
class ChannelFigures(Figures):
    source: str = ""

    @property
    def label(self) -> str:
        return Source(self.source).label


def overdue_q(now: datetime) -> Q:
    """Tickets late now: waiting to be accepted or being handled past their deadline (on hold: clock paused)."""
    return Q(status__in=[Status.ASSIGNED, Status.ACCEPTED], due_at__lt=now)


def _counted(tickets: str = "ticket__") -> Q:
    """Tickets that count in the figures (path prefix from the model queried)."""
    excluded = settings.QIHU["FIGURES_EXCLUDE_TYPES"]
    return ~Q(**{f"{tickets}request_type__in": excluded}) & ~Q(**{f"{tickets}source": Source.IMPORT})


def _counts(
    *, start: datetime, end: datetime, now: datetime, step: str | None = None, chain_id: int | None = None,
    overdue: bool | None = None, by_source: bool = False,
):  # fmt: skip
    """(lead department id, source or None, start of the week/month or None, counts) for [start, end): the one
    place where each count of the rates is defined. `step` ("week", "month") splits the period by when things
    happened; `chain_id` keeps one industry chain's tickets; `by_source` splits by channel too (same queries);
    `overdue` (by default without a step) adds the tickets late now, a state of now and not of a period (their
    period: None)."""

    def grouped(queryset, department: str, when: str, **counts):
        prefix = "ticket__" if queryset.model is not Ticket else ""
        if chain_id is not None:
            queryset = queryset.filter(**{f"{prefix}chain_id": chain_id})
        fields = [department]
        if by_source:
            queryset = queryset.annotate(channel=F(f"{prefix}source"))
            fields.append("channel")
        if step:
            queryset = queryset.annotate(period=Trunc(when, step, tzinfo=CITY_TZ))
            fields.append("period")
        for values in queryset.values(*fields).annotate(**counts):
            yield values.pop(department), values.pop("channel", None), values.pop("period", None), values

    leads = Assignment.objects.filter(
        _counted(), role=Assignment.Role.LEAD, assigned_at__gte=start, assigned_at__lt=end
    ).exclude(state=Assignment.State.CANCELLED, accepted_at__isnull=True)
    yield from grouped(
        leads, "department", "assigned_at",
        dispatched=Count("pk"),
        accepted_in_time=Count("pk", filter=Q(accepted_at__lte=F("accept_deadline"))),
        returned=Count("pk", filter=Q(state=Assignment.State.RETURNED)),
    )  # fmt: skip
    evaluations = Evaluation.objects.filter(_counted(), created_at__gte=start, created_at__lt=end)
    yield from grouped(
        evaluations, "ticket__lead_department", "created_at",
        evaluated=Count("pk"),
        # (annotation names must not shadow the fields the filters read)
        fully_resolved=Count("pk", filter=Q(resolved=Evaluation.Resolved.RESOLVED)),
        partly_resolved=Count("pk", filter=Q(resolved=Evaluation.Resolved.PARTLY)),
        content=Count("pk", filter=~Q(satisfaction=Evaluation.Satisfaction.UNSATISFIED)),
    )  # fmt: skip
    tickets = Ticket.objects.filter(_counted(tickets=""))
    yield from grouped(
        tickets.filter(replied_at__gte=start, replied_at__lt=end), "lead_department", "replied_at",
        replied=Count("pk"),
        replied_on_time=Count("pk", filter=Q(replied_at__lte=F("handle_deadline"))),
        reopened=Count("pk", filter=Q(reopen_count__gt=0)),
    )  # fmt: skip
    yield from grouped(
        tickets.filter(closed_at__gte=start, closed_at__lt=end, status=Status.CLOSED), "lead_department", "closed_at",
        closed=Count("pk"), unevaluated=Count("pk", filter=Q(close_reason="unevaluated")),
    )  # fmt: skip
    if overdue if overdue is not None else not step:
        late = tickets.filter(overdue_q(now))
        fields = ["lead_department", "source"] if by_source else ["lead_department"]
        if chain_id is not None:
            late = late.filter(chain_id=chain_id)
        for values in late.values(*fields).annotate(overdue=Count("pk")):
            yield values.pop("lead_department"), values.pop("source", None), None, values


@lag_tolerant()
def dashboard_figures(
    *, start: datetime, end: datetime, now: datetime, step: str
) -> tuple[dict[str, list[DepartmentFigures]], list[PeriodFigures], list[ChannelFigures]]:
    """`period_figures` and `trend` of one period from one reading: the counts split by department, channel
    and period, added up by department and channel for the one and by period for the other (half the scans of
    reading each: the dashboard over 1,000,000 tickets, DESIGN.md §11)."""
    counted = list(_counts(start=start, end=end, now=now, step=step, overdue=True, by_source=True))
    periods = [row for row in counted if "overdue" not in row[3]]  # a state of now: in no period
    tiers, channels = _tiers_and_channels(counted, start=start, end=end, by_source=True)
    return tiers, _by_period(periods, start=start, end=end, step=step), channels


@lag_tolerant()  # figures: seconds behind is fine, the replica may serve them
def department_figures(*, start: datetime, end: datetime, now: datetime) -> dict[str, list[DepartmentFigures]]:
    """Figures of every active department for [start, end), grouped by tier and ranked within it."""
    return period_figures(start=start, end=end, now=now, by_source=False)[0]


@lag_tolerant()
def period_figures(
    *, start: datetime, end: datetime, now: datetime, by_source: bool = True
) -> tuple[dict[str, list[DepartmentFigures]], list[ChannelFigures]]:
    """The departments' figures for [start, end) by tier (as `department_figures`) and, from the same
    queries, the channels' (one more GROUP BY for the requests filed): the channels in the order of `Source`,
    those with nothing in the period left out."""
    counted = _counts(start=start, end=end, now=now, by_source=by_source)
    return _tiers_and_channels(counted, start=start, end=end, by_source=by_source)


def _tiers_and_channels(counted, *, start: datetime, end: datetime, by_source: bool):
    rows = {d.pk: DepartmentFigures(department=d) for d in Department.objects.filter(active=True).order_by("code")}
    channels = {source: ChannelFigures(source=source) for source in Source.values}
    for department_id, source, _period, counts in counted:
        if department_id in rows:
            rows[department_id].add(counts)
        if source is not None:
            channels[source].add(counts)
    if by_source:
        filed = Ticket.objects.filter(_counted(tickets=""), created_at__gte=start, created_at__lt=end)
        for source, number in filed.order_by().values_list("source").annotate(n=Count("pk")):
            channels[source].add({"filed": number})
    return _tiers(rows), [c for c in channels.values() if any(c.counts.values())]


def _tiers(rows: dict[int, DepartmentFigures]) -> dict[str, list[DepartmentFigures]]:
    tiers: dict[str, list[DepartmentFigures]] = {code: [] for code, _label in TIERS}
    for figures in rows.values():
        kind = figures.department.kind
        tiers[kind if kind in tiers else "other"].append(figures)
    for members in tiers.values():
        _rank(members)
    return tiers


@lag_tolerant()
def chain_figures(*, chain_id: int, start: datetime, end: datetime, now: datetime) -> Figures:
    """One industry chain's tickets over [start, end), whichever departments handled them."""
    total = Figures()
    for _department, _source, _period, counts in _counts(start=start, end=end, now=now, chain_id=chain_id):
        total.add(counts)
    return total


@lag_tolerant()
def trend(*, start: datetime, end: datetime, now: datetime, step: str) -> list[PeriodFigures]:
    """The whole city's figures per week or month of [start, end), oldest first, empty periods included."""
    return _by_period(_counts(start=start, end=end, now=now, step=step), start=start, end=end, step=step)


def _by_period(counted, *, start: datetime, end: datetime, step: str) -> list[PeriodFigures]:
    periods: dict[datetime, PeriodFigures] = {}
    for _department, _source, period, counts in counted:
        periods.setdefault(period, PeriodFigures(start=period)).add(counts)
    first = _truncate(start.astimezone(CITY_TZ), step)
    while first < end:
        periods.setdefault(first, PeriodFigures(start=first))
        first = _next(first, step)
    return [periods[key] for key in sorted(periods)]


def _truncate(moment: datetime, step: str) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday()) if step == "week" else day.replace(day=1)


def _next(moment: datetime, step: str) -> datetime:
    if step == "week":
        return moment + timedelta(days=7)
    return moment.replace(year=moment.year + moment.month // 12, month=moment.month % 12 + 1)


def _rank(members: list[DepartmentFigures]) -> None:
    """Within a tier: satisfaction, then resolution, then response; departments with no work are unranked."""

    def key(f: DepartmentFigures):
        return tuple(-(f.rate(name) or 0) for name in ("satisfaction", "resolution", "response"))

    ranked = sorted((f for f in members if f.counts["dispatched"] or f.counts["evaluated"]), key=key)
    for position, figures in enumerate(ranked, start=1):
        figures.rank = position
    members.sort(key=lambda f: (f.rank is None, f.rank or 0, f.department.code))


def tier_totals(tiers: dict[str, list[DepartmentFigures]]) -> dict[str, Figures]:
    """A tier's figures as one: its departments' counts added up, the rates computed from the sums."""
    totals = {code: Figures() for code in tiers}
    for code, members in tiers.items():
        for figures in members:
            totals[code].add(figures.counts)
    return totals
