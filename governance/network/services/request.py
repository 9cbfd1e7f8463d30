"""The department's side of an application: submitting it (every check before anything is
saved), the automatic checks against the registry that pre-fill findings and decide the route,
revising it after a send-back, and withdrawing it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import netinput, permissions
from governance.audit.services import record_event
from governance.cases.services import assign_case_number, set_status
from governance.cases.services.notifications import notify
from governance.clocks import services as clocks
from governance.japanese import fiscal_year_of, in_japanese
from governance.karte import services as karte
from governance.karte.rules import coverage_of
from governance.models import (
    EQUIPMENT_KINDS,
    ApprovalStatus,
    CaseKind,
    CaseMessage,
    CaseStatus,
    CommunicationFlow,
    ConnectionApproval,
    ConnectionAsset,
    ConnectionFinding,
    DeadlineKind,
    Direction,
    InformationSystem,
    LedgerStatus,
    NetworkConnection,
    NetworkSegment,
    Proposal,
    RequestKind,
    RuleKey,
    TargetKind,
    User,
)
from governance.network import checks
from governance.network import messages as msg
from governance.roles import Role
from governance.rules.services import rule_in_force
from governance.uploads import CheckedUpload, check_upload, store_attachment

#: Statuses of an application still open (it blocks another one for the same asset).
OPEN_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.UNDER_REVIEW,
    CaseStatus.RETURNED,
    CaseStatus.AWAITING_APPROVAL,
)
#: Kinds that must come with a network diagram (NEXT_WAVE §A.4, evidence).
DIAGRAM_KINDS = (TargetKind.SERVER, TargetKind.NETWORK_DEVICE, TargetKind.EXTERNAL_LINE)
DIAGRAM_TYPES = ("pdf", "png", "jpg", "xlsx", "docx")


@dataclass(frozen=True)
class FlowInput:
    """One row of the communication matrix, as typed."""

    source: str
    destination: str
    ports: str
    protocol: str
    direction: str
    purpose: str


@dataclass
class Application:
    """What a department applies for (the form's cleaned data, or a demo's)."""

    title: str
    system: InformationSystem | None
    target_kind: str
    segment: str
    purpose: str
    desired_start_on: dt.date
    info_confidentiality: str
    internet_exposure: str
    request_kind: str = RequestKind.NEW
    renews: ConnectionApproval | None = None
    desired_end_on: dt.date | None = None
    segment_other_name: str = ""
    crosses_segments: bool = False
    crossing_method: str = ""
    location: str = ""
    handles_personal_info: bool = False
    handles_my_number: bool = False
    global_ip: bool = False
    wireless: bool = False
    wireless_auth: str = ""
    remote_maintenance: bool = False
    remote_method: str = ""
    mfa: bool = False
    cloud_provider: str = ""
    cloud_service_name: str = ""
    ismap_status: str = ""
    data_location: str = ""
    lgwan_asp: bool = False
    av_product: str = ""
    edr: bool = False
    av_auto_update: bool = False
    compensating_measures: str = ""
    patch_policy: str = ""
    default_password_changed: bool = False
    logging: str = ""
    assets: list[karte.AssetFacts] = field(default_factory=list)
    flows: list[FlowInput] = field(default_factory=list)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Application:
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


#: The application's own columns, copied onto the case as they are.
CASE_FIELDS = tuple(
    f.name
    for f in fields(Application)
    if f.name not in ("title", "system", "renews", "assets", "flows")
)


def endpoint(text: str, *, field: str, hostnames: set[str]) -> netinput.Endpoint:
    """A source or destination; the host name of one of the application's assets is one too."""
    raw = netinput.normalize(text).lower()
    if raw in hostnames:
        return netinput.Endpoint("asset", raw)
    return netinput.parse_endpoint(text, field=field)


@dataclass(frozen=True)
class _Checked:
    assets: list[karte.AssetFacts]
    flows: list[checks.FlowFacts]
    flow_rows: list[FlowInput]


