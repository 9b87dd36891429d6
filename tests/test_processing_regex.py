"""The Python processing steps, checked against an independent oracle."""

from __future__ import annotations

import re

import pytest
from sigma.types import SigmaString

from sigma_certutil.processing.regex import _lucene_regex
from sigma_certutil.processing.registry_values import RegistryNumber

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


def test_registry_numbers() -> None:
    true_value = RegistryNumber(qword_high_shift=32)
    assert str(true_value.apply_string_value("Details", SigmaString("DWORD (0x0000002a)"))) == "42"
    assert str(true_value.apply_string_value("Details", SigmaString("*DWORD (0x00000001)"))) == "1"
    qword = SigmaString("QWORD (0x00000001-0x00000002)")
    assert str(true_value.apply_string_value("Details", qword)) == str((1 << 32) + 2)
    # The ECS ingest computes (high << 8) + low; its stored value is what must be matched.
    assert str(RegistryNumber(qword_high_shift=8).apply_string_value("Details", qword)) == "258"
    assert true_value.apply_string_value("Details", SigmaString("DWORD (0x0000*")) is None


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
