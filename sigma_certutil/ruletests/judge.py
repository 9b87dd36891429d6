"""A tested rule's verdicts: the Sigma reference and each target against what its tests say.

Each target's query runs on the target's engine over all of the rule's test events, stored as
the target's product stores them (verify/shapes), and so does the Sigma reference: the rule on
the raw fields, through pySigma's SQLite backend (verify/reference.py). A target passes when
it matches exactly what the tests say: with events named (``<stem>.match.json``), exactly
those; with a count (SigmaHQ's ``match_count``), that many, and the same events as the
reference, since a count cannot tell which. The reference is a case of its own: when the rule
itself does not match what its tests say, the rule is wrong, whatever the queries do.
A target with no engine here (``Target.not_executed``) or whose engine is not installed is
skipped, never passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sigma.rule import SigmaRule

from sigma_certutil.errors import ConversionError
from sigma_certutil.reports import Case, Status
from sigma_certutil.ruletests.discovery import EventSet, RuleEvents
from sigma_certutil.targets import get_target

COMMAND = "test"
REFERENCE = "reference"  # the case of the Sigma reference, beside the targets'


@dataclass
class Judged:
    """A rule's cases, whether any target's query ran on its engine, and the targets whose
    engine is not installed (with what to install)."""

    cases: list[Case] = field(default_factory=list)
    executed: bool = False
    unavailable: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Where:
    """The rule as the report names it: its file, the name shown, the line a verdict points
    at (its ``detection:``)."""

    source: Path
    shown: str
    line: int | None

    def case(self, status: Status, message: str, target: str | None = None) -> Case:
        name = f"{self.shown} [{target}]" if target else self.shown
        return Case(COMMAND, name, self.source, self.line, status, message, target)


def _listed(names: set[str] | frozenset[str]) -> str:
    return ", ".join(sorted(names)) or "no event"


def _problems(matched: set[str], tests: Sequence[EventSet]) -> list[str]:
    """What the matched events get wrong against each test, in words (none: all right)."""
    problems = []
    for test in tests:
        hits = matched & test.names
        if test.must_match is not None:
            missing, extra = test.must_match - hits, hits - test.must_match
            if missing:
                problems.append(f"did not match {_listed(missing)}")
            if extra:
                problems.append(f"matched {_listed(extra)}, which must not match")
        elif test.match_count is None:
            if not hits:
                problems.append(
                    f"matched no event of {test.source.name}; the test says at least one"
                )
        elif len(hits) != test.match_count:
            problems.append(
                f"matched {len(hits)} of the {len(test.events)} events of {test.source.name}"
                f" ({_listed(hits)}); the test says {test.expectation()}"
            )
    return problems


def judge(
    rule: SigmaRule,
    where: Where,
    found: RuleEvents,
    queries: Mapping[str, str | ConversionError],
    *,
    allow_unsupported: bool = False,
) -> Judged:
    """The reference's case and one case per target of ``queries`` (its query, or why the
    target has none), over the events of ``found`` (which has at least one test)."""
    from sigma_certutil.verify.engines import run_target, unavailable
    from sigma_certutil.verify.reference import reference_matches

    tests = found.tests
    events = [event for test in tests for event in test.events]
    judged = Judged()
    reference: set[str] | None
    try:
        reference = {events[i].name for i in reference_matches(rule, events)}
    except ConversionError as error:
        reference = None
        judged.cases.append(
            where.case(
                Status.ERROR, f"the Sigma reference cannot run the rule: {error.reason}", REFERENCE
            )
        )
    if reference is not None:
        wrong = _problems(reference, tests)
        status, message = (
            (Status.FAILED, "the rule itself " + "; ".join(wrong)) if wrong else (Status.PASSED, "")
        )
        judged.cases.append(where.case(status, message, REFERENCE))
    counted = any(test.must_match is None for test in tests)
    for target_id, query in queries.items():
        if isinstance(query, ConversionError):
            status = Status.SKIPPED if allow_unsupported else Status.FAILED
            judged.cases.append(where.case(status, f"not converted: {query.reason}", target_id))
            continue
        target = get_target(target_id)
        if target.engine is None:
            message = f"converted, not executed: {target.not_executed}"
            judged.cases.append(where.case(Status.SKIPPED, message, target_id))
            continue
        missing = unavailable(target_id)
        if missing is not None:
            judged.unavailable[target_id] = missing
            judged.cases.append(
                where.case(Status.SKIPPED, f"engine unavailable: {missing}", target_id)
            )
            continue
        judged.executed = True
        try:
            matched = {events[i].name for i in run_target(target_id, query, events)}
        except Exception as error:  # the engine's own failure on this query
            detail = " ".join(f"{type(error).__name__}: {error}".split())
            judged.cases.append(where.case(Status.ERROR, f"engine error: {detail}", target_id))
            continue
        wrong = _problems(matched, tests)
        if not wrong and counted and reference is not None and matched != reference:
            wrong.append(f"matched {_listed(matched)}, the Sigma reference {_listed(reference)}")
        status = Status.FAILED if wrong else Status.PASSED
        judged.cases.append(where.case(status, "; ".join(wrong), target_id))
    return judged
