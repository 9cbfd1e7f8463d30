from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("ワークフロー")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The kernel lists flows and drives them through this registration only.
        from workflows import registry

        registry.register()