def _check_shape(application: Application) -> _Checked:
    """Every check of the application's own content; a ``ValueError`` naming the field."""
    if not application.title.strip():
        raise ValueError(_(msg.EMPTY_TITLE))
    if not application.purpose.strip():
        raise ValueError(_(msg.PURPOSE_REQUIRED))
    end = application.desired_end_on
    if end is not None and end < application.desired_start_on:
        raise ValueError(_(msg.END_BEFORE_START))
    if application.segment == NetworkSegment.CLOSED_OTHER and not (
        application.segment_other_name.strip()
    ):
        raise ValueError(_(msg.SEGMENT_OTHER_NAME_REQUIRED))
    if application.crosses_segments and not application.crossing_method.strip():
        raise ValueError(_(msg.CROSSING_METHOD_REQUIRED))
    if application.wireless and not application.wireless_auth:
        raise ValueError(_(msg.WIRELESS_AUTH_REQUIRED))
    assets = [karte.clean_asset(facts) for facts in application.assets]
    if application.target_kind in EQUIPMENT_KINDS and not assets:
        raise ValueError(_(msg.ASSET_REQUIRED))
    seen: set[str] = set()
    for asset in assets:
        if asset.hostname in seen:
            raise ValueError(_(msg.HOSTNAME_TWICE).format(hostname=asset.hostname))
        seen.add(asset.hostname)
    if not application.flows:
        raise ValueError(_(msg.FLOW_REQUIRED))
    flows, rows = [], []
    for number, row in enumerate(application.flows, start=1):
        label = _("通信{number}").format(number=number)
        source = endpoint(row.source, field=f"{label} {_('通信元')}", hostnames=seen)
        destination = endpoint(row.destination, field=f"{label} {_('通信先')}", hostnames=seen)
        ports = netinput.parse_ports(row.ports, field=f"{label} {_('ポート')}")
        wildcard = "wildcard" in (source.kind, destination.kind)
        if wildcard and (row.direction != Direction.OUTBOUND or not row.purpose.strip()):
            raise ValueError(_(msg.WILDCARD_OUTBOUND_ONLY).format(number=number))
        flows.append(
            checks.FlowFacts(
                number=number,
                source=(source.kind, source.value),
                destination=(destination.kind, destination.value),
                ports=ports,
                direction=row.direction,
            )
        )
        rows.append(
            FlowInput(
                source=source.value,
                destination=destination.value,
                ports=ports,
                protocol=row.protocol,
                direction=row.direction,
                purpose=row.purpose.strip(),
            )
        )
    return _Checked(assets=assets, flows=flows, flow_rows=rows)


def _facts(application: Application, checked: _Checked) -> checks.ApplicationFacts:
    return checks.ApplicationFacts(
        target_kind=application.target_kind,
        segment=application.segment,
        internet_exposure=application.internet_exposure,
        crosses_segments=application.crosses_segments,
        global_ip=application.global_ip,
        wireless=application.wireless,
        wireless_auth=application.wireless_auth,
        data_location=application.data_location,
        ismap_status=application.ismap_status,
        desired_end_on=application.desired_end_on,
        assets=[
            checks.AssetFacts(
                hostname=asset.hostname,
                os_name=asset.os_name,
                os_eol_on=asset.os_eol_on,
                has_storage=asset.has_storage,
                wireless=asset.wireless,
                wireless_auth=asset.wireless_auth,
            )
            for asset in checked.assets
        ],
        flows=checked.flows,
    )


def system_facts(system: InformationSystem) -> checks.SystemFacts:
    return checks.SystemFacts(
        status=system.status, internet_facing=system.internet_facing, coverage=coverage_of(system)
    )


def _rule_value(key: str, today: dt.date) -> int:
    try:
        return int(rule_in_force(key, fiscal_year_of(today)).value)
    except LookupError as exc:
        raise ValueError(str(exc)) from None


def _check_against_registry(
    application: Application, checked: _Checked, *, exclude: NetworkConnection | None = None
) -> None:
    """The blocking checks, duplicate MACs, and open applications for the same asset."""
    system = application.system
    assert system is not None
    today = timezone.localdate()
    ismap = bool(_rule_value(RuleKey.NC_CLOUD_ISMAP_REQUIRED, today))
    errors = checks.blocking_errors(
        _facts(application, checked), system_facts(system), today=today, ismap_required=ismap
    )
    if errors:
        raise ValueError("\n".join(_(error.message).format(**error.values) for error in errors))
    for asset in checked.assets:
        owner = karte.mac_owner(asset.mac_address, except_system=system, hostname=asset.hostname)
        if owner is not None:
            raise ValueError(
                _(msg.MAC_TAKEN).format(
                    hostname=asset.hostname,
                    mac=asset.mac_address,
                    other=owner.hostname,
                    system=owner.system.code,
                )
            )
    hostnames = [asset.hostname for asset in checked.assets]
    clash = (
        ConnectionAsset.objects.filter(
            asset__system=system,
            asset__hostname__in=hostnames,
            connection__segment=application.segment,
            connection__status__in=OPEN_STATUSES,
        )
        .exclude(connection=exclude)
        .select_related("connection")
        .first()
    )
    if clash is not None:
        raise ValueError(
            _(msg.OPEN_REQUEST_EXISTS).format(
                hostname=clash.hostname,
                segment=NetworkSegment(application.segment).label,
                number=clash.connection.number,
            )
        )


