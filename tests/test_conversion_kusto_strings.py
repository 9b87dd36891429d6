"""sigma_certutil/conversion/kusto_strings.py: PCRE read as RE2 for Kusto."""

from __future__ import annotations

import pytest

from sigma_certutil.conversion.kusto_strings import _pcre_for_re2


@pytest.mark.parametrize(
    ("pcre", "multiline", "re2"),
    [
        (r"^Foo\d+$", False, r"^Foo\d+(?:\n?$)"),
        (r"a\Z", False, r"a(?:\n?$)"),
        (r"a\$b[$]", False, r"a\$b[$]"),  # an escaped or bracketed $ is a dollar
        (r"^a$", True, r"^a$"),  # with m, RE2's $ is PCRE's
        (r"a\sb[\s,]\S", False, r"a[\t-\r ]b[\t-\r ,][^\t-\r ]"),
    ],
)
def test_pcre_as_re2(pcre: str, multiline: bool, re2: str) -> None:
    assert _pcre_for_re2(pcre, multiline) == re2
