"""相談: free-form questions from a department to its liaison desk."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.cases.models import Case


class ConsultationTopic(models.TextChoices):
    """What a consultation is about, so the annual report can count by type (NEXT_WAVE §C.4.3;
    the office may rename the topics)."""

    PLANNING = "planning", _("企画・事業化")
    BUDGET = "budget", _("予算")
    PROCUREMENT = "procurement", _("調達・仕様")
    BUILD = "build", _("構築")
    OPERATION = "operation", _("運用・保守")
    SECURITY = "security", _("セキュリティ")
    EXTERNAL_SERVICE = "external_service", _("外部サービス")
    OTHER = "other", _("その他")


class Consultation(Case):
    """One consultation: a department's question, answered by its liaison until resolved."""

    question = models.TextField(_("相談内容"))
    resolved = models.BooleanField(_("解決済"), default=False)
    topic = models.CharField(
        _("相談の分類"),
        max_length=30,
        choices=ConsultationTopic.choices,
        default=ConsultationTopic.OTHER,
    )

    class Meta:
        verbose_name = _("相談")
        verbose_name_plural = _("相談")
