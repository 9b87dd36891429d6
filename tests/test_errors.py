"""errors.py: one error hierarchy, and bad input reported as one line on stderr naming the file
(and line), with a documented exit code, no traceback and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, cli

from sigma_certutil import (
    CertutilError,
    ConversionError,
    RuleError,
    TargetError,
    convert,
    load_bundled_rule,
    load_rule,
    parse_rule,
)

RULE = BUNDLED_RULE.read_text(encoding="utf-8")
USAGE, CONVERSION = 2, 1

NOT_A_RULE = "not a Sigma rule: expected a mapping with title, logsource and detection"
CASES = {
    "missing_file": (None, USAGE, "{path}: file not found"),
    "malformed_yaml": (
        "title: x\ndetection:\n  selection:\n    Image: [a\n  condition: selection\n",
        USAGE,
        "{path}:5: malformed YAML: expected ',' or ']', but got ':'",
    ),
    "yaml_list": ("- a\n- b\n", USAGE, "{path}:1: " + NOT_A_RULE),
    "unrelated_mapping": ("name: web\nport: 80\n", USAGE, "{path}:1: " + NOT_A_RULE),
    "empty": ("", USAGE, "{path}: empty file: not a Sigma rule"),
    "no_detection": (
        "title: x\nlogsource:\n  category: network_connection\n  product: windows\n",
        USAGE,
        "{path}: not a Sigma rule: no 'detection' section",
    ),
    "no_condition": (
        RULE.replace("    condition: selection\n", ""),
        USAGE,
        "{path}:18: 'detection' has no 'condition'",
    ),
    "unknown_modifier": (
        RULE.replace("Image|endswith", "Image|endswithx"),
        USAGE,
        "{path}:20: Unknown modifier 'endswithx'",
    ),
    "undefined_selection": (
        RULE.replace("condition: selection", "condition: selection and not filter"),
        USAGE,
        "{path}:27: Detection 'filter' not defined in detections",
    ),
    "two_documents": (
        RULE + "---\n" + RULE,
        USAGE,
        "{path}: holds 2 YAML documents; one rule per file is supported",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_rule(case: str, tmp_path: Path) -> None:
    text, code, message = CASES[case]
    path = tmp_path / f"{case}.yml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    result = cli("convert", str(path))
    assert result.code == code
    assert result.stderr == f"sigma-certutil: error: {message.format(path=path)}\n"
    assert result.stdout == ""


def test_unknown_target() -> None:
    result = cli("convert", "-t", "qradar")
    assert result.code == USAGE
    assert result.stderr == (
        "sigma-certutil: error: unknown target 'qradar' (known: splunk, lucene, eql, esql, kusto)\n"
    )


def test_unknown_option_is_one_line() -> None:
    result = cli("convert", "--bogus")
    assert result.code == USAGE
    assert result.stderr.count("\n") == 1
    assert "unrecognized arguments: --bogus" in result.stderr


def test_field_the_target_lacks_fails_that_target_only(tmp_path: Path) -> None:
    path = tmp_path / "utctime.yml"
    path.write_text(
        RULE.replace("Initiated: 'true'", "UtcTime|startswith: '2024-'"), encoding="utf-8"
    )
    result = cli("convert", str(path), "--json")
    assert result.code == CONVERSION
    errors = result.stderr.splitlines()
    assert [line.split(": ")[3] for line in errors] == ["lucene", "eql", "esql", "kusto"]
    assert all(line.startswith(f"sigma-certutil: error: {path}: ") for line in errors)
    assert (
        "UtcTime" in errors[0] and "UtcTime" in errors[-1] and "DeviceNetworkEvents" in errors[-1]
    )
    assert '"target": "splunk"' in result.stdout  # Splunk keeps Sysmon's UtcTime field


def test_log_source_that_is_not_sysmon(tmp_path: Path) -> None:
    path = tmp_path / "security.yml"
    path.write_text(
        RULE.replace("category: network_connection", "service: security"), encoding="utf-8"
    )
    result = cli("convert", str(path), "-t", "splunk")
    assert result.code == CONVERSION
    assert result.stderr == (
        f"sigma-certutil: error: {path}: splunk: log source is not a Sysmon event: the targets "
        "read Sysmon data only (use product windows with a Sysmon category such as "
        "network_connection, or service sysmon)\n"
    )


def test_one_bad_rule_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("- not a rule\n", encoding="utf-8")
    result = cli("convert", str(bad), str(BUNDLED_RULE), "-t", "kusto")
    assert result.code == USAGE
    assert result.stdout.startswith("DeviceNetworkEvents\n")
    assert result.stderr.startswith(f"sigma-certutil: error: {bad}:1: not a Sigma rule")


def test_unwritable_output(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "q.kql"
    result = cli("convert", "-t", "kusto", "-o", str(target))
    assert result.code == USAGE
    assert (
        result.stderr
        == f"sigma-certutil: error: {target}: cannot write: No such file or directory\n"
    )
    assert not target.parent.exists()


def test_failed_run_leaves_previous_output_whole(tmp_path: Path) -> None:
    output = tmp_path / "q.kql"
    output.write_text("previous\n", encoding="utf-8")
    bad = tmp_path / "bad.yml"
    bad.write_text("title: [\n", encoding="utf-8")
    result = cli("convert", str(bad), "-t", "kusto", "-o", str(output))
    assert result.code == USAGE
    assert output.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yml", "q.kql"]


def test_errors_share_one_base() -> None:
    with pytest.raises(TargetError) as target_error:
        convert(load_bundled_rule(), "qradar")
    with pytest.raises(RuleError) as rule_error:
        parse_rule("title: x\nlogsource: {}\n")
    assert isinstance(target_error.value, CertutilError)
    assert isinstance(rule_error.value, CertutilError)
    assert rule_error.value.source is None
    assert str(rule_error.value) == "<rule>: not a Sigma rule: no 'detection' section"


def test_conversion_error_names_rule_and_target(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text(
        BUNDLED_RULE.read_text(encoding="utf-8").replace("network_connection", "process_creation"),
        encoding="utf-8",
    )
    message = rf"^{path}: splunk: field 'Initiated' is not a field of Sysmon Event ID 1 \(Process"
    with pytest.raises(ConversionError, match=message):
        convert(load_rule(path), "splunk")
