"""`get_FOO_display` through common.choices.ChoiceLabels: Django's answer, one label translated per call."""

import pytest
from django.db import models
from django.utils import translation

from tickets.models import Reply, Source, Status, Supervision, Ticket


def djangos(instance, name: str) -> str:
    field = instance._meta.get_field(name)
    return models.Model._get_FIELD_display(instance, field)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_labels_are_djangos_in_each_language(language):
    cases = [(Ticket(status=v), "status") for v in Status.values]
    cases += [(Ticket(source=v), "source") for v in Source.values]
    cases += [(Ticket(supervision_level=v), "supervision_level") for v in Supervision.values]
    cases += [(Reply(result=v), "result") for v in Reply.Result.values]
    cases += [(Ticket(status="no-such-status"), "status")]  # a value outside the choices: itself
    with translation.override(language):
        for instance, name in cases:
            shown = getattr(instance, f"get_{name}_display")()
            assert shown == djangos(instance, name) and type(shown) is str
    with translation.override("en"):
        assert Ticket(status=Status.ACCEPTED).get_status_display() == "In progress"


def test_one_label_is_translated_per_call(monkeypatch):
    """Django's own made a dict of every choice, hashing (translating) each lazy label on each call."""
    translated = []
    gettext = translation._trans.gettext
    monkeypatch.setattr(translation._trans, "gettext", lambda m: translated.append(m) or gettext(m))
    ticket = Ticket(status=Status.ACCEPTED)
    ticket.get_status_display()
    assert translated == ["办理中"]
