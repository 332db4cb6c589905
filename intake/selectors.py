"""Reads for the intake desk (代录): the staff member's service centres, companies to file for, what was filed."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from common.text import visible_text
from companies.models import Company
from companies.selectors import company_find_by_phone
from departments.models import Department
from tickets.access import Access
from tickets.models import Ticket

from .models import Meeting

SEARCH_LIMIT = 20
RECENT_LIMIT = 50
_PHONE_TYPED = re.compile(r"\+?[\d\s-]{5,}")
_CREDIT_CODE_TYPED = re.compile(r"[0-9A-Za-z]{18}")


def intake_departments(access: Access) -> QuerySet[Department]:
    """The service centres / hotlines where the user files on companies' behalf (the intake role)."""
    return Department.objects.filter(pk__in=access.intake_department_ids).order_by("code")


def company_search(query: str, *, limit: int = SEARCH_LIMIT) -> list[Company]:
    """Companies by unified social credit code (exact), contact phone (the whole number, however written: the
    numbers are stored encrypted and found by their blind index) or name (a part of it): what a caller says
    first."""
    query = visible_text(query).strip()  # as typed, less what cannot be stored or searched (a NUL)
    if not query:
        return []
    if _CREDIT_CODE_TYPED.fullmatch(query):
        found = Q(credit_code=query.upper())
    elif _PHONE_TYPED.fullmatch(query):
        found = Q(pk__in=company_find_by_phone(query).values("pk"))
    else:
        found = Q(name__icontains=query)
    return list(Company.objects.filter(found).select_related("district").order_by("name", "pk")[:limit])


def company_by_code_or_name(text: str) -> Company | None:
    """One company named exactly, by credit code or full name (a meeting's rows): None if none or several."""
    text = text.strip()
    if _CREDIT_CODE_TYPED.fullmatch(text):
        return Company.objects.filter(credit_code=text.upper()).first()
    found = list(Company.objects.filter(name=text)[:2])
    return found[0] if len(found) == 1 else None


def filed_by_desk(access: Access, *, limit: int = RECENT_LIMIT) -> QuerySet[Ticket]:
    """The tickets the user's service centres filed, newest first (ticket_intake_idx)."""
    return (
        Ticket.objects.filter(intake_department_id__in=access.intake_department_ids)
        .select_related("company", "lead_department", "filed_by")
        .order_by("-created_at", "-id")[:limit]
    )


def meetings_of_desk(access: Access, *, limit: int = RECENT_LIMIT) -> QuerySet[Meeting]:
    return Meeting.objects.filter(department_id__in=access.intake_department_ids)[:limit]


def meeting_get(access: Access, meeting_id: int) -> Meeting | None:
    """A meeting the user's service centres recorded (None: not theirs, or none)."""
    return (
        Meeting.objects.filter(pk=meeting_id, department_id__in=access.intake_department_ids)
        .select_related("department", "recorded_by")
        .first()
    )
