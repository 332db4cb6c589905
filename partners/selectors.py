"""Reads of the partner channel: a partner sees its own work orders only (another's is a 404)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from common.errors import NotFound
from tickets.models import Comment, Ticket, ticket_id_from_number

from .models import EXTERNAL_ID_PATTERN, Partner


def work_orders(partner: Partner) -> QuerySet[Ticket]:
    """The tickets the partner filed, with what their status answer shows (public comments only)."""
    return (
        Ticket.objects.filter(partner_work_order__partner=partner)
        .select_related("partner_work_order", "category", "company", "lead_department")
        .prefetch_related(
            "replies",
            "evaluations",
            Prefetch("comments", queryset=Comment.objects.filter(public=True).select_related("author")),
        )
    )


def work_order_get(*, partner: Partner, external_id: str | None = None, number: str | None = None) -> Ticket:
    """One of the partner's work orders by its own id or by the ticket number (QH20261123-42)."""
    tickets = work_orders(partner)
    if external_id is not None:
        # only a well-formed id can exist (and a NUL would be a database error, not a 404)
        valid = EXTERNAL_ID_PATTERN.fullmatch(external_id)
        ticket = tickets.filter(partner_work_order__external_id=external_id).first() if valid else None
    else:
        ticket_id = ticket_id_from_number(number or "")
        ticket = tickets.filter(pk=ticket_id).first() if ticket_id else None
        if ticket is not None and ticket.number != (number or "").strip().upper():  # the date must agree too
            ticket = None
    if ticket is None:
        raise NotFound(_("未找到该工单。"))
    return ticket


def open311_requests(
    *, partner: Partner, numbers: list[str], codes: list[str], start, end, statuses: list[str] | None, limit: int
) -> list[Ticket]:
    """The partner's work orders matching an Open311 query, newest first, at most `limit`."""
    tickets = work_orders(partner)
    if numbers:
        by_id = {ticket_id_from_number(n): n.strip().upper() for n in numbers}
        tickets = tickets.filter(pk__in=[i for i in by_id if i])
    if codes:
        tickets = tickets.filter(category__code__in=codes)
    if start is not None:
        tickets = tickets.filter(created_at__gte=start)
    if end is not None:
        tickets = tickets.filter(created_at__lte=end)
    if statuses is not None:
        tickets = tickets.filter(status__in=statuses)
    found = list(tickets.order_by("-created_at", "-id")[:limit])
    return [t for t in found if not numbers or by_id.get(t.pk) == t.number]  # a number's date must agree too
