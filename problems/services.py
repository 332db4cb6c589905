"""Writes to common problems: detection (full and incremental) and the officials' decisions.

Detection proposes; people decide. A full run (nightly, or `detect_common_problems`) groups the window's
tickets afresh and maps each group onto the live problem holding most of its tickets, else a new
candidate; it only adds tickets, never takes one out of a problem (people do that, by splitting). A
dismissed problem's tickets do not come back as a new candidate on their own. The incremental step
attaches one newly triaged ticket by the same features and threshold, using the last full run's
document frequencies and the key-term index.

Every decision (confirm, merge, split, dismiss, answer) locks the problem row, checks the caller's roles
(403 before 409), then the status, and appends one `ProblemEvent`.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from scipy.sparse import vstack as sparse_vstack

from accounts.roles import Role
from common.db import update_many
from common.errors import DomainError, InvalidState, NotFound, NotPermitted
from departments.models import Department
from tickets.access import Access, access_for
from tickets.models import Reply, Status, Ticket
from tickets.services import ticket_apply

from . import detection
from .heat import heat
from .models import (
    LIVE_STATUSES,
    FeatureSnapshot,
    OwnerKind,
    Problem,
    ProblemEvent,
    ProblemMember,
    ProblemStatus,
    TicketKeyTerm,
)

logger = logging.getLogger(__name__)
# Out of scope or withdrawn requests report no problem; a merged duplicate is represented by its primary.
EXCLUDED_STATUSES = (Status.REJECTED, Status.WITHDRAWN)
MAX_INCREMENTAL_CANDIDATES = 500
TREND_PERIOD = timedelta(days=28)


def detection_params() -> detection.Params:
    return detection.Params(
        merge=settings.QIHU["COMMON_PROBLEM_SIMILARITY"], join=settings.QIHU["COMMON_PROBLEM_JOIN"],
        window_days=settings.QIHU["COMMON_PROBLEM_WINDOW_DAYS"],
    )  # fmt: skip


def window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.QIHU["COMMON_PROBLEM_WINDOW_DAYS"])


def _detectable():
    return Ticket.objects.exclude(status__in=EXCLUDED_STATUSES).filter(merged_into__isnull=True)


# -- full run ----------------------------------------------------------------------------------------
@dataclass
class RunReport:
    tickets: int = 0
    groups: int = 0
    created: list[int] = field(default_factory=list)  # problem ids
    extended: list[int] = field(default_factory=list)
    problems: list[int] = field(default_factory=list)  # every problem a group was mapped onto, largest first
    indexed: int = 0


def problems_detect(*, since: datetime | None = None, index_terms: bool = False) -> RunReport:
    """Group every detectable ticket filed since `since` (None: all) and record the groups as problems.

    `index_terms` also writes the key-term index for tickets that lack it (imported history), so that
    later tickets can be attached to them one by one.
    """
    params = detection_params()
    rows = _detectable().order_by("created_at", "pk")
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    ids, companies, chains, times, titles, descriptions, supports = [], [], [], [], [], [], []
    for pk, company_id, chain_id, created_at, title, description, up, down in rows.values_list(
        "pk", "company_id", "chain_id", "created_at", "title", "description", "upvotes", "downvotes"
    ).iterator(chunk_size=5000):
        ids.append(pk)
        companies.append(company_id)
        chains.append(chain_id)
        times.append(created_at.timestamp())
        titles.append(title)
        descriptions.append(description)
        supports.append(max(up - down, 0))
    report = RunReport(tickets=len(ids))
    if len(ids) < 2:
        return report
    groups, features, matrix = detection.detect(titles, descriptions, np.array(times), np.array(companies), params)
    report.groups = len(groups)
    FeatureSnapshot.objects.create(n_docs=features.n_docs, idf=detection.dumps_idf(features))
    FeatureSnapshot.objects.filter(pk__lt=FeatureSnapshot.objects.latest("pk").pk).delete()
    with transaction.atomic():
        _lock_detection()
        _record_groups(
            report, groups, ids, titles, matrix, features, np.array(companies), np.array(chains, dtype=object),
            [datetime.fromtimestamp(t, tz=UTC) for t in times], supports,
        )  # fmt: skip
    if index_terms:
        # as a new ticket's (detection.row_key_terms): the heaviest n-grams, and the heaviest shared ones
        keys = detection.key_terms(matrix, features.df, params.key_terms, shared_only=False)
        keys = keys + detection.key_terms(matrix, features.df, params.key_terms)
        report.indexed = _index_missing(keys, ids, times)
    return report


def _lock_detection() -> None:
    """Detection writers (the full run, incremental attaches) take turns: one ticket, one live problem."""
    FeatureSnapshot.objects.select_for_update().order_by("-pk").first()


def _record_groups(
    report: RunReport, groups, ids, titles, matrix, features, companies, chains, times, supports
) -> None:
    now, reference = timezone.now(), newest_report()
    group_ids = [[ids[i] for i in g] for g in groups]
    involved = [t for g in group_ids for t in g]
    live = dict(
        ProblemMember.objects.filter(ticket_id__in=involved, problem__status__in=LIVE_STATUSES).values_list(
            "ticket_id", "problem_id"
        )
    )
    dismissed = set(
        ProblemMember.objects.filter(ticket_id__in=involved, problem__status=ProblemStatus.DISMISSED).values_list(
            "ticket_id", flat=True
        )
    )
    new_problems, new_members_of, extend = [], [], defaultdict(list)
    for members, tickets in zip(groups, group_ids, strict=True):
        holders = Counter(live[t] for t in tickets if t in live)
        free = [t for t in tickets if t not in live]
        if holders:
            problem_id = holders.most_common(1)[0][0]
            extend[problem_id] += free
            report.problems.append(problem_id)
        elif 2 * sum(t in dismissed for t in tickets) >= len(tickets):
            continue  # people said this is not a common problem; new tickets alone do not overrule them
        else:
            problem = Problem(
                title=titles[detection.central(matrix, members)][:200],
                keywords="、".join(detection.keywords([titles[i] for i in members], common=features.common))[:200],
                created_at=now,
                updated_at=now,
            )
            # A new problem's figures come from the group itself: no second pass over the database.
            _set_stats(
                problem, companies[members], chains[members], [times[i] for i in members],
                sum(supports[i] for i in members), now=now, reference=reference,
            )  # fmt: skip
            new_problems.append(problem)
            new_members_of.append(free)
    Problem.objects.bulk_create(new_problems, batch_size=2000)
    rows = [
        ProblemMember(problem=p, ticket_id=t, added_at=now)
        for p, ts in zip(new_problems, new_members_of, strict=True)
        for t in ts
    ]
    rows += [ProblemMember(problem_id=p, ticket_id=t, added_at=now) for p, ts in extend.items() for t in ts]
    ProblemMember.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
    report.created = [p.pk for p in new_problems]
    report.extended = [p for p, ts in extend.items() if ts]
    # Every live problem's figures again, not only the extended ones': heat cools as reports age.
    refresh_stats(set(Problem.objects.filter(status__in=LIVE_STATUSES).values_list("pk", flat=True)), now=now)
    report.problems += report.created
    order = dict(Problem.objects.filter(pk__in=report.problems).values_list("pk", "heat"))
    report.problems = sorted(dict.fromkeys(report.problems), key=lambda p: (-order[p], p))


def newest_report() -> datetime:
    """The newest request's filing time: what heat measures a problem's age against (problems/heat.py)."""
    newest = _detectable().order_by("-created_at").values_list("created_at", flat=True).first()
    return newest or timezone.now()


def _set_stats(
    problem: Problem, companies, chains, times: list[datetime], support: int, *, now: datetime, reference: datetime
) -> None:
    """Company and ticket counts, heat, first/last report, the trend and the chain, from the members."""
    known_chains = {c for c in chains if c is not None}
    hot = heat(list(companies), times, support, reference)
    problem.company_count, problem.ticket_count = hot.companies, hot.reports
    problem.heat, problem.peak_company_count, problem.support = hot.value, hot.peak, hot.support
    problem.first_reported_at = min(times) if times else None
    problem.last_reported_at = max(times) if times else None
    problem.recent_count = sum(now - TREND_PERIOD <= t for t in times)
    problem.previous_count = sum(now - 2 * TREND_PERIOD <= t < now - TREND_PERIOD for t in times)
    problem.chain_id = known_chains.pop() if len(known_chains) == 1 else None  # several chains: cross-chain
    problem.updated_at = now


def _index_missing(keys, ids, times) -> int:
    """Key-term rows for the tickets that have none yet."""
    have = set()
    for start in range(0, len(ids), 10_000):  # a statement holds at most 65,535 parameters (PostgreSQL's protocol)
        chunk = ids[start : start + 10_000]
        have.update(TicketKeyTerm.objects.filter(ticket_id__in=chunk).values_list("ticket_id", flat=True).distinct())
    rows = []
    for i, ticket_id in enumerate(ids):
        if ticket_id in have:
            continue
        at = datetime.fromtimestamp(times[i], tz=UTC)
        rows += [
            TicketKeyTerm(ticket_id=ticket_id, term=int(t), created_at=at)
            for t in keys.indices[keys.indptr[i] : keys.indptr[i + 1]]
        ]
    TicketKeyTerm.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def refresh_stats(problem_ids, *, now: datetime | None = None) -> None:
    """Recompute the figures of these problems from their members in the database."""
    if not problem_ids:
        return
    now, reference = now or timezone.now(), newest_report()
    per = defaultdict(lambda: ([], [], [], [0]))
    for problem_id, company_id, chain_id, created_at, up, down in ProblemMember.objects.filter(
        problem_id__in=problem_ids
    ).values_list(
        "problem_id", "ticket__company_id", "ticket__chain_id", "ticket__created_at", "ticket__upvotes",
        "ticket__downvotes",
    ):  # fmt: skip
        companies, chains, times, support = per[problem_id]
        companies.append(company_id)
        chains.append(chain_id)
        times.append(created_at)
        support[0] += max(up - down, 0)
    problems = list(Problem.objects.filter(pk__in=problem_ids))
    for problem in problems:
        companies, chains, times, support = per[problem.pk]
        _set_stats(problem, companies, chains, times, support[0], now=now, reference=reference)
    update_many(
        problems,
        ["company_count", "ticket_count", "heat", "peak_company_count", "support", "first_reported_at",
         "last_reported_at", "recent_count", "previous_count", "chain", "updated_at"],
    )  # fmt: skip


# -- one new ticket ------------------------------------------------------------------------------------
_snapshot: dict = {"pk": None, "features": None}


def _features() -> detection.Features | None:
    """The last full run's document frequencies, loaded once per process and again when a newer run stored them."""
    newest = FeatureSnapshot.objects.order_by("-pk").values_list("pk", flat=True).first()
    if newest is None:
        return None
    if newest != _snapshot["pk"]:
        snapshot = FeatureSnapshot.objects.get(pk=newest)
        _snapshot["features"] = detection.loads_idf(bytes(snapshot.idf), snapshot.n_docs)
        _snapshot["pk"] = newest
    return _snapshot["features"]


