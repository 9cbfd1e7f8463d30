"""``manage.py obligations_check FILE.json [--as-of DATE]``: what each fact set owes under the
rules in force, as JSON; bad input names the fact set and the key and exits non-zero; a rule
version added for a later fiscal year changes the answer only with --as-of."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from governance.models import Rule

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def run(tmp_path: Path, data: Any, *args: str) -> list[list[dict[str, Any]]]:
    path = tmp_path / "facts.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out = StringIO()
    call_command("obligations_check", str(path), *args, stdout=out)
    return json.loads(out.getvalue())


def row(result: list[dict[str, Any]], recipient: str, stage: str) -> dict[str, Any]:
    return next(r for r in result if r["recipient"] == recipient and r["stage"] == stage)


def test_each_fact_set_gets_its_obligations_as_json(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        [
            {
                "aware_at": "2026-12-01T10:00:00+09:00",
                "category": "misdelivery_email",
                "persons_count": 101,
            },
            {
                "aware_at": "2026-12-01T10:00:00+09:00",
                "category": "misdelivery_email",
                "persons_count": 100,
            },
            {
                "aware_at": "2026-12-01T10:00:00+09:00",
                "category": "unauthorized_access",
                "persons_count": 1,
                "malicious": True,
            },
            {
                "aware_at": "2026-12-01T10:00:00+09:00",
                "category": "misdelivery_email",
                "persons_count": 500,
                "reporting_body": "assembly",
            },
            {"aware_at": "2026-12-01T10:00:00+09:00", "category": "misdelivery_email"},
        ],
    )
    assert len(result) == 5
    final = row(result[0], "ppc", "final")
    assert final == {
        "recipient": "ppc",
        "stage": "final",
        "required": "yes",
        "due": "2027-01-04",
        "target": None,
        "unrolled_due": "2026-12-31",
        "basis": final["basis"],
    }
    assert row(result[0], "ppc", "preliminary")["target"] == "2026-12-04"
    assert row(result[0], "ppc", "preliminary")["due"] == "2026-12-06"
    assert row(result[1], "ppc", "final")["required"] == "no"
    assert row(result[2], "ppc", "final")["due"] == "2027-02-01"
    assert row(result[3], "ppc", "final")["required"] == "not_applicable"
    assert row(result[4], "ppc", "final")["required"] == "maybe"
    recipients = {r["recipient"] for r in result[0]}
    assert recipients == {
        "ppc",
        "ppc_my_number",
        "individual_notice",
        "mic",
        "jlis",
        "police",
        "nco_form",
        "publication_decision",
        "ciso",
        "top",
    }


def test_a_later_rule_version_applies_only_as_of_its_fiscal_year(tmp_path: Path) -> None:
    Rule.objects.create(
        key="ppc_persons_threshold", effective_from=2028, value=1000, basis="仮の改正（試験）"
    )
    facts = [
        {
            "aware_at": "2026-12-01T10:00:00+09:00",
            "category": "misdelivery_email",
            "persons_count": 500,
        }
    ]
    assert (
        row(run(tmp_path, facts, "--as-of", "2027-03-31")[0], "ppc", "final")["required"] == "yes"
    )
    assert row(run(tmp_path, facts, "--as-of", "2028-04-01")[0], "ppc", "final")["required"] == "no"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[{", "not valid JSON"),
        ('{"aware_at": "2026-12-01T10:00:00+09:00"}', "JSON list"),
        ([{"aware_at": "2026-12-01T10:00:00+09:00", "persons": 3}], "fact set 1, key 'persons'"),
        (
            [{"aware_at": "2026-12-01T10:00:00+09:00"}, {"aware_at": "2026-12-01T10:00:00"}],
            "fact set 2, key 'aware_at'",
        ),
        ([{"category": "other"}], "fact set 1, key 'aware_at'"),
        (
            [{"aware_at": "2026-12-01T10:00:00+09:00", "persons_count": "101"}],
            "key 'persons_count'",
        ),
        ([{"aware_at": "2026-12-01T10:00:00+09:00", "persons_count": -1}], "negative"),
        ([{"aware_at": "2026-12-01T10:00:00+09:00", "malicious": "yes"}], "key 'malicious'"),
        (
            [{"aware_at": "2026-12-01T10:00:00+09:00", "reporting_body": "mayor"}],
            "key 'reporting_body'",
        ),
        ([{"aware_at": "2026-12-01T10:00:00+09:00", "category": "leak"}], "key 'category'"),
        (
            [{"aware_at": "2026-12-01T10:00:00+09:00", "high_encryption": True}],
            "key 'high_encryption_evidence'",
        ),
        ([{"aware_at": "2026-12-01T10:00:00+09:00", "severity": "L5"}], "key 'severity'"),
        (
            [{"aware_at": "2026-12-01T10:00:00+09:00", "segments_hit": "lgwan"}],
            "key 'segments_hit'",
        ),
    ],
)
def test_bad_input_names_the_fact_set_and_key(tmp_path: Path, data: Any, message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        run(tmp_path, data)


def test_a_bad_as_of_date_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--as-of"):
        run(tmp_path, [], "--as-of", "yesterday")


def test_the_command_exits_non_zero_on_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[{"aware_at": "2026-12-01T10:00:00"}]', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "manage.py", "obligations_check", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "fact set 1, key 'aware_at'" in done.stderr
