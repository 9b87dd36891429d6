"""sigma_certutil/ruletests/judge.py: the reference and each target against what a rule's
tests say, on the targets' engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, require_engine

from sigma_certutil import convert, load_rule
from sigma_certutil.errors import ConversionError
from sigma_certutil.reports import Status
from sigma_certutil.ruletests import EventSet, RuleEvents
from sigma_certutil.ruletests.judge import Where, judge
from sigma_certutil.verify import SysmonEvent
from sigma_certutil.verify.engines import unavailable

# The bundled rule: certutil.exe, outbound, to port 80, 135, 443 or 445.
HIT = SysmonEvent(
    "m.json#1",
    {"Image": "C:\\Windows\\certutil.exe", "Initiated": "true", "DestinationPort": "443"},
)
MISS = SysmonEvent(
    "n.json#1",
    {"Image": "C:\\Windows\\certutil.exe", "Initiated": "true", "DestinationPort": "8080"},
)
WHERE = Where(BUNDLED_RULE, "rules/a.yml", 22)


def _named(match: list[SysmonEvent], nomatch: list[SysmonEvent]) -> RuleEvents:
    return RuleEvents(
        "beside",
        (
            EventSet(Path("m.json"), tuple(match), must_match=frozenset(e.name for e in match)),
            EventSet(Path("n.json"), tuple(nomatch), must_match=frozenset()),
        ),
    )


def _outcomes(cases: list) -> list[tuple[str | None, Status, str]]:  # type: ignore[type-arg]
    return [(case.target, case.status, case.message) for case in cases]


@pytest.mark.engine
def test_every_executed_target_and_the_reference_pass_on_what_the_test_says() -> None:
    require_engine(unavailable("eql"))
    rule = load_rule(BUNDLED_RULE)
    queries = {target: convert(rule, target) for target in ("eql", "splunk")}
    judged = judge(rule, WHERE, _named([HIT], [MISS]), queries)
    assert _outcomes(judged.cases) == [
        ("reference", Status.PASSED, ""),
        ("eql", Status.PASSED, ""),
        ("splunk", Status.SKIPPED, "converted, not executed: no Splunk engine can run here"),
    ]
    assert judged.executed
    assert [case.name for case in judged.cases] == [
        "rules/a.yml [reference]", "rules/a.yml [eql]", "rules/a.yml [splunk]"
    ]  # fmt: skip
    assert {case.line for case in judged.cases} == {22}


@pytest.mark.engine
def test_a_query_that_matches_an_event_it_must_not_fails_naming_it() -> None:
    require_engine(unavailable("eql"))
    rule = load_rule(BUNDLED_RULE)
    judged = judge(rule, WHERE, _named([HIT], [MISS]), {"eql": "network where true"})
    assert _outcomes(judged.cases)[1] == (
        "eql", Status.FAILED, "matched n.json#1, which must not match"
    )  # fmt: skip


@pytest.mark.engine
def test_a_rule_that_misses_its_own_events_fails_in_the_reference_and_every_target() -> None:
    require_engine(unavailable("eql"))
    rule = load_rule(BUNDLED_RULE)
    judged = judge(rule, WHERE, _named([HIT, MISS], []), {"eql": convert(rule, "eql")})
    assert _outcomes(judged.cases) == [
        ("reference", Status.FAILED, "the rule itself did not match n.json#1"),
        ("eql", Status.FAILED, "did not match n.json#1"),
    ]


@pytest.mark.engine
def test_a_count_is_checked_and_the_events_compared_with_the_reference() -> None:
    require_engine(unavailable("eql"))
    rule = load_rule(BUNDLED_RULE)
    counted = RuleEvents("sigmahq", (EventSet(Path("x.json"), (HIT, MISS), match_count=2),))
    judged = judge(rule, WHERE, counted, {"eql": "network where true"})
    assert _outcomes(judged.cases) == [
        (
            "reference", Status.FAILED,
            "the rule itself matched 1 of the 2 events of x.json (m.json#1);"
            " the test says 2 events",
        ),
        # The count is right, but a count cannot tell which events: the reference's must match.
        ("eql", Status.FAILED, "matched m.json#1, n.json#1, the Sigma reference m.json#1"),
    ]  # fmt: skip
    one = RuleEvents("sigmahq", (EventSet(Path("x.json"), (HIT, MISS), match_count=1),))
    judged = judge(rule, WHERE, one, {"eql": 'network where winlog.event_data.Image == "nothing"'})
    assert _outcomes(judged.cases)[1] == (
        "eql", Status.FAILED,
        "matched 0 of the 2 events of x.json (no event); the test says 1 event",
    )  # fmt: skip


def test_a_refusal_fails_unless_allowed() -> None:
    rule = load_rule(BUNDLED_RULE)
    refused = {"kusto": ConversionError("rules/a.yml", "kusto", "field 'X' is not a field")}
    cases = judge(rule, WHERE, _named([HIT], []), refused).cases
    assert _outcomes(cases)[1] == (
        "kusto",
        Status.FAILED,
        "not converted: field 'X' is not a field",
    )
    allowed = judge(rule, WHERE, _named([HIT], []), refused, allow_unsupported=True).cases
    assert allowed[1].status is Status.SKIPPED
    assert not judge(rule, WHERE, _named([HIT], []), refused).executed
