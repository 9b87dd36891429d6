"""conversion/single.py: convert lets only CertutilError out; whatever else pySigma raises on
a rule that loaded is a ConversionError naming the rule and target."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, cli

from sigma_certutil import ConversionError, TargetError, convert, convert_all, load_rule
from sigma_certutil.conversion import single


def _crash(self: single.Converter, rule: object, *, owned: bool = False) -> single.Conversion:
    raise TypeError("unhashable type: 'list'")


def test_a_pysigma_crash_is_a_conversion_error(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = load_rule(BUNDLED_RULE)
    monkeypatch.setattr(single.Converter, "run", _crash)
    with pytest.raises(ConversionError) as caught:
        convert(rule, "eql")
    error = caught.value
    assert (error.source, error.target) == (str(BUNDLED_RULE), "eql")
    assert error.reason == "pySigma could not convert it: TypeError: unhashable type: 'list'"
    assert isinstance(error.__cause__, TypeError)
    with pytest.raises(ConversionError):
        convert_all(rule, ["splunk"])
    with pytest.raises(TargetError):  # the package's own errors pass unchanged
        convert(rule, "qradar")


def test_the_command_line_exits_1_naming_rule_and_target(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(single.Converter, "run", _crash)
    result = cli("convert", "-t", "kusto", str(BUNDLED_RULE))
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (
        f"sigma-certutil: error: {BUNDLED_RULE}: kusto: pySigma could not convert it: "
        "TypeError: unhashable type: 'list'\n"
    )
