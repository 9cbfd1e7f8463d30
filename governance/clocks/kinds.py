"""What each kind of clock is by default: how it counts, which rule sets its length, whether a
due day on a 行政機関の休日 moves, when it reminds and who hears of a breach.

A caller of ``start_deadline`` can override the length (a rule key or a number), the reminders
and the escalation; what it does not give comes from here. Lengths stated as assumptions in
NEXT_WAVE are versioned rules (``RuleKey``), so the office changes them without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.clocks.models import Counting, DeadlineKind
from governance.clocks.schedule import DAY_REMINDERS, TIME_REMINDERS
from governance.models import RuleKey
from governance.roles import Role


@dataclass(frozen=True)
class ClockSpec:
    counting: str
    #: The rule whose value is the length; None: the caller gives the length or the due date.
    rule_key: str | None = None
    #: The rule whose value is a soft target before the hard due (a 速報's 3 days of 3 to 5).
    soft_rule_key: str | None = None
    #: Move a due day that is a 行政機関の休日 to the next open day (calendar days only).
    roll: bool = True
    reminders: tuple[str, ...] = DAY_REMINDERS
    escalate_roles: tuple[str, ...] = ()


_CSIRT_ESCALATION = (Role.CSIRT_LEAD, Role.CISO)

SPECS: dict[str, ClockSpec] = {
    # ネットワーク接続承認 (§A.8): internal service levels, all assumptions.
    DeadlineKind.NC_REVIEW: ClockSpec(
        Counting.BUSINESS_DAYS,
        RuleKey.NC_REVIEW_BUSINESS_DAYS,
        escalate_roles=(Role.GOVERNANCE_APPROVER,),
    ),
    DeadlineKind.NC_CONDITION: ClockSpec(
        Counting.CALENDAR_DAYS,
        RuleKey.NC_CONDITION_DEFAULT_DAYS,
        escalate_roles=(Role.SECURITY_REVIEWER,),
    ),
    # Due on the approval's valid_until (given by the caller), never moved.
    DeadlineKind.NC_EXPIRY: ClockSpec(
        Counting.CALENDAR_DAYS,
        roll=False,
        reminders=("d60", "d30", "bd10"),
        escalate_roles=(Role.SECURITY_REVIEWER,),
    ),
    DeadlineKind.NC_UNUSED_LAPSE: ClockSpec(
        Counting.CALENDAR_DAYS,
        RuleKey.NC_UNUSED_LAPSE_DAYS,
        escalate_roles=(Role.SECURITY_REVIEWER,),
    ),
    DeadlineKind.NC_SUSPENSION_CONFIRM: ClockSpec(
        Counting.BUSINESS_DAYS,
        RuleKey.NC_SUSPENSION_CONFIRM_BUSINESS_DAYS,
        escalate_roles=(Role.GOVERNANCE_APPROVER, Role.CISO),
    ),
    DeadlineKind.NC_DISCONNECT_CONFIRM: ClockSpec(
        Counting.BUSINESS_DAYS,
        RuleKey.NC_DISCONNECT_CONFIRM_BUSINESS_DAYS,
        escalate_roles=(Role.SECURITY_REVIEWER,),
    ),
    # CSIRT legal clocks (§B.6): 速報 is soft (no roll), 確報 rolls past 行政機関の休日.
    DeadlineKind.PPC_PRELIMINARY: ClockSpec(
        Counting.CALENDAR_DAYS,
        RuleKey.PPC_PRELIMINARY_LIMIT_DAYS,
        soft_rule_key=RuleKey.PPC_PRELIMINARY_TARGET_DAYS,
        roll=False,
        escalate_roles=_CSIRT_ESCALATION,
    ),
    DeadlineKind.PPC_FINAL: ClockSpec(
        Counting.CALENDAR_DAYS, RuleKey.PPC_FINAL_DAYS, escalate_roles=_CSIRT_ESCALATION
    ),
    DeadlineKind.MYNUMBER_PRELIMINARY: ClockSpec(
        Counting.CALENDAR_DAYS,
        RuleKey.PPC_PRELIMINARY_LIMIT_DAYS,
        soft_rule_key=RuleKey.PPC_PRELIMINARY_TARGET_DAYS,
        roll=False,
        escalate_roles=_CSIRT_ESCALATION,
    ),
    DeadlineKind.MYNUMBER_FINAL: ClockSpec(
        Counting.CALENDAR_DAYS, RuleKey.PPC_FINAL_DAYS, escalate_roles=_CSIRT_ESCALATION
    ),
    DeadlineKind.INDIVIDUAL_NOTICE: ClockSpec(
        Counting.CALENDAR_DAYS,
        RuleKey.INDIVIDUAL_NOTICE_DAYS,
        roll=False,
        escalate_roles=(Role.CSIRT_LEAD,),
    ),
    DeadlineKind.MIC_FIRST_REPORT: ClockSpec(
        Counting.CALENDAR_DAYS,
        RuleKey.MIC_FIRST_REPORT_DAYS,
        roll=False,
        escalate_roles=(Role.CSIRT_LEAD,),
    ),
    DeadlineKind.JLIS_REPORT: ClockSpec(
        Counting.CALENDAR_DAYS,
        RuleKey.JLIS_REPORT_DAYS,
        roll=False,
        escalate_roles=(Role.CSIRT_LEAD,),
    ),
    DeadlineKind.PUBLICATION_DECISION: ClockSpec(
        Counting.BUSINESS_DAYS,
        RuleKey.PUBLICATION_DECISION_BUSINESS_DAYS,
        escalate_roles=_CSIRT_ESCALATION,
    ),
    DeadlineKind.CISO_ACK: ClockSpec(
        Counting.MINUTES,
        RuleKey.CISO_ACK_MINUTES,
        reminders=TIME_REMINDERS,
        escalate_roles=(Role.CSIRT_LEAD,),
    ),
    # The length is the escalation level's minutes for the severity (EscalationLevel, data);
    # a breach tells the next level of the chain (the caller gives escalate_roles).
    DeadlineKind.ESCALATION_ACK: ClockSpec(
        Counting.MINUTES, reminders=TIME_REMINDERS, escalate_roles=_CSIRT_ESCALATION
    ),
    # Their length depends on the severity level (§B.5): the caller gives it.
    DeadlineKind.TRIAGE_RESPONSE: ClockSpec(
        Counting.MINUTES, reminders=TIME_REMINDERS, escalate_roles=(Role.CSIRT_LEAD,)
    ),
    DeadlineKind.CONTAINMENT: ClockSpec(
        Counting.HOURS, reminders=TIME_REMINDERS, escalate_roles=_CSIRT_ESCALATION
    ),
    DeadlineKind.POST_INCIDENT_REVIEW: ClockSpec(
        Counting.CALENDAR_DAYS,
        RuleKey.POST_INCIDENT_REVIEW_DAYS,
        escalate_roles=(Role.CSIRT_LEAD,),
    ),
    # Administration: due dates given by the caller.
    DeadlineKind.AUDIT_CHAIN_ANCHOR: ClockSpec(
        Counting.BUSINESS_DAYS, escalate_roles=(Role.ADMIN,)
    ),
    DeadlineKind.API_KEY_EXPIRY: ClockSpec(
        Counting.CALENDAR_DAYS, roll=False, reminders=("d30", "d7"), escalate_roles=(Role.ADMIN,)
    ),
}
