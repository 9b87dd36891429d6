"""sigma-certutil lint on the command line: the lines, the exit codes, the config file."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli, run_cli
from lint_rules import write_rule

STATUS = "status 'x' is not one of stable, test, experimental, deprecated, unsupported"


def test_findings_exit_1_one_line_each(tmp_path: Path) -> None:
    path = write_rule(tmp_path, "rules/r.yml", {"status: test": "status: x"})
    result = cli("lint", str(tmp_path / "rules"))
    assert result.code == 1
    assert result.stdout == f"{path}:3: status_value: {STATUS}\n"
    assert result.stderr == "1 rules linted, 1 findings\n"


def test_clean_rules_exit_0_through_the_installed_script(tmp_path: Path) -> None:
    write_rule(tmp_path, "rules/r.yml")
    result = run_cli("lint", "rules", "-q", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_config_at_the_root_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    write_rule(tmp_path, "rules/legacy/r.yml", {"status: test": "status: x"})
    (tmp_path / ".sigma-certutil-lint.yml").write_text(
        "exempt:\n  status_value: [rules/legacy/**]\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path / "rules")
    assert cli("lint", ".").code == 0
    assert cli("lint", ".", "--config", "/dev/null").code == 2


def test_an_unknown_check_in_the_config_names_its_line(tmp_path: Path) -> None:
    config = tmp_path / "lint.yml"
    config.write_text("disable:\n  - status_value\n  - no_such_check\n", encoding="utf-8")
    write_rule(tmp_path, "r.yml")
    result = cli("lint", str(tmp_path / "r.yml"), "--config", str(config))
    assert result.code == 2
    assert result.stderr == (
        f"sigma-certutil: error: {config}:3: unknown check 'no_such_check' "
        "(sigma-certutil lint --list-checks names them)\n"
    )


def test_a_missing_rule_is_a_usage_error(tmp_path: Path) -> None:
    result = cli("lint", str(tmp_path / "nope.yml"))
    assert result.code == 2
    missing = tmp_path / "nope.yml"
    assert result.stderr == f"sigma-certutil: error: {missing}: no such file or folder\n"


def test_list_checks_names_each_with_its_origin() -> None:
    result = cli("lint", "--list-checks")
    assert result.code == 0
    rows = {line.split("\t")[0]: line.split("\t")[1:3] for line in result.stdout.splitlines()}
    assert rows["field_name"] == ["on", "sigma-certutil"]
    assert rows["duplicate_tag"] == ["on", "pySigma"]
    assert rows["wildcards_instead_of_modifiers"] == ["off", "pySigma"]
    assert "d3_fendtag" not in rows


def test_a_file_that_is_no_rule_is_noted_once(tmp_path: Path) -> None:
    write_rule(tmp_path, "r.yml")
    (tmp_path / "list.yml").write_text("- a\n", encoding="utf-8")
    result = cli("lint", str(tmp_path))
    assert result.code == 0
    assert result.stderr.splitlines() == [
        f"sigma-certutil: note: {tmp_path / 'list.yml'}: skipped: not a Sigma rule: expected a "
        "mapping with title, logsource and detection",
        "1 rules linted, 0 findings, 1 files skipped",
    ]
    assert cli("lint", str(tmp_path), "--strict").code == 1


def test_reports_for_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--junit, --sarif and --format github from one run, the SARIF valid against OASIS's
    schema and pointing at the finding's file and line."""
    import json
    import xml.etree.ElementTree as ET

    from test_reports_sarif import validate

    write_rule(tmp_path, "rules/bad.yml", {"status: test": "status: x"})
    write_rule(tmp_path, "rules/good.yml", {"0f5a1b2c": "1f5a1b2c", "title: C": "title: Good C"})
    monkeypatch.chdir(tmp_path)
    result = cli("lint", "rules", "--junit", "l.xml", "--sarif", "l.sarif", "--format", "github")
    assert result.code == 1
    assert result.stdout == (
        f"rules/bad.yml:3: status_value: {STATUS}\n"
        f"::error file=rules/bad.yml,line=3,title=rules/bad.yml [status_value]::{STATUS}\n"
    )
    suite = ET.parse(tmp_path / "l.xml").getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    sarif = json.loads((tmp_path / "l.sarif").read_text(encoding="utf-8"))
    validate(sarif)
    [found] = sarif["runs"][0]["results"]
    assert found["ruleId"] == "status_value"
    location = found["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "rules/bad.yml"
    assert location["region"]["startLine"] == 3
