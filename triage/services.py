from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import InvalidState
from tickets.models import Level, Status, Ticket
from tickets.services import enqueue_triage, ticket_apply

from .models import Category
from .router import classify, priority_of, request_type_of, route

logger = logging.getLogger(__name__)


def ticket_triage(*, ticket_id: int) -> Ticket | None:
    """Triage a submitted ticket: classify, route, and dispatch it or leave it for a dispatcher.

    Idempotent: a ticket that is no longer `submitted` (triaged already, withdrawn, or gone) is left
    alone, so a redelivered task or the sweeper's re-enqueue does no harm.
    """
    ticket = Ticket.objects.select_related("company").filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Status.SUBMITTED:
        return ticket
    text = f"{ticket.title}\n{ticket.description}"
    categories = Category.objects.filter(active=True)
    if ticket.category_id:
        category, confidence, matched = ticket.category, 1.0, ()
    else:
        found = classify(text, categories)
        category, confidence, matched = found.category, found.confidence, found.matched
    chain_id = ticket.chain_id or ticket.company.chains.values_list("pk", flat=True).order_by("pk").first()
    rule = route(category=category, district_id=ticket.district_id, chain_id=chain_id) if category else None
    threshold = settings.QIHU["TRIAGE_CONFIDENCE"]
    confident = rule is not None and confidence >= threshold
    note = _("分类：%(category)s（置信度 %(confidence).2f；关键词：%(words)s）") % {
        "category": category or _("未识别"),
        "confidence": confidence,
        "words": "、".join(matched) or "—",
    }
    if not confident:
        note += _("；需人工派单")
    fields = {
        "category": category,
        "priority": priority_of(text),
        "request_type": request_type_of(text),
        "chain_id": chain_id,
        "level": Level.COUNTY if rule and rule.lead.kind == "county" else Level.CITY,
    }
    try:
        return ticket_apply(
            ticket_id=ticket.pk,
            action="triage",
            outcome=Status.ASSIGNED if confident else Status.PENDING_DISPATCH,
            lead=rule.lead if confident else None,
            assisting=list(rule.assisting.all()) if confident else [],
            note=note,
            **fields,
        )
    except InvalidState:  # another worker got there first
        return Ticket.objects.get(pk=ticket.pk)


def requeue_stale_submitted(*, limit: int = 500) -> int:
    """Re-enqueue tickets still `submitted` a while after filing (the broker or worker was down)."""
    cutoff = timezone.now() - settings.QIHU["STALE_SUBMITTED_AFTER"]
    ids = list(
        Ticket.objects.filter(status=Status.SUBMITTED, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for ticket_id in ids:
        enqueue_triage(ticket_id)
    if ids:
        logger.warning("re-enqueued %d stale submitted tickets", len(ids))
    return len(ids)
