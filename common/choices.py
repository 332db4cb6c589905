"""`get_FOO_display` without hashing every label (DESIGN.md §11, issue 16).

Django's `Model._get_FIELD_display` makes a dict of the field's choices on every call, hashing each (lazy) label:
each hash translates it, so one `get_status_display()` translated all ten statuses, about 35 µs of CPU, and a
ticket's page printed four. The dict here is made once per field, keyed by value (the labels stay lazy: printed in
the reader's language when called); the answer is Django's."""

from functools import cache

from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str


@cache
def _labels(field) -> dict:
    return dict(field.flatchoices)


class ChoiceLabels:
    """Mixed into a model (before models.Model): its `get_FOO_display` methods read `_labels`."""

    def _get_FIELD_display(self, field):
        if isinstance(field.choices, CallableChoiceIterator):  # choices read anew each time: Django's way
            return super()._get_FIELD_display(field)
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # an unhashable value: Django's way (make_hashable)
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
