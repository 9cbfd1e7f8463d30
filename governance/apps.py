from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("審査")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from governance import roles
        from governance.jobs import handlers  # noqa: F401  (registers job handlers)

        post_migrate.connect(roles.sync_role_groups, sender=self)
