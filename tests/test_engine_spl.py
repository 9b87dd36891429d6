"""SPL output checked for the add-ons' source, EventCode and fields (the EventData names of
the rule's events, sigma_certutil/data/sysmon_events.yml and windows_events.yml), and run
through a
model of Splunk's base search (no Splunk parser can be installed; see engines/spl_model.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from engines.cases import load_cases
from engines.spl_model import spl_fields, spl_search
from helpers import TESTS, golden_rules, real_eid3_cases

from sigma_certutil import convert, load_bundled_rule, load_rule
from sigma_certutil.verify.shapes.splunk import to_splunk
from sigma_certutil.windows import WindowsEvent, log_source

pytestmark = pytest.mark.engine

PREFIX = 'source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode'
CASES = load_cases(TESTS / "fixtures" / "certutil_events.yml")


def _splunk_names(event: WindowsEvent) -> set[str]:
    """The event's fields as the add-on extracts them: the XML name, with Splunk's
    CLEAN_KEYS turning other characters than letters, digits and "_" into "_"."""
    return {re.sub(r"\W", "_", event.xml_name(name)) for name in event.fields}


@pytest.mark.parametrize("rule", golden_rules(), ids=lambda p: p.stem)
def test_searches_the_add_on_source_and_fields(rule: Path) -> None:
    """The add-ons keep the EventData names, so only fields of the rule's events may appear
    (and the provider, which the XML rendering's extraction names Name)."""
    sigma = load_rule(rule)
    query = convert(sigma, "splunk")
    source = log_source(sigma.logsource)
    assert source is not None
    assert query.startswith(f'source="XmlWinEventLog:{source.channel}" ')
    assert "EventCode" in spl_fields(query)
    assert 'source="WinEventLog:' not in query
    allowed = {"source", "EventCode", "Name"}.union(*(_splunk_names(e) for e in source.events))
    assert spl_fields(query) <= allowed, spl_fields(query) - allowed


def test_flagship_matches_exactly_the_positive_cases() -> None:
    query = convert(load_bundled_rule(), "splunk")
    matched = spl_search(query, [to_splunk(case) for case in CASES])
    assert {CASES[i].name for i in matched} == {case.name for case in CASES if case.match}


@pytest.mark.shared
def test_flagship_on_real_sysmon_events() -> None:
    cases = real_eid3_cases()
    matched = spl_search(convert(load_bundled_rule(), "splunk"), [to_splunk(c) for c in cases])
    assert {cases[i].name for i in matched} == {"certutil_0dba975d"}


def test_model_sees_the_stock_source_miss() -> None:
    """The stock splunk_windows source matches no event the add-on writes."""
    stock = convert(load_bundled_rule(), "splunk").replace("XmlWinEventLog:", "WinEventLog:")
    assert spl_search(stock, [to_splunk(case) for case in CASES]) == set()


def test_model_follows_splunk_precedence() -> None:
    """OR binds tighter than AND in Splunk: 'a b OR c' is 'a AND (b OR c)'."""
    events = [{"a": "1", "b": "0", "c": "1"}, {"a": "0", "b": "0", "c": "1"}]
    assert spl_search("a=1 b=1 OR c=1", events) == {0}
    assert spl_search("(a=1 b=1) OR c=1", events) == {0, 1}
    assert spl_search("NOT a=1 OR c=0", events) == {1}