def problem_attach_ticket(*, ticket_id: int) -> Problem | None:
    """Place one newly triaged ticket as the full run would (detection.py, step 3): into the live problem whose
    centroid it is closest to, at `join` or more, with the free tickets now as close to that centroid; else, with
    the free tickets it is alike at `merge` and those close to their common centroid, into a new candidate when
    they come from at least two companies.
    Idempotent; no full run yet (no document frequencies) → nothing to compare with."""
    features = _features()
    ticket = _detectable().filter(pk=ticket_id).first()
    if features is None or ticket is None:
        return None
    params = detection_params()
    vector = features.weigh(features.counts([detection.prepare(ticket.title, ticket.description)]))
    terms = detection.row_key_terms(vector, params.key_terms, features)
    with transaction.atomic():
        TicketKeyTerm.objects.filter(ticket_id=ticket.pk).delete()
        TicketKeyTerm.objects.bulk_create(
            [TicketKeyTerm(ticket_id=ticket.pk, term=t, created_at=ticket.created_at) for t in terms]
        )
    window = timedelta(days=params.window_days)
    candidate_ids = (
        TicketKeyTerm.objects.filter(
            term__in=terms, created_at__range=(ticket.created_at - window, ticket.created_at + window)
        )
        .exclude(ticket_id=ticket.pk)
        .values_list("ticket_id", flat=True)
        .distinct()[:MAX_INCREMENTAL_CANDIDATES]
    )
    candidates = _texts(_detectable().filter(pk__in=list(candidate_ids)))
    if not candidates:
        return None
    with transaction.atomic():
        _lock_detection()
        own = ProblemMember.objects.filter(ticket_id=ticket.pk, problem__status__in=LIVE_STATUSES).first()
        if own is not None:
            return own.problem
        live = dict(
            ProblemMember.objects.filter(ticket_id__in=candidates, problem__status__in=LIVE_STATUSES).values_list(
                "ticket_id", "problem_id"
            )
        )
        problem_id = _closest_problem(vector, set(live.values()), params.join)
        free = {pk: row for pk, row in candidates.items() if pk not in live}
        if problem_id is not None:
            ProblemMember.objects.create(problem_id=problem_id, ticket_id=ticket.pk)
            pulled = _close_to(features, problem_id, free, params.join)
            ProblemMember.objects.bulk_create([ProblemMember(problem_id=problem_id, ticket_id=pk) for pk in pulled])
            refresh_stats({problem_id})
            return Problem.objects.get(pk=problem_id)
        members = _new_group(features, vector, free, params)
        companies = {ticket.company_id, *(free[pk][0] for pk in members)}
        if not members or len(companies) < params.min_companies:
            return None  # the same company's repeats are duplicates (triage's business), not a common problem
        titles = [ticket.title, *(free[pk][1] for pk in members)]
        found = detection.keywords(titles, common=features.common)
        problem = Problem.objects.create(title=ticket.title, keywords="、".join(found)[:200])
        ProblemMember.objects.bulk_create(
            [ProblemMember(problem=problem, ticket_id=pk) for pk in [ticket.pk, *members]]
        )
        refresh_stats({problem.pk})
        problem.refresh_from_db()
        return problem


