"""Audit records are append-only in the database itself: PostgreSQL refuses UPDATE and DELETE of them.

The one delete allowed is the retention purge (audit/services.py `purge`), which sets `qihu.audit_purge` for its
own transaction (SET LOCAL). An attacker with the database owner's rights can still disable the trigger: the
hash chain (`manage.py audit_verify`) is what detects that. TRUNCATE (the test suite's flush) is neither an
UPDATE nor a DELETE. SQLite (the embedded default) gets no trigger.
"""

from django.db import migrations

from common.db import on_postgresql

# schema_editor.execute() passes parameters, so a literal % is written %%.
CREATE = [
    """
CREATE FUNCTION audit_auditrecord_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('qihu.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_auditrecord is append-only: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
""",
    """
CREATE TRIGGER audit_auditrecord_append_only
    BEFORE UPDATE OR DELETE ON audit_auditrecord
    FOR EACH ROW EXECUTE FUNCTION audit_auditrecord_append_only()
""",
]
DROP = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_append_only ON audit_auditrecord",
    "DROP FUNCTION IF EXISTS audit_auditrecord_append_only()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP), elidable=False),
    ]
