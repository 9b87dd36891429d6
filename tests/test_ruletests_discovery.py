"""sigma_certutil/ruletests/discovery.py: where a rule's test events are, in SigmaHQ's layout
and beside the rule."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, shared_path

from sigma_certutil.errors import RuleTestError
from sigma_certutil.ruletests import Finder

RULE_ID = "0dba975d-a193-4ed1-a067-424df57570d1"  # the bundled rule's id
EVENT = {"Event": {"System": {"EventID": 3}, "EventData": {"Image": "C:\\x\\certutil.exe"}}}


def _sigmahq(tmp_path: Path, info: str | None = None, folder: str = "net_certutil") -> Path:
    """ROOT/rules/windows/network_connection/net_certutil.yml, with its regression test in
    ROOT/regression_data/rules/windows/network_connection/<folder>/ (a JSON export of two
    events beside the .evtx the info file names)."""
    rule = tmp_path / "rules" / "windows" / "network_connection" / "net_certutil.yml"
    rule.parent.mkdir(parents=True)
    shutil.copy(BUNDLED_RULE, rule)
    data = tmp_path / "regression_data" / "rules" / "windows" / "network_connection" / folder
    data.mkdir(parents=True)
    (data / f"{RULE_ID}.json").write_text(json.dumps([EVENT, EVENT]), encoding="utf-8")
    evtx = f"regression_data/rules/windows/network_connection/{folder}/{RULE_ID}.evtx"
    (data / "info.yml").write_text(
        info
        or f"""id: 11111111-2222-3333-4444-555555555555
rule_metadata:
    - id: {RULE_ID}
      title: Uncommon Network Connection Initiated By Certutil.EXE
regression_tests_info:
    - name: Positive Detection Test
      type: evtx
      provider: Microsoft-Windows-Sysmon
      match_count: 1
      path: {evtx}
""",
        encoding="utf-8",
    )
    return rule


def test_sigmahq_layout_names_the_json_export_and_the_count(tmp_path: Path) -> None:
    rule = _sigmahq(tmp_path)
    found = Finder().find(rule, RULE_ID)
    assert found.layout == "sigmahq"
    (test,) = found.tests
    folder = tmp_path / "regression_data/rules/windows/network_connection/net_certutil"
    assert test.source == folder / f"{RULE_ID}.json"
    assert (test.match_count, test.must_match) == (1, None)
    assert [event.name for event in test.events] == [f"{RULE_ID}.json#1", f"{RULE_ID}.json#2"]
    assert test.expectation() == "1 event"


def test_a_moved_rule_finds_its_info_file_by_its_id(tmp_path: Path) -> None:
    rule = _sigmahq(tmp_path, folder="old_name")
    found = Finder().find(rule, RULE_ID)
    assert found.layout == "sigmahq"
    assert found.tests[0].source.parent.name == "old_name"


def test_an_info_file_of_another_rule_is_an_error(tmp_path: Path) -> None:
    rule = _sigmahq(tmp_path)
    info = tmp_path / "regression_data/rules/windows/network_connection/net_certutil/info.yml"
    with pytest.raises(RuleTestError) as caught:
        Finder().find(rule, "99999999-0000-0000-0000-000000000000")
    assert str(caught.value) == (
        f"{info}: names rule id {RULE_ID}, not this rule's 99999999-0000-0000-0000-000000000000"
    )


def test_events_of_another_provider_are_not_read(tmp_path: Path) -> None:
    rule = _sigmahq(tmp_path)
    info = tmp_path / "regression_data/rules/windows/network_connection/net_certutil/info.yml"
    info.write_text(
        info.read_text(encoding="utf-8").replace("Microsoft-Windows-Sysmon", "Security"),
        encoding="utf-8",
    )
    found = Finder().find(rule, RULE_ID)
    assert found.tests == ()
    assert found.unreadable == (
        "Positive Detection Test: provider Security: only Sysmon events are read",
    )


def test_a_test_path_outside_regression_data_is_refused(tmp_path: Path) -> None:
    rule = _sigmahq(tmp_path)
    info = tmp_path / "regression_data/rules/windows/network_connection/net_certutil/info.yml"
    info.write_text(
        info.read_text(encoding="utf-8").replace("path: regression_data/", "path: ../../"),
        encoding="utf-8",
    )
    with pytest.raises(
        RuleTestError, match=r"info.yml: test path '\.\./\.\./.*' leaves regression_data/"
    ):
        Finder().find(rule, RULE_ID)


def test_malformed_info_names_its_line(tmp_path: Path) -> None:
    rule = _sigmahq(tmp_path, info="rule_metadata:\n  - id: [\n")
    with pytest.raises(RuleTestError, match=r"info.yml:\d+: malformed YAML"):
        Finder().find(rule, RULE_ID)


def test_events_beside_the_rule_say_what_must_and_must_not_match(tmp_path: Path) -> None:
    rule = tmp_path / "a.yml"
    shutil.copy(BUNDLED_RULE, rule)
    (tmp_path / "a.match.jsonl").write_text(
        '{"EventID": 3, "Image": "C:\\\\certutil.exe"}\n{"EventID": 3, "Image": "b"}\n',
        encoding="utf-8",
    )
    (tmp_path / "a.nomatch.json").write_text('[{"EventID": 3, "Image": "c"}]', encoding="utf-8")
    found = Finder().find(rule, RULE_ID)
    assert found.layout == "beside"
    must, must_not = found.tests
    assert must.must_match == frozenset({"a.match.jsonl#1", "a.match.jsonl#2"})
    assert must_not.must_match == frozenset()
    assert must_not.names == {"a.nomatch.json#1"}
    assert must_not.expectation() == "no event"


def test_a_rule_without_tests_says_where_it_looked(tmp_path: Path) -> None:
    rule = tmp_path / "a.yml"
    shutil.copy(BUNDLED_RULE, rule)
    found = Finder().find(rule, RULE_ID)
    assert (found.layout, found.tests) == (None, ())
    assert found.looked_for == (f"{tmp_path}/a.match.json", f"{tmp_path}/a.nomatch.json")


@pytest.mark.shared
def test_sigmahq_regression_data_is_found_for_its_rules() -> None:
    root = shared_path("data", "sigmahq")
    rule = root / "rules/windows/process_creation/proc_creation_win_bitsadmin_download.yml"
    found = Finder().find(rule, "d059842b-6b9d-4ed1-b5c3-5b89143c6ede")
    assert found.layout == "sigmahq"
    assert [(t.source.name, t.match_count) for t in found.tests] == [
        ("d059842b-6b9d-4ed1-b5c3-5b89143c6ede.json", 1)
    ]
