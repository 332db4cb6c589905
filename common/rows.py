"""Model instances from plain SQL written once per process: a model's columns and those of its joined foreign
keys, made into the same instances and related caches as the ORM's select_related (DESIGN.md §11: building and
compiling the ORM's query cost more CPU than running it, on the paths every request takes)."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.db import connection, models

from privacy.crypto import EncryptedCharField


@dataclass(frozen=True)
class Join:
    name: str  # the foreign key on the base model
    model: type


class Rows:
    """SELECT of a model's columns and those of its joined foreign keys (LEFT JOIN), and making the instances;
    or the same rows as one JSON array (`json_array`), for a list read inside another statement."""

    def __init__(self, model, joins: tuple[Join, ...], where: str, order: str = "", alias: str = "t"):
        self.model, self.joins = model, joins
        columns = [f'{alias}."{f.column}"' for f in model._meta.concrete_fields]
        tables = [f'"{model._meta.db_table}" {alias}']
        for i, join in enumerate(joins):
            field, joined = model._meta.get_field(join.name), f"{alias}{i}"
            columns += [f'{joined}."{f.column}"' for f in join.model._meta.concrete_fields]
            tables.append(f'LEFT JOIN "{join.model._meta.db_table}" {joined} ON {joined}.id = {alias}."{field.column}"')
        self.columns, self.tables, self.where, self.order = ", ".join(columns), " ".join(tables), where, order
        self.sql = f"SELECT {self.columns} FROM {self.tables} WHERE {where} {order}"
        self.parts = [(model, None)] + [(j.model, model._meta.get_field(j.name)) for j in joins]
        # JSON has no timestamps: they come as ISO 8601 text (UTC, the session's zone) and are read back here.
        self.from_json = [from_json_of(f) for part, _field in self.parts for f in part._meta.concrete_fields]

    def fetch(self, params: list) -> list:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        return [self.make(row) for row in rows]

    def json_array(self) -> str:
        """The rows as a scalar subquery: a JSON array (empty: []) of rows, each an array of the columns."""
        return (
            f"(SELECT COALESCE(json_agg(json_build_array({self.columns}) {self.order}), '[]') "
            f"FROM {self.tables} WHERE {self.where})"
        )

    def make_all_from_json(self, rows: list | str) -> list:
        if isinstance(rows, str):
            rows = json.loads(rows)
        return [
            self.make([f(v) if f and v is not None else v for f, v in zip(self.from_json, row, strict=True)])
            for row in rows
        ]

    def make(self, row):
        start, instance = 0, None
        for model, field in self.parts:
            fields = model._meta.concrete_fields
            values = list(row[start : start + len(fields)])
            start += len(fields)
            for i in json_columns(model):
                if isinstance(values[i], str):
                    values[i] = json.loads(values[i])
            for i in encrypted_columns(model):  # the ORM's converter: phone numbers are stored SM4-encrypted
                values[i] = fields[i].from_db_value(values[i], None, connection)
            if field is None:
                instance = model.from_db(connection.alias, None, values)
            else:
                field.set_cached_value(
                    instance, None if values[0] is None else model.from_db(connection.alias, None, values)
                )
        return instance


def from_json_of(field):
    """How a column's value comes back from JSON (None: as it is)."""
    if isinstance(field, models.DateTimeField):
        return datetime.fromisoformat
    if isinstance(field, models.DateField):
        return date.fromisoformat
    if isinstance(field, models.JSONField):
        return None  # already the object (a JSON value inside the array)
    if isinstance(field, (models.DecimalField, models.UUIDField, models.BinaryField, models.DurationField)):
        raise NotImplementedError(f"{field} is not read back from JSON here")
    return None


@cache
def encrypted_columns(model) -> list[int]:
    return [i for i, f in enumerate(model._meta.concrete_fields) if isinstance(f, EncryptedCharField)]


@cache
def json_columns(model) -> list[int]:
    return [i for i, f in enumerate(model._meta.concrete_fields) if isinstance(f, models.JSONField)]
