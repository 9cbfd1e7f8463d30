"""Reading the rule simulator's fact sets (``manage.py obligations_check FILE.json``).

A fact set is a JSON object with the keys of ``KEYS``; a missing key takes the form's
default. Refusals are ``FactSetError`` naming the fact set (1-based) and the key.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from governance.incidents.obligations.engine import LEAK_CATEGORIES, ObligationFacts
from governance.incidents.severity import LEVELS
from governance.models import IncidentCategory, ReportingBody

BOOLEAN_KEYS = (
    "sensitive",
    "ordinance_sensitive",
    "financial_damage_risk",
    "malicious",
    "high_encryption",
    "recovered_unviewed",
    "my_number",
    "my_number_system",
    "publicly_viewable",
)
COUNT_KEYS = ("persons_count", "persons_upper_bound")
TEXT_KEYS = ("high_encryption_evidence", "recovered_unviewed_evidence")
KEYS = (
    "aware_at",
    "category",
    *COUNT_KEYS,
    *BOOLEAN_KEYS,
    *TEXT_KEYS,
    "reporting_body",
    "segments_hit",
    "severity",
)


class FactSetError(ValueError):
    """A fact set the simulator cannot read; the message names the fact set and the key."""


def _fail(index: int, key: str, message: str) -> FactSetError:
    where = f"fact set {index}" + (f", key {key!r}" if key else "")
    return FactSetError(f"{where}: {message}")


def _aware_at(index: int, value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise _fail(index, "aware_at", "an ISO 8601 date-time with an offset is required")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _fail(index, "aware_at", f"{value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _fail(index, "aware_at", f"{value!r} has no UTC offset (e.g. +09:00)")
    return moment


def parse_fact_set(index: int, data: Any) -> ObligationFacts:
    """One fact set as the engine reads it."""
    if not isinstance(data, dict):
        raise _fail(index, "", "a fact set must be a JSON object")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise _fail(index, unknown[0], f"unknown key (known keys: {', '.join(KEYS)})")
    if "aware_at" not in data:
        raise _fail(index, "aware_at", "missing (when any section of the prefecture knew)")
    values: dict[str, Any] = {"aware_at": _aware_at(index, data["aware_at"])}
    category = data.get("category", "other")
    if category not in IncidentCategory.values:
        raise _fail(index, "category", f"{category!r} is not a category code")
    values["category"] = category
    for key in COUNT_KEYS:
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _fail(index, key, "an integer or null is required")
        if value is not None and value < 0:
            raise _fail(index, key, "a count cannot be negative")
        values[key] = value
    for key in BOOLEAN_KEYS:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise _fail(index, key, "true or false is required")
        values[key] = value
    for key in TEXT_KEYS:
        value = data.get(key, "")
        if not isinstance(value, str):
            raise _fail(index, key, "a text is required")
        values[key] = value
    if values["high_encryption"] and not values["high_encryption_evidence"].strip():
        raise _fail(index, "high_encryption_evidence", "high_encryption needs its evidence")
    if values["recovered_unviewed"] and not values["recovered_unviewed_evidence"].strip():
        raise _fail(index, "recovered_unviewed_evidence", "recovered_unviewed needs its evidence")
    body = data.get("reporting_body", ReportingBody.GOVERNOR)
    if body not in ReportingBody.values:
        raise _fail(index, "reporting_body", f"{body!r} is not one of {ReportingBody.values}")
    values["reporting_body"] = body
    segments = data.get("segments_hit", [])
    if not isinstance(segments, list) or not all(isinstance(s, str) for s in segments):
        raise _fail(index, "segments_hit", "a list of segment codes is required")
    values["segments_hit"] = tuple(segments)
    severity = data.get("severity") or ""
    if severity and severity not in LEVELS:
        raise _fail(index, "severity", f"{severity!r} is not one of {', '.join(LEVELS)}")
    values["severity"] = severity
    # The simulator's fact sets describe personal data when they say anything about it.
    said = any(values[key] is not None for key in COUNT_KEYS) or any(
        values[key] for key in BOOLEAN_KEYS if key != "malicious"
    )
    values["personal_data"] = "yes" if said or category in LEAK_CATEGORIES else "unknown"
    return ObligationFacts(**values)


def parse_file(text: str) -> list[ObligationFacts]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FactSetError(f"not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise FactSetError("the file must hold a JSON list of fact sets")
    return [parse_fact_set(index, item) for index, item in enumerate(data, start=1)]
