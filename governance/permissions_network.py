"""The network connection approval's part of the rules (NEXT_WAVE §A.3), kept beside
``governance.permissions`` (which asks this module; this module asks nobody): who reads every
network case, which kinds each role acts on, the segregation of duties of the flow, who counts
as a reviewer of a network case and which queued tasks a network role may pick up."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_noop

from governance.models import CaseKind, ConnectionFinding, ConnectionReview, ReviewStage
from governance.roles import ACT_PERMISSION, Role

NETWORK_ADMIN_CANNOT_APPROVE = gettext_noop(
    "技術確認を行ったネットワーク管理者は同じ案件を決裁できません。"
)
APPROVER_CANNOT_BE_NETWORK_ADMIN = gettext_noop(
    "決裁者は同じ案件のネットワーク管理者の作業を行えません。"
)
APPROVER_CANNOT_BE_CISO = gettext_noop("決裁者は同じ案件の CISO 承認を行えません。")

CSIRT_ROLES = (Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)
#: Besides governance staff and auditors, these read every network connection case.
NETWORK_READER_ROLES = (Role.SECURITY_REVIEWER, Role.NETWORK_ADMIN, *CSIRT_ROLES)
#: Besides governance staff, these read the whole registry (システムカルテ).
REGISTRY_READER_ROLES = (*NETWORK_READER_ROLES, Role.AUDITOR, Role.ADMIN)
#: The kinds of case each role acts on (department staff: their own department's reviews).
ROLE_KINDS: dict[str, tuple[str, ...]] = {
    Role.CSIRT_MEMBER: (CaseKind.INCIDENT,),
    Role.CSIRT_LEAD: (CaseKind.INCIDENT,),
    Role.CISO: (CaseKind.INCIDENT, CaseKind.NETWORK_CONNECTION),
    Role.SECURITY_REVIEWER: (CaseKind.NETWORK_CONNECTION,),
    Role.NETWORK_ADMIN: (CaseKind.NETWORK_CONNECTION,),
}
#: The audit actions that make their actor a reviewer of a network connection.
NETWORK_REVIEW_ACTIONS = frozenset(
    {
        "network.security_review",
        "network.security_return",
        "network.technical_review",
        "network.technical_return",
        "network.finding.add",
        "network.finding.accept",
        "network.finding.dismiss",
        "network.finding.settle",
    }
)


def network_segregation_error(user: Any, case: Any, role: str) -> str | None:
    """Network connections: the network admin who checked ≠ approver; approver ≠ CISO (and the
    approver does no network admin work on the case). None if nothing forbids it."""
    if case.kind != CaseKind.NETWORK_CONNECTION:
        return None
    if role in (Role.NETWORK_ADMIN, Role.CISO) and case.approver_id == user.pk:
        return APPROVER_CANNOT_BE_CISO if role == Role.CISO else APPROVER_CANNOT_BE_NETWORK_ADMIN
    if (
        role == Role.GOVERNANCE_APPROVER
        and ConnectionReview.objects.filter(
            connection_id=case.pk, stage=ReviewStage.NETWORK, reviewer_id=user.pk
        ).exists()
    ):
        return NETWORK_ADMIN_CANNOT_APPROVE
    return None


def network_reviewed_by_q(user_pk: int | None, prefix: str = "") -> Q:
    """Network cases ``user_pk`` reviewed: a round of the security review or the technical
    check, a finding they raised by hand, or one they accepted or dismissed."""
    case = OuterRef(f"{prefix}pk")
    rounds = ConnectionReview.objects.filter(connection_id=case, reviewer_id=user_pk)
    findings = ConnectionFinding.objects.filter(case_id=case).filter(
        Q(created_by_id=user_pk, check_code="") | Q(decided_by_id=user_pk)
    )
    return Q(Exists(rounds)) | Q(Exists(findings))


def network_queue_parts(user: Any, held: frozenset[str]) -> list[Q]:
    """The queued network tasks the network roles ``user`` holds may pick up (never a step the
    segregation of duties would refuse them)."""
    network = Q(process__case__kind=CaseKind.NETWORK_CONNECTION) & ~Q(
        process__case__requester=user.pk
    )
    parts = []
    for role in (Role.SECURITY_REVIEWER, Role.NETWORK_ADMIN, Role.CISO):
        if role in held:
            part = network & Q(owner_permission=ACT_PERMISSION[role])
            if role != Role.SECURITY_REVIEWER:
                part &= ~Q(process__case__approver=user.pk)
            parts.append(part)
    return parts
