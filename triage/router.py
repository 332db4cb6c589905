"""The keyword router: a plain first version of 问题研判 (the learned model replaces `classify`).

Pure functions over text and the catalogue; `triage.services` applies the result to a ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from common.cache import process_cache

from .models import Category, RoutingRule

URGENT_WORDS = (
    "停产", "停工", "停业", "停电", "断电", "停水", "断水", "停气", "欠薪", "拖欠工资", "工资发不出",
    "安全隐患", "火灾", "泄漏", "爆炸", "坍塌", "紧急", "十万火急",
)  # fmt: skip
REQUEST_TYPE_WORDS = (  # first match wins
    ("report", ("举报",)),
    ("complaint", ("投诉", "推诿", "不作为", "乱收费")),
    ("suggestion", ("建议",)),
    ("consult", ("咨询", "请问", "如何申请", "怎么办理", "是否可以", "能否")),
)


@dataclass(frozen=True)
class Classification:
    category: Category | None
    confidence: float
    matched: tuple[str, ...]


def classify(text: str, categories: Iterable[Category]) -> Classification:
    """Score categories by how many of their keywords occur; confident when one clearly leads."""
    scored = []
    for category in categories:
        hits = tuple(w for w in category.keyword_list() if w in text)
        if hits:
            scored.append((len(hits), category, hits))
    if not scored:
        return Classification(None, 0.0, ())
    scored.sort(key=lambda s: -s[0])
    best, category, hits = scored[0]
    total = sum(s[0] for s in scored)
    # One lone hit is a guess; two or more that no other category shares are a decision.
    confidence = (best / total) * min(1.0, best / 2)
    return Classification(category, round(confidence, 3), hits)


def priority_of(text: str) -> str:
    return "urgent" if any(w in text for w in URGENT_WORDS) else "normal"


def request_type_of(text: str) -> str:
    for request_type, words in REQUEST_TYPE_WORDS:
        if any(w in text for w in words):
            return request_type
    return "help"


def route(*, category: Category, district_id: int | None, chain_id: int | None) -> RoutingRule | None:
    """The most specific catalogue rule: district+chain, district, chain, then the category alone."""
    return routes_for([category], district_id=district_id, chain_id=chain_id).get(category.pk)


def routes_for(categories, *, district_id: int | None, chain_id: int | None) -> dict[int, RoutingRule]:
    """The best rule of each category (by id) for this district and chain."""
    rules = catalogue()
    best: dict[int, RoutingRule] = {}
    for category in categories:
        for rule in rules.get(category.pk, ()):
            if rule.district_id not in (None, district_id) or rule.chain_id not in (None, chain_id):
                continue
            current = best.get(rule.category_id)
            if current is None or _specificity(rule) > _specificity(current):
                best[rule.category_id] = rule
    return best


@process_cache(seconds=60)
def catalogue() -> dict[int, list[RoutingRule]]:
    """The whole routing catalogue (a few hundred rules) by category, with leads and assisting departments."""
    rules: dict[int, list[RoutingRule]] = {}
    for rule in RoutingRule.objects.select_related("lead").prefetch_related("assisting"):
        rules.setdefault(rule.category_id, []).append(rule)
    return rules


@process_cache(seconds=60)
def active_categories() -> dict[str, Category]:
    return {c.code: c for c in Category.objects.filter(active=True)}


def _specificity(rule: RoutingRule) -> int:
    return (rule.district_id is not None) * 2 + (rule.chain_id is not None)
