"""问题研判: decide category, priority, chain, level, duplicates and route of a submitted ticket.

1. An exact resubmission by the same company within 24 hours is merged into the first ticket.
2. The category comes from the company's own choice, else the trained model (words and similar past
   tickets as reasons), else the keyword router when no model is trained yet. The model and the
   keywords agreeing makes the decision more certain.
3. The routing catalogue turns the top three categories into routes (lead and assisting departments).
4. Confident and routable → `assigned`; otherwise `pending_dispatch` with the suggestions for a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.cache import process_cache
from common.errors import InvalidState
from common.text import bigram_similarity, normalized
from companies.models import IndustryChain
from problems.services import enqueue_attach
from tickets.models import OPEN_STATUSES, CategorySource, Difficulty, Level, Status, Ticket
from tickets.services import enqueue_triage, ticket_apply
from tickets.transitions import BEFORE_REPLY

from .engine import current_model
from .model import text_of
from .models import Category
from .router import active_categories, classify, priority_of, request_type_of, routes_for

logger = logging.getLogger(__name__)
RESUBMISSION_WINDOW = timedelta(hours=24)
DUPLICATE_SIMILARITY = 0.5
DUPLICATE_LOOKBACK = timedelta(days=90)


@dataclass
class Decision:
    ranked: list[tuple[Category, float]]  # the top categories, most likely first
    confidence: float
    source: str
    evidence: dict[str, list[str]] = field(default_factory=dict)  # category code → reasons (words)
    similar: list[dict] = field(default_factory=list)
    model_version: int | None = None


def ticket_triage(*, ticket_id: int) -> Ticket | None:
    """Triage a submitted ticket. Idempotent: anything not `submitted` (or already merged) is left alone."""
    ticket = Ticket.objects.select_related("company", "category").filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Status.SUBMITTED or ticket.merged_into_id:
        return ticket
    duplicates = similar_open_tickets(ticket)
    resubmitted = next((d for d in duplicates if d["exact"] and d["status"] in BEFORE_REPLY), None)
    try:
        if resubmitted:
            return ticket_apply(
                ticket_id=ticket.pk, action="merge", primary_id=resubmitted["id"],
                note=_("24小时内重复提交，已自动并入 %(number)s。") % {"number": resubmitted["number"]},
            )  # fmt: skip
        routed = _route(ticket, duplicates)
    except InvalidState:  # another worker got there first
        return Ticket.objects.get(pk=ticket.pk)
    # Common problems: compare it with other companies' tickets once its triage is committed.
    transaction.on_commit(lambda: enqueue_attach(routed.pk), robust=True)
    return routed


@dataclass
class Plan:
    """What triage would decide for a ticket now: the best rule and the suggestions shown to people."""

    decision: Decision
    chain_id: int | None
    rule: object | None  # the best route's RoutingRule
    assisting: list
    suggestions: dict

    @property
    def confident(self) -> bool:
        return self.rule is not None and self.decision.confidence >= settings.QIHU["TRIAGE_CONFIDENCE"]


def plan(ticket: Ticket, duplicates: list[dict]) -> Plan:
    """Category, top three routes with their reasons, similar tickets: reads only."""
    chain_id = ticket.chain_id or _chain_of(ticket, f"{ticket.title}\n{ticket.description}")
    decision = decide_category(ticket)
    top = decision.ranked[:3]
    rules = routes_for([c for c, _p in top], district_id=ticket.district_id, chain_id=chain_id)
    routes = []
    for category, probability in top:
        rule = rules.get(category.pk)
        routes.append(
            {
                "category": category.code, "name": category.name, "probability": round(probability, 3),
                "lead": {"code": rule.lead.code, "name": rule.lead.name} if rule else None,
                "assisting": [{"code": d.code, "name": d.name} for d in rule.assisting.all()] if rule else [],
                "words": decision.evidence.get(category.code, []),
            }
        )  # fmt: skip
    best = rules.get(top[0][0].pk) if top else None
    suggestions = {
        "routes": routes, "similar": decision.similar, "duplicates": duplicates, "model_version": decision.model_version
    }  # fmt: skip
    return Plan(decision, chain_id, best, list(best.assisting.all()) if best else [], suggestions)


def _route(ticket: Ticket, duplicates: list[dict]) -> Ticket:
    text = f"{ticket.title}\n{ticket.description}"
    p = plan(ticket, duplicates)
    best = p.suggestions["routes"][0] if p.suggestions["routes"] else None
    note = _("分类：%(category)s（置信度 %(confidence).2f；依据：%(words)s）") % {
        "category": best["name"] if best else _("未识别"),
        "confidence": p.decision.confidence,
        "words": "、".join(best["words"]) if best and best["words"] else "—",
    }
    if not p.confident:
        note += _("；需人工派单")
    return ticket_apply(
        ticket_id=ticket.pk,
        action="triage",
        outcome=Status.ASSIGNED if p.confident else Status.PENDING_DISPATCH,
        lead=p.rule.lead if p.confident else None,
        assisting=p.assisting if p.confident else [],
        note=note,
        category=p.decision.ranked[0][0] if p.decision.ranked else None,
        category_source=p.decision.source if p.decision.ranked else CategorySource.NONE,
        triage_confidence=round(p.decision.confidence, 3),
        triage_suggestions=p.suggestions,
        priority=priority_of(text),
        request_type=request_type_of(text),
        chain_id=p.chain_id,
        level=Level.COUNTY if p.rule and p.rule.lead.kind == "county" else Level.CITY,
        difficulty=Difficulty.COMPLEX if len(p.assisting) >= 2 else Difficulty.GENERAL,
    )


def refresh_pending_suggestions(*, limit: int = 1000) -> int:
    """Suggestions for tickets still waiting for a dispatcher, from the newest model (after retraining).

    Suggestions are advice, not state: they are rewritten in place, with no event.
    """
    waiting = Ticket.objects.filter(status=Status.PENDING_DISPATCH, merged_into__isnull=True)
    count = 0
    for ticket in waiting.select_related("company", "category").order_by("created_at")[:limit]:
        suggestions = plan(_undecided(ticket), similar_open_tickets(ticket)).suggestions
        Ticket.objects.filter(pk=ticket.pk).update(triage_suggestions=suggestions)
        count += 1
    return count


def _undecided(ticket: Ticket) -> Ticket:
    """The ticket as triage saw it: a category set by triage is a guess to make again, not the company's."""
    if ticket.category_source != CategorySource.COMPANY:
        ticket.category = None
    return ticket


