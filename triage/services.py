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
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.cache import process_cache
from common.dispatch import enqueue, enqueue_on_commit, woken
from common.errors import DomainError
from common.text import bigrams, jaccard, normalized
from companies.models import Company, IndustryChain
from tickets.models import OPEN_STATUSES, CategorySource, Difficulty, Level, Status, Ticket, ticket_number
from tickets.services import TRIAGE_TASK, ticket_apply, tickets_apply_locked
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
    """Triage one submitted ticket. Idempotent: anything not `submitted` (or already merged) is left alone."""
    triage_waiting(first_id=ticket_id, limit=1)
    return Ticket.objects.filter(pk=ticket_id).first()


def triage_all_waiting() -> int:
    """What a woken triage task does: every ticket waiting, a batch at a time (its mark cleared first: a ticket
    filed meanwhile wakes a task of its own). Returns how many."""
    woken(TRIAGE_TASK)
    limit, done = settings.QIHU["TRIAGE_BATCH"], 0
    while (batch := triage_waiting(limit=limit)) > 0:
        done += batch
        if batch < limit:
            break
    return done


def triage_waiting(*, first_id: int | None = None, limit: int | None = None) -> int:
    """Triage the given ticket and others waiting, up to `limit`, in one transaction; returns how many.

    When submissions come faster than one at a time, the worker's first task takes the waiting tickets in
    a batch (one model pass, rows written in bulk) and the tasks after it find their ticket done.
    SKIP LOCKED keeps two workers off each other's tickets.
    """
    limit = limit or settings.QIHU["TRIAGE_BATCH"]
    with transaction.atomic():
        waiting = (
            Ticket.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
            .filter(status=Status.SUBMITTED, merged_into__isnull=True)
            .select_related("company", "category")
        )
        batch = list(waiting.filter(pk=first_id)) if first_id else []
        if len(batch) < limit:
            batch += waiting.exclude(pk=first_id).order_by("created_at")[: limit - len(batch)]
        if not batch:
            return 0
        duplicates = similar_open_tickets_many(batch)
        routed, merged = [], set()
        for ticket in batch:
            firsts = [
                d for d in duplicates[ticket.pk] if d["exact"] and d["status"] in BEFORE_REPLY and d["id"] not in merged
            ]  # fmt: skip
            if firsts and _merged(ticket, min(firsts, key=lambda d: d["id"])):
                merged.add(ticket.pk)
            else:
                routed.append(ticket)
        params = [_triage_params(t, p) for t, p in zip(routed, plan_many(routed, duplicates), strict=True)]
        tickets_apply_locked(routed, action="triage", params=params)
        if routed:  # common problems: compare them with other companies' tickets once committed
            enqueue_on_commit("problems.attach_tickets", [t.pk for t in routed])
    return len(batch)


def _merged(ticket: Ticket, primary: dict) -> bool:
    """Merge an exact resubmission into the first ticket (False: the merge was refused, route it instead)."""
    try:
        ticket_apply(
            ticket_id=ticket.pk, action="merge", primary_id=primary["id"],
            note=_("24小时内重复提交，已自动并入 %(number)s。") % {"number": primary["number"]},
        )  # fmt: skip
    except DomainError:
        return False
    return True


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


def plan_many(tickets: list[Ticket], duplicates: dict[int, list[dict]]) -> list[Plan]:
    """Category, top three routes with their reasons, similar tickets, for each ticket: reads only."""
    chains = _chains_of(tickets)
    return [
        _plan(ticket, decision, chains[ticket.pk], duplicates[ticket.pk])
        for ticket, decision in zip(tickets, decide_categories(tickets), strict=True)
    ]


def _plan(ticket: Ticket, decision: Decision, chain_id: int | None, duplicates: list[dict]) -> Plan:
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


