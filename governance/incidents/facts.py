"""Reading the facts people type about an incident (§B.10): counts of persons and times.

Pure functions; each refusal is a message constant the services and forms show in Japanese."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext_noop

PERSONS_NOT_A_NUMBER = gettext_noop(
    "人数は数値で入力し、概数の場合は『概数』にチェックしてください。"
)
PERSONS_NEGATIVE = gettext_noop("人数に負の数は入力できません。")
AWARE_IN_FUTURE = gettext_noop("覚知日時に未来の日時は入力できません。")
AWARE_BEFORE_OCCURRED = gettext_noop("覚知日時が発生日時より前になっています。")
OCCURRED_IN_FUTURE = gettext_noop("発生日時に未来の日時は入力できません。")
ENCRYPTION_WITHOUT_EVIDENCE = gettext_noop(
    "「高度な暗号化等」を選ぶときは、その根拠（暗号方式・鍵の管理など）を入力してください。"
)
RECOVERY_WITHOUT_EVIDENCE = gettext_noop(
    "「閲覧前に全て回収」を選ぶときは、その根拠（回収の経緯・確認方法）を入力してください。"
)
#: 覚知 more than this long ago is accepted with a warning (the legal clocks may be late).
LATE_AWARE_DAYS = 30
AWARE_LONG_AGO = gettext_noop(
    "覚知日時が30日以上前です。法定の報告期限を既に過ぎている可能性があります。"
)


def parse_persons(text: str | int | None) -> int | None:
    """「１，００１人」 and 「1001名」 read as 1001; empty is unknown (None); 「約100人」 and other
    words are refused (an estimate is a number with the 概数 box ticked)."""
    if text is None:
        return None
    if isinstance(text, int):
        value = text
    else:
        cleaned = unicodedata.normalize("NFKC", text).strip()
        cleaned = re.sub(r"[,，、\s]", "", cleaned)
        cleaned = re.sub(r"(人|名)$", "", cleaned)
        if not cleaned:
            return None
        if not re.fullmatch(r"-?\d+", cleaned):
            raise ValueError(PERSONS_NOT_A_NUMBER)
        value = int(cleaned)
    if value < 0:
        raise ValueError(PERSONS_NEGATIVE)
    return value


def check_times(
    *, aware_at: dt.datetime, occurred_at: dt.datetime | None, now: dt.datetime
) -> list[str]:
    """Refuse impossible times (ValueError); return warnings for possible but late ones."""
    if aware_at > now:
        raise ValueError(AWARE_IN_FUTURE)
    if occurred_at is not None:
        if occurred_at > now:
            raise ValueError(OCCURRED_IN_FUTURE)
        if aware_at < occurred_at:
            raise ValueError(AWARE_BEFORE_OCCURRED)
    if now - aware_at > dt.timedelta(days=LATE_AWARE_DAYS):
        return [AWARE_LONG_AGO]
    return []


def check_exemptions(
    *, high_encryption: bool, encryption_evidence: str, recovered: bool, recovery_evidence: str
) -> None:
    """A claim that removes a legal duty needs its basis."""
    if high_encryption and not encryption_evidence.strip():
        raise ValueError(ENCRYPTION_WITHOUT_EVIDENCE)
    if recovered and not recovery_evidence.strip():
        raise ValueError(RECOVERY_WITHOUT_EVIDENCE)
