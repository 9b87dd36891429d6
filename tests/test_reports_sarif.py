"""sigma_certutil/reports/sarif.py: SARIF 2.1.0, valid against the official schema, with each
finding at its rule file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import TESTS

from sigma_certutil.reports import Case, Status, render_report

# OASIS's schema (tests/fixtures/sarif-schema-2.1.0.md says where it comes from).
SCHEMA = TESTS / "fixtures" / "sarif-schema-2.1.0.json"


def validate(log: Any) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    validator.validate(log)


def _log(cases: list[Case], root: Path) -> Any:
    return json.loads(render_report("sarif", "test", cases, root))


def test_findings_at_their_rule_file_and_line_and_valid(tmp_path: Path) -> None:
    rule = tmp_path / "rules" / "net work" / "a.yml"
    cases = [
        Case("test", "a [eql]", rule, 3, Status.PASSED, target="eql"),
        Case("test", "a [kusto]", rule, 3, Status.FAILED, "matched e2, not e1", "kusto"),
        Case("test", "a [splunk]", rule, 3, Status.SKIPPED, "not executed", "splunk"),
        Case("lint", "a: id", rule, 2, Status.FAILED, "id", check="identifier", level="warning"),
        Case("check", "queries", None, None, Status.ERROR, "no manifest"),
    ]
    log = _log(cases, tmp_path)
    validate(log)
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "sigma-certutil"
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [
        "test/kusto",
        "identifier",
        "check",
    ]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.as_uri() + "/"}}
    assert [
        (r["ruleId"], r["ruleIndex"], r["level"], r["message"]["text"], r.get("locations"))
        for r in run["results"]
    ] == [
        ("test/kusto", 0, "error", "matched e2, not e1", [_at("rules/net%20work/a.yml", 3)]),
        ("identifier", 1, "warning", "id", [_at("rules/net%20work/a.yml", 2)]),
        ("check", 2, "error", "no manifest", None),
    ]


def _at(uri: str, line: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": line},
        }
    }


def test_no_findings_is_a_valid_log_with_no_results(tmp_path: Path) -> None:
    log = _log([Case("test", "a", tmp_path / "a.yml", 1, Status.PASSED)], tmp_path)
    validate(log)
    assert log["runs"][0]["results"] == []


def test_a_rule_outside_the_root_is_a_file_uri(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "a.yml"
    log = _log([Case("test", "a", outside, None, Status.FAILED, "x")], tmp_path / "repo")
    validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": outside.as_uri(), "uriBaseId": "%SRCROOT%"}}


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    log = _log([Case("test", "a", tmp_path / "a.yml", 1, Status.FAILED, "x")], tmp_path)
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError, match="less than the minimum of 1"):
        validate(log)
