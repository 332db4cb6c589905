"""Ids from users (bodies, form posts): a number a bigint primary key can hold, checked before any query.

SQLite (the embedded default) raised OverflowError on `pk__in=[10**25]` (a 500); Django bounds a single-id
lookup (`pk=10**25` finds nothing, hence `<int:pk>` URLs answer 404), not a list of them.
"""

from rest_framework import serializers

MAX_ID = 2**63 - 1  # the largest bigint, in PostgreSQL and SQLite alike
# At most this many ids in one body: 70,000 made a query with more parameters than PostgreSQL takes, which
# answered "service unavailable" (503), as if a retry could help. Under Django's 1,000 fields a form post
# may carry (DATA_UPLOAD_MAX_NUMBER_FIELDS), so that the limit is the same in every encoding.
MAX_IDS = 500


def as_id(text: str) -> int | None:
    """A form value as an id, or None. ASCII digits only: str.isdigit() passes "²", which int() refuses, and
    int() reads "١٢"; at most 19 digits, for int() refuses over 4,300 (both ValueErrors: 500s)."""
    if text.isascii() and text.isdigit() and len(text) <= 19 and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


class IdField(serializers.IntegerField):
    """An object's id in a body: 1 to MAX_ID, else the field's own 400."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class IdListField(serializers.ListField):
    """Ids in a body: each an IdField, at most MAX_IDS of them."""

    def __init__(self, **kwargs):
        super().__init__(child=IdField(), max_length=MAX_IDS, **kwargs)
