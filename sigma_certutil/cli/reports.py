"""The report options every CI-facing command takes (``--junit FILE``, ``--sarif FILE``,
``--format text|github``) and writing what they ask for from the command's cases."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sigma_certutil.reports import Case

OUTPUT_FORMATS = ("text", "github")


def report_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--junit", metavar="FILE", help="also write a JUnit XML report (one test case per case)"
    )
    command.add_argument(
        "--sarif", metavar="FILE", help="also write a SARIF 2.1.0 log (for code scanning)"
    )
    command.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        default="text",
        help="github: print GitHub Actions workflow annotations instead of text lines",
    )


def write_reports(args: argparse.Namespace, command: str, cases: Sequence[Case]) -> None:
    """Each report file the options name (whole or not at all); with ``--format github`` the
    annotations on stdout."""
    from sigma_certutil.reports import github_annotations, write_report

    if args.junit:
        write_report("junit", Path(args.junit), command, cases)
    if args.sarif:
        write_report("sarif", Path(args.sarif), command, cases)
    if args.format == "github":
        for line in github_annotations(cases):
            sys.stdout.write(line + "\n")
