"""What a week's digests say (DESIGN.md §7), read in bulk: a fixed number of queries for every department, chain
and the city at once, whatever the number of tickets or recipients.

- department (for its heads): new (lead assignments made in the week), due in the coming week, overdue, returned
  and reopened in the week, the §7 figures of the week and the rank in its tier;
- chain (for its leaders): new and growing common problems, the week's top categories, companies affected;
- city (for supervisors): the three rates by tier and by channel (渠道), the overdue list, the top recurring
  problems.

The rates come from `tickets.figures`; lists show the first `LIST_LIMIT` rows and the full count.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.fields.json import KT
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from common.replica import lag_tolerant
from companies.models import IndustryChain
from departments.models import Department
from problems.models import LIVE_STATUSES, Problem
from problems.selectors import RISING, chain_problems_q, chains_concerned
from sla.calendar import CITY_TZ
from tickets import figures
from tickets.models import Assignment, Status, Ticket, TicketEvent, ticket_number

LIST_LIMIT = 10
CITY_OVERDUE_LIMIT = 20
TOP_CATEGORIES = 5


@dataclass(frozen=True)
class Week:
    """Monday 00:00 to the next Monday 00:00, city time; `as_of` is when states (overdue) are read."""

    start: date
    as_of: datetime

    @classmethod
    def of(cls, start: date, *, now: datetime | None = None) -> Week:
        start = start - timedelta(days=start.weekday())  # any day names its week
        week = cls(start=start, as_of=now or timezone.now())
        return cls(start=start, as_of=min(week.as_of, week.until))

    @property
    def since(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=CITY_TZ)

    @property
    def until(self) -> datetime:
        return self.since + timedelta(days=7)

    @property
    def last_day(self) -> date:
        return self.start + timedelta(days=6)


def previous_week(now: datetime | None = None) -> date:
    """The Monday of the last full week: what Monday morning's digest reports."""
    today = (now or timezone.now()).astimezone(CITY_TZ).date()
    return today - timedelta(days=today.weekday() + 7)


@dataclass
class TicketLine:
    id: int
    number: str
    title: str
    company: str
    department: str
    due_at: datetime | None


@dataclass
class Listing:
    total: int = 0
    rows: list[TicketLine] = field(default_factory=list)


@dataclass
class DepartmentSection:
    department: Department
    figures: figures.DepartmentFigures
    tier_label: str
    tier: figures.Figures  # the tier's departments added up: what the department compares with
    ranked: int  # departments ranked in the tier
    new: Listing
    due: Listing
    overdue: Listing
    returned: Listing
    reopened: Listing
    kind: str = "department"

    @property
    def key(self) -> str:
        return f"department-{self.department.code}"


@dataclass
class ChainSection:
    chain: IndustryChain
    new_problems: list[Problem]
    growing_problems: list[Problem]
    categories: list[tuple[str, int]]  # the week's new tickets of the chain by category, most first
    companies: list[tuple[str, int]]
    company_total: int
    ticket_total: int
    kind: str = "chain"

    @property
    def key(self) -> str:
        return f"chain-{self.chain.code}"


@dataclass
class TierLine:
    code: str
    label: str
    figures: figures.Figures
    departments: int


@dataclass
class CitySection:
    tiers: list[TierLine]
    overdue: Listing
    problems: list[Problem]
    channels: list[figures.ChannelFigures] = field(default_factory=list)
    kind: str = "city"
    key: str = "city"


@dataclass
class WeekContent:
    week: Week
    departments: dict[int, DepartmentSection]
    chains: dict[int, ChainSection]
    city: CitySection | None


