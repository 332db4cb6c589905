"""The trained model's life: train from settled tickets, store a version, load it once per process."""

from __future__ import annotations

import logging
import threading

from common.cache import process_cache
from tickets.models import LEARNABLE_SOURCES, Ticket

from .model import MAX_UNLABELLED, TextModel, text_of
from .models import TriageModel

logger = logging.getLogger(__name__)
_loaded: dict[str, object] = {"version": None, "model": None}
_lock = threading.Lock()


def training_examples() -> tuple[list[str], list[str], list[str]]:
    """(keys, texts, labels) of every ticket whose category a person settled, oldest first."""
    rows = (
        Ticket.objects.filter(category_source__in=LEARNABLE_SOURCES, category__isnull=False)
        .order_by("created_at", "id")
        .values_list("pk", "title", "description", "category__code")
    )
    keys, texts, labels = [], [], []
    for pk, title, description, code in rows.iterator(chunk_size=2000):
        keys.append(str(pk))
        texts.append(text_of(title, description))
        labels.append(code)
    return keys, texts, labels


def unlabelled_texts() -> list[str]:
    """The texts of the most recent tickets whose category no person settled (imported history without a
    category, company choices, the model's own guesses), oldest first: unlabelled examples of the same kind."""
    rows = (
        Ticket.objects.exclude(category_source__in=LEARNABLE_SOURCES, category__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("title", "description")[:MAX_UNLABELLED]
    )
    return [text_of(title, description) for title, description in rows][::-1]


# A week of nightly versions, to go back to one by hand; not tens of megabytes more every night for ever.
KEPT_VERSIONS = 7


def train_model() -> TriageModel | None:
    """Train on every settled ticket (and the texts of the others, unlabelled) and store the result as the
    newest version (None: too little data)."""
    keys, texts, labels = training_examples()
    if len(set(labels)) < 2:
        logger.warning("triage model not trained: settled tickets cover fewer than two categories")
        return None
    model = TextModel.train(texts, labels, keys, unlabelled=unlabelled_texts())
    version = TriageModel.objects.create(trained_on=len(texts), labels=model.labels, blob=model.dumps())
    older = TriageModel.objects.order_by("-id").values_list("pk", flat=True)[KEPT_VERSIONS:]
    TriageModel.objects.filter(pk__in=list(older)).delete()
    newest_version.clear()
    logger.info(
        "triage model v%s trained on %d tickets, %d categories; %d unlabelled texts",
        version.pk, len(texts), len(model.labels), model.unlabelled,
    )  # fmt: skip
    return version


@process_cache(seconds=10)
def newest_version() -> int | None:
    return TriageModel.objects.order_by("-id").values_list("pk", flat=True).first()


def current_model() -> tuple[int | None, TextModel | None]:
    """The newest stored model, loaded once per process and again when a newer version appears
    (looked for at most every ten seconds)."""
    newest = newest_version()
    if newest != _loaded["version"]:
        with _lock:
            if newest != _loaded["version"]:
                blob = TriageModel.objects.values_list("blob", flat=True).get(pk=newest) if newest else None
                _loaded["model"] = TextModel.loads(bytes(blob)) if blob else None
                _loaded["version"] = newest
    return _loaded["version"], _loaded["model"]
