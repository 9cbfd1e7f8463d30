"""相談: free-form questions from a department to its liaison desk."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.cases.models import Case


class Consultation(Case):
    """One consultation: a department's question, answered by its liaison until resolved."""

    question = models.TextField(_("相談内容"))
    resolved = models.BooleanField(_("解決済"), default=False)

    class Meta:
        verbose_name = _("相談")
        verbose_name_plural = _("相談")
