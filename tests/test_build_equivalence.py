"""The fast build changes nothing: in worker processes, with the targets' shared pipeline
steps applied once per rule, it writes exactly the queries and refusals that converting each
rule for each target on its own gives, the golden files included, and verify's verdicts on
real events are those of the built queries."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from helpers import SHARED, SNAPSHOTS, built_queries, golden_rules, require_engine, shared_path
from regression import _is_sysmon_rule, regressions

from sigma_certutil import TARGETS, ConversionError, convert, load_rule
from sigma_certutil.build import build
from sigma_certutil.verify import Verdict, verify
from sigma_certutil.verify.engines import run_target, unavailable
from sigma_certutil.verify.events import SysmonEvent

# The targets with an engine (their rows name one).
EXECUTABLE = [target.id for target in TARGETS.values() if target.engine is not None]


def _one_at_a_time(rule_file: Path) -> dict[str, str]:
    """Each target's query (or refusal message) from its own conversion of a fresh rule."""
    found = {}
    for target in TARGETS:
        try:
            found[target] = convert(load_rule(rule_file), target)
        except ConversionError as error:
            found[target] = f"refused: {error}"
    return found


def _build_in_workers(rules: list[Path], out: Path) -> None:
    result = build(rules, out, workers=2, allow_unsupported=True)
    assert not result.errors
    assert len(result.written) > len(rules)  # the queries and the manifest


def test_golden_rules_build_as_their_golden_files(tmp_path: Path) -> None:
    rules = golden_rules()
    _build_in_workers(rules, tmp_path / "out")
    for rule_file in rules:
        built = built_queries(tmp_path / "out", rule_file)
        assert built == _one_at_a_time(rule_file), rule_file.name
        for target, spec in TARGETS.items():
            golden = SNAPSHOTS / rule_file.stem / f"{target}.{spec.extension}"
            if golden.exists():
                assert built[target] + "\n" == golden.read_bytes().decode("utf-8")


@pytest.mark.shared
def test_a_sample_of_sigmahq_builds_as_one_rule_at_a_time(tmp_path: Path) -> None:
    windows_rules = shared_path("data", "sigmahq", "rules", "windows")
    rules = sorted(windows_rules.rglob("*.yml"))[::15]  # every folder, ~160 rules
    _build_in_workers(rules, tmp_path / "out")
    differ = [
        rule_file.name
        for rule_file in rules
        if built_queries(tmp_path / "out", rule_file) != _one_at_a_time(rule_file)
    ]
    assert differ == []


def _regression_sample() -> list[tuple[Path, list[SysmonEvent]]]:
    shared_path("data", "sigmahq", "regression_data")  # skips (fails under CI) without it
    by_folder: dict[str, list[tuple[Path, list[SysmonEvent]]]] = defaultdict(list)
    for case in regressions(SHARED):
        if _is_sysmon_rule(case.rule):
            by_folder[case.rule.parent.name].append((case.rule, list(case.events)))
    # One rule of each of six categories: every engine run starts a process.
    return [cases[0] for cases in by_folder.values()][:6]


@pytest.mark.shared
@pytest.mark.engine
def test_verify_verdicts_are_those_of_the_built_queries(tmp_path: Path) -> None:
    for target in EXECUTABLE:
        require_engine(unavailable(target))
    sample = _regression_sample()
    rules = [rule_file for rule_file, _ in sample]
    _build_in_workers([*rules, *golden_rules()[:8]], tmp_path / "out")
    for rule_file, events in sample:
        built = built_queries(tmp_path / "out", rule_file)
        [checked] = verify([load_rule(rule_file)], events)
        for result in checked.results:
            if result.status in (Verdict.AGREES, Verdict.DISAGREES):
                hits = run_target(result.target, built[result.target], events)
                names = tuple(events[i].name for i in sorted(hits))
                assert names == result.matched, (rule_file.name, result.target)
            elif result.status is Verdict.NOT_CONVERTED:
                assert built[result.target].startswith("refused: ")


def test_own_pipelines_share_steps_and_build_as_each_target_alone(tmp_path: Path) -> None:
    """A user pipeline joins the shared steps; one with variables makes every target convert
    on its own copy of the rule (the path each target's own conversion takes): same output."""
    index = tmp_path / "index.yml"
    index.write_text(
        "name: our index\npriority: 40\ntransformations:\n"
        "  - id: our_index\n    type: add_condition\n    conditions:\n      index: sysmon\n",
        encoding="utf-8",
    )
    with_vars = tmp_path / "index_vars.yml"
    with_vars.write_text(index.read_text(encoding="utf-8") + "vars:\n  unused: x\n", "utf-8")
    rules = golden_rules()
    shared = build(rules, tmp_path / "shared", pipelines=[index], workers=2, allow_unsupported=True)
    alone = build(
        rules, tmp_path / "alone", pipelines=[with_vars], workers=2, allow_unsupported=True
    )
    assert not shared.errors and not alone.errors
    assert [o.query_hash for o in shared.outputs] == [o.query_hash for o in alone.outputs]
    splunk = (tmp_path / "shared" / "splunk" / f"{rules[0].stem}.spl").read_text(encoding="utf-8")
    assert splunk.startswith('index="sysmon" ')