def _check_renewal(application: Application) -> None:
    if application.request_kind != RequestKind.RENEWAL:
        return
    approval = application.renews
    if approval is None:
        raise ValueError(_(msg.RENEWAL_NEEDS_APPROVAL))
    if application.system is None or approval.system_id != application.system.pk:
        raise ValueError(_(msg.RENEWAL_OTHER_SYSTEM))
    if approval.status == ApprovalStatus.REVOKED:
        raise ValueError(_(msg.RENEWAL_OF_REVOKED))
    if approval.status != ApprovalStatus.ACTIVE:
        raise ValueError(_(msg.RENEWAL_OF_EXPIRED))


def _check_diagram(application: Application, diagram: Any) -> CheckedUpload | None:
    if diagram is None:
        if application.target_kind in DIAGRAM_KINDS:
            raise ValueError(_(msg.DIAGRAM_REQUIRED))
        return None
    if isinstance(diagram, CheckedUpload):
        return diagram
    return check_upload(diagram, allowed=DIAGRAM_TYPES)


def _store_equipment(
    actor: User, connection: NetworkConnection, checked: _Checked, *, replace: bool
) -> None:
    """The assets in the registry (through its service) and their snapshot on the application,
    and the communication matrix."""
    system = connection.system
    assert system is not None
    assets = karte.register_assets(
        actor=actor, system=system, assets=checked.assets, reason=connection.number
    )
    if replace:
        connection.connection_assets.all().delete()
        connection.flows.all().delete()
    ConnectionAsset.objects.bulk_create(
        [
            ConnectionAsset(
                connection=connection,
                asset=asset,
                hostname=asset.hostname,
                kind=asset.kind,
                ip_address=asset.ip_address,
                mac_address=asset.mac_address,
                os_name=asset.os_name,
                os_version=asset.os_version,
                os_eol_on=asset.os_eol_on,
                has_storage=asset.has_storage,
            )
            for asset in assets
        ]
    )
    CommunicationFlow.objects.bulk_create(
        [
            CommunicationFlow(connection=connection, number=number, **vars(row))
            for number, row in enumerate(checked.flow_rows, start=1)
        ]
    )


def _audit_values(connection: NetworkConnection) -> dict[str, Any]:
    values = {name: getattr(connection, name) for name in CASE_FIELDS}
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def submit_application(
    *,
    actor: User,
    application: Application,
    diagram: Any = None,
    process: Any = None,
) -> NetworkConnection:
    """A department applies to connect; every check runs before anything is written, and a
    refusal leaves nothing behind. The ``nc_review`` clock starts; the automatic checks run in
    the flow's next step (``run_precheck``)."""
    permissions.require(permissions.may_act(actor) and permissions.is_department_staff(actor))
    system = application.system
    if system is None:
        raise ValueError(_(msg.SYSTEM_REQUIRED))
    permissions.check_system_choice(actor, system)
    checked = _check_shape(application)
    _check_renewal(application)
    upload = _check_diagram(application, diagram)
    _check_against_registry(application, checked)
    today = timezone.localdate()
    assert actor.department_id is not None  # department staff always belong to one
    with transaction.atomic():
        connection = NetworkConnection(
            kind=CaseKind.NETWORK_CONNECTION,
            fiscal_year=fiscal_year_of(today),
            title=application.title.strip(),
            department_id=actor.department_id,
            section_id=actor.section_id,
            system=system,
            requester=actor,
            process=process,
            renews=application.renews,
            after_the_fact=checks.is_after_the_fact(application.desired_start_on, today),
            **{name: getattr(application, name) for name in CASE_FIELDS},
        )
        assign_case_number(connection)
        connection.save()
        _store_equipment(actor, connection, checked, replace=False)
        if upload is not None:
            store_attachment(case=connection, upload=upload, purpose="network_diagram", actor=actor)
        if application.renews is not None:
            ConnectionApproval.objects.filter(pk=application.renews.pk).update(
                renewal_case=connection
            )
        record_event(
            actor=actor,
            action="network.submit",
            obj=connection,
            changes={
                "number": [None, connection.number],
                "system": [None, system.code],
                "assets": [None, [asset.hostname for asset in checked.assets]],
                "flows": [None, len(checked.flow_rows)],
                "renews": [None, application.renews.case.number if application.renews else None],
                **{key: [None, value] for key, value in _audit_values(connection).items()},
            },
        )
        clocks.start_deadline(
            actor=actor,
            kind=DeadlineKind.NC_REVIEW,
            starts_at=timezone.now(),
            case=connection,
            holder_role=Role.SECURITY_REVIEWER,
        )
    return connection


