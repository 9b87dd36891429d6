"""`verify`: each target's query on its engine over events, beside the Sigma reference.

The exit codes are VERIFY_EXIT_CODES, the help's epilog (``_outcome`` decides them); the text
output ends with one line, ``summary``, saying how many queries ran and how they compared.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sigma_certutil.cli.common import (
    EXIT_CONVERSION,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    chosen_targets,
    exit_code,
    load_rules,
    print_error,
)
from sigma_certutil.errors import CertutilError

if TYPE_CHECKING:
    from sigma_certutil.verify import RuleVerification, SysmonEvent


# The subcommand's help text (cli/parser.py).
VERIFY_DESCRIPTION = """\
Run each target's query on its real engine over raw Sysmon events, stored as
each target's ingest stores them, and compare the matched events with the Sigma
reference (the rule on the raw fields).

Needs: pip install 'sigma-certutil[verify]'
(lucene also a JDK and Debian's liblucene8-java)."""

VERIFY_EXIT_CODES = """\
exit codes:
  0  at least one target's query ran on its engine, and all that ran agree
     with the reference
  1  a target disagrees or its engine fails; or nothing was checked (no
     target's query ran: each was not converted or has no engine here)
  2  usage or input error (a rule, an events file); the reference's SQLite
     backend is not installed; or nothing was checked because an engine is
     not installed
  3  internal error
A target whose engine is missing is reported 'engine unavailable': while
another target ran, that alone does not change the exit code."""


def verify_command(args: argparse.Namespace) -> int:
    from sigma_certutil.verify import load_events, verify

    target_ids = chosen_targets(args.targets)
    errors: list[CertutilError] = []
    rules = load_rules(args.rules, errors, args.limits)
    for failure in errors:
        print_error(failure)
    events = [event for path in args.events for event in load_events(path)]
    for event in events:
        for note in event.notes:
            sys.stderr.write(f"{PROG}: note: {event.name}: {note}\n")
    report = verify([rule for _, rule in rules], events, target_ids)
    sources = [source for source, _ in rules]
    if args.json:
        sys.stdout.write(json.dumps(_json_rows(sources, report), indent=2) + "\n")
    else:
        _write_text(sources, report, events)
    code = _outcome(report)
    return max(code, exit_code(errors))


def _json_rows(sources: Sequence[str], report: Sequence[RuleVerification]) -> list[object]:
    return [
        {
            "rule": source,
            "title": checked.title,
            "reference": list(checked.reference),
            "targets": [
                {
                    "target": result.target,
                    "status": result.status.value,
                    "matched": list(result.matched),
                    "detail": result.detail,
                }
                for result in checked.results
            ],
        }
        for source, checked in zip(sources, report, strict=True)
    ]


def _write_text(
    sources: Sequence[str], report: Sequence[RuleVerification], events: Sequence[SysmonEvent]
) -> None:
    from sigma_certutil.verify import Verdict

    for source, checked in zip(sources, report, strict=True):
        sys.stdout.write(
            f"{source}: {checked.title}\n  reference  {len(checked.reference)} of "
            f"{len(events)} events: {', '.join(checked.reference) or '-'}\n"
        )
        for result in checked.results:
            line = f"  {result.target:<10} {result.status.value}"
            if result.matched or result.status in (Verdict.AGREES, Verdict.DISAGREES):
                line += f": {', '.join(result.matched) or 'no event'}"
            if result.detail:
                line += f" ({result.detail})"
            sys.stdout.write(line + "\n")
    if report:
        sys.stdout.write(summary(report) + "\n")


def summary(report: Sequence[RuleVerification]) -> str:
    """One line: how many target queries ran on an engine and how they compared."""
    from sigma_certutil.verify import Verdict

    results = [result for checked in report for result in checked.results]
    ran = [result for result in results if result.status.executed]
    if not ran:
        return "checked nothing: no target's query ran on an engine"
    counts = [
        (sum(r.status is verdict for r in ran), one, many)
        for verdict, one, many in (
            (Verdict.AGREES, "agrees", "agree"),
            (Verdict.DISAGREES, "disagrees", "disagree"),
            (Verdict.ENGINE_ERROR, "engine error", "engine errors"),
        )
    ]
    parts = [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]
    queries = "query" if len(ran) == 1 else "queries"
    return f"checked {len(ran)} {queries} on their engines: {', '.join(parts)}"


def _outcome(report: Sequence[RuleVerification]) -> int:
    """The exit code the verdicts give (see the module's docstring)."""
    from sigma_certutil.verify import Verdict

    if not report:
        return EXIT_OK  # no rule could be read: their errors give the exit code
    if any(checked.disagrees for checked in report):
        return EXIT_CONVERSION
    if any(checked.executed for checked in report):
        return EXIT_OK
    missing = {
        result.target: result.detail
        for checked in report
        for result in checked.results
        if result.status is Verdict.UNAVAILABLE
    }
    if missing:
        engines = "; ".join(f"{target}: {detail}" for target, detail in missing.items())
        print_error(f"nothing was checked: engine unavailable ({engines})")
        return EXIT_USAGE
    print_error(
        "nothing was checked: no target's query ran on an engine (each was not converted or"
        " has no engine here)"
    )
    return EXIT_CONVERSION