def _triage_params(ticket: Ticket, p: Plan) -> dict:
    """The `triage` action's parameters for a plan: outcome, route and the fields triage decides."""
    text = f"{ticket.title}\n{ticket.description}"
    best = p.suggestions["routes"][0] if p.suggestions["routes"] else None
    note = _("分类：%(category)s（置信度 %(confidence).2f；依据：%(words)s）") % {
        "category": best["name"] if best else _("未识别"),
        "confidence": p.decision.confidence,
        "words": "、".join(best["words"]) if best and best["words"] else "—",
    }
    if not p.confident:
        note += _("；需人工派单")
    return {
        "outcome": Status.ASSIGNED if p.confident else Status.PENDING_DISPATCH,
        "lead": p.rule.lead if p.confident else None,
        "assisting": p.assisting if p.confident else [],
        "note": note,
        "category": p.decision.ranked[0][0] if p.decision.ranked else None,
        "category_source": p.decision.source if p.decision.ranked else CategorySource.NONE,
        "triage_confidence": round(p.decision.confidence, 3),
        "triage_suggestions": p.suggestions,
        "priority": priority_of(text),
        "request_type": request_type_of(text),
        "chain_id": p.chain_id,
        "level": Level.COUNTY if p.rule and p.rule.lead.kind == "county" else Level.CITY,
        "difficulty": Difficulty.COMPLEX if len(p.assisting) >= 2 else Difficulty.GENERAL,
    }


def refresh_pending_suggestions(*, limit: int = 1000, batch: int = 200) -> int:
    """Suggestions for tickets still waiting for a dispatcher, from the newest model (after retraining).

    Suggestions are advice, not state: they are rewritten in place, with no event.
    """
    waiting = Ticket.objects.filter(status=Status.PENDING_DISPATCH, merged_into__isnull=True)
    tickets = [_undecided(t) for t in waiting.select_related("company", "category").order_by("created_at")[:limit]]
    for start in range(0, len(tickets), batch):
        chunk = tickets[start : start + batch]
        for ticket, p in zip(chunk, plan_many(chunk, similar_open_tickets_many(chunk)), strict=True):
            Ticket.objects.filter(pk=ticket.pk).update(triage_suggestions=p.suggestions)
    return len(tickets)


def _undecided(ticket: Ticket) -> Ticket:
    """The ticket as triage saw it: a category set by triage is a guess to make again, not the company's."""
    if ticket.category_source != CategorySource.COMPANY:
        ticket.category = None
    return ticket


def decide_categories(tickets: list[Ticket]) -> list[Decision]:
    """Per ticket: the company's choice, else the model (agreeing keywords raise its confidence), else keywords.

    The model sees all the undecided tickets at once.
    """
    categories = active_categories()
    version, model = current_model()
    undecided = [t for t in tickets if not t.category_id]
    predictions = {}
    if model is not None and undecided:
        texts = [text_of(t.title, t.description) for t in undecided]
        predictions = dict(zip((t.pk for t in undecided), model.predict_many(texts), strict=True))
    past = _past_tickets([key for p in predictions.values() for key, _score in p.similar])
    decisions = []
    for ticket in tickets:
        if ticket.category_id:
            decisions.append(Decision([(ticket.category, 1.0)], 1.0, CategorySource.COMPANY))
            continue
        keywords = classify(f"{ticket.title}\n{ticket.description}", categories.values())
        prediction = predictions.get(ticket.pk)
        if prediction is None:
            ranked = [(keywords.category, keywords.confidence)] if keywords.category else []
            evidence = {keywords.category.code: list(keywords.matched)} if keywords.category else {}
            decisions.append(Decision(ranked, keywords.confidence, CategorySource.KEYWORDS, evidence))
            continue
        ranked = [(categories[label], p) for label, p in prediction.ranked if label in categories]
        confidence = ranked[0][1] if ranked else 0.0
        if ranked and keywords.category == ranked[0][0]:
            confidence = max(confidence, keywords.confidence)
        similar = [
            {"id": t.pk, "number": ticket_number(t.pk, t.created_at), "title": t.title, "category": t.category__code,
             "score": score}
            for key, score in prediction.similar
            if (t := past.get(int(key))) and t.pk != ticket.pk
        ]  # fmt: skip
        decisions.append(Decision(ranked, confidence, CategorySource.MODEL, prediction.evidence, similar, version))
    return decisions


