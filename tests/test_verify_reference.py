"""verify/reference.py: the Sigma reference has a column for every field the rule names, so a
field an event lacks matches nothing (and ``not`` of what it does not match matches)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, TEST_RULES

from sigma_certutil import ConversionError, load_bundled_rule, load_rule
from sigma_certutil.verify import SysmonEvent
from sigma_certutil.verify.events import WindowsEvent
from sigma_certutil.verify.reference import reference_matches, reference_query, rule_fields

CERTUTIL = r"C:\Windows\System32\certutil.exe"


def _rule(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rule.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_columns_are_the_fields_the_rule_names_after_the_log_source_conditions() -> None:
    query, fields = reference_query(load_bundled_rule())
    assert fields == ["Image", "Initiated", "DestinationPort", "EventID", "Channel"]
    assert query.startswith(
        "SELECT * FROM <TABLE_NAME> WHERE Channel='Microsoft-Windows-Sysmon/Operational' AND "
        "(EventID=3 AND "
    ), query


def test_an_absent_field_matches_nothing() -> None:
    events = [
        SysmonEvent("all", {"Image": CERTUTIL, "Initiated": "true", "DestinationPort": 443}),
        SysmonEvent("no port", {"Image": CERTUTIL, "Initiated": "true"}),
        SysmonEvent("no field at all", {}),
        SysmonEvent("other fields only", {"CommandLine": "certutil", "SourcePort": 443}),
    ]
    assert reference_matches(load_bundled_rule(), events) == {0}


def test_no_events_match_nothing() -> None:
    assert reference_matches(load_bundled_rule(), []) == set()


def test_not_of_a_selection_on_an_absent_field_matches() -> None:
    """``selection and not filter``: an event without the filter's field is not filtered out
    (SQL's NULL would have hidden it)."""
    rule = load_rule(TEST_RULES / "process_access_lsass_read.yml")
    lsass = {"TargetImage": r"C:\Windows\System32\lsass.exe", "GrantedAccess": "0x1010"}
    events = [
        SysmonEvent("no source", lsass, 10),
        SysmonEvent("system source", {**lsass, "SourceImage": r"C:\Windows\System32\x.exe"}, 10),
        SysmonEvent("other source", {**lsass, "SourceImage": r"C:\Users\x.exe"}, 10),
        SysmonEvent("no access mask", {"TargetImage": lsass["TargetImage"]}, 10),
    ]
    assert reference_matches(rule, events) == {0, 2}


def test_field_names_the_events_hold_but_the_rule_does_not_are_not_columns() -> None:
    """Names SQLite could not take as columns (two spellings of one name, its own row id) are
    no trouble: only the rule's fields are columns."""
    events = [
        SysmonEvent(
            "odd",
            {"Image": CERTUTIL, "image": "x", "_row": 1, "EventID": 7, "Initiated": "true",
             "DestinationPort": 80},
        ),
    ]  # fmt: skip
    assert reference_matches(load_bundled_rule(), events) == {0}


def test_field_references_are_columns(tmp_path: Path) -> None:
    rule = load_rule(
        _rule(
            tmp_path,
            BUNDLED_RULE.read_text(encoding="utf-8").replace(
                "Initiated: 'true'", "SourceHostname|fieldref: DestinationHostname"
            ),
        )
    )
    processed = reference_query(rule)[1]
    assert "SourceHostname" in processed
    assert "DestinationHostname" in processed
    same = {"Image": CERTUTIL, "DestinationPort": 80, "SourceHostname": "a"}
    events = [
        SysmonEvent("same", {**same, "DestinationHostname": "a"}),
        SysmonEvent("other", {**same, "DestinationHostname": "b"}),
        SysmonEvent("absent", same),
    ]
    assert reference_matches(rule, events) == {0}


def test_rule_fields_of_a_rule_before_processing() -> None:
    assert rule_fields(load_bundled_rule()) == ["Image", "Initiated", "DestinationPort"]


def test_a_rule_sqlite_cannot_express_is_a_conversion_error(tmp_path: Path) -> None:
    rule = load_rule(
        _rule(
            tmp_path,
            BUNDLED_RULE.read_text(encoding="utf-8").replace(
                "condition: selection",
                "keywords: [certutil]\n    condition: selection or keywords",
            ),
        )
    )
    with pytest.raises(ConversionError) as raised:
        reference_query(rule)
    assert raised.value.target == "sigma reference"
    assert "keywords" in raised.value.reason


def test_exists_on_an_absent_field(tmp_path: Path) -> None:
    text = BUNDLED_RULE.read_text(encoding="utf-8")
    events = [
        SysmonEvent("with", {"Image": CERTUTIL, "User": "x", "DestinationPort": 80}),
        SysmonEvent("without", {"Image": CERTUTIL, "DestinationPort": 80}),
    ]
    for exists, matched in (("true", {0}), ("false", {1})):
        rule = load_rule(
            _rule(tmp_path, text.replace("Initiated: 'true'", f"User|exists: {exists}"))
        )
        assert reference_matches(rule, events) == matched


def test_numbers_written_as_text_compare_as_numbers(tmp_path: Path) -> None:
    """Sysmon writes "443", JSON exports 443, a rule says 443 or '443': all compare equal."""
    base = {"Image": CERTUTIL, "Initiated": "true"}
    events = [
        SysmonEvent("text", {**base, "DestinationPort": "443"}),
        SysmonEvent("number", {**base, "DestinationPort": 443}),
        SysmonEvent("other", {**base, "DestinationPort": "4430"}),
        SysmonEvent("not a number", {**base, "DestinationPort": "https"}),
    ]
    assert reference_matches(load_bundled_rule(), events) == {0, 1}
    quoted = BUNDLED_RULE.read_text(encoding="utf-8").replace("- 443", "- '443'")
    assert "'443'" in quoted
    assert reference_matches(load_rule(_rule(tmp_path, quoted)), events) == {0, 1}


def test_text_numbers_order_as_numbers() -> None:
    rule = load_rule(TEST_RULES / "net_connection_high_source_port_range.yml")
    base = {"Initiated": "true", "DestinationPort": "4444"}
    events = [SysmonEvent(port, {**base, "SourcePort": port}) for port in ("900", "49700", "x")]
    assert reference_matches(rule, events) == {0}


def test_unnamed_data_elements_are_their_texts_one_a_line(tmp_path: Path) -> None:
    """Unnamed <Data> elements given in order (a list) are the event's Data as their texts
    joined by line breaks, as param1, param2, ... are: the ESENT 216 of EricZimmerman/evtx
    evtx/Maps/Application_ESENT_216.map ends with the new location of the database."""
    rule = _rule(
        tmp_path,
        "title: t\nid: 3a1e4d2a-3b5f-4e6a-8d9c-0a1b2c3d4e98\nstatus: test\n"
        "logsource: {product: windows, service: application}\n"
        "detection:\n  selection:\n    EventID: 216\n"
        "    Data|endswith: 'C:\\ProgramData\\ntds.dit'\n  condition: selection\nlevel: low\n",
    )
    data = ["lsass", "9248,R,98", "", r"C:\Windows\NTDS\ntds.dit", r"C:\ProgramData\ntds.dit"]
    events = [
        WindowsEvent("list", {"Data": data}, 216, channel="Application", provider="ESENT"),
        WindowsEvent(
            "params",
            {f"param{n}": value for n, value in enumerate(data, start=1)},
            216,
            channel="Application",
            provider="ESENT",
        ),
        WindowsEvent("other", {"Data": data[:4]}, 216, channel="Application", provider="ESENT"),
    ]
    assert reference_matches(load_rule(rule), events) == {0, 1}


@pytest.mark.shared
def test_sigmahq_regression_events_of_other_channels_match_their_rules() -> None:
    """SigmaHQ's regression data holds real Security, TaskScheduler and WMI-Activity events
    (a UserData one among them) beside the rule each must trigger: read as verify reads
    them, the reference matches each rule's own events, and no rule matches another's."""
    import re

    import yaml
    from helpers import shared_path

    from sigma_certutil.verify import load_events

    sigmahq = shared_path("data", "sigmahq")
    rules = {}
    for path in (sigmahq / "rules" / "windows" / "builtin").rglob("*.yml"):
        found = re.search(r"^id:\s*(\S+)", path.read_text(encoding="utf-8"), re.M)
        if found:
            rules[found.group(1)] = path
    base = sigmahq / "regression_data" / "rules" / "windows" / "builtin"
    cases = []
    for info_path in sorted(base.rglob("info.yml")):
        info = yaml.safe_load(info_path.read_text(encoding="utf-8"))
        rule = load_rule(rules[info["rule_metadata"][0]["id"]])
        events = [e for p in sorted(info_path.parent.glob("*.json")) for e in load_events(p)]
        cases.append((rule, events, info["regression_tests_info"][0]["match_count"]))
    assert len(cases) >= 4
    assert {e.channel for _, events, _ in cases for e in events} >= {
        "Security",
        "Microsoft-Windows-TaskScheduler/Operational",
        "Microsoft-Windows-WMI-Activity/Operational",
    }
    everything = [e for _, events, _ in cases for e in events]
    for rule, events, count in cases:
        hits = {everything[i].name for i in reference_matches(rule, everything)}
        assert hits == {e.name for e in events}, rule.title
        assert len(hits) == count, rule.title
