"""sigma_certutil.lint: the findings of a run over several files, the config, skipped files."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from lint_rules import write_rule
from test_rules_fuzz import mutated

from sigma_certutil.lint import LintConfig, lint, rule_paths


def _lines(folder: Path, **options: object) -> list[str]:
    result = lint(rule_paths([str(folder)]), **options)  # type: ignore[arg-type]
    return [str(finding) for finding in result.findings]


def test_a_clean_rule_has_no_finding(tmp_path: Path) -> None:
    write_rule(tmp_path, "clean.yml")
    assert _lines(tmp_path) == []


def test_each_mistake_is_one_finding_at_its_line(tmp_path: Path) -> None:
    path = write_rule(
        tmp_path,
        "bad.yml",
        {
            "id: 0f5a1b2c-3d4e-4f60-8a9b-0c1d2e3f4a5b": "id: not-a-uuid",
            "status: test": "status: production",
            "date: 2024-01-02": "date: 2024/01/02",
            "attack.t1105": "attack.t9999",
            "    condition: selection": "    filter:\n        User: x\n    condition: selection",
            "level: high": "level: severe",
        },
    )
    assert _lines(tmp_path) == [
        f"{path}:2: identifier_format: id 'not-a-uuid' is not a UUID",
        f"{path}:3: status_value: status 'production' is not one of stable, test, experimental, "
        "deprecated, unsupported",
        f"{path}:6: date_value: date '2024/01/02' is not a date YYYY-MM-DD",
        f"{path}:10: attacktag: 'attack.t9999' is not in the bundled MITRE ATT&CK 19 table",
        f"{path}:18: dangling_detection: detection 'filter' is defined but the condition does not "
        "use it",
        f"{path}:23: level_value: level 'severe' is not one of informational, low, medium, high, "
        "critical",
    ]


def test_an_id_in_two_files_names_the_other(tmp_path: Path) -> None:
    first = write_rule(tmp_path, "a/first.yml")
    second = write_rule(tmp_path, "b/second.yml", {"title: Certutil": "title: Another"})
    found = [line for line in _lines(tmp_path) if "identifier_uniqueness" in line]
    rule_id = "0f5a1b2c-3d4e-4f60-8a9b-0c1d2e3f4a5b"
    assert found == [
        f"{first}:2: identifier_uniqueness: id {rule_id} is also the id of {second}:2",
        f"{second}:2: identifier_uniqueness: id {rule_id} is also the id of {first}:2",
    ]


def test_a_condition_naming_no_detection(tmp_path: Path) -> None:
    path = write_rule(
        tmp_path, "r.yml", {"condition: selection": "condition: selection and not 1 of filter_*"}
    )
    assert _lines(tmp_path) == [
        f"{path}:18: dangling_condition: the condition's 'filter_*' matches no detection"
    ]
    write_rule(tmp_path, "r.yml", {"condition: selection": "condition: selection or selektion"})
    assert _lines(tmp_path) == [
        f"{path}:18: dangling_condition: the condition uses 'selektion', which no detection defines"
    ]


def test_a_field_the_events_lack(tmp_path: Path) -> None:
    path = write_rule(tmp_path, "r.yml", {"Initiated: 'true'": "DestPort: 443"})
    assert _lines(tmp_path) == [
        f"{path}:17: field_name: 'DestPort' is not a field of Sysmon Event ID 3 (Network "
        "connection)"
    ]


def test_pysigma_validators_run_offline_with_their_ids(tmp_path: Path) -> None:
    path = write_rule(
        tmp_path,
        "r.yml",
        {"    - attack.t1105": "    - attack.t1105\n    - attack.t1105", "Initiated": "Image|re"},
    )
    lines = _lines(tmp_path)
    assert f"{path}:11: duplicate_tag: The same tag appears multiple times: 'attack.t1105'" in lines


def test_a_rule_pysigma_refuses_is_invalid_rule(tmp_path: Path) -> None:
    path = write_rule(tmp_path, "r.yml", {"Image|endswith": "Image|endswithx"})
    assert _lines(tmp_path) == [f"{path}:16: invalid_rule: Unknown modifier 'endswithx'"]


def test_yaml_that_is_no_rule_is_skipped_and_with_strict_a_finding(tmp_path: Path) -> None:
    write_rule(tmp_path, "clean.yml")
    other = write_rule(tmp_path, "settings.yml", text="retention: 30\n")
    result = lint(rule_paths([str(tmp_path)]))
    assert result.findings == []
    message = "not a Sigma rule: expected a mapping with title, logsource and detection"
    assert result.skipped == [(str(other), message)]
    strict = lint(rule_paths([str(tmp_path)]), strict=True)
    assert [str(f) for f in strict.findings] == [f"{other}:1: invalid_rule: {message}"]


def test_hidden_folders_are_not_linted(tmp_path: Path) -> None:
    write_rule(tmp_path, ".github/bad.yml", {"status: test": "status: x"})
    write_rule(tmp_path, "clean.yml")
    assert rule_paths([str(tmp_path)]) == [str(tmp_path / "clean.yml")]


def test_config_disables_and_exempts(tmp_path: Path) -> None:
    write_rule(tmp_path, "legacy/old.yml", {"status: test": "status: x"})
    edits = {"status: test": "status: x", "0f5a1b2c": "1f5a1b2c", "title: C": "title: New C"}
    path = write_rule(tmp_path, "new.yml", edits)
    config = LintConfig(root=tmp_path, exempt={"status_value": ("legacy/*",)})
    assert _lines(tmp_path, config=config) == [
        f"{path}:3: status_value: status 'x' is not one of stable, test, experimental, "
        "deprecated, unsupported"
    ]
    off = LintConfig(enabled=frozenset({"level_value"}), root=tmp_path)
    assert _lines(tmp_path, config=off) == []


def test_correlation_rules_and_filters_are_skipped_as_no_detection_rules(tmp_path: Path) -> None:
    write_rule(tmp_path, "clean.yml")
    correlation = write_rule(
        tmp_path,
        "many.yml",
        text="title: Many\ncorrelation:\n    type: event_count\n    rules: [x]\n",
    )
    sigma_filter = write_rule(
        tmp_path, "f.yml", text="title: F\nlogsource: {product: windows}\nfilter:\n    rules: [x]\n"
    )
    result = lint(rule_paths([str(tmp_path)]))
    assert result.findings == []
    assert result.skipped == [
        (str(sigma_filter), "a Sigma filter, not a detection rule"),
        (str(correlation), "a Sigma correlation rule, not a detection rule"),
    ]


def test_every_finding_has_a_line_even_on_odd_rules(tmp_path: Path) -> None:
    """A detection named 1 (an int key), a rule pySigma refuses beside one sharing its id."""
    odd = write_rule(
        tmp_path, "odd.yml", {"    selection:": "    1:\n        a: b\n    selection:"}
    )
    refused = write_rule(tmp_path, "refused.yml", {"tags:\n": "tags: 5\nx:\n"})
    found = [str(f) for f in lint(rule_paths([str(tmp_path)])).findings]
    rule_id = "0f5a1b2c-3d4e-4f60-8a9b-0c1d2e3f4a5b"
    assert (
        f"{odd}:16: field_name: 'a' is not a field of Sysmon Event ID 3 (Network connection)"
        in found
    )
    assert f"{refused}:2: identifier_uniqueness: id {rule_id} is also the id of {odd}:2" in found


@settings(max_examples=150, deadline=5000, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(mutated())
def test_mutated_golden_rules_give_findings_with_lines_never_an_exception(data: bytes) -> None:
    """test_rules_fuzz.py's mutations of the golden rules: lint reports (each finding at a
    line of the file) or skips, and raises nothing."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutated.yml"
        path.write_bytes(data)
        result = lint([str(path)])
    lines = data.count(b"\n") + 1
    for finding in result.findings:
        assert finding.line is not None and 1 <= finding.line <= lines, finding


def test_the_readme_python_names_exist() -> None:
    from sigma_certutil.lint import Finding, LintResult, load_config

    assert {"source", "line", "check", "message", "level"} <= set(Finding.__dataclass_fields__)
    assert {"findings", "files", "skipped"} <= set(LintResult.__dataclass_fields__)
    assert callable(load_config)