def _texts(tickets) -> dict[int, tuple]:
    """(company, title, description) by ticket id."""
    rows = tickets.values_list("pk", "company_id", "title", "description")
    return {pk: (company, title, description) for pk, company, title, description in rows}


def _weigh(features: detection.Features, rows) -> object:
    return features.weigh(features.counts([detection.prepare(title, text) for _company, title, text in rows]))


def _problem_centroid(features: detection.Features, problem_id: int):
    """The normalised mean of the problem's (newest MAX_INCREMENTAL_CANDIDATES) members."""
    newest = Ticket.objects.filter(problem_memberships__problem_id=problem_id).order_by("-created_at")
    matrix = _weigh(features, _texts(newest[:MAX_INCREMENTAL_CANDIDATES]).values())
    return detection.centroid(matrix, np.arange(matrix.shape[0]))


@functools.lru_cache(maxsize=256)
def _known_centroid(snapshot_pk: int, problem_id: int, updated_at: datetime):
    """A problem's centroid as of `updated_at`, which every change of its members moves (`refresh_stats`): an
    attach compares a ticket with every live problem among its candidates, and recomputing each from its members'
    texts was 30 ms a problem at 100,000 tickets (`make bench-problems`). Per process, under the snapshot's pk; a
    centroid holds the n-grams of up to 500 members (tens of thousands of entries), hence the bound."""
    return _problem_centroid(_snapshot["features"], problem_id)


