"""`test`: each rule's test events through every target's engine, judged against what the
rule's tests say must match (sigma_certutil/ruletests).

The exit codes are TEST_EXIT_CODES, the help's epilog (``rule_test_outcome`` decides them).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sigma_certutil.cli.common import (
    EXIT_CONVERSION,
    EXIT_OK,
    EXIT_USAGE,
    chosen_targets,
    print_error,
)
from sigma_certutil.errors import CertutilError

if TYPE_CHECKING:
    from sigma_certutil.ruletests.run import RuleTestRun

TEST_DESCRIPTION = """\
Run each rule's test events through every target's engine, stored as each
target's product stores them, and through the Sigma reference (the rule on the
raw fields), and check that each matches exactly what the test says.

A rule's test events are found, in this order:
  SigmaHQ's layout: ROOT/regression_data/<rule path>/info.yml for a rule at
    ROOT/<rule path>.yml (rule id, the events' JSON, match_count)
  beside the rule: <stem>.match.json (events it must match, each of them) and
    <stem>.nomatch.json (events it must not match)

Splunk and ES|QL have no engine here: "not executed", never passed.
Needs: pip install 'sigma-certutil[verify]' (lucene also a JDK and Debian's
liblucene8-java)."""

TEST_EXIT_CODES = """\
exit codes:
  0  every tested rule matched what its tests say, on every target that ran
     and in the reference (untested rules and targets not executed do not
     fail)
  1  a test failed: a target or the reference matched other events, an engine
     failed, a target could not convert the rule (unless --allow-unsupported),
     a rule has no tests under --require-tests, or rules had tests but no
     target's query ran (only targets without an engine were chosen)
  2  usage or input error: a rule or test file that cannot be read; the
     reference's SQLite backend or every chosen engine is not installed
  3  internal error"""

# The counts of the summary line, in this order.
_SHOWN = {
    "passed": "passed",
    "failed": "failed",
    "error": "errors",
    "skipped": "skipped",
    "not executed": "not executed",
}


def rule_test_command(args: argparse.Namespace) -> int:
    from sigma_certutil.build import rule_files
    from sigma_certutil.cli.reports import emit_reports
    from sigma_certutil.processing.registry import user_pipeline
    from sigma_certutil.ruletests import run_rule_tests

    targets = chosen_targets(args.targets)
    for pipeline in args.pipelines:
        user_pipeline(pipeline)  # a broken one is an error even when no rule has tests
    run = run_rule_tests(
        rule_files(args.rules),
        targets,
        args.pipelines,
        allow_unsupported=args.allow_unsupported,
        require_tests=args.require_tests,
        limits=args.limits,
    )
    write_run(run, quiet=args.quiet)
    emit_reports(args, "test", run.cases)
    return rule_test_outcome(run)


def write_run(run: RuleTestRun, *, quiet: bool = False) -> None:
    """One line per failure (``file:line: target: what differed``), per untested rule, per
    input error (stderr); then, unless ``quiet``, the counts per target."""
    from sigma_certutil.reports import Status

    for error in run.errors:
        print_error(error)
    for case in run.cases:
        if case.status in (Status.PASSED, Status.SKIPPED):
            continue  # an untested rule and a target not executed are in the counts
        if case.status is Status.ERROR and case.target is None:
            continue  # an input error: printed above
        shown = case.name.removesuffix(f" [{case.target}]") if case.target else case.name
        where = shown + (f":{case.line}" if case.line else "")
        target = f" {case.target}:" if case.target else ""
        sys.stdout.write(f"{where}:{target} {case.message}\n")
    if not quiet:
        sys.stdout.write(summary(run) + "\n")


def summary(run: RuleTestRun) -> str:
    """``test: 3 rules tested, 1 untested; reference 3 passed; eql 2 passed, 1 failed; ...``"""
    per_target: dict[str, Counter[str]] = {}
    for case in run.cases:
        if case.target is not None:
            status = case.status.value
            if status == "skipped" and case.message.startswith("converted, not executed"):
                status = "not executed"
            per_target.setdefault(case.target, Counter())[status] += 1
    parts = [
        f"{target} "
        + ", ".join(
            f"{counts[status]} {shown}" for status, shown in _SHOWN.items() if counts[status]
        )
        for target, counts in per_target.items()
    ]
    head = (
        f"test: {run.tested} rule{'s' if run.tested != 1 else ''} tested, {run.untested} untested"
    )
    return "; ".join([head, *parts])


def rule_test_outcome(run: RuleTestRun, errors: Sequence[CertutilError] = ()) -> int:
    """The exit code of a run (see TEST_EXIT_CODES)."""
    if run.errors or errors:
        return EXIT_USAGE
    if run.tested and not run.executed and run.unavailable:
        engines = "; ".join(f"{target}: {why}" for target, why in run.unavailable.items())
        print_error(f"nothing was checked: engine unavailable ({engines})")
        return EXIT_USAGE
    if run.failed:
        return EXIT_CONVERSION
    if run.tested and not run.executed:
        print_error("nothing was checked: no target's query ran on an engine")
        return EXIT_CONVERSION
    return EXIT_OK
