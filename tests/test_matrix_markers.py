"""The permission matrix's leak detector: it finds a department's markers and case numbers,
and is not fooled by random strings that happen to contain "MXA" (CSP nonces, CSRF tokens)."""

from tests.matrix_support import departments_seen

NUMBERS = {"SPC-2026-0001": "A", "BC-2026-0002": "B"}


def test_markers_and_case_numbers_are_found() -> None:
    text = '<td>SPC-2026-0001</td><td>MXB業務システム1</td><a href="/x">MXA相談の件名</a>'
    assert departments_seen(text, NUMBERS) == {"A:case", "B:system"}


def test_a_file_name_in_a_link_is_found() -> None:
    assert departments_seen("<a>MXA仕様書.docx</a>", NUMBERS) == {"A:case"}


def test_random_tokens_are_not_markers() -> None:
    token = "k3J9" + "MXA" + "q" * 57  # a CSRF token that contains MXA by chance
    text = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        '<script nonce="MXBr4nd0m+/nonce==">var x = 1;</script>'
        f"<p>abcMXAdef</p>"
    )
    assert departments_seen(text, NUMBERS) == frozenset()