def _closest_problem(vector, problem_ids: set[int], join: float) -> int | None:
    """Of these live problems, the one whose members' centroid is most similar to the ticket, if at least `join`."""
    best, best_similarity = None, join
    versions = dict(Problem.objects.filter(pk__in=problem_ids).values_list("pk", "updated_at"))
    for problem_id in sorted(versions):
        centroid = _known_centroid(_snapshot["pk"], problem_id, versions[problem_id])
        similarity = float((centroid @ vector.T).toarray()[0, 0])
        if similarity >= best_similarity:
            best, best_similarity = problem_id, similarity
    return best


def _close_to(features: detection.Features, problem_id: int, free: dict[int, tuple], join: float) -> list[int]:
    """The free tickets as close as `join` to the problem's centroid now that a ticket joined it, as in the full
    run, where single tickets join a group at any round: without it a report filed before its problem had
    formed, which shared too little with the first members, would stay out for good."""
    if not free:
        return []
    closeness = _weigh(features, free.values()) @ _problem_centroid(features, problem_id).T
    ids = list(free)
    return [ids[k] for k in np.flatnonzero(closeness.toarray().ravel() >= join)]


def _new_group(features: detection.Features, vector, free: dict[int, tuple], params: detection.Params) -> list[int]:
    """The free tickets that would form a group with this one: those alike at `merge`, then those close to
    the centroid of the ticket and them at `join` (the full run's two bars)."""
    if not free:
        return []
    ids = list(free)
    matrix = _weigh(features, free.values())
    partners = np.flatnonzero(np.asarray((matrix @ vector.T).todense()).ravel() >= params.merge)
    if not len(partners):
        return []
    both = sparse_vstack([vector, matrix[partners]])
    closeness = np.asarray((matrix @ detection.centroid(both, np.arange(both.shape[0])).T).todense()).ravel()
    return [ids[k] for k in np.flatnonzero((closeness >= params.join) | np.isin(np.arange(len(ids)), partners))]


