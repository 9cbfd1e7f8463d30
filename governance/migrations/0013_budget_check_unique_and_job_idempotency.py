"""Duplicates under double submit (issue 10, item 8): one budget check per system and budget
year unless withdrawn, enforced by the database; and a key that makes one request enqueue at
most one job (a double click on 再作成).

A database where the old race already left two open budget checks for one system and year
cannot take the constraint. The migration then stops and names them: withdraw the extra case
through the governed path (an administrator cancels its process on the case page, which is
audited), then migrate again. It never changes a case itself.
"""

from django.db import migrations, models
from django.db.models import Count


def refuse_existing_duplicates(apps, schema_editor):  # type: ignore[no-untyped-def]  # migration signature
    Case = apps.get_model("governance", "Case")
    duplicates = (
        Case.objects.filter(kind="budget_check", system__isnull=False)
        .exclude(status="withdrawn")
        .values("system_id", "fiscal_year")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
    )
    problems = []
    for row in duplicates:
        numbers = Case.objects.filter(
            kind="budget_check", system_id=row["system_id"], fiscal_year=row["fiscal_year"]
        ).exclude(status="withdrawn")
        problems.append(", ".join(sorted(numbers.values_list("number", flat=True))))
    if problems:
        raise RuntimeError(
            "同じシステム・同じ予算年度の予算確認が重複しています。管理者が余分な案件の"
            "プロセスを中止（取下げ）してから、もう一度 migrate してください: "
            + " / ".join(problems)
            + " (Duplicate budget checks for one system and budget year: withdraw the extra"
            " cases, then migrate again.)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0012_seed_clock_rules"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="idempotency_key",
            field=models.CharField(
                blank=True,
                editable=False,
                max_length=200,
                null=True,
                unique=True,
                verbose_name="重複防止キー",
            ),
        ),
        migrations.RunPython(refuse_existing_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "budget_check"))
                & ~models.Q(("status", "withdrawn")),
                fields=("system", "fiscal_year"),
                name="one_budget_check_per_system_and_year",
            ),
        ),
    ]
