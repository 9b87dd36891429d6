"""SPL output checked for the Sysmon add-on's source, EventCode and fields, and run through a
model of Splunk's base search (no Splunk parser can be installed; see engines/spl_model.py)."""

from __future__ import annotations

import pytest
from conftest import TESTS, golden_rules, real_eid3_cases
from engines.shapes import load_cases, to_splunk
from engines.spl_model import spl_fields, spl_search

from sigma_certutil import convert, load_bundled_rule, load_rule

PREFIX = 'source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=3 '
# The add-on's fields for Event ID 3: Sysmon's own names (OSSEM event-3) plus source.
EID3_FIELDS = {
    "source", "EventCode", "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "User",
    "Protocol", "Initiated", "SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort",
    "SourcePortName", "DestinationIsIpv6", "DestinationIp", "DestinationHostname",
    "DestinationPort", "DestinationPortName",
}  # fmt: skip
CASES = load_cases(TESTS / "fixtures" / "certutil_events.yml")


@pytest.mark.parametrize("rule", golden_rules(), ids=lambda p: p.stem)
def test_searches_the_add_on_source_and_fields(rule) -> None:
    query = convert(load_rule(rule), "splunk")
    assert query.startswith(PREFIX)
    assert 'source="WinEventLog:' not in query
    assert spl_fields(query) <= EID3_FIELDS, spl_fields(query) - EID3_FIELDS


def test_flagship_matches_exactly_the_positive_cases() -> None:
    query = convert(load_bundled_rule(), "splunk")
    matched = spl_search(query, [to_splunk(case) for case in CASES])
    assert {CASES[i].name for i in matched} == {case.name for case in CASES if case.match}


def test_flagship_on_real_sysmon_events() -> None:
    cases = real_eid3_cases()
    matched = spl_search(convert(load_bundled_rule(), "splunk"), [to_splunk(c) for c in cases])
    assert {cases[i].name for i in matched} == {"certutil_0dba975d"}


def test_model_sees_the_stock_source_miss() -> None:
    """The stock splunk_windows source matches no event the add-on writes."""
    stock = convert(load_bundled_rule(), "splunk").replace("XmlWinEventLog:", "WinEventLog:")
    assert spl_search(stock, [to_splunk(case) for case in CASES]) == set()