# -- who may do what ------------------------------------------------------------------------------------
def visible_q(access: Access) -> Q:
    """Dispatchers, supervisors and admins see every problem; chain leaders those of their chains and those
    their chains' companies share with others (seen, not decided); departments the ones they own."""
    if access.sees_all:
        return Q()
    touching = ProblemMember.objects.filter(ticket__chain_id__in=access.chain_ids).values("problem_id")
    return (
        Q(chain_id__in=access.chain_ids)
        | Q(pk__in=touching)
        | Q(owner_department_id__in=access.department_ids)
        | Q(owner_department__chain_id__in=access.chain_ids)
    )


def _may_decide(access: Access, problem: Problem) -> bool:
    """Confirm, merge, split, dismiss: the service centre, the efficiency office, the chain's leaders."""
    return may_decide_for_chain(access, problem.chain_id)


def may_decide_for_chain(access: Access, chain_id: int | None) -> bool:
    """Decisions on a chain's shared problems and lists: dispatchers, supervisors, admins, its chain leaders."""
    if access.global_roles & {Role.DISPATCHER, Role.SUPERVISOR} or (
        access.sees_all and Role.SYSTEM not in access.global_roles
    ):
        return True
    return chain_id is not None and chain_id in access.chain_ids


def _may_answer(access: Access, problem: Problem) -> bool:
    """Those who may decide, and the owner: members of the owning department or chain working group."""
    if _may_decide(access, problem):
        return True
    owner = problem.owner_department
    return owner is not None and (
        owner.pk in access.department_ids or (owner.chain_id and owner.chain_id in access.chain_ids)
    )


def problem_get(*, access: Access, problem_id: int, for_update: bool = False) -> Problem:
    rows = Problem.objects.select_related("owner_department", "chain")
    if for_update:
        rows = rows.select_for_update(of=("self",), no_key=True)
    try:
        return rows.filter(visible_q(access)).get(pk=problem_id)
    except Problem.DoesNotExist:
        raise NotFound(_("未找到该共性问题。")) from None


@dataclass(frozen=True)
class Decision:
    label: str
    statuses: tuple[str, ...]  # the problem's statuses that allow it
    may: Callable[[Access, Problem], bool]  # who may take it


# The officials' decisions on a problem: what the services check and what pages offer (`offered_decisions`).
DECISIONS = {
    "confirm": Decision(gettext_lazy("确认"), (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED), _may_decide),
    "merge": Decision(gettext_lazy("合并"), LIVE_STATUSES, _may_decide),
    "split": Decision(gettext_lazy("拆分"), (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED), _may_decide),
    "dismiss": Decision(gettext_lazy("排除"), (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED), _may_decide),
    "answer": Decision(gettext_lazy("答复"), (ProblemStatus.CONFIRMED, ProblemStatus.ANSWERED), _may_answer),
}