# --- The automatic checks ---------------------------------------------------------------


def _stored_facts(connection: NetworkConnection) -> checks.ApplicationFacts:
    """The checks' facts as the application now stands in the database."""
    assets = list(connection.connection_assets.select_related("asset"))
    hostnames = {row.hostname for row in assets}
    flows = []
    for row in connection.flows.all():
        source = endpoint(row.source, field="", hostnames=hostnames)
        destination = endpoint(row.destination, field="", hostnames=hostnames)
        flows.append(
            checks.FlowFacts(
                number=row.number,
                source=(source.kind, source.value),
                destination=(destination.kind, destination.value),
                ports=row.ports,
                direction=row.direction,
            )
        )
    return checks.ApplicationFacts(
        target_kind=connection.target_kind,
        segment=connection.segment,
        internet_exposure=connection.internet_exposure,
        crosses_segments=connection.crosses_segments,
        global_ip=connection.global_ip,
        wireless=connection.wireless,
        wireless_auth=connection.wireless_auth,
        data_location=connection.data_location,
        ismap_status=connection.ismap_status,
        desired_end_on=connection.desired_end_on,
        assets=[
            checks.AssetFacts(
                hostname=row.hostname,
                os_name=row.os_name,
                os_eol_on=row.os_eol_on,
                has_storage=row.has_storage,
                wireless=row.asset.wireless,
                wireless_auth=row.asset.wireless_auth,
            )
            for row in assets
        ],
        flows=flows,
    )


WITHDRAWN_PROPOSAL = "申請の修正により、この自動確認には該当しなくなりました。"


def _refresh_proposals(connection: NetworkConnection) -> dict[str, Any]:
    """Pre-fill a finding for each check that fires and was not raised before; withdraw the
    undecided ones that no longer apply. Decided ones stay as they were decided."""
    assert connection.system is not None
    today = timezone.localdate()
    facts = _stored_facts(connection)
    proposals = checks.proposed_findings(
        facts,
        system_facts(connection.system),
        condition_days=_rule_value(RuleKey.NC_CONDITION_DEFAULT_DAYS, today),
    )
    existing = {
        finding.check_code: finding
        for finding in ConnectionFinding.objects.filter(case=connection).exclude(check_code="")
    }
    fired = {proposal.check for proposal in proposals}
    withdrawn = []
    for code, finding in existing.items():
        if code not in fired and finding.proposal == Proposal.PENDING:
            finding.proposal = Proposal.DISMISSED
            finding.status = LedgerStatus.WAIVED
            finding.decision_note = WITHDRAWN_PROPOSAL
            finding.resolution = WITHDRAWN_PROPOSAL
            finding.save(update_fields=["proposal", "status", "decision_note", "resolution"])
            withdrawn.append(code)
    number = ConnectionFinding.objects.filter(case=connection).aggregate(n=Max("number"))["n"] or 0
    added = []
    for proposal in proposals:
        if proposal.check in existing:
            continue
        number += 1
        ConnectionFinding.objects.create(
            case=connection,
            department_id=connection.department_id,
            system_id=connection.system_id,
            number=number,
            perspective=proposal.perspective,
            check_code=proposal.check,
            severity=proposal.severity,
            proposal=Proposal.PENDING,
            text=proposal.text,
            proposed_condition=proposal.proposed_condition,
            condition_due_days=proposal.condition_due_days,
            created_by_id=connection.requester_id,
        )
        added.append(proposal.check)
    routing = checks.routing(facts)
    rule = rule_in_force(RuleKey.NC_CISO_ROUTING, fiscal_year_of(today))
    old = [connection.requires_ciso, connection.rule_id]
    connection.requires_ciso = routing.requires_ciso
    connection.routing_reason = routing.sentence
    connection.rule = rule
    connection.save(update_fields=["requires_ciso", "routing_reason", "rule", "updated_at"])
    changes: dict[str, Any] = {
        "proposals_added": [None, added],
        "requires_ciso": [old[0], routing.requires_ciso],
        "rule": [old[1], f"{rule.key}@{rule.effective_from}"],
    }
    if withdrawn:
        changes["proposals_withdrawn"] = [None, withdrawn]
    return changes