def decide_category(ticket: Ticket) -> Decision:
    """The company's choice, else the model (agreeing keywords raise its confidence), else keywords."""
    categories = active_categories()
    if ticket.category_id:
        return Decision([(ticket.category, 1.0)], 1.0, CategorySource.COMPANY)
    keywords = classify(f"{ticket.title}\n{ticket.description}", categories.values())
    version, model = current_model()
    if model is None:
        ranked = [(keywords.category, keywords.confidence)] if keywords.category else []
        evidence = {keywords.category.code: list(keywords.matched)} if keywords.category else {}
        return Decision(ranked, keywords.confidence, CategorySource.KEYWORDS, evidence)
    prediction = model.predict(text_of(ticket.title, ticket.description))
    ranked = [(categories[label], p) for label, p in prediction.ranked if label in categories]
    confidence = ranked[0][1] if ranked else 0.0
    if ranked and keywords.category == ranked[0][0]:
        confidence = max(confidence, keywords.confidence)
    return Decision(
        ranked,
        confidence,
        CategorySource.MODEL,
        prediction.evidence,
        _similar(prediction.similar, exclude=ticket.pk),
        version,
    )


def _similar(scored: list[tuple[str, float]], *, exclude: int) -> list[dict]:
    """Past tickets the model found closest (not the ticket itself), for the dispatcher to compare with."""
    tickets = (
        Ticket.objects.select_related("category")
        .only("title", "created_at", "category__code")
        .in_bulk([int(key) for key, _score in scored])
    )
    return [
        {"id": t.pk, "number": t.number, "title": t.title, "category": t.category.code if t.category else None,
         "score": score}
        for key, score in scored
        if (t := tickets.get(int(key))) and t.pk != exclude
    ]  # fmt: skip


def _chain_of(ticket: Ticket, text: str) -> int | None:
    """The company's chain, else a chain the text names."""
    chain_id = ticket.company.chains.order_by("pk").values_list("pk", flat=True).first()
    if chain_id:
        return chain_id
    for chain in all_chains():
        if any(word in text for word in chain.keyword_list()):
            return chain.pk
    return None


@process_cache(seconds=60)
def all_chains() -> list[IndustryChain]:
    return list(IndustryChain.objects.all())


def similar_open_tickets(ticket: Ticket) -> list[dict]:
    """The same company's open tickets about the same problem: merge candidates, most similar first."""
    since = ticket.created_at - DUPLICATE_LOOKBACK
    candidates = Ticket.objects.filter(
        company_id=ticket.company_id, status__in=OPEN_STATUSES, merged_into__isnull=True, created_at__gte=since
    ).exclude(pk=ticket.pk)
    text = ticket.title + ticket.description
    found = []
    for other in candidates.only("title", "description", "status", "created_at").order_by("-created_at")[:100]:
        exact = normalized(other.title + other.description) == normalized(text) and (
            abs(ticket.created_at - other.created_at) <= RESUBMISSION_WINDOW
        )
        similarity = 1.0 if exact else bigram_similarity(other.title + other.description, text)
        if similarity >= DUPLICATE_SIMILARITY and other.created_at <= ticket.created_at:
            found.append(
                {"id": other.pk, "number": other.number, "title": other.title, "status": other.status,
                 "similarity": round(similarity, 3), "exact": exact}
            )  # fmt: skip
    return sorted(found, key=lambda d: -d["similarity"])


def requeue_stale_submitted(*, limit: int = 500) -> int:
    """Re-enqueue tickets still `submitted` a while after filing (the broker or worker was down)."""
    cutoff = timezone.now() - settings.QIHU["STALE_SUBMITTED_AFTER"]
    ids = list(
        Ticket.objects.filter(status=Status.SUBMITTED, merged_into__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for ticket_id in ids:
        enqueue_triage(ticket_id)
    if ids:
        logger.warning("re-enqueued %d stale submitted tickets", len(ids))
    return len(ids)