def offered_decisions(*, access: Access, problem: Problem) -> list[str]:
    """The decisions this user could take on the problem now, in the table's order: a page offers these only."""
    return [name for name, d in DECISIONS.items() if problem.status in d.statuses and d.may(access, problem)]


def _checked(actor, problem_id: int, decision: str) -> tuple[Problem, Access]:
    spec = DECISIONS[decision]
    access = access_for(actor)
    problem = problem_get(access=access, problem_id=problem_id, for_update=True)
    if not spec.may(access, problem):
        raise NotPermitted(_("您的身份不能对该共性问题执行“%(action)s”。") % {"action": spec.label})
    if problem.status not in spec.statuses:
        raise InvalidState(
            _("共性问题当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": problem.get_status_display(), "action": spec.label}
        )
    return problem, access


def _event(problem: Problem, action: str, actor, *, note: str = "", data: dict | None = None) -> ProblemEvent:
    return ProblemEvent.objects.create(problem=problem, action=action, actor=actor, note=note, data=data or {})


def _save(problem: Problem, fields: list[str]) -> None:
    problem.version += 1
    problem.updated_at = timezone.now()
    problem.save(update_fields=[*fields, "version", "updated_at"])


# -- the officials' decisions -----------------------------------------------------------------------------
def problem_confirm(
    *, actor, problem_id: int, owner_kind: str, owner_department: Department | None = None, due_date: date,
    title: str = "", note: str = "",
) -> Problem:  # fmt: skip
    """确认: a candidate becomes a problem with an owner and a due date (a confirmed one can be re-assigned)."""
    with transaction.atomic():
        problem, _access = _checked(actor, problem_id, "confirm")
        if owner_kind not in OwnerKind.values:
            raise DomainError(_("牵头方类型无效。"), code="invalid_owner")
        if owner_kind == OwnerKind.JOINT_MEETING:
            owner_department = None
        elif owner_department is None:
            raise DomainError(_("请指定牵头部门或产业链专班。"), code="owner_required")
        elif owner_kind == OwnerKind.CHAIN_GROUP and owner_department.kind != Department.Kind.CHAIN_GROUP:
            raise DomainError(_("牵头方应为产业链专班。"), code="invalid_owner")
        if due_date < timezone.localdate():
            raise DomainError(_("办理期限不能早于今天。"), code="invalid_due_date")
        problem.status = ProblemStatus.CONFIRMED
        problem.owner_kind, problem.owner_department, problem.due_date = owner_kind, owner_department, due_date
        if title.strip():
            problem.title = title.strip()[:200]
        _save(problem, ["status", "owner_kind", "owner_department", "due_date", "title"])
        _event(problem, "confirm", actor, note=note, data={
            "owner_kind": owner_kind, "owner": owner_department.code if owner_department else None,
            "due_date": due_date.isoformat(),
        })  # fmt: skip
    return problem


def problem_dismiss(*, actor, problem_id: int, note: str = "") -> Problem:
    """排除: not a common problem; its tickets do not come back as a candidate by themselves."""
    with transaction.atomic():
        problem, _access = _checked(actor, problem_id, "dismiss")
        if not note.strip():
            raise DomainError(_("排除须说明理由。"), code="required")
        problem.status = ProblemStatus.DISMISSED
        _save(problem, ["status"])
        _event(problem, "dismiss", actor, note=note)
    return problem


