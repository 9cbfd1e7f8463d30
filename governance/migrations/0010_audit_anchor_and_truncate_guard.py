"""Monthly audit anchors; on PostgreSQL the audit table also refuses TRUNCATE, and the anchor
table refuses UPDATE, DELETE and TRUNCATE.

Row-level triggers (0003) do not fire on TRUNCATE: a statement-level BEFORE TRUNCATE trigger
does, also when the table is emptied by a TRUNCATE … CASCADE of a table it references. Only the
table's owner (or a superuser) can disable or drop these triggers; the application's own
role owns nothing (``manage.py create_app_role``).
"""

from django.db import migrations, models

FORWARD = """
CREATE TRIGGER governance_auditevent_no_truncate
    BEFORE TRUNCATE ON governance_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION governance_auditevent_append_only();

CREATE OR REPLACE FUNCTION governance_auditanchor_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'governance_auditanchor is append-only: % refused (監査アンカーは追記のみです)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER governance_auditanchor_no_update
    BEFORE UPDATE ON governance_auditanchor
    FOR EACH ROW EXECUTE FUNCTION governance_auditanchor_append_only();

CREATE TRIGGER governance_auditanchor_no_delete
    BEFORE DELETE ON governance_auditanchor
    FOR EACH ROW EXECUTE FUNCTION governance_auditanchor_append_only();

CREATE TRIGGER governance_auditanchor_no_truncate
    BEFORE TRUNCATE ON governance_auditanchor
    FOR EACH STATEMENT EXECUTE FUNCTION governance_auditanchor_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS governance_auditevent_no_truncate ON governance_auditevent;
DROP TRIGGER IF EXISTS governance_auditanchor_no_update ON governance_auditanchor;
DROP TRIGGER IF EXISTS governance_auditanchor_no_delete ON governance_auditanchor;
DROP TRIGGER IF EXISTS governance_auditanchor_no_truncate ON governance_auditanchor;
DROP FUNCTION IF EXISTS governance_auditanchor_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0009_seed_lock_in_terms"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "period",
                    models.CharField(
                        editable=False, max_length=7, unique=True, verbose_name="対象月"
                    ),
                ),
                ("issued_at", models.DateTimeField(editable=False, verbose_name="発行日時")),
                ("sequence", models.PositiveBigIntegerField(editable=False, verbose_name="通番")),
                ("hash", models.CharField(editable=False, max_length=64, verbose_name="ハッシュ")),
                (
                    "signature",
                    models.CharField(editable=False, max_length=64, verbose_name="署名"),
                ),
            ],
            options={
                "verbose_name": "監査アンカー",
                "verbose_name_plural": "監査アンカー",
                "ordering": ["-period"],
            },
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
