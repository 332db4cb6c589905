"""The audit trail is append-only in the database itself: PostgreSQL refuses UPDATE and DELETE of events.

TicketEvent.save() already refuses to update from Python; this also stops a queryset .update(), a
.delete() (and a ticket's cascade), raw SQL and the admin. TRUNCATE (the test suite's flush) is not
an UPDATE or DELETE and stays possible for the owner. SQLite (the embedded default) gets no trigger.
"""

from django.db import migrations

from common.db import on_postgresql

# schema_editor.execute() passes parameters, so a literal % is written %%.
CREATE = [
    """
CREATE FUNCTION tickets_ticketevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tickets_ticketevent is append-only: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
""",
    """
CREATE TRIGGER tickets_ticketevent_append_only
    BEFORE UPDATE OR DELETE ON tickets_ticketevent
    FOR EACH ROW EXECUTE FUNCTION tickets_ticketevent_append_only()
""",
]
DROP = [
    "DROP TRIGGER IF EXISTS tickets_ticketevent_append_only ON tickets_ticketevent",
    "DROP FUNCTION IF EXISTS tickets_ticketevent_append_only()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_assignment_open_assist_idx"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP), elidable=False),
    ]