def problem_merge(*, actor, problem_id: int, into_id: int, note: str = "") -> Problem:
    """合并: the problem's tickets join `into`; the problem stays, marked merged, for the record."""
    if problem_id == into_id:
        raise DomainError(_("不能与自身合并。"), code="merge_self")
    with transaction.atomic():
        # Lock both in id order: two officials merging the same pair both ways cannot deadlock.
        first, second = sorted((problem_id, into_id))
        locked = {}
        for pk in (first, second):
            locked[pk], _access = _checked(actor, pk, "merge")
        problem, into = locked[problem_id], locked[into_id]
        moved = list(
            problem.members.exclude(ticket_id__in=into.members.values("ticket_id")).values_list("ticket_id", flat=True)
        )
        ProblemMember.objects.bulk_create(
            [ProblemMember(problem=into, ticket_id=t, source=ProblemMember.Source.MANUAL) for t in moved]
        )
        problem.status, problem.merged_into = ProblemStatus.MERGED, into
        _save(problem, ["status", "merged_into"])
        _save(into, [])
        refresh_stats({into.pk})
        _event(problem, "merge", actor, note=note, data={"into": into.pk})
        _event(into, "merged_from", actor, note=note, data={"from": problem.pk, "tickets": moved})
    into.refresh_from_db()
    return into


def problem_split(*, actor, problem_id: int, ticket_ids: list[int], note: str = "") -> Problem:
    """拆分: move some tickets out into a new candidate problem; returns the new one."""
    with transaction.atomic():
        problem, _access = _checked(actor, problem_id, "split")
        members = set(problem.members.values_list("ticket_id", flat=True))
        moving = set(ticket_ids)
        if not moving or not moving <= members:
            raise DomainError(_("只能拆分出本问题中的诉求。"), code="split_not_member")
        if moving == members:
            raise DomainError(_("拆分后原问题至少应保留一件诉求。"), code="split_all")
        titles = dict(Ticket.objects.filter(pk__in=moving).values_list("pk", "title"))
        new = Problem.objects.create(
            title=titles[min(moving)], keywords="、".join(detection.keywords(list(titles.values())))[:200],
            chain=problem.chain,
        )  # fmt: skip
        problem.members.filter(ticket_id__in=moving).update(problem=new, source=ProblemMember.Source.MANUAL)
        _save(problem, [])
        refresh_stats({problem.pk, new.pk})
        _event(problem, "split", actor, note=note, data={"new": new.pk, "tickets": sorted(moving)})
        _event(new, "split_from", actor, note=note, data={"from": problem.pk, "tickets": sorted(moving)})
    new.refresh_from_db()
    return new


@dataclass
class AnswerReport:
    problem: Problem
    answered: list[int]
    skipped: list[dict]  # {"id", "number", "status", "reason"}


def problem_answer(
    *, actor, problem_id: int, body: str, result: str = Reply.Result.RESOLVED, basis: str = ""
) -> AnswerReport:
    """Answer a confirmed problem: every member ticket that may be answered gets the reply as its own event.

    Tickets not in a state that allows it (not routed yet, answered or closed already) are skipped and
    reported. Each ticket is answered in its own transaction: one refusal does not undo the others.
    """
    body = (body or "").strip()
    if not body:
        raise DomainError(_("请填写答复内容。"), code="required")
    if result not in Reply.Result.values:
        raise DomainError(_("办理结果无效。"), code="invalid_result")
    with transaction.atomic():
        problem, _access = _checked(actor, problem_id, "answer")
        problem.status = ProblemStatus.ANSWERED
        _save(problem, ["status"])
        ticket_ids = list(problem.members.order_by("ticket_id").values_list("ticket_id", flat=True))
    answered, skipped = [], []
    for ticket_id in ticket_ids:
        try:
            ticket_apply(
                ticket_id=ticket_id, action="answer_with_problem", problem_id=problem.pk, body=body, result=result,
                basis=basis, department=problem.owner_department, answered_by=getattr(actor, "pk", None),
            )  # fmt: skip
            answered.append(ticket_id)
        except (InvalidState, NotFound) as exc:
            skipped.append({"id": ticket_id, "reason": str(exc.message)})
    found = Ticket.objects.only("status", "created_at").in_bulk([s["id"] for s in skipped])
    for entry in skipped:
        ticket = found.get(entry["id"])
        entry |= {"number": ticket.number if ticket else "", "status": ticket.status if ticket else ""}
    _event(problem, "answer", actor, note=body, data={"answered": answered, "skipped": [s["id"] for s in skipped]})
    return AnswerReport(problem, answered, skipped)
