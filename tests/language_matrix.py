"""The Sigma language matrix: modifier x target, each cell a golden query and a run on the
target's engine, beside the Sigma reference.

A fixture file (``tests/fixtures/language/<part>/<family>.yml``) holds cases written by hand
from the Sigma specification (SigmaHQ/sigma-specification ``specification/``), never from this
package's output:

    cases:
      - name: cased_exact                 # unique within the part
        detection: {sel: {CommandLine|cased: Foo}, condition: sel}
        events:                           # EventData fields of a Sysmon process creation
          - {name: exact, match: true, CommandLine: Foo}
          - {name: lower, match: false, CommandLine: foo}
          - {name: no_field, match: false}
        refused: {lucene: "|re|m"}        # targets that refuse it: a part of the message
        pipeline: {vars: {admins: [a]}}   # optional: the user's own pipeline
        reference_detection: {...}        # optional: what the reference runs instead (the
                                          # same rule with the pipeline's values written out)
        reference_misreads: why           # optional: the reference is known to read the rule
                                          # otherwise (the test checks that it still does)
        not_modelled: {splunk: why}       # optional: a query outside the Splunk model

Each case is one rule for every target (a Sysmon process creation rule). Per target, the
query (or the refusal) is pinned in ``<part>/golden/<case>/<target>.<ext>``; the events that
must match are checked on the target's engine (eql, Apache Lucene, duckdb-kql; Splunk on the
model of its search, tests/engines/spl_model.py; ES|QL parsed only: it is "not executed"),
and the SQLite reference on the raw fields must agree with the fixture first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from helpers import TESTS, compare_golden, require_engine

from sigma_certutil import TARGETS, ConversionError, convert, parse_rule
from sigma_certutil.verify.events import SysmonEvent

LANGUAGE = TESTS / "fixtures" / "language"

_RULE = """\
title: {name}
id: 4c1d3d56-8f0e-4c43-9b35-{number:012d}
status: test
description: Sigma language matrix case {name}
logsource:
    product: windows
    category: process_creation
level: low
"""


@dataclass(frozen=True)
class LanguageCase:
    part: str
    name: str
    detection: dict[str, Any]
    events: tuple[SysmonEvent, ...]
    expected: frozenset[str]
    refused: dict[str, str] = field(default_factory=dict)
    pipeline: dict[str, Any] | None = None
    reference_detection: dict[str, Any] | None = None
    reference_misreads: str = ""
    not_modelled: dict[str, str] = field(default_factory=dict)

    def rule_text(self, number: int, detection: dict[str, Any] | None = None) -> str:
        body = yaml.safe_dump(
            {"detection": detection or self.detection}, allow_unicode=True, sort_keys=False
        )
        return _RULE.format(name=self.name, number=number) + body


def load_part(part: str) -> list[LanguageCase]:
    """Every case of a part's fixture files, in file and case order."""
    cases = []
    for path in sorted((LANGUAGE / part).glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            events = tuple(
                SysmonEvent(
                    str(event["name"]),
                    {k: v for k, v in event.items() if k not in ("name", "match")},
                    event_id=1,
                )
                for event in item["events"]
            )
            expected = frozenset(str(e["name"]) for e in item["events"] if e["match"])
            cases.append(
                LanguageCase(
                    part,
                    item["name"],
                    item["detection"],
                    events,
                    expected,
                    dict(item.get("refused", {})),
                    item.get("pipeline"),
                    item.get("reference_detection"),
                    str(item.get("reference_misreads", "")),
                    dict(item.get("not_modelled", {})),
                )
            )
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), f"duplicate case names in {part}"
    return cases


def rule_of(case: LanguageCase, cases: list[LanguageCase], reference: bool = False) -> Any:
    detection = case.reference_detection if reference else None
    text = case.rule_text(cases.index(case) + 1, detection)
    return parse_rule(text, f"{case.part}/{case.name}.yml")


def pipelines_of(case: LanguageCase, tmp: Path) -> list[Any]:
    from sigma_certutil.processing.registry import user_pipeline

    if case.pipeline is None:
        return []
    path = tmp / "own.yml"
    path.write_text(yaml.safe_dump(case.pipeline), encoding="utf-8")
    return [user_pipeline(path)]


def render(rule: Any, target_id: str, pipelines: list[Any]) -> tuple[str, str]:
    """The golden file's extension and text: the query, or the refusal's reason."""
    try:
        return TARGETS[target_id].extension, convert(rule, target_id, pipelines) + "\n"
    except ConversionError as error:
        return "error", error.reason + "\n"


def golden_path(case: LanguageCase, target_id: str, extension: str) -> Path:
    return LANGUAGE / case.part / "golden" / case.name / f"{target_id}.{extension}"


def check_golden(case: LanguageCase, target_id: str, text: str, ext: str, update: bool) -> None:
    golden = golden_path(case, target_id, ext)
    if update:
        for stale in golden.parent.glob(f"{target_id}.*"):
            stale.unlink()
    compare_golden(golden, text, update)


def orphans(part: str, cases: list[LanguageCase], update: bool) -> list[Path]:
    """Golden files of the part that no case and target writes (removed with update)."""
    names = {case.name for case in cases}
    found = []
    for path in sorted((LANGUAGE / part / "golden").rglob("*")):
        if path.is_file() and (path.parent.name not in names or path.stem not in TARGETS):
            found.append(path)
            if update:
                path.unlink()
    return found


def reference_names(rule: Any, case: LanguageCase) -> frozenset[str] | None:
    """The events the SQLite reference matches; None when it cannot read the rule."""
    from sigma_certutil.errors import ConversionError as Refused
    from sigma_certutil.verify.reference import reference_matches, reference_unavailable

    require_engine(None if reference_unavailable() is None else "pySigma's SQLite backend")
    events = list(case.events)
    try:
        return frozenset(events[i].name for i in reference_matches(rule, events))
    except Refused:
        return None


def engine_names(target_id: str, query: str, case: LanguageCase) -> set[str] | None:
    """The events the target's query matches on its engine (or, for Splunk, the model of its
    search); None for a target that cannot execute a query here (after its parse check)."""
    events = list(case.events)
    if target_id == "splunk":
        from engines.spl_model import spl_search

        from sigma_certutil.verify.shapes.splunk import to_splunk

        return {events[i].name for i in spl_search(query, [to_splunk(e) for e in events])}
    if target_id == "esql":
        try:
            from engines.esql import esql_field_names
        except ImportError as error:
            require_engine(f"esql-parser is not installed: {error}")
            return None
        assert esql_field_names(query)
        return None
    from sigma_certutil.verify.engines import run_target, unavailable

    require_engine(unavailable(target_id))
    return {events[i].name for i in run_target(target_id, query, events)}
