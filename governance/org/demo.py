"""Demo organisation: the departments named in the source documents, a few sections each, one
user per role, and liaisons assigned. Passwords are random, generated on first load, kept in
``var/demo-logins.txt`` (outside the repository) and printed on every load.

Users whose role needs a second factor (``permissions.SECOND_FACTOR_ROLES``) get a confirmed
TOTP device whose secret is kept and printed the same way: add it to an authenticator app, or
run ``manage.py demo_totp USERNAME`` for the current code."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance import permissions
from governance.models import Department, ReportingBody, Section, User
from governance.org.services import assign_liaison, assign_security_manager
from governance.roles import Role

# (code, name, English name, sections). Sections are illustrative (assumption), except the
# governance office, 行政DX推進課 of スマートシティ戦略部.
DEPARTMENTS: list[tuple[str, str, str, list[str]]] = [
    ("somu", "総務部", "General Affairs Department", ["人事課", "総務サービス課", "法務課"]),
    ("zaimu", "財務部", "Finance Department", ["財政課", "税務局税政課", "税務局納税課"]),
    ("toshi", "都市整備部", "Urban Development Department", ["河川室", "道路室", "都市計画室"]),
    ("kenchiku", "建築部", "Architecture and Housing Department", ["建築指導室", "住宅経営室"]),
    ("kenko", "健康医療部", "Health and Medical Care Department", ["保健医療室", "生活衛生室"]),
    ("fumin", "府民文化部", "Citizens and Culture Department", ["府政情報室", "文化課"]),
    ("fukushi", "福祉部", "Welfare Department", ["子ども家庭局", "障がい福祉室"]),
    (
        "kankyo",
        "環境農林水産部",
        "Environment, Agriculture, Forestry and Fisheries Department",
        ["みどり推進室", "農政室"],
    ),
    ("seisaku", "政策企画部", "Policy Planning Department", ["企画室", "危機管理室"]),
    (
        "shoko",
        "商工労働部",
        "Commerce, Industry and Labour Department",
        ["雇用推進室", "商業振興室"],
    ),
    ("gikai", "議会事務局", "Prefectural Assembly Secretariat", ["総務課", "議事課"]),
    (
        "smartcity",
        "スマートシティ戦略部",
        "Smart City Strategy Department",
        ["行政DX推進課", "戦略推進室"],
    ),
    ("jinji", "人事委員会", "Personnel Commission", ["任用審査課"]),
    ("kyoiku", "教育庁", "Board of Education", ["教育総務企画課", "高等学校課"]),
    ("kiki", "危機管理室", "Crisis Management Office", ["防災企画課"]),
]

#: The 行政機関の長等 reporting for a department in its own name (the rest: 知事).
REPORTING_BODIES = {
    "gikai": ReportingBody.ASSEMBLY,
    "jinji": ReportingBody.PERSONNEL_COMMISSION,
    "kyoiku": ReportingBody.BOARD_OF_EDUCATION,
}

# (username, family name, given name, role, department code, section, e-mail)
USERS: list[tuple[str, str, str, str, str, str]] = [
    ("staff_somu", "佐藤", "花子", Role.DEPARTMENT_STAFF, "somu", "人事課"),
    ("staff_zaimu", "鈴木", "一郎", Role.DEPARTMENT_STAFF, "zaimu", "税務局税政課"),
    ("staff_fukushi", "山田", "陽子", Role.DEPARTMENT_STAFF, "fukushi", "障がい福祉室"),
    ("staff_kenko", "森", "健一", Role.DEPARTMENT_STAFF, "kenko", "保健医療室"),
    ("reviewer", "高橋", "健太", Role.GOVERNANCE_REVIEWER, "smartcity", "行政DX推進課"),
    ("reviewer2", "田中", "美咲", Role.GOVERNANCE_REVIEWER, "smartcity", "行政DX推進課"),
    ("approver", "伊藤", "誠", Role.GOVERNANCE_APPROVER, "smartcity", "行政DX推進課"),
    ("security", "松本", "由美", Role.SECURITY_REVIEWER, "smartcity", "行政DX推進課"),
    ("netadmin", "井上", "大輔", Role.NETWORK_ADMIN, "smartcity", "行政DX推進課"),
    ("manager_somu", "木村", "隆", Role.DEPARTMENT_STAFF, "somu", "人事課"),
    ("csirt", "渡辺", "翔", Role.CSIRT_MEMBER, "smartcity", "行政DX推進課"),
    ("csirt_lead", "山本", "直樹", Role.CSIRT_LEAD, "smartcity", "行政DX推進課"),
    ("ciso", "中村", "浩二", Role.CISO, "smartcity", "戦略推進室"),
    ("auditor", "小林", "恵", Role.AUDITOR, "", ""),
    # 副知事 (the top of the escalation chain): told of an escalation to 知事・副知事 and
    # acknowledges it; sees only the incidents escalated to them.
    ("top", "岡本", "良一", Role.TOP_EXECUTIVE, "", ""),
    ("admin", "加藤", "修", Role.ADMIN, "smartcity", "行政DX推進課"),
    # A service account: it will call the API with a key, never sign in (no password).
    ("integration", "外部連携", "監視サービス", Role.INTEGRATION, "", ""),
]

# The 情報セキュリティ管理者 (所属長) of a department, by username (the others are not set).
SECURITY_MANAGERS = {"somu": "manager_somu"}

LOGINS_FILE = "demo-logins.txt"


def _passwords_path() -> Path:
    return Path(settings.VAR_DIR) / LOGINS_FILE


def _load_passwords() -> tuple[dict[str, str], dict[str, str]]:
    """Passwords and TOTP secrets (base32) by username, from ``var/demo-logins.txt``."""
    path = _passwords_path()
    passwords: dict[str, str] = {}
    secrets_: dict[str, str] = {}
    if not path.exists():
        return passwords, secrets_
    for line in path.read_text(encoding="utf-8").splitlines():
        username, password, secret, *_rest = [*line.split("\t"), "", ""]
        if username and password:
            passwords[username] = password
        if username and secret:
            secrets_[username] = secret
    return passwords, secrets_


def _save_passwords(passwords: dict[str, str], totp_secrets: dict[str, str]) -> None:
    path = _passwords_path()
    lines = []
    for username, password in passwords.items():
        fields = [username, password]
        if username in totp_secrets:
            fields.append(totp_secrets[username])
        lines.append("\t".join(fields) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    path.chmod(0o600)


def demo_totp_secret(username: str) -> str | None:
    """The base32 TOTP secret the demo printed for ``username`` (None if it has none)."""
    return _load_passwords()[1].get(username)


def _ensure_totp_device(user: User, secret: str) -> None:
    """A confirmed TOTP device keyed with the printed ``secret`` (base32)."""
    key = base64.b32decode(secret).hex()
    TOTPDevice.objects.update_or_create(
        user=user, name="demo", defaults={"key": key, "confirmed": True}
    )


def load(stdout: Any) -> list[tuple[str, str, str, str]]:
    departments: dict[str, Department] = {}
    for order, (code, name, name_en, sections) in enumerate(DEPARTMENTS, start=1):
        department, _created = Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "sort_order": order,
                "reporting_body": REPORTING_BODIES.get(code, ReportingBody.GOVERNOR),
            },
        )
        departments[code] = department
        for section_order, section_name in enumerate(sections, start=1):
            Section.objects.update_or_create(
                department=department, name=section_name, defaults={"sort_order": section_order}
            )

    passwords, totp_secrets = _load_passwords()
    logins = []
    for username, family, given, role, department_code, section_name in USERS:
        user_department = departments.get(department_code)
        section = (
            Section.objects.get(department=user_department, name=section_name)
            if user_department
            else None
        )
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "last_name": family,
                "first_name": given,
                "email": f"{username}@example.jp",
                "department": user_department,
                "section": section,
                "is_staff": role == Role.ADMIN,
            },
        )
        user.groups.add(Group.objects.get(name=role))
        if role == Role.INTEGRATION:
            if created:
                user.set_unusable_password()
                user.save()
            continue
        if created or username not in passwords:
            passwords[username] = secrets.token_urlsafe(12)
            user.set_password(passwords[username])
            user.save()
        permissions.forget_roles(user)
        secret = ""
        if permissions.requires_second_factor(user):
            if username not in totp_secrets:
                totp_secrets[username] = base64.b32encode(secrets.token_bytes(20)).decode()
            secret = totp_secrets[username]
            _ensure_totp_device(user, secret)
        logins.append((username, passwords[username], str(Role(role).label), secret))
    _save_passwords(passwords, totp_secrets)

    # Liaisons: the two reviewers share the departments between them.
    admin = User.objects.get(username="admin")
    reviewers = [User.objects.get(username="reviewer"), User.objects.get(username="reviewer2")]
    for index, department in enumerate(departments.values()):
        assign_liaison(actor=admin, department=department, liaison=reviewers[index % 2])
    for code, username in SECURITY_MANAGERS.items():
        assign_security_manager(
            actor=admin, department=departments[code], manager=User.objects.get(username=username)
        )
    stdout.write(f"部局 {len(departments)} 件、利用者 {len(USERS)} 名を登録しました。")
    return logins
