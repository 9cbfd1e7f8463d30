"""Indexes the list pages' plans ask for.

- ``case_list_order_idx`` (created_at, id): the case list's keyset pages walk it, so the last
  page costs what the first does.
- ``viewflow_task (owner_id, status)``: the inbox (a user's assigned tasks) and its count.
  Viewflow's table is not ours, so the index is plain SQL (the same on PostgreSQL and
  SQLite); viewflow's own migrations never touch it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0013_budget_check_unique_and_job_idempotency"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["created_at", "id"], name="case_list_order_idx"),
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS shinsa_task_owner_status_idx"
            " ON viewflow_task (owner_id, status)",
            "DROP INDEX IF EXISTS shinsa_task_owner_status_idx",
        ),
    ]
