# The link from a case to its viewflow process, in its own migration: viewflow's migrations
# depend on the user model, which lives in 0001, so 0001 cannot depend on viewflow.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='process',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='case', to='viewflow.process', verbose_name='プロセス'),
        ),
    ]
