"""Reads of common problems."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from tickets.access import Access
from tickets.models import ticket_number

from .models import Problem, ProblemMember
from .services import visible_q


def problem_list(*, access: Access, status: list[str] | None = None) -> QuerySet[Problem]:
    rows = Problem.objects.filter(visible_q(access)).select_related("chain", "owner_department")
    if status:
        rows = rows.filter(status__in=status)
    return rows


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
