"""Reads of common problems."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, Prefetch, Q, QuerySet

from tickets.access import Access
from tickets.models import ticket_number

from .models import LIVE_STATUSES, Problem, ProblemMember
from .services import visible_q


def problem_list(*, access: Access, status: list[str] | None = None) -> QuerySet[Problem]:
    rows = Problem.objects.filter(visible_q(access)).select_related("chain", "owner_department")
    if status:
        rows = rows.filter(status__in=status)
    return rows


# -- a chain's problems: one definition for the chain workspace and the chain leaders' weekly digest --------
def chain_problems_q(chain_ids: Iterable[int]) -> Q:
    """Live problems (candidate, confirmed, answered) that concern these chains: the problem's own chain, or a
    member ticket of the chain (a problem spanning several chains, or detected without one, concerns each)."""
    chain_ids = list(chain_ids)
    members = ProblemMember.objects.filter(ticket__chain_id__in=chain_ids).values("problem_id")
    return Q(status__in=LIVE_STATUSES) & (Q(chain_id__in=chain_ids) | Q(pk__in=members))


def chains_concerned(problems: list[Problem], chain_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each problem, which of these chains it concerns (by `chain_problems_q`'s rule), in one query."""
    chain_ids = set(chain_ids)
    concerned: dict[int, set[int]] = defaultdict(set)
    for problem in problems:
        if problem.chain_id in chain_ids:
            concerned[problem.pk].add(problem.chain_id)
    rows = ProblemMember.objects.filter(problem__in=problems, ticket__chain_id__in=chain_ids)
    for problem_id, chain_id in rows.values_list("problem_id", "ticket__chain_id").distinct():
        concerned[problem_id].add(chain_id)
    return concerned


# Growing (上升, `Problem.trend` "rising"): more member tickets in the last four weeks than in the four before.
RISING = Q(recent_count__gt=F("previous_count"))


def problem_detail(*, problem: Problem) -> Problem:
    members = ProblemMember.objects.select_related("ticket__company").order_by("ticket__created_at", "ticket_id")
    return (
        Problem.objects.select_related("chain", "owner_department", "merged_into")
        .prefetch_related(Prefetch("members", queryset=members), "events__actor")
        .get(pk=problem.pk)
    )


def problems_export(problem_ids: list[int]) -> list[dict]:
    """The §8 contract: title, members' external ids (else ticket numbers), companies; hottest first, with the
    heat and its parts (problems/heat.py) and the key words."""
    problems = Problem.objects.in_bulk(problem_ids)
    members: dict[int, list[str]] = {pk: [] for pk in problem_ids}
    rows = ProblemMember.objects.filter(problem_id__in=problem_ids).order_by("ticket__created_at", "ticket_id")
    for problem_id, ticket_id, external_id, created_at in rows.values_list(
        "problem_id", "ticket_id", "ticket__external_id", "ticket__created_at"
    ).iterator(chunk_size=5000):
        members[problem_id].append(external_id or ticket_number(ticket_id, created_at))
    found = sorted((problems[pk] for pk in problem_ids if pk in problems), key=lambda p: (-p.heat, p.pk))
    return [
        {
            "title": p.title,
            "keywords": p.keywords,
            "ticket_external_ids": members[p.pk],
            "companies": p.company_count,
            "heat": p.heat,
            "peak_companies_30_days": p.peak_company_count,
            "support": p.support,
            "first_reported_at": p.first_reported_at.isoformat(),
            "last_reported_at": p.last_reported_at.isoformat(),
        }
        for p in found
    ]
