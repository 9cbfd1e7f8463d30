"""The severity matrix v1 (§B.5) derives the level from the factors; observables are
re-fanged, normalised and shown defanged."""

from __future__ import annotations

import pytest

from governance.incidents import observables as obs
from governance.incidents import severity
from governance.incidents.severity import Facts


@pytest.mark.parametrize(
    ("facts", "level"),
    [
        (Facts(), "L1"),
        (Facts(activity_stage="completed", scope="one_section"), "L2"),
        (Facts(functional_impact="high", activity_stage="completed"), "L3"),
        (Facts(personal_data="yes", persons=100), "L1"),
        (Facts(personal_data="yes", persons=101, activity_stage="completed"), "L3"),
        (Facts(personal_data="yes", persons=1001, activity_stage="completed"), "L4"),
        (Facts(personal_data="yes", persons=1001, high_encryption=True), "L1"),
        (Facts(category="ransomware", activity_stage="ongoing"), "L4"),
        (Facts(scope="external_bodies"), "L4"),
        (Facts(category="web_tampering", activity_stage="completed"), "L3"),
    ],
)
def test_the_matrix_gives_the_level_of_the_facts(facts: Facts, level: str) -> None:
    assert severity.derive(facts).level == level


def test_an_unknown_matrix_version_is_not_silently_replaced() -> None:
    with pytest.raises(KeyError):
        severity.derive(Facts(), version=99)


@pytest.mark.parametrize(
    ("kind", "typed", "stored", "shown"),
    [
        (
            "url",
            "hxxps://Evil[.]Example/Path",
            "https://evil.example/Path",
            "hxxps://evil[.]example/Path",
        ),
        ("domain", "Evil[.]EXAMPLE.", "evil.example", "evil[.]example"),
        ("ip", "192.0.2[.]1", "192.0.2.1", "192[.]0[.]2[.]1"),
        ("email_address", "bad[@]example[.]jp", "bad@example.jp", "bad[@]example[.]jp"),
        ("sha256", "A" * 64, "a" * 64, "a" * 64),
    ],
)
def test_observables_are_refanged_normalised_and_shown_defanged(kind, typed, stored, shown) -> None:
    assert obs.normalise(kind, typed) == stored
    assert obs.defang(kind, stored) == shown


def test_a_malformed_hash_is_refused() -> None:
    with pytest.raises(ValueError):
        obs.normalise("md5", "xyz")
