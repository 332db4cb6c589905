"""Helpers the benchmarks share for filling tables with INSERT … SELECT (importable once ROOT is on sys.path)."""

from django.db import models


def literal_defaults(model) -> dict[str, object]:
    """A value for every NOT NULL column of `model` that a bulk insert does not set itself."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.null:
            continue
        default = field.get_default()
        values[field.column] = "{}" if isinstance(field, models.JSONField) else default
    return values
