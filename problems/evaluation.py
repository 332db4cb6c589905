"""Scoring found common problems against groups labelled by hand: the measures of the outside check
`score_clusters.py` (DESIGN.md §12), for the suite and `make score-problems`.

- recovered: labelled groups whose best-matching found problem has a Jaccard similarity ≥ 0.5;
- B-cubed precision, recall and F1 over the labelled messages (a message in no problem is its own group).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    recovered: int
    groups: int
    precision: float
    recall: float
    f1: float
    best: list[tuple[int, float]]  # per labelled group: (index of its best-matching found problem or -1, Jaccard)

    def line(self) -> str:
        return (
            f"recovered={self.recovered}/{self.groups} bcubed_precision={self.precision:.2f} "
            f"bcubed_recall={self.recall:.2f} bcubed_f1={self.f1:.2f}"
        )


def score(gold: list[Iterable[str]], found: list[Iterable[str]]) -> Score:
    gold_sets = [set(map(str, g)) for g in gold]
    found_sets = [set(map(str, f)) for f in found]
    best = []
    for labelled in gold_sets:
        pairs = [(len(labelled & f) / len(labelled | f), k) for k, f in enumerate(found_sets) if f]
        jaccard, k = max(pairs, default=(0.0, -1))
        best.append((k if jaccard > 0 else -1, jaccard))
    found_of: dict[str, int] = {}
    for k, members in enumerate(found_sets):
        for item in members:
            found_of.setdefault(item, k)
    gold_of = {item: g for g, members in enumerate(gold_sets) for item in members}
    precision = recall = 0.0
    for item, g in gold_of.items():
        k = found_of.get(item)
        predicted = {other for other in gold_of if k is not None and found_of.get(other) == k} or {item}
        same = {other for other, h in gold_of.items() if h == g}
        precision += len(predicted & same) / len(predicted)
        recall += len(predicted & same) / len(same)
    precision, recall = precision / len(gold_of), recall / len(gold_of)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    recovered = sum(jaccard >= 0.5 for _k, jaccard in best)
    return Score(recovered, len(gold_sets), precision, recall, f1, best)