@lag_tolerant()  # a past week's figures and lists: the replica may serve them
def week_content(
    week: Week, *, department_ids: set[int] | None = None, chain_ids: set[int] | None = None, city: bool = True
) -> WeekContent:
    """The sections of `week` for these departments and chains (None: all) and the city view."""
    for_departments = department_ids != set()
    # Every department's rates, ranked by tier: the costliest read, for department and city sections only.
    tiers, channels = None, []
    if for_departments or city:
        tiers, channels = figures.period_figures(start=week.since, end=week.until, now=week.as_of, by_source=city)
    departments = _department_sections(week, tiers, department_ids) if for_departments else {}
    chains = _chain_sections(week, chain_ids) if chain_ids != set() else {}
    return WeekContent(week, departments, chains, _city_section(week, tiers, channels) if city else None)


# -- departments ------------------------------------------------------------------------------------------
def _department_sections(week: Week, tiers, only: set[int] | None) -> dict[int, DepartmentSection]:
    def scoped(rows: QuerySet, path: str) -> QuerySet:
        return rows if only is None else rows.filter(**{f"{path}__in": only})

    in_week = {"created_at__gte": week.since, "created_at__lt": week.until}
    open_tickets = Ticket.objects.filter(lead_department__isnull=False)
    new = _listings(
        scoped(Assignment.objects.filter(role=Assignment.Role.LEAD, assigned_at__gte=week.since,
                                         assigned_at__lt=week.until), "department_id"),
        group="department_id", order="assigned_at", ticket="ticket__",
    )  # fmt: skip
    due = _listings(
        scoped(open_tickets.filter(status__in=[Status.ASSIGNED, Status.ACCEPTED], due_at__gte=week.until,
                                   due_at__lt=week.until + timedelta(days=7)), "lead_department_id"),
        group="lead_department_id", order="due_at",
    )  # fmt: skip
    overdue = _listings(
        scoped(open_tickets.filter(figures.overdue_q(week.as_of)), "lead_department_id"),
        group="lead_department_id", order="due_at",
    )  # fmt: skip
    # A return leaves the ticket without a lead: the department is the one the event names.
    codes = dict(Department.objects.values_list("code", "pk"))
    returns = TicketEvent.objects.filter(action="return", **in_week).annotate(department_code=KT("data__department"))
    if only is not None:
        returns = returns.filter(department_code__in=[c for c, pk in codes.items() if pk in only])
    by_code = _listings(returns, group="department_code", order="created_at", ticket="ticket__")
    returned = {codes.get(code): listing for code, listing in by_code.items()}
    reopened = _listings(
        scoped(TicketEvent.objects.filter(action="reopen", **in_week), "ticket__lead_department_id"),
        group="ticket__lead_department_id", order="created_at", ticket="ticket__",
    )  # fmt: skip

    totals = figures.tier_totals(tiers)
    labels = dict(figures.TIERS)
    sections = {}
    for code, members in tiers.items():
        ranked = sum(1 for f in members if f.rank is not None)
        for f in members:
            pk = f.department.pk
            if only is not None and pk not in only:
                continue
            sections[pk] = DepartmentSection(
                department=f.department, figures=f, tier_label=str(labels[code]), tier=totals[code], ranked=ranked,
                new=new.get(pk, Listing()), due=due.get(pk, Listing()), overdue=overdue.get(pk, Listing()),
                returned=returned.get(pk, Listing()), reopened=reopened.get(pk, Listing()),
            )  # fmt: skip
    return sections


def _listings(
    rows: QuerySet, *, group: str, order: str, ticket: str = "", limit: int = LIST_LIMIT
) -> dict[Any, Listing]:
    """Per group: the count, and the first `limit` rows by `order` (one window query, not one per group).
    `ticket` is the path from the rows to their ticket ("" when the rows are tickets)."""
    listings: dict[Any, Listing] = defaultdict(Listing)
    for key, total in rows.order_by().values_list(group).annotate(n=Count("pk")):
        listings[key].total = total
    numbered = rows.order_by().annotate(
        position=Window(RowNumber(), partition_by=[F(group)], order_by=[F(order).asc(), F("pk").asc()])
    )
    paths = _paths(ticket)
    for row in numbered.filter(position__lte=limit).order_by(group, "position").values(group, *paths.values()):
        listings[row[group]].rows.append(_line(row, paths))
    return listings