def _past_tickets(keys: list[str]) -> dict[int, tuple]:
    """The past tickets the model found closest, for the dispatcher to compare with (rows: three per ticket)."""
    if not keys:
        return {}
    past = Ticket.objects.filter(pk__in={int(key) for key in keys}).order_by()
    return {t.pk: t for t in past.values_list("pk", "title", "created_at", "category__code", named=True)}


def _chains_of(tickets: list[Ticket]) -> dict[int, int | None]:
    """Each ticket's chain: its own, else its company's first, else a chain its text names."""
    firsts: dict[int, int] = {}
    companies = {t.company_id for t in tickets if not t.chain_id}
    if companies:
        links = Company.chains.through.objects.filter(company_id__in=companies)
        for company_id, chain_id in links.order_by("industrychain_id").values_list("company_id", "industrychain_id"):
            firsts.setdefault(company_id, chain_id)
    return {
        t.pk: t.chain_id or firsts.get(t.company_id) or _chain_named(f"{t.title}\n{t.description}") for t in tickets
    }


def _chain_named(text: str) -> int | None:
    return next((chain.pk for chain in all_chains() if any(word in text for word in chain.keyword_list())), None)


@process_cache(seconds=60)
def all_chains() -> list[IndustryChain]:
    return list(IndustryChain.objects.all())


def similar_open_tickets_many(tickets: list[Ticket]) -> dict[int, list[dict]]:
    """Per ticket, the same company's open tickets about the same problem (merge candidates, most similar
    first), for many tickets with one query."""
    found: dict[int, list[dict]] = {t.pk: [] for t in tickets}
    if not tickets:
        return found
    candidates = (
        Ticket.objects.filter(
            company_id__in={t.company_id for t in tickets},
            status__in=OPEN_STATUSES,
            merged_into__isnull=True,
            created_at__gte=min(t.created_at for t in tickets) - DUPLICATE_LOOKBACK,
        )
        .order_by("-created_at")
        .values_list("pk", "company_id", "title", "description", "status", "created_at", named=True)
    )  # fmt: skip  (rows, not model instances: hundreds per batch)
    by_company: dict[int, list[tuple]] = {}
    for other in candidates:
        by_company.setdefault(other.company_id, []).append((other, *_comparable(other.title + other.description)))
    for ticket in tickets:
        text, grams = _comparable(ticket.title + ticket.description)
        earlier = [
            c for c in by_company.get(ticket.company_id, [])
            if c[0].pk != ticket.pk and ticket.created_at - DUPLICATE_LOOKBACK <= c[0].created_at <= ticket.created_at
        ][:100]  # fmt: skip
        for other, other_text, other_grams in earlier:
            exact = other_text == text and ticket.created_at - other.created_at <= RESUBMISSION_WINDOW
            similarity = 1.0 if exact else jaccard(other_grams, grams)
            if similarity >= DUPLICATE_SIMILARITY:
                found[ticket.pk].append(
                    {"id": other.pk, "number": ticket_number(other.pk, other.created_at), "title": other.title,
                     "status": other.status, "similarity": round(similarity, 3), "exact": exact}
                )  # fmt: skip
        found[ticket.pk].sort(key=lambda d: -d["similarity"])
    return found


@lru_cache(maxsize=8192)
def _comparable(text: str) -> tuple[str, frozenset[str]]:
    """A text as duplicates are compared: the same company's open tickets come back batch after batch."""
    return normalized(text), bigrams(text)


def requeue_stale_submitted() -> int:
    """A triage task for tickets still `submitted` a while after filing (the broker or worker was down, or a task
    was lost): sent whatever the mark of a waiting task says; the task takes them all. Returns how many are stale."""
    cutoff = timezone.now() - settings.QIHU["STALE_SUBMITTED_AFTER"]
    stale = Ticket.objects.filter(status=Status.SUBMITTED, merged_into__isnull=True, created_at__lt=cutoff).count()
    if stale:
        enqueue(TRIAGE_TASK)
        logger.warning("a triage task for %d stale submitted tickets", stale)
    return stale
