"""processing/regex.py: Sigma regular expressions in Lucene's form and caseless brackets, checked
against independent oracles (Python's re, pySigma's own regex transformation)."""

from __future__ import annotations

import re

import pytest
from sigma.types import SigmaString

from sigma_certutil.processing.regex import _lucene_regex

SAMPLES = [
    "curl.exe -H x",
    "curl.exe -h x",
    "CURL.EXE --header",
    "abc123",
    "ABC1",
    "x.exe",
    "x.exe.bak",
    "",
    "Foo bar",
    "foo",
]
PATTERNS = [r"\s-H\s", r"(?i)abc[a-z]?\d+$", r"^Foo", r"x\.exe$", r"\w+\s\w+", r"(?i)CURL"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_lucene_regex_matches_whole_values_where_sigma_searches(pattern: str) -> None:
    """Sigma's |re is a search; the Lucene form must match the whole value on the same inputs
    (checked with Python's re as the oracle for both; \\s is a space in the Lucene form)."""
    converted = _lucene_regex(pattern)
    for sample in SAMPLES:
        assert bool(re.fullmatch(converted, sample)) == bool(re.search(pattern, sample)), sample


@pytest.mark.parametrize(
    "value",
    ["\\certutil.exe", "*\\AppData\\*.d?l", "C:\\Ünïcödé\\ß\\İ*", "a+b(c)[d]{e}|^$", "1234"],
)
def test_caseless_brackets_build_what_pysigma_builds_without_compiling(value: str) -> None:
    """The same pattern as pySigma's own regex transformation (method ignore_case_brackets),
    and one that Python's re accepts although it was not compiled to be checked."""
    from sigma.processing.transformations.values import RegexTransformation

    from sigma_certutil.processing.regex import CaselessBrackets

    stock = RegexTransformation(method="ignore_case_brackets").apply_string_value(
        "f", SigmaString(value)
    )
    ours = CaselessBrackets().apply_string_value("f", SigmaString(value))
    assert str(ours.regexp) == str(stock.regexp)  # type: ignore[union-attr]
    re.compile(str(ours.regexp))  # type: ignore[union-attr]