def _paths(ticket: str) -> dict[str, str]:
    paths = {name: f"{ticket}{name}" for name in ("id", "title", "created_at", "company__name", "due_at")}
    paths["department"] = f"{ticket}lead_department__name"
    return paths


def _line(row: dict, paths: dict[str, str]) -> TicketLine:
    t = {name: row[path] for name, path in paths.items()}
    return TicketLine(
        id=t["id"], number=ticket_number(t["id"], t["created_at"]), title=t["title"],
        company=t["company__name"], department=t["department"] or "", due_at=t["due_at"],
    )  # fmt: skip


# -- chains -----------------------------------------------------------------------------------------------
def _chain_sections(week: Week, only: set[int] | None) -> dict[int, ChainSection]:
    chains = IndustryChain.objects.order_by("code")
    if only is not None:
        chains = chains.filter(pk__in=only)
    sections = {
        c.pk: ChainSection(chain=c, new_problems=[], growing_problems=[], categories=[], companies=[],
                           company_total=0, ticket_total=0)
        for c in chains
    }  # fmt: skip
    # The chain's problems as its workspace lists them (problems.selectors): new, found during the week;
    # growing, more members in the last four weeks than in the four before.
    problems = Problem.objects.filter(chain_problems_q(sections)).filter(
        Q(created_at__gte=week.since, created_at__lt=week.until) | RISING
    )
    found = list(problems.filter(created_at__lt=week.until).order_by("-heat", "pk"))  # hottest first
    concerned = chains_concerned(found, sections)
    for problem in found:
        found_this_week = problem.created_at >= week.since
        for chain_id in sorted(concerned[problem.pk]):
            section = sections[chain_id]
            listing = section.new_problems if found_this_week else section.growing_problems
            if len(listing) < LIST_LIMIT:
                listing.append(problem)
    # One pass over the week's tickets of these chains: by category and by company.
    categories: dict[int, Counter] = defaultdict(Counter)
    companies: dict[int, Counter] = defaultdict(Counter)
    tickets = Ticket.objects.filter(chain_id__in=sections, created_at__gte=week.since, created_at__lt=week.until)
    grouped = tickets.order_by().values_list("chain_id", "category__name", "company__name").annotate(n=Count("pk"))
    for chain_id, category, company, n in grouped:
        categories[chain_id][category or _("未分类")] += n
        companies[chain_id][company] += n
    for pk, section in sections.items():
        section.categories = categories[pk].most_common(TOP_CATEGORIES)
        section.companies = companies[pk].most_common(LIST_LIMIT)
        section.company_total = len(companies[pk])
        section.ticket_total = sum(categories[pk].values())
    return sections


# -- the city ---------------------------------------------------------------------------------------------
def _city_section(week: Week, tiers, channels: list[figures.ChannelFigures]) -> CitySection:
    totals = figures.tier_totals(tiers)
    lines = [
        TierLine(code=code, label=str(label), figures=totals[code], departments=len(tiers[code]))
        for code, label in figures.TIERS
        if tiers[code]
    ]
    overdue_rows = Ticket.objects.filter(figures.overdue_q(week.as_of))
    paths = _paths("")
    first = overdue_rows.order_by("due_at", "pk").values(*paths.values())[:CITY_OVERDUE_LIMIT]
    overdue = Listing(total=overdue_rows.count(), rows=[_line(row, paths) for row in first])
    problems = list(
        Problem.objects.filter(status__in=LIVE_STATUSES, created_at__lt=week.until)
        .select_related("chain")
        .order_by("-heat", "pk")[:LIST_LIMIT]
    )
    return CitySection(tiers=lines, overdue=overdue, problems=problems, channels=channels)
