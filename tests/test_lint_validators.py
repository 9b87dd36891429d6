"""lint/validators.py: pySigma's validators, run with no network, their issues at the line
of the key each is about."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lint_rules import write_rule

from sigma_certutil.lint import lint, rule_paths


def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever would fetch MITRE's data fails the test."""
    import urllib.request

    from sigma.data import mitre_attack, mitre_d3fend

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("lint fetched something")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(mitre_attack, "_load_mitre_attack_data", refuse)
    for name in dir(mitre_d3fend):
        if name.startswith("_load"):
            monkeypatch.setattr(mitre_d3fend, name, refuse)


def test_lint_fetches_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _offline(monkeypatch)
    write_rule(tmp_path, "r.yml", {"    - attack.t1105": "    - attack.t1105\n    - d3fend.d3-fa"})
    assert lint(rule_paths([str(tmp_path)])).findings == []


def _line(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def test_issues_at_their_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _offline(monkeypatch)
    references = "references:\n    - https://a\n    - https://a\ndescription: Detects"
    path = write_rule(
        tmp_path,
        "r.yml",
        {
            "description: Detects": references,
            "    - attack.t1105": "    - attack.t1105\n    - Attack.T1105",
            "        Initiated: 'true'": "        Initiated: 'true'\n        User: \"a\\tb\"",
        },
    )
    duplicate = _line(path, "    - https://a") + 1
    tag = _line(path, "    - Attack.T1105")
    user = _line(path, '        User: "a\\tb"')
    found = [str(f) for f in lint(rule_paths([str(tmp_path)])).findings]
    assert found == [
        f"{path}:{duplicate}: duplicate_references: The same references appears multiple times: "
        "'https://a'",
        f"{path}:{tag}: namespace_tag: Invalid tagging namespace: 'Attack.T1105'",
        f"{path}:{tag}: tag_format: Invalid char in namaspace or name tag: 'Attack.T1105'",
        f"{path}:{user}: control_character: String contains "
        "control character likely caused by missing (double-)slash: 'a\\tb'",
    ]


def test_low_severity_is_a_warning(tmp_path: Path) -> None:
    path = write_rule(tmp_path, "r.yml", {"'\\certutil.exe'": "'\\*.exe'"})
    [finding] = lint(rule_paths([str(tmp_path)])).findings
    assert (finding.check, finding.level) == ("escaped_wildcard", "warning")
    assert finding.line == _line(path, "        Image|endswith: '\\*.exe'")
