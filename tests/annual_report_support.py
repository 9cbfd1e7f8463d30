"""Helpers of the annual report tests: cases received at a given moment, the report's text read
back with python-docx, whitespace collapsed as NEXT_WAVE §C.7 compares it."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import docx

from governance.activity import archive
from governance.models import CaseKind, User

_SPACES = re.compile(r"[\s\u3000]+")


def collapsed(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of the document, in order, whitespace collapsed."""
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return collapsed("\n".join(parts))


def received(
    actor: User,
    requester: User,
    kind: str,
    at: dt.datetime,
    count: int = 1,
    **facts: Any,
) -> list[Any]:
    """``count`` closed cases of ``kind`` received at ``at`` (ledger import, as the demo)."""
    facts_by_kind: dict[str, dict[str, Any]] = {
        CaseKind.CONSULTATION: {"question": "質問"},
        CaseKind.BUDGET_CHECK: {
            "initial_cost": 0,
            "running_cost": 1,
            "purpose": "-",
            "configuration": "-",
            "continuity": "-",
            "operating_structure": "-",
            "network_security": "-",
        },
        CaseKind.SPEC_REVIEW: {
            "procurement_type": "service",
            "estimated_price": 40_000_000,
            "mandatory": True,
            "routing_reason": "-",
        },
    }
    defaults = facts_by_kind[kind]
    assert requester.department_id is not None
    return archive.import_past_cases(
        actor=actor,
        rows=[
            archive.PastCase(
                kind=kind,
                title=f"{kind} {index}",
                department_id=requester.department_id,
                requester_id=requester.pk,
                received_at=at,
                facts={**defaults, **facts},
            )
            for index in range(count)
        ],
        source="test",
    )
