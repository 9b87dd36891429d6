"""sigma_certutil/reports/junit.py: the JUnit XML layout CI systems read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sigma_certutil.reports import Case, Status
from sigma_certutil.reports.junit import junit_xml

# The attributes jenkinsci/xunit-plugin's junit-10.xsd
# (src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd) allows.
TESTCASE_ATTRIBUTES = {"name", "time", "classname", "group"}
SUITES_ATTRIBUTES = {"name", "time", "tests", "failures", "errors"}


def _cases(root: Path) -> list[Case]:
    rule = root / "rules" / "a.yml"
    return [
        Case("test", "rules/a.yml [eql]", rule, 3, Status.PASSED, target="eql"),
        Case("test", "rules/a.yml [kusto]", rule, 3, Status.FAILED, "matched e2, not e1", "kusto"),
        Case("test", "rules/a.yml [splunk]", rule, 3, Status.SKIPPED, "not executed", "splunk"),
        Case("test", "rules/a.yml [lucene]", rule, 3, Status.ERROR, "engine error: boom", "lucene"),
    ]


def test_one_testcase_per_rule_and_target(tmp_path: Path) -> None:
    suites = ET.fromstring(junit_xml("test", _cases(tmp_path), tmp_path))
    assert suites.tag == "testsuites"
    assert suites.attrib == {
        "name": "sigma-certutil test",
        "tests": "4",
        "failures": "1",
        "errors": "1",
    }
    (suite,) = suites
    assert suite.attrib == {
        "name": "sigma-certutil test",
        "tests": "4",
        "failures": "1",
        "errors": "1",
        "skipped": "1",
    }
    assert [(c.get("classname"), c.get("name")) for c in suite] == [
        ("rules/a.yml", "eql"),
        ("rules/a.yml", "kusto"),
        ("rules/a.yml", "splunk"),
        ("rules/a.yml", "lucene"),
    ]
    passed, failed, skipped, error = suite
    assert list(passed) == []
    assert [(e.tag, e.get("message"), e.text) for e in failed] == [
        ("failure", "matched e2, not e1", "matched e2, not e1")
    ]
    assert [(e.tag, e.get("message")) for e in skipped] == [("skipped", "not executed")]
    assert [(e.tag, e.get("message")) for e in error] == [("error", "engine error: boom")]


def test_only_the_attributes_the_xunit_schema_allows(tmp_path: Path) -> None:
    suites = ET.fromstring(junit_xml("test", _cases(tmp_path), tmp_path))
    assert set(suites.attrib) <= SUITES_ATTRIBUTES
    for case in suites.iter("testcase"):
        assert set(case.attrib) <= TESTCASE_ATTRIBUTES


def test_a_lint_finding_is_named_after_its_check_and_a_case_without_file_after_the_command(
    tmp_path: Path,
) -> None:
    cases = [
        Case("lint", "a.yml: id", tmp_path / "a.yml", 2, Status.FAILED, "bad id", check="id"),
        Case("lint", "queries", None, None, Status.ERROR, "no manifest"),
    ]
    suite = ET.fromstring(junit_xml("lint", cases, tmp_path))[0]
    assert [(c.get("classname"), c.get("name")) for c in suite] == [
        ("a.yml", "id"),
        ("lint", "queries"),
    ]


def test_characters_xml_cannot_hold_are_replaced(tmp_path: Path) -> None:
    case = Case("test", "a", tmp_path / "a.yml", 1, Status.FAILED, "bad \x00\x1b byte <&>")
    text = junit_xml("test", [case], tmp_path)
    failure = ET.fromstring(text)[0][0][0]
    assert failure.get("message") == "bad \ufffd\ufffd byte <&>"


def test_a_rule_outside_the_root_keeps_its_absolute_path(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "a.yml"
    case = Case("test", "a", outside, 1, Status.PASSED)
    suite = ET.fromstring(junit_xml("test", [case], tmp_path / "repo"))[0]
    assert suite[0].get("classname") == outside.as_posix()


def test_one_testsuite_per_command_that_made_cases(tmp_path: Path) -> None:
    rule = tmp_path / "a.yml"
    cases = [
        Case("build", "a.yml [eql]", rule, None, Status.PASSED, target="eql"),
        Case("test", "a.yml [eql]", rule, 4, Status.FAILED, "did not match x#1", "eql"),
    ]
    suites = ET.fromstring(junit_xml("build", cases, tmp_path))
    assert suites.get("name") == "sigma-certutil build"
    assert (suites.get("tests"), suites.get("failures")) == ("2", "1")
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [
        ("sigma-certutil build", "1", "0"),
        ("sigma-certutil test", "1", "1"),
    ]


def test_no_cases_is_an_empty_suite(tmp_path: Path) -> None:
    suites = ET.fromstring(junit_xml("test", [], tmp_path))
    assert [(s.get("name"), s.get("tests"), list(s)) for s in suites] == [
        ("sigma-certutil test", "0", [])
    ]
