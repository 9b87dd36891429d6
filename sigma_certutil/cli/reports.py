"""The report options every CI-facing command takes: ``--junit FILE``, ``--sarif FILE`` and
``--format github``, and writing what they ask for."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the reports are imported by a command that writes one
    from sigma_certutil.reports import Case

FORMATS = ("text", "github")


def report_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--junit",
        metavar="FILE",
        help="write a JUnit XML report: one test case per rule and target",
    )
    command.add_argument(
        "--sarif", metavar="FILE", help="write a SARIF 2.1.0 report of the findings (code scanning)"
    )
    command.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="github: also print a GitHub Actions annotation per finding (default: text)",
    )


def emit_reports(args: argparse.Namespace, command: str, cases: Sequence[Case]) -> None:
    """Write the reports the options ask for; each file is written whole or not at all
    (OutputError, exit 2, when it cannot be)."""
    from sigma_certutil.reports import github_annotations, write_report

    for kind in ("junit", "sarif"):
        path = getattr(args, kind, None)
        if path:
            write_report(kind, Path(path), command, cases)
    if getattr(args, "format", "text") == "github":
        for line in github_annotations(cases):
            sys.stdout.write(line + "\n")
