"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit table."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION governance_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'governance_auditevent is append-only: % refused (監査記録は追記のみです)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER governance_auditevent_no_update
    BEFORE UPDATE ON governance_auditevent
    FOR EACH ROW EXECUTE FUNCTION governance_auditevent_append_only();

CREATE TRIGGER governance_auditevent_no_delete
    BEFORE DELETE ON governance_auditevent
    FOR EACH ROW EXECUTE FUNCTION governance_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS governance_auditevent_no_update ON governance_auditevent;
DROP TRIGGER IF EXISTS governance_auditevent_no_delete ON governance_auditevent;
DROP FUNCTION IF EXISTS governance_auditevent_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_case_process")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
