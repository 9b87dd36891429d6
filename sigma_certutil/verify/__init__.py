"""Run each target's query on its real engine over raw Sysmon events, beside the Sigma reference.

Events are stored the way each target's ingest stores them (``shapes``: the Winlogbeat ingest
pipeline for ECS, Defender XDR's tables), written from the ingests' documentation rather than
from this package's pipelines, so a wrong mapping cannot check itself. Engines: Elastic's
``eql`` (eql), Apache Lucene 8 through Java (lucene), ``duckdb-kql`` (kusto), and pySigma's
SQLite backend on the raw fields as the reference. Splunk and ES|QL have no engine here: they
are reported as "converted, not executed", never as passing.

Needs the optional dependencies: ``pip install 'sigma-certutil[verify]'`` (and a JDK with
Debian's liblucene8-java for lucene). Without pySigma's SQLite backend nothing can be judged:
``verify`` raises MissingDependencyError; a target whose engine is missing is reported
"engine unavailable".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from sigma.rule import SigmaRule

from sigma_certutil.conversion.single import convert, rule_origin
from sigma_certutil.errors import ConversionError
from sigma_certutil.targets import TARGETS, get_target
from sigma_certutil.verify.events import SysmonEvent, load_events

__all__ = ["RuleVerification", "SysmonEvent", "TargetResult", "Verdict", "load_events", "verify"]


class Verdict(Enum):
    """What a target's query did on the events, beside the Sigma reference. The value is the
    text the command line prints."""

    AGREES = "agrees"
    DISAGREES = "disagrees"
    # No engine can run the target's queries here: never counted as passing.
    NOT_EXECUTED = "converted, not executed"
    NOT_CONVERTED = "not converted"
    UNAVAILABLE = "engine unavailable"
    ENGINE_ERROR = "engine error"

    @property
    def executed(self) -> bool:
        """The target's query ran on its engine (and agreed, disagreed or failed)."""
        return self in (Verdict.AGREES, Verdict.DISAGREES, Verdict.ENGINE_ERROR)


@dataclass(frozen=True)
class TargetResult:
    target: str
    status: Verdict
    matched: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class RuleVerification:
    rule: str
    title: str
    reference: tuple[str, ...]
    results: tuple[TargetResult, ...]

    @property
    def disagrees(self) -> bool:
        """A target matched other events than the reference, or its engine failed on it."""
        return any(r.status in (Verdict.DISAGREES, Verdict.ENGINE_ERROR) for r in self.results)

    @property
    def executed(self) -> bool:
        """At least one target's query ran on its engine."""
        return any(r.status.executed for r in self.results)


def verify(
    rules: Sequence[SigmaRule], events: Sequence[SysmonEvent], targets: Sequence[str] | None = None
) -> list[RuleVerification]:
    """For each rule: the events the Sigma reference matches, and each target's verdict.

    Raises MissingDependencyError when the reference cannot run here, ConversionError for a
    rule the reference cannot express."""
    from sigma_certutil.verify.engines import run_target, unavailable
    from sigma_certutil.verify.reference import reference_matches, reference_unavailable

    missing = reference_unavailable()
    if missing is not None:
        raise missing
    events = list(events)
    report = []
    for rule in rules:
        reference = tuple(events[i].name for i in sorted(reference_matches(rule, events)))
        results = []
        for target_id in targets or TARGETS:
            try:
                query = convert(rule, target_id)
            except ConversionError as error:
                results.append(TargetResult(target_id, Verdict.NOT_CONVERTED, detail=error.reason))
                continue
            target = get_target(target_id)
            if target.engine is None:
                results.append(
                    TargetResult(target_id, Verdict.NOT_EXECUTED, detail=target.not_executed)
                )
                continue
            reason = unavailable(target_id)
            if reason is not None:
                results.append(TargetResult(target_id, Verdict.UNAVAILABLE, detail=reason))
                continue
            try:
                hits = run_target(target_id, query, events)
            except Exception as error:
                detail = " ".join(f"{type(error).__name__}: {error}".split())
                results.append(TargetResult(target_id, Verdict.ENGINE_ERROR, detail=detail))
                continue
            matched = tuple(events[i].name for i in sorted(hits))
            status = Verdict.AGREES if matched == reference else Verdict.DISAGREES
            results.append(TargetResult(target_id, status, matched))
        report.append(RuleVerification(rule_origin(rule), rule.title, reference, tuple(results)))
    return report