def run_precheck(*, connection: NetworkConnection) -> NetworkConnection:
    """The flow's ``precheck`` step (the system acts): pre-filled findings, the route, and the
    case under review."""
    with transaction.atomic():
        changes = _refresh_proposals(connection)
        set_status(
            actor=None,
            case=connection,
            status=CaseStatus.UNDER_REVIEW,
            action="network.precheck",
            reason=connection.routing_reason,
            extra_changes=changes,
        )
    return connection


# --- Revision and withdrawal ---------------------------------------------------------------


def _require_returned(actor: User, connection: NetworkConnection) -> None:
    permissions.require_act(actor, connection, Role.DEPARTMENT_STAFF)
    if connection.status != CaseStatus.RETURNED:
        raise ValueError(_(msg.NOT_RETURNED))


def revise_application(
    *,
    actor: User,
    connection: NetworkConnection,
    application: Application,
    message: str,
    diagram: Any = None,
) -> NetworkConnection:
    """The department corrects the application after a send-back and answers; the automatic
    checks and the route are evaluated again, and the review clock resumes."""
    _require_returned(actor, connection)
    application.system = connection.system
    application.request_kind = connection.request_kind
    application.renews = connection.renews
    if not message.strip():
        raise ValueError(_(msg.MESSAGE_REQUIRED))
    checked = _check_shape(application)
    upload = _check_diagram(application, diagram) if diagram is not None else None
    _check_against_registry(application, checked, exclude=connection)
    with transaction.atomic():
        old = _audit_values(connection)
        connection.title = application.title.strip()
        for name in CASE_FIELDS:
            setattr(connection, name, getattr(application, name))
        connection.save()
        _store_equipment(actor, connection, checked, replace=True)
        if upload is not None:
            store_attachment(case=connection, upload=upload, purpose="network_diagram", actor=actor)
        changes = _refresh_proposals(connection)
        new = _audit_values(connection)
        changes.update({key: [old[key], new[key]] for key in old if old[key] != new[key]})
        CaseMessage.objects.create(
            case=connection, kind=CaseMessage.Kind.ANSWER, body=message.strip(), author=actor
        )
        set_status(
            actor=actor,
            case=connection,
            status=CaseStatus.UNDER_REVIEW,
            action="network.revise",
            reason=message.strip(),
            extra_changes=changes,
        )
        review_clock = clocks.open_deadline_for(connection, DeadlineKind.NC_REVIEW)
        if review_clock is not None and review_clock.paused_at is not None:
            clocks.resume_deadline(actor=actor, deadline=review_clock, reason=message.strip())
        with in_japanese():  # records stay Japanese
            notify(
                recipients=[connection.reviewer] if connection.reviewer else [],
                subject=_("ネットワーク接続 {number}: 修正版の提出").format(
                    number=connection.number
                ),
                url=reverse("home:case", args=[connection.pk]),
                case=connection,
            )
    return connection


def withdraw_application(
    *, actor: User, connection: NetworkConnection, reason: str
) -> NetworkConnection:
    """The department withdraws a returned application; its clocks stop and an approval it
    would have renewed is no longer under renewal."""
    _require_returned(actor, connection)
    if not reason.strip():
        raise ValueError(_(msg.REASON_REQUIRED))
    with transaction.atomic():
        ConnectionApproval.objects.filter(renewal_case=connection).update(renewal_case=None)
        review_clock = clocks.open_deadline_for(connection, DeadlineKind.NC_REVIEW)
        if review_clock is not None:
            clocks.cancel_deadline(actor=actor, deadline=review_clock, reason=reason.strip())
        set_status(
            actor=actor,
            case=connection,
            status=CaseStatus.WITHDRAWN,
            action="network.withdraw",
            reason=reason.strip(),
        )
    return connection
