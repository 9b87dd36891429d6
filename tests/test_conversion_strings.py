"""sigma_certutil/conversion/strings.py: what the targets share (whole values as anchored
regular expressions) and the cased operators of the Elasticsearch languages."""

from __future__ import annotations

from sigma.types import SigmaRegularExpressionFlag, SigmaString

from sigma_certutil.conversion.strings import anchored_pattern, has_literal_star


def test_a_value_as_an_anchored_pattern() -> None:
    pattern = anchored_pattern(SigmaString(r"a*b?c.d\*"), ignore_case=True, end="$")
    assert str(pattern.regexp) == r"^a.*b.c\.d\*$"
    assert pattern.flags == {
        SigmaRegularExpressionFlag.DOTALL,
        SigmaRegularExpressionFlag.IGNORECASE,
    }


def test_a_cased_value_keeps_case() -> None:
    pattern = anchored_pattern(SigmaString("Foo"), ignore_case=False, end="$(?!\\n)")
    assert str(pattern.regexp) == "^Foo$(?!\\n)"
    assert pattern.flags == {SigmaRegularExpressionFlag.DOTALL}


def test_a_literal_star_is_told_from_a_wildcard() -> None:
    assert has_literal_star(SigmaString(r"del \*.exe"))
    assert not has_literal_star(SigmaString("del *.exe"))
