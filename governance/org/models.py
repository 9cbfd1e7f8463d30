"""The organisation: departments (部局), sections (所属) and the people who work in them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _


class ReportingBody(models.TextChoices):
    """The 行政機関の長等 that reports a leak in its own name (NEXT_WAVE §0 finding 4). The 議会 is
    outside 行政機関等 (個人情報保護法第2条第11項第2号「議会を除く」): its own 条例 applies."""

    GOVERNOR = "governor", _("知事")
    BOARD_OF_EDUCATION = "board_of_education", _("教育委員会")
    PERSONNEL_COMMISSION = "personnel_commission", _("人事委員会")
    ELECTION_COMMISSION = "election_commission", _("選挙管理委員会")
    AUDIT_COMMISSIONERS = "audit_commissioners", _("監査委員")
    PUBLIC_SAFETY_COMMISSION = "public_safety_commission", _("公安委員会")
    LABOR_COMMISSION = "labor_commission", _("労働委員会")
    PUBLIC_ENTERPRISE = "public_enterprise", _("公営企業管理者")
    ASSEMBLY = "assembly", _("議会")


class Department(models.Model):
    """One 部局 of the prefecture (総務部, 財務部, …): it owns systems and opens review cases.

    Its ``liaison`` is the governance reviewer at the 部局担当窓口 who receives the department's
    review tasks. Its ``group`` is the Django group used when a case is shared with the whole
    department (department scoping itself uses ``User.department``).
    """

    code = models.SlugField(_("コード"), max_length=40, unique=True)
    name = models.CharField(_("部局名"), max_length=100, unique=True)
    name_en = models.CharField(_("英語名"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("表示順"), default=0)
    liaison = models.ForeignKey(
        "governance.User",
        verbose_name=_("部局担当窓口"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="liaison_for",
    )
    # The 情報セキュリティ管理者 (所属長) of the department: receives its security notices and
    # the department's side of network connections and incidents.
    security_manager = models.ForeignKey(
        "governance.User",
        verbose_name=_("情報セキュリティ管理者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_manager_for",
    )
    # Who reports the department's leaks to the 個人情報保護委員会 (copied onto an incident).
    reporting_body = models.CharField(
        _("報告主体"),
        max_length=30,
        choices=ReportingBody.choices,
        default=ReportingBody.GOVERNOR,
    )
    group = models.OneToOneField(
        Group,
        verbose_name=_("共有グループ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="department",
        editable=False,
    )

    class Meta:
        verbose_name = _("部局")
        verbose_name_plural = _("部局")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name to show: the English name on English pages where one is set. Records
        (audit trail, documents, exports) use ``name``."""
        return self.label_of(self.name, self.name_en)

    @staticmethod
    def label_of(name: str, name_en: str) -> str:
        """``label`` from the two columns alone (lists that read values, not instances)."""
        if name_en and get_language() == "en":
            return name_en
        return name


class Section(models.Model):
    """One 所属 (section) inside a department; a section owns information systems."""

    department = models.ForeignKey(
        Department, verbose_name=_("部局"), on_delete=models.PROTECT, related_name="sections"
    )
    name = models.CharField(_("所属名"), max_length=100)
    sort_order = models.PositiveIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("所属")
        verbose_name_plural = _("所属")
        ordering = ["department__sort_order", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="section_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.department.name} {self.name}"


class User(AbstractUser):
    """A person who signs in: department staff, governance staff, CSIRT, auditors, admins.

    What they may do comes from their role groups (see ``governance.roles``); which cases they
    see comes from ``department`` (see ``governance.permissions``).
    """

    department = models.ForeignKey(
        Department,
        verbose_name=_("部局"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    section = models.ForeignKey(
        Section,
        verbose_name=_("所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("利用者")  # type: ignore[assignment]  # lazy text, as Django allows
        verbose_name_plural = _("利用者")  # type: ignore[assignment]  # lazy text, as Django allows

    @property
    def display_name(self) -> str:
        """Family name first, as Japanese names are written; the username if no name is set.
        Documents sign with this; pages show ``label``."""
        return self.name_of(self.last_name, self.first_name, self.username)

    @staticmethod
    def name_of(last_name: str, first_name: str, username: str) -> str:
        """``display_name`` from the three columns alone (lists that read values)."""
        return f"{last_name} {first_name}".strip() or username

    def get_full_name(self) -> str:
        # Django's is "first last"; viewflow's pages and the admin call this one.
        return self.display_name

    @property
    def label(self) -> str:
        """How every page shows a person: 「高橋 健太（総務部）」, family name first, the
        department in brackets, never the e-mail address. Load ``department`` with the user
        (``select_related``) where many people are listed."""
        department = self.department if self.department_id is not None else None
        if department is None:
            return self.display_name
        return gettext("{name}（{department}）").format(
            name=self.display_name, department=department.label
        )

    def __str__(self) -> str:
        return self.label
