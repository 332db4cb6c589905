"""Database helpers the ORM lacks."""

import functools

from django.db import DatabaseError, connections, router, transaction


def update_many(objects: list, fields: list[str]) -> None:
    """Write `fields` of many saved rows of one model: one UPDATE per row, sent together.

    Django's `bulk_update` builds a CASE expression per field and row, which costs more Python than the
    writes it saves (0.8 s for 64 triaged tickets here); `executemany` on psycopg 3 pipelines the statements
    in one round trip.
    """
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_new(obj, *, unique: str) -> bool:
    """Insert `obj` unless a row with its value of the `unique` field exists: one statement (INSERT … ON CONFLICT
    DO NOTHING RETURNING, PostgreSQL and SQLite alike), not get_or_create's four (a SELECT, then a savepoint, the
    INSERT and its release). True, with `obj.pk` set, when it was inserted; False when the row existed."""
    model = type(obj)
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT ({quote(meta.get_field(unique).column)}) DO NOTHING "
        f"RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk, obj._state.adding, obj._state.db = row[0], False, connection.alias
    return True


def insert_with(obj, child, *, link: str) -> None:
    """Insert a new row `obj` and a new row `child` whose foreign key `link` points at it, as two saves would
    (every field's `pre_save` and database value, both primary keys set), in one statement on PostgreSQL.

    The statement (`WITH o AS (INSERT … RETURNING id) INSERT INTO child … VALUES ((SELECT id FROM o), …)`) is
    atomic on its own: where two saves need two round trips and, outside a caller's transaction, BEGIN and COMMIT
    around them (four), it needs one (issue 16: a submit's ticket and its event). Written once per process and
    pattern of empty values: those are written NULL in the statement, not sent as parameters, which keeps a new
    ticket's under psycopg's 50 (beyond them psycopg parses the statement again on every call: 0.1 ms for 70).
    Other databases (SQLite, the embedded default: no INSERT in a WITH) save both in a transaction.
    """
    connection = connections[router.db_for_write(type(obj))]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=connection.alias, savepoint=False):
            obj.save(force_insert=True, using=connection.alias)
            child.save(force_insert=True, using=connection.alias)
        return
    fields, child_fields = _insert_with_fields(type(obj), type(child), link)
    setattr(child, link, obj)  # as save() would: the object cached on the child
    # None is NULL for every field (Django's own and ours): its database value is not asked for (most of a new
    # ticket's columns are empty).
    values = [
        None if (value := f.pre_save(row, True)) is None else f.get_db_prep_save(value, connection)
        for row, row_fields in ((obj, fields), (child, child_fields))
        for f in row_fields
    ]
    nulls = tuple(value is None for value in values)
    sql = _insert_with_sql(type(obj), type(child), link, connection.alias, nulls)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for value in values if value is not None])
        obj.pk, child.pk = cursor.fetchone()
    setattr(child, child._meta.get_field(link).attname, obj.pk)
    for row in (obj, child):
        row._state.adding, row._state.db = False, connection.alias


@functools.cache
def _insert_with_fields(model, child_model, link: str) -> tuple[list, list]:
    """The columns written: every concrete one but the primary keys, and the child's link (the new row's id)."""
    link_field = child_model._meta.get_field(link)
    return (
        [f for f in model._meta.concrete_fields if not f.primary_key],
        [f for f in child_model._meta.concrete_fields if not f.primary_key and f is not link_field],
    )


@functools.lru_cache(maxsize=64)
def _insert_with_sql(model, child_model, link: str, alias: str, nulls: tuple[bool, ...]) -> str:
    quote = connections[alias].ops.quote_name
    fields, child_fields = _insert_with_fields(model, child_model, link)
    link_field = child_model._meta.get_field(link)
    marks = ["NULL" if null else "%s" for null in nulls]
    columns = ", ".join(quote(f.column) for f in fields)
    child_columns = ", ".join(quote(f.column) for f in [link_field, *child_fields])
    pk, child_pk = quote(model._meta.pk.column), quote(child_model._meta.pk.column)
    return (
        f"WITH new AS (INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(marks[: len(fields)])}) RETURNING {pk}) "
        f"INSERT INTO {quote(child_model._meta.db_table)} ({child_columns}) "
        f"VALUES ((SELECT {pk} FROM new), {', '.join(marks[len(fields) :])}) "
        f"RETURNING {quote(link_field.column)}, {child_pk}"
    )


def update_with(obj, fields: list[str], child, *, link: str) -> None:
    """Save `fields` of the saved row `obj` and insert a new row `child` whose foreign key `link` points at it, as
    `obj.save(update_fields=fields)` and `child.save()` would, in one statement on PostgreSQL.

    The statement (`WITH changed AS (UPDATE … RETURNING id) INSERT INTO child … SELECT changed.id, … FROM
    changed`) is `insert_with`'s sibling for a change (issue 16: an action's ticket and its event, one round trip
    instead of two). A row that is gone inserts nothing and raises, as save(update_fields) does. Other databases
    (SQLite, the embedded default) save both.
    """
    connection = connections[router.db_for_write(type(obj))]
    if connection.vendor != "postgresql":
        obj.save(update_fields=fields, using=connection.alias)
        child.save(force_insert=True, using=connection.alias)
        return
    columns = [obj._meta.get_field(name) for name in fields]
    _fields, child_fields = _insert_with_fields(type(obj), type(child), link)
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in columns]
    child_values = [f.get_db_prep_save(f.pre_save(child, True), connection) for f in child_fields]
    sql = _update_with_sql(type(obj), tuple(fields), type(child), link, connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk, *child_values])
        row = cursor.fetchone()
    if row is None:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    setattr(child, link, obj)
    child.pk, child._state.adding, child._state.db = row[0], False, connection.alias


@functools.lru_cache(maxsize=256)
def _update_with_sql(model, fields: tuple[str, ...], child_model, link: str, alias: str) -> str:
    quote = connections[alias].ops.quote_name
    meta, child_meta = model._meta, child_model._meta
    link_field = child_meta.get_field(link)
    _fields, child_fields = _insert_with_fields(model, child_model, link)
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in fields)
    pk = quote(meta.pk.column)
    child_columns = ", ".join(quote(f.column) for f in [link_field, *child_fields])
    return (
        f"WITH changed AS (UPDATE {quote(meta.db_table)} SET {assignments} WHERE {pk} = %s RETURNING {pk}) "
        f"INSERT INTO {quote(child_meta.db_table)} ({child_columns}) "
        f"SELECT changed.{pk}, {', '.join(['%s'] * len(child_fields))} FROM changed "
        f"RETURNING {quote(child_meta.pk.column)}"
    )


def on_postgresql(statements: list[str]):
    """A migration step that runs these statements on PostgreSQL only (triggers, functions: SQLite, the
    embedded default, has none of them)."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run
