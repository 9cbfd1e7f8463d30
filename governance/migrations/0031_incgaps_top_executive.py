"""The top of the escalation chain (知事・副知事) reaches the new ``top_executive`` role instead
of the CISO (NEXT_WAVE §B.6 row 9): a governor's office account is told in-app and by e-mail
and acknowledges; a missed acknowledgement goes to the CISO and the CSIRT lead (the clock
runner's breach roles when no level follows)."""

from django.db import migrations

#: The seeded default of 0027 this migration replaces; a row the office changed is kept.
OLD_ROLES = ["ciso"]
NEW_ROLES = ["top_executive"]

#: Re-run by the tests after a transactional test's flush (tests/conftest.py): idempotent.
SEEDS_ROWS = True


def forward(apps, schema_editor):
    EscalationLevel = apps.get_model("governance", "EscalationLevel")
    for level in EscalationLevel.objects.filter(code="top"):
        if list(level.notify_roles or []) == OLD_ROLES:
            level.notify_roles = NEW_ROLES
            level.save(update_fields=["notify_roles"])


def backward(apps, schema_editor):
    EscalationLevel = apps.get_model("governance", "EscalationLevel")
    for level in EscalationLevel.objects.filter(code="top"):
        if list(level.notify_roles or []) == NEW_ROLES:
            level.notify_roles = OLD_ROLES
            level.save(update_fields=["notify_roles"])


class Migration(migrations.Migration):
    dependencies = [("governance", "0030_incgaps_decided_status")]

    operations = [migrations.RunPython(forward, backward)]
